// The mapping file of a sync (YAML or JSON): target attribute → expression and options, parsed and
// validated into a typed Mapping, with every problem reported at once with its line and key.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import { z } from 'zod';
import type { CompiledExpression } from './expression-compiler.ts';
import { compileExpression } from './expression-compiler.ts';
import { PERSONIO_DEFAULT_MAPPING_SOURCE } from './personio-default-mapping.ts';
import type { TargetPath } from './target-path.ts';
import { resolveTargetPath } from './target-path.ts';
import { convertTargetValue } from './target-value.ts';
import type { ScimValue } from './target-value.ts';

/** When a mapped value is written: only when the account is created, or on every sync. */
export const APPLY_ON = ['create', 'always'] as const;
export type ApplyOn = (typeof APPLY_ON)[number];

/** Built-in mappings a file can start from with `extends`. */
export const BUILT_IN_MAPPINGS = ['personio'] as const;
export type BuiltInMappingName = (typeof BUILT_IN_MAPPINGS)[number];

/** One target attribute and how it is computed. */
export interface MappedAttribute {
  readonly target: TargetPath;
  readonly expression: CompiledExpression;
  readonly applyOn: ApplyOn;
  /** Written when the expression gives an empty value (null, "", no items); never for "not visible". */
  readonly defaultValue?: ScimValue;
  /** A required attribute without a value is a mapping error; `userName` is always required. */
  readonly isRequired: boolean;
}

/** A validated mapping: target attributes in file order, each target at most once. */
export interface Mapping {
  readonly attributes: readonly MappedAttribute[];
}

/** A problem in a mapping file: where (YAML line and column, 1-based, when known; the key path) and what. */
export interface MappingFileError {
  readonly path: readonly (string | number)[];
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export type MappingFileResult =
  | { readonly ok: true; readonly value: Mapping }
  | { readonly ok: false; readonly errors: readonly MappingFileError[] };

/** Largest mapping file read, in characters; real ones are a few kilobytes. */
export const MAX_MAPPING_FILE_LENGTH = 1_000_000;

const scimValue = z.union([z.string(), z.number(), z.boolean()]);

const ATTRIBUTE_OPTIONS = z.strictObject({
  expression: z.string(),
  applyOn: z.enum(APPLY_ON).optional(),
  default: scimValue.optional(),
  required: z.boolean().optional(),
});

const MAPPING_FILE = z.strictObject({
  extends: z.enum(BUILT_IN_MAPPINGS).optional(),
  attributes: z.record(z.string(), z.unknown()),
});

type Locate = (
  path: readonly (string | number)[],
  at: 'key' | 'value',
) => { line: number; column: number } | undefined;

/** `line 4 (attributes › userName): message`. */
export function formatMappingFileError(error: MappingFileError): string {
  const where = error.line === undefined ? '' : `line ${error.line}`;
  const key = error.path.length === 0 ? '' : error.path.join(' › ');
  const prefix = where && key ? `${where} (${key})` : where || key;
  return prefix ? `${prefix}: ${error.message}` : error.message;
}

function zodMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'is required';
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  return issue.message;
}

interface Entry {
  readonly key: string;
  readonly value: unknown;
}

/**
 * Builds a Mapping from a parsed file. Collects every problem; positions come from `locate` (the
 * YAML document) when there is one.
 */
