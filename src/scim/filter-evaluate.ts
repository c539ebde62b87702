// Schema-aware meaning of a parsed filter: `validateFilter` decides which filters a resource type
// accepts (the one place that answers 400 invalidFilter) and `evaluateFilter` runs one in memory.
// The SQL compiler in the store must give the same answers; the rules are spelled out on each export.
import type { AttributePath, CompareOperator, Filter, FilterValue, ParseResult } from './filter-ast.ts';
import type { AttributeDefinition, ScimResource } from './schema.ts';
import type { ResolvedAttribute, ResourceSchema } from './attribute-resolver.ts';
import { resolveAttributePath, resolveSubAttribute } from './attribute-resolver.ts';
import { printAttributePath } from './filter-printer.ts';

/** Where a path is read: the resource itself, or one element of a complex attribute (`emails[…]`). */
type Scope =
  { readonly kind: 'resource' } | { readonly kind: 'element'; readonly parent: AttributeDefinition };

/** A path resolved in its scope. `target` is what a comparison reads. */
interface Located {
  readonly resolved?: ResolvedAttribute;
  readonly target: AttributeDefinition;
}

const RESOURCE_SCOPE: Scope = { kind: 'resource' };
const SUBSTRING_OPERATORS: ReadonlySet<CompareOperator> = new Set(['co', 'sw', 'ew']);
const ORDERING_OPERATORS: ReadonlySet<CompareOperator> = new Set(['gt', 'ge', 'lt', 'le']);

function quote(text: string): string {
  return text.length > 40 ? `'${text.slice(0, 40)}…'` : `'${text}'`;
}

function locate(schema: ResourceSchema, scope: Scope, path: AttributePath): Located | string {
  const written = quote(printAttributePath(path));
  if (scope.kind === 'element') {
    if (path.uri !== undefined || path.subAttribute !== undefined) {
      return `paths inside '${scope.parent.name}[…]' are relative sub-attribute names; ${written} is not`;
    }
    const target = resolveSubAttribute(scope.parent, path.attribute);
    if (!target) return `'${scope.parent.name}' has no sub-attribute ${quote(path.attribute)}`;
    return { target };
  }
  const top = resolveAttributePath(
    schema,
    path.uri === undefined ? { attribute: path.attribute } : { uri: path.uri, attribute: path.attribute },
  );
  if (!top) return `unknown attribute ${written}`;
  if (path.subAttribute === undefined) return { resolved: top, target: top.attribute };
  if (top.attribute.type !== 'complex')
    return `'${top.attribute.name}' has no sub-attributes, so ${written} names nothing`;
  const subAttribute = resolveSubAttribute(top.attribute, path.subAttribute);
  if (!subAttribute) return `'${top.attribute.name}' has no sub-attribute ${quote(path.subAttribute)}`;
  return { resolved: { ...top, subAttribute }, target: subAttribute };
}

/** The attribute itself, or for a complex attribute compared as a whole its `value` sub-attribute (RFC 7644 §3.4.2.2). */
function comparedAttribute(located: Located): AttributeDefinition | undefined {
  const { target } = located;
  return target.type === 'complex' ? resolveSubAttribute(target, 'value') : target;
}

function isHidden(located: Located): AttributeDefinition | undefined {
  for (const a of [located.resolved?.attribute, located.resolved?.subAttribute, located.target]) {
    if (a && (a.returned === 'never' || a.mutability === 'writeOnly')) return a;
  }
  return undefined;
}

// ---------------------------------------------------------------- literals and dateTimes

