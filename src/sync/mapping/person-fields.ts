// The normalised person's field names as mappings and scope filters see them (the allow-list that turns
// a typo into an error), and reading a field from a SourcePerson with "not visible" kept apart from empty.
import type { SourcePerson } from '../../connectors/index.ts';
import type { ListItem, Value } from './expression-ast.ts';
import { suggestName } from './name-suggestion.ts';

/**
 * How a field reads:
 * - `text`, `number`: the value itself; `status` is text from a closed list.
 * - `date`: a calendar date `YYYY-MM-DD`; `instant`: ISO-8601 UTC.
 * - `org`: a named record; the bare field is its name, `.id` and `.name` its parts.
 * - `costCenters`: a list of named records with a percentage; the bare field is the list of names.
 * - `custom`: `customAttributes.<name>`, one configured custom attribute.
 */
export const PERSON_FIELD_KINDS = [
  'text',
  'status',
  'number',
  'date',
  'instant',
  'org',
  'costCenters',
  'custom',
] as const;
export type PersonFieldKind = (typeof PERSON_FIELD_KINDS)[number];

/** Every field of `SourcePerson` by name, in the order docs list them. */
export const PERSON_FIELDS: readonly (readonly [string, PersonFieldKind])[] = [
  ['sourceId', 'text'],
  ['firstName', 'text'],
  ['lastName', 'text'],
  ['preferredName', 'text'],
  ['workEmail', 'text'],
  ['status', 'status'],
  ['hireDate', 'date'],
  ['terminationDate', 'date'],
  ['lastWorkingDay', 'date'],
  ['contractEndDate', 'date'],
  ['position', 'text'],
  ['employmentType', 'text'],
  ['weeklyWorkingHours', 'number'],
  ['department', 'org'],
  ['team', 'org'],
  ['office', 'org'],
  ['legalEntity', 'org'],
  ['supervisorId', 'text'],
  ['costCenters', 'costCenters'],
  ['timeZone', 'text'],
  ['timeZoneSource', 'text'],
  ['createdAt', 'instant'],
  ['lastModifiedAt', 'instant'],
  ['customAttributes', 'custom'],
];

export const PERSON_FIELD_NAMES: readonly string[] = PERSON_FIELDS.map(([name]) => name);

const BY_LOWER_NAME: ReadonlyMap<string, readonly [string, PersonFieldKind]> = new Map(
  PERSON_FIELDS.map((entry) => [entry[0].toLowerCase(), entry]),
);

const PARTS: Readonly<Partial<Record<PersonFieldKind, readonly string[]>>> = {
  org: ['id', 'name'],
  costCenters: ['id', 'name', 'percentage'],
};

/** A resolved field: canonical name, kind and the part (org and cost-centre part, or custom attribute name). */
export interface PersonFieldRef {
  readonly field: string;
  readonly kind: PersonFieldKind;
  readonly part?: string;
}

/** Text for "known fields: …" in error messages. */
export function describeKnownFields(): string {
  return PERSON_FIELD_NAMES.map((name) =>
    name === 'customAttributes' ? 'customAttributes.<name>' : name,
  ).join(', ');
}

/**
 * Resolves a field path (`['department', 'id']`) against the allow-list. Built-in names and parts
 * compare case-insensitively and resolve to their canonical spelling; custom attribute names are kept
 * as written. The error says what is wrong and lists what is known; `where` follows the unknown
 * name (" in scope filter").
 */
export function resolvePersonField(
  path: readonly string[],
  where = '',
): { ok: true; value: PersonFieldRef } | { ok: false; error: string } {
  const [first, second, ...rest] = path;
  if (first === undefined) return { ok: false, error: 'empty field name' };
  const entry = BY_LOWER_NAME.get(first.toLowerCase());
  if (!entry) {
    const hint = suggestName(first, PERSON_FIELD_NAMES);
    return {
      ok: false,
      error: `unknown field '${first}'${where}${hint ? ` (did you mean '${hint}'?)` : ''}; known fields: ${describeKnownFields()}`,
    };
  }
  const [field, kind] = entry;
  if (kind === 'custom') {
    if (second === undefined || rest.length > 0) {
      return { ok: false, error: `name one custom attribute, e.g. customAttributes.Nickname` };
    }
    return { ok: true, value: { field, kind, part: second } };
  }
  const parts = PARTS[kind];
  if (second === undefined) return { ok: true, value: { field, kind } };
  if (!parts || rest.length > 0) {
    return {
      ok: false,
      error: parts
        ? `'${field}' has the parts ${parts.join(', ')}; '${path.join('.')}' goes too deep`
        : `'${field}' has no parts; write just '${field}'`,
    };
  }
  const part = parts.find((p) => p === second.toLowerCase());
  if (part === undefined) {
    return { ok: false, error: `'${field}' has the parts ${parts.join(', ')}, not '${second}'` };
  }
  return { ok: true, value: { field, kind, part } };
}

/** The raw field of a person, `undefined` when the key is absent (not visible). */
export function rawPersonField(person: SourcePerson, field: string): unknown {
  return Object.hasOwn(person, field) ? (person as unknown as Record<string, unknown>)[field] : undefined;
}

/** A custom attribute by name: exact first, then the only case-insensitive match. */
export function rawCustomAttribute(person: SourcePerson, name: string): unknown {
  const custom = person.customAttributes as Readonly<Record<string, unknown>> | undefined;
  if (custom === null || typeof custom !== 'object') return undefined;
  if (Object.hasOwn(custom, name)) return custom[name];
  const lower = name.toLowerCase();
  const matches = Object.keys(custom).filter((key) => key.toLowerCase() === lower);
  return matches.length === 1 && matches[0] !== undefined ? custom[matches[0]] : undefined;
}

function toListItem(value: unknown): ListItem | undefined {
  return typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
    ? value
    : undefined;
}

function scalar(value: unknown): Value {
  if (value === undefined || value === null) return value;
  return toListItem(value);
}

/**
 * A field's value as expressions see it. Absent stays `undefined` (not visible) and `null` stays
 * null. An org record without a known name (Personio v2 gives ids only) reads as not visible by
 * name; a cost-centre list reads as not visible by name when any entry's name is unknown, so no
 * partial list is ever written.
 */
export function readPersonField(person: SourcePerson, ref: PersonFieldRef): Value {
  if (ref.kind === 'custom') {
    const value = rawCustomAttribute(person, ref.part ?? '');
    if (Array.isArray(value)) return value.flatMap((item) => toListItem(item) ?? []);
    return scalar(value);
  }
  const raw = rawPersonField(person, ref.field);
  if (raw === undefined || raw === null) return raw;
  switch (ref.kind) {
    case 'org': {
      if (typeof raw !== 'object') return undefined;
      const org = raw as { id?: unknown; name?: unknown };
      return scalar(ref.part === 'id' ? org.id : org.name);
    }
    case 'costCenters': {
      if (!Array.isArray(raw)) return undefined;
      const part = ref.part ?? 'name';
      const items: ListItem[] = [];
      for (const entry of raw as unknown[]) {
        const value =
          entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)[part] : undefined;
        const item = toListItem(value);
        if (item !== undefined) items.push(item);
        else if (part !== 'percentage') return undefined;
      }
      return items;
    }
    case 'text':
    case 'status':
    case 'number':
    case 'date':
    case 'instant':
      return scalar(raw);
  }
}
