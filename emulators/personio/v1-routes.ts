// Personio API v1: `/v1/auth` (personio-auth-api.yaml) and the employee endpoints of
// personio-personnel-data-api-oa3.yaml: list with limit/offset/email/updated_since/attributes[],
// get, create, update, attributes, profile picture. Status codes and bodies follow the spec.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EMPLOYEE_STATUSES, GENDERS, type Employee, type EmployeeChanges, isOneOf } from './company.ts';
import { V1_SCOPE } from './credentials.ts';
import { type EmulatorContext, type RouteTraits, sendVendorError, tokenOf } from './emulator-context.ts';
import { isCalendarDate, parseUpdatedSince } from './personio-time.ts';
import {
  type RenderContext,
  listReadableAttributes,
  readableAttributeKeys,
  renderEmployee,
} from './v1-attributes.ts';
import { V1_NOT_FOUND_MESSAGE, type VendorError, v1Error } from './vendor-errors.ts';

/** Since 2025-01-31 (developer hub, "Pagination Adoption Guide"): default 50, at most 100. */
export const V1_DEFAULT_LIMIT = 50;
export const V1_MAX_LIMIT = 100;

const AUTH: RouteTraits = { api: 'v1', isList: false, isAuthenticated: false, rateClass: 'v1-auth' };
const LIST: RouteTraits = { api: 'v1', isList: true, isAuthenticated: true, rateClass: 'v1-employees' };
const READ: RouteTraits = { api: 'v1', isList: false, isAuthenticated: true, rateClass: 'v1-employees' };
const WRITE: RouteTraits = { api: 'v1', isList: false, isAuthenticated: true, rateClass: 'v1-other' };

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function many(query: Query, key: string): string[] {
  const value = query[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function renderContext(context: EmulatorContext): RenderContext {
  return { company: context.company, hidden: context.options.hiddenAttributes, baseUrl: context.baseUrl };
}

/** A 1×1 transparent PNG: the emulator does not store real pictures. */
const PROFILE_PICTURE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export function registerV1Routes(app: FastifyInstance, context: EmulatorContext): void {
  app.post('/v1/auth', { config: AUTH }, async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    const query = request.query as Query;
    let clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
    let clientSecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
    if (clientId === undefined && clientSecret === undefined && (query.client_id || query.client_secret)) {
      // The official Postman collection still sends credentials in the query string; Personio
      // answers 403 for credentials created since June 2026 and drops the form on 2026-12-04.
      if (!context.options.queryStringCredentials) {
        return sendVendorError(
          reply,
          v1Error(
            403,
            'Credentials in the query string are no longer accepted. Send them in the request body.',
          ),
        );
      }
      clientId = single(query, 'client_id');
      clientSecret = single(query, 'client_secret');
    }
    if (clientId !== context.options.clientId || clientSecret !== context.options.clientSecret) {
      // Observed shape for wrong credentials: HTTP 403 with error code 0.
      return sendVendorError(reply, v1Error(403, 'Wrong credentials', 0));
    }
    const token = context.tokens.issueV1(clientId, context.clock.now());
    // expires_in is always 86400 even when the token handed back was issued earlier and expires
    // sooner: the same token is returned for the same credential for 24 h after it was created.
    return { success: true, data: { token: token.value, expires_in: 86400, scope: V1_SCOPE } };
  });

  app.get('/v1/company/employees', { config: LIST }, async (request, reply) => {
    const query = request.query as Query;
    const page = parsePaging(query, context);
    if (!page.ok) return sendVendorError(reply, page.error);
    const render = renderContext(context);
    const readable = readableAttributeKeys(render);
    const requested = many(query, 'attributes[]');
    const projection = requested.length > 0 ? new Set(requested.filter((key) => readable.has(key))) : null;

    const updatedSinceRaw = single(query, 'updated_since');
    let rows = context.company.list();
    if (updatedSinceRaw !== undefined) {
      const since = parseUpdatedSince(updatedSinceRaw);
      if (since === null) {
        return sendVendorError(
          reply,
          v1Error(400, 'The updated since does not match the format Y-m-d\\TH:i:s.'),
        );
      }
      // With updated_since the email filter is ignored (spec); pagination still applies (changelog
      // "pagination mandatory with updated_since", 2023-11-16).
      const keys = projection ? [...projection] : null;
      rows = rows.filter((employee) => wasChangedSince(employee, since, keys, readable));
    } else {
      const email = single(query, 'email');
      // Exact, case-sensitive match; the answer is still a list.
      if (email !== undefined)
        rows = rows.filter((employee) => employee.email !== '' && employee.email === email);
    }
    const total = rows.length;
    const data = rows
      .slice(page.offset, page.offset + page.limit)
      .map((e) => renderEmployee(e, render, projection));
    return {
      success: true,
      metadata: {
        total_elements: total,
        current_page: Math.floor(page.offset / page.limit),
        total_pages: Math.ceil(total / page.limit),
      },
      offset: page.offset,
      limit: page.limit,
      data,
    };
  });

  const listAttributes = async (): Promise<unknown> => ({
    success: true,
    data: listReadableAttributes(renderContext(context)),
  });
  app.get('/v1/company/employees/attributes', { config: READ }, listAttributes);
  // Alias documented by the spec.
  app.get('/v1/company/employees/custom-attributes', { config: READ }, listAttributes);

  app.get('/v1/company/employees/:employeeId', { config: READ }, async (request, reply) => {
    const employee = findEmployee(context, request);
    if (!employee) return sendVendorError(reply, v1Error(404, V1_NOT_FOUND_MESSAGE));
    return { success: true, data: renderEmployee(employee, renderContext(context), null) };
  });

  const picture = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const employee = findEmployee(context, request);
    const width = (request.params as { width?: string }).width;
    // 404 when the employee is unknown, has no picture, or the attribute is not whitelisted.
    if (
      !employee ||
      !employee.hasProfilePicture ||
      context.options.hiddenAttributes.has('profile_picture') ||
      (width !== undefined && !/^\d+$/.test(width))
    ) {
      return sendVendorError(reply, v1Error(404, 'Etwas ist schiefgelaufen ...'));
    }
    return reply.type('image/png').send(PROFILE_PICTURE);
  };
  app.get('/v1/company/employees/:employeeId/profile-picture', { config: READ }, picture);
  app.get('/v1/company/employees/:employeeId/profile-picture/:width', { config: READ }, picture);

  app.post('/v1/company/employees', { config: WRITE }, async (request, reply) => {
    const input = employeeInput(request.body);
    const parsed = parseEmployeeWrite(input, 'create', context, null);
    if (!parsed.ok) return sendVendorError(reply, parsed.error);
    const employee = context.company.create(parsed.changes);
    const body: Record<string, unknown> = { success: true, data: { id: employee.id, message: 'success' } };
    if (parsed.meta.length > 0) body.meta = parsed.meta;
    // 200, not 201, as the spec says.
    return body;
  });

  app.patch('/v1/company/employees/:employeeId', { config: WRITE }, async (request, reply) => {
    const employee = findEmployee(context, request);
    if (!employee) return sendVendorError(reply, v1Error(404, V1_NOT_FOUND_MESSAGE));
    const parsed = parseEmployeeWrite(employeeInput(request.body), 'update', context, employee);
    if (!parsed.ok) return sendVendorError(reply, parsed.error);
    context.company.update(employee.id, parsed.changes);
    return { success: true, data: { id: employee.id }, meta: parsed.meta };
  });

  // The token of a successful personnel-data call is echoed back ("so no integration change is
  // needed" after tokens stopped rotating); older clients copy this header into the next request.
  app.addHook('onSend', async (request, reply, payload) => {
    const traits = request.routeOptions.config as Partial<RouteTraits> | undefined;
    if (traits?.api === 'v1' && traits.isAuthenticated && reply.statusCode >= 200 && reply.statusCode < 300) {
      void reply.header('authorization', `Bearer ${tokenOf(request).value}`);
    }
    return payload;
  });
}

