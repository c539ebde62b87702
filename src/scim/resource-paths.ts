// The flat-attribute convention: a SCIM User as a record keyed by attribute paths (`name.givenName`,
// `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:manager`), which is what a sync's mapping
// produces and the planner diffs; and the pure functions between that record and SCIM JSON.
import { resolveAttributePath, USER_RESOURCE_SCHEMA } from './attribute-resolver.ts';
import type { ResourceSchema } from './attribute-resolver.ts';
import { badRequest } from './errors.ts';
import type { AttributePath, Filter, ParseResult } from './filter-ast.ts';
import { parsePatchPath } from './filter-parser.ts';
import { printPatchPath } from './filter-printer.ts';
import { isPlainObject } from './resource-input.ts';
import type { AttributeDefinition, ScimResource } from './schema.ts';

/** A value in the flat form: a scalar, or the strings of a multi-valued simple attribute. */
export type FlatValue = string | number | boolean | readonly string[];

/** A flat value or `null`, which in a change means "clear it". */
export type FlatAttributeValue = FlatValue | null;

/** A sub-attribute value that selects an element of a multi-valued attribute: `type eq "work"`. */
export type ElementMatch = readonly (readonly [subAttribute: string, value: string | number | boolean])[];

/**
 * A parsed flat key. `uri` is set for extension attributes only (core attributes are never
 * qualified); names are in schema case when the schema knows them.
 * - `attribute`: `userName`, `urn:…:User:department`; a reference such as the enterprise `manager`
 *   holds the referenced id as a string.
 * - `subAttribute`: a sub-attribute of a single-valued complex attribute, `name.givenName`.
 * - `element`: a sub-attribute of the element of a multi-valued attribute that `match` selects,
 *   `emails[type eq "work"].value`.
 */
export type FlatKey =
  | {
      readonly kind: 'attribute';
      readonly text: string;
      readonly uri?: string;
      readonly attribute: string;
      readonly definition?: AttributeDefinition;
    }
  | {
      readonly kind: 'subAttribute';
      readonly text: string;
      readonly uri?: string;
      readonly attribute: string;
      readonly subAttribute: string;
      readonly definition?: AttributeDefinition;
    }
  | {
      readonly kind: 'element';
      readonly text: string;
      readonly uri?: string;
      readonly attribute: string;
      readonly match: ElementMatch;
      readonly subAttribute: string;
      readonly definition?: AttributeDefinition;
    };

type JsonObject = Record<string, unknown>;

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

const isUrnKey = (key: string): boolean => /^urn:/i.test(key);

/** Values that point at another resource (the enterprise `manager`) are identified by `value` alone. */
function isReference(definition: AttributeDefinition | undefined): boolean {
  if (definition?.type !== 'complex' || definition.multiValued) return false;
  const subs = definition.subAttributes ?? [];
  return subs.some((s) => s.name === '$ref') && subs.some((s) => s.name === 'value');
}

/** Attributes the service provider sets (`id`, `meta`, a User's `groups`) or never returns (`password`). */
function isClientOwned(definition: AttributeDefinition | undefined): boolean {
  if (definition === undefined) return true;
  return definition.mutability !== 'readOnly' && definition.returned !== 'never';
}

