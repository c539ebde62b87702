// Guards: whether a plan may be applied as it is, or is held whole — too many accounts disabled,
// deleted or re-identified at once, a source read that cannot justify removals, or an approval that was
// for a different plan.
import type { Plan, SourceRead } from './account-plan.ts';
import { hashOperations } from './account-plan.ts';

/** Paths whose change re-identifies an account: a mistake there breaks logins and SSO links at scale. */
export const IDENTITY_PATHS: readonly string[] = Object.freeze(['userName', 'externalId']);

export interface GuardInput {
  /** How many accounts this sync manages now (before the plan). */
  readonly managedCount: number;
  /** How the source read that fed the plan went. */
  readonly sourceRead: SourceRead;
  /** The hash an administrator approved (`sync approve <name> <hash>`), if any. */
  readonly approvedHash?: string;
}

export interface GuardResult {
  readonly held: boolean;
  /** Why it is held, one sentence each; empty when it is not. */
  readonly reasons: readonly string[];
  /** The most disables/deletes, and separately identity changes, a plan may make without approval. */
  readonly threshold: number;
  /** Whether approving this plan's hash would release it (false when the read itself forbids it). */
  readonly isApprovable: boolean;
}

/**
 * max(5, min(25, 10 % of the managed accounts)). Counts are whole, so "more than 10 % of 57" (5.7) and
 * "more than 5" are the same test; the threshold is reported rounded down.
 */
export function guardThreshold(managedCount: number): number {
  const managed = Number.isFinite(managedCount) && managedCount > 0 ? Math.floor(managedCount) : 0;
  return Math.max(5, Math.min(25, Math.floor(managed / 10)));
}

/**
 * Checks a plan before it is applied. Held, and approvable by its hash: more than `threshold` accounts
 * disabled or deleted, or more than `threshold` with userName or externalId changed. Held and not
 * approvable — re-read the source instead: any disable or delete from a failed or empty read; any
 * disable or delete for leaving scope from a partial read; operations that do not hash to the plan's
 * hash (the plan was altered after planning). An approval releases only the plan whose hash it names;
 * a re-plan that differs in any operation needs a new one.
 */
export function guard(subject: Plan, input: GuardInput): GuardResult {
  const threshold = guardThreshold(input.managedCount);
  const reasons: string[] = [];
  let isApprovable = true;

  const removals = new Set<string>();
  const reidentified = new Set<string>();
  let leftScopeRemovals = 0;
  for (const op of subject.operations) {
    const target = op.accountId ?? `${op.kind}:${op.idempotencyKey}`;
    if (op.kind === 'disable' || op.kind === 'delete') {
      removals.add(target);
      if (op.cause === 'left_scope') leftScopeRemovals += 1;
    }
    if (op.kind === 'update' && op.changes.some((c) => IDENTITY_PATHS.includes(c.path)))
      reidentified.add(target);
  }

  if (hashOperations(subject.operations) !== subject.hash) {
    isApprovable = false;
    reasons.push('the operations do not match the plan hash; plan again');
  }
  // Either report of the read counts: the one the plan was made with and the one the caller holds.
  const reads = new Set<SourceRead>([subject.sourceRead, input.sourceRead]);
  if ((reads.has('failed') || reads.has('empty')) && removals.size > 0) {
    isApprovable = false;
    reasons.push(
      `a ${reads.has('failed') ? 'failed' : 'empty'} source read never justifies disabling or deleting accounts (${removals.size} planned); read the source again`,
    );
  } else if (reads.has('partial') && leftScopeRemovals > 0) {
    isApprovable = false;
    reasons.push(
      `a partial source read cannot show who left the scope (${leftScopeRemovals} accounts would be removed for it); run a full read`,
    );
  }

  const limits: string[] = [];
  if (removals.size > threshold) {
    limits.push(
      `${removals.size} accounts would be disabled or deleted, more than the threshold of ${threshold}`,
    );
  }
  if (reidentified.size > threshold) {
    limits.push(
      `${reidentified.size} accounts would change userName or externalId, more than the threshold of ${threshold}`,
    );
  }
  if (limits.length > 0) {
    if (input.approvedHash === undefined) {
      reasons.push(...limits.map((l) => `${l}; approve plan ${subject.hash} to apply it`));
    } else if (input.approvedHash !== subject.hash) {
      reasons.push(
        ...limits.map(
          (l) => `${l}; the approval was for plan ${input.approvedHash}, this plan is ${subject.hash}`,
        ),
      );
    }
  }

  return { held: reasons.length > 0, reasons, threshold, isApprovable };
}