function findEmployee(context: EmulatorContext, request: FastifyRequest): Employee | undefined {
  const raw = (request.params as { employeeId?: string }).employeeId ?? '';
  if (!/^\d{1,15}$/.test(raw)) return undefined;
  return context.company.get(Number(raw));
}

function parsePaging(
  query: Query,
  context: EmulatorContext,
): { ok: true; limit: number; offset: number } | { ok: false; error: VendorError } {
  const limitRaw = single(query, 'limit');
  const offsetRaw = single(query, 'offset');
  let limit = V1_DEFAULT_LIMIT;
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw)) return { ok: false, error: v1Error(400, 'The limit must be an integer.') };
    limit = Number(limitRaw);
    if (limit < 1) return { ok: false, error: v1Error(400, 'The limit must be at least 1.') };
    if (limit > V1_MAX_LIMIT) {
      if (context.options.oversizedLimit === 'reject') {
        return { ok: false, error: v1Error(400, `The limit may not be greater than ${V1_MAX_LIMIT}.`) };
      }
      limit = V1_MAX_LIMIT;
    }
  }
  let offset = 0;
  if (offsetRaw !== undefined) {
    if (!/^\d+$/.test(offsetRaw)) return { ok: false, error: v1Error(400, 'The offset must be an integer.') };
    offset = Number(offsetRaw);
  }
  return { ok: true, limit, offset };
}

