// Parsers for Personio API v1 response bodies (personio-personnel-data-api-oa3.yaml, personio-auth-api.yaml):
// the employee attribute envelope `{label, value, type, universal_id}`, list pages with their metadata,
// auth, create/update replies and error bodies. Pure; they return results and never throw.

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

/** One attribute of an employee; `type` is kept open (Personio adds types; unknown ones must not break a page). */
export interface V1Attribute {
  readonly label: string | null;
  readonly value: unknown;
  readonly type: string | null;
  readonly universalId: string | null;
}

/** An employee: attribute key to envelope. `id` is always there and is a positive integer, as a string. */
export interface V1Employee {
  readonly id: string;
  readonly attributes: ReadonlyMap<string, V1Attribute>;
}

export interface V1EmployeesPage {
  readonly employees: readonly V1Employee[];
  /** `metadata.total_elements`: how many employees match the query in all. */
  readonly totalElements: number;
  /** The offset and limit the server says it applied, when it says. */
  readonly offset: number | null;
  readonly limit: number | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function nonNegativeInteger(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

/** An employee id as v1 writes it (integer, sometimes a numeric string), as a string; null otherwise. */
export function parseEmployeeId(value: unknown): string | null {
  const id = nonNegativeInteger(value);
  return id === null || id === 0 ? null : String(id);
}

/** Parses one attribute envelope; a bare value (no envelope) is not accepted. */
export function parseAttribute(raw: unknown): ParseResult<V1Attribute> {
  if (!isRecord(raw) || !('value' in raw))
    return fail('an attribute is not a {label, value, type, universal_id} envelope');
  return ok({
    label: optionalString(raw.label),
    value: raw.value,
    type: optionalString(raw.type),
    universalId: optionalString(raw.universal_id),
  });
}

/** Parses `{type: "Employee", attributes: {...}}`. */
export function parseEmployee(raw: unknown): ParseResult<V1Employee> {
  if (!isRecord(raw) || !isRecord(raw.attributes)) return fail('an employee has no attributes object');
  const attributes = new Map<string, V1Attribute>();
  for (const [key, envelope] of Object.entries(raw.attributes)) {
    const parsed = parseAttribute(envelope);
    if (!parsed.ok) return fail(`attribute ${key.slice(0, 64)}: ${parsed.error}`);
    attributes.set(key, parsed.value);
  }
  const idAttribute = attributes.get('id');
  // Tolerate the id written bare (not enveloped) as some older responses did.
  const id = parseEmployeeId(idAttribute?.value ?? (raw.attributes as { id?: unknown }).id);
  if (id === null) return fail('an employee has no positive integer id');
  return ok({ id, attributes });
}

/** Parses a `GET /company/employees` page. Anything unexpected fails the whole page. */
export function parseEmployeesPage(body: unknown): ParseResult<V1EmployeesPage> {
  if (!isRecord(body)) return fail('the body is not a JSON object');
  if (body.success !== true) return fail('the body does not say success: true');
  if (!isRecord(body.metadata)) return fail('the body has no metadata');
  const totalElements = nonNegativeInteger(body.metadata.total_elements);
  // Without the total the reader cannot tell a complete listing from a cut-off one.
  if (totalElements === null) return fail('metadata.total_elements is missing or not a count');
  if (!Array.isArray(body.data)) return fail('data is not a list');
  const employees: V1Employee[] = [];
  for (const [index, item] of body.data.entries()) {
    const parsed = parseEmployee(item);
    if (!parsed.ok) return fail(`row ${index}: ${parsed.error}`);
    employees.push(parsed.value);
  }
  return ok({
    employees,
    totalElements,
    offset: nonNegativeInteger(body.offset),
    limit: nonNegativeInteger(body.limit),
  });
}

/** Parses a `GET /company/employees/{id}` body. */
export function parseEmployeeResponse(body: unknown): ParseResult<V1Employee> {
  if (!isRecord(body) || body.success !== true) return fail('the body does not say success: true');
  return parseEmployee(body.data);
}

export interface V1Token {
  readonly token: string;
  readonly expiresInSeconds: number;
}

/** Parses `POST /v1/auth`: `{success, data: {token, expires_in, scope}}`; expires_in defaults to 24 h. */
export function parseAuthResponse(body: unknown): ParseResult<V1Token> {
  if (!isRecord(body) || body.success !== true || !isRecord(body.data))
    return fail('the auth reply is not a success');
  const token = body.data.token;
  if (typeof token !== 'string' || token === '' || /\s/.test(token))
    return fail('the auth reply has no token');
  const expiresIn = body.data.expires_in;
  const expiresInSeconds =
    typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 86_400;
  return ok({ token, expiresInSeconds });
}

export interface V1WriteReply {
  readonly id: string;
  /** What Personio ignored ("meta"), e.g. an unknown department name. */
  readonly warnings: readonly string[];
}

/** Parses the reply to a create (`{success, data: {id, message}}`) or update (`{…, meta: [...]}`). */
export function parseWriteReply(body: unknown): ParseResult<V1WriteReply> {
  if (!isRecord(body) || body.success !== true || !isRecord(body.data))
    return fail('the reply is not a success');
  const id = parseEmployeeId(body.data.id);
  if (id === null) return fail('the reply has no employee id');
  const meta = [body.meta, body.data.meta].flatMap((m) =>
    Array.isArray(m) ? m : typeof m === 'string' ? [m] : [],
  );
  return ok({ id, warnings: meta.filter((m): m is string => typeof m === 'string') });
}

export interface V1AttributeDefinition {
  readonly key: string;
  readonly label: string | null;
  readonly type: string | null;
  readonly universalId: string | null;
  readonly options: readonly string[];
}

/** Parses `GET /company/employees/attributes`: what this credential may read. */
export function parseAttributeList(body: unknown): ParseResult<V1AttributeDefinition[]> {
  if (!isRecord(body) || body.success !== true || !Array.isArray(body.data))
    return fail('the reply is not a success');
  const out: V1AttributeDefinition[] = [];
  for (const item of body.data) {
    if (!isRecord(item) || typeof item.key !== 'string') return fail('an attribute definition has no key');
    out.push({
      key: item.key,
      label: optionalString(item.label),
      type: optionalString(item.type),
      universalId: optionalString(item.universal_id),
      options: Array.isArray(item.options)
        ? item.options.filter((o): o is string => typeof o === 'string')
        : [],
    });
  }
  return ok(out);
}

/**
 * The message of a Personio error body, v1 (`{success:false, error:{code, message}}`), v2
 * (`{errors:[{title, detail}]}`) or OAuth (`{error, error_description}`). Email addresses are masked so
 * error messages (which end up in logs) carry no personal data.
 */
export function describePersonioError(body: unknown): string | undefined {
  let message: string | undefined;
  if (isRecord(body)) {
    if (isRecord(body.error) && typeof body.error.message === 'string') message = body.error.message;
    else if (typeof body.error === 'string') {
      message =
        typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error;
    } else if (Array.isArray(body.errors)) {
      message = body.errors
        .filter(isRecord)
        .map((e) => [e.title, e.detail].filter((s) => typeof s === 'string').join(': '))
        .filter((s) => s !== '')
        .join('; ');
    }
  }
  if (message === undefined || message.trim() === '') return undefined;
  return message.replace(/[^\s@'"]+@[^\s@'"]+/g, '<email>').trim();
}
