// SCIM User → Personio account attributes: the configurable mapping (which SCIM path feeds which
// attribute), which attributes HR owns, the diff between two SCIM states, the SCIM view of an employee
// read from Personio, and English explanations of Personio's refusals. Pure; no I/O.
import type { Account, AccountAttributeValue } from '../connectors/contract.ts';
import {
  DEFAULT_HR_OWNED_ATTRIBUTES,
  DEFAULT_PROVISIONING_MAPPING,
  type ProvisioningSettings,
} from '../connectors/personio/settings.ts';
import type { ScimResource } from '../scim/schema.ts';

export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A parsed mapping path: `[urn:…:]attribute[[type eq "x"]][.sub]`. */
export interface ScimPath {
  readonly urn: string | null;
  readonly attribute: string;
  readonly type: string | null;
  readonly sub: string | null;
}

const PATH =
  /^(?:(urn:[A-Za-z0-9:._-]+):)?([A-Za-z][A-Za-z0-9]*)(?:\[type eq "([^"\]]{1,40})"\])?(?:\.([A-Za-z][A-Za-z0-9]*))?$/;

/** Parses a mapping path, or null when it is not one (the settings schema refuses those). */
export function parseScimPath(text: string): ScimPath | null {
  const match = PATH.exec(text);
  if (!match?.[2]) return null;
  return { urn: match[1] ?? null, attribute: match[2], type: match[3] ?? null, sub: match[4] ?? null };
}

export function printScimPath(path: ScimPath): string {
  return `${path.urn ? `${path.urn}:` : ''}${path.attribute}${path.type ? `[type eq "${path.type}"]` : ''}${path.sub ? `.${path.sub}` : ''}`;
}

function keyOf(object: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one value from a stored SCIM resource. A typed multi-valued path (`emails[type eq "work"].value`)
 * takes the element of that type, else the primary one, else the only one: Okta marks its one email
 * primary and work, but other clients send it untyped.
 */
export function readScimPath(resource: ScimResource, path: ScimPath): string | null {
  let container: unknown = resource;
  if (path.urn !== null && path.urn.toLowerCase() !== CORE_USER.toLowerCase()) {
    const key = keyOf(resource, path.urn);
    container = key === undefined ? undefined : resource[key];
  }
  if (!isRecord(container)) return null;
  const key = keyOf(container, path.attribute);
  let value: unknown = key === undefined ? undefined : container[key];
  if (Array.isArray(value)) {
    const elements = value.filter(isRecord);
    const typed = path.type
      ? elements.find(
          (e) => typeof e['type'] === 'string' && e['type'].toLowerCase() === path.type?.toLowerCase(),
        )
      : undefined;
    value =
      typed ??
      elements.find((e) => e['primary'] === true) ??
      (elements.length === 1 && (path.type === null || elements[0]?.['type'] === undefined)
        ? elements[0]
        : undefined);
  }
  if (path.sub !== null) {
    if (!isRecord(value)) return null;
    const subKey = keyOf(value, path.sub);
    value = subKey === undefined ? undefined : value[subKey];
  }
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** The effective mapping: defaults, overridden (or switched off with null) by the connection's settings. */
export function effectiveMapping(
  settings: ProvisioningSettings,
  customAttributes: Readonly<Record<string, string>>,
): ReadonlyMap<string, ScimPath> {
  const merged: Record<string, string | null> = { ...DEFAULT_PROVISIONING_MAPPING, ...settings.mapping };
  // employeeNumber is a Personio custom attribute: only mapped when the connection names its key.
  if (settings.mapping['employeeNumber'] === undefined && customAttributes['employeeNumber'] === undefined)
    delete merged['employeeNumber'];
  const result = new Map<string, ScimPath>();
  for (const [attribute, text] of Object.entries(merged)) {
    if (text === null) continue;
    const path = parseScimPath(text);
    if (path) result.set(attribute, path);
  }
  return result;
}

/** Whether Personio (HR) owns an attribute for this connection. */
export function isHrOwned(attribute: string, settings: ProvisioningSettings): boolean {
  const configured = settings.authority[attribute];
  if (configured !== undefined) return configured === 'hr';
  return DEFAULT_HR_OWNED_ATTRIBUTES.includes(attribute);
}

/** Desired Personio attributes of a SCIM User; a mapped attribute the user lacks is null. */
export function desiredAttributes(
  resource: ScimResource,
  mapping: ReadonlyMap<string, ScimPath>,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [attribute, path] of mapping) out[attribute] = readScimPath(resource, path);
  return out;
}

/** The work email of a SCIM User: the mapped email, else a userName that is an address. */
export function emailOf(resource: ScimResource, mapping: ReadonlyMap<string, ScimPath>): string | null {
  const path = mapping.get('email');
  const mapped = path ? readScimPath(resource, path) : null;
  if (mapped !== null) return mapped;
  const userName = resource['userName'];
  return typeof userName === 'string' && /^[^\s@]+@[^\s@]+$/.test(userName) ? userName : null;
}

/** Attributes whose desired value differs between two SCIM states. */
export function changedAttributes(
  before: Readonly<Record<string, string | null>>,
  after: Readonly<Record<string, string | null>>,
): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => (before[name] ?? null) !== (after[name] ?? null)).sort();
}

