// The plan: the operations that make a target's accounts match desired state (create, update, enable,
// disable; delete only by policy), each with a reason and an idempotency key, plus future-dated work to
// schedule and a hash to approve — computed purely from desired state, correlation and the read status.
import type { Account, AccountAttributeValue, SourcePerson } from '../../connectors/index.ts';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import type { Correlation, CorrelationConflict, CorrelationMatch, MatchReason } from './correlation.ts';
import type { Lifecycle, LifecyclePhase, LifecycleState } from './lifecycle.ts';

export const OPERATION_KINDS = ['create', 'update', 'disable', 'enable', 'delete'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/**
 * Why an operation exists, for guards and filters (the `reason` says it in words):
 * - `joiner`: an account for someone who should have one (create).
 * - `mover`: attributes differ from the source (update; a rehire's new externalId is one).
 * - `active`: the person is active again or has started (enable).
 * - `before_start`, `on_leave`, `leaver`: the person's own record says disable.
 * - `left_scope`: the person is no longer in the source or the scope — a conclusion from *absence*,
 *   only ever drawn from a complete read.
 */
export const OPERATION_CAUSES = [
  'joiner',
  'mover',
  'active',
  'before_start',
  'on_leave',
  'leaver',
  'left_scope',
] as const;
export type OperationCause = (typeof OPERATION_CAUSES)[number];

/**
 * How the source read that fed this plan went:
 * - `complete`: every person in scope was read (a full listing that finished, counts consistent).
 * - `partial`: some people were read (an incremental read, or a listing that stopped early).
 * - `failed`: the read failed; `empty`: it returned nobody, which for a company means an outage or a
 *   credential that lost its permissions, never that everyone left.
 */
export const SOURCE_READS = ['complete', 'partial', 'failed', 'empty'] as const;
export type SourceRead = (typeof SOURCE_READS)[number];

/** What happens to a managed account whose person left the scope: disabled (default) or deleted. */
export const LEFT_SCOPE_ACTIONS = ['disable', 'delete'] as const;
export type LeftScopeAction = (typeof LEFT_SCOPE_ACTIONS)[number];

/** The path that carries enabled/disabled in changes. The lifecycle owns it; a mapped `active` is ignored. */
export const ACTIVE_PATH = 'active';

export interface AttributeChange {
  readonly path: string;
  readonly before: AccountAttributeValue;
  readonly after: AccountAttributeValue;
}

/**
 * One intended change to one account. `personId` is the person key (null for an account nobody in the
 * source is known to own); `accountId` is null for a create. `idempotencyKey` is derived from the sync,
 * the person, the kind, the account and the target state, so the same intended change planned again —
 * as after a crash — has the same key.
 */
export interface PlanOperation {
  readonly kind: OperationKind;
  readonly cause: OperationCause;
  readonly personId: string | null;
  readonly accountId: string | null;
  readonly reason: string;
  /** Sorted by path. Creates list every attribute set; enable and disable list `active`. */
  readonly changes: readonly AttributeChange[];
  readonly idempotencyKey: string;
}

/** Work the person's dates already fix for later: re-plan at `at` (ISO-8601 UTC). */
export interface ScheduledChange {
  readonly personId: string;
  readonly kind: OperationKind;
  readonly at: string;
  readonly reason: string;
}

/** An operation the planner would make but must not, and why — so nothing is silently ignored. */
export interface WithheldOperation {
  readonly personId: string | null;
  readonly accountId: string | null;
  readonly kind: OperationKind;
  readonly reason: string;
}

/** The correlation result as a plan shows it before anything is written (first sync into a target). */
export interface PlannedMatch {
  readonly personId: string;
  readonly sourceId: string;
  readonly accountId: string;
  readonly reason: MatchReason;
  readonly previousSourceId?: string;
}

/**
 * A plan. `hash` is the SHA-256 of the canonical JSON of `operations` (sorted, keys in stable order);
 * an approval is for one hash. A plan applied in full and planned again has no operations.
 */
export interface Plan {
  readonly syncId: string;
  readonly sourceRead: SourceRead;
  readonly operations: readonly PlanOperation[];
  readonly scheduled: readonly ScheduledChange[];
  readonly conflicts: readonly CorrelationConflict[];
  readonly withheld: readonly WithheldOperation[];
  readonly matches: readonly PlannedMatch[];
  readonly hash: string;
}

/** A flat record of target attribute paths (`name.givenName`, `emails[type eq "work"].value`) to values. */
export type DesiredAttributes = Readonly<Record<string, AccountAttributeValue>>;

/**
 * What one human should have in the target. `desiredAccount` is null when the mapping gives no account
 * (no work email and no rule to make a userName, or a mapping error): nothing is created or updated,
 * and the lifecycle still disables or enables an existing account.
 */
export interface DesiredPerson {
  readonly person: SourcePerson;
  readonly desiredAccount: DesiredAttributes | null;
  readonly lifecycle: Lifecycle;
}

export interface PlanOptions {
  readonly leftScope: LeftScopeAction;
  /** Paths compared without regard to case (SCIM: userName and emails are caseExact false). */
  readonly caseInsensitivePaths: readonly string[];
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = Object.freeze({
  leftScope: 'disable',
  caseInsensitivePaths: Object.freeze(['userName', 'emails[type eq "work"].value']),
});

export interface PlanInput {
  /** Part of every idempotency key. */
  readonly syncId: string;
  /** Required, so no caller can forget it: disables for leaving scope need a complete read. */
  readonly sourceRead: SourceRead;
  /** By person key, one entry per human in scope (`correlation.personKeys` gives the keys). */
  readonly desired: ReadonlyMap<string, DesiredPerson>;
  readonly correlation: Correlation;
  /** The target's accounts as read now. */
  readonly accounts: readonly Account[];
  /** Accounts this sync created or adopted; only these are ever disabled for leaving scope. */
  readonly managedAccountIds: ReadonlySet<string>;
  readonly options?: Partial<PlanOptions>;
}

type DraftOperation = Omit<PlanOperation, 'idempotencyKey'>;

const KIND_ORDER: Readonly<Record<OperationKind, number>> = {
  create: 0,
  update: 1,
  enable: 2,
  disable: 3,
  delete: 4,
};

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isEmpty(value: AccountAttributeValue | undefined): boolean {
  return (
    value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
  );
}

/**
 * Whether two attribute values are the same for planning: null, '' and [] are all "empty" (apps store a
 * cleared value in any of these ways, and telling them apart would update forever); lists compare as
 * sets, because apps reorder multi-valued attributes.
 */
export function isSameAttributeValue(
  a: AccountAttributeValue | undefined,
  b: AccountAttributeValue | undefined,
  isCaseInsensitive = false,
): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  const fold = (v: string | number | boolean): string | number | boolean =>
    isCaseInsensitive && typeof v === 'string' ? v.toLowerCase() : v;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const left = a.map((v: string) => String(fold(v))).sort(compareText);
    const right = b.map((v: string) => String(fold(v))).sort(compareText);
    return left.every((v, i) => v === right[i]);
  }
  if (a === undefined || b === undefined || a === null || b === null) return false;
  return fold(a as string | number | boolean) === fold(b as string | number | boolean);
}