function subDefinition(
  parent: AttributeDefinition | undefined,
  name: string,
): AttributeDefinition | undefined {
  return parent?.subAttributes?.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

/** The canonical spelling of an extension URN: the schema's, when the schema has that extension. */
function canonicalUri(schema: ResourceSchema, uri: string | undefined): string | undefined {
  if (uri === undefined || uri.toLowerCase() === schema.core.id.toLowerCase()) return undefined;
  return schema.extensions.find((e) => e.id.toLowerCase() === uri.toLowerCase())?.id ?? uri;
}

/** The definition of a top-level attribute, core (and common) when `uri` is absent, else the extension's. */
function definitionOf(
  schema: ResourceSchema,
  uri: string | undefined,
  attribute: string,
): AttributeDefinition | undefined {
  const resolved = resolveAttributePath(schema, uri === undefined ? { attribute } : { uri, attribute });
  // An unqualified name only means a core attribute here: extension attributes are always qualified.
  if (resolved === undefined || (uri === undefined && resolved.isExtension)) return undefined;
  return resolved.attribute;
}

function printKey(
  uri: string | undefined,
  attribute: string,
  match?: ElementMatch,
  subAttribute?: string,
): string {
  const path: AttributePath = uri === undefined ? { attribute } : { uri, attribute };
  if (match === undefined) {
    return printPatchPath(subAttribute === undefined ? { path } : { path: { ...path, subAttribute } });
  }
  const filter = match
    .map(([name, value]): Filter => ({ kind: 'compare', path: { attribute: name }, op: 'eq', value }))
    .reduce((left, right): Filter => ({ kind: 'and', left, right }));
  return printPatchPath(subAttribute === undefined ? { path, filter } : { path, filter, subAttribute });
}

// ---------------------------------------------------------------------------------------------
// Flatten

/**
 * The flat form of a resource (a User by default). Keys are canonical attribute paths; values are
 * scalars, or string lists for multi-valued simple attributes. Left out: `schemas` (it follows the
 * attributes), attributes the service provider owns (`id`, `meta`, `groups`, `password`), nulls and
 * empty lists, and what the convention cannot name: elements of a multi-valued attribute without a
 * string `type`, and every element after the first of a type. The enterprise `manager` becomes the
 * manager's id (`$ref` and `displayName` are the server's).
 *
 * Invariant: `unflattenAttributes(flattenResource(r))` deep-equals `r` for every resource that holds
 * only client-owned attributes, whose multi-valued complex elements each have a distinct string
 * `type`, whose manager holds only `value`, and whose `schemas` lists the core URN and then the
 * extensions present in schema order.
 */
export function flattenResource(
  resource: ScimResource,
  schema: ResourceSchema = USER_RESOURCE_SCHEMA,
): Record<string, FlatValue> {
  const out: Record<string, FlatValue> = {};
  for (const key of Object.keys(resource)) {
    if (key.toLowerCase() === 'schemas') continue;
    const value = resource[key];
    if (isUrnKey(key) && isPlainObject(value)) {
      const uri = canonicalUri(schema, key);
      for (const inner of Object.keys(value)) flattenAttribute(out, schema, uri, inner, value[inner]);
    } else {
      flattenAttribute(out, schema, undefined, key, value);
    }
  }
  return out;
}

function flattenAttribute(
  out: Record<string, FlatValue>,
  schema: ResourceSchema,
  uri: string | undefined,
  name: string,
  value: unknown,
): void {
  const definition = definitionOf(schema, uri, name);
  // Unknown attributes (another server's extensions) are kept under the name the server used.
  if (definition !== undefined && !isClientOwned(definition)) return;
  const attribute = definition?.name ?? name;
  if (value === null || value === undefined) return;
  if (isScalar(value)) {
    out[printKey(uri, attribute)] = value;
    return;
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'string')) {
      out[printKey(uri, attribute)] = [...value];
      return;
    }
    const seen = new Set<string>();
    for (const element of value) {
      if (!isPlainObject(element)) continue;
      const typeKey = Object.keys(element).find((k) => k.toLowerCase() === 'type');
      const type = typeKey === undefined ? undefined : element[typeKey];
      if (typeof type !== 'string' || seen.has(type)) continue;
      seen.add(type);
      for (const sub of Object.keys(element)) {
        const subValue = element[sub];
        if (sub === typeKey || !isScalar(subValue)) continue;
        const subDef = subDefinition(definition, sub);
        if (subDef !== undefined && !isClientOwned(subDef)) continue;
        out[printKey(uri, attribute, [['type', type]], subDef?.name ?? sub)] = subValue;
      }
    }
    return;
  }
  if (!isPlainObject(value)) return;
  if (isReference(definition)) {
    const id = value['value'];
    if (isScalar(id)) out[printKey(uri, attribute)] = id;
    return;
  }
  for (const sub of Object.keys(value)) {
    const subValue = value[sub];
    const subDef = subDefinition(definition, sub);
    if (subDef !== undefined && !isClientOwned(subDef)) continue;
    if (isScalar(subValue)) out[printKey(uri, attribute, undefined, subDef?.name ?? sub)] = subValue;
  }
}

// ---------------------------------------------------------------------------------------------
// Keys

function readMatch(filter: Filter, out: [string, string | number | boolean][]): string | undefined {
  if (filter.kind === 'and') return readMatch(filter.left, out) ?? readMatch(filter.right, out);
  if (
    filter.kind !== 'compare' ||
    filter.op !== 'eq' ||
    filter.path.uri !== undefined ||
    filter.path.subAttribute !== undefined ||
    filter.value === null
  ) {
    return 'an element filter may only join "sub-attribute eq value" with "and", such as [type eq "work"]';
  }
  out.push([filter.path.attribute, filter.value]);
  return undefined;
}

