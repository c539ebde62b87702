// One sync run: read the source, scope and map every person to a desired account, correlate with the
// target's accounts, plan the difference, guard it, apply it through the target's connector and
// journal every step. Level-triggered: a crash anywhere converges on the next run, because the next
// plan is made from what the target really holds (creates are settled by read-back or adopted).
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type {
  Account,
  AccountAttributeValue,
  AccountTarget,
  AccountWrite,
  AccountWriteResult,
  ConnectorHandle,
  CreateAccountResult,
  DesiredAccount,
  PeopleSource,
  SourcePerson,
} from '../../connectors/contract.ts';
import { ConnectorError, isConnectorError } from '../../connectors/contract.ts';
import { flattenResource } from '../../scim/resource-paths.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import type { Leases } from '../../store/lease.ts';
import type { SyncRecord, SyncRepository, SyncTrigger } from '../../store/sync-repository.ts';
import {
  applyMapping,
  builtInMapping,
  formatMappingFileError,
  parseMappingFile,
  resolveReferences,
  type Mapping,
  type PersonReference,
} from '../mapping/index.ts';
import {
  combinedLifecycle,
  correlate,
  guard,
  plan,
  planToJson,
  profilesByPersonKey,
  type AccountLink,
  type DesiredPerson,
  type GuardResult,
  type Plan,
  type PlanOperation,
  type SourceRead,
} from '../plan/index.ts';
import { compileScope, type Scope } from '../scope/index.ts';
import { parseSyncSettings, type SyncSettings } from './sync-settings.ts';

export const SYNC_RUN_OUTCOMES = ['applied', 'held', 'failed', 'planned', 'busy'] as const;
export type SyncRunOutcome = (typeof SYNC_RUN_OUTCOMES)[number];

/** What a run reports while it works, for a progress bar. */
export type SyncProgress =
  | { readonly phase: 'read-source'; readonly people: number }
  | { readonly phase: 'read-target'; readonly accounts: number }
  | { readonly phase: 'plan'; readonly operations: number }
  | { readonly phase: 'apply'; readonly done: number; readonly total: number };

export interface SyncEngineDependencies {
  readonly syncs: SyncRepository;
  readonly audit: AuditLog;
  readonly leases: Leases;
  /** Opens a connection's connector (validated settings, opened secrets, the host's services). */
  readonly openConnection: (connectionId: string) => Promise<ConnectorHandle>;
  readonly clock: Clock;
  /** Who holds the run lease: a process-unique name. */
  readonly holder: string;
  /** Waits between retries of a rate-limited operation; injected so tests never wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onProgress?: (progress: SyncProgress) => void;
}

export interface SyncRunOptions {
  readonly trigger: SyncTrigger;
  /** Plan only: nothing is written to the target, the journal or the sync's state. */
  readonly dryRun?: boolean;
  /** Read everyone, whatever the source's read policy advises. */
  readonly forceFull?: boolean;
}

export interface AppliedOperation {
  readonly operation: PlanOperation;
  readonly outcome: 'applied' | 'failed' | 'skipped';
  readonly accountId: string | null;
  readonly error?: string;
}

export interface SyncRunResult {
  readonly syncId: string;
  readonly runId: string | null;
  readonly outcome: SyncRunOutcome;
  readonly mode: 'full' | 'changes';
  readonly sourceRead: SourceRead;
  readonly plan: Plan | null;
  readonly guard: GuardResult | null;
  /** `sync plan --json`: `{hash, held, operations, scheduled, …}`. */
  readonly planJson: Record<string, unknown> | null;
  readonly applied: readonly AppliedOperation[];
  /** People the mapping could not turn into an account, with the reason. */
  readonly skipped: readonly { readonly personId: string; readonly reason: string }[];
  /** What the mapping did not stop at but deserves a look (a person supervising themself, a value left out). */
  readonly warnings: readonly { readonly personId: string; readonly message: string }[];
  readonly error: string | null;
}

const LEASE_TTL_MS = 60_000;

