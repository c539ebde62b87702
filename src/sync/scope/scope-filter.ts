// Scoping: which people a sync manages, written as a SCIM filter over the normalised person
// (`legalEntity eq "Acme GmbH" and department ne "Board"`), parsed by the SCIM filter parser and
// evaluated here over a SourcePerson, with "not visible" kept apart from "no".
import type { SourcePerson } from '../../connectors/index.ts';
import { PERSON_STATUSES } from '../../connectors/index.ts';
import type { AttributePath, CompareOperator, Filter, FilterValue } from '../../scim/filter-ast.ts';
import { parseDateTime } from '../../scim/filter-evaluate.ts';
import { parseFilter } from '../../scim/filter-parser.ts';
import { printAttributePath } from '../../scim/filter-printer.ts';
import type { PersonFieldRef } from '../mapping/index.ts';
import { rawCustomAttribute, rawPersonField, resolvePersonField } from '../mapping/index.ts';

/**
 * A person's place in a scope. `unknown` means the answer depends on a field the source did not
 * show (absent from the read, or an org record known by id only): the engine then neither creates
 * nor disables because of scope, and keeps the account as it is.
 */
export const SCOPE_DECISIONS = ['in', 'out', 'unknown'] as const;
export type ScopeDecision = (typeof SCOPE_DECISIONS)[number];

export interface Scope {
  /** The filter as written; empty for a scope that takes everyone. */
  readonly text: string;
  /** The parsed filter; null for everyone. */
  readonly filter: Filter | null;
  /** Three-valued: `in`, `out`, or `unknown` when a field the filter needs is not visible. */
  decide(person: SourcePerson): ScopeDecision;
  /** Whether the person is certainly in scope (`decide(person) === 'in'`). */
  matches(person: SourcePerson): boolean;
}

export type ScopeResult =
  { readonly ok: true; readonly value: Scope } | { readonly ok: false; readonly error: string };

// Kleene logic: undefined is "unknown".
type Truth = boolean | undefined;

/** How a field's items compare with a literal. `dynamic` decides per item (custom attributes). */
type Comparison = 'text' | 'status' | 'number' | 'date' | 'instant' | 'dynamic';

/** What a field reads as: its items (one for a single value), null (empty), or undefined (not visible). */
type Items = readonly unknown[] | null | undefined;

interface Operand<C> {
  readonly label: string;
  readonly comparison: Comparison;
  readonly read: (context: C) => Items;
}

type Predicate<C> = (context: C) => Truth;

class ScopeFailure extends Error {}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ORDERING: ReadonlySet<CompareOperator> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOperator> = new Set(['co', 'sw', 'ew']);