/**
 * Parses a flat key against a schema (User by default): the syntax of a SCIM PATCH path (RFC 7644
 * §3.5.2) restricted to what names one scalar. Names and URNs take the schema's spelling; an
 * unqualified extension attribute (`department`) is accepted when exactly one extension defines it.
 * Refused: unparsable paths, `schemas`, attributes the service provider owns, element filters other
 * than `sub eq value` joined by `and`, and an element key without a sub-attribute.
 */
export function parseFlatKey(
  key: string,
  schema: ResourceSchema = USER_RESOURCE_SCHEMA,
): ParseResult<FlatKey> {
  const parsed = parsePatchPath(key);
  if (!parsed.ok) return { ok: false, error: `"${key}" is not an attribute path: ${parsed.error}` };
  const { path, filter, subAttribute: afterFilter } = parsed.value;
  if (path.uri === undefined && path.attribute.toLowerCase() === 'schemas') {
    return { ok: false, error: '"schemas" follows the attributes present and is never set directly' };
  }
  let uri = canonicalUri(schema, path.uri);
  let definition = definitionOf(schema, uri, path.attribute);
  if (definition === undefined && uri === undefined) {
    // The short form of an extension attribute: resolve it, then always write it qualified.
    const resolved = resolveAttributePath(schema, { attribute: path.attribute });
    if (resolved?.isExtension) {
      uri = resolved.schemaUri;
      definition = resolved.attribute;
    }
  }
  if (definition !== undefined && !isClientOwned(definition)) {
    return { ok: false, error: `"${definition.name}" is set by the service provider, not by a client` };
  }
  const attribute = definition?.name ?? path.attribute;
  const base = { ...(uri === undefined ? {} : { uri }), attribute, ...(definition ? { definition } : {}) };
  if (filter !== undefined) {
    if (afterFilter === undefined) {
      return { ok: false, error: `"${key}" selects a whole element; name one of its sub-attributes` };
    }
    const raw: [string, string | number | boolean][] = [];
    const problem = readMatch(filter, raw);
    if (problem !== undefined) return { ok: false, error: `"${key}": ${problem}` };
    const match: ElementMatch = raw.map(([name, value]) => [
      subDefinition(definition, name)?.name ?? name,
      value,
    ]);
    const subAttribute = subDefinition(definition, afterFilter)?.name ?? afterFilter;
    if (match.some(([name]) => name === subAttribute)) {
      return { ok: false, error: `"${key}" sets "${subAttribute}" both in the filter and as the target` };
    }
    if (definition !== undefined && !(definition.multiValued && definition.type === 'complex')) {
      return {
        ok: false,
        error: `"${attribute}" holds one value; an [element filter] is for multi-valued attributes`,
      };
    }
    return {
      ok: true,
      value: {
        kind: 'element',
        text: printKey(uri, attribute, match, subAttribute),
        ...base,
        match,
        subAttribute,
      },
    };
  }
  if (path.subAttribute !== undefined) {
    if (definition?.multiValued) {
      return {
        ok: false,
        error: `"${attribute}" holds several values; name one element, such as ${attribute}[type eq "work"].${path.subAttribute}`,
      };
    }
    if (definition !== undefined && definition.type !== 'complex') {
      return { ok: false, error: `"${attribute}" has no sub-attributes` };
    }
    const subAttribute = subDefinition(definition, path.subAttribute)?.name ?? path.subAttribute;
    return {
      ok: true,
      value: {
        kind: 'subAttribute',
        text: printKey(uri, attribute, undefined, subAttribute),
        ...base,
        subAttribute,
      },
    };
  }
  return { ok: true, value: { kind: 'attribute', text: printKey(uri, attribute), ...base } };
}

function parseOrThrow(key: string, schema: ResourceSchema): FlatKey {
  const parsed = parseFlatKey(key, schema);
  if (!parsed.ok) throw badRequest('invalidPath', parsed.error);
  return parsed.value;
}

