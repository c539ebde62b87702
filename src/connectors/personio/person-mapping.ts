// From Personio's shapes to the normalised SourcePerson: v1 employees (attribute envelopes) and v2
// person + employment. Both paths give the same person for the same data; absent stays absent (not
// visible), empty becomes null, unreadable values are left out and reported.
import type {
  CostCenterShare,
  CustomAttributeValue,
  OrgRef,
  PersonStatus,
  SourcePerson,
  TimeZoneSource,
} from '../contract.ts';
import { PERSON_STATUSES } from '../contract.ts';
import type { PersonField } from './settings.ts';
import { PERSON_FIELD_ATTRIBUTES } from './settings.ts';
import type { V1Attribute, V1Employee } from './v1-envelope.ts';
import { parseEmployeeId } from './v1-envelope.ts';
import type { V2CustomAttribute, V2Employment, V2Person } from './v2-resources.ts';

export interface MappingConfig {
  readonly fields: ReadonlySet<PersonField>;
  /** Name in `customAttributes` to Personio key (`dynamic_…`). */
  readonly customAttributes: Readonly<Record<string, string>>;
  readonly officeTimeZones: Readonly<Record<string, string>>;
  readonly defaultTimeZone: string;
  readonly timeZoneAttribute?: string | undefined;
}

