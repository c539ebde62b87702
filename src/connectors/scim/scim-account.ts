// SCIM Users as accounts, shared by every connector whose accounts are SCIM Users (any SCIM 2.0 server,
// and Roster's own directory): the account a User is, the User a create sends, and the PATCH operations
// that carry flat changes from one User to the next.
import type { Account, DesiredAccount } from '../contract.ts';
import { isDeepEqual, isPlainObject } from '../../scim/resource-input.ts';
import {
  flattenResource,
  parseFlatKey,
  primaryEmailOf,
  unflattenAttributes,
} from '../../scim/resource-paths.ts';
import type { FlatAttributeValue, FlatKey } from '../../scim/resource-paths.ts';
import { badRequest } from '../../scim/errors.ts';
import type { ScimResource } from '../../scim/schema.ts';

/** A User as a SCIM server returns it: at least an id. */
export type ScimUser = ScimResource & { readonly id: string };

/**
 * The account a User is. `email` is the primary email, else the work email; `isActive` is `null` when
 * the server leaves `active` out; `attributes` is the User's flat form (resource-paths.ts), the keys
 * a sync's mapping writes.
 */
export function accountFromUser(user: ScimUser): Account {
  const userName = user['userName'];
  const displayName = user['displayName'];
  const active = user['active'];
  return {
    id: user.id,
    userName: typeof userName === 'string' ? userName : null,
    email: primaryEmailOf(user),
    displayName: typeof displayName === 'string' ? displayName : null,
    isActive: typeof active === 'boolean' ? active : null,
    attributes: flattenResource(user),
  };
}

/**
 * The User a create sends: the desired flat attributes, with `userName` defaulting to the desired
 * email, a primary work email when the attributes name no email at all, and `active: true` unless the
 * attributes say otherwise (what Roster's own SCIM endpoint assumes too).
 *
 * @throws ScimError 400 for a key or value the flat convention refuses.
 */
export function userForCreate(desired: DesiredAccount): ScimResource {
  const user: Record<string, unknown> = { ...unflattenAttributes(desired.attributes) };
  if (user['userName'] === undefined) user['userName'] = desired.email;
  if (user['emails'] === undefined) {
    user['emails'] = [{ type: 'work', value: desired.email, primary: true }];
  }
  if (user['active'] === undefined) user['active'] = true;
  return user;
}

/** The userName a create is read back by. */
export function userNameOf(user: ScimResource): string {
  const userName = user['userName'];
  if (typeof userName !== 'string' || userName === '') {
    throw badRequest('invalidValue', 'a User needs a userName');
  }
  return userName;
}

/** One operation of a PatchOp body, as sent (RFC 7644 §3.5.2). */
export interface ScimPatchOperation {
  readonly op: 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

/** Parses every key of a change set, throwing ScimError 400 for one the convention refuses. */
export function parseChangeKeys(changes: Readonly<Record<string, FlatAttributeValue>>): FlatKey[] {
  return Object.keys(changes).map((key) => {
    const parsed = parseFlatKey(key);
    if (!parsed.ok) throw badRequest('invalidPath', parsed.error);
    return parsed.value;
  });
}

function containerOf(resource: ScimResource, uri: string | undefined): Record<string, unknown> | undefined {
  if (uri === undefined) return resource;
  const container = resource[uri];
  return isPlainObject(container) ? container : undefined;
}

function valueAt(resource: ScimResource, key: FlatKey): unknown {
  const value = containerOf(resource, key.uri)?.[key.attribute];
  if (key.kind !== 'subAttribute') return value;
  return isPlainObject(value) ? value[key.subAttribute] : undefined;
}

/** The path an operation on the whole attribute takes: qualified for extension attributes. */
function attributePath(key: FlatKey): string {
  return key.uri === undefined ? key.attribute : `${key.uri}:${key.attribute}`;
}

/**
 * PATCH operations that turn `current` into `next` (computed by `applyFlatChanges`) for the attributes
 * `keys` name, and nothing else. Single values and sub-attributes are replaced or removed by path,
 * which every SCIM server supports. A multi-valued attribute is replaced whole with its next elements:
 * a value-filtered path (`emails[type eq "work"].value`) that matches nothing is `400 noTarget` on a
 * strict server (RFC 7644 §3.5.2.3), so it cannot create the element. Unchanged attributes send nothing,
 * so repeating an update sends no operation at all.
 */
export function patchOperationsFor(
  current: ScimResource,
  next: ScimResource,
  keys: readonly FlatKey[],
): ScimPatchOperation[] {
  const operations: ScimPatchOperation[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    // An element key stands for its whole multi-valued attribute.
    const target: FlatKey =
      key.kind === 'element'
        ? {
            kind: 'attribute',
            text: attributePath(key),
            attribute: key.attribute,
            ...(key.uri ? { uri: key.uri } : {}),
          }
        : key;
    const path = target.text;
    if (seen.has(path.toLowerCase())) continue;
    seen.add(path.toLowerCase());
    const before = valueAt(current, target);
    const after = valueAt(next, target);
    if (isDeepEqual(before, after)) continue;
    if (after === undefined) operations.push({ op: 'remove', path });
    else operations.push({ op: 'replace', path, value: after });
  }
  return operations;
}