function buildMapping(raw: unknown, locate: Locate): MappingFileResult {
  const errors: MappingFileError[] = [];
  const report = (
    path: readonly (string | number)[],
    message: string,
    at: 'key' | 'value' = 'value',
  ): void => {
    errors.push({ path, ...locate(path, at), message });
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report([], "a mapping file is an object with 'attributes' (and optionally 'extends')");
    return { ok: false, errors };
  }
  const reportIssues = (issues: readonly z.core.$ZodIssue[], prefix: readonly (string | number)[]): void => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
      // An unknown key is reported where it is written, not at the object that holds it.
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) report([...path, key], zodMessage({ ...issue, keys: [key] }), 'key');
      } else report(path, zodMessage(issue));
    }
  };
  const file = MAPPING_FILE.safeParse(raw);
  if (!file.success) {
    reportIssues(file.error.issues, []);
    return { ok: false, errors: sortErrors(errors) };
  }
  const base = file.data.extends === undefined ? undefined : builtInMapping(file.data.extends);
  const byTarget = new Map<string, MappedAttribute>(base?.attributes.map((a) => [a.target.text, a]) ?? []);
  const keyOf = new Map<string, string>();
  const entries: Entry[] = Object.entries(file.data.attributes).map(([key, value]) => ({ key, value }));
  if (entries.length === 0 && base === undefined)
    report(['attributes'], 'maps no attribute; map at least userName');

  for (const { key, value } of entries) {
    const path = ['attributes', key];
    const target = resolveTargetPath(key);
    if (!target.ok) {
      report(path, target.error, 'key');
      continue;
    }
    const canonical = target.value.text;
    const earlier = keyOf.get(canonical);
    if (earlier !== undefined) {
      report(path, `maps the same attribute as '${earlier}'`, 'key');
      continue;
    }
    keyOf.set(canonical, key);
    if (value === null) {
      if (!byTarget.has(canonical)) {
        report(
          path,
          base
            ? `'${canonical}' is not in the '${file.data.extends}' mapping, so there is nothing to remove`
            : 'null removes an attribute inherited with extends; without extends, leave the line out',
        );
      }
      byTarget.delete(canonical);
      continue;
    }
    let options: z.infer<typeof ATTRIBUTE_OPTIONS>;
    if (typeof value === 'string') {
      options = { expression: value };
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const parsed = ATTRIBUTE_OPTIONS.safeParse(value);
      if (!parsed.success) {
        reportIssues(parsed.error.issues, path);
        // The expression's own problems are worth knowing in the same round.
        const expression: unknown = (value as Record<string, unknown>)['expression'];
        const compiled = typeof expression === 'string' ? compileExpression(expression) : undefined;
        if (compiled && !compiled.ok) {
          report(
            [...path, 'expression'],
            `at character ${compiled.error.position} of the expression: ${compiled.error.message}`,
          );
        }
        continue;
      }
      options = parsed.data;
    } else {
      report(
        path,
        'must be an expression (text) or an object with expression and optionally applyOn, default, required',
      );
      continue;
    }
    const expressionPath = typeof value === 'string' ? path : [...path, 'expression'];
    const compiled = compileExpression(options.expression);
    if (!compiled.ok) {
      report(
        expressionPath,
        `at character ${compiled.error.position} of the expression: ${compiled.error.message}`,
      );
      continue;
    }
    const mapped = toMappedAttribute(target.value, compiled.value, options, (message, option) =>
      report(option === undefined ? expressionPath : [...path, option], message),
    );
    if (mapped) byTarget.set(canonical, mapped);
  }
  if (errors.length === 0 && !byTarget.has('userName')) {
    report(['attributes'], 'must map userName: every SCIM User has one');
  }
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return { ok: true, value: { attributes: [...byTarget.values()] } };
}

function toMappedAttribute(
  target: TargetPath,
  expression: CompiledExpression,
  options: z.infer<typeof ATTRIBUTE_OPTIONS>,
  report: (message: string, option?: string) => void,
): MappedAttribute | undefined {
  let defaultValue: ScimValue | undefined;
  if (options.default !== undefined) {
    if (target.kind === 'reference') {
      report('a manager has no default; an empty expression leaves the account without a manager', 'default');
      return undefined;
    }
    const converted = convertTargetValue(options.default, target.type);
    if (!converted.ok) {
      report(`the default ${converted.error.replace('the expression gave', 'got')}`, 'default');
      return undefined;
    }
    defaultValue = converted.value;
  }
  const isUserName = target.kind === 'attribute' && target.text === 'userName';
  if (isUserName && options.required === false) {
    report('userName is always required', 'required');
    return undefined;
  }
  if (expression.isUniqueSelection && target.kind === 'reference') {
    report('SelectUniqueValue() picks a value for the target; a manager is a reference to another person');
    return undefined;
  }
  return {
    target,
    expression,
    applyOn: options.applyOn ?? 'always',
    ...(defaultValue !== undefined ? { defaultValue } : {}),
    isRequired: isUserName || options.required === true,
  };
}

function sortErrors(errors: MappingFileError[]): MappingFileError[] {
  return errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => (a.error.line ?? Infinity) - (b.error.line ?? Infinity) || a.index - b.index)
    .map(({ error }) => error);
}

const builtIns = new Map<BuiltInMappingName, Mapping>();

