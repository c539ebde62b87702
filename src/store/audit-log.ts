// The audit log: an append-only journal of every applied change, hash-chained so that altering,
// removing, inserting or reordering an entry is detected, with content erasable per person.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { systemClock, toTimestamp, type Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import {
  AUDIT_GENESIS_HASH,
  hashEntry,
  isContentIntact,
  openContent,
  sealContent,
  type ChainedFields,
} from './audit-log-chain.ts';
import type { Dialect } from './database.ts';
import type { AuditEventTable, Database } from './database-types.ts';

/** What a caller journals. The ids say whom and what the entry is about and are never erased. */
export interface AuditEventInput {
  /** Who asked: `token:<id>`, `sync:<id>`, `cli`, `admin:<token id>`. */
  readonly actor: string;
  /** What was done, e.g. `account.create`. */
  readonly action: string;
  /** How it ended, e.g. `applied`, `failed`. */
  readonly outcome: string;
  readonly connectionId?: string | null;
  readonly syncId?: string | null;
  readonly personId?: string | null;
  readonly accountId?: string | null;
  /** What changed (before/after, result): plain JSON data. Erasable; may hold personal data. */
  readonly content: unknown;
}

/** A stored entry. */
export interface AuditEntry {
  /** Position in the chain. Increasing, not dense: PostgreSQL sequences skip numbers on rollback. */
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly outcome: string;
  readonly connectionId: string | null;
  readonly syncId: string | null;
  readonly personId: string | null;
  readonly accountId: string | null;
  /** The content as appended; null once erased (then `isErased` is true). */
  readonly content: unknown;
  readonly isErased: boolean;
  readonly contentDigest: string;
  readonly prevHash: string;
  readonly hash: string;
}

export const AUDIT_CHAIN_PROBLEMS = [
  'prev_hash_mismatch',
  'content_digest_mismatch',
  'hash_mismatch',
] as const;
export type AuditChainProblem = (typeof AUDIT_CHAIN_PROBLEMS)[number];

/**
 * The result of checking the whole chain. `head` is the last entry checked: record its hash
 * somewhere else (a ticket, a log shipper) to detect later removal of entries from the end, which
 * no chain can detect on its own.
 */
export type AuditVerification =
  | {
      readonly ok: true;
      readonly entries: number;
      readonly head: { readonly seq: number; readonly hash: string } | null;
    }
  | {
      readonly ok: false;
      /** The seq of the first entry that fails a check; every entry before it verified. */
      readonly brokenAt: number;
      readonly problem: AuditChainProblem;
      readonly reason: string;
      /** How many entries verified before the broken one. */
      readonly entries: number;
    };

export interface AuditListFilter {
  readonly personId?: string;
  readonly connectionId?: string;
  readonly syncId?: string;
  readonly action?: string;
  /** Only entries at or after this instant. */
  readonly since?: Date;
  /** 1 to MAX_AUDIT_LIST_LIMIT entries. */
  readonly limit: number;
  /** Only entries after this seq: pass the last seq of one page to read the next. */
  readonly afterSeq?: number;
}

export interface AuditErasure {
  /** How many entries lost their content. */
  readonly erasedEntries: number;
  /** The entry journaling the erasure itself. */
  readonly entry: AuditEntry;
}

export interface AuditLog {
  /**
   * Appends one entry after the current last one. Pass the caller's transaction to commit the
   * entry together with the change it describes; the chain stays locked until that transaction
   * ends, so append late in it. On PostgreSQL that transaction must be READ COMMITTED (the
   * default): a snapshot taken before the lock would not see the entry it must link to.
   *
   * @throws TypeError or RangeError when the event is malformed or its content is not plain JSON.
   */
  append(event: AuditEventInput, tx?: Transaction<Database>): Promise<AuditEntry>;
  /** Checks every link, hash and present content, reading the log in batches of `batchSize`. */
  verify(options?: { readonly batchSize?: number }): Promise<AuditVerification>;
  /** Entries in chain order (oldest first) matching every given filter. */
  list(filter: AuditListFilter): Promise<readonly AuditEntry[]>;
  /**
   * Erases (sets to null) the content of every entry about `personId`, keeping each digest, so the
   * chain still verifies; ids stay. Journals the erasure as an `AUDIT_ERASURE_ACTION` entry, in the
   * same transaction. Entries appended later carry content again.
   */
  erasePerson(personId: string, options?: { readonly actor?: string }): Promise<AuditErasure>;
}

