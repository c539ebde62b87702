// A small validator for the OpenAPI 3.0 schema subset Personio's published files use ($ref, allOf,
// oneOf, anyOf, type, nullable, enum, properties, required, items, additionalProperties, pattern,
// minimum, maximum), so tests can hold the emulator's responses against the official schemas.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface SchemaError {
  /** JSON pointer into the validated value. */
  path: string;
  message: string;
}

type Schema = Record<string, unknown>;

/** An OpenAPI document loaded from this folder. */
export class OpenApiDocument {
  readonly document: Schema;

  constructor(fileName: string) {
    const text = readFileSync(new URL(fileName, import.meta.url), 'utf8');
    this.document = parse(text) as Schema;
  }

  /** Resolves a local reference such as `#/components/schemas/Employee`. */
  resolve(ref: string): Schema {
    if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
    let node: unknown = this.document;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (typeof node !== 'object' || node === null || !(key in node))
        throw new Error(`unresolvable reference ${ref}`);
      node = (node as Record<string, unknown>)[key];
    }
    return node as Schema;
  }

  /** Validates `value` against the schema at `ref`; an empty list means valid. */
  validate(value: unknown, ref: string): SchemaError[] {
    const errors: SchemaError[] = [];
    this.check(value, this.resolve(ref), '', errors);
    return errors;
  }

  private check(value: unknown, schema: Schema, path: string, errors: SchemaError[]): void {
    if (typeof schema.$ref === 'string') {
      this.check(value, this.resolve(schema.$ref), path, errors);
      return;
    }
    if (value === null && schema.nullable === true) return;
    if (Array.isArray(schema.allOf)) {
      for (const part of schema.allOf as Schema[]) this.check(value, part, path, errors);
    }
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const options = schema[keyword];
      if (!Array.isArray(options)) continue;
      const passing = (options as Schema[]).filter((option) => {
        const sub: SchemaError[] = [];
        this.check(value, option, path, sub);
        return sub.length === 0;
      }).length;
      if (keyword === 'oneOf' ? passing !== 1 : passing === 0) {
        errors.push({ path, message: `${keyword}: ${passing} of ${options.length} alternatives match` });
      }
    }
    if (typeof schema.type === 'string' && !hasType(value, schema.type)) {
      errors.push({ path, message: `expected ${schema.type}, got ${describe(value)}` });
      return;
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((option) => option === value)) {
      errors.push({ path, message: `${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}` });
    }
    if (
      typeof value === 'string' &&
      typeof schema.pattern === 'string' &&
      !new RegExp(schema.pattern).test(value)
    ) {
      errors.push({ path, message: `${JSON.stringify(value)} does not match ${schema.pattern}` });
    }
    if (typeof value === 'number') {
      if (typeof schema.minimum === 'number' && value < schema.minimum)
        errors.push({ path, message: `below ${schema.minimum}` });
      if (typeof schema.maximum === 'number' && value > schema.maximum)
        errors.push({ path, message: `above ${schema.maximum}` });
    }
    if (Array.isArray(value) && typeof schema.items === 'object' && schema.items !== null) {
      value.forEach((item, index) => this.check(item, schema.items as Schema, `${path}/${index}`, errors));
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const key of (schema.required ?? []) as string[]) {
        if (!(key in record)) errors.push({ path, message: `missing required property ${key}` });
      }
      for (const [key, item] of Object.entries(record)) {
        const pointer = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (key in properties) this.check(item, properties[key] as Schema, pointer, errors);
        else if (schema.additionalProperties === false)
          errors.push({ path, message: `unexpected property ${key}` });
        else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
          this.check(item, schema.additionalProperties as Schema, pointer, errors);
        }
      }
    }
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