function isCalendarDate(text: string): boolean {
  if (!CALENDAR_DATE.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

// RFC 7643 §2.2: strings compare case-insensitively unless caseExact; no field of a person is.
function fold(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

function ordered(op: CompareOperator, difference: number): boolean {
  switch (op) {
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    case 'eq':
      return difference === 0;
    case 'ne':
    case 'co':
    case 'sw':
    case 'ew':
      return false;
  }
}

function compareText(item: string, op: CompareOperator, literal: string): boolean {
  const a = fold(item);
  const b = fold(literal);
  switch (op) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'eq':
    case 'ne':
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      return ordered(op, a < b ? -1 : a > b ? 1 : 0);
  }
}

/** One item against a literal; undefined when the item cannot be compared (a malformed date). */
function compareItem(
  item: unknown,
  comparison: Comparison,
  op: CompareOperator,
  literal: Exclude<FilterValue, null>,
): Truth {
  switch (comparison) {
    case 'text':
    case 'status':
      return typeof item === 'string' || typeof item === 'number'
        ? compareText(String(item), op, String(literal))
        : undefined;
    case 'number':
      return typeof item === 'number' && typeof literal === 'number'
        ? ordered(op, item - literal)
        : undefined;
    case 'date':
      // YYYY-MM-DD orders as text exactly as it orders as a date.
      return typeof item === 'string' && isCalendarDate(item)
        ? compareText(item, op, String(literal))
        : undefined;
    case 'instant': {
      const a = typeof item === 'string' ? parseDateTime(item) : undefined;
      const b = parseDateTime(String(literal));
      if (!a || !b) return undefined;
      return ordered(op, a.epochMs - b.epochMs || a.subMsNanos - b.subMsNanos);
    }
    case 'dynamic':
      if (typeof item === 'number' && typeof literal === 'number') return ordered(op, item - literal);
      if (typeof item === 'boolean' || typeof literal === 'boolean') {
        return op === 'eq' ? String(item).toLowerCase() === String(literal).toLowerCase() : false;
      }
      return typeof item === 'string' || typeof item === 'number'
        ? compareText(String(item), op, String(literal))
        : undefined;
  }
}

/** Whether any item matches: true if one does, unknown if none does but one could not be compared. */
function any(items: readonly unknown[], test: (item: unknown) => Truth): Truth {
  let sawUnknown = false;
  for (const item of items) {
    const result = test(item);
    if (result === true) return true;
    if (result === undefined) sawUnknown = true;
  }
  return sawUnknown ? undefined : false;
}

function isPresentItem(item: unknown): boolean {
  return item !== null && item !== undefined && item !== '';
}

function not(value: Truth): Truth {
  return value === undefined ? undefined : !value;
}

function and(left: Truth, right: Truth): Truth {
  if (left === false || right === false) return false;
  return left === undefined || right === undefined ? undefined : true;
}

function or(left: Truth, right: Truth): Truth {
  if (left === true || right === true) return true;
  return left === undefined || right === undefined ? undefined : false;
}

/** Checks a literal against the field at compile time, so `status eq "actve"` fails before any sync runs. */
function checkLiteral(operand: Operand<unknown>, op: CompareOperator, literal: FilterValue): FilterValue {
  const { label, comparison } = operand;
  if (literal === null) {
    if (op !== 'eq' && op !== 'ne')
      throw new ScopeFailure(`'${label} ${op} null' compares with nothing; use 'eq null', 'ne null' or 'pr'`);
    return literal;
  }
  if (SUBSTRING.has(op) && comparison !== 'text' && comparison !== 'dynamic') {
    throw new ScopeFailure(
      `'${op}' compares text, and '${label}' is ${comparison === 'status' ? 'a status' : `a ${comparison}`}`,
    );
  }
  switch (comparison) {
    case 'status': {
      const status = String(literal).toLowerCase();
      if (!(PERSON_STATUSES as readonly string[]).includes(status)) {
        throw new ScopeFailure(
          `'${label}' is one of ${PERSON_STATUSES.join(', ')}; ${JSON.stringify(literal)} is not`,
        );
      }
      if (ORDERING.has(op))
        throw new ScopeFailure(`statuses have no order; compare '${label}' with eq or ne`);
      return status;
    }
    case 'number':
      if (typeof literal !== 'number')
        throw new ScopeFailure(
          `'${label}' is a number; compare it with a number, not ${JSON.stringify(literal)}`,
        );
      return literal;
    case 'date':
      if (typeof literal !== 'string' || !isCalendarDate(literal)) {
        throw new ScopeFailure(
          `'${label}' is a calendar date; compare it with a date such as "2024-01-31", not ${JSON.stringify(literal)}`,
        );
      }
      return literal;
    case 'instant':
      if (typeof literal !== 'string' || !parseDateTime(literal)) {
        throw new ScopeFailure(
          `'${label}' is an instant; compare it with one such as "2024-01-31T00:00:00Z", not ${JSON.stringify(literal)}`,
        );
      }
      return literal;
    case 'text':
    case 'dynamic':
      return literal;
  }
}

function comparePredicate<C>(operand: Operand<C>, op: CompareOperator, literal: FilterValue): Predicate<C> {
  const checked = checkLiteral(operand as Operand<unknown>, op, literal);
  return (context) => {
    const items = operand.read(context);
    if (items === undefined) return undefined;
    if (checked === null) {
      const isEmpty = items === null || !items.some(isPresentItem);
      return op === 'eq' ? isEmpty : !isEmpty;
    }
    if (items === null) return op === 'ne';
    // `ne` negates `eq` over a list: a person is `costCenters ne "X"` when no cost centre is X.
    if (op === 'ne') return not(any(items, (item) => compareItem(item, operand.comparison, 'eq', checked)));
    return any(items, (item) => compareItem(item, operand.comparison, op, checked));
  };
}

function presentPredicate<C>(operand: Operand<C>): Predicate<C> {
  return (context) => {
    const items = operand.read(context);
    if (items === undefined) return undefined;
    return items !== null && items.some(isPresentItem);
  };
}

function compile<C>(
  filter: Filter,
  resolve: (path: AttributePath) => Operand<C>,
  element: (path: AttributePath, inner: Filter) => Predicate<C>,
): Predicate<C> {
  switch (filter.kind) {
    case 'compare':
      return comparePredicate(resolve(filter.path), filter.op, filter.value);
    case 'present':
      return presentPredicate(resolve(filter.path));
    case 'not': {
      const inner = compile(filter.filter, resolve, element);
      return (context) => not(inner(context));
    }
    case 'and': {
      const left = compile(filter.left, resolve, element);
      const right = compile(filter.right, resolve, element);
      return (context) => and(left(context), right(context));
    }
    case 'or': {
      const left = compile(filter.left, resolve, element);
      const right = compile(filter.right, resolve, element);
      return (context) => or(left(context), right(context));
    }
    case 'valuePath':
      return element(filter.path, filter.filter);
  }
}

// ------------------------------------------------------------------------------------------------
// Fields of the person
// ------------------------------------------------------------------------------------------------

const SCALAR_COMPARISON: Readonly<Record<string, Comparison>> = {
  text: 'text',
  status: 'status',
  number: 'number',
  date: 'date',
  instant: 'instant',
};

function resolveField(path: AttributePath): PersonFieldRef {
  if (path.uri !== undefined) {
    throw new ScopeFailure(
      `'${printAttributePath(path)}': a scope filter names fields of the person, without schema URNs`,
    );
  }
  const segments = path.subAttribute === undefined ? [path.attribute] : [path.attribute, path.subAttribute];
  const resolved = resolvePersonField(segments, ' in scope filter');
  if (!resolved.ok) throw new ScopeFailure(resolved.error);
  return resolved.value;
}

function readList(value: unknown): Items {
  if (value === undefined || value === null) return value;
  return Array.isArray(value) ? (value as unknown[]) : [value];
}

function personOperand(path: AttributePath): Operand<SourcePerson> {
  const ref = resolveField(path);
  const label = ref.part === undefined ? ref.field : `${ref.field}.${ref.part}`;
  switch (ref.kind) {
    case 'custom': {
      const name = ref.part ?? '';
      return { label, comparison: 'dynamic', read: (person) => readList(rawCustomAttribute(person, name)) };
    }
    case 'org': {
      const part = ref.part ?? 'name';
      return {
        label,
        comparison: 'text',
        read: (person) => {
          const org = rawPersonField(person, ref.field);
          if (org === undefined || org === null) return org;
          // Known by id only (Personio v2 before names are learnt): the name is not visible, not empty.
          const value = typeof org === 'object' ? (org as Record<string, unknown>)[part] : undefined;
          return value === undefined ? undefined : readList(value);
        },
      };
    }
    case 'costCenters': {
      const part = ref.part ?? 'name';
      return {
        label,
        comparison: part === 'percentage' ? 'number' : 'text',
        read: (person) => {
          const list = rawPersonField(person, ref.field);
          if (list === undefined || list === null) return list;
          if (!Array.isArray(list)) return undefined;
          const items = (list as unknown[]).map((entry) =>
            entry !== null && typeof entry === 'object'
              ? (entry as Record<string, unknown>)[part]
              : undefined,
          );
          return items.includes(undefined) ? undefined : items;
        },
      };
    }
    case 'text':
    case 'status':
    case 'number':
    case 'date':
    case 'instant':
      return {
        label,
        comparison: SCALAR_COMPARISON[ref.kind] ?? 'text',
        read: (person) => readList(rawPersonField(person, ref.field)),
      };
  }
}

const ELEMENT_PARTS: Readonly<Record<string, Comparison>> = {
  id: 'text',
  name: 'text',
  percentage: 'number',
};

/** `department[id eq "7"]`, `costCenters[name eq "R&D" and percentage ge 50]`: one element satisfying all. */
function elementPredicate(path: AttributePath, inner: Filter): Predicate<SourcePerson> {
  const ref = resolveField(path);
  if (ref.part !== undefined || (ref.kind !== 'org' && ref.kind !== 'costCenters')) {
    throw new ScopeFailure(
      `'${printAttributePath(path)}[…]': only department, team, office, legalEntity and costCenters take a [filter]`,
    );
  }
  const parts = ref.kind === 'org' ? ['id', 'name'] : ['id', 'name', 'percentage'];
  const resolvePart = (partPath: AttributePath): Operand<Record<string, unknown>> => {
    const part = parts.find((p) => p === partPath.attribute.toLowerCase());
    if (partPath.uri !== undefined || partPath.subAttribute !== undefined || part === undefined) {
      throw new ScopeFailure(
        `'${ref.field}' has the parts ${parts.join(', ')}; '${printAttributePath(partPath)}' is not one`,
      );
    }
    return {
      label: `${ref.field}.${part}`,
      comparison: ELEMENT_PARTS[part] ?? 'text',
      read: (element) => readList(element[part]),
    };
  };
  const test = compile<Record<string, unknown>>(inner, resolvePart, () => {
    throw new ScopeFailure('value filters cannot be nested');
  });
  return (person) => {
    const raw = rawPersonField(person, ref.field);
    if (raw === undefined) return undefined;
    if (raw === null) return false;
    const elements = Array.isArray(raw) ? (raw as unknown[]) : [raw];
    return any(elements, (element) =>
      element !== null && typeof element === 'object' ? test(element as Record<string, unknown>) : undefined,
    );
  };
}

const EVERYONE: Scope = Object.freeze({
  text: '',
  filter: null,
  decide: (): ScopeDecision => 'in',
  matches: (): boolean => true,
});

/**
 * Compiles a scope filter. The syntax is the SCIM filter syntax (RFC 7644 §3.4.2.2, parsed by the
 * SCIM filter parser); the attributes are the normalised person's fields (docs/sync-mapping.md):
 * `department` compares the department's name and `department.id` its id (likewise team, office,
 * legalEntity); `costCenters` any cost centre's name (`.id`, `.percentage`, or
 * `costCenters[name eq "R&D" and percentage ge 50]`); dates compare as dates with "YYYY-MM-DD"
 * literals; `status` takes only the known statuses; `customAttributes.X` compares by the value's type.
 * Text compares case-insensitively. An unknown field, a literal of the wrong type or an operator the
 * field cannot take is an error now, not a silent "no match" later. Empty text takes everyone.
 * Never throws.
 */
export function compileScope(text: string): ScopeResult {
  if (typeof text !== 'string') return { ok: false, error: 'a scope filter must be text' };
  if (text.trim() === '') return { ok: true, value: EVERYONE };
  const parsed = parseFilter(text);
  if (!parsed.ok)
    return { ok: false, error: `invalid scope filter: ${parsed.error.replace(/^invalid filter /, '')}` };
  let predicate: Predicate<SourcePerson>;
  try {
    predicate = compile(parsed.value, personOperand, elementPredicate);
  } catch (error) {
    if (error instanceof ScopeFailure) return { ok: false, error: error.message };
    throw error;
  }
  const decide = (person: SourcePerson): ScopeDecision => {
    const truth = predicate(person);
    return truth === undefined ? 'unknown' : truth ? 'in' : 'out';
  };
  return {
    ok: true,
    value: Object.freeze({
      text,
      filter: parsed.value,
      decide,
      matches: (person: SourcePerson) => decide(person) === 'in',
    }),
  };
}
