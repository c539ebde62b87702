// Entra ID users as accounts, through API-driven inbound provisioning. The upload permission cannot
// read users, so the accounts Roster lists are the records it uploaded, kept in the connection's
// state: pending until the provisioning logs confirm them, reverted when the logs report a failure (or
// when no entry appears within `pendingExpiryMs`). Every write is an upload of the whole record; writes
// are sent 50 to a request, and a write waits (up to `confirmTimeoutMs`) for its log entries, so a
// failure Entra reports reaches the engine as an error with Entra's reason.
import { randomUUID } from 'node:crypto';
import type {
  Account,
  AccountChanges,
  AccountTarget,
  AccountWrite,
  AccountWriteResult,
  Clock,
  ConnectorLogger,
  CreateAccountResult,
  DesiredAccount,
  Page,
  UpdateAccountResult,
} from '../contract.ts';
import { ConnectorError, isConnectorError } from '../contract.ts';
import {
  USER_KEY_PREFIX,
  parseStoredUser,
  shownRecord,
  userKey,
  type ConnectorStateService,
  type StoredUser,
  type UploadedRecord,
} from './connector-state.ts';
import { MAX_RECORDS_PER_UPLOAD, type GraphApi, type ProvisioningResult } from './graph-api.ts';
import { accountOf, isSameRecord, recordForCreate, recordForUpdate, scimUserOf } from './scim-records.ts';

export const ACCOUNT_PAGE_SIZE = 500;
/** The engine passes this many writes per call: ten uploads, confirmed together. */
export const WRITES_PER_BATCH = 500;

export interface EntraAccountsOptions {
  readonly api: GraphApi;
  readonly state: ConnectorStateService;
  readonly clock: Clock;
  readonly logger: ConnectorLogger;
  readonly confirmTimeoutMs: number;
  readonly logPollIntervalMs: number;
  readonly pendingExpiryMs: number;
}

/** How a provisioning-log entry settles an upload. */
type Settlement =
  | { readonly kind: 'confirmed'; readonly objectId: string | null; readonly warning: string | null }
  | { readonly kind: 'failed'; readonly errorCode: string | null; readonly reason: string };

/**
 * Entra's reasons quote the values they refused (a userPrincipalName, a mail address). Error messages
 * are journaled and shown, and carry ids but no personal data, so addresses are masked.
 */