/** Every page of a paged listing. */
async function readAll<T>(
  first: (cursor?: string) => Promise<{ items: readonly T[]; nextCursor: string | null }>,
  onPage: (count: number) => void,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await first(cursor);
    items.push(...page.items);
    onPage(items.length);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function loadMapping(sync: Pick<SyncRecord, 'mapping' | 'id'>): Mapping {
  if (sync.mapping === null) return builtInMapping('personio');
  const parsed = parseMappingFile(sync.mapping);
  if (!parsed.ok)
    throw new Error(
      `the mapping of sync '${sync.id}' does not parse: ${parsed.errors.map(formatMappingFileError).join('; ')}`,
    );
  return parsed.value;
}

/**
 * Runs one sync under its lease. Resolves with outcome `busy` when another process holds the lease
 * (the caller may wait and retry), `failed` when the source or target could not be read (nothing is
 * applied then), `held` when a guard stops the plan, `planned` for a dry run, else `applied` (which
 * may still list failed operations: they are retried by the next run).
 */
export async function runSync(
  deps: SyncEngineDependencies,
  syncId: string,
  options: SyncRunOptions,
): Promise<SyncRunResult> {
  const sync = await deps.syncs.require(syncId);
  const work = (): Promise<SyncRunResult> => runUnderLease(deps, sync, options);
  if (options.dryRun) return work();
  const outcome = await deps.leases.withLease(`sync:${sync.id}`, deps.holder, LEASE_TTL_MS, work);
  if (outcome.acquired) return outcome.value;
  return emptyResult(
    sync.id,
    'busy',
    `another run of '${sync.id}' is in progress (${outcome.heldBy?.holder ?? 'unknown holder'})`,
  );
}

function emptyResult(syncId: string, outcome: SyncRunOutcome, error: string | null): SyncRunResult {
  return {
    syncId,
    runId: null,
    outcome,
    mode: 'full',
    sourceRead: 'failed',
    plan: null,
    guard: null,
    planJson: null,
    applied: [],
    skipped: [],
    warnings: [],
    error,
  };
}

interface Snapshot {
  readonly mode: 'full' | 'changes';
  readonly sourceRead: SourceRead;
  readonly people: readonly SourcePerson[];
  readonly watermark: string | null;
  readonly readStartedAt: string;
  /** Why the read is less than it looked, for the run's warnings (a disappearance that could not be checked). */
  readonly warnings?: readonly { readonly personId: string; readonly message: string }[];
}

async function readSource(
  deps: SyncEngineDependencies,
  sync: SyncRecord,
  people: PeopleSource,
  options: SyncRunOptions,
): Promise<Snapshot> {
  const readStartedAt = deps.clock.now().toISOString();
  const advice = people.planRead(sync.watermark);
  const mode = options.forceFull || options.dryRun || sync.watermark === null ? 'full' : advice.mode;
  const progress = (count: number): void => deps.onProgress?.({ phase: 'read-source', people: count });
  let watermark: string | null = null;
  const pages = async (cursor?: string) => {
    const page =
      mode === 'full'
        ? await people.listPeople(cursor)
        : await people.changedSince(sync.watermark ?? '', cursor);
    if (page.nextCursor === null) watermark = page.watermark;
    return page;
  };
  const list = await readAll(pages, progress);
  const sourceRead: SourceRead = mode === 'changes' ? 'partial' : list.length === 0 ? 'empty' : 'complete';
  return { mode, sourceRead, people: list, watermark, readStartedAt };
}

/** Most disappearances confirmed one by one in a run; more than that is for the guard to hold. */
const MAX_CONFIRMED_DISAPPEARANCES = 100;

/**
 * A person this sync manages who is missing from a complete full read is read once more, alone, before
 * their absence can disable anyone: offset paging (Personio v1) cannot notice a removal and a hire
 * between two pages, which shifts someone from a page not yet read onto one already read. Found, they
 * join the snapshot; gone (`null`), their absence stands. When a check fails, absence is not concluded
 * this run (the read counts as partial), since "could not ask" is not "gone".
 */
async function confirmDisappearances(
  deps: SyncEngineDependencies,
  sync: SyncRecord,
  people: PeopleSource,
  snapshot: Snapshot,
): Promise<Snapshot> {
  if (snapshot.mode !== 'full' || snapshot.sourceRead !== 'complete') return snapshot;
  const read = new Set(snapshot.people.map((p) => p.sourceId));
  const links = await deps.syncs.listLinks(sync.id);
  const missing = [
    ...new Set(links.filter((l) => l.state !== 'disabled' && !read.has(l.sourceId)).map((l) => l.sourceId)),
  ];
  if (missing.length === 0 || missing.length > MAX_CONFIRMED_DISAPPEARANCES) return snapshot;
  const found: SourcePerson[] = [];
  for (const sourceId of missing) {
    try {
      const person = await people.getPerson(sourceId);
      if (person !== null) found.push(person);
    } catch (error) {
      const message = `missing from the full read, and reading them alone failed (${describeError(error)}); nobody is disabled for being absent in this run`;
      return {
        ...snapshot,
        sourceRead: 'partial',
        people: [...snapshot.people, ...found],
        warnings: [{ personId: sourceId, message }],
      };
    }
  }
  return found.length === 0 ? snapshot : { ...snapshot, people: [...snapshot.people, ...found] };
}

async function runUnderLease(
  deps: SyncEngineDependencies,
  sync: SyncRecord,
  options: SyncRunOptions,
): Promise<SyncRunResult> {
  const settings = parseSyncSettings(sync.settings);
  const mapping = loadMapping(sync);
  const scope = compileScope(sync.scope ?? '');
  if (!scope.ok) throw new Error(`the scope of sync '${sync.id}' does not parse: ${scope.error}`);

  const source = await deps.openConnection(sync.source);
  const target = await deps.openConnection(sync.target);
  try {
    if (!source.people) throw new Error(`connection '${sync.source}' is not an HR source`);
    if (!target.accounts) throw new Error(`connection '${sync.target}' cannot hold accounts`);
    const runId = options.dryRun ? null : await deps.syncs.startRun(sync.id, options.trigger, 'pending');
    // We hold the lease, so a run of this sync still marked running is one whose process died.
    if (runId !== null) await deps.syncs.closeInterruptedRuns(sync.id, runId);
    let result: SyncRunResult;
    try {
      result = await reconcile(
        deps,
        sync,
        settings,
        mapping,
        scope.value,
        source.people,
        target.accounts,
        options,
        runId,
      );
    } catch (error) {
      result = { ...emptyResult(sync.id, 'failed', describeError(error)), runId };
    }
    if (runId !== null) {
      const counts: Record<string, number> = {};
      for (const a of result.applied)
        counts[`${a.operation.kind}.${a.outcome}`] = (counts[`${a.operation.kind}.${a.outcome}`] ?? 0) + 1;
      await deps.syncs.finishRun(runId, {
        status: result.outcome === 'busy' ? 'failed' : result.outcome,
        planHash: result.plan?.hash ?? null,
        counts,
        error: result.error,
      });
      await deps.syncs.updateState(sync.id, {
        lastRunAt: deps.clock.now().toISOString(),
        lastStatus: result.outcome,
      });
      await deps.audit.append({
        actor: `sync:${sync.id}`,
        action: 'sync.run',
        outcome: result.outcome,
        syncId: sync.id,
        connectionId: sync.target,
        content: {
          runId,
          trigger: options.trigger,
          mode: result.mode,
          sourceRead: result.sourceRead,
          planHash: result.plan?.hash ?? null,
          counts,
          error: result.error,
        },
      });
    }
    return result;
  } finally {
    await Promise.allSettled([source.close(), target.close()]);
  }
}

async function reconcile(
  deps: SyncEngineDependencies,
  sync: SyncRecord,
  settings: SyncSettings,
  mapping: Mapping,
  scope: Scope,
  people: PeopleSource,
  accountsTarget: AccountTarget,
  options: SyncRunOptions,
  runId: string | null,
): Promise<SyncRunResult> {
  let snapshot: Snapshot;
  try {
    snapshot = await confirmDisappearances(deps, sync, people, await readSource(deps, sync, people, options));
  } catch (error) {
    // A failed read never means "everyone left": nothing is planned from it.
    return {
      ...emptyResult(sync.id, 'failed', `reading ${sync.source} failed: ${describeError(error)}`),
      runId,
    };
  }

  const applied: AppliedOperation[] = [];
  let lastPlan: Plan | null = null;
  let lastGuard: GuardResult | null = null;
  let skipped: { personId: string; reason: string }[] = [];
  let warnings: { personId: string; message: string }[] = [];
  // A second pass resolves managers of people created in the first (their account ids did not exist yet).
  for (let pass = 0; pass < 2; pass++) {
    const built = await buildPlan(deps, sync, settings, mapping, scope, snapshot, accountsTarget);
    lastPlan = built.plan;
    skipped = built.skipped;
    warnings = [...(snapshot.warnings ?? []), ...built.warnings];
    deps.onProgress?.({ phase: 'plan', operations: built.plan.operations.length });
    const approvedHash = sync.approvedHash ?? undefined;
    lastGuard = guard(built.plan, {
      managedCount: built.managedCount,
      sourceRead: built.sourceRead,
      ...(approvedHash !== undefined ? { approvedHash } : {}),
    });
    const planJson = planToJson(built.plan, lastGuard.held);
    const base = {
      syncId: sync.id,
      runId,
      mode: snapshot.mode,
      sourceRead: built.sourceRead,
      plan: built.plan,
      guard: lastGuard,
      planJson,
      skipped,
      warnings,
    };
    if (options.dryRun) return { ...base, outcome: 'planned', applied: [], error: null };
    if (lastGuard.held) {
      await deps.syncs.updateState(sync.id, {
        heldHash: built.plan.hash,
        heldReason: lastGuard.reasons.join(' '),
      });
      await deps.audit.append({
        actor: `sync:${sync.id}`,
        action: 'sync.held',
        outcome: 'held',
        syncId: sync.id,
        connectionId: sync.target,
        content: {
          planHash: built.plan.hash,
          reasons: lastGuard.reasons,
          operations: built.plan.operations.length,
        },
      });
      return { ...base, outcome: 'held', applied, error: null };
    }
    // Released: the hold is over, and an approval is used up once its plan is applied.
    if (sync.heldHash !== null || sync.approvedHash !== null)
      await deps.syncs.updateState(sync.id, { heldHash: null, heldReason: null, approvedHash: null });

    const results = await applyPlan(deps, sync, settings, built, accountsTarget, runId ?? 'dry');
    applied.push(...results);
    const createdAny = results.some((r) => r.operation.kind === 'create' && r.outcome === 'applied');
    if (!(createdAny && built.unresolvedReferences > 0)) break;
  }

  const plan_ = lastPlan;
  if (runId !== null) await settleInterrupted(deps, sync, snapshot, runId);
  const failed = applied.filter((a) => a.outcome === 'failed');
  // Advance the watermark only when everything applied: a failed change of a person who does not
  // change again would otherwise wait for the next full read.
  if (failed.length === 0 && snapshot.watermark !== null) {
    await deps.syncs.updateState(sync.id, {
      watermark: snapshot.watermark,
      ...(snapshot.mode === 'full' ? { lastFullReadAt: snapshot.readStartedAt } : {}),
    });
  }
  if (plan_) {
    await deps.syncs.replaceScheduled(
      sync.id,
      plan_.scheduled.map((s) => ({ personId: s.personId, kind: s.kind, dueAt: s.at, reason: s.reason })),
    );
    const next = plan_.scheduled.map((s) => s.at).sort()[0] ?? null;
    await deps.syncs.updateState(sync.id, { nextDueAt: next });
  }
  return {
    syncId: sync.id,
    runId,
    outcome: 'applied',
    mode: snapshot.mode,
    sourceRead: snapshot.sourceRead,
    plan: plan_,
    guard: lastGuard,
    planJson: plan_ && lastGuard ? planToJson(plan_, lastGuard.held) : null,
    applied,
    skipped,
    warnings,
    error: failed.length > 0 ? `${failed.length} operation(s) failed; the next run retries them` : null,
  };
}

/**
 * Settles operations an earlier run journaled but never marked, because its process died between the
 * two (the change may or may not have reached the target). This run planned from what the target
 * holds now, and an operation still needed was planned again under the same idempotency key (and
 * marked above); one that was not is superseded: already done, or no longer wanted. Only people this
 * run read are settled: an incremental read says nothing about the others.
 */
async function settleInterrupted(
  deps: SyncEngineDependencies,
  sync: SyncRecord,
  snapshot: Snapshot,
  runId: string,
): Promise<void> {
  const unsettled = await deps.syncs.listUnsettledOperations(sync.id, runId);
  if (unsettled.length === 0) return;
  const isEveryoneRead = snapshot.mode === 'full' && snapshot.sourceRead === 'complete';
  const read = new Set(snapshot.people.map((p) => p.sourceId));
  for (const operation of unsettled) {
    if (!isEveryoneRead && (operation.personId === null || !read.has(operation.personId))) continue;
    await deps.syncs.transaction(async (tx) => {
      await deps.syncs.markOperation(
        operation.idempotencyKey,
        'superseded',
        { error: 'the run stopped before recording the outcome; a later plan needed nothing more' },
        tx,
      );
      await deps.audit.append(
        {
          actor: `sync:${sync.id}`,
          action: `account.${operation.kind}`,
          outcome: 'superseded',
          syncId: sync.id,
          connectionId: sync.target,
          personId: operation.personId,
          accountId: operation.accountId,
          content: {
            runId,
            interruptedRunId: operation.runId,
            idempotencyKey: operation.idempotencyKey,
            reason:
              'the run that journaled this operation stopped before recording its outcome; planned again from the target, nothing more was needed',
          },
        },
        tx,
      );
    });
  }
}

interface BuiltPlan {
  readonly plan: Plan;
  readonly sourceRead: SourceRead;
  readonly managedCount: number;
  readonly skipped: { personId: string; reason: string }[];
  readonly warnings: { personId: string; message: string }[];
  readonly unresolvedReferences: number;
  /**
   * Person key → the references (managers) not known when planning because that person's account does
   * not exist yet, with the flat attribute each one fills. A create resolves them at apply time when
   * the referenced person's account was created earlier in the same apply.
   */
  readonly pendingReferencesOfKey: ReadonlyMap<string, readonly PendingReference[]>;
  /** Person key → the newest source id (the profile that owns the account). */
  readonly sourceIdOfKey: ReadonlyMap<string, string>;
  /** Account id → match reason, for the links written after apply. */
  readonly matchReasons: ReadonlyMap<string, { personKey: string; reason: string }>;
  /** Desired email per person key, which creates are read back by. */
  readonly emailOfKey: ReadonlyMap<string, string>;
  /** People whose lifecycle wants an account now (pending or active). */
  readonly wantedKeys: ReadonlySet<string>;
}

interface PendingReference {
  readonly sourceId: string;
  /** The flat attribute (e.g. the enterprise manager's value) the referenced account id goes to. */
  readonly attribute: string;
}

const REFERENCE_PLACEHOLDER = '\u0000reference';

/** The flat attributes a resolved reference sets, found by resolving it to a placeholder. */
function pendingReferencesOf(references: readonly PersonReference[]): PendingReference[] {
  return references.flatMap((reference) => {
    const { resource } = resolveReferences({}, [reference], () => REFERENCE_PLACEHOLDER);
    return Object.entries(flattenResource(resource))
      .filter(([, value]) => value === REFERENCE_PLACEHOLDER)
      .map(([attribute]) => ({ sourceId: reference.sourceId, attribute }));
  });
}

async function buildPlan(
  deps: SyncEngineDependencies,
  sync: SyncRecord,
  settings: SyncSettings,
  mapping: Mapping,
  scope: { decide(person: SourcePerson): 'in' | 'out' | 'unknown' },
  snapshot: Snapshot,
  accountsTarget: AccountTarget,
): Promise<BuiltPlan> {
  const now = deps.clock.now();
  const accounts = await readAll(
    async (cursor) => {
      const page = await accountsTarget.listAccounts(cursor);
      return { items: page.items, nextCursor: page.nextCursor };
    },
    (count) => deps.onProgress?.({ phase: 'read-target', accounts: count }),
  );
  const accountIds = new Set(accounts.map((a) => a.id));
  const links = (await deps.syncs.listLinks(sync.id)).filter((l) => accountIds.has(l.accountId));
  const isFirstSync = links.length === 0 && sync.lastRunAt === null;

  // People whose scope cannot be decided (a field the filter needs is not visible) are neither
  // created nor disabled; their presence makes absence inconclusive, like a partial read.
  let sourceRead = snapshot.sourceRead;
  const inScope: SourcePerson[] = [];
  for (const person of snapshot.people) {
    const decision = scope.decide(person);
    if (decision === 'in') inScope.push(person);
    else if (decision === 'unknown' && sourceRead === 'complete') sourceRead = 'partial';
  }

  const accountLinks: AccountLink[] = links.map((l) => ({
    personKey: l.sourceId,
    accountId: l.accountId,
    sourceId: l.sourceId,
  }));
  const correlation = correlate(inScope, accounts, accountLinks);
  const profiles = profilesByPersonKey(correlation);
  const linkedKeys = new Set(
    correlation.matches
      .filter((m) => links.some((l) => l.accountId === m.account.id))
      .map((m) => m.personKey),
  );
  const accountOfSource = new Map<string, string>();
  for (const match of correlation.matches) {
    accountOfSource.set(match.person.sourceId, match.account.id);
    if (match.previousSourceId) accountOfSource.set(match.previousSourceId, match.account.id);
  }
  for (const link of links)
    if (!accountOfSource.has(link.sourceId)) accountOfSource.set(link.sourceId, link.accountId);
  const accountByKey = new Map(correlation.matches.map((m) => [m.personKey, m.account]));

  // SelectUniqueValue: a value is free when no other account holds it and no earlier person of this
  // run chose it.
  const taken = new Map<string, Map<string, string>>(); // attribute → lower(value) → account id or person key
  const valueOf = (account: Account, attribute: string): AccountAttributeValue =>
    attribute === 'userName' ? account.userName : (account.attributes[attribute] ?? null);
  const takenFor = (attribute: string): Map<string, string> => {
    let map = taken.get(attribute);
    if (!map) {
      map = new Map();
      for (const account of accounts) {
        const v = valueOf(account, attribute);
        if (typeof v === 'string') map.set(v.toLowerCase(), account.id);
      }
      taken.set(attribute, map);
    }
    return map;
  };

  const desired = new Map<string, DesiredPerson>();
  const skipped: { personId: string; reason: string }[] = [];
  const warnings: { personId: string; message: string }[] = [];
  const sourceIdOfKey = new Map<string, string>();
  const emailOfKey = new Map<string, string>();
  const wantedKeys = new Set<string>();
  let unresolvedReferences = 0;
  const pendingReferencesOfKey = new Map<string, readonly PendingReference[]>();
  // Lifecycles first: a manager who has left (their account disabled, or none wanted) is cleared
  // from their reports rather than left pointing at a disabled account, whatever the order of people.
  const lifecycleOf = new Map<string, ReturnType<typeof combinedLifecycle>>();
  const goneSourceIds = new Set<string>();
  for (const [key, { profiles: all }] of profiles) {
    const lifecycle = combinedLifecycle(
      all,
      now,
      {
        createDaysBeforeStart: settings.createDaysBeforeStart,
        onLeave: settings.onLeave,
        isFirstSync,
        fallbackTimeZone: settings.fallbackTimeZone,
      },
      { hasAccount: linkedKeys.has(key) },
    );
    lifecycleOf.set(key, lifecycle);
    if (lifecycle.state !== 'pending' && lifecycle.state !== 'active')
      for (const profile of all) goneSourceIds.add(profile.sourceId);
  }
  for (const [key, { primary }] of profiles) {
    sourceIdOfKey.set(key, primary.sourceId);
    const own = accountByKey.get(key);
    const lifecycle = lifecycleOf.get(key)!;
    if (lifecycle.state === 'pending' || lifecycle.state === 'active') wantedKeys.add(key);
    const outcome = await applyMapping(mapping, primary, {
      purpose: own ? 'update' : 'create',
      isFree: (attribute, value) => {
        const holder = takenFor(attribute).get(value.toLowerCase());
        return holder === undefined || holder === own?.id || holder === key;
      },
    });
    if (!outcome.ok) {
      skipped.push({ personId: key, reason: outcome.errors.map((e) => e.message).join('; ') });
      desired.set(key, { person: primary, desiredAccount: null, lifecycle });
      continue;
    }
    for (const message of outcome.warnings) warnings.push({ personId: key, message });
    const gone = outcome.references.filter((r) => goneSourceIds.has(r.sourceId));
    const live = outcome.references.filter((r) => !goneSourceIds.has(r.sourceId));
    const { resource, unresolved } = resolveReferences(outcome.resource, live, (sourceId) =>
      accountOfSource.get(sourceId),
    );
    unresolvedReferences += unresolved.length;
    if (unresolved.length > 0) pendingReferencesOfKey.set(key, pendingReferencesOf(unresolved));
    const flat: Record<string, AccountAttributeValue> = { ...flattenResource(resource) };
    // The source says these are empty: clear them. Values that are not visible are left as they are.
    for (const value of outcome.values)
      if (value.state === 'empty' && !(value.target in flat)) flat[value.target] = null;
    // A manager whose account is not known yet is left as it is, not cleared.
    for (const reference of unresolved) delete flat[reference.target];
    // A manager who has left is cleared: never a pointer to a disabled account.
    for (const { attribute } of pendingReferencesOf(gone)) flat[attribute] = null;
    delete flat['active'];
    for (const [attribute, map] of taken) {
      const v = flat[attribute];
      if (typeof v === 'string' && !map.has(v.toLowerCase())) map.set(v.toLowerCase(), own?.id ?? key);
    }
    const email = flat['emails[type eq "work"].value'] ?? flat['userName'];
    if (typeof email === 'string') emailOfKey.set(key, email);
    desired.set(key, { person: primary, desiredAccount: flat, lifecycle });
  }

  const managedAccountIds = new Set(links.map((l) => l.accountId));
  const matchReasons = new Map(
    correlation.matches.map((m) => [m.account.id, { personKey: m.personKey, reason: m.reason }]),
  );
  const built = plan({
    syncId: sync.id,
    sourceRead,
    desired,
    correlation,
    accounts,
    managedAccountIds,
    options: { leftScope: settings.leftScope },
  });
  return {
    plan: built,
    sourceRead,
    managedCount: managedAccountIds.size,
    skipped,
    warnings,
    unresolvedReferences,
    pendingReferencesOfKey,
    sourceIdOfKey,
    matchReasons,
    emailOfKey,
    wantedKeys,
  };
}

function attributesOf(operation: PlanOperation): Record<string, AccountAttributeValue> {
  const out: Record<string, AccountAttributeValue> = {};
  for (const change of operation.changes) if (change.path !== 'active') out[change.path] = change.after;
  return out;
}

function isActiveAfter(operation: PlanOperation): boolean | undefined {
  const change = operation.changes.find((c) => c.path === 'active');
  return typeof change?.after === 'boolean' ? change.after : undefined;
}

async function withRetries<T>(
  deps: SyncEngineDependencies,
  settings: SyncSettings,
  work: () => Promise<T>,
): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      // The engine decides by kind: wait and retry what is transient, give up on the rest.
      if (!isConnectorError(error) || !error.isRetryable || attempt >= settings.maxAttempts) throw error;
      const wait = Math.min(settings.maxRetryWaitMs, error.retryAfterMs ?? 1000 * 2 ** (attempt - 1));
      await sleep(wait);
    }
  }
}