/** An account's value at a path; userName and displayName fall back to the account's own fields. */
export function currentAttributeValue(account: Account, path: string): AccountAttributeValue {
  if (Object.hasOwn(account.attributes, path)) return account.attributes[path] ?? null;
  if (path === 'userName') return account.userName;
  if (path === 'displayName') return account.displayName;
  return null;
}

function attributeChanges(
  desired: DesiredAttributes,
  account: Account,
  options: PlanOptions,
): AttributeChange[] {
  const caseInsensitive = new Set(options.caseInsensitivePaths);
  const changes: AttributeChange[] = [];
  for (const path of Object.keys(desired).sort(compareText)) {
    if (path === ACTIVE_PATH) continue;
    const after = desired[path] ?? null;
    const before = currentAttributeValue(account, path);
    if (!isSameAttributeValue(before, after, caseInsensitive.has(path)))
      changes.push({ path, before, after });
  }
  return changes;
}

function createChanges(desired: DesiredAttributes, isActive: boolean): AttributeChange[] {
  const changes: AttributeChange[] = Object.keys(desired)
    .filter((path) => path !== ACTIVE_PATH && !isEmpty(desired[path]))
    .map((path) => ({ path, before: null, after: desired[path] ?? null }));
  changes.push({ path: ACTIVE_PATH, before: null, after: isActive });
  return changes.sort((a, b) => compareText(a.path, b.path));
}

