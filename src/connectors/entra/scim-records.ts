// Pure translation between Roster's flat account attributes and the SCIM records bulkUpload takes
// (core User plus the enterprise extension, as the bulkUpload reference shows), and the accounts
// Roster lists from what it uploaded.
import type { Account, AccountAttributeValue, DesiredAccount } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { isDeepEqual } from '../../scim/resource-input.ts';
import { ScimError } from '../../scim/errors.ts';
import {
  applyFlatChanges,
  flattenResource,
  primaryEmailOf,
  unflattenAttributes,
} from '../../scim/resource-paths.ts';
import type { FlatAttributeValue } from '../../scim/resource-paths.ts';
import type { ScimResource } from '../../scim/schema.ts';
import type { UploadedRecord } from './connector-state.ts';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

type Flat = Readonly<Record<string, AccountAttributeValue>>;

/** Bad keys or values are permanent for this input. */
function scimInput<T>(what: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ScimError)
      throw new ConnectorError('invalid_request', `Entra ${what}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Drops what a record keeps beside its attributes, and nulls (absent means unassigned). */
function canonical(attributes: Flat): Record<string, FlatAttributeValue> {
  const resource = scimInput('record', () => unflattenAttributes(attributes));
  const flat: Record<string, FlatAttributeValue> = { ...flattenResource(resource) };
  delete flat['externalId'];
  delete flat['active'];
  delete flat['id'];
  return flat;
}

/** The externalId an account is matched on in Entra ID (and its id in Roster). */
export function externalIdOf(attributes: Flat, what: string): string {
  const value = attributes['externalId'];
  if ((typeof value === 'string' && value.trim() !== '') || typeof value === 'number')
    return String(value).trim();
  throw new ConnectorError(
    'invalid_request',
    `Entra ${what}: the account has no externalId; Entra ID matches every uploaded record on externalId, so the mapping must set it`,
  );
}

/** The record a create uploads: userName and a primary work email default to the desired email, as for SCIM targets. */
export function recordForCreate(desired: DesiredAccount): { externalId: string; record: UploadedRecord } {
  const externalId = externalIdOf(desired.attributes, 'createAccount');
  const attributes: Record<string, AccountAttributeValue> = { ...desired.attributes };
  if (attributes['userName'] === undefined || attributes['userName'] === null)
    attributes['userName'] = desired.email;
  const hasEmail = Object.keys(attributes).some((k) => k.startsWith('emails') && attributes[k] !== null);
  if (!hasEmail) {
    attributes['emails[type eq "work"].value'] = desired.email;
    attributes['emails[type eq "work"].primary'] = true;
  }
  const active = typeof desired.attributes['active'] === 'boolean' ? desired.attributes['active'] : true;
  return { externalId, record: { attributes: canonical(attributes), active } };
}

/** The record after an update: only the named attributes change; `null` clears. externalId cannot change. */
export function recordForUpdate(externalId: string, current: UploadedRecord, changes: Flat): UploadedRecord {
  const next = changes['externalId'];
  if (next !== undefined && (next === null || String(next).trim() !== externalId)) {
    throw new ConnectorError(
      'invalid_request',
      `Entra updateAccount: externalId cannot change (${externalId}); Entra ID matches on it, so a new value would provision a second user. Change it in Entra ID and in the source together`,
    );
  }
  const { externalId: _ignored, active, ...rest } = changes;
  const resource = scimInput('updateAccount', () =>
    applyFlatChanges(unflattenAttributes(current.attributes), rest),
  );
  return {
    attributes: canonical(flattenResource(resource)),
    active: typeof active === 'boolean' ? active : current.active,
  };
}

export function isSameRecord(a: UploadedRecord | null, b: UploadedRecord): boolean {
  return a !== null && a.active === b.active && isDeepEqual(a.attributes, b.attributes);
}

/** The SCIM User a bulk operation carries. */
export function scimUserOf(externalId: string, record: UploadedRecord): ScimResource {
  const resource = unflattenAttributes(record.attributes);
  const schemas = Array.isArray(resource['schemas']) ? (resource['schemas'] as string[]) : [CORE_USER_SCHEMA];
  return { ...resource, schemas, externalId, active: record.active };
}

/** The account Roster lists for a record. */
export function accountOf(externalId: string, record: UploadedRecord): Account {
  const user = scimUserOf(externalId, record);
  const userName = user['userName'];
  const displayName = user['displayName'];
  return {
    id: externalId,
    userName: typeof userName === 'string' ? userName : null,
    email: primaryEmailOf(user),
    displayName: typeof displayName === 'string' ? displayName : null,
    isActive: record.active,
    attributes: flattenResource(user),
  };
}
