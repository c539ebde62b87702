// Syncs and their state: definitions, the links between people and target accounts, run history,
// the operation journal that makes apply idempotent, and future-dated work that must survive restarts.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { systemClock, type Clock } from '../core/clock.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.ts';
import type { Database, SyncLinkTable, SyncRunTable, SyncTable } from './database-types.ts';

export const SYNC_RUN_STATUSES = ['running', 'applied', 'held', 'failed', 'planned'] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

export const SYNC_TRIGGERS = ['manual', 'schedule', 'startup', 'webhook', 'due'] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

/** A sync as stored; `settings` is the parsed JSON the engine validates. */
export interface SyncRecord {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly mapping: string | null;
  readonly scope: string | null;
  readonly everyMs: number;
  readonly fullEveryMs: number;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly watermark: string | null;
  readonly lastFullReadAt: string | null;
  readonly lastRunAt: string | null;
  readonly lastStatus: string | null;
  readonly heldHash: string | null;
  readonly heldReason: string | null;
  readonly approvedHash: string | null;
  readonly nextDueAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewSync {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly mapping?: string | null;
  readonly scope?: string | null;
  readonly everyMs: number;
  readonly fullEveryMs: number;
  readonly settings?: Readonly<Record<string, unknown>>;
}

export type SyncStatePatch = Partial<
  Pick<
    SyncRecord,
    | 'watermark'
    | 'lastFullReadAt'
    | 'lastRunAt'
    | 'lastStatus'
    | 'heldHash'
    | 'heldReason'
    | 'approvedHash'
    | 'nextDueAt'
  >
>;

export interface SyncLink {
  readonly accountId: string;
  readonly sourceId: string;
  readonly reason: string;
  readonly state: string;
  readonly appliedDigest: string | null;
  readonly linkedAt: string;
}

export interface SyncRun {
  readonly id: string;
  readonly syncId: string;
  readonly trigger: string;
  readonly mode: string;
  readonly status: string;
  readonly planHash: string | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly error: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

export interface ScheduledItem {
  readonly personId: string;
  readonly kind: string;
  readonly dueAt: string;
  readonly reason: string;
}

export interface JournaledOperation {
  readonly idempotencyKey: string;
  readonly kind: string;
  readonly personId: string | null;
  readonly accountId: string | null;
  readonly payload: unknown;
}

export interface SyncRepository {
  /** @throws InvalidInputError `sync_id_invalid`; ConflictError `sync_exists`; NotFoundError `connection_not_found` */
  create(input: NewSync): Promise<SyncRecord>;
  get(id: string): Promise<SyncRecord | null>;
  /** @throws NotFoundError `sync_not_found` */
  require(id: string): Promise<SyncRecord>;
  list(): Promise<readonly SyncRecord[]>;
  /** Syncs reading from this source connection (webhooks fan out to them). */
  listBySource(connectionId: string): Promise<readonly SyncRecord[]>;
  remove(id: string): Promise<void>;
  updateState(id: string, patch: SyncStatePatch): Promise<void>;

  listLinks(syncId: string): Promise<readonly SyncLink[]>;
  /** Inserts or replaces the link of an account (a rehire moves the account to the new source id). */
  saveLink(syncId: string, link: Omit<SyncLink, 'linkedAt'>, tx?: Transaction<Database>): Promise<void>;
  removeLink(syncId: string, accountId: string, tx?: Transaction<Database>): Promise<void>;

  startRun(syncId: string, trigger: SyncTrigger, mode: string): Promise<string>;
  finishRun(
    runId: string,
    outcome: {
      status: SyncRunStatus;
      planHash: string | null;
      counts: Record<string, number>;
      error: string | null;
    },
  ): Promise<void>;
  listRuns(syncId: string, limit: number): Promise<readonly SyncRun[]>;

  /** The status of an operation already journaled under this key, or null when it is new. */
  operationStatus(idempotencyKey: string): Promise<string | null>;
  /** Journals an operation as pending (or leaves an existing entry with the same key as it is). */
  recordOperation(syncId: string, runId: string, operation: JournaledOperation): Promise<void>;
  markOperation(
    idempotencyKey: string,
    status: 'applied' | 'failed' | 'superseded',
    details: { accountId?: string | null; error?: string | null },
    tx?: Transaction<Database>,
  ): Promise<void>;

  /**
   * Operations journaled by an earlier run that never recorded their outcome (the process died between
   * journaling and marking them): still `pending`, with a run id other than `exceptRunId`.
   */
  listUnsettledOperations(
    syncId: string,
    exceptRunId: string,
  ): Promise<readonly (JournaledOperation & { readonly runId: string })[]>;
  /**
   * Marks earlier runs of the sync that are still `running` as failed: only one run holds the lease, so
   * any other is one whose process died. Answers how many.
   */
  closeInterruptedRuns(syncId: string, exceptRunId: string): Promise<number>;

  replaceScheduled(syncId: string, items: readonly ScheduledItem[]): Promise<void>;
  listScheduled(syncId: string): Promise<readonly ScheduledItem[]>;