function disableCause(phase: LifecyclePhase): OperationCause {
  switch (phase) {
    case 'before_start':
      return 'before_start';
    case 'on_leave':
      return 'on_leave';
    case 'ended':
    case 'employed':
      return 'leaver';
  }
}

function wantsAccount(state: LifecycleState): boolean {
  return state === 'pending' || state === 'active';
}

function idempotencyKeyOf(syncId: string, op: DraftOperation): string {
  const target = op.changes.map((c) => [c.path, c.after]);
  return sha256Hex(
    canonicalJson({ syncId, personId: op.personId, kind: op.kind, accountId: op.accountId, target }),
  ).slice(0, 32);
}

function compareOperations(a: PlanOperation, b: PlanOperation): number {
  return (
    compareText(a.personId ?? '\uffff', b.personId ?? '\uffff') ||
    compareText(a.accountId ?? '', b.accountId ?? '') ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compareText(a.idempotencyKey, b.idempotencyKey)
  );
}

/** Operations in plan order. */
export function sortOperations(operations: readonly PlanOperation[]): PlanOperation[] {
  return [...operations].sort(compareOperations);
}

/** SHA-256 (hex) of the canonical JSON of the operations in plan order; what an approval names. */
export function hashOperations(operations: readonly PlanOperation[]): string {
  return sha256Hex(canonicalJson(sortOperations(operations)));
}

function matchNote(match: CorrelationMatch): string {
  switch (match.reason) {
    case 'rehire':
    case 'entityMove':
      return `${match.reason === 'rehire' ? 'rehired' : 'moved between legal entities'}: the account of profile ${match.previousSourceId ?? '?'} follows profile ${match.person.sourceId}`;
    case 'email':
    case 'externalId':
      return `matched by ${match.reason}`;
    case 'linked':
      return 'the source changed';
  }
}

/** What the account will look like once this plan is applied, for scheduling the next change. */
interface AccountAfter {
  readonly exists: boolean;
  readonly isActive: boolean | null;
  readonly isManaged: boolean;
}

/**
 * The plan that makes the target match desired state. Rules: a create for a person who should have an
 * account and has none; an update listing only attributes whose desired value differs; enable and
 * disable from the lifecycle; managed accounts whose person left the scope are disabled (deleted only
 * with `leftScope: 'delete'`) and only after a `complete` read — otherwise they are listed as withheld;
 * accounts this sync does not manage are never disabled for leaving scope, nor for a person who should
 * have no account; people in a conflict get no create, update or enable, but are still disabled when
 * their record says so. No disable at all comes from a `failed` or `empty` read. Pure and deterministic.
 * Throws RangeError when `desired` and `correlation` do not describe the same people.
 */
