// Small helpers for tests that talk to the Entra emulator over HTTP: a token, a bulk request of SCIM
// records, an upload, the processed state.
import type { EntraEmulator } from '../index.ts';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export async function fetchToken(emulator: EntraEmulator, secret = emulator.clientSecret): Promise<Response> {
  return fetch(`${emulator.url}/${emulator.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emulator.clientId,
      client_secret: secret,
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
  });
}

export async function accessToken(emulator: EntraEmulator): Promise<string> {
  const response = await fetchToken(emulator);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

/** A SCIM record as an HR client sends it: core User plus the enterprise extension. */
export function scimRecord(
  externalId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    externalId,
    userName: `person${externalId}@contoso.example`,
    displayName: `Person ${externalId}`,
    name: { givenName: 'Person', familyName: externalId },
    emails: [{ type: 'work', value: `person${externalId}@contoso.example`, primary: true }],
    active: true,
    [ENTERPRISE_USER_SCHEMA]: { employeeNumber: externalId, department: 'Engineering' },
    ...overrides,
  };
}

export function bulkRequest(records: readonly Record<string, unknown>[]): Record<string, unknown> {
  return {
    schemas: [BULK_REQUEST_SCHEMA],
    Operations: records.map((data, index) => ({ method: 'POST', bulkId: `b${index}`, path: '/Users', data })),
    failOnErrors: null,
  };
}

export function uploadUrl(emulator: EntraEmulator): string {
  return `${emulator.url}/v1.0/servicePrincipals/${emulator.servicePrincipalId}/synchronization/jobs/${emulator.jobId}/bulkUpload`;
}

export async function upload(
  emulator: EntraEmulator,
  token: string,
  body: unknown,
  contentType = 'application/scim+json',
): Promise<Response> {
  return fetch(uploadUrl(emulator), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: JSON.stringify(body),
  });
}

export async function control<T>(
  emulator: EntraEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return (await response.json()) as T;
}

export interface EmulatedUser {
  id: string;
  employeeId: string;
  userPrincipalName: string;
  displayName: string;
  jobTitle: string | null;
  department: string | null;
  managerId: string | null;
  accountEnabled: boolean;
}

export async function usersOf(emulator: EntraEmulator): Promise<EmulatedUser[]> {
  return (await control<{ users: EmulatedUser[] }>(emulator, 'GET', '/users')).users;
}

export async function faultNext(emulator: EntraEmulator, fault: Record<string, unknown>): Promise<void> {
  await control(emulator, 'POST', '/faults', fault);
}