  transaction<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
}

const SYNC_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function createSyncRepository(deps: { db: Kysely<Database>; clock?: Clock }): SyncRepository {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const now = (): string => clock.now().toISOString();

  const toRecord = (row: Selectable<SyncTable>): SyncRecord => ({
    id: row.id,
    source: row.source_connection_id,
    target: row.target_connection_id,
    mapping: row.mapping,
    scope: row.scope,
    everyMs: Number(row.every_ms),
    fullEveryMs: Number(row.full_every_ms),
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    watermark: row.watermark,
    lastFullReadAt: row.last_full_read_at,
    lastRunAt: row.last_run_at,
    lastStatus: row.last_status,
    heldHash: row.held_hash,
    heldReason: row.held_reason,
    approvedHash: row.approved_hash,
    nextDueAt: row.next_due_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  const toLink = (row: Selectable<SyncLinkTable>): SyncLink => ({
    accountId: row.account_id,
    sourceId: row.source_id,
    reason: row.reason,
    state: row.state,
    appliedDigest: row.applied_digest,
    linkedAt: row.linked_at,
  });

  const toRun = (row: Selectable<SyncRunTable>): SyncRun => ({
    id: row.id,
    syncId: row.sync_id,
    trigger: row.trigger,
    mode: row.mode,
    status: row.status,
    planHash: row.plan_hash,
    counts: JSON.parse(row.counts) as Record<string, number>,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  });

  const executor = (tx?: Transaction<Database>): Kysely<Database> => tx ?? db;

  const repository: SyncRepository = {
    async create(input) {
      if (!SYNC_ID.test(input.id))
        throw new InvalidInputError(
          'sync_id_invalid',
          `sync name '${input.id.slice(0, 70)}' must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit`,
        );
      for (const connection of [input.source, input.target]) {
        const found = await db
          .selectFrom('connections')
          .select('id')
          .where('id', '=', connection)
          .executeTakeFirst();
        if (!found)
          throw new NotFoundError(
            'connection_not_found',
            `no connection '${connection}'; create it first with roster connection add`,
          );
      }
      if (input.source === input.target)
        throw new InvalidInputError(
          'sync_invalid',
          'a sync needs two different connections: --from and --to',
        );
      const at = now();
      try {
        await db
          .insertInto('syncs')
          .values({
            id: input.id,
            source_connection_id: input.source,
            target_connection_id: input.target,
            mapping: input.mapping ?? null,
            scope: input.scope ?? null,
            every_ms: input.everyMs,
            full_every_ms: input.fullEveryMs,
            settings: JSON.stringify(input.settings ?? {}),
            watermark: null,
            last_full_read_at: null,
            last_run_at: null,
            last_status: null,
            held_hash: null,
            held_reason: null,
            approved_hash: null,
            next_due_at: null,
            created_at: at,
            updated_at: at,
          })
          .execute();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505')
          throw new ConflictError('sync_exists', `a sync named '${input.id}' exists already`, {
            cause: error,
          });
        throw error;
      }
      return repository.require(input.id);
    },

    async get(id) {
      const row = await db.selectFrom('syncs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : null;
    },

    async require(id) {
      const found = await repository.get(id);
      if (!found) throw new NotFoundError('sync_not_found', `no sync named '${id}'; see roster sync list`);
      return found;
    },

    async list() {
      const rows = await db.selectFrom('syncs').selectAll().orderBy('id').execute();
      return rows.map(toRecord);
    },

    async listBySource(connectionId) {
      const rows = await db
        .selectFrom('syncs')
        .selectAll()
        .where('source_connection_id', '=', connectionId)
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },

    async remove(id) {
      await repository.require(id);
      await db.transaction().execute(async (tx) => {
        for (const table of ['sync_links', 'sync_runs', 'sync_operations', 'scheduled_work'] as const)
          await tx.deleteFrom(table).where('sync_id', '=', id).execute();
        await tx.deleteFrom('syncs').where('id', '=', id).execute();
      });
    },

    async updateState(id, patch) {
      const set: Partial<SyncTable> = { updated_at: now() };
      if (patch.watermark !== undefined) set.watermark = patch.watermark;
      if (patch.lastFullReadAt !== undefined) set.last_full_read_at = patch.lastFullReadAt;
      if (patch.lastRunAt !== undefined) set.last_run_at = patch.lastRunAt;
      if (patch.lastStatus !== undefined) set.last_status = patch.lastStatus;
      if (patch.heldHash !== undefined) set.held_hash = patch.heldHash;
      if (patch.heldReason !== undefined) set.held_reason = patch.heldReason;
      if (patch.approvedHash !== undefined) set.approved_hash = patch.approvedHash;
      if (patch.nextDueAt !== undefined) set.next_due_at = patch.nextDueAt;
      await db.updateTable('syncs').set(set).where('id', '=', id).execute();
    },

    async listLinks(syncId) {
      const rows = await db.selectFrom('sync_links').selectAll().where('sync_id', '=', syncId).execute();
      return rows.map(toLink);
    },

    async saveLink(syncId, link, tx) {
      const at = now();
      const q = executor(tx);
      // The source id is unique per sync: a rehire moves the account to the new id, so drop any other
      // account's claim on it first (it can only be stale).
      await q
        .deleteFrom('sync_links')
        .where('sync_id', '=', syncId)
        .where('source_id', '=', link.sourceId)
        .where('account_id', '!=', link.accountId)
        .execute();
      await q
        .insertInto('sync_links')
        .values({
          sync_id: syncId,
          account_id: link.accountId,
          source_id: link.sourceId,
          reason: link.reason,
          state: link.state,
          applied_digest: link.appliedDigest,
          linked_at: at,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.columns(['sync_id', 'account_id']).doUpdateSet({
            source_id: link.sourceId,
            reason: link.reason,
            state: link.state,
            applied_digest: link.appliedDigest,
            updated_at: at,
          }),
        )
        .execute();
    },

    async removeLink(syncId, accountId, tx) {
      await executor(tx)
        .deleteFrom('sync_links')
        .where('sync_id', '=', syncId)
        .where('account_id', '=', accountId)
        .execute();
    },

    async startRun(syncId, trigger, mode) {
      const id = randomUUID();
      await db
        .insertInto('sync_runs')
        .values({
          id,
          sync_id: syncId,
          trigger,
          mode,
          status: 'running',
          plan_hash: null,
          counts: '{}',
          error: null,
          started_at: now(),
          finished_at: null,
        })
        .execute();
      return id;
    },

    async finishRun(runId, outcome) {
      await db
        .updateTable('sync_runs')
        .set({
          status: outcome.status,
          plan_hash: outcome.planHash,
          counts: JSON.stringify(outcome.counts),
          error: outcome.error,
          finished_at: now(),
        })
        .where('id', '=', runId)
        .execute();
    },

    async listRuns(syncId, limit) {
      const rows = await db
        .selectFrom('sync_runs')
        .selectAll()
        .where('sync_id', '=', syncId)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRun);
    },

    async operationStatus(idempotencyKey) {
      const row = await db
        .selectFrom('sync_operations')
        .select('status')
        .where('idempotency_key', '=', idempotencyKey)
        .executeTakeFirst();
      return row?.status ?? null;
    },

    async recordOperation(syncId, runId, operation) {
      const at = now();
      await db
        .insertInto('sync_operations')
        .values({
          id: randomUUID(),
          sync_id: syncId,
          run_id: runId,
          idempotency_key: operation.idempotencyKey,
          kind: operation.kind,
          person_id: operation.personId,
          account_id: operation.accountId,
          payload: JSON.stringify(operation.payload),
          status: 'pending',
          attempts: 0,
          last_error: null,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) => oc.column('idempotency_key').doUpdateSet({ run_id: runId, updated_at: at }))
        .execute();
    },

    async markOperation(idempotencyKey, status, details, tx) {
      const q = executor(tx);
      const current = await q
        .selectFrom('sync_operations')
        .select('attempts')
        .where('idempotency_key', '=', idempotencyKey)
        .executeTakeFirst();
      await q
        .updateTable('sync_operations')
        .set({
          status,
          attempts: Number(current?.attempts ?? 0) + 1,
          ...(details.accountId !== undefined ? { account_id: details.accountId } : {}),
          last_error: details.error ?? null,
          updated_at: now(),
        })
        .where('idempotency_key', '=', idempotencyKey)
        .execute();
    },

    async listUnsettledOperations(syncId, exceptRunId) {
      const rows = await db
        .selectFrom('sync_operations')
        .selectAll()
        .where('sync_id', '=', syncId)
        .where('status', '=', 'pending')
        .where('run_id', '!=', exceptRunId)
        .orderBy('created_at')
        .execute();
      return rows.map((r) => ({
        idempotencyKey: r.idempotency_key,
        kind: r.kind,
        personId: r.person_id,
        accountId: r.account_id,
        payload: JSON.parse(r.payload) as unknown,
        runId: r.run_id,
      }));
    },

    async closeInterruptedRuns(syncId, exceptRunId) {
      const result = await db
        .updateTable('sync_runs')
        .set({
          status: 'failed',
          error: 'interrupted: the process stopped before the run finished; a later run took over',
          finished_at: now(),
        })
        .where('sync_id', '=', syncId)
        .where('status', '=', 'running')
        .where('id', '!=', exceptRunId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async replaceScheduled(syncId, items) {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('scheduled_work').where('sync_id', '=', syncId).execute();
        const unique = new Map(items.map((i) => [`${i.personId}\u0000${i.kind}`, i]));
        for (const item of unique.values())
          await tx
            .insertInto('scheduled_work')
            .values({
              sync_id: syncId,
              person_id: item.personId,
              kind: item.kind,
              due_at: item.dueAt,
              reason: item.reason,
            })
            .execute();
      });
    },

    async listScheduled(syncId) {
      const rows = await db
        .selectFrom('scheduled_work')
        .selectAll()
        .where('sync_id', '=', syncId)
        .orderBy('due_at')
        .execute();
      return rows.map((r) => ({ personId: r.person_id, kind: r.kind, dueAt: r.due_at, reason: r.reason }));
    },

    transaction(work) {
      return db.transaction().execute(work);
    },
  };
  return repository;
}