export function plan(input: PlanInput): Plan {
  const options: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, ...input.options };
  const { syncId, sourceRead, desired, correlation, managedAccountIds } = input;
  if (!(SOURCE_READS as readonly string[]).includes(sourceRead)) {
    throw new RangeError(`sourceRead must be one of ${SOURCE_READS.join(', ')}`);
  }
  // Lifecycle disables come from what a person's own record says; a failed or empty read says nothing.
  const mayDisableFromRecords = sourceRead === 'complete' || sourceRead === 'partial';
  // Leaving scope is concluded from absence, which only a complete read can show.
  const mayConcludeAbsence = sourceRead === 'complete';

  const accountById = new Map(input.accounts.map((a) => [a.id, a]));
  const matchByKey = new Map<string, CorrelationMatch>();
  for (const match of correlation.matches) {
    if (matchByKey.has(match.personKey)) throw new RangeError(`person ${match.personKey} is matched twice`);
    if (!desired.has(match.personKey)) {
      throw new RangeError(`person ${match.personKey} was correlated but has no desired state`);
    }
    matchByKey.set(match.personKey, match);
  }
  for (const [key, entry] of desired) {
    if (correlation.personKeys.get(entry.person.sourceId) !== key) {
      throw new RangeError(
        `desired state for ${key} (source id ${entry.person.sourceId}) was not correlated under that key`,
      );
    }
  }
  const conflictKeys = new Set<string>();
  for (const conflict of correlation.conflicts) {
    for (const sourceId of conflict.people)
      conflictKeys.add(correlation.personKeys.get(sourceId) ?? sourceId);
  }

  const drafts: DraftOperation[] = [];
  const withheld: WithheldOperation[] = [];
  const scheduled: ScheduledChange[] = [];
  const readNote = `the source read was ${sourceRead}`;

  for (const key of [...desired.keys()].sort(compareText)) {
    const entry = desired.get(key);
    if (!entry) continue;
    const { lifecycle, desiredAccount } = entry;
    const isWanted = wantsAccount(lifecycle.state);
    const isInConflict = conflictKeys.has(key);
    const match = matchByKey.get(key);
    let after: AccountAfter = { exists: false, isActive: null, isManaged: false };

    if (!match) {
      if (isWanted && !isInConflict) {
        if (desiredAccount === null) {
          withheld.push({
            personId: key,
            accountId: null,
            kind: 'create',
            reason: `${lifecycle.reason}; but the mapping gives no account (no work email, or a mapping error)`,
          });
        } else {
          drafts.push({
            kind: 'create',
            cause: 'joiner',
            personId: key,
            accountId: null,
            reason: lifecycle.reason,
            changes: createChanges(desiredAccount, lifecycle.state === 'active'),
          });
          after = { exists: true, isActive: lifecycle.state === 'active', isManaged: true };
        }
      }
    } else {
      const account = accountById.get(match.account.id);
      if (!account) throw new RangeError(`matched account ${match.account.id} is not among the accounts`);
      const isManaged = managedAccountIds.has(account.id);
      after = { exists: true, isActive: account.isActive, isManaged };
      // A person who should have no account and an account this sync never managed (someone already
      // gone at the first sync): left alone, not adopted.
      if (isWanted || isManaged) {
        after = { ...after, isManaged: true };
        if (isWanted && desiredAccount !== null && !isInConflict) {
          const changes = attributeChanges(desiredAccount, account, options);
          if (changes.length > 0) {
            drafts.push({
              kind: 'update',
              cause: 'mover',
              personId: key,
              accountId: account.id,
              reason: matchNote(match),
              changes,
            });
          }
        }
        if (account.isActive !== null) {
          const shouldBeActive = lifecycle.state === 'active';
          if (shouldBeActive && account.isActive === false) {
            if (isInConflict) {
              withheld.push({
                personId: key,
                accountId: account.id,
                kind: 'enable',
                reason: `${lifecycle.reason}; but the person is in a correlation conflict`,
              });
            } else {
              drafts.push({
                kind: 'enable',
                cause: 'active',
                personId: key,
                accountId: account.id,
                reason: lifecycle.reason,
                changes: [{ path: ACTIVE_PATH, before: false, after: true }],
              });
              after = { ...after, isActive: true };
            }
          } else if (!shouldBeActive && account.isActive === true) {
            if (mayDisableFromRecords) {
              drafts.push({
                kind: 'disable',
                cause: disableCause(lifecycle.phase),
                personId: key,
                accountId: account.id,
                reason: lifecycle.reason,
                changes: [{ path: ACTIVE_PATH, before: true, after: false }],
              });
              after = { ...after, isActive: false };
            } else {
              withheld.push({
                personId: key,
                accountId: account.id,
                kind: 'disable',
                reason: `${lifecycle.reason}; but ${readNote}`,
              });
            }
          }
        }
      }
    }

    const next = lifecycle.next;
    if (lifecycle.effectiveAt !== undefined && next !== undefined) {
      const nextIsWanted = wantsAccount(next.state);
      let kind: OperationKind | null = null;
      if (!after.exists) {
        if (nextIsWanted && desiredAccount !== null && !isInConflict) kind = 'create';
      } else if ((after.isManaged || nextIsWanted) && after.isActive !== null) {
        if (next.state === 'active' && !after.isActive && !isInConflict) kind = 'enable';
        else if (next.state !== 'active' && after.isActive) kind = 'disable';
      }
      if (kind !== null)
        scheduled.push({ personId: key, kind, at: lifecycle.effectiveAt, reason: next.reason });
    }
  }

  for (const unmatched of correlation.unmatchedAccounts) {
    if (!managedAccountIds.has(unmatched.id)) continue; // not ours: left alone
    const account = accountById.get(unmatched.id) ?? unmatched;
    const personId = correlation.accountPersonKeys.get(account.id) ?? null;
    const reason = 'no longer in the source or the sync’s scope';
    const kind: OperationKind | null =
      options.leftScope === 'delete' ? 'delete' : account.isActive === true ? 'disable' : null;
    if (kind === null) {
      if (account.isActive === null) {
        withheld.push({
          personId,
          accountId: account.id,
          kind: 'disable',
          reason: `${reason}; but the app has no disabled state and leftScope is 'disable'`,
        });
      }
      continue;
    }
    if (!mayConcludeAbsence) {
      withheld.push({
        personId,
        accountId: account.id,
        kind,
        reason: `${reason}? Not concluded: ${readNote}`,
      });
      continue;
    }
    drafts.push({
      kind,
      cause: 'left_scope',
      personId,
      accountId: account.id,
      reason,
      changes: kind === 'disable' ? [{ path: ACTIVE_PATH, before: true, after: false }] : [],
    });
  }

  const operations = sortOperations(
    drafts.map((d) => ({ ...d, idempotencyKey: idempotencyKeyOf(syncId, d) })),
  );
  return {
    syncId,
    sourceRead,
    operations,
    scheduled: scheduled.sort(
      (a, b) =>
        compareText(a.at, b.at) ||
        compareText(a.personId, b.personId) ||
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind],
    ),
    conflicts: correlation.conflicts,
    withheld: withheld.sort(
      (a, b) =>
        compareText(a.personId ?? '\uffff', b.personId ?? '\uffff') ||
        compareText(a.accountId ?? '', b.accountId ?? '') ||
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind],
    ),
    matches: correlation.matches
      .map((m) => ({
        personId: m.personKey,
        sourceId: m.person.sourceId,
        accountId: m.account.id,
        reason: m.reason,
        ...(m.previousSourceId === undefined ? {} : { previousSourceId: m.previousSourceId }),
      }))
      .sort((a, b) => compareText(a.personId, b.personId)),
    hash: sha256Hex(canonicalJson(operations)),
  };
}

/**
 * The `sync plan --json` object: `{ hash, held, operations, scheduled }` as the issue specifies, plus
 * the conflicts, withheld operations and correlation matches a reviewer needs before approving.
 */
export function planToJson(subject: Plan, held: boolean): Record<string, unknown> {
  return {
    hash: subject.hash,
    held,
    sourceRead: subject.sourceRead,
    operations: subject.operations,
    scheduled: subject.scheduled,
    conflicts: subject.conflicts,
    withheld: subject.withheld,
    matches: subject.matches,
  };
}
