// Storage of the Personio gateway: links between SCIM Users and Personio employees, the outbox of SCIM
// writes still to be applied, and the group → role memberships already turned into tasks. Rows are
// claimed with a lease by a conditional UPDATE, so several instances never apply one row twice.
import { randomUUID } from 'node:crypto';
import type { Generated, Kysely, Transaction } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../store/database-types.ts';

export const LINK_STATES = ['unclaimed', 'pending', 'linked', 'error', 'unlinked'] as const;
export type LinkState = (typeof LINK_STATES)[number];

export const OUTBOX_STATUSES = ['pending', 'applying', 'applied', 'rejected', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
export type OutboxOperation = 'create' | 'update' | 'delete' | 'claim';

export interface PersonioLinkTable {
  connection_id: string;
  resource_id: string;
  employee_id: string | null;
  state: LinkState;
  origin: 'import' | 'idp';
  claimed_by: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface PersonioOutboxTable {
  seq: Generated<number>;
  id: string;
  connection_id: string;
  resource_type: 'User' | 'Group';
  resource_id: string;
  operation: OutboxOperation;
  /** JSON: the SCIM state asked for (a User's data; a Group's `{ displayName, members }`). */
  desired: string | null;
  /** JSON: the SCIM state before the write, to revert an in-time refusal and to diff. */
  before: string | null;
  requested_by: string;
  idempotency_key: string;
  status: OutboxStatus;
  acknowledged: number;
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  outcome: string | null;
  created_at: string;
  updated_at: string;
}

export interface PersonioRoleMemberTable {
  connection_id: string;
  group_id: string;
  resource_id: string;
  role: string;
}

// A type alias, not an interface: Kysely's withTables needs the implicit index signature.
export type GatewayTables = {
  personio_links: PersonioLinkTable;
  personio_outbox: PersonioOutboxTable;
  personio_role_members: PersonioRoleMemberTable;
};

export type GatewayDatabase = Database & GatewayTables;
export type GatewayDb = Kysely<GatewayDatabase> | Transaction<GatewayDatabase>;

export function gatewayDb(db: Kysely<Database>): Kysely<GatewayDatabase> {
  return db.withTables<GatewayTables>();
}

export function gatewayTx(tx: Transaction<Database>): Transaction<GatewayDatabase> {
  return tx.withTables<GatewayTables>();
}

export interface OutboxRow {
  readonly seq: number;
  readonly id: string;
  readonly connectionId: string;
  readonly resourceType: 'User' | 'Group';
  readonly resourceId: string;
  readonly operation: OutboxOperation;
  readonly desired: Record<string, unknown> | null;
  readonly before: Record<string, unknown> | null;
  readonly requestedBy: string;
  readonly status: OutboxStatus;
  readonly acknowledged: boolean;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError: string | null;
  readonly outcome: Record<string, unknown> | null;
  readonly createdAt: string;
}

export interface Link {
  readonly connectionId: string;
  readonly resourceId: string;
  readonly employeeId: string | null;
  readonly state: LinkState;
  readonly origin: 'import' | 'idp';
  readonly claimedBy: string | null;
  readonly lastError: string | null;
}

const parse = (text: string | null): Record<string, unknown> | null =>
  text === null ? null : (JSON.parse(text) as Record<string, unknown>);

function toRow(r: Omit<PersonioOutboxTable, 'seq'> & { seq: unknown }): OutboxRow {
  return {
    seq: Number(r.seq),
    id: r.id,
    connectionId: r.connection_id,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    operation: r.operation,
    desired: parse(r.desired),
    before: parse(r.before),
    requestedBy: r.requested_by,
    status: r.status,
    acknowledged: Number(r.acknowledged) === 1,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    outcome: parse(r.outcome),
    createdAt: r.created_at,
  };
}

function toLink(r: PersonioLinkTable): Link {
  return {
    connectionId: r.connection_id,
    resourceId: r.resource_id,
    employeeId: r.employee_id,
    state: r.state,
    origin: r.origin,
    claimedBy: r.claimed_by,
    lastError: r.last_error,
  };
}

export const FINAL_STATUSES: ReadonlySet<OutboxStatus> = new Set(['applied', 'rejected', 'failed']);

export interface NewOutboxRow {
  readonly connectionId: string;
  readonly resourceType: 'User' | 'Group';
  readonly resourceId: string;
  readonly operation: OutboxOperation;
  readonly desired: unknown;
  readonly before: unknown;
  readonly requestedBy: string;
  readonly idempotencyKey: string;
}

/** The gateway's tables behind small methods; `db` may be a transaction (the SCIM write's). */
export class GatewayStore {
  readonly #db: Kysely<GatewayDatabase>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = gatewayDb(db);
    this.#clock = clock;
  }

  get db(): Kysely<GatewayDatabase> {
    return this.#db;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  /** Inserts an outbox row; a repeated idempotency key inserts nothing and answers the existing row's id. */
  async enqueue(db: GatewayDb, row: NewOutboxRow): Promise<string> {
    const now = this.#now();
    const id = randomUUID();
    const result = await db
      .insertInto('personio_outbox')
      .values({
        id,
        connection_id: row.connectionId,
        resource_type: row.resourceType,
        resource_id: row.resourceId,
        operation: row.operation,
        desired: row.desired === undefined ? null : JSON.stringify(row.desired),
        before: row.before === undefined ? null : JSON.stringify(row.before),
        requested_by: row.requestedBy,
        idempotency_key: row.idempotencyKey,
        status: 'pending',
        acknowledged: 0,
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        last_error: null,
        outcome: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return id;
    const existing = await db
      .selectFrom('personio_outbox')
      .select('id')
      .where('idempotency_key', '=', row.idempotencyKey)
      .executeTakeFirstOrThrow();
    return existing.id;
  }

  async get(id: string): Promise<OutboxRow | undefined> {
    const row = await this.#db
      .selectFrom('personio_outbox')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  /** Rows of a connection (newest last), for tests and for showing what is pending. */
  async list(connectionId: string, statuses?: readonly OutboxStatus[]): Promise<OutboxRow[]> {
    let q = this.#db.selectFrom('personio_outbox').selectAll().where('connection_id', '=', connectionId);
    if (statuses) q = q.where('status', 'in', statuses);
    return (await q.orderBy('seq').execute()).map(toRow);
  }

  /**
   * Rows that may be applied now, oldest first: due, and the first unfinished row of their resource
   * (writes to one resource apply in order). Leased rows whose lease ran out (a crashed worker) count.
   */
  async due(limit: number, connectionId?: string): Promise<OutboxRow[]> {
    const now = this.#now();
    let q = this.#db
      .selectFrom('personio_outbox as o')
      .selectAll('o')
      .where((eb) =>
        eb.or([
          eb.and([eb('o.status', '=', 'pending'), eb('o.next_attempt_at', '<=', now)]),
          eb.and([eb('o.status', '=', 'applying'), eb('o.lease_until', '<', now)]),
        ]),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('personio_outbox as e')
              .select('e.seq')
              .whereRef('e.connection_id', '=', 'o.connection_id')
              .whereRef('e.resource_id', '=', 'o.resource_id')
              .whereRef('e.seq', '<', 'o.seq')
              .where('e.status', 'in', ['pending', 'applying']),
          ),
        ),
      );
    if (connectionId !== undefined) q = q.where('o.connection_id', '=', connectionId);
    return (await q.orderBy('o.seq').limit(limit).execute()).map(toRow);
  }

  /** Unfinished rows of one resource up to `seq`, oldest first. */
  async unfinishedOf(connectionId: string, resourceId: string, upToSeq: number): Promise<OutboxRow[]> {
    const rows = await this.#db
      .selectFrom('personio_outbox')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('resource_id', '=', resourceId)
      .where('seq', '<=', upToSeq)
      .where('status', 'in', ['pending', 'applying'])
      .orderBy('seq')
      .execute();
    return rows.map(toRow);
  }

  /** Takes the row for `leaseMs` when it is due (or its lease ran out); false when someone else has it. */
  async claim(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.#clock.now();
    const nowText = now.toISOString();
    const result = await this.#db
      .updateTable('personio_outbox')
      .set((eb) => ({
        status: 'applying',
        lease_owner: owner,
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: eb('attempts', '+', 1),
        updated_at: nowText,
      }))
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', nowText)]),
          eb.and([eb('status', '=', 'applying'), eb('lease_until', '<', nowText)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Ends a claimed row; false when the lease was lost (another worker took it over). */
  async finish(
    id: string,
    owner: string,
    status: 'applied' | 'failed',
    outcome: unknown,
    lastError: string | null = null,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('personio_outbox')
      .set({
        status,
        outcome: JSON.stringify(outcome),
        last_error: lastError,
        lease_owner: null,
        lease_until: null,
        updated_at: this.#now(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * A refusal while the client still waits: marks the row `rejected` only when it was not acknowledged
   * yet. False means the client already got its answer, so the refusal must become a task instead.
   */
  async rejectInTime(id: string, owner: string, error: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('personio_outbox')
      .set({
        status: 'rejected',
        last_error: error,
        lease_owner: null,
        lease_until: null,
        updated_at: this.#now(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('acknowledged', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Puts a claimed row back for a later attempt. */
  async retryLater(id: string, owner: string, at: Date, error: string): Promise<void> {
    await this.#db
      .updateTable('personio_outbox')
      .set({
        status: 'pending',
        next_attempt_at: at.toISOString(),
        last_error: error,
        lease_owner: null,
        lease_until: null,
        updated_at: this.#now(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** The client was answered before the outcome was known; false when the row had already finished. */
  async acknowledge(id: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('personio_outbox')
      .set({ acknowledged: 1, updated_at: this.#now() })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'applying'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markReverted(id: string): Promise<void> {
    await this.#db
      .updateTable('personio_outbox')
      .set({ outcome: JSON.stringify({ reverted: true }), updated_at: this.#now() })
      .where('id', '=', id)
      .execute();
  }

  /** Rejected rows whose local change was not reverted yet (the process stopped in between). */
  async unreverted(): Promise<OutboxRow[]> {
    const rows = await this.#db
      .selectFrom('personio_outbox')
      .selectAll()
      .where('status', '=', 'rejected')
      .where('outcome', 'is', null)
      .orderBy('seq')
      .execute();
    return rows.map(toRow);
  }

  /** Deletes finished rows last changed before `before` (the journal keeps what happened). */
  async prune(before: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('personio_outbox')
      .where('status', 'in', ['applied', 'failed', 'rejected'])
      .where('outcome', 'is not', null)
      .where('updated_at', '<', before.toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // --- links ---

  async link(db: GatewayDb, connectionId: string, resourceId: string): Promise<Link | undefined> {
    const row = await db
      .selectFrom('personio_links')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('resource_id', '=', resourceId)
      .executeTakeFirst();
    return row ? toLink(row) : undefined;
  }

  async linksOf(connectionId: string): Promise<Link[]> {
    const rows = await this.#db
      .selectFrom('personio_links')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute();
    return rows.map(toLink);
  }

  async linkByEmployee(db: GatewayDb, connectionId: string, employeeId: string): Promise<Link | undefined> {
    const row = await db
      .selectFrom('personio_links')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('employee_id', '=', employeeId)
      .where('state', '!=', 'unlinked')
      .executeTakeFirst();
    return row ? toLink(row) : undefined;
  }

  /** Creates or changes a link; fields left out keep their value. */
  async upsertLink(
    db: GatewayDb,
    connectionId: string,
    resourceId: string,
    fields: Partial<Pick<Link, 'employeeId' | 'state' | 'origin' | 'claimedBy' | 'lastError'>>,
  ): Promise<void> {
    const now = this.#now();
    const existing = await this.link(db, connectionId, resourceId);
    if (!existing) {
      await db
        .insertInto('personio_links')
        .values({
          connection_id: connectionId,
          resource_id: resourceId,
          employee_id: fields.employeeId ?? null,
          state: fields.state ?? 'pending',
          origin: fields.origin ?? 'idp',
          claimed_by: fields.claimedBy ?? null,
          last_error: fields.lastError ?? null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return;
    }
    await db
      .updateTable('personio_links')
      .set({
        ...(fields.employeeId !== undefined ? { employee_id: fields.employeeId } : {}),
        ...(fields.state !== undefined ? { state: fields.state } : {}),
        ...(fields.origin !== undefined ? { origin: fields.origin } : {}),
        ...(fields.claimedBy !== undefined ? { claimed_by: fields.claimedBy } : {}),
        ...(fields.lastError !== undefined ? { last_error: fields.lastError } : {}),
        updated_at: now,
      })
      .where('connection_id', '=', connectionId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  async deleteLink(db: GatewayDb, connectionId: string, resourceId: string): Promise<void> {
    await db
      .deleteFrom('personio_links')
      .where('connection_id', '=', connectionId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  // --- role memberships already turned into tasks ---

  async roleMembers(connectionId: string, groupId: string): Promise<PersonioRoleMemberTable[]> {
    return this.#db
      .selectFrom('personio_role_members')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('group_id', '=', groupId)
      .execute();
  }

  async rolesOfMember(connectionId: string, resourceId: string): Promise<PersonioRoleMemberTable[]> {
    return this.#db
      .selectFrom('personio_role_members')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  async addRoleMember(
    connectionId: string,
    groupId: string,
    resourceId: string,
    role: string,
  ): Promise<void> {
    await this.#db
      .insertInto('personio_role_members')
      .values({ connection_id: connectionId, group_id: groupId, resource_id: resourceId, role })
      .onConflict((oc) => oc.columns(['connection_id', 'group_id', 'resource_id']).doUpdateSet({ role }))
      .execute();
  }

  async removeRoleMember(connectionId: string, groupId: string, resourceId: string): Promise<void> {
    await this.#db
      .deleteFrom('personio_role_members')
      .where('connection_id', '=', connectionId)
      .where('group_id', '=', groupId)
      .where('resource_id', '=', resourceId)
      .execute();
  }
}