/** Checks that `value` fits the key and returns what the resource holds for it. */
function valueFor(key: FlatKey, value: FlatValue): unknown {
  const fail = (what: string): never => {
    throw badRequest('invalidValue', `"${key.text}" ${what}`);
  };
  const isList = Array.isArray(value);
  if (isList && !(value as readonly unknown[]).every((v) => typeof v === 'string'))
    fail('takes a list of strings only');
  if (key.kind !== 'attribute') return isList ? fail('takes one value, not a list') : value;
  const definition = key.definition;
  if (definition === undefined) return isList ? [...(value as readonly string[])] : value;
  if (isReference(definition)) return isList ? fail('takes the referenced id') : { value };
  if (definition.type === 'complex') {
    const example = definition.multiValued
      ? `${definition.name}[type eq "work"].${definition.subAttributes?.[0]?.name ?? 'value'}`
      : `${definition.name}.${definition.subAttributes?.[0]?.name ?? 'value'}`;
    return fail(`is complex; use its sub-attributes, such as ${example}`);
  }
  if (definition.multiValued) return isList ? [...(value as readonly string[])] : [value];
  return isList ? fail('takes one value, not a list') : value;
}

// ---------------------------------------------------------------------------------------------
// Unflatten and apply

function containerFor(
  resource: JsonObject,
  uri: string | undefined,
  create: boolean,
): JsonObject | undefined {
  if (uri === undefined) return resource;
  const current = resource[uri];
  if (isPlainObject(current)) return current;
  if (!create) return undefined;
  const created: JsonObject = {};
  resource[uri] = created;
  return created;
}

const sameMatchValue = (a: unknown, b: string | number | boolean, isCaseInsensitive: boolean): boolean =>
  isCaseInsensitive && typeof a === 'string' && typeof b === 'string'
    ? a.toLowerCase() === b.toLowerCase()
    : a === b;

function matches(element: unknown, match: ElementMatch, isCaseInsensitive = true): element is JsonObject {
  return (
    isPlainObject(element) &&
    match.every(([name, value]) => sameMatchValue(element[name], value, isCaseInsensitive))
  );
}

/**
 * The element a key names: exactly spelled first; for a change, else one that differs only in case,
 * as a SCIM filter on `type` (caseExact false) would find it.
 */
function indexOfElement(elements: readonly unknown[], match: ElementMatch, isChange: boolean): number {
  const exact = elements.findIndex((e) => matches(e, match, false));
  return exact !== -1 || !isChange ? exact : elements.findIndex((e) => matches(e, match));
}

/**
 * `schemas`: the core URN, the schema's extensions present in schema order, then other URNs that were
 * listed or are present, unless their object was just emptied (Entra lists its own URNs without one).
 */
function schemasOf(
  resource: JsonObject,
  schema: ResourceSchema,
  previous: unknown,
  emptied: ReadonlySet<string>,
): string[] {
  const present = (uri: string): boolean =>
    isPlainObject(resource[uri]) && Object.keys(resource[uri]).length > 0;
  const uris = [schema.core.id, ...schema.extensions.map((e) => e.id).filter(present)];
  const others = [
    ...(Array.isArray(previous) ? previous.filter((u): u is string => typeof u === 'string') : []),
    ...Object.keys(resource).filter(isUrnKey),
  ];
  for (const uri of others) {
    const lower = uri.toLowerCase();
    if (uris.some((u) => u.toLowerCase() === lower) || emptied.has(lower)) continue;
    if (schema.extensions.some((e) => e.id.toLowerCase() === lower)) continue;
    uris.push(uri);
  }
  return uris;
}

function withSchemas(resource: JsonObject, schema: ResourceSchema, previous: unknown): ScimResource {
  const emptied = new Set<string>();
  for (const key of Object.keys(resource)) {
    const value = resource[key];
    if (isUrnKey(key) && isPlainObject(value) && Object.keys(value).length === 0) {
      delete resource[key];
      emptied.add(key.toLowerCase());
    }
  }
  const { schemas: _schemas, ...rest } = resource;
  return { schemas: schemasOf(rest, schema, previous, emptied), ...rest };
}