/**
 * `updated_since` selection: changed strictly after `since`, at the second precision Personio
 * stores (a change in the same second as `since` is not "after" it). With `attributes[]` only
 * changes of those attributes count. Changes invisible to the filter never match.
 */
function wasChangedSince(
  employee: Employee,
  since: number,
  keys: string[] | null,
  readable: ReadonlySet<string>,
): boolean {
  const candidates = keys ?? [...employee.changeIndex.keys()];
  for (const key of candidates) {
    if (!readable.has(key) && key !== 'last_modified_at') continue;
    const at = employee.changeIndex.get(key);
    if (at !== undefined && Math.floor(at / 1000) * 1000 > since) return true;
  }
  return false;
}

/** The `employee` object of a JSON body, or the `employee[...]` fields of a form body. */
function employeeInput(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  if (typeof record.employee === 'object' && record.employee !== null)
    return record.employee as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const match = /^employee\[([^\]]+)\](?:\[([^\]]+)\])?$/.exec(key);
    if (!match?.[1]) continue;
    const scalar = Array.isArray(value) ? value[value.length - 1] : value;
    if (match[2]) {
      const nested = (out[match[1]] ?? {}) as Record<string, unknown>;
      nested[match[2]] = scalar;
      out[match[1]] = nested;
    } else {
      out[match[1]] = scalar;
    }
  }
  return out;
}

const WRITABLE = new Set([
  'email',
  'first_name',
  'last_name',
  'preferred_name',
  'gender',
  'position',
  'subcompany',
  'department',
  'office',
  'hire_date',
  'weekly_working_hours',
  'status',
  'supervisor_id',
  'custom_attributes',
]);

type WriteResult = { ok: true; changes: EmployeeChanges; meta: string[] } | { ok: false; error: VendorError };

function invalid(message: string): WriteResult {
  return { ok: false, error: v1Error(422, message) };
}

function displayValue(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return null;
}