// Personio cannot clear these (first and last name, department, office, legal entity): an unset SCIM
// value leaves Personio's alone instead of failing the write.
const CLEARABLE = new Set(['preferredName', 'supervisorId']);

/**
 * The attribute values to send: null becomes '' for position (Personio clears it that way), stays null
 * where Personio can clear it, and is left out elsewhere.
 */
export function toWritableValues(
  values: Readonly<Record<string, string | null>>,
  customAttributes: Readonly<Record<string, string>>,
): Record<string, AccountAttributeValue> {
  const out: Record<string, AccountAttributeValue> = {};
  for (const [attribute, value] of Object.entries(values)) {
    if (value !== null) out[attribute] = value;
    else if (attribute === 'position') out[attribute] = '';
    else if (CLEARABLE.has(attribute) || customAttributes[attribute] !== undefined) out[attribute] = null;
  }
  return out;
}

/** Top-level SCIM attributes that differ between two states (for the journal: names, not values). */
export function changedScimAttributes(
  before: ScimResource | undefined,
  after: ScimResource | undefined,
): string[] {
  const a = before ?? {};
  const b = after ?? {};
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const name of names) {
    if (name === 'schemas') continue;
    const x = a[name];
    const y = b[name];
    if (isRecord(x) && isRecord(y) && name.startsWith('urn:')) {
      for (const sub of new Set([...Object.keys(x), ...Object.keys(y)]))
        if (JSON.stringify(x[sub]) !== JSON.stringify(y[sub])) out.push(`${name}:${sub}`);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(name);
  }
  return out.sort();
}

/**
 * The SCIM view of a Personio employee (an import): userName and work email from Personio's email,
 * names, title from position, department and office, active unless the employee is inactive.
 * `managerId` is the SCIM id of the supervisor's resource, when it is known.
 */
export function scimUserFromEmployee(account: Account, managerId: string | null): ScimResource | null {
  const email = account.email;
  if (email === null || email.trim() === '') return null;
  const text = (name: string): string | null => {
    const value = account.attributes[name];
    return typeof value === 'string' && value.trim() !== '' ? value : null;
  };
  const firstName = text('firstName');
  const lastName = text('lastName');
  const enterprise: Record<string, unknown> = {};
  const department = text('department');
  if (department) enterprise['department'] = department;
  if (managerId) enterprise['manager'] = { value: managerId };
  const employeeNumber = account.attributes['employeeNumber'];
  if (typeof employeeNumber === 'string' && employeeNumber !== '')
    enterprise['employeeNumber'] = employeeNumber;
  const resource: ScimResource = {
    schemas: Object.keys(enterprise).length > 0 ? [CORE_USER, ENTERPRISE_USER] : [CORE_USER],
    userName: email,
    ...(firstName || lastName
      ? {
          name: {
            ...(firstName ? { givenName: firstName } : {}),
            ...(lastName ? { familyName: lastName } : {}),
          },
        }
      : {}),
    ...(account.displayName ? { displayName: account.displayName } : {}),
    emails: [{ value: email, type: 'work', primary: true }],
    ...(text('position') ? { title: text('position') } : {}),
    ...(text('office') ? { addresses: [{ type: 'work', formatted: text('office') }] } : {}),
    active: account.isActive !== false,
  };
  if (Object.keys(enterprise).length > 0) resource[ENTERPRISE_USER] = enterprise;
  return resource;
}

// Personio's (English) validation messages name fields in words; these find the attribute meant.
const FIELD_WORDS: readonly (readonly [RegExp, string])[] = [
  [/first[ _]?name/i, 'firstName'],
  [/last[ _]?name/i, 'lastName'],
  [/preferred[ _]?name/i, 'preferredName'],
  [/supervisor/i, 'supervisorId'],
  [/hire[ _]?date/i, 'hireDate'],
  [/weekly[ _]?working[ _]?hours/i, 'weeklyWorkingHours'],
  [/gender/i, 'gender'],
  [/\bstatus\b/i, 'status'],
  [/position/i, 'position'],
  [/department/i, 'department'],
  [/office/i, 'office'],
  [/subcompany|legal ?entity/i, 'legalEntity'],
  [/e-?mail/i, 'email'],
];

/**
 * Explains a refusal in English, naming the SCIM attribute (or the connection setting) the refused
 * Personio field came from, e.g. `manager (Personio supervisor): Supervisor with ID 9 not found`.
 */
export function describeRefusal(
  message: string,
  mapping: ReadonlyMap<string, ScimPath>,
  defaultsUsed: ReadonlySet<string>,
): { readonly attribute: string | null; readonly detail: string } {
  const attribute =
    FIELD_WORDS.find(([pattern]) => pattern.test(message))?.[1] ??
    [...mapping.keys(), ...defaultsUsed].find(
      (name) => message.startsWith(`${name}:`) || message.includes(` ${name} `),
    ) ??
    null;
  const clean = message.replace(/^cannot write to Personio: /, '');
  if (attribute === null) return { attribute, detail: `Personio refused the user: ${clean}` };
  const path = mapping.get(attribute);
  const source = defaultsUsed.has(attribute)
    ? `the connection's provisioning.createDefaults.${attribute}`
    : path
      ? printScimPath(path)
      : attribute;
  return { attribute, detail: `Personio refused ${source} (Personio field ${attribute}): ${clean}` };
}