/** Writes a target may take in one `writeAccounts` call when it declares no limit. */
const DEFAULT_WRITES_PER_BATCH = 500;

function sleepOf(deps: SyncEngineDependencies): (ms: number) => Promise<void> {
  return deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
}

/**
 * The plan's operations with its creates reordered so that a person's manager, when created in the
 * same plan, comes first. Every other operation keeps its place; creates keep their relative order
 * within one level of the hierarchy. A reference cycle (two people supervising each other) just stops
 * the deepening; the second pass of the run resolves whatever is still open.
 */
function managersFirst(operations: readonly PlanOperation[], built: BuiltPlan): PlanOperation[] {
  const createdKeyOfSource = new Map<string, string>();
  for (const operation of operations)
    if (operation.kind === 'create' && operation.personId !== null) {
      createdKeyOfSource.set(operation.personId, operation.personId);
      const sourceId = built.sourceIdOfKey.get(operation.personId);
      if (sourceId !== undefined) createdKeyOfSource.set(sourceId, operation.personId);
    }
  const depth = new Map<string, number>();
  const depthOf = (key: string, seen: Set<string>): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    if (seen.has(key)) return 0;
    seen.add(key);
    let level = 0;
    for (const reference of built.pendingReferencesOfKey.get(key) ?? []) {
      const manager = createdKeyOfSource.get(reference.sourceId);
      if (manager !== undefined && manager !== key) level = Math.max(level, depthOf(manager, seen) + 1);
    }
    depth.set(key, level);
    return level;
  };
  const creates = operations.filter((o) => o.kind === 'create');
  const levelOf = (o: PlanOperation) => (o.personId === null ? 0 : depthOf(o.personId, new Set()));
  const ordered = creates
    .map((operation, index) => ({ operation, index, level: levelOf(operation) }))
    .sort((a, b) => a.level - b.level || a.index - b.index)
    .map((c) => c.operation);
  let next = 0;
  return operations.map((o) => (o.kind === 'create' ? (ordered[next++] ?? o) : o));
}

