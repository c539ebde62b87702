// The SCIM gateway into Personio: a Personio connection's SCIM view is desired state. Each SCIM write is
// committed locally together with an outbox row, applied to Personio within the connection's write
// budget (the client waits for Personio's answer) or later from the outbox with retries; what Personio's
// API cannot do becomes a task. The view is filled from Personio's employee list (import).
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { Connection } from '../core/connection.ts';
import { ConnectorError, type Account, type ConnectorHandle } from '../connectors/contract.ts';
import { personioSettingsSchema, type PersonioSettings } from '../connectors/personio/settings.ts';
import { ScimError } from '../scim/errors.ts';
import type { ScimResource } from '../scim/schema.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Database } from '../store/database-types.ts';
import {
  foldKey,
  type ScimRepository,
  type ScimResourceType,
  type ScimWriteChange,
  type ScimWriteHook,
  type StoredResource,
} from '../store/scim-repository.ts';
import { FINAL_STATUSES, GatewayStore, gatewayTx, type Link, type OutboxRow } from './gateway-store.ts';
import {
  applyFailedTask,
  changeEmailTask,
  dedupeKeys,
  grantLoginTask,
  grantRoleTask,
  revokeAccessTask,
  revokeLoginTask,
  revokeRoleTask,
  warningTask,
  type ProvisioningTasks,
  type TaskSubject,
} from './provisioning-tasks.ts';
import {
  changedAttributes,
  changedScimAttributes,
  desiredAttributes,
  describeRefusal,
  effectiveMapping,
  emailOf,
  isHrOwned,
  scimUserFromEmployee,
  toWritableValues,
  type ScimPath,
} from './scim-personio-mapping.ts';

/** What the gateway logs through (pino's shape). */
export interface GatewayLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface PersonioGatewayDependencies {
  readonly db: Kysely<Database>;
  readonly repository: ScimRepository;
  readonly connections: {
    get(id: string): Promise<Connection | null>;
    list(): Promise<readonly Connection[]>;
  };
  readonly tasks: ProvisioningTasks;
  readonly audit: AuditLog;
  /** Opens the connection's connector (the engine's opener: settings, secrets, shared HTTP client). */
  readonly openConnection: (connectionId: string) => Promise<ConnectorHandle>;
  readonly clock: Clock;
  readonly logger?: GatewayLogger;
  /** How often the worker looks for due outbox rows. Default 1 s. */
  readonly pollMs?: number;
  /** First retry delay after a transient failure; doubles per attempt up to five minutes. Default 2 s. */
  readonly retryBaseMs?: number;
  /** Least time between two imports of one connection that webhooks ask for. Default 60 s. */
  readonly minImportSpacingMs?: number;
}

/** The SCIM-side contract (mirrors `ScimWriteGateway` in server/scim/endpoints.ts). */
export interface GatewaySession {
  correlate(type: ScimResourceType, data: ScimResource): Promise<StoredResource | undefined>;
  readonly hook: ScimWriteHook;
  settle(): Promise<void>;
}

interface ConnectionContext {
  readonly connectionId: string;
  readonly updatedAt: string;
  readonly settings: PersonioSettings;
  readonly mapping: ReadonlyMap<string, ScimPath>;
  readonly handle: ConnectorHandle;
}

export interface ImportSummary {
  readonly employees: number;
  readonly created: number;
  readonly updated: number;
  readonly removed: number;
  readonly skipped: number;
  readonly verifiedTasks: number;
}

const silentLogger: GatewayLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MAX_RETRY_DELAY_MS = 5 * 60_000;
/** Finished outbox rows are kept this long (for `what happened to my write`), then pruned. */
const OUTBOX_RETENTION_MS = 30 * 24 * 3_600_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rows applied per worker pass. */
const BATCH = 20;

