// Roster's own directory: SCIM Users and Groups per connection in `scim_resources`, memberships in
// `group_members`. Updates lock the row they change, so parallel PATCHes from several requests or
// processes never lose an update; membership changes cost O(changed members).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ResourceSchema } from '../scim/attribute-resolver.ts';
import { ScimError, badRequest, notFound } from '../scim/errors.ts';
import type { AttributePath, Filter } from '../scim/filter-ast.ts';
import type { ScimResource } from '../scim/schema.ts';
import type { Database, ScimResourceTable } from './database-types.ts';
import { compileFilter, compileSortKey, type CompileContext, type SqlDialect } from './scim-filter-sql.ts';

export type ScimResourceType = 'User' | 'Group';

/** A stored resource: `data` holds every attribute except id, meta and (Groups) members. */
export interface StoredResource {
  readonly seq: number;
  readonly id: string;
  readonly resourceType: ScimResourceType;
  readonly data: ScimResource;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface GroupMember {
  readonly value: string;
  readonly type?: 'User' | 'Group' | undefined;
  readonly display?: string | undefined;
}

/** A membership change, in request order (see splitMemberOperations in scim/patch.ts). */
export type MemberChange =
  | { readonly kind: 'add'; readonly members: readonly GroupMember[] }
  | { readonly kind: 'remove'; readonly memberIds: readonly string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replaceAll'; readonly members: readonly GroupMember[] };

/** A resolved member as returned to clients. */
export interface MemberView {
  readonly value: string;
  readonly type: 'User' | 'Group';
  readonly display?: string;
}

export interface ListQuery {
  readonly filter?: Filter | undefined;
  readonly sortBy?: AttributePath | undefined;
  readonly sortOrder?: 'ascending' | 'descending' | undefined;
  /** 1-based (RFC 7644 §3.4.2.4). Ignored when `cursor` is given. */
  readonly startIndex: number;
  readonly count: number;
  /** RFC 9865: undefined = index paging; '' = first cursor page; otherwise a `nextCursor` value. */
  readonly cursor?: string | undefined;
}

export interface ListResult {
  readonly totalResults: number;
  readonly resources: readonly StoredResource[];
  readonly nextCursor?: string;
  readonly previousCursor?: string;
}

const MAX_RETRIES = 5;

/** A committed-together change, as a write hook sees it: `before` absent on create, `after` on delete. */
export interface ScimWriteChange {
  readonly operation: 'create' | 'update' | 'delete';
  readonly connectionId: string;
  readonly type: ScimResourceType;
  readonly id: string;
  readonly before?: StoredResource;
  readonly after?: StoredResource;
}

/**
 * Runs inside the write's transaction, after the change and only when something changed, so whatever
 * it records (an outbox row) commits or rolls back with the resource. Throwing aborts the write.
 */
export type ScimWriteHook = (tx: Transaction<Database>, change: ScimWriteChange) => Promise<void>;

export interface ScimRepositoryOptions {
  readonly now?: () => Date;
}

export class ScimRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: SqlDialect;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, dialect: SqlDialect, options: ScimRepositoryOptions = {}) {
    this.#db = db;
    this.#dialect = dialect;
    this.#now = options.now ?? (() => new Date());
  }

  get dialect(): SqlDialect {
    return this.#dialect;
  }

  async get(connectionId: string, type: ScimResourceType, id: string): Promise<StoredResource | undefined> {
    const row = await this.#db
      .selectFrom('scim_resources')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('resource_type', '=', type)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toStored(row) : undefined;
  }

  /** Creates a resource; `members` only for Groups. Uniqueness violations answer 409 `uniqueness`. */
  async create(
    connectionId: string,
    type: ScimResourceType,
    data: ScimResource,
    members: readonly GroupMember[] = [],
    hook?: ScimWriteHook,
  ): Promise<StoredResource> {
    const id = randomUUID();
    const now = this.#now().toISOString();
    return this.#db.transaction().execute(async (tx) => {
      await this.#assertUnique(tx, connectionId, type, data, undefined);
      const row = await tx
        .insertInto('scim_resources')
        .values({
          connection_id: connectionId,
          id,
          resource_type: type,
          ...indexedColumns(type, data),
          data: JSON.stringify(data),
          version: 1,
          created_at: now,
          last_modified: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch((error: unknown) => {
          throw uniquenessError(error, type) ?? error;
        });
      if (type === 'Group' && members.length > 0) await this.#addMembers(tx, connectionId, id, members, now);
      const stored = toStored(row);
      if (hook) await hook(tx, { operation: 'create', connectionId, type, id, after: stored });
      return stored;
    });
  }