/** The desired account a create operation sends; `email` is what an unknown outcome is read back by. */
function desiredOf(operation: PlanOperation, built: BuiltPlan): DesiredAccount {
  const attributes = attributesOf(operation);
  const personKey = operation.personId;
  const email =
    (personKey !== null ? built.emailOfKey.get(personKey) : undefined) ??
    String(attributes['userName'] ?? '');
  const active = isActiveAfter(operation);
  return { email, attributes: { ...attributes, ...(active !== undefined ? { active } : {}) } };
}

/** The batch write an operation is, or null when it goes through the single methods (deletes). */
function writeOf(operation: PlanOperation, built: BuiltPlan): AccountWrite | null {
  if (operation.kind === 'create') return { kind: 'create', desired: desiredOf(operation, built) };
  const accountId = operation.accountId;
  if (accountId === null) return null;
  if (operation.kind === 'update')
    return { kind: 'update', accountId, changes: { attributes: attributesOf(operation) } };
  if (operation.kind === 'disable' || operation.kind === 'enable') return { kind: operation.kind, accountId };
  return null;
}

/**
 * Runs `writeAccounts` for every write, retrying the writes that failed with a retryable kind (the whole
 * call when it threw one) up to `maxAttempts`, waiting as the slowest of them asked.
 */
