// Desired state for plan tests, built the way the engine builds it: profiles grouped by person key,
// the primary profile mapped by a small fixed mapping, the lifecycle taken over all profiles.
import type { Account, SourcePerson } from '../../../connectors/index.ts';
import type { DesiredAttributes, DesiredPerson, Plan, PlanOptions, SourceRead } from '../account-plan.ts';
import { plan } from '../account-plan.ts';
import type { AccountLink, Correlation } from '../correlation.ts';
import { correlate, profilesByPersonKey } from '../correlation.ts';
import type { LifecyclePolicy } from '../lifecycle.ts';
import { combinedLifecycle } from '../lifecycle.ts';
import { WORK_EMAIL_PATH } from './apply-plan.ts';

/** userName and work email from the work email (no email, no account), externalId = source id, a few names. */
export function testMapping(person: SourcePerson): DesiredAttributes | null {
  const email = person.workEmail?.trim();
  if (!email) return null;
  return {
    userName: email,
    externalId: person.sourceId,
    displayName: [person.firstName, person.lastName].filter(Boolean).join(' '),
    title: person.position ?? null,
    [WORK_EMAIL_PATH]: email,
    // Mapped, as the default mapping does, and ignored: the lifecycle decides.
    active: person.status !== 'inactive',
  };
}

export function desiredFrom(
  correlation: Correlation,
  now: Date,
  options: {
    readonly links?: readonly AccountLink[];
    readonly policy?: Partial<LifecyclePolicy>;
    readonly mapping?: (person: SourcePerson) => DesiredAttributes | null;
  } = {},
): Map<string, DesiredPerson> {
  const mapping = options.mapping ?? testMapping;
  const linkedKeys = new Set((options.links ?? []).map((l) => l.personKey));
  const matchedKeys = new Set(correlation.matches.map((m) => m.personKey));
  const desired = new Map<string, DesiredPerson>();
  for (const [key, { primary, profiles }] of profilesByPersonKey(correlation)) {
    desired.set(key, {
      person: primary,
      desiredAccount: mapping(primary),
      lifecycle: combinedLifecycle(profiles, now, options.policy ?? {}, {
        hasAccount: linkedKeys.has(key) || matchedKeys.has(key),
      }),
    });
  }
  return desired;
}

export interface World {
  readonly people: readonly SourcePerson[];
  readonly accounts: readonly Account[];
  readonly links?: readonly AccountLink[];
  readonly managed?: Iterable<string>;
  readonly now: Date;
  readonly sourceRead?: SourceRead;
  readonly policy?: Partial<LifecyclePolicy>;
  readonly options?: Partial<PlanOptions>;
  readonly syncId?: string;
}

/** Correlates, builds desired state and plans, as one engine run would. */
export function planWorld(world: World): {
  correlation: Correlation;
  desired: Map<string, DesiredPerson>;
  plan: Plan;
} {
  const links = world.links ?? [];
  const correlation = correlate(world.people, world.accounts, links);
  const desired = desiredFrom(correlation, world.now, {
    links,
    ...(world.policy ? { policy: world.policy } : {}),
  });
  return {
    correlation,
    desired,
    plan: plan({
      syncId: world.syncId ?? 'sync-1',
      sourceRead: world.sourceRead ?? 'complete',
      desired,
      correlation,
      accounts: world.accounts,
      managedAccountIds: new Set(world.managed ?? []),
      ...(world.options ? { options: world.options } : {}),
    }),
  };
}