  /**
   * Read-modify-write in one transaction: the row is locked first (`FOR UPDATE` on PostgreSQL;
   * SQLite transactions here take the write lock up front), `change` computes the new data from the
   * current one and may change memberships, and the version is bumped only when something changed.
   * `expectedVersion` implements If-Match (412 when it differs).
   */
  async update(
    connectionId: string,
    type: ScimResourceType,
    id: string,
    change: (current: StoredResource) => {
      readonly data: ScimResource;
      readonly members?: readonly MemberChange[];
    },
    expectedVersion?: number,
    hook?: ScimWriteHook,
  ): Promise<{ readonly resource: StoredResource; readonly changed: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#db.transaction().execute(async (tx) => {
          let query = tx
            .selectFrom('scim_resources')
            .selectAll()
            .where('connection_id', '=', connectionId)
            .where('resource_type', '=', type)
            .where('id', '=', id);
          if (this.#dialect === 'postgres') query = query.forUpdate();
          const row = await query.executeTakeFirst();
          if (!row) throw notFound(`${type} '${id}' not found`);
          const current = toStored(row);
          if (expectedVersion !== undefined && current.version !== expectedVersion)
            throw new ScimError(
              412,
              `${type} '${id}' has changed (version ${current.version}); re-read it and retry`,
            );
          const next = change(current);
          const now = this.#now().toISOString();
          let membersChanged = false;
          if (type === 'Group' && next.members && next.members.length > 0)
            membersChanged = await this.#applyMemberChanges(tx, connectionId, id, next.members, now);
          const dataChanged = !deepEqual(current.data, next.data);
          // A no-op (re-adding a present member) must not bump the version or lastModified.
          if (!dataChanged && !membersChanged) return { resource: current, changed: false };
          if (dataChanged) await this.#assertUnique(tx, connectionId, type, next.data, id);
          const updated = await tx
            .updateTable('scim_resources')
            .set({
              ...indexedColumns(type, next.data),
              data: JSON.stringify(next.data),
              version: current.version + 1,
              last_modified: now,
            })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow()
            .catch((error: unknown) => {
              throw uniquenessError(error, type) ?? error;
            });
          const after = toStored(updated);
          if (hook) await hook(tx, { operation: 'update', connectionId, type, id, before: current, after });
          return { resource: after, changed: true };
        });
      } catch (error) {
        // Deadlocks and serialisation failures are transient: run the whole change again.
        if (isSerializationFailure(error) && attempt < MAX_RETRIES) continue;
        throw error;
      }
    }
  }

  /** Deletes a resource and every membership it takes part in. Answers false when it did not exist. */
  async delete(
    connectionId: string,
    type: ScimResourceType,
    id: string,
    expectedVersion?: number,
    hook?: ScimWriteHook,
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const current = await tx
        .selectFrom('scim_resources')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('resource_type', '=', type)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!current) return false;
      if (expectedVersion !== undefined && current.version !== expectedVersion)
        throw new ScimError(
          412,
          `${type} '${id}' has changed (version ${current.version}); re-read it and retry`,
        );
      await tx
        .deleteFrom('group_members')
        .where((eb) => eb.or([eb('group_id', '=', id), eb('member_id', '=', id)]))
        .execute();
      const result = await tx.deleteFrom('scim_resources').where('id', '=', id).executeTakeFirst();
      if (hook && result.numDeletedRows > 0n)
        await hook(tx, { operation: 'delete', connectionId, type, id, before: toStored(current) });
      return result.numDeletedRows > 0n;
    });
  }

  async list(
    connectionId: string,
    type: ScimResourceType,
    schema: ResourceSchema,
    query: ListQuery,
    locationPrefix: string,
  ): Promise<ListResult> {
    const ctx: CompileContext = { dialect: this.#dialect, schema, alias: 'r', locationPrefix };
    const where = query.filter ? compileFilter(query.filter, ctx) : sql`(1 = 1)`;
    const sortKey = query.sortBy ? compileSortKey(query.sortBy, ctx) : undefined;
    const descending = query.sortOrder === 'descending';
    const base = this.#db
      .selectFrom('scim_resources as r')
      .where('r.connection_id', '=', connectionId)
      .where('r.resource_type', '=', type)
      .where(where as never);

    // totalResults costs a query only when the page cannot tell it: a lookup or a last page knows
    // its total from its own rows, and an unfiltered total is the count the triggers keep (0006).
    const countMatches = async (): Promise<number> => {
      if (!query.filter) return this.#countAll(connectionId, type);
      const row = await base
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    if (query.count <= 0) return { totalResults: await countMatches(), resources: [] };

    const direction = descending ? sql`desc` : sql`asc`;
    // Nulls sort last in both directions, as in SQLite's and PostgreSQL's ascending default for PostgreSQL... made explicit.
    const nullsLast = sortKey ? sql`(${sortKey} is null)` : undefined;

    if (query.cursor === undefined) {
      let q = base.selectAll('r');
      if (sortKey && nullsLast)
        q = q.orderBy(nullsLast as never).orderBy(sql`${sortKey} ${direction}` as never);
      q = q.orderBy('r.seq', descending && sortKey ? 'desc' : 'asc');
      const offset = Math.max(0, query.startIndex - 1);
      const rows = await q.limit(query.count).offset(offset).execute();
      const pageTellsTotal = rows.length < query.count && (rows.length > 0 || offset === 0);
      const totalResults = pageTellsTotal ? offset + rows.length : await countMatches();
      return { totalResults, resources: rows.map(toStored) };
    }

    // RFC 9865 cursor paging: keyset over (sort key, seq), so every page costs O(page).
    const fingerprint = queryFingerprint(type, query);
    const position = query.cursor === '' ? undefined : decodeCursor(query.cursor, fingerprint);
    let q = base
      .selectAll('r')
      .select(sortKey ? sql<unknown>`${sortKey}`.as('sort_key') : sql`null`.as('sort_key'));
    if (position) {
      if (sortKey) {
        const cmp = descending ? sql.raw('<') : sql.raw('>');
        const keyIsNull = position.key === null;
        // Order: non-null keys (by key, then seq), then null keys (by seq).
        q = keyIsNull
          ? q.where(sql`(${sortKey} is null and r.seq ${cmp} ${position.seq})` as never)
          : q.where(
              sql`((${sortKey} is null) or (${sortKey} ${cmp} ${position.key}) or (${sortKey} = ${position.key} and r.seq ${cmp} ${position.seq}))` as never,
            );
      } else {
        q = q.where('r.seq', '>', position.seq);
      }
    }
    if (sortKey && nullsLast)
      q = q.orderBy(nullsLast as never).orderBy(sql`${sortKey} ${direction}` as never);
    q = q.orderBy('r.seq', descending && sortKey ? 'desc' : 'asc');
    const rows = (await q.limit(query.count + 1).execute()) as unknown as (ScimResourceTable & {
      sort_key: unknown;
    })[];
    const page = rows.slice(0, query.count);
    const last = page.at(-1);
    const totalResults = !position && rows.length <= query.count ? rows.length : await countMatches();
    const result: ListResult = { totalResults, resources: page.map((r) => toStored(r)) };
    if (rows.length > query.count && last)
      return {
        ...result,
        nextCursor: encodeCursor({ key: normaliseKey(last.sort_key), seq: Number(last.seq) }, fingerprint),
      };
    return result;
  }

  /** How many resources of a type a connection holds, from the count the triggers keep (0006). */
  async #countAll(connectionId: string, type: ScimResourceType): Promise<number> {
    const { rows } = await sql<{ n: number | string | bigint }>`
      select n from scim_resource_counts where connection_id = ${connectionId} and resource_type = ${type}
    `.execute(this.#db);
    return Number(rows[0]?.n ?? 0);
  }

  /** Members of one group, with display names, in insertion order. */
  async listMembers(connectionId: string, groupId: string): Promise<MemberView[]> {
    const rows = await this.#db
      .selectFrom('group_members as m')
      .leftJoin('scim_resources as o', 'o.id', 'm.member_id')
      .select(['m.member_id', 'm.member_type', 'o.display_name', 'o.user_name', 'o.data'])
      .where('m.connection_id', '=', connectionId)
      .where('m.group_id', '=', groupId)
      .orderBy('m.added_at')
      .orderBy('m.member_id')
      .execute();
    return rows.map((r) =>
      memberView(r.member_id, r.member_type, r.display_name ?? displayFromData(r.data) ?? r.user_name),
    );
  }

  /** Members of several groups at once (a page of a list response). */
  async listMembersOf(connectionId: string, groupIds: readonly string[]): Promise<Map<string, MemberView[]>> {
    const result = new Map<string, MemberView[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return result;
    const rows = await this.#db
      .selectFrom('group_members as m')
      .leftJoin('scim_resources as o', 'o.id', 'm.member_id')
      .select(['m.group_id', 'm.member_id', 'm.member_type', 'o.display_name', 'o.user_name', 'o.data'])
      .where('m.connection_id', '=', connectionId)
      .where('m.group_id', 'in', groupIds)
      .orderBy('m.added_at')
      .orderBy('m.member_id')
      .execute();
    for (const r of rows)
      result
        .get(r.group_id)
        ?.push(
          memberView(r.member_id, r.member_type, r.display_name ?? displayFromData(r.data) ?? r.user_name),
        );
    return result;
  }

  /** The groups each user belongs to directly (the readOnly `groups` attribute, RFC 7643 §4.1.2). */
  async listGroupsOf(
    connectionId: string,
    memberIds: readonly string[],
  ): Promise<Map<string, { value: string; display?: string }[]>> {
    const result = new Map<string, { value: string; display?: string }[]>(memberIds.map((id) => [id, []]));
    if (memberIds.length === 0) return result;
    const rows = await this.#db
      .selectFrom('group_members as m')
      .innerJoin('scim_resources as g', 'g.id', 'm.group_id')
      .select(['m.member_id', 'm.group_id', 'g.display_name'])
      .where('m.connection_id', '=', connectionId)
      .where('m.member_id', 'in', memberIds)
      .orderBy('g.display_name_key')
      .execute();
    for (const r of rows)
      result
        .get(r.member_id)
        ?.push(r.display_name ? { value: r.group_id, display: r.display_name } : { value: r.group_id });
    return result;
  }

  async #assertUnique(
    tx: Transaction<Database>,
    connectionId: string,
    type: ScimResourceType,
    data: ScimResource,
    exceptId: string | undefined,
  ): Promise<void> {
    const cols = indexedColumns(type, data);
    const key = type === 'User' ? cols.user_name_key : cols.display_name_key;
    if (!key) return;
    let q = tx
      .selectFrom('scim_resources')
      .select('id')
      .where('connection_id', '=', connectionId)
      .where('resource_type', '=', type)
      .where(type === 'User' ? 'user_name_key' : 'display_name_key', '=', key);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const clash = await q.executeTakeFirst();
    if (clash) throw uniquenessFor(type);
  }

  async #addMembers(
    tx: Transaction<Database>,
    connectionId: string,
    groupId: string,
    members: readonly GroupMember[],
    now: string,
  ): Promise<boolean> {
    const unique = [...new Map(members.map((m) => [m.value, m])).values()];
    if (unique.length === 0) return false;
    if (unique.some((m) => m.value === groupId))
      throw badRequest('invalidValue', 'a group cannot be a member of itself');
    const found = new Map<string, ScimResourceType>();
    for (const chunk of chunks(
      unique.map((m) => m.value),
      500,
    )) {
      const rows = await tx
        .selectFrom('scim_resources')
        .select(['id', 'resource_type'])
        .where('connection_id', '=', connectionId)
        .where('id', 'in', chunk)
        .execute();
      for (const r of rows) found.set(r.id, r.resource_type);
    }
    const missing = unique.filter((m) => !found.has(m.value));
    if (missing.length > 0)
      throw badRequest(
        'invalidValue',
        `member${missing.length > 1 ? 's' : ''} ${missing
          .slice(0, 5)
          .map((m) => `'${m.value}'`)
          .join(
            ', ',
          )}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} do${missing.length > 1 ? '' : 'es'} not exist in this connection`,
      );
    let inserted = 0;
    for (const chunk of chunks(unique, 200)) {
      const result = await tx
        .insertInto('group_members')
        .values(
          chunk.map((m) => ({
            connection_id: connectionId,
            group_id: groupId,
            member_id: m.value,
            member_type: found.get(m.value) ?? 'User',
            added_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['group_id', 'member_id']).doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return inserted > 0;
  }

  async #applyMemberChanges(
    tx: Transaction<Database>,
    connectionId: string,
    groupId: string,
    changes: readonly MemberChange[],
    now: string,
  ): Promise<boolean> {
    let changed = false;
    for (const change of changes) {
      switch (change.kind) {
        case 'add':
          changed = (await this.#addMembers(tx, connectionId, groupId, change.members, now)) || changed;
          break;
        case 'remove':
          for (const chunk of chunks(change.memberIds, 500)) {
            const r = await tx
              .deleteFrom('group_members')
              .where('group_id', '=', groupId)
              .where('member_id', 'in', chunk)
              .executeTakeFirst();
            changed = r.numDeletedRows > 0n || changed;
          }
          break;
        case 'removeAll': {
          const r = await tx.deleteFrom('group_members').where('group_id', '=', groupId).executeTakeFirst();
          changed = r.numDeletedRows > 0n || changed;
          break;
        }
        case 'replaceAll': {
          const wanted = new Set(change.members.map((m) => m.value));
          const existing = await tx
            .selectFrom('group_members')
            .select('member_id')
            .where('group_id', '=', groupId)
            .execute();
          const toRemove = existing.map((r) => r.member_id).filter((id) => !wanted.has(id));
          const have = new Set(existing.map((r) => r.member_id));
          const toAdd = change.members.filter((m) => !have.has(m.value));
          for (const chunk of chunks(toRemove, 500)) {
            await tx
              .deleteFrom('group_members')
              .where('group_id', '=', groupId)
              .where('member_id', 'in', chunk)
              .execute();
          }
          const added = await this.#addMembers(tx, connectionId, groupId, toAdd, now);
          changed = changed || toRemove.length > 0 || added;
          break;
        }
      }
    }
    return changed;
  }
}

function indexedColumns(type: ScimResourceType, data: ScimResource) {
  const userName = typeof data['userName'] === 'string' ? data['userName'] : null;
  const displayName = typeof data['displayName'] === 'string' ? data['displayName'] : null;
  const externalId = typeof data['externalId'] === 'string' ? data['externalId'] : null;
  return {
    user_name: type === 'User' ? userName : null,
    user_name_key: type === 'User' && userName !== null ? foldKey(userName) : null,
    display_name: displayName,
    display_name_key: type === 'Group' && displayName !== null ? foldKey(displayName) : null,
    external_id: externalId,
    active: type === 'User' && typeof data['active'] === 'boolean' ? (data['active'] ? 1 : 0) : null,
  };
}

/** The case-insensitive key of userName and group displayName; SQL's `roster_fold` is the same function. */
export function foldKey(value: string): string {
  return value.toLowerCase();
}

function toStored(
  row: ScimResourceTable | (Omit<ScimResourceTable, 'seq'> & { seq: unknown }),
): StoredResource {
  return {
    seq: Number(row.seq),
    id: row.id,
    resourceType: row.resource_type,
    data: JSON.parse(row.data) as ScimResource,
    version: row.version,
    created: row.created_at,
    lastModified: row.last_modified,
  };
}

function memberView(id: string, type: 'User' | 'Group', display: string | null | undefined): MemberView {
  return display ? { value: id, type, display } : { value: id, type };
}

function displayFromData(data: string | null): string | undefined {
  if (!data) return undefined;
  try {
    const parsed = JSON.parse(data) as ScimResource;
    return typeof parsed['displayName'] === 'string' ? parsed['displayName'] : undefined;
  } catch {
    return undefined;
  }
}

function uniquenessFor(type: ScimResourceType): ScimError {
  return type === 'User'
    ? new ScimError(
        409,
        'a User with this userName already exists (userName is unique, case-insensitive)',
        'uniqueness',
      )
    : new ScimError(
        409,
        'a Group with this displayName already exists (displayName is unique, case-insensitive)',
        'uniqueness',
      );
}

function uniquenessError(error: unknown, type: ScimResourceType): ScimError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') return uniquenessFor(type);
  return undefined;
}

function isSerializationFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}

// --- RFC 9865 cursors: opaque base64url of the last row's position, bound to the query. ---

interface CursorPosition {
  readonly key: string | number | null;
  readonly seq: number;
}

function normaliseKey(key: unknown): string | number | null {
  if (key === null || key === undefined) return null;
  if (typeof key === 'number' || typeof key === 'string') return key;
  if (typeof key === 'bigint') return Number(key);
  return JSON.stringify(key);
}

function queryFingerprint(type: ScimResourceType, query: ListQuery): string {
  return JSON.stringify([type, query.filter ?? null, query.sortBy ?? null, query.sortOrder ?? 'ascending']);
}

function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

function encodeCursor(position: CursorPosition, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ k: position.key, s: position.seq, q: hashText(fingerprint) })).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string, fingerprint: string): CursorPosition {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest(
      'invalidCursor',
      'the cursor is not one this server issued; start again without a cursor',
    );
  }
  const p = parsed as { k?: unknown; s?: unknown; q?: unknown };
  if (typeof p.s !== 'number' || !(p.k === null || typeof p.k === 'string' || typeof p.k === 'number'))
    throw badRequest(
      'invalidCursor',
      'the cursor is not one this server issued; start again without a cursor',
    );
  if (p.q !== hashText(fingerprint))
    throw badRequest(
      'invalidCursor',
      'the cursor belongs to a different query: filter, sortBy and sortOrder must stay the same across pages',
    );
  return { key: p.k, seq: p.s };
}