async function writeWithRetries(
  deps: SyncEngineDependencies,
  settings: SyncSettings,
  target: AccountTarget,
  writes: readonly AccountWrite[],
): Promise<AccountWriteResult[]> {
  const results: AccountWriteResult[] = [];
  let pending = writes.map((_, index) => index);
  for (let attempt = 1; pending.length > 0; attempt++) {
    let waitMs = 0;
    try {
      const answered = await target.writeAccounts!(pending.map((i) => writes[i]!));
      const retry: number[] = [];
      pending.forEach((index, position) => {
        const result = answered[position] ?? {
          ok: false,
          error: new ConnectorError('unavailable', 'the connector returned no result for this write'),
        };
        results[index] = result;
        if (!result.ok && result.error.isRetryable && attempt < settings.maxAttempts) {
          retry.push(index);
          waitMs = Math.max(waitMs, result.error.retryAfterMs ?? 1000 * 2 ** (attempt - 1));
        }
      });
      pending = retry;
    } catch (error) {
      if (!isConnectorError(error) || !error.isRetryable || attempt >= settings.maxAttempts) {
        const failure = isConnectorError(error)
          ? error
          : new ConnectorError('unavailable', describeError(error), { cause: error, outcome: 'unknown' });
        for (const index of pending) results[index] = { ok: false, error: failure };
        if (!isConnectorError(error)) throw error;
        return results;
      }
      waitMs = error.retryAfterMs ?? 1000 * 2 ** (attempt - 1);
    }
    if (pending.length > 0) await sleepOf(deps)(Math.min(settings.maxRetryWaitMs, waitMs));
  }
  return results;
}

