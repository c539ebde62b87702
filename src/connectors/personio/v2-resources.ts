// Parsers for Personio API v2 bodies (credentials, persons, employments, legal entities, webhook deliveries):
// related objects are ids only, dates plain, timestamps UTC, enums upper-case but kept open, and the
// quirks of Personio's own examples (`last_working_date`, lower-case custom attribute types) tolerated.
import type { ParseResult } from './v1-envelope.ts';

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field's raw value, `undefined` when the key is absent (not whitelisted, or Personio left it out). */
function raw(record: Record<string, unknown>, key: string): unknown {
  return key in record ? record[key] : undefined;
}

/** The `id` inside a `{id}` object; null when the object is null; undefined when absent or unreadable. */
function nestedId(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) return undefined;
  const id = value.id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return undefined;
}

export interface V2Token {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

/** `POST /v2/auth/token`: `{access_token, token_type, expires_in, scope}`. */
export function parseTokenResponse(body: unknown): ParseResult<V2Token> {
  if (!isRecord(body)) return fail('the token reply is not an object');
  const token = body.access_token;
  if (typeof token !== 'string' || token === '' || /\s/.test(token))
    return fail('the token reply has no access_token');
  const expiresIn = body.expires_in;
  const expiresInSeconds =
    typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 86_400;
  return ok({ accessToken: token, expiresInSeconds });
}

export interface V2CustomAttribute {
  readonly id: string;
  readonly type: string | null;
  readonly value: unknown;
}

export interface V2Person {
  readonly id: string;
  readonly email?: unknown;
  readonly firstName?: unknown;
  readonly lastName?: unknown;
  readonly preferredName?: unknown;
  readonly createdAt?: string | null;
  readonly updatedAt?: string | null;
  readonly customAttributes?: readonly V2CustomAttribute[];
}

function optionalTimestamp(value: unknown): string | null | undefined {
  return typeof value === 'string' || value === null ? value : undefined;
}

export function parsePerson(body: unknown): ParseResult<V2Person> {
  if (!isRecord(body)) return fail('a person is not an object');
  const id = typeof body.id === 'string' ? body.id : typeof body.id === 'number' ? String(body.id) : '';
  if (!/^\d{1,15}$/.test(id) || id === '0') return fail('a person has no numeric id');
  const person: { -readonly [K in keyof V2Person]: V2Person[K] } = { id };
  const email = raw(body, 'email');
  if (email !== undefined) person.email = email;
  const firstName = raw(body, 'first_name');
  if (firstName !== undefined) person.firstName = firstName;
  const lastName = raw(body, 'last_name');
  if (lastName !== undefined) person.lastName = lastName;
  const preferredName = raw(body, 'preferred_name');
  if (preferredName !== undefined) person.preferredName = preferredName;
  const createdAt = optionalTimestamp(body.created_at);
  if (createdAt !== undefined) person.createdAt = createdAt;
  const updatedAt = optionalTimestamp(body.updated_at);
  if (updatedAt !== undefined) person.updatedAt = updatedAt;
  if (Array.isArray(body.custom_attributes)) {
    person.customAttributes = body.custom_attributes
      .filter(isRecord)
      .flatMap((c) =>
        typeof c.id === 'string'
          ? [{ id: c.id, type: typeof c.type === 'string' ? c.type : null, value: c.value }]
          : [],
      );
  }
  return ok(person);
}

export interface V2CostCenter {
  readonly id: string;
  readonly weight: number | null;
}

export interface V2Employment {
  readonly id: string;
  readonly status?: string | null;
  readonly positionTitle?: unknown;
  readonly startDate?: unknown;
  readonly terminationDate?: unknown;
  readonly lastWorkingDay?: unknown;
  readonly contractEndDate?: unknown;
  readonly type?: unknown;
  readonly weeklyWorkingHours?: unknown;
  readonly supervisorId?: string | null;
  readonly officeId?: string | null;
  readonly departmentId?: string | null;
  readonly teamId?: string | null;
  readonly legalEntityId?: string | null;
  readonly costCenters?: readonly V2CostCenter[];
  readonly createdAt?: string | null;
  readonly updatedAt?: string | null;
}

export function parseEmployment(body: unknown): ParseResult<V2Employment> {
  if (!isRecord(body)) return fail('an employment is not an object');
  const id = typeof body.id === 'string' ? body.id : typeof body.id === 'number' ? String(body.id) : '';
  if (id === '') return fail('an employment has no id');
  const e: { -readonly [K in keyof V2Employment]: V2Employment[K] } = { id };
  if (typeof body.status === 'string' || body.status === null) e.status = body.status;
  if (body.position === null) e.positionTitle = null;
  else if (isRecord(body.position) && 'title' in body.position) e.positionTitle = body.position.title;
  if ('employment_start_date' in body) e.startDate = body.employment_start_date;
  const termination = raw(body, 'termination');
  if (isRecord(termination)) {
    e.terminationDate = raw(termination, 'termination_date');
    // The schema says last_working_day; Personio's own examples say last_working_date. Read both.
    e.lastWorkingDay = raw(termination, 'last_working_day') ?? raw(termination, 'last_working_date');
  } else if (termination === null) {
    e.terminationDate = null;
    e.lastWorkingDay = null;
  }
  if (e.terminationDate === undefined && 'employment_end_date' in body)
    e.terminationDate = body.employment_end_date;
  if ('contract_end_date' in body) e.contractEndDate = body.contract_end_date;
  if ('type' in body) e.type = body.type;
  if ('weekly_working_hours' in body) e.weeklyWorkingHours = body.weekly_working_hours;
  const supervisor = nestedId(raw(body, 'supervisor'));
  if (supervisor !== undefined) e.supervisorId = supervisor;
  const office = nestedId(raw(body, 'office'));
  if (office !== undefined) e.officeId = office;
  const legalEntity = nestedId(raw(body, 'legal_entity')) ?? nestedId(raw(body, 'sub_company'));
  if (legalEntity !== undefined) e.legalEntityId = legalEntity;
  if (Array.isArray(body.org_units)) {
    const units = body.org_units.filter(isRecord);
    // A missing unit is either "none" or "not whitelisted"; the mapping tells them apart.
    const department = nestedId(units.find((u) => u.type === 'department'));
    if (department) e.departmentId = department;
    const team = nestedId(units.find((u) => u.type === 'team'));
    if (team) e.teamId = team;
  }
  if (Array.isArray(body.cost_centers)) {
    e.costCenters = body.cost_centers.filter(isRecord).flatMap((c) => {
      const costCenterId = nestedId(c);
      return costCenterId
        ? [{ id: costCenterId, weight: typeof c.weight === 'number' ? c.weight : null }]
        : [];
    });
  }
  const createdAt = optionalTimestamp(body.created_at);
  if (createdAt !== undefined) e.createdAt = createdAt;
  const updatedAt = optionalTimestamp(body.updated_at);
  if (updatedAt !== undefined) e.updatedAt = updatedAt;
  return ok(e);
}

export interface V2List<T> {
  readonly items: readonly T[];
  /** The `next` link (absolute or relative), or null on the last page. */
  readonly next: string | null;
}

/** A v2 list: `{_data: [...], _meta: {links: {next: {href}}}}`; no `next` means the last page. */
export function parseList<T>(
  body: unknown,
  parseItem: (item: unknown) => ParseResult<T>,
): ParseResult<V2List<T>> {
  if (!isRecord(body) || !Array.isArray(body._data)) return fail('the list has no _data');
  const items: T[] = [];
  for (const [index, item] of body._data.entries()) {
    const parsed = parseItem(item);
    if (!parsed.ok) return fail(`item ${index}: ${parsed.error}`);
    items.push(parsed.value);
  }
  const links = isRecord(body._meta) && isRecord(body._meta.links) ? body._meta.links : {};
  const next =
    isRecord(links.next) && typeof links.next.href === 'string' && links.next.href !== ''
      ? links.next.href
      : null;
  return ok({ items, next });
}

/** A v2 single resource, either bare or wrapped in `_data`. */
export function parseSingle<T>(body: unknown, parseItem: (item: unknown) => ParseResult<T>): ParseResult<T> {
  if (isRecord(body) && isRecord(body._data)) return parseItem(body._data);
  return parseItem(body);
}

export interface V2LegalEntity {
  readonly id: string;
  readonly name: string | null;
}

export function parseLegalEntity(body: unknown): ParseResult<V2LegalEntity> {
  if (!isRecord(body)) return fail('a legal entity is not an object');
  const id = nestedId(body);
  if (!id) return fail('a legal entity has no id');
  return ok({ id, name: typeof body.name === 'string' ? body.name : null });
}

/** The cursor inside a `next` link (`…?cursor=cur_…`); v2 only hands cursors out inside links. */
export function cursorOfLink(href: string): string | null {
  try {
    return new URL(href, 'https://placeholder.invalid').searchParams.get('cursor');
  } catch {
    return null;
  }
}

export interface WebhookDelivery {
  readonly eventName: string;
  readonly occurredAt: string | null;
  readonly personId: string | null;
}

/**
 * A webhook delivery `{company_id, event_name, occurred_at, payload, meta?}`. Payloads are "dataless"
 * (ids only); the person id is read from the places Personio's person and employment events put it.
 */
export function parseWebhookDelivery(body: unknown): ParseResult<WebhookDelivery> {
  if (!isRecord(body) || typeof body.event_name !== 'string') return fail('not a webhook delivery');
  const payload = isRecord(body.payload) ? body.payload : {};
  const isPersonEvent = body.event_name.startsWith('person.');
  const candidates: unknown[] = [
    payload.person_id,
    isRecord(payload.person) ? payload.person.id : undefined,
    isPersonEvent ? payload.id : undefined,
  ];
  let personId: string | null = null;
  for (const candidate of candidates) {
    const id = typeof candidate === 'number' ? String(candidate) : candidate;
    if (typeof id === 'string' && /^\d{1,15}$/.test(id) && id !== '0') {
      personId = id;
      break;
    }
  }
  return ok({
    eventName: body.event_name,
    occurredAt: typeof body.occurred_at === 'string' ? body.occurred_at : null,
    personId,
  });
}