export function maskAddresses(reason: string): string {
  return reason.replace(/[^\s'"<>()]+@[^\s'"<>()]+/g, '[address]');
}

export function settlementOf(result: ProvisioningResult): Settlement {
  const reason = maskAddresses(result.reason ?? `provisioning ${result.status}`);
  switch (result.status) {
    case 'success':
      return { kind: 'confirmed', objectId: result.objectId, warning: null };
    case 'warning':
      return { kind: 'confirmed', objectId: result.objectId, warning: reason };
    case 'skipped':
      // Skipped because the user already has these values: the record is what Entra holds. Any other
      // skip (a scoping filter, a paused object) means Entra did not provision it.
      return result.errorCode === 'RedundantExport'
        ? { kind: 'confirmed', objectId: result.objectId, warning: null }
        : { kind: 'failed', errorCode: result.errorCode, reason };
    default:
      return { kind: 'failed', errorCode: result.errorCode, reason };
  }
}

/** A write turned into the record to upload, or settled without one. */
interface PlannedWrite {
  /** The writes this upload answers: more than one when a batch writes one person twice. */
  readonly indices: number[];
  readonly externalId: string;
  readonly before: StoredUser | null;
  readonly record: UploadedRecord;
  readonly outcome: 'created' | 'adopted' | null;
}

export class EntraAccounts implements AccountTarget {
  readonly maxWritesPerBatch = WRITES_PER_BATCH;
  readonly #options: EntraAccountsOptions;

  constructor(options: EntraAccountsOptions) {
    this.#options = options;
  }

  async listAccounts(cursor?: string): Promise<Page<Account>> {
    let after = '';
    if (cursor !== undefined) {
      const match = /^k([A-Za-z0-9_-]*)$/.exec(cursor);
      if (!match)
        throw new ConnectorError('invalid_request', 'Entra listAccounts: not a cursor this connector issued');
      after = Buffer.from(match[1] ?? '', 'base64url').toString('utf8');
    } else {
      // A listing starts by settling what earlier runs uploaded, so the plan starts from Entra's answer.
      await this.settlePending();
    }
    const users = (await this.#options.state.list(USER_KEY_PREFIX)).filter((e) => e.key > after);
    const items: Account[] = [];
    let lastKey = '';
    let taken = 0;
    for (const entry of users) {
      if (taken === ACCOUNT_PAGE_SIZE) break;
      taken += 1;
      lastKey = entry.key;
      const user = parseStoredUser(entry);
      const record = shownRecord(user);
      if (record !== null) items.push(accountOf(user.externalId, record));
    }
    const hasMore = users.length > taken;
    return { items, nextCursor: hasMore ? `k${Buffer.from(lastKey, 'utf8').toString('base64url')}` : null };
  }

  /** How many accounts Roster has uploaded and not seen fail. */
  async countAccounts(): Promise<number> {
    const users = await this.#options.state.list(USER_KEY_PREFIX);
    return users.filter((e) => shownRecord(parseStoredUser(e)) !== null).length;
  }

  async createAccount(desired: DesiredAccount): Promise<CreateAccountResult> {
    const result = await this.#one({ kind: 'create', desired });
    return { account: result.account!, outcome: result.outcome ?? 'created', warnings: result.warnings };
  }

  async updateAccount(id: string, changes: AccountChanges): Promise<UpdateAccountResult> {
    const result = await this.#one({ kind: 'update', accountId: id, changes });
    return { ...(result.account ? { account: result.account } : {}), warnings: result.warnings };
  }

  /** Uploads the record with `active: false`; an account Roster never uploaded is gone already, which is success. */
  async disableAccount(id: string): Promise<void> {
    await this.#one({ kind: 'disable', accountId: id });
  }

  async enableAccount(id: string): Promise<void> {
    await this.#one({ kind: 'enable', accountId: id });
  }

  async #one(write: AccountWrite): Promise<Extract<AccountWriteResult, { ok: true }>> {
    const [result] = await this.writeAccounts([write]);
    if (result === undefined) throw new ConnectorError('unavailable', 'Entra: no result for the write');
    if (!result.ok) throw result.error;
    return result;
  }

  async writeAccounts(writes: readonly AccountWrite[]): Promise<readonly AccountWriteResult[]> {
    const results: AccountWriteResult[] = new Array<AccountWriteResult>(writes.length);
    const current = new Map<string, StoredUser | null>();
    const planned = new Map<string, PlannedWrite>();
    /** What a write starts from: an earlier write of this batch for the same person, else the state. */
    const baseOf = async (externalId: string): Promise<Base> => {
      const earlier = planned.get(externalId);
      if (earlier !== undefined) return { before: earlier.before, shown: earlier.record, earlier };
      if (!current.has(externalId)) {
        const value = await this.#options.state.get(userKey(externalId));
        current.set(
          externalId,
          value === undefined ? null : parseStoredUser({ key: userKey(externalId), value }),
        );
      }
      const before = current.get(externalId) ?? null;
      return { before, shown: before ? shownRecord(before) : null, earlier: null };
    };

    // 1. Each write becomes the whole record to upload; writes that change nothing need no upload.
    for (const [index, write] of writes.entries()) {
      try {
        const plan = await this.#plan(index, write, baseOf);
        if ('done' in plan) results[index] = plan.done;
        else planned.set(plan.externalId, plan);
      } catch (error) {
        results[index] = { ok: false, error: asConnectorError(error) };
      }
    }

    // 2. Upload, 50 records to a request; record what was accepted (or may have been) as pending.
    const uploads = [...planned.values()];
    const sent: { plan: PlannedWrite; uploadedAt: number }[] = [];
    for (let start = 0; start < uploads.length; start += MAX_RECORDS_PER_UPLOAD) {
      const chunk = uploads.slice(start, start + MAX_RECORDS_PER_UPLOAD);
      let uploadedAt: number;
      try {
        const accepted = await this.#options.api.upload(
          chunk.map((p) => ({ bulkId: randomUUID(), data: scimUserOf(p.externalId, p.record) })),
        );
        uploadedAt = accepted ?? this.#options.clock.now().getTime();
      } catch (error) {
        const failure = asConnectorError(error);
        for (const plan of chunk) for (const i of plan.indices) results[i] = { ok: false, error: failure };
        if (failure.outcome === 'unknown') {
          // It may have been accepted: keep it pending, so the logs can still confirm it.
          await this.#savePending(chunk, this.#options.clock.now().getTime() - 1000, false);
        }
        continue;
      }
      await this.#savePending(chunk, uploadedAt, true);
      for (const plan of chunk) sent.push({ plan, uploadedAt });
    }

    // 3. Wait for the provisioning logs: Entra's own answer per record.
    const settled = await this.#confirm(sent);
    for (const { plan } of sent) {
      const settlement = settled.get(plan.externalId)?.settlement;
      const account = accountOf(plan.externalId, plan.record);
      if (settlement?.kind === 'failed') {
        const failure: AccountWriteResult = {
          ok: false,
          error: new ConnectorError(
            'invalid_request',
            `Entra ID did not provision externalId ${plan.externalId}: ${settlement.reason}${settlement.errorCode ? ` (${settlement.errorCode})` : ''}`,
            {
              details: {
                externalId: plan.externalId,
                ...(settlement.errorCode ? { errorCode: settlement.errorCode } : {}),
              },
            },
          ),
        };
        for (const i of plan.indices) results[i] = failure;
        continue;
      }
      const warnings =
        settlement === undefined
          ? ['uploaded; the provisioning logs have not confirmed it yet (the next run checks again)']
          : settlement.warning !== null
            ? [settlement.warning]
            : [];
      for (const i of plan.indices) {
        const outcome = writes[i]?.kind === 'create' ? plan.outcome : null;
        results[i] = { ok: true, account, ...(outcome !== null ? { outcome } : {}), warnings };
      }
    }
    return results;
  }

  /** The record a write uploads (with the writes it answers), `{ done }` when it needs no upload. */
  async #plan(
    index: number,
    write: AccountWrite,
    baseOf: (externalId: string) => Promise<Base>,
  ): Promise<PlannedWrite | { done: AccountWriteResult }> {
    let externalId: string;
    let record: UploadedRecord;
    let base: Base;
    if (write.kind === 'create') {
      const created = recordForCreate(write.desired);
      externalId = created.externalId;
      record = created.record;
      base = await baseOf(externalId);
    } else {
      externalId = write.accountId;
      base = await baseOf(externalId);
      if (base.shown === null) {
        if (write.kind === 'disable') {
          // Never uploaded (or never confirmed): as far as Roster can tell there is nothing to disable.
          return {
            done: { ok: true, warnings: ['Roster never provisioned this account; nothing to disable'] },
          };
        }
        throw new ConnectorError(
          'not_found',
          `Entra ${write.kind}Account: Roster has not provisioned externalId ${externalId}`,
        );
      }
      record =
        write.kind === 'update'
          ? recordForUpdate(externalId, base.shown, write.changes.attributes)
          : { attributes: base.shown.attributes, active: write.kind === 'enable' };
    }
    const { before, shown, earlier } = base;
    if (earlier !== null) {
      // A second write for one person in this batch: one upload of the combined record answers both.
      return { ...earlier, indices: [...earlier.indices, index], record };
    }
    if (shown !== null && isSameRecord(shown, record)) {
      return {
        done: {
          ok: true,
          account: accountOf(externalId, shown),
          ...(write.kind === 'create' ? { outcome: 'adopted' as const } : {}),
          warnings: [],
        },
      };
    }
    const outcome = write.kind === 'create' ? (shown === null ? 'created' : 'adopted') : null;
    return { indices: [index], externalId, before, record, outcome };
  }

  async #savePending(chunk: readonly PlannedWrite[], uploadedAt: number, accepted: boolean): Promise<void> {
    const recordedAt = this.#options.clock.now().toISOString();
    await this.#options.state.put(
      chunk.map((plan) => ({
        key: userKey(plan.externalId),
        value: {
          v: 1,
          externalId: plan.externalId,
          confirmed: plan.before?.confirmed ?? null,
          pending: { ...plan.record, uploadedAt: new Date(uploadedAt).toISOString(), recordedAt, accepted },
          lastFailure: plan.before?.lastFailure ?? null,
          lastLogAt: plan.before?.lastLogAt ?? null,
        } satisfies StoredUser,
      })),
    );
  }

  /**
   * Reads the provisioning logs until every uploaded record has an entry or the confirmation time is
   * up; the HTTP client paces the reads (`logPollIntervalMs`, and Graph's 5 reads per 10 s). Settles
   * the state of every record it found an entry for.
   */
  async #confirm(sent: readonly { plan: PlannedWrite; uploadedAt: number }[]): Promise<Map<string, Found>> {
    const settled = new Map<string, Found>();
    if (sent.length === 0 || this.#options.confirmTimeoutMs === 0) return settled;
    const since = new Map(sent.map((s) => [s.plan.externalId, lowerBound(s.uploadedAt, s.plan.before)]));
    const earliest = Math.min(...since.values());
    const polls = Math.max(1, Math.ceil(this.#options.confirmTimeoutMs / this.#options.logPollIntervalMs));
    for (let poll = 0; poll < polls && settled.size < since.size; poll++) {
      let results: ProvisioningResult[];
      try {
        results = await this.#options.api.readResults(earliest);
      } catch (error) {
        // The uploads were accepted; they stay pending and the next listing settles them.
        this.#options.logger.warn(
          { errorKind: isConnectorError(error) ? error.kind : 'internal' },
          'reading the provisioning logs failed; records stay pending',
        );
        break;
      }
      for (const [externalId, found] of latestSettlements(results, since)) settled.set(externalId, found);
    }
    if (settled.size < since.size) {
      this.#options.logger.info(
        { unconfirmed: since.size - settled.size, uploaded: since.size },
        'some uploaded records have no provisioning-log entry yet; they stay pending',
      );
    }
    await this.#applySettlements(settled);
    return settled;
  }

  /** Settles every pending record from the logs; expires those that have waited too long for an entry. */
  async settlePending(): Promise<void> {
    const pending = (await this.#options.state.list(USER_KEY_PREFIX))
      .map(parseStoredUser)
      .filter((u) => u.pending !== null);
    if (pending.length === 0) return;
    const since = new Map(
      pending.map((u) => [u.externalId, lowerBound(Date.parse(u.pending!.uploadedAt), u)]),
    );
    let results: ProvisioningResult[];
    try {
      results = await this.#options.api.readResults(Math.min(...since.values()));
    } catch (error) {
      // A slow or throttled log must not stop the sync: pending records stay as they are until the
      // next listing. Anything else (a lost permission) is the administrator's to fix.
      if (!isConnectorError(error) || !error.isRetryable) throw error;
      this.#options.logger.warn(
        { errorKind: error.kind, pending: pending.length },
        'reading the provisioning logs failed; pending records stay pending',
      );
      return;
    }
    const settled = latestSettlements(results, since);
    await this.#applySettlements(settled);
    const now = this.#options.clock.now().getTime();
    const expired = pending.filter(
      (u) =>
        !settled.has(u.externalId) && now - Date.parse(u.pending!.recordedAt) > this.#options.pendingExpiryMs,
    );
    if (expired.length > 0) {
      this.#options.logger.warn(
        { expired: expired.length },
        'uploads without a provisioning-log entry expired; they will be uploaded again',
      );
      await this.#options.state.put(
        expired.map((u) => ({
          key: userKey(u.externalId),
          value: {
            ...u,
            pending: null,
            lastFailure: {
              reason: 'no provisioning-log entry appeared',
              errorCode: null,
              at: new Date(now).toISOString(),
            },
          } satisfies StoredUser,
        })),
      );
    }
  }

  async #applySettlements(settled: ReadonlyMap<string, Found>): Promise<void> {
    if (settled.size === 0) return;
    const now = this.#options.clock.now().toISOString();
    const entries = [];
    for (const [externalId, { settlement, at }] of settled) {
      const value = await this.#options.state.get(userKey(externalId));
      if (value === undefined) continue;
      const user = parseStoredUser({ key: userKey(externalId), value });
      if (user.pending === null) continue;
      const { uploadedAt: _u, recordedAt: _r, accepted: _a, ...record } = user.pending;
      const next: StoredUser =
        settlement.kind === 'confirmed'
          ? {
              ...user,
              confirmed: {
                ...record,
                objectId: settlement.objectId ?? user.confirmed?.objectId ?? null,
                confirmedAt: now,
              },
              pending: null,
              lastFailure: null,
              lastLogAt: new Date(at).toISOString(),
            }
          : {
              ...user,
              pending: null,
              lastFailure: { reason: settlement.reason, errorCode: settlement.errorCode, at: now },
              lastLogAt: new Date(at).toISOString(),
            };
      entries.push({ key: userKey(externalId), value: next });
    }
    await this.#options.state.put(entries);
  }
}