/**
 * Creates an account; when the answer is lost (outcome unknown: a timeout or 5xx after the request was
 * sent) the target is read back by externalId and email instead of sending the create again, which on
 * an app that allows two accounts with one email would make a duplicate. Read back and not found, the
 * create did not happen and may be retried; when the read-back fails too, the operation fails without
 * a retry and the next run, planning from the target's accounts, settles it.
 */
async function createSettled(target: AccountTarget, desired: DesiredAccount): Promise<CreateAccountResult> {
  try {
    return await target.createAccount!(desired);
  } catch (error) {
    if (!isConnectorError(error) || error.outcome !== 'unknown') throw error;
    let found: Account | undefined;
    try {
      found = await findAccount(target, desired);
    } catch (readError) {
      throw new Error(
        `the create's outcome is unknown (${error.message}) and reading the target back failed (${describeError(readError)}); the next run settles it`,
        { cause: readError },
      );
    }
    if (found) return { account: found, outcome: 'settled_by_read_back', warnings: [] };
    throw new ConnectorError('unavailable', `${error.message}; reading back found no account`, {
      cause: error,
      outcome: 'not_applied',
    });
  }
}

/** The account a create made, by externalId, else by email or userName (case-insensitively). */
async function findAccount(target: AccountTarget, desired: DesiredAccount): Promise<Account | undefined> {
  const externalId = desired.attributes['externalId'];
  const email = desired.email.toLowerCase();
  let cursor: string | undefined;
  for (;;) {
    const page = await target.listAccounts(cursor);
    const found =
      (typeof externalId === 'string'
        ? page.items.find((a) => a.attributes['externalId'] === externalId)
        : undefined) ??
      page.items.find((a) => a.email?.toLowerCase() === email || a.userName?.toLowerCase() === email);
    if (found) return found;
    if (page.nextCursor === null) return undefined;
    cursor = page.nextCursor;
  }
}