/**
 * A built-in mapping, compiled once. Throws only if the built-in itself is broken, which the tests
 * rule out.
 */
export function builtInMapping(name: BuiltInMappingName): Mapping {
  const cached = builtIns.get(name);
  if (cached) return cached;
  const result = buildMapping(PERSONIO_DEFAULT_MAPPING_SOURCE, () => undefined);
  if (!result.ok) {
    throw new Error(
      `the built-in '${name}' mapping is invalid: ${result.errors.map(formatMappingFileError).join('; ')}`,
    );
  }
  builtIns.set(name, result.value);
  return result.value;
}

/** Validates a mapping already parsed from JSON (the admin API); errors carry key paths, no lines. */
export function parseMappingObject(value: unknown): MappingFileResult {
  return buildMapping(value, () => undefined);
}

/**
 * Where a key path sits in the document. A missing key points at its parent; `key` points at the
 * map key rather than its value (for problems with the target path itself).
 */
function locator(doc: Document, lineCounter: LineCounter): Locate {
  return (path, at) => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const segment of path) {
      if (!isMap(node) && !isSeq(node)) break;
      const pair = isMap(node)
        ? node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment)
        : undefined;
      if (isMap(node) && !pair) break;
      keyNode = pair?.key;
      node = isMap(node) ? pair?.value : node.get(segment, true);
    }
    const target = (at === 'key' ? keyNode : undefined) ?? node ?? keyNode;
    const range = (target as YamlNode | undefined)?.range;
    if (!range) return undefined;
    const { line, col } = lineCounter.linePos(range[0]);
    return { line, column: col };
  };
}

/**
 * `userName: [workEmail]` is a YAML list, not the text `[workEmail]`. A list can never be an
 * expression, so a flow list written where an expression goes is read back as the text it was.
 */
function restoreBracketExpressions(doc: Document, text: string): void {
  const attributes = isMap(doc.contents) ? doc.contents.get('attributes', true) : undefined;
  if (!isMap(attributes)) return;
  const restore = (pair: Pair): void => {
    const value = pair.value;
    if (isSeq(value) && value.flow === true && value.range) {
      const scalar = new Scalar(text.slice(value.range[0], value.range[1]).trim());
      scalar.range = value.range;
      pair.value = scalar;
    }
  };
  for (const pair of attributes.items) {
    restore(pair);
    if (isMap(pair.value)) {
      const inner = pair.value.items.find((p) => isScalar(p.key) && p.key.value === 'expression');
      if (inner) restore(inner);
    }
  }
}

/**
 * Parses and validates a mapping file. YAML 1.2 (JSON is YAML, so JSON files work too):
 *
 *     extends: personio                  # optional: start from the built-in mapping
 *     attributes:
 *       userName: "[workEmail]"          # target path: expression
 *       displayName:
 *         expression: Join(" ", [firstName], [lastName])
 *         applyOn: create                # create | always (default)
 *         default: "New colleague"       # when the expression gives an empty value
 *         required: true                 # no value is a mapping error (always so for userName)
 *       title: null                      # removes an attribute the base maps
 *
 * Returns every problem (YAML syntax, unknown keys, unknown or read-only targets, two keys for one
 * target, expression errors with their character position, defaults of the wrong type) with line,
 * column and key path. Never throws.
 */
export function parseMappingFile(text: string): MappingFileResult {
  if (typeof text !== 'string')
    return { ok: false, errors: [{ path: [], message: 'a mapping file must be text' }] };
  if (text.length > MAX_MAPPING_FILE_LENGTH) {
    return {
      ok: false,
      errors: [
        { path: [], message: `the mapping file is longer than ${MAX_MAPPING_FILE_LENGTH} characters` },
      ],
    };
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    return {
      ok: false,
      errors: [{ path: [], message: `the mapping file could not be read: ${String(error)}` }],
    };
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: [], line, column: col, message: e.message };
      }),
    };
  }
  restoreBracketExpressions(doc, text);
  let raw: unknown;
  try {
    // Aliases are expanded here; the cap stops a "billion laughs" file from expanding without end.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      ok: false,
      errors: [
        {
          path: [],
          message: `the mapping file could not be read: ${error instanceof Error ? error.message : String(error)}`,
        },
      ],
    };
  }
  return buildMapping(raw, locator(doc, lineCounter));
}
