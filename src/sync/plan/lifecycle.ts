// The account state a person should have at an instant — from their status and effective dates (hire
// date, last working day, termination date) read in their own time zone — and when that state changes
// next, so future-dated joiners and leavers can be scheduled instead of waiting for a poll.
import type { SourcePerson } from '../../connectors/index.ts';
import { addCalendarDays, isTimeZone, readCalendarDate, startOfLocalDay } from './local-day.ts';

/**
 * - `absent`: no account should exist yet (a joiner before the creation day) or ever (someone already
 *   gone whom this sync never gave an account). An existing account is kept disabled.
 * - `pending`: the account exists but stays disabled until the start of the hire date.
 * - `active`: the account exists and can be used.
 * - `disabled`: the person has left; the account stays, disabled (never deleted by the lifecycle).
 */
export const LIFECYCLE_STATES = ['absent', 'pending', 'active', 'disabled'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** Where the person is in their employment; it names the cause of an operation in a plan. */
export const LIFECYCLE_PHASES = ['before_start', 'employed', 'on_leave', 'ended'] as const;
export type LifecyclePhase = (typeof LIFECYCLE_PHASES)[number];

/** What status `leave` (parental or other long leave) does to the account. */
export const LEAVE_HANDLINGS = ['keep_active', 'disable'] as const;
export type LeaveHandling = (typeof LEAVE_HANDLINGS)[number];

export interface LifecyclePolicy {
  /** Calendar days before the hire date on which the (disabled) account is created, so laptops and welcome mail work. */
  readonly createDaysBeforeStart: number;
  readonly onLeave: LeaveHandling;
  /** True on a sync's first run: people who have already left then get no account. */
  readonly isFirstSync: boolean;
  /** The zone used when a person's zone is not one Intl knows (a typo in the office map). */
  readonly fallbackTimeZone: string;
}

export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = Object.freeze({
  createDaysBeforeStart: 7,
  onLeave: 'keep_active',
  isFirstSync: false,
  fallbackTimeZone: 'UTC',
});

/** What the sync knows about the person's past in the target. */
export interface LifecycleHistory {
  /** Whether this sync has ever given the person an account (a link exists). */
  readonly hasAccount: boolean;
}

export interface LifecycleStep {
  readonly state: LifecycleState;
  readonly phase: LifecyclePhase;
  /** Why, in words for the plan and the journal (dates, instants and the zone they were read in). */
  readonly reason: string;
}

/**
 * The desired state now and, when the person's data already fixes a later change (a start date, a last
 * working day), that change: `effectiveAt` is its instant (ISO-8601 UTC) and `next` the state from then
 * on. Both are absent when nothing is due, and present together otherwise.
 */
export interface Lifecycle extends LifecycleStep {
  readonly effectiveAt?: string;
  readonly next?: LifecycleStep;
}

interface Timeline {
  readonly person: SourcePerson;
  readonly zone: string;
  /** Said in reasons when the person's own zone was unusable. */
  readonly zoneNote: string;
  readonly hireDate: string | null;
  readonly endDay: string | null;
  readonly endField: 'last working day' | 'termination date' | null;
  /** A termination before the hire date: an earlier employment of a rehired profile. */
  readonly earlierEnd: string | null;
  readonly createAt: number | null;
  readonly startAt: number | null;
  readonly endAt: number | null;
}

function resolvePolicy(policy: Partial<LifecyclePolicy>): LifecyclePolicy {
  const resolved = { ...DEFAULT_LIFECYCLE_POLICY, ...policy };
  if (!Number.isInteger(resolved.createDaysBeforeStart) || resolved.createDaysBeforeStart < 0) {
    throw new RangeError(
      `createDaysBeforeStart must be a whole number of days, 0 or more (got ${resolved.createDaysBeforeStart})`,
    );
  }
  if (!isTimeZone(resolved.fallbackTimeZone)) {
    throw new RangeError(`fallbackTimeZone '${resolved.fallbackTimeZone}' is not an IANA time zone`);
  }
  return resolved;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function timelineOf(person: SourcePerson, policy: LifecyclePolicy): Timeline {
  const zoneIsKnown = isTimeZone(person.timeZone);
  const zone = zoneIsKnown ? person.timeZone : policy.fallbackTimeZone;
  const zoneNote = zoneIsKnown ? zone : `${zone}, as '${person.timeZone}' is not a time zone`;
  const hireDate = readCalendarDate(person.hireDate);

  // The end is the end of the last working day, else of the termination date (Personio: the last
  // working day can be earlier, for garden leave or remaining vacation). An end before the hire date
  // belongs to an earlier employment of the same profile and is ignored, so a rehire is not a leaver.
  let endDay: string | null = null;
  let endField: Timeline['endField'] = null;
  let earlierEnd: string | null = null;
  const ends = [
    ['last working day', readCalendarDate(person.lastWorkingDay)],
    ['termination date', readCalendarDate(person.terminationDate)],
  ] as const;
  for (const [field, day] of ends) {
    if (day === null) continue;
    if (hireDate !== null && day < hireDate) {
      earlierEnd ??= day;
      continue;
    }
    endDay = day;
    endField = field;
    break;
  }
  // contractEndDate is deliberately not read: in Personio it only triggers reminders and ends nothing.

  return {
    person,
    zone,
    zoneNote,
    hireDate,
    endDay,
    endField,
    earlierEnd,
    createAt:
      hireDate === null
        ? null
        : startOfLocalDay(addCalendarDays(hireDate, -policy.createDaysBeforeStart), zone).getTime(),
    startAt: hireDate === null ? null : startOfLocalDay(hireDate, zone).getTime(),
    endAt: endDay === null ? null : startOfLocalDay(addCalendarDays(endDay, 1), zone).getTime(),
  };
}

function stepAt(
  timeline: Timeline,
  at: number,
  policy: LifecyclePolicy,
  history: LifecycleHistory | undefined,
): LifecycleStep {
  const { person, zoneNote, hireDate, endDay, endField, endAt, createAt, startAt } = timeline;
  const status = person.status;

  // Leavers: at the end of the last day in the person's zone, and at the latest when the source says
  // inactive (Personio flips at 00:00 UTC after the termination date, which is *earlier* than the end
  // of that day west of UTC, and HR can set inactive by hand at any time).
  const endedByDate = endAt !== null && at >= endAt;
  if (status === 'inactive' || endedByDate) {
    const why = endedByDate
      ? `${endField} ${endDay} ended at ${iso(endAt)} (${zoneNote})`
      : 'status is inactive';
    if (policy.isFirstSync) {
      return {
        state: 'absent',
        phase: 'ended',
        reason: `${why}; the first sync gives people who have left no account`,
      };
    }
    if (history?.hasAccount === false) {
      return { state: 'absent', phase: 'ended', reason: `${why}; never had an account, so none is created` };
    }
    return { state: 'disabled', phase: 'ended', reason: why };
  }

  const leaving = endDay === null ? '' : `; leaves after ${endField} ${endDay}`;
  if (status === 'leave') {
    return policy.onLeave === 'disable'
      ? {
          state: 'disabled',
          phase: 'on_leave',
          reason: 'on leave; the policy disables accounts during leave',
        }
      : { state: 'active', phase: 'on_leave', reason: `on leave; the account stays active${leaving}` };
  }

  // Joiners follow the hire date, not Personio's onboarding→active flip, whose hour is unknown (a sync
  // at 04:00 Berlin has seen it a day late). A hire date moved later moves the account back to staged.
  if (createAt !== null && startAt !== null && hireDate !== null) {
    // An account already made for an earlier hire date (the start moved later) is staged, not absent:
    // otherwise its next change would be absent→pending, which needs no operation, and the enable at
    // the new start would never be scheduled.
    if (at < createAt && history?.hasAccount === true) {
      return {
        state: 'pending',
        phase: 'before_start',
        reason: `starts ${hireDate}; the existing account stays disabled until ${iso(startAt)} (${zoneNote})`,
      };
    }
    if (at < createAt) {
      return {
        state: 'absent',
        phase: 'before_start',
        reason: `starts ${hireDate}; the account is created ${policy.createDaysBeforeStart} days before, at ${iso(createAt)} (${zoneNote})`,
      };
    }
    if (at < startAt) {
      return {
        state: 'pending',
        phase: 'before_start',
        reason: `starts ${hireDate}; the account stays disabled until ${iso(startAt)} (${zoneNote})`,
      };
    }
  } else if (status === 'onboarding') {
    return {
      state: 'pending',
      phase: 'before_start',
      reason: 'onboarding with no visible hire date; the account stays disabled',
    };
  }

  const rehired =
    timeline.earlierEnd === null
      ? ''
      : ` (rehired; the end ${timeline.earlierEnd} was an earlier employment)`;
  const unknownStatus = status === 'unknown' ? ' (status not recognised; decided by dates)' : '';
  const started = hireDate === null ? 'employed' : `started ${hireDate}`;
  return { state: 'active', phase: 'employed', reason: `${started}${rehired}${unknownStatus}${leaving}` };
}

const RANK: Readonly<Record<LifecycleState, number>> = { absent: 0, disabled: 1, pending: 2, active: 3 };

function combinedStepAt(
  timelines: readonly Timeline[],
  at: number,
  policy: LifecyclePolicy,
  history: LifecycleHistory | undefined,
): LifecycleStep {
  let best: LifecycleStep | null = null;
  let bestId = '';
  for (const timeline of timelines) {
    const step = stepAt(timeline, at, policy, history);
    if (best === null || RANK[step.state] > RANK[best.state]) {
      best = step;
      bestId = timeline.person.sourceId;
    }
  }
  if (best === null) throw new RangeError('a lifecycle needs at least one person');
  return timelines.length === 1 ? best : { ...best, reason: `profile ${bestId}: ${best.reason}` };
}

function lifecycleOf(
  timelines: readonly Timeline[],
  now: Date,
  policy: LifecyclePolicy,
  history: LifecycleHistory | undefined,
): Lifecycle {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new RangeError('now is not a valid instant');
  const current = combinedStepAt(timelines, nowMs, policy, history);
  const instants = [
    ...new Set(
      timelines
        .flatMap((t) => [t.createAt, t.startAt, t.endAt])
        .filter((ms): ms is number => ms !== null && ms > nowMs),
    ),
  ].sort((a, b) => a - b);
  for (const at of instants) {
    const step = combinedStepAt(timelines, at, policy, history);
    if (step.state !== current.state) return { ...current, effectiveAt: iso(at), next: step };
  }
  return current;
}

/**
 * The state `person`'s account should be in at `now`, with the next change their data already fixes.
 * Pure: `now` is a parameter and nothing else varies. Defaults (each overridable in `policy`): created
 * 7 days before the hire date and disabled until 00:00 of the hire date in the person's time zone;
 * `leave` keeps the account active; disabled at the end of the last working day (else the termination
 * date) in the person's zone, or when the status is `inactive` if that comes first; no account for
 * people already gone on the first sync (`policy.isFirstSync`) or who never had one
 * (`history.hasAccount === false`). `contractEndDate` is ignored: it does not end employment.
 */
export function desiredLifecycle(
  person: SourcePerson,
  now: Date,
  policy: Partial<LifecyclePolicy> = {},
  history?: LifecycleHistory,
): Lifecycle {
  const resolved = resolvePolicy(policy);
  return lifecycleOf([timelineOf(person, resolved)], now, resolved, history);
}

/**
 * The lifecycle of one human who has several source profiles (Personio makes a new profile, with a new
 * id, for a rehire and for a move between legal entities): active while *any* profile is, so the old
 * employment ending never disables the account when the new one has started, even when they overlap
 * by a day. The reason names the profile that decided.
 */
export function combinedLifecycle(
  people: readonly SourcePerson[],
  now: Date,
  policy: Partial<LifecyclePolicy> = {},
  history?: LifecycleHistory,
): Lifecycle {
  if (people.length === 0) throw new RangeError('combinedLifecycle needs at least one person');
  const resolved = resolvePolicy(policy);
  const sorted = [...people].sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
  return lifecycleOf(
    sorted.map((person) => timelineOf(person, resolved)),
    now,
    resolved,
    history,
  );
}