/** A dateTime as a comparable pair: whole milliseconds since the epoch and the nanoseconds below them. */
export interface DateTimeKey {
  readonly epochMs: number;
  readonly subMsNanos: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * Parses an xsd:dateTime as SCIM uses it (RFC 7643 §2.3.5): `2015-10-10T14:38:21.8617979-07:00`.
 * Up to nine fractional digits are kept exactly (Microsoft's clients send seven); a missing zone
 * is read as UTC. Answers undefined for anything else, including impossible dates.
 */
export function parseDateTime(text: string): DateTimeKey | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February over into March; a date that does not survive the trip is invalid.
  if (new Date(local).getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetMins = Number(zone.slice(4, 6));
    if (offsetHours > 14 || offsetMins > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const nanos = Number(fraction.padEnd(9, '0'));
  return {
    epochMs: local - offsetMinutes * 60_000 + Math.floor(nanos / 1_000_000),
    subMsNanos: nanos % 1_000_000,
  };
}

function compareDateTimes(a: DateTimeKey, b: DateTimeKey): number {
  return a.epochMs - b.epochMs || a.subMsNanos - b.subMsNanos;
}

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Checks an operator and a literal against the attribute they compare, and coerces the literal
 * the way real clients need: "true"/"false" strings (any case) for booleans, numeric strings for
 * numbers, and numbers or booleans written unquoted against string attributes to their JSON text
 * (`externalId eq 12345`). `null` is accepted with `eq` (unassigned) and `ne` (assigned) only.
 */
function coerceLiteral(
  attribute: AttributeDefinition,
  op: CompareOperator,
  value: FilterValue,
): FilterValue | string[] {
  const name = `'${attribute.name}'`;
  if (value === null) {
    return op === 'eq' || op === 'ne' ? null : [`'${op}' cannot compare ${name} with null; use eq or ne`];
  }
  switch (attribute.type) {
    case 'boolean':
      if (op !== 'eq' && op !== 'ne') return [`only eq and ne apply to the boolean attribute ${name}`];
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(?:true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      return [`${name} is boolean: compare it with true or false`];
    case 'integer':
    case 'decimal': {
      if (SUBSTRING_OPERATORS.has(op)) return [`'${op}' does not apply to the number attribute ${name}`];
      const n = typeof value === 'string' && JSON_NUMBER.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return [`${name} is a number: compare it with a number`];
      if (attribute.type === 'integer' && !Number.isInteger(n))
        return [`${name} is an integer: compare it with one`];
      return n;
    }
    case 'dateTime':
      if (SUBSTRING_OPERATORS.has(op)) return [`'${op}' does not apply to the dateTime attribute ${name}`];
      if (typeof value !== 'string' || !parseDateTime(value)) {
        return [`${name} is a dateTime: compare it with a string such as "2011-05-13T04:42:34Z"`];
      }
      return value;
    case 'binary':
      if (ORDERING_OPERATORS.has(op)) return [`'${op}' does not apply to the binary attribute ${name}`];
      if (typeof value !== 'string') return [`${name} is binary: compare it with a base64 string`];
      return value;
    case 'string':
    case 'reference':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'complex':
      return [`${name} is complex: compare one of its sub-attributes`];
  }
}

// ---------------------------------------------------------------- validation

function validateIn(filter: Filter, schema: ResourceSchema, scope: Scope): Filter | string {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      const left = validateIn(filter.left, schema, scope);
      if (typeof left === 'string') return left;
      const right = validateIn(filter.right, schema, scope);
      if (typeof right === 'string') return right;
      return left === filter.left && right === filter.right ? filter : { kind: filter.kind, left, right };
    }
    case 'not': {
      const inner = validateIn(filter.filter, schema, scope);
      if (typeof inner === 'string') return inner;
      return inner === filter.filter ? filter : { kind: 'not', filter: inner };
    }
    case 'present': {
      const located = locate(schema, scope, filter.path);
      if (typeof located === 'string') return located;
      const hidden = isHidden(located);
      return hidden ? `'${hidden.name}' cannot be used in a filter` : filter;
    }
    case 'compare': {
      const located = locate(schema, scope, filter.path);
      if (typeof located === 'string') return located;
      const hidden = isHidden(located);
      if (hidden) return `'${hidden.name}' cannot be used in a filter`;
      const compared = comparedAttribute(located);
      if (!compared) {
        const example = located.target.subAttributes?.[0]?.name ?? 'value';
        return `'${located.target.name}' is complex: compare one of its sub-attributes, e.g. '${located.target.name}.${example}'`;
      }
      const value = coerceLiteral(compared, filter.op, filter.value);
      if (Array.isArray(value)) return value[0] ?? 'invalid comparison';
      return Object.is(value, filter.value) ? filter : { ...filter, value };
    }
    case 'valuePath': {
      if (scope.kind === 'element') return `value filters cannot be nested inside '${scope.parent.name}[…]'`;
      if (filter.path.subAttribute !== undefined) {
        return `a value filter must follow an attribute, not the sub-attribute ${quote(printAttributePath(filter.path))}`;
      }
      const located = locate(schema, scope, filter.path);
      if (typeof located === 'string') return located;
      const hidden = isHidden(located);
      if (hidden) return `'${hidden.name}' cannot be used in a filter`;
      if (located.target.type !== 'complex') {
        return `'${located.target.name}' is not complex, so it takes no value filter`;
      }
      const inner = validateIn(filter.filter, schema, { kind: 'element', parent: located.target });
      if (typeof inner === 'string') return inner;
      return inner === filter.filter ? filter : { ...filter, filter: inner };
    }
  }
}

/**
 * Checks a parsed filter against a resource type and answers it with its literals coerced
 * (see below), or an error for the HTTP layer to send as 400 `invalidFilter`. This is the single
 * place that decides which filters are meaningful; attribute names stay as the client wrote them.
 *
 * Rejected, with a message that names the attribute:
 * - unknown attributes and sub-attributes (names compare case-insensitively, URN-qualified or not);
 * - a sub-attribute of a simple attribute, a value filter on a simple attribute or after a
 *   sub-attribute, nested value filters, and qualified or dotted paths inside a value filter;
 * - anything about `password` or any other writeOnly or `returned: never` attribute;
 * - a complex attribute compared as a whole unless it has a `value` sub-attribute (`emails co "x"`
 *   compares `emails.value`; `name eq "x"` is refused);
 * - gt/ge/lt/le on booleans and binary; co/sw/ew on booleans, numbers and dateTimes; any operator
 *   but eq/ne on booleans or with `null`;
 * - literals of the wrong type: a dateTime must parse (`meta.lastModified gt 5` is refused).
 *
 * Coerced, because clients send them: `"True"`/`"false"` strings compared with a boolean become
 * booleans (Entra sends string booleans everywhere), numeric strings compared with a number become
 * numbers, and numbers or booleans compared with a string or reference attribute become their JSON
 * text (Entra's unquoted `externalId eq 12345`).
 */
export function validateFilter(filter: Filter, schema: ResourceSchema): ParseResult<Filter> {
  const result = validateIn(filter, schema, RESOURCE_SCOPE);
  return typeof result === 'string' ? { ok: false, error: result } : { ok: true, value: result };
}

// ---------------------------------------------------------------- evaluation

function own(container: unknown, key: string): unknown {
  if (typeof container !== 'object' || container === null || Array.isArray(container)) return undefined;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** RFC 7644 `pr`: not null, not an empty string, not an empty array, not a complex value with nothing in it. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.some(isPresent);
  if (typeof value === 'object' && !(value instanceof Date)) return Object.values(value).some(isPresent);
  return true;
}

/** The raw values a located path reads, flattened across multi-valued attributes. */
function readValues(
  located: Located,
  subName: string | undefined,
  resource: ScimResource,
  scope: Scope,
  element: unknown,
): unknown[] {
  let raw: readonly unknown[];
  if (scope.kind === 'element') {
    raw = asList(own(element, located.target.name));
  } else {
    const resolved = located.resolved;
    if (!resolved) return [];
    const container = resolved.isExtension ? own(resource, resolved.schemaUri) : resource;
    raw = asList(own(container, resolved.attribute.name));
    if (resolved.subAttribute) raw = raw.flatMap((e) => asList(own(e, resolved.subAttribute?.name ?? '')));
  }
  return subName === undefined ? [...raw] : raw.flatMap((e) => asList(own(e, subName)));
}

type Comparable = string | number | boolean | DateTimeKey;

function comparable(attribute: AttributeDefinition, value: unknown): Comparable | undefined {
  switch (attribute.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') return undefined;
      return attribute.caseExact ? value : value.toLowerCase();
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'integer':
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'dateTime':
      if (value instanceof Date) {
        const ms = value.getTime();
        return Number.isNaN(ms) ? undefined : { epochMs: ms, subMsNanos: 0 };
      }
      return typeof value === 'string' ? parseDateTime(value) : undefined;
    case 'complex':
      return undefined;
  }
}

function order(a: Comparable, b: Comparable): number | undefined {
  if (typeof a === 'object' && typeof b === 'object') return compareDateTimes(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : undefined;
  return undefined;
}

function matches(op: CompareOperator, value: Comparable, literal: Comparable): boolean {
  switch (op) {
    case 'co':
      return typeof value === 'string' && typeof literal === 'string' && value.includes(literal);
    case 'sw':
      return typeof value === 'string' && typeof literal === 'string' && value.startsWith(literal);
    case 'ew':
      return typeof value === 'string' && typeof literal === 'string' && value.endsWith(literal);
    case 'eq':
    case 'ne':
      return order(value, literal) === 0;
    case 'gt':
      return (order(value, literal) ?? 0) > 0;
    case 'ge':
      return (order(value, literal) ?? -1) >= 0;
    case 'lt':
      return (order(value, literal) ?? 0) < 0;
    case 'le':
      return (order(value, literal) ?? 1) <= 0;
  }
}

function evaluateIn(
  filter: Filter,
  resource: ScimResource,
  schema: ResourceSchema,
  scope: Scope,
  element: unknown,
): boolean {
  switch (filter.kind) {
    case 'and':
      return (
        evaluateIn(filter.left, resource, schema, scope, element) &&
        evaluateIn(filter.right, resource, schema, scope, element)
      );
    case 'or':
      return (
        evaluateIn(filter.left, resource, schema, scope, element) ||
        evaluateIn(filter.right, resource, schema, scope, element)
      );
    case 'not':
      return !evaluateIn(filter.filter, resource, schema, scope, element);
    case 'present': {
      const located = locate(schema, scope, filter.path);
      if (typeof located === 'string' || isHidden(located)) return false;
      return readValues(located, undefined, resource, scope, element).some(isPresent);
    }
    case 'compare': {
      const located = locate(schema, scope, filter.path);
      if (typeof located === 'string' || isHidden(located)) return false;
      const compared = comparedAttribute(located);
      if (!compared) return false;
      const coerced = coerceLiteral(compared, filter.op, filter.value);
      if (Array.isArray(coerced)) return false;
      const subName = compared === located.target ? undefined : compared.name;
      const values = readValues(located, subName, resource, scope, element);
      if (coerced === null) {
        const assigned = values.some(isPresent);
        return filter.op === 'eq' ? !assigned : assigned;
      }
      const literal = comparable(compared, coerced);
      if (literal === undefined) return false;
      const op = filter.op === 'ne' ? 'eq' : filter.op;
      const any = values.some((raw) => {
        const value = comparable(compared, raw);
        return value !== undefined && matches(op, value, literal);
      });
      return filter.op === 'ne' ? !any : any;
    }
    case 'valuePath': {
      if (scope.kind === 'element' || filter.path.subAttribute !== undefined) return false;
      const located = locate(schema, scope, filter.path);
      if (typeof located === 'string' || isHidden(located) || located.target.type !== 'complex') return false;
      const inner: Scope = { kind: 'element', parent: located.target };
      return readValues(located, undefined, resource, scope, element).some(
        (item) =>
          typeof item === 'object' &&
          item !== null &&
          evaluateIn(filter.filter, resource, schema, inner, item),
      );
    }
  }
}

/**
 * Whether a resource matches a filter, in memory. Meant for filters that passed
 * {@link validateFilter}; anything that would not (an unknown attribute, a type mismatch) simply
 * does not match, so `not (…)` of it does — validate first. The resource holds canonical names,
 * extension attributes under their schema URN, `meta.*` under `meta`.
 *
 * - Strings compare by the attribute's `caseExact` (case-insensitively by `toLowerCase()` when
 *   false); ordering compares code units after that. dateTimes compare chronologically to the
 *   nanosecond, whatever the offset; numbers numerically; booleans only for equality.
 * - A multi-valued attribute matches when any value does; a complex attribute compared as a whole
 *   compares its `value` sub-attribute; `attr[filter]` matches when one element satisfies the whole
 *   inner filter, evaluated relative to that element.
 * - `ne` is the negation of `eq`: true when no value equals the literal, including when the
 *   attribute is unassigned. `eq null` means unassigned (not `pr`), `ne null` means assigned.
 * - `pr` (RFC 7644 §3.4.2.2): not null, not "", not [], and a complex value only when one of its
 *   sub-attributes is present.
 */
export function evaluateFilter(filter: Filter, resource: ScimResource, schema: ResourceSchema): boolean {
  return evaluateIn(filter, resource, schema, RESOURCE_SCOPE, undefined);
}
