// What the directory connector needs of Roster's own SCIM store, declared here so the connector never
// imports the store: the store's ScimRepository fits this shape, and the host hands one over through
// the open context (`services.directory`).
import type { ConnectorContext } from '../contract.ts';
import type { ResourceSchema } from '../../scim/attribute-resolver.ts';
import type { Filter } from '../../scim/filter-ast.ts';
import type { ScimResource } from '../../scim/schema.ts';

/** The name under `ConnectorContext.services` the directory connector reads. */
export const DIRECTORY_SERVICE = 'directory';

export type DirectoryResourceType = 'User' | 'Group';

/** A stored resource: `data` holds every attribute except id, meta and (Groups) members. */
export interface DirectoryResource {
  readonly id: string;
  readonly data: ScimResource;
  readonly version: number;
}

export interface DirectoryMember {
  readonly value: string;
  readonly type: 'User' | 'Group';
}

/** The membership changes the connector makes; the store accepts more. */
export type DirectoryMemberChange =
  | { readonly kind: 'add'; readonly members: readonly { readonly value: string }[] }
  | { readonly kind: 'remove'; readonly memberIds: readonly string[] };

export interface DirectoryListQuery {
  readonly filter?: Filter | undefined;
  readonly startIndex: number;
  readonly count: number;
  /** RFC 9865: '' asks for the first cursor page; otherwise the previous page's `nextCursor`. */
  readonly cursor?: string | undefined;
}

export interface DirectoryListResult {
  readonly totalResults: number;
  readonly resources: readonly DirectoryResource[];
  readonly nextCursor?: string;
}

/**
 * Roster's SCIM repository as the directory connector uses it. Errors are the SCIM layer's
 * `ScimError`s (404 not found, 409 uniqueness, 400 invalid input or cursor); `update` runs `change`
 * inside one transaction on the locked row and bumps the version only when something changed, which
 * is what makes the connector's writes atomic, versioned and idempotent.
 */
export interface DirectoryRepository {
  get(connectionId: string, type: DirectoryResourceType, id: string): Promise<DirectoryResource | undefined>;
  create(connectionId: string, type: DirectoryResourceType, data: ScimResource): Promise<DirectoryResource>;
  update(
    connectionId: string,
    type: DirectoryResourceType,
    id: string,
    change: (current: DirectoryResource) => {
      readonly data: ScimResource;
      readonly members?: readonly DirectoryMemberChange[];
    },
  ): Promise<{ readonly resource: DirectoryResource; readonly changed: boolean }>;
  /** False when there was nothing to delete. */
  delete(connectionId: string, type: DirectoryResourceType, id: string): Promise<boolean>;
  list(
    connectionId: string,
    type: DirectoryResourceType,
    schema: ResourceSchema,
    query: DirectoryListQuery,
    locationPrefix: string,
  ): Promise<DirectoryListResult>;
  /** Every member of a group, in the order they were added. */
  listMembers(connectionId: string, groupId: string): Promise<readonly DirectoryMember[]>;
}

const METHODS = ['get', 'create', 'update', 'delete', 'list', 'listMembers'] as const;

/** Whether `value` has the repository's methods (the host's wiring is checked when the connector opens). */
export function isDirectoryRepository(value: unknown): value is DirectoryRepository {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return METHODS.every((name) => typeof candidate[name] === 'function');
}

/** The context to open a directory connection with: `context` plus the repository under its service name. */
export function withDirectoryRepository(
  context: ConnectorContext,
  repository: DirectoryRepository,
): ConnectorContext {
  return { ...context, services: { ...context.services, [DIRECTORY_SERVICE]: repository } };
}