/** Validates a v1 create/update body. Errors are 422; ignored values are reported in `meta`. */
function parseEmployeeWrite(
  input: Record<string, unknown>,
  mode: 'create' | 'update',
  context: EmulatorContext,
  current: Employee | null,
): WriteResult {
  const company = context.company;
  const changes: EmployeeChanges = {};
  const meta: string[] = [];
  for (const key of Object.keys(input)) {
    if (!WRITABLE.has(key)) meta.push(`The attribute '${key}' cannot be updated and was ignored.`);
  }

  if (mode === 'create') {
    const email = input.email;
    if (typeof email !== 'string' || email.trim() === '') return invalid('The email field is required.');
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return invalid('The email must be a valid email address.');
    if (company.findByEmail(email).length > 0) return invalid('The email has already been taken.');
    changes.email = email;
  } else if (input.email !== undefined) {
    // "It's not possible to update the Email field": ignored, reported only in meta.
    meta.push("The attribute 'email' cannot be updated and was ignored.");
  }

  for (const [key, field] of [
    ['first_name', 'firstName'],
    ['last_name', 'lastName'],
  ] as const) {
    const value = input[key];
    if (value === undefined && mode === 'update') continue;
    if (typeof value !== 'string' || value.trim() === '') {
      return invalid(`The ${key.replace('_', ' ')} field is required.`);
    }
    changes[field] = value;
  }
  if (input.preferred_name !== undefined) {
    if (typeof input.preferred_name !== 'string') return invalid('The preferred name must be a string.');
    changes.preferredName = input.preferred_name;
  }
  if (input.position !== undefined) {
    if (typeof input.position !== 'string') return invalid('The position must be a string.');
    changes.position = input.position;
  }
  if (input.gender !== undefined) {
    if (!isOneOf(GENDERS, input.gender)) return invalid('The selected gender is invalid.');
    changes.gender = input.gender;
  }
  if (input.status !== undefined) {
    if (!isOneOf(EMPLOYEE_STATUSES, input.status)) return invalid('The selected status is invalid.');
    changes.status = input.status;
  }
  if (input.hire_date !== undefined) {
    if (typeof input.hire_date !== 'string' || !isCalendarDate(input.hire_date)) {
      return invalid('The hire date does not match the format Y-m-d.');
    }
    changes.hireDate = input.hire_date;
  }
  if (input.weekly_working_hours !== undefined) {
    const hours = toNumber(input.weekly_working_hours);
    if (hours === null || hours < 0 || hours > 168)
      return invalid('The weekly working hours must be a number.');
    changes.weeklyWorkingHours = hours;
  }
  if (input.supervisor_id !== undefined) {
    if (input.supervisor_id === null || input.supervisor_id === '') {
      if (mode === 'update') changes.supervisorId = null;
    } else {
      const id = toNumber(input.supervisor_id);
      if (id === null || !company.get(id))
        return invalid(`Supervisor with ID ${displayValue(input.supervisor_id)} not found`);
      if (current && id === current.id) return invalid('An employee cannot be their own supervisor.');
      changes.supervisorId = id;
    }
  }
  // Subcompany, department and office go by name and must already exist; otherwise they are
  // "ignored with showing meta error in the response".
  const named = [
    ['subcompany', 'subcompanyId', (n: string) => company.legalEntityByName(n, false)],
    ['department', 'departmentId', (n: string) => company.departmentByName(n, false)],
    ['office', 'officeId', (n: string) => company.officeByName(n, false)],
  ] as const;
  for (const [key, field, find] of named) {
    const value = input[key];
    if (value === undefined) continue;
    const found = typeof value === 'string' && value !== '' ? find(value) : undefined;
    if (!found) {
      meta.push(`The ${key} '${displayValue(value)}' does not exist and was ignored.`);
      continue;
    }
    changes[field] = found.id;
  }
  if (input.custom_attributes !== undefined) {
    if (typeof input.custom_attributes !== 'object' || input.custom_attributes === null) {
      return invalid('The custom attributes must be an object.');
    }
    const custom: Record<string, string | null> = {};
    for (const [key, raw] of Object.entries(input.custom_attributes as Record<string, unknown>)) {
      const definition = company.customAttribute(key);
      const value = raw === null ? null : typeof raw === 'number' ? String(raw) : raw;
      if (!definition || (value !== null && typeof value !== 'string')) {
        meta.push(`The custom attribute '${key}' does not exist and was ignored.`);
        continue;
      }
      if (value !== null && definition.type === 'list' && !definition.options.includes(value)) {
        meta.push(`The value '${value}' is not an option of '${key}' and was ignored.`);
        continue;
      }
      if (value !== null && definition.type === 'date' && !isCalendarDate(value)) {
        meta.push(`The value '${value}' of '${key}' is not a date and was ignored.`);
        continue;
      }
      custom[key] = value;
    }
    changes.custom = custom;
  }
  return { ok: true, changes, meta };
}