/** What a write starts from. */
interface Base {
  readonly before: StoredUser | null;
  readonly shown: UploadedRecord | null;
  readonly earlier: PlannedWrite | null;
}

/** A log entry's settlement and its time. */
interface Found {
  readonly settlement: Settlement;
  readonly at: number;
}

/** The earliest time a log entry of this upload can have. */
function lowerBound(uploadedAt: number, before: StoredUser | null): number {
  const settledAt = before?.lastLogAt ? Date.parse(before.lastLogAt) + 1 : 0;
  return Math.max(uploadedAt, settledAt);
}

/** Per record, the newest log entry at or after its lower bound. */
function latestSettlements(
  results: readonly ProvisioningResult[],
  since: ReadonlyMap<string, number>,
): Map<string, Found> {
  const newest = new Map<string, ProvisioningResult>();
  for (const result of results) {
    const uploadedAt = since.get(result.externalId);
    // Graph's Date header has whole seconds: an entry of this upload is never earlier than it.
    if (uploadedAt === undefined || result.at < uploadedAt) continue;
    const seen = newest.get(result.externalId);
    if (seen === undefined || result.at >= seen.at) newest.set(result.externalId, result);
  }
  return new Map(
    [...newest].map(([id, result]) => [id, { settlement: settlementOf(result), at: result.at }]),
  );
}

function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  return new ConnectorError('unavailable', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