export class PersonioGateway {
  readonly #deps: PersonioGatewayDependencies;
  readonly #store: GatewayStore;
  readonly #logger: GatewayLogger;
  readonly #owner = `gateway-${randomUUID()}`;
  readonly #contexts = new Map<string, Promise<ConnectionContext>>();
  readonly #appCache = new Map<string, { app: string | null; at: number }>();
  /** When the next import of a connection is due (performance.now() time). */
  readonly #nextImport = new Map<string, number>();
  readonly #importStarted = new Map<string, number>();
  readonly #importing = new Map<string, Promise<ImportSummary>>();
  /** Applies started by requests that may outlive them (the budget ran out first). */
  readonly #inFlight = new Set<Promise<void>>();
  #lastPrune = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: PersonioGatewayDependencies) {
    this.#deps = deps;
    this.#store = new GatewayStore(deps.db, deps.clock);
    this.#logger = deps.logger ?? silentLogger;
  }

  get store(): GatewayStore {
    return this.#store;
  }

  // ------------------------------------------------------------------------------------------
  // The SCIM side
  // ------------------------------------------------------------------------------------------

  /** A write gateway for one request on a Personio connection, or undefined for other connections. */
  async gatewayFor(connectionId: string, tokenId: string): Promise<GatewaySession | undefined> {
    if ((await this.#appOf(connectionId)) !== 'personio') return undefined;
    const context = await this.#context(connectionId);
    const recorded: string[] = [];
    // One budget per request: a Bulk request of many operations waits for Personio once, not per operation.
    let deadline: number | undefined;
    const hook: ScimWriteHook = async (tx, change) => {
      const id = await this.#record(tx, change, tokenId, context);
      recorded.push(id);
    };
    return {
      hook,
      correlate: (type, data) => this.#correlate(context, tokenId, type, data, recorded),
      settle: () => {
        deadline ??= performance.now() + context.settings.provisioning.writeBudgetMs;
        return this.#settle(recorded.splice(0), deadline);
      },
    };
  }

  async #appOf(connectionId: string): Promise<string | null> {
    const cached = this.#appCache.get(connectionId);
    const now = performance.now();
    if (cached && now - cached.at < 5_000) return cached.app;
    const connection = await this.#deps.connections.get(connectionId);
    const app = connection?.app ?? null;
    this.#appCache.set(connectionId, { app, at: now });
    return app;
  }

  /** Runs in the SCIM write's transaction: authority, the link, the outbox row and the journal entry. */
  async #record(
    tx: Transaction<Database>,
    change: ScimWriteChange,
    tokenId: string,
    context: ConnectionContext,
  ): Promise<string> {
    const db = gatewayTx(tx);
    const { connectionId, id } = change;
    const actor = `scim-token:${tokenId}`;
    const provisioning = context.settings.provisioning;
    let ignored: string[] = [];
    if (change.type === 'User') {
      const link = await this.#store.link(db, connectionId, id);
      if (change.operation === 'create') {
        await this.#store.upsertLink(db, connectionId, id, {
          state: 'pending',
          origin: 'idp',
          claimedBy: tokenId,
        });
      } else if (change.operation === 'update' && link?.employeeId) {
        const before = desiredAttributes(change.before?.data ?? {}, context.mapping);
        const after = desiredAttributes(change.after?.data ?? {}, context.mapping);
        const hrOwned = changedAttributes(before, after).filter(
          (a) => a !== 'email' && isHrOwned(a, provisioning),
        );
        if (hrOwned.length > 0 && provisioning.onHrOwnedWrite === 'refuse')
          throw new ScimError(
            400,
            `${hrOwned.map((a) => (context.mapping.get(a) ? `${a} (${pathText(context.mapping.get(a))})` : a)).join(', ')} ${hrOwned.length > 1 ? 'are' : 'is'} owned by Personio (HR) on this connection; change ${hrOwned.length > 1 ? 'them' : 'it'} in Personio, or set provisioning.authority to let the identity provider own ${hrOwned.length > 1 ? 'them' : 'it'}`,
            'mutability',
          );
        ignored = hrOwned;
        if (link.state === 'unclaimed') {
          // Okta (after an import matched the user) and Entra (after its lookup) write to the existing
          // user without a POST: the first write of a token claims the employee like a POST would.
          await this.#store.upsertLink(db, connectionId, id, { state: 'linked', claimedBy: tokenId });
          await this.#store.enqueue(db, {
            connectionId,
            resourceType: 'User',
            resourceId: id,
            operation: 'claim',
            desired: change.before?.data ?? null,
            before: null,
            requestedBy: tokenId,
            idempotencyKey: `${id}:claim:${tokenId}:${change.before?.version ?? 0}`,
          });
        }
      } else if (change.operation === 'delete' && link) {
        await this.#store.upsertLink(db, connectionId, id, { state: 'unlinked' });
      }
    }
    const desired =
      change.type === 'Group' && change.operation !== 'delete'
        ? { displayName: change.after?.data['displayName'] ?? null, members: await membersOf(tx, id) }
        : (change.after?.data ?? null);
    const before =
      change.type === 'Group'
        ? { displayName: change.before?.data['displayName'] ?? null }
        : (change.before?.data ?? null);
    const rowId = await this.#store.enqueue(db, {
      connectionId,
      resourceType: change.type,
      resourceId: id,
      operation: change.operation,
      desired,
      before,
      requestedBy: tokenId,
      idempotencyKey: `${id}:${change.operation}:${change.after?.version ?? `gone-${change.before?.version ?? 0}`}`,
    });
    await this.#deps.audit.append(
      {
        actor,
        action: `scim.${change.type.toLowerCase()}.${change.operation}`,
        outcome: 'accepted',
        connectionId,
        accountId: id,
        content: {
          outboxId: rowId,
          attributes: changedScimAttributes(change.before?.data, change.after?.data),
          ...(ignored.length > 0 ? { ignoredHrOwned: ignored } : {}),
        },
      },
      tx,
    );
    if (ignored.length > 0)
      await this.#deps.audit.append(
        {
          actor,
          action: 'personio.hr_owned_write',
          outcome: 'ignored',
          connectionId,
          accountId: id,
          content: { attributes: ignored, reason: 'owned by Personio (HR) on this connection' },
        },
        tx,
      );
    return rowId;
  }

  /**
   * A POST for a user that is already here: an employee imported from Personio and not yet claimed
   * (same userName or work email) is claimed by this token; a user this token already created (a retry
   * after a timeout) is the same account. Either answers 201 with that id; anything else is a new user.
   */
  async #correlate(
    context: ConnectionContext,
    tokenId: string,
    type: ScimResourceType,
    data: ScimResource,
    recorded: string[],
  ): Promise<StoredResource | undefined> {
    if (type !== 'User') return undefined;
    const keys = new Set<string>();
    if (typeof data['userName'] === 'string') keys.add(foldKey(data['userName']));
    const email = emailOf(data, context.mapping);
    if (email !== null) keys.add(foldKey(email));
    if (keys.size === 0) return undefined;
    const db = this.#store.db;
    const candidates = await db
      .selectFrom('scim_resources as r')
      .innerJoin('personio_links as l', (j) =>
        j.onRef('l.connection_id', '=', 'r.connection_id').onRef('l.resource_id', '=', 'r.id'),
      )
      .select(['r.id', 'l.state', 'l.claimed_by', 'l.origin'])
      .where('r.connection_id', '=', context.connectionId)
      .where('r.resource_type', '=', 'User')
      .where('r.user_name_key', 'in', [...keys])
      .execute();
    const match =
      candidates.find((c) => c.state !== 'unlinked' && c.claimed_by === tokenId) ??
      candidates.find((c) => c.state === 'unclaimed');
    if (!match) return undefined;
    const connectionId = context.connectionId;
    if (match.state === 'unclaimed') {
      const current = await this.#deps.repository.get(connectionId, 'User', match.id);
      if (!current) return undefined;
      await db.transaction().execute(async (tx) => {
        await this.#store.upsertLink(tx, connectionId, match.id, { state: 'linked', claimedBy: tokenId });
        recorded.push(
          await this.#store.enqueue(tx, {
            connectionId,
            resourceType: 'User',
            resourceId: match.id,
            operation: 'claim',
            desired: current.data,
            before: null,
            requestedBy: tokenId,
            idempotencyKey: `${match.id}:claim:${tokenId}:${current.version}`,
          }),
        );
        await this.#deps.audit.append(
          {
            actor: `scim-token:${tokenId}`,
            action: 'scim.user.claim',
            outcome: 'accepted',
            connectionId,
            accountId: match.id,
            content: { reason: 'an employee already in Personio has this work email' },
          },
          tx,
        );
      });
    }
    // The posted state becomes desired state, through the hook like any update.
    const { resource } = await this.#deps.repository.update(
      connectionId,
      'User',
      match.id,
      (existing) => {
        const next: ScimResource = { ...data };
        if (!('active' in data) && 'active' in existing.data) next['active'] = existing.data['active'];
        return { data: next };
      },
      undefined,
      async (tx, change) => {
        recorded.push(await this.#record(tx, change, tokenId, context));
      },
    );
    return resource;
  }

  /**
   * Waits for the rows a request recorded: applies them now (in order, behind any earlier unfinished
   * write to the same resource) and answers when Personio did, or acknowledges them when the budget ran
   * out. A refusal in time was reverted by the worker; it becomes the client's 400.
   */
  async #settle(rowIds: readonly string[], deadline: number): Promise<void> {
    if (rowIds.length === 0) return;
    for (let i = 0; i < rowIds.length; i++) {
      const rowId = rowIds[i] as string;
      let applyDone = false;
      const applying = this.#applyThrough(rowId)
        .catch((error: unknown) =>
          this.#logger.error({ err: error }, 'applying a SCIM write to Personio failed'),
        )
        .finally(() => {
          applyDone = true;
          this.#inFlight.delete(applying);
        });
      this.#inFlight.add(applying);
      for (;;) {
        const row = await this.#store.get(rowId);
        if (!row) return;
        if (row.status === 'applied' || row.status === 'failed') break;
        if (row.status === 'rejected') {
          if (row.outcome === null) {
            // The worker reverts before it records `reverted`; wait for that, briefly.
            await sleep(20);
            if (performance.now() < deadline + 2_000) continue;
          }
          throw new ScimError(400, row.lastError ?? 'Personio refused the change', 'invalidValue');
        }
        // Pending after the attempt finished means it will be retried later: no point in waiting.
        if (performance.now() >= deadline || (applyDone && row.status === 'pending')) {
          if (await this.#store.acknowledge(rowId)) {
            for (const later of rowIds.slice(i + 1)) await this.#store.acknowledge(later);
            return;
          }
          continue; // it finished in between: read the outcome
        }
        await Promise.race([applying, sleep(Math.max(1, Math.min(25, deadline - performance.now())))]);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // The worker
  // ------------------------------------------------------------------------------------------

  /** Starts the outbox worker and the imports (now and every `importIntervalMinutes`). */
  start(): void {
    this.#stopped = false;
    const tick = async () => {
      if (this.#stopped) return;
      try {
        await this.#revertUnreverted();
        await this.#importDue();
        if (performance.now() - this.#lastPrune > 3_600_000) {
          this.#lastPrune = performance.now();
          await this.#store.prune(new Date(this.#deps.clock.now().getTime() - OUTBOX_RETENTION_MS));
        }
        while (!this.#stopped && (await this.runOnce()) > 0);
      } catch (error) {
        this.#logger.error({ err: error }, 'Personio gateway pass failed');
      }
      if (!this.#stopped)
        this.#timer = setTimeout(() => {
          this.#running = tick();
        }, this.#deps.pollMs ?? 1_000);
    };
    this.#running = tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    // Applies hung on Personio are not waited for past a few seconds: their rows are leased and are
    // taken over when the lease runs out.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#importing.values(), ...this.#inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5_000);
      }),
    ]);
    clearTimeout(timer);
    for (const context of this.#contexts.values()) {
      const resolved = await context.catch(() => null);
      await resolved?.handle.close();
    }
    this.#contexts.clear();
  }

  /** Applies due rows once; resolves to how many were attempted. */
  async runOnce(connectionId?: string): Promise<number> {
    const rows = await this.#store.due(BATCH, connectionId);
    let attempted = 0;
    for (const row of rows) {
      if (this.#stopped) break;
      if (!(await this.#store.claim(row.id, this.#owner, await this.#leaseMs(row.connectionId)))) continue;
      attempted++;
      await this.#apply({ ...row, attempts: row.attempts + 1 });
    }
    return attempted;
  }

  async #leaseMs(connectionId: string): Promise<number> {
    const context = await this.#context(connectionId).catch(() => null);
    // Long enough for the slowest apply: a read, a create and a read-back, each with the client's retries.
    return Math.max(10_000, 4 * (context?.settings.requestTimeoutMs ?? 30_000) + 5_000);
  }

  async #applyThrough(rowId: string): Promise<void> {
    const target = await this.#store.get(rowId);
    if (!target) return;
    const lease = await this.#leaseMs(target.connectionId);
    for (const row of await this.#store.unfinishedOf(target.connectionId, target.resourceId, target.seq)) {
      if (!(await this.#store.claim(row.id, this.#owner, lease))) return;
      await this.#apply({ ...row, attempts: row.attempts + 1 });
      const after = await this.#store.get(row.id);
      if (!after || !FINAL_STATUSES.has(after.status)) return;
    }
  }

  /** Applies one claimed row and records its outcome. */
  async #apply(row: OutboxRow): Promise<void> {
    const actor = `scim-token:${row.requestedBy}`;
    let context: ConnectionContext;
    try {
      context = await this.#context(row.connectionId);
    } catch (error) {
      await this.#store.retryLater(row.id, this.#owner, this.#retryAt(row, undefined), messageOf(error));
      return;
    }
    try {
      const outcome =
        row.resourceType === 'User'
          ? await this.#applyUser(context, row)
          : await this.#applyGroup(context, row);
      await this.#store.finish(row.id, this.#owner, 'applied', outcome);
      await this.#deps.audit.append({
        actor,
        action: `personio.${row.resourceType === 'User' ? 'employee' : 'group'}.${row.operation}`,
        outcome: 'applied',
        connectionId: row.connectionId,
        accountId: row.resourceId,
        personId: typeof outcome['employeeId'] === 'string' ? outcome['employeeId'] : null,
        content: { outboxId: row.id, attempts: row.attempts, ...outcome },
      });
    } catch (error) {
      const transient =
        !(error instanceof ConnectorError) ||
        error.isRetryable ||
        error.outcome === 'unknown' ||
        error.kind === 'unauthenticated' ||
        error.kind === 'forbidden';
      const maxAttempts = context.settings.provisioning.maxAttempts;
      if (transient && row.attempts < maxAttempts) {
        const at = this.#retryAt(row, error instanceof ConnectorError ? error.retryAfterMs : undefined);
        await this.#store.retryLater(row.id, this.#owner, at, messageOf(error));
        this.#logger.warn(
          {
            connection: row.connectionId,
            outboxId: row.id,
            attempt: row.attempts,
            errorKind: error instanceof ConnectorError ? error.kind : 'internal',
            retryAt: at.toISOString(),
          },
          'Personio write will be retried',
        );
        return;
      }
      // Defaults fill only what a create lacks: name one only when it was used.
      const sent = desiredAttributes(row.desired ?? {}, context.mapping);
      const defaults = new Set(
        row.operation === 'create' || row.operation === 'update'
          ? Object.keys(context.settings.provisioning.createDefaults).filter(
              (name) => (sent[name] ?? null) === null,
            )
          : [],
      );
      const refusal = describeRefusal(messageOf(error), context.mapping, defaults);
      const detail =
        transient && row.attempts >= maxAttempts
          ? `gave up after ${row.attempts} attempts: ${messageOf(error)}`
          : refusal.detail;
      if (await this.#store.rejectInTime(row.id, this.#owner, detail)) {
        await this.#revert(row);
        await this.#deps.audit.append({
          actor,
          action: `personio.${row.resourceType === 'User' ? 'employee' : 'group'}.${row.operation}`,
          outcome: 'rejected',
          connectionId: row.connectionId,
          accountId: row.resourceId,
          content: { outboxId: row.id, attribute: refusal.attribute, error: detail, reverted: true },
        });
        return;
      }
      await this.#store.finish(row.id, this.#owner, 'failed', { error: detail }, detail);
      await this.#store.upsertLink(this.#store.db, row.connectionId, row.resourceId, {
        state: 'error',
        lastError: detail,
      });
      const subject = await this.#subject(row);
      await this.#deps.tasks.open(
        applyFailedTask({ connectionId: row.connectionId, actor }, subject, row.id, row.operation, detail),
      );
      await this.#deps.audit.append({
        actor,
        action: `personio.${row.resourceType === 'User' ? 'employee' : 'group'}.${row.operation}`,
        outcome: 'failed',
        connectionId: row.connectionId,
        accountId: row.resourceId,
        content: { outboxId: row.id, attribute: refusal.attribute, error: detail },
      });
    }
  }

  #retryAt(row: OutboxRow, retryAfterMs: number | undefined): Date {
    const base = this.#deps.retryBaseMs ?? 2_000;
    const backoff = Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.max(0, row.attempts - 1));
    const delay = Math.max(retryAfterMs ?? 0, backoff / 2 + Math.random() * (backoff / 2));
    return new Date(this.#deps.clock.now().getTime() + delay);
  }

  async #subject(row: OutboxRow): Promise<TaskSubject> {
    const link = await this.#store.link(this.#store.db, row.connectionId, row.resourceId);
    const data = row.desired ?? row.before ?? {};
    const userName = typeof data['userName'] === 'string' ? data['userName'] : row.resourceId;
    return { resourceId: row.resourceId, userName, employeeId: link?.employeeId ?? null };
  }

  async #applyUser(context: ConnectionContext, row: OutboxRow): Promise<Record<string, unknown>> {
    const { connectionId, resourceId } = row;
    const db = this.#store.db;
    const base = { connectionId, actor: `scim-token:${row.requestedBy}` };
    const link = await this.#store.link(db, connectionId, resourceId);
    if (row.operation === 'delete') {
      const subject = await this.#subject(row);
      const reason = 'the identity provider deleted the user';
      await this.#deps.tasks.cancelSuperseded(connectionId, dedupeKeys.grantLogin(resourceId), reason);
      if (subject.employeeId !== null)
        await this.#deps.tasks.cancelSuperseded(
          connectionId,
          dedupeKeys.revokeLogin(resourceId),
          'superseded by the access revocation of the deleted user',
        );
      for (const role of await this.#store.rolesOfMember(connectionId, resourceId)) {
        await this.#deps.tasks.cancelSuperseded(
          connectionId,
          dedupeKeys.grantRole(role.group_id, resourceId),
          reason,
        );
        await this.#store.removeRoleMember(connectionId, role.group_id, resourceId);
      }
      if (subject.employeeId !== null) await this.#deps.tasks.open(revokeAccessTask(base, subject));
      return { employeeId: subject.employeeId, unlinked: true };
    }
    const desired = (row.desired ?? {}) as ScimResource;
    const accounts = context.handle.accounts;
    if (!accounts?.createAccount || !accounts.updateAccount)
      throw new ConnectorError('unsupported', 'this connection cannot write Personio employees');
    const values = desiredAttributes(desired, context.mapping);
    const warnings: string[] = [];
    values['supervisorId'] = await this.#supervisorOf(connectionId, values['supervisorId'] ?? null, warnings);
    if (!context.mapping.has('supervisorId')) delete values['supervisorId'];
    const custom = context.settings.customAttributes;
    const subjectOf = (employeeId: string | null): TaskSubject => ({
      resourceId,
      userName: typeof desired['userName'] === 'string' ? desired['userName'] : resourceId,
      employeeId,
    });
    const isActive = desired['active'] !== false;

    let employeeId = link?.employeeId ?? null;
    if (employeeId === null) {
      // Not in Personio yet (or an earlier create was refused): create, or correlate by email.
      const email = emailOf(desired, context.mapping);
      if (email === null)
        throw new ConnectorError(
          'invalid_request',
          'email: the user needs a work email (emails[type eq "work"].value, or an email address as userName) for Personio',
        );
      const attributes = toWritableValues(values, custom);
      delete attributes['email'];
      for (const [name, value] of Object.entries(attributes)) if (value === null) delete attributes[name];
      for (const [name, value] of Object.entries(context.settings.provisioning.createDefaults))
        if (attributes[name] === undefined) attributes[name] = value;
      let created: Account;
      let outcome: string;
      try {
        const result = await accounts.createAccount({ email, attributes });
        created = result.account;
        outcome = result.outcome;
        warnings.push(...result.warnings);
      } catch (error) {
        const existingId = error instanceof ConnectorError ? error.details['existingId'] : undefined;
        if (!(error instanceof ConnectorError) || error.kind !== 'conflict' || typeof existingId !== 'string')
          throw error;
        // Correlation: the work email belongs to an employee already in Personio; link, never duplicate.
        created = {
          id: existingId,
          userName: email,
          email,
          displayName: null,
          isActive: null,
          attributes: {},
        };
        outcome = 'correlated';
        const idpOwned = Object.fromEntries(
          Object.entries(attributes).filter(([name]) => !isHrOwned(name, context.settings.provisioning)),
        );
        if (Object.keys(idpOwned).length > 0)
          warnings.push(...(await accounts.updateAccount(existingId, { attributes: idpOwned })).warnings);
      }
      employeeId = created.id;
      await this.#dropDuplicateImport(connectionId, resourceId, employeeId);
      await this.#store.upsertLink(db, connectionId, resourceId, {
        employeeId,
        state: 'linked',
        lastError: null,
        // An employee that was in Personio before may already have a login (see #setLogin).
        ...(outcome === 'correlated' ? { origin: 'import' as const } : {}),
      });
      await this.#setLogin(base, subjectOf(employeeId), isActive);
      if (warnings.length > 0)
        await this.#deps.tasks.open(warningTask(base, subjectOf(employeeId), row.id, warnings));
      return { employeeId, created: outcome, warnings: warnings.length };
    }

    // An employee that exists: IdP-owned attributes that changed, email through a task, login by `active`.
    const before = (row.before ?? (row.operation === 'claim' ? {} : undefined)) as ScimResource | undefined;
    const beforeValues = before ? desiredAttributes(before, context.mapping) : {};
    if (before && context.mapping.has('supervisorId'))
      beforeValues['supervisorId'] = await this.#supervisorOf(
        connectionId,
        beforeValues['supervisorId'] ?? null,
        [],
      );
    const changed = row.operation === 'claim' ? [] : changedAttributes(beforeValues, values);
    const toWrite = changed.filter((a) => a !== 'email' && !isHrOwned(a, context.settings.provisioning));
    if (toWrite.length > 0) {
      const attributes = toWritableValues(
        Object.fromEntries(toWrite.map((a) => [a, values[a] ?? null])),
        custom,
      );
      if (Object.keys(attributes).length > 0)
        warnings.push(...(await accounts.updateAccount(employeeId, { attributes })).warnings);
    }
    const subject = subjectOf(employeeId);
    const newEmail = values['email'] ?? null;
    if (row.operation === 'update' && row.before !== null && changed.includes('email') && newEmail !== null) {
      const open = await this.#openTask(connectionId, resourceId, 'change_email');
      // The same change applied again keeps its task; a different address replaces it.
      if (open?.expectation?.value !== newEmail) {
        await this.#deps.tasks.cancelSuperseded(
          connectionId,
          dedupeKeys.changeEmail(resourceId),
          'the identity provider changed the email again',
        );
        await this.#deps.tasks.open(changeEmailTask(base, subject, beforeValues['email'] ?? null, newEmail));
      }
    }
    if (row.operation === 'claim') await this.#setLogin(base, subject, isActive, { isClaim: true });
    // A create applied again (its employee was linked before a crash) settles login like the first time.
    else if (row.operation === 'create') await this.#setLogin(base, subject, isActive);
    else if (before && (before['active'] !== false) !== isActive)
      await this.#setLogin(base, subject, isActive);
    if (warnings.length > 0) await this.#deps.tasks.open(warningTask(base, subject, row.id, warnings));
    await this.#store.upsertLink(db, connectionId, resourceId, { state: 'linked', lastError: null });
    return {
      employeeId,
      updated: toWrite,
      ignoredHrOwned: changed.filter((a) => a !== 'email' && isHrOwned(a, context.settings.provisioning)),
      warnings: warnings.length,
    };
  }

  /** The Personio id of the manager's employee, or null (with a warning) when the manager is not linked yet. */
  async #supervisorOf(
    connectionId: string,
    managerId: string | null,
    warnings: string[],
  ): Promise<string | null> {
    if (managerId === null) return null;
    const link = await this.#store.link(this.#store.db, connectionId, managerId);
    if (link?.employeeId) return link.employeeId;
    warnings.push(
      `the manager '${managerId}' is not linked to a Personio employee yet; the supervisor was left unchanged`,
    );
    return null;
  }

  /** A user created by the IdP turned out to be an imported employee: the unclaimed copy goes. */
  async #dropDuplicateImport(connectionId: string, resourceId: string, employeeId: string): Promise<void> {
    const other = await this.#store.linkByEmployee(this.#store.db, connectionId, employeeId);
    if (!other || other.resourceId === resourceId || other.state !== 'unclaimed') return;
    await this.#deps.repository.delete(connectionId, 'User', other.resourceId);
    await this.#store.deleteLink(this.#store.db, connectionId, other.resourceId);
  }

  /**
   * Login access has no API, so it is tracked through tasks. What Roster knows of the login comes from
   * the task history: an employee imported from Personio may already have one; one Roster created has
   * none until a `grant_login` is done; each done grant or revoke changes it. Activating cancels an
   * open `revoke_login` as superseded and opens `grant_login` when there is no login; deactivating
   * cancels an open `grant_login` and opens `revoke_login` when there may be one. Decided from state,
   * so applying the same row again after a crash opens nothing twice. A claim always asks a person to
   * make sure the login exists (`grant_login`), since Roster cannot see it.
   */
  async #setLogin(
    base: { connectionId: string; actor: string },
    subject: TaskSubject,
    isActive: boolean,
    options: { readonly isClaim?: boolean } = {},
  ): Promise<void> {
    const { connectionId } = base;
    const link = await this.#store.link(this.#store.db, connectionId, subject.resourceId);
    let hasLogin = link?.origin === 'import';
    let openGrant = false;
    let openRevoke = false;
    for (const task of await this.#loginTasks(connectionId, subject.resourceId)) {
      if (task.state === 'done') hasLogin = task.kind === 'grant_login';
      if (task.state === 'open') {
        if (task.kind === 'grant_login') openGrant = true;
        else if (task.kind === 'revoke_login') openRevoke = true;
      }
    }
    if (isActive) {
      const superseded = await this.#deps.tasks.cancelSuperseded(
        connectionId,
        dedupeKeys.revokeLogin(subject.resourceId),
        'the identity provider re-activated the user before login access was removed',
      );
      if (!openGrant && (options.isClaim === true || (!hasLogin && superseded === 0)))
        await this.#deps.tasks.open(grantLoginTask(base, subject));
    } else {
      await this.#deps.tasks.cancelSuperseded(
        connectionId,
        dedupeKeys.grantLogin(subject.resourceId),
        'the identity provider deactivated the user before login access was granted',
      );
      if (hasLogin && !openRevoke) await this.#deps.tasks.open(revokeLoginTask(base, subject));
    }
  }

  async #openTask(connectionId: string, resourceId: string, kind: string) {
    const page = await this.#deps.tasks.list({
      connectionId,
      accountId: resourceId,
      state: 'open',
      limit: 500,
    });
    return page.tasks.find((t) => t.kind === kind);
  }

  /** The login and access tasks of one account, oldest first. */
  async #loginTasks(connectionId: string, resourceId: string) {
    const out: { kind: string; state: string }[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.#deps.tasks.list({
        connectionId,
        accountId: resourceId,
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      for (const t of page.tasks)
        if (t.kind === 'grant_login' || t.kind === 'revoke_login' || t.kind === 'revoke_access')
          out.push({ kind: t.kind === 'revoke_access' ? 'revoke_login' : t.kind, state: t.state });
      if (page.nextCursor === null) return out;
      cursor = page.nextCursor;
    }
  }

  /** Group membership → roles: the members of a mapped group should have its role; the diff becomes tasks. */
  async #applyGroup(context: ConnectionContext, row: OutboxRow): Promise<Record<string, unknown>> {
    const { connectionId, resourceId: groupId } = row;
    const base = { connectionId, actor: `scim-token:${row.requestedBy}` };
    const desired = row.desired as { displayName?: unknown; members?: unknown } | null;
    const name = typeof desired?.displayName === 'string' ? desired.displayName : null;
    const roles = context.settings.provisioning.groupRoles;
    const role =
      name === null
        ? undefined
        : (roles[name] ??
          Object.entries(roles).find(([group]) => group.toLowerCase() === name.toLowerCase())?.[1]);
    const members = Array.isArray(desired?.members)
      ? desired.members.filter((m) => typeof m === 'string')
      : [];
    const wanted = new Set<string>();
    if (role !== undefined)
      for (const member of members) {
        const link = await this.#store.link(this.#store.db, connectionId, member);
        if (link && link.state !== 'unlinked') wanted.add(member);
      }
    const planned = await this.#store.roleMembers(connectionId, groupId);
    const groupName =
      name ?? (typeof row.before?.['displayName'] === 'string' ? row.before['displayName'] : groupId);
    let granted = 0;
    let revoked = 0;
    for (const p of planned) {
      if (wanted.has(p.resource_id) && p.role === role) continue;
      const subject = await this.#memberSubject(connectionId, p.resource_id);
      const cancelled = await this.#deps.tasks.cancelSuperseded(
        connectionId,
        dedupeKeys.grantRole(groupId, p.resource_id),
        `the user left the group "${groupName}" before the role was assigned`,
      );
      if (cancelled === 0)
        await this.#deps.tasks.open(revokeRoleTask(base, subject, groupId, groupName, p.role));
      await this.#store.removeRoleMember(connectionId, groupId, p.resource_id);
      revoked++;
    }
    const plannedNow = new Set(planned.filter((p) => p.role === role).map((p) => p.resource_id));
    for (const member of wanted) {
      if (plannedNow.has(member) || role === undefined) continue;
      const subject = await this.#memberSubject(connectionId, member);
      const cancelled = await this.#deps.tasks.cancelSuperseded(
        connectionId,
        dedupeKeys.revokeRole(groupId, member),
        `the user rejoined the group "${groupName}" before the role was removed`,
      );
      if (cancelled === 0)
        await this.#deps.tasks.open(grantRoleTask(base, subject, groupId, groupName, role));
      await this.#store.addRoleMember(connectionId, groupId, member, role);
      granted++;
    }
    return { role: role ?? null, granted, revoked };
  }

  async #memberSubject(connectionId: string, resourceId: string): Promise<TaskSubject> {
    const link = await this.#store.link(this.#store.db, connectionId, resourceId);
    const resource = await this.#deps.repository.get(connectionId, 'User', resourceId);
    const userName = typeof resource?.data['userName'] === 'string' ? resource.data['userName'] : resourceId;
    return { resourceId, userName, employeeId: link?.employeeId ?? null };
  }

  /**
   * Undoes the local change of a write Personio refused while the client waited: a create disappears,
   * an update's attributes go back to what they were. Runs without the hook: nothing goes downstream.
   */
  async #revert(row: OutboxRow): Promise<void> {
    const { connectionId, resourceId } = row;
    const type = row.resourceType;
    if (row.operation === 'create') {
      await this.#deps.repository.delete(connectionId, type, resourceId);
      await this.#store.deleteLink(this.#store.db, connectionId, resourceId);
    } else if (row.operation === 'update' && row.before && row.desired && type === 'User') {
      const before = row.before as ScimResource;
      const desired = row.desired as ScimResource;
      await this.#deps.repository
        .update(connectionId, type, resourceId, (current) => {
          const next: ScimResource = { ...current.data };
          for (const key of new Set([...Object.keys(before), ...Object.keys(desired)])) {
            if (JSON.stringify(before[key]) === JSON.stringify(desired[key])) continue;
            if (key in before) next[key] = before[key];
            else delete next[key];
          }
          return { data: next };
        })
        .catch((error: unknown) => {
          if (!(error instanceof ScimError && error.status === 404)) throw error;
        });
    } else if (row.operation === 'claim') {
      await this.#store.upsertLink(this.#store.db, connectionId, resourceId, {
        state: 'unclaimed',
        claimedBy: null,
      });
    }
    await this.#store.markReverted(row.id);
  }

  async #revertUnreverted(): Promise<void> {
    for (const row of await this.#store.unreverted()) await this.#revert(row);
  }

  // ------------------------------------------------------------------------------------------
  // Import: Personio's employees in the SCIM view
  // ------------------------------------------------------------------------------------------

  async #importDue(): Promise<void> {
    for (const connection of await this.#deps.connections.list()) {
      if (connection.app !== 'personio' || this.#stopped) continue;
      // A Personio connection that is only an HR sync's source has no SCIM view to fill: importing it
      // would read every employee again every interval for nobody. A SCIM token marks one an IdP uses.
      if (!(await this.#hasScimToken(connection.id))) continue;
      const context = await this.#context(connection.id).catch(() => null);
      if (!context) continue;
      const due = this.#nextImport.get(connection.id);
      if (due !== undefined && performance.now() < due) continue;
      const every = context.settings.provisioning.importIntervalMinutes * 60_000;
      try {
        const summary = await this.importEmployees(connection.id);
        this.#logger.info(
          { connection: connection.id, ...summary },
          'imported Personio employees into the SCIM view',
        );
        this.#nextImport.set(connection.id, performance.now() + every);
      } catch (error) {
        // Personio down: try again within a minute rather than a whole interval later.
        this.#nextImport.set(connection.id, performance.now() + Math.min(every, 60_000));
        this.#logger.warn(
          { connection: connection.id, errorKind: error instanceof ConnectorError ? error.kind : 'internal' },
          'importing Personio employees failed; the SCIM view keeps its previous state',
        );
      }
    }
  }

  async #hasScimToken(connectionId: string): Promise<boolean> {
    const row = await this.#store.db
      .selectFrom('tokens')
      .select('id')
      .where('connection_id', '=', connectionId)
      .where('kind', '=', 'scim')
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Makes the next import of a connection due now (a Personio webhook said a person changed). */
  importSoon(connectionId: string): void {
    // A burst of webhooks costs one full list a minute at most.
    const soonest =
      (this.#importStarted.get(connectionId) ?? -Infinity) + (this.#deps.minImportSpacingMs ?? 60_000);
    const due = this.#nextImport.get(connectionId) ?? 0;
    this.#nextImport.set(connectionId, Math.min(due, Math.max(soonest, 0)));
  }

  /**
   * Reads every Personio employee and makes the SCIM view list them: employees nobody claimed are
   * (re)written from Personio, claimed ones are left as the identity provider asked. Also closes
   * `change_email` tasks whose new email Personio now shows. One import per connection at a time.
   */
  importEmployees(connectionId: string): Promise<ImportSummary> {
    const running = this.#importing.get(connectionId);
    if (running) return running;
    this.#importStarted.set(connectionId, performance.now());
    const started = this.#import(connectionId).finally(() => {
      this.#importing.delete(connectionId);
    });
    this.#importing.set(connectionId, started);
    return started;
  }

  async #import(connectionId: string): Promise<ImportSummary> {
    const context = await this.#context(connectionId);
    const accounts = context.handle.accounts;
    if (!accounts) throw new ConnectorError('unsupported', 'this connection cannot list Personio employees');
    const employees: Account[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await accounts.listAccounts(cursor);
      employees.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    const db = this.#store.db;
    const links = (await this.#store.linksOf(connectionId)).filter((l) => l.state !== 'unlinked');
    const byEmployee = new Map<string, Link>();
    for (const link of links) if (link.employeeId !== null) byEmployee.set(link.employeeId, link);
    const resourceOf = new Map<string, string>();
    for (const [employeeId, link] of byEmployee) resourceOf.set(employeeId, link.resourceId);
    // An inactive profile and a newer one may share an email (a rehire): the newer one is listed.
    const ordered = [...employees].sort((a, b) => Number(a.isActive === true) - Number(b.isActive === true));
    let created = 0;
    const createdNow = new Set<string>();
    let updated = 0;
    let skipped = 0;
    const now = this.#deps.clock.now().toISOString();
    for (const account of ordered) {
      if (byEmployee.has(account.id)) continue;
      const view = scimUserFromEmployee(account, null);
      if (!view) {
        skipped++;
        continue;
      }
      // SQLite calls never leave the event loop: hand it back per employee, or an import of
      // thousands would hold every SCIM request, health check and webhook until it ends.
      await nextTurn();
      try {
        const stored = await this.#deps.repository.create(connectionId, 'User', view);
        await db
          .insertInto('personio_links')
          .values({
            connection_id: connectionId,
            resource_id: stored.id,
            employee_id: account.id,
            state: 'unclaimed',
            origin: 'import',
            claimed_by: null,
            last_error: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        byEmployee.set(account.id, {
          connectionId,
          resourceId: stored.id,
          employeeId: account.id,
          state: 'unclaimed',
          origin: 'import',
          claimedBy: null,
          lastError: null,
        });
        resourceOf.set(account.id, stored.id);
        createdNow.add(account.id);
        created++;
      } catch (error) {
        // Another resource has this userName (an IdP's pending create, or a shared email): leave it.
        if (error instanceof ScimError && error.status === 409) skipped++;
        else throw error;
      }
    }
    // Second pass: unclaimed views follow Personio, managers included (now that every id is known).
    // Current views are read in one query, so an unchanged employee costs no write transaction.
    const current = new Map<string, string>();
    const rows = await db
      .selectFrom('scim_resources as r')
      .innerJoin('personio_links as l', (j) =>
        j.onRef('l.connection_id', '=', 'r.connection_id').onRef('l.resource_id', '=', 'r.id'),
      )
      .select(['r.id', 'r.data'])
      .where('r.connection_id', '=', connectionId)
      .where('l.state', '=', 'unclaimed')
      .execute();
    for (const row of rows)
      current.set(row.id, typeof row.data === 'string' ? row.data : JSON.stringify(row.data));
    const listed = new Set<string>();
    for (const account of ordered) {
      listed.add(account.id);
      const link = byEmployee.get(account.id);
      if (!link || link.state !== 'unclaimed') continue;
      const supervisor = account.attributes['supervisorId'];
      const managerId = typeof supervisor === 'string' ? (resourceOf.get(supervisor) ?? null) : null;
      const view = scimUserFromEmployee(account, managerId);
      if (!view) continue;
      const stored = current.get(link.resourceId);
      if (stored !== undefined && isSameJson(JSON.parse(stored), view)) continue;
      await nextTurn();
      const result = await this.#deps.repository
        .update(connectionId, 'User', link.resourceId, () => ({ data: view }))
        .catch((error: unknown) => {
          if (error instanceof ScimError && (error.status === 404 || error.status === 409)) return null;
          throw error;
        });
      if (result?.changed === true && !createdNow.has(account.id)) updated++;
    }
    // Employees gone from Personio (a deleted HR record) leave the view unless an IdP claimed them.
    let removed = 0;
    for (const link of links)
      if (link.state === 'unclaimed' && link.employeeId !== null && !listed.has(link.employeeId)) {
        await nextTurn();
        await this.#deps.repository.delete(connectionId, 'User', link.resourceId);
        await this.#store.deleteLink(db, connectionId, link.resourceId);
        removed++;
      }
    const verifiedTasks = await this.#verifyEmailTasks(connectionId, employees);
    return { employees: employees.length, created, updated, removed, skipped, verifiedTasks };
  }

  /** Read-back: a `change_email` task closes only once Personio shows the new email. */
  async #verifyEmailTasks(connectionId: string, employees: readonly Account[]): Promise<number> {
    const emailOfEmployee = new Map(employees.map((e) => [e.id, e.email?.toLowerCase() ?? null]));
    let verified = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.#deps.tasks.list({
        connectionId,
        state: 'open',
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      for (const task of page.tasks) {
        if (task.kind !== 'change_email' || !task.expectation || typeof task.expectation.value !== 'string')
          continue;
        const employeeId =
          task.personId ??
          (typeof task.details['employeeId'] === 'string' ? task.details['employeeId'] : null);
        if (employeeId === null) continue;
        if (emailOfEmployee.get(employeeId) === task.expectation.value.toLowerCase()) {
          await this.#deps.tasks.closeVerified(
            task.id,
            `Personio shows the work email ${task.expectation.value}`,
          );
          verified++;
        }
      }
      if (page.nextCursor === null) return verified;
      cursor = page.nextCursor;
    }
  }

  // ------------------------------------------------------------------------------------------

  /** The connection's parsed settings, mapping and an open connector handle; reopened when settings change. */
  async #context(connectionId: string): Promise<ConnectionContext> {
    const connection = await this.#deps.connections.get(connectionId);
    if (connection === null) throw new ConnectorError('not_found', `no connection '${connectionId}'`);
    const cached = this.#contexts.get(connectionId);
    if (cached) {
      const resolved = await cached.catch(() => null);
      if (resolved && resolved.updatedAt === connection.updatedAt) return resolved;
      if (resolved) await resolved.handle.close().catch(() => undefined);
      this.#contexts.delete(connectionId);
    }
    const opening = (async (): Promise<ConnectionContext> => {
      const settings = personioSettingsSchema.parse(connection.settings);
      const handle = await this.#deps.openConnection(connectionId);
      return {
        connectionId,
        updatedAt: connection.updatedAt,
        settings,
        mapping: effectiveMapping(settings.provisioning, settings.customAttributes),
        handle,
      };
    })();
    this.#contexts.set(connectionId, opening);
    opening.catch(() => this.#contexts.delete(connectionId));
    return opening;
  }
}

async function membersOf(tx: Transaction<Database>, groupId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('group_members')
    .select('member_id')
    .where('group_id', '=', groupId)
    .orderBy('member_id')
    .execute();
  return rows.map((r) => r.member_id);
}

function isSameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => isSameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function pathText(path: ScimPath | undefined): string {
  if (!path) return '';
  return `${path.urn ? `${path.urn}:` : ''}${path.attribute}${path.type ? `[type eq "${path.type}"]` : ''}${path.sub ? `.${path.sub}` : ''}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