/** Sets one flat value in `resource` (mutating it); `null` clears. */
function setFlat(resource: JsonObject, key: FlatKey, value: FlatAttributeValue, isChange: boolean): void {
  const container = containerFor(resource, key.uri, value !== null);
  if (container === undefined) return;
  switch (key.kind) {
    case 'attribute':
      if (value === null) delete container[key.attribute];
      else container[key.attribute] = valueFor(key, value);
      return;
    case 'subAttribute': {
      const current = container[key.attribute];
      const parent: JsonObject = isPlainObject(current) ? current : {};
      if (value === null) delete parent[key.subAttribute];
      else parent[key.subAttribute] = valueFor(key, value);
      if (Object.keys(parent).length === 0) delete container[key.attribute];
      else container[key.attribute] = parent;
      return;
    }
    case 'element': {
      const current = container[key.attribute];
      const elements: unknown[] = Array.isArray(current) ? [...current] : [];
      if (value === null) {
        // Clearing an element's value removes the element: an email without an address means nothing.
        const kept =
          key.subAttribute === 'value'
            ? elements.filter((e) => !matches(e, key.match))
            : elements.map((e) => {
                if (!matches(e, key.match)) return e;
                const { [key.subAttribute]: _cleared, ...rest } = e;
                return rest;
              });
        if (kept.length === 0) delete container[key.attribute];
        else container[key.attribute] = kept;
        return;
      }
      const scalar = valueFor(key, value);
      let index = indexOfElement(elements, key.match, isChange);
      if (index === -1) {
        elements.push(Object.fromEntries(key.match));
        index = elements.length - 1;
      }
      // The key's spelling of the match wins (`Work` becomes `work`), so the next flatten shows the key.
      const element = {
        ...(elements[index] as JsonObject),
        ...Object.fromEntries(key.match),
        [key.subAttribute]: scalar,
      };
      elements[index] = element;
      // RFC 7643 §2.4: at most one primary; a new primary makes the others plain (as Roster's PATCH does).
      if (isChange && key.subAttribute === 'primary' && scalar === true) {
        for (let i = 0; i < elements.length; i++) {
          const other = elements[i];
          if (i !== index && isPlainObject(other) && other['primary'] === true) {
            const { primary: _primary, ...rest } = other;
            elements[i] = rest;
          }
        }
      }
      container[key.attribute] = elements;
      return;
    }
  }
}

/**
 * The resource a flat record describes (a User by default): extension attributes under their URN,
 * elements of multi-valued attributes built from their filters (`{ type: "work", value: … }`) in the
 * order their keys first appear, the manager as `{ value }`, `schemas` first. `null` values are left
 * out (unassigned). Nothing is validated beyond the keys' shapes: two primaries stay two primaries,
 * for the caller's validation to refuse.
 *
 * Invariant: `flattenResource(unflattenAttributes(a))` equals `a` for every record of canonical keys
 * (as `flattenResource` writes them: element filters `type eq …` only) with non-null values.
 *
 * @throws ScimError 400 invalidPath for a key {@link parseFlatKey} refuses, invalidValue for a value
 *   that does not fit its key (a list for a single value, a scalar for a complex attribute).
 */
export function unflattenAttributes(
  attributes: Readonly<Record<string, FlatAttributeValue>>,
  schema: ResourceSchema = USER_RESOURCE_SCHEMA,
): ScimResource {
  const resource: JsonObject = {};
  for (const [key, value] of Object.entries(attributes)) {
    const parsed = parseOrThrow(key, schema);
    if (value === null || value === undefined) continue;
    setFlat(resource, parsed, value, false);
  }
  return withSchemas(resource, schema, undefined);
}

/**
 * Applies flat changes to a resource without touching anything else (elements the flat form cannot
 * name, a manager's `displayName`, attributes of extensions the schema does not know). `null` clears;
 * clearing an element's `value` removes the element. Elements are matched case-insensitively on
 * string filter values, as a SCIM filter on `type` would; a new `primary: true` clears the others.
 * Pure: `resource` is not modified. `schemas` is recomputed.
 *
 * @throws ScimError as {@link unflattenAttributes}.
 */
export function applyFlatChanges(
  resource: ScimResource,
  changes: Readonly<Record<string, FlatAttributeValue>>,
  schema: ResourceSchema = USER_RESOURCE_SCHEMA,
): ScimResource {
  const working: JsonObject = structuredClone(resource);
  for (const [key, value] of Object.entries(changes)) {
    setFlat(working, parseOrThrow(key, schema), value ?? null, true);
  }
  return withSchemas(working, schema, resource['schemas']);
}

/** The User's email for matching: the primary email, else the work email, else null. */
export function primaryEmailOf(resource: ScimResource): string | null {
  const emails = resource['emails'];
  if (!Array.isArray(emails)) return null;
  const valueOf = (e: unknown): string | null =>
    isPlainObject(e) && typeof e['value'] === 'string' && e['value'] !== '' ? e['value'] : null;
  const primary = emails.find((e) => isPlainObject(e) && e['primary'] === true && valueOf(e) !== null);
  if (primary !== undefined) return valueOf(primary);
  const work = emails.find(
    (e) =>
      isPlainObject(e) &&
      typeof e['type'] === 'string' &&
      e['type'].toLowerCase() === 'work' &&
      valueOf(e) !== null,
  );
  return work === undefined ? null : valueOf(work);
}