async function applyPlan(
  deps: SyncEngineDependencies,
  sync: SyncRecord,
  settings: SyncSettings,
  built: BuiltPlan,
  target: AccountTarget,
  runId: string,
): Promise<AppliedOperation[]> {
  const results: AppliedOperation[] = [];
  const operations = managersFirst(built.plan.operations, built);
  let done = 0;

  const sourceIdOf = (operation: PlanOperation): string | null => {
    const personKey = operation.personId;
    return personKey === null ? null : (built.sourceIdOfKey.get(personKey) ?? personKey);
  };

  /** Source id (and person key) → the account a create of this apply made. */
  const createdAccountOf = new Map<string, string>();
  /**
   * A create whose manager was created earlier in this apply carries the manager at once, so a first
   * sync writes each account once instead of creating it and updating it in a second pass. The added
   * attribute is part of the operation's changes, so the journal and the audit log show it.
   */
  const withCreatedReferences = (operation: PlanOperation): PlanOperation => {
    if (operation.kind !== 'create' || operation.personId === null) return operation;
    const pending = built.pendingReferencesOfKey.get(operation.personId) ?? [];
    const added = pending.flatMap((reference) => {
      const accountId = createdAccountOf.get(reference.sourceId);
      return accountId === undefined ? [] : [{ path: reference.attribute, before: null, after: accountId }];
    });
    return added.length === 0 ? operation : { ...operation, changes: [...operation.changes, ...added] };
  };
  const rememberCreated = (operation: PlanOperation, accountId: string | null): void => {
    if (operation.kind !== 'create' || accountId === null || operation.personId === null) return;
    createdAccountOf.set(operation.personId, accountId);
    const sourceId = sourceIdOf(operation);
    if (sourceId !== null) createdAccountOf.set(sourceId, accountId);
  };

  /** Journaled before it is applied, so a crash leaves a trace the next run reconciles. */
  const journalStart = async (operation: PlanOperation): Promise<void> => {
    await deps.syncs.recordOperation(sync.id, runId, {
      idempotencyKey: operation.idempotencyKey,
      kind: operation.kind,
      personId: sourceIdOf(operation),
      accountId: operation.accountId,
      payload: { reason: operation.reason, changes: operation.changes },
    });
  };

  /** Marks it applied, with the link and the audit entry, in one transaction. */
  const journalApplied = async (operation: PlanOperation, accountId: string | null): Promise<void> => {
    const sourceId = sourceIdOf(operation);
    await deps.syncs.transaction(async (tx) => {
      await deps.syncs.markOperation(operation.idempotencyKey, 'applied', { accountId }, tx);
      if (accountId !== null && sourceId !== null) {
        if (operation.kind === 'delete') await deps.syncs.removeLink(sync.id, accountId, tx);
        else {
          const reason =
            operation.kind === 'create' ? 'created' : (built.matchReasons.get(accountId)?.reason ?? 'linked');
          const state =
            operation.kind === 'disable'
              ? 'disabled'
              : operation.kind === 'enable'
                ? 'active'
                : isActiveAfter(operation) === false
                  ? 'pending'
                  : 'active';
          await deps.syncs.saveLink(
            sync.id,
            { accountId, sourceId, reason, state, appliedDigest: operation.idempotencyKey },
            tx,
          );
        }
      }
      await deps.audit.append(
        {
          actor: `sync:${sync.id}`,
          action: `account.${operation.kind}`,
          outcome: 'applied',
          syncId: sync.id,
          connectionId: sync.target,
          personId: sourceId,
          accountId,
          content: {
            runId,
            reason: operation.reason,
            cause: operation.cause,
            changes: operation.changes,
            idempotencyKey: operation.idempotencyKey,
          },
        },
        tx,
      );
    });
    results.push({ operation, outcome: 'applied', accountId });
  };

  const journalFailed = async (
    operation: PlanOperation,
    accountId: string | null,
    error: unknown,
  ): Promise<void> => {
    const message = describeError(error);
    await deps.syncs.markOperation(operation.idempotencyKey, 'failed', { error: message });
    await deps.audit.append({
      actor: `sync:${sync.id}`,
      action: `account.${operation.kind}`,
      outcome: 'failed',
      syncId: sync.id,
      connectionId: sync.target,
      personId: sourceIdOf(operation),
      accountId,
      content: {
        runId,
        reason: operation.reason,
        error: message,
        kind: isConnectorError(error) ? error.kind : 'internal',
      },
    });
    results.push({ operation, outcome: 'failed', accountId, error: message });
  };

  /** A create whose account should start disabled but came back enabled is disabled next. */
  const disableIfWanted = async (operation: PlanOperation, account: Account | undefined): Promise<void> => {
    if (operation.kind !== 'create' || isActiveAfter(operation) !== false) return;
    if (account === undefined || account.isActive === false || !target.disableAccount) return;
    const id = account.id;
    await withRetries(deps, settings, () => target.disableAccount!(id));
  };

  const applyOne = async (planned: PlanOperation): Promise<void> => {
    deps.onProgress?.({ phase: 'apply', done, total: operations.length });
    const operation = withCreatedReferences(planned);
    await journalStart(operation);
    let accountId = operation.accountId;
    try {
      switch (operation.kind) {
        case 'create': {
          if (!target.createAccount)
            throw new ConnectorError('unsupported', 'the target cannot create accounts');
          const desired = desiredOf(operation, built);
          const created = await withRetries(deps, settings, () => createSettled(target, desired));
          accountId = created.account.id;
          await disableIfWanted(operation, created.account);
          break;
        }
        case 'update': {
          if (!target.updateAccount || accountId === null)
            throw new ConnectorError('unsupported', 'the target cannot update accounts');
          const id = accountId;
          await withRetries(deps, settings, () =>
            target.updateAccount!(id, { attributes: attributesOf(operation) }),
          );
          break;
        }
        case 'disable': {
          if (!target.disableAccount || accountId === null)
            throw new ConnectorError('unsupported', 'the target cannot disable accounts');
          const id = accountId;
          await withRetries(deps, settings, () => target.disableAccount!(id));
          break;
        }
        case 'enable': {
          if (!target.enableAccount || accountId === null)
            throw new ConnectorError('unsupported', 'the target cannot enable accounts');
          const id = accountId;
          await withRetries(deps, settings, () => target.enableAccount!(id));
          break;
        }
        case 'delete': {
          if (!target.deleteAccount || accountId === null)
            throw new ConnectorError('unsupported', 'the target cannot delete accounts');
          const id = accountId;
          await withRetries(deps, settings, () => target.deleteAccount!(id));
          break;
        }
      }
    } catch (error) {
      await journalFailed(operation, accountId, error);
      done += 1;
      return;
    }
    await journalApplied(operation, accountId);
    rememberCreated(operation, accountId);
    done += 1;
  };

  /** Every operation of the batch is journaled first, then written in one call, then journaled per result. */
  const applyBatch = async (batch: readonly { operation: PlanOperation; write: AccountWrite }[]) => {
    deps.onProgress?.({ phase: 'apply', done, total: operations.length });
    for (const { operation } of batch) await journalStart(operation);
    const written = await writeWithRetries(
      deps,
      settings,
      target,
      batch.map((b) => b.write),
    );
    for (const [index, { operation }] of batch.entries()) {
      const result = written[index];
      const account = result?.ok ? result.account : undefined;
      const accountId = account?.id ?? operation.accountId;
      try {
        if (result === undefined) throw new ConnectorError('unavailable', 'no result for this write');
        if (!result.ok) throw result.error;
        if (operation.kind === 'create' && account === undefined)
          throw new ConnectorError('unavailable', 'the target returned no account for a create');
        await disableIfWanted(operation, account);
      } catch (error) {
        await journalFailed(operation, accountId, error);
        continue;
      }
      await journalApplied(operation, accountId);
    }
    done += batch.length;
  };

  if (target.writeAccounts) {
    // In plan order: consecutive writes go out together; anything else (a delete) flushes them first.
    const limit = Math.max(1, target.maxWritesPerBatch ?? DEFAULT_WRITES_PER_BATCH);
    let batch: { operation: PlanOperation; write: AccountWrite }[] = [];
    for (const operation of operations) {
      const write = writeOf(operation, built);
      if (write !== null) {
        batch.push({ operation, write });
        if (batch.length < limit) continue;
      }
      if (batch.length > 0) await applyBatch(batch);
      batch = [];
      if (write === null) await applyOne(operation);
    }
    if (batch.length > 0) await applyBatch(batch);
  } else {
    for (const operation of operations) await applyOne(operation);
  }
  deps.onProgress?.({ phase: 'apply', done, total: operations.length });

  // Accounts matched to people this sync manages become managed (and keep the newest source id,
  // so a rehire's account follows the new profile), even when nothing about them had to change.
  const touched = new Set(results.filter((r) => r.outcome === 'applied').map((r) => r.accountId));
  const links = await deps.syncs.listLinks(sync.id);
  const linkedAccounts = new Map(links.map((l) => [l.accountId, l]));
  for (const [accountId, { personKey, reason }] of built.matchReasons) {
    if (touched.has(accountId)) continue;
    const sourceId = built.sourceIdOfKey.get(personKey);
    if (sourceId === undefined) continue;
    const existing = linkedAccounts.get(accountId);
    if (existing && existing.sourceId === sourceId) continue;
    // An account of someone who wants none (already gone at the first sync) is left alone, not adopted.
    if (!existing && !built.wantedKeys.has(personKey)) continue;
    await deps.syncs.saveLink(sync.id, {
      accountId,
      sourceId,
      reason,
      state: existing?.state ?? 'active',
      appliedDigest: existing?.appliedDigest ?? null,
    });
  }
  return results;
}

export function newRunHolder(label: string): string {
  return `${label}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