export interface AuditLogDependencies {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly clock?: Clock;
}

export const MAX_AUDIT_LIST_LIMIT = 1000;
/** The action of the entry that records an erasure; its content holds no personal data. */
export const AUDIT_ERASURE_ACTION = 'person.erase';
const DEFAULT_VERIFY_BATCH = 500;
// Per schema, so test schemas (or two deployments sharing one database) do not wait on each other.
const POSTGRES_LOCK_PREFIX = 'roster:audit_events:';

export function createAuditLog(deps: AuditLogDependencies): AuditLog {
  const { db, dialect } = deps;
  const clock = deps.clock ?? systemClock;

  async function lockChain(trx: Transaction<Database>): Promise<void> {
    // SQLite: every transaction of the store begins IMMEDIATE, so holding one already excludes
    // every other writer, in this process and in others.
    if (dialect === 'sqlite') return;
    const { rows } = await sql<{ isolation: string }>`
      select current_setting('transaction_isolation') as isolation
      from (select pg_advisory_xact_lock(hashtext(${POSTGRES_LOCK_PREFIX} || coalesce(current_schema(), '')))) as locked
    `.execute(trx);
    const isolation = rows[0]?.isolation;
    if (isolation !== 'read committed') {
      throw new TypeError(
        `the audit log appends only in READ COMMITTED transactions (this one is ${isolation ?? 'unknown'}): ` +
          'an older snapshot would not see the last entry and would fork the chain',
      );
    }
  }

  async function appendIn(trx: Transaction<Database>, event: AuditEventInput): Promise<AuditEntry> {
    checkEvent(event);
    // Sealed before locking: bad content fails without waiting, and the lock is held briefly.
    const sealed = sealContent(event.content);
    await lockChain(trx);
    const last = await trx
      .selectFrom('audit_events')
      .select('hash')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    // Time and id are taken under the lock, so `at` follows chain order within one clock.
    const fields: ChainedFields = {
      prevHash: last?.hash ?? AUDIT_GENESIS_HASH,
      id: newId(clock),
      at: toTimestamp(clock.now()),
      actor: event.actor,
      action: event.action,
      outcome: event.outcome,
      connectionId: event.connectionId ?? null,
      syncId: event.syncId ?? null,
      personId: event.personId ?? null,
      accountId: event.accountId ?? null,
      contentDigest: sealed.digest,
    };
    const hash = hashEntry(fields);
    const { seq } = await trx
      .insertInto('audit_events')
      .values({
        id: fields.id,
        at: fields.at,
        actor: fields.actor,
        action: fields.action,
        outcome: fields.outcome,
        connection_id: fields.connectionId,
        sync_id: fields.syncId,
        person_id: fields.personId,
        account_id: fields.accountId,
        content: sealed.text,
        content_digest: sealed.digest,
        prev_hash: fields.prevHash,
        hash,
      })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return Object.freeze({
      seq,
      ...fields,
      // As stored, so it equals what `list` returns (a Date inside is its ISO string there too).
      content: openContent(sealed.text),
      isErased: false,
      hash,
    });
  }

  return {
    async append(event, tx) {
      if (tx === undefined) return db.transaction().execute((trx) => appendIn(trx, event));
      // Outside a transaction the PostgreSQL lock would end with its own statement.
      if (!tx.isTransaction) throw new TypeError('audit append needs a transaction, or none at all');
      return appendIn(tx, event);
    },

    async verify(options = {}) {
      const batchSize = options.batchSize ?? DEFAULT_VERIFY_BATCH;
      if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
        throw new RangeError(`verify batch size must be a positive integer, not ${batchSize}`);
      }
      let expectedPrev = AUDIT_GENESIS_HASH;
      let previous: number | null = null;
      let entries = 0;
      for (;;) {
        let query = db.selectFrom('audit_events').selectAll().orderBy('seq').limit(batchSize);
        if (previous !== null) query = query.where('seq', '>', previous);
        const rows = await query.execute();
        for (const row of rows) {
          const broken = (problem: AuditChainProblem, reason: string): AuditVerification => ({
            ok: false,
            brokenAt: row.seq,
            problem,
            reason,
            entries,
          });
          if (row.prev_hash !== expectedPrev) {
            return broken(
              'prev_hash_mismatch',
              previous === null
                ? `entry ${row.seq} is first but does not start the chain: entries before it were removed, or it was altered or moved`
                : `entry ${row.seq} does not link to entry ${previous} before it: an entry between them was removed or inserted, or entries were reordered or altered`,
            );
          }
          if (row.content !== null && !isContentIntact(row.content, row.content_digest)) {
            return broken(
              'content_digest_mismatch',
              `the content of entry ${row.seq} was changed after it was written`,
            );
          }
          if (hashEntry(chainedFieldsOf(row)) !== row.hash) {
            return broken(
              'hash_mismatch',
              `entry ${row.seq} was changed after it was written: its fields do not match its hash`,
            );
          }
          expectedPrev = row.hash;
          previous = row.seq;
          entries += 1;
        }
        if (rows.length < batchSize) break;
      }
      return {
        ok: true,
        entries,
        head: previous === null ? null : { seq: previous, hash: expectedPrev },
      };
    },

    async list(filter) {
      if (!Number.isSafeInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_AUDIT_LIST_LIMIT) {
        throw new RangeError(`an audit list limit must be 1 to ${MAX_AUDIT_LIST_LIMIT}, not ${filter.limit}`);
      }
      let query = db.selectFrom('audit_events').selectAll().orderBy('seq').limit(filter.limit);
      if (filter.personId !== undefined) query = query.where('person_id', '=', filter.personId);
      if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
      if (filter.syncId !== undefined) query = query.where('sync_id', '=', filter.syncId);
      if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      if (filter.since !== undefined) query = query.where('at', '>=', toTimestamp(filter.since));
      if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
      return (await query.execute()).map(toAuditEntry);
    },

    async erasePerson(personId, options = {}) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('audit_events')
          .set({ content: null })
          .where('person_id', '=', personId)
          .where('content', 'is not', null)
          // Erasure records hold only a count; keeping them shows every erasure that happened.
          .where('action', '!=', AUDIT_ERASURE_ACTION)
          .executeTakeFirst();
        const erasedEntries = Number(result.numUpdatedRows);
        const entry = await appendIn(trx, {
          actor: options.actor ?? 'system',
          action: AUDIT_ERASURE_ACTION,
          outcome: 'applied',
          personId,
          content: { erasedEntries },
        });
        return { erasedEntries, entry };
      });
    },
  };
}

function checkEvent(event: AuditEventInput): void {
  for (const field of ['actor', 'action', 'outcome'] as const) {
    const value: unknown = event[field];
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`an audit event needs a non-empty ${field}`);
    }
  }
}

function chainedFieldsOf(row: Selectable<AuditEventTable>): ChainedFields {
  return {
    prevHash: row.prev_hash,
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome,
    connectionId: row.connection_id,
    syncId: row.sync_id,
    personId: row.person_id,
    accountId: row.account_id,
    contentDigest: row.content_digest,
  };
}

function toAuditEntry(row: Selectable<AuditEventTable>): AuditEntry {
  return Object.freeze({
    seq: row.seq,
    ...chainedFieldsOf(row),
    content: row.content === null ? null : readContent(row.content),
    isErased: row.content === null,
    hash: row.hash,
  });
}

function readContent(text: string): unknown {
  try {
    return openContent(text);
  } catch {
    // Only a hand-edited row is not JSON; listing shows it as stored and verify reports it.
    return text;
  }
}