export const ORG_KINDS = ['department', 'team', 'office', 'legalEntity', 'costCenter'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/**
 * Names of departments, teams, offices, legal entities and cost centers by id. v1 reads carry names, v2
 * reads only ids; a connection remembers what v1 showed so a v2 single-person refresh can name them too.
 */
export class OrgNames {
  readonly #names = new Map<string, string>();

  remember(kind: OrgKind, ref: OrgRef | null | undefined): void {
    if (ref?.name !== undefined) this.#names.set(`${kind}:${ref.id}`, ref.name);
  }

  nameOf(kind: OrgKind, id: string): string | undefined {
    return this.#names.get(`${kind}:${id}`);
  }

  /** The ref with its name filled in when known. */
  complete(kind: OrgKind, ref: OrgRef | null | undefined): OrgRef | null | undefined {
    if (ref === null || ref === undefined || ref.name !== undefined) return ref;
    const name = this.nameOf(kind, ref.id);
    return name === undefined ? ref : { id: ref.id, name };
  }
}

export interface MappedPerson {
  readonly person: SourcePerson;
  /** Attribute keys whose value could not be read (never the values themselves). */
  readonly unreadable: readonly string[];
}

// ------------------------------------------------------------------------------------------------
// Value normalisation, shared by v1 and v2
// ------------------------------------------------------------------------------------------------

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

/**
 * A calendar date as Personio shows it: v1 writes midnight Berlin with its offset
 * (`2014-11-09T00:00:00+01:00`), v2 a plain `2014-11-09`. The date is the one written, not converted
 * to UTC (which would move it to the 8th). `null`/"" is empty; anything else is unreadable (undefined).
 */
export function toCalendarDate(value: unknown): string | null | undefined {
  if (value === null || value === '') return null;
  if (typeof value !== 'string') return undefined;
  const match = CALENDAR_DATE.exec(value.trim());
  if (!match) return undefined;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date ? undefined : date;
}

/** An instant with an offset (v1 Berlin time, v2 UTC) as ISO-8601 UTC; values without a zone are unreadable. */
export function toInstant(value: unknown): string | null | undefined {
  if (value === null || value === '') return null;
  if (typeof value !== 'string' || !/(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function toText(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function toNumber(value: unknown): number | null | undefined {
  if (value === null || value === '') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

export function toStatus(value: unknown): PersonStatus | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  // Keep enums open: a status Personio adds later must not break a page.
  return (PERSON_STATUSES as readonly string[]).includes(lower) ? (lower as PersonStatus) : 'unknown';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toOrgId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

/** v1 related object `{type, attributes: {id, name}}`; null is "none". */
export function toOrgRef(value: unknown): OrgRef | null | undefined {
  if (value === null) return null;
  if (!isRecord(value) || !isRecord(value.attributes)) return undefined;
  const id = toOrgId(value.attributes.id);
  if (id === undefined) return undefined;
  const name = typeof value.attributes.name === 'string' ? value.attributes.name : undefined;
  return name === undefined ? { id } : { id, name };
}

/** v1 supervisor: a nested enveloped employee whose `id` is itself an envelope. */
export function toSupervisorId(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (!isRecord(value) || !isRecord(value.attributes)) return undefined;
  const idField = value.attributes.id;
  return parseEmployeeId(isRecord(idField) ? idField.value : idField) ?? undefined;
}

export function toCostCenters(value: unknown): CostCenterShare[] | undefined {
  if (value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const out: CostCenterShare[] = [];
  for (const item of value) {
    const ref = toOrgRef(item);
    if (!ref) return undefined;
    const attributes = (item as { attributes: Record<string, unknown> }).attributes;
    const percentage = toNumber(attributes.percentage);
    out.push({ ...ref, percentage: percentage ?? null });
  }
  return out;
}

function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function timeZoneOf(
  config: MappingConfig,
  office: OrgRef | null | undefined,
  personZone: unknown,
): { timeZone: string; timeZoneSource: TimeZoneSource } {
  if (typeof personZone === 'string' && personZone !== '' && isIanaZone(personZone)) {
    return { timeZone: personZone, timeZoneSource: 'person' };
  }
  if (office) {
    const zone =
      (office.name !== undefined ? config.officeTimeZones[office.name] : undefined) ??
      config.officeTimeZones[office.id];
    if (zone !== undefined) return { timeZone: zone, timeZoneSource: 'office' };
  }
  return { timeZone: config.defaultTimeZone, timeZoneSource: 'default' };
}

/** A custom attribute value by its declared type (v1 `date|integer|decimal|tags|…`, v2 `DATE|INT|…`). */
export function toCustomValue(value: unknown, type: string | null): CustomAttributeValue | undefined {
  const kind = (type ?? '').toLowerCase();
  if (value === null || value === '') return null;
  switch (kind) {
    case 'date':
      return toCalendarDate(value);
    case 'integer':
    case 'int':
    case 'decimal':
    case 'double':
      return toNumber(value);
    case 'tags':
    case 'string_list': {
      // v1 sends tags as one comma-separated string, v2 as a list; both become a list.
      if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? value : undefined;
      if (typeof value === 'string') {
        return value
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '');
      }
      return undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return undefined;
    default:
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
      return undefined;
  }
}

// ------------------------------------------------------------------------------------------------
// v1
// ------------------------------------------------------------------------------------------------

const FIELD_READERS: { readonly [F in PersonField]: (value: unknown) => unknown } = {
  firstName: toText,
  lastName: toText,
  preferredName: toText,
  workEmail: toText,
  status: toStatus,
  hireDate: toCalendarDate,
  terminationDate: toCalendarDate,
  lastWorkingDay: toCalendarDate,
  contractEndDate: toCalendarDate,
  position: toText,
  employmentType: (v) => toText(v)?.toLowerCase() ?? (v === null ? null : undefined),
  weeklyWorkingHours: toNumber,
  department: toOrgRef,
  team: toOrgRef,
  office: toOrgRef,
  legalEntity: toOrgRef,
  supervisorId: toSupervisorId,
  costCenters: toCostCenters,
  createdAt: toInstant,
  lastModifiedAt: toInstant,
};

const FIELD_ORG_KINDS: Partial<Record<PersonField, OrgKind>> = {
  department: 'department',
  team: 'team',
  office: 'office',
  legalEntity: 'legalEntity',
};

/** Maps a v1 employee; fields not configured, or whose attribute is absent, stay absent. */
export function mapV1Employee(employee: V1Employee, config: MappingConfig, names?: OrgNames): MappedPerson {
  const person: Record<string, unknown> = { sourceId: employee.id };
  const unreadable: string[] = [];
  for (const field of config.fields) {
    const key = PERSON_FIELD_ATTRIBUTES[field];
    const attribute = employee.attributes.get(key);
    if (attribute === undefined) continue;
    const value = FIELD_READERS[field](attribute.value);
    if (value === undefined) {
      unreadable.push(key);
      continue;
    }
    person[field] = value;
    const kind = FIELD_ORG_KINDS[field];
    if (kind) names?.remember(kind, value as OrgRef | null);
  }
  for (const share of (person.costCenters as CostCenterShare[] | undefined) ?? [])
    names?.remember('costCenter', share);
  const customAttributes: Record<string, CustomAttributeValue> = {};
  for (const [name, key] of Object.entries(config.customAttributes)) {
    const attribute: V1Attribute | undefined = employee.attributes.get(key);
    if (attribute === undefined) continue;
    const value = toCustomValue(attribute.value, attribute.type);
    if (value === undefined) unreadable.push(key);
    else customAttributes[name] = value;
  }
  const zoneValue = config.timeZoneAttribute
    ? employee.attributes.get(config.timeZoneAttribute)?.value
    : undefined;
  const zone = timeZoneOf(config, person.office as OrgRef | null | undefined, zoneValue);
  return { person: { ...person, ...zone, customAttributes } as SourcePerson, unreadable };
}

// ------------------------------------------------------------------------------------------------
// v2
// ------------------------------------------------------------------------------------------------

function laterOf(a: string | null | undefined, b: string | null | undefined): string | null | undefined {
  if (a && b) return a > b ? a : b;
  return a ?? b;
}

function customById(
  list: readonly V2CustomAttribute[] | undefined,
  id: string,
): V2CustomAttribute | undefined {
  return list?.find((c) => c.id === id);
}

/**
 * Maps a v2 person and the employment that is current (see `currentEmployment`). v2 gives related
 * objects as ids only; `names` fills in the names a v1 read has shown. A field whose v2 source is absent
 * (not whitelisted) stays absent.
 */
export function mapV2Person(
  v2: V2Person,
  employment: V2Employment | null,
  config: MappingConfig,
  names: OrgNames,
  readable: ReadonlySet<string> | null,
): MappedPerson {
  const candidates: Partial<Record<PersonField, unknown>> = {};
  const unreadable: string[] = [];
  const set = (field: PersonField, input: unknown, read: (value: unknown) => unknown): void => {
    const key = PERSON_FIELD_ATTRIBUTES[field];
    if (!config.fields.has(field) || (readable !== null && !readable.has(key))) return;
    // v2 leaves out a related object both when there is none and when it is not whitelisted; with the
    // credential's readable attributes known, a missing readable one is "none".
    const raw = input === undefined && readable !== null && AMBIGUOUS_V2_FIELDS.has(field) ? null : input;
    if (raw === undefined) return;
    const value = read(raw);
    if (value === undefined) unreadable.push(PERSON_FIELD_ATTRIBUTES[field]);
    else candidates[field] = value;
  };
  set('firstName', v2.firstName, toText);
  set('lastName', v2.lastName, toText);
  set('preferredName', v2.preferredName, toText);
  set('workEmail', v2.email, toText);
  set('createdAt', v2.createdAt, toInstant);
  set('lastModifiedAt', laterOf(v2.updatedAt, employment?.updatedAt), toInstant);
  if (employment) {
    set('status', employment.status, toStatus);
    set('position', employment.positionTitle, toText);
    set('hireDate', employment.startDate, toCalendarDate);
    set('terminationDate', employment.terminationDate, toCalendarDate);
    set('lastWorkingDay', employment.lastWorkingDay, toCalendarDate);
    set('contractEndDate', employment.contractEndDate, toCalendarDate);
    set(
      'employmentType',
      employment.type,
      (v) => toText(v)?.toLowerCase() ?? (v === null ? null : undefined),
    );
    set('weeklyWorkingHours', employment.weeklyWorkingHours, toNumber);
    set('supervisorId', employment.supervisorId, (v) =>
      v === null ? null : (parseEmployeeId(v) ?? undefined),
    );
    const ref =
      (kind: OrgKind) =>
      (id: unknown): OrgRef | null | undefined =>
        id === null ? null : typeof id === 'string' ? names.complete(kind, { id }) : undefined;
    set('office', employment.officeId, ref('office'));
    set('department', employment.departmentId, ref('department'));
    set('team', employment.teamId, ref('team'));
    set('legalEntity', employment.legalEntityId, ref('legalEntity'));
    set(
      'costCenters',
      employment.costCenters?.map((c) => ({
        ...names.complete('costCenter', { id: c.id }),
        percentage: c.weight,
      })),
      (v) => v,
    );
  }
  const customAttributes: Record<string, CustomAttributeValue> = {};
  for (const [name, key] of Object.entries(config.customAttributes)) {
    const custom = customById(v2.customAttributes, key);
    if (custom === undefined) continue;
    const value = toCustomValue(custom.value, custom.type);
    if (value === undefined) unreadable.push(key);
    else customAttributes[name] = value;
  }
  const zoneValue = config.timeZoneAttribute
    ? customById(v2.customAttributes, config.timeZoneAttribute)?.value
    : undefined;
  const zone = timeZoneOf(config, candidates.office as OrgRef | null | undefined, zoneValue);
  return {
    person: { sourceId: v2.id, ...candidates, ...zone, customAttributes } as SourcePerson,
    unreadable,
  };
}

const AMBIGUOUS_V2_FIELDS: ReadonlySet<PersonField> = new Set([
  'supervisorId',
  'office',
  'department',
  'team',
  'legalEntity',
  'terminationDate',
  'lastWorkingDay',
]);

/** The employment a person is described by: the newest one that is not inactive, else the newest. */
export function currentEmployment(employments: readonly V2Employment[]): V2Employment | null {
  const live = employments.find(
    (e) => e.status !== undefined && e.status !== null && e.status.toUpperCase() !== 'INACTIVE',
  );
  return live ?? employments[0] ?? null;
}
