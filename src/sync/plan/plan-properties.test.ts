// Properties over random worlds: plans converge, hashes ignore input order, guards hold mass changes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Account, SourcePerson } from '../../connectors/index.ts';
import type { DesiredPerson, Plan } from './account-plan.ts';
import {
  ACTIVE_PATH,
  LEFT_SCOPE_ACTIONS,
  SOURCE_READS,
  currentAttributeValue,
  isSameAttributeValue,
  plan,
} from './account-plan.ts';
import type { AccountLink } from './correlation.ts';
import { correlate } from './correlation.ts';
import { LIFECYCLE_STATES } from './lifecycle.ts';
import { guard, guardThreshold } from './plan-guard.ts';
import { applyPlan } from './testing/apply-plan.ts';
import type { World } from './testing/desired-state.ts';
import { desiredFrom, planWorld } from './testing/desired-state.ts';
import { aPerson, anAccount } from './testing/fixtures.ts';

const SOURCE_IDS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];
const ACCOUNT_IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
// A small pool so that collisions happen: case and space variants, a Personio-rewritten address.
const EMAILS = [
  'ana@acme.test',
  ' Ana@Acme.test',
  'ana_k3j9q@acme.test',
  'ben@acme.test',
  'cy@acme.test',
  'dee@acme.test',
  'eve@acme.test',
  null,
];
const DATES = [
  '2019-05-01',
  '2025-12-31',
  '2026-03-01',
  '2026-03-09',
  '2026-03-10',
  '2026-03-11',
  '2026-03-16',
  '2026-03-31',
  '2026-04-01',
  '2026-05-01',
  null,
];
const ZONES = [
  'Europe/Berlin',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
];
const INSTANTS = [
  '2026-03-10T12:00:00Z',
  '2026-03-31T21:30:00Z',
  '2026-03-31T23:30:00Z',
  '2026-10-25T01:30:00Z',
];

const person: fc.Arbitrary<SourcePerson> = fc
  .record({
    sourceId: fc.constantFrom(...SOURCE_IDS),
    workEmail: fc.constantFrom(...EMAILS),
    status: fc.constantFrom('onboarding', 'active', 'leave', 'inactive', 'unknown', undefined),
    hireDate: fc.constantFrom(...DATES),
    terminationDate: fc.constantFrom(...DATES),
    lastWorkingDay: fc.constantFrom(...DATES),
    legalEntity: fc.constantFrom({ id: '1' }, { id: '2' }),
    position: fc.constantFrom('Engineer', 'Lead', null),
    timeZone: fc.constantFrom(...ZONES),
  })
  .map((fields) => aPerson(fields.sourceId, fields));

const account: fc.Arbitrary<Account> = fc
  .record({
    id: fc.constantFrom(...ACCOUNT_IDS),
    email: fc.constantFrom(...EMAILS),
    isUserNameEmail: fc.boolean(),
    isActive: fc.constantFrom(true, false, null),
    externalId: fc.constantFrom(...SOURCE_IDS, undefined),
    title: fc.constantFrom('Engineer', 'Lead', undefined),
  })
  .map((f) =>
    anAccount(f.id, {
      email: f.email,
      userName: f.isUserNameEmail ? f.email : `user-${f.id}`,
      isActive: f.isActive,
      attributes: {
        ...(f.externalId === undefined ? {} : { externalId: f.externalId }),
        ...(f.title === undefined ? {} : { title: f.title }),
      },
    }),
  );

const link: fc.Arbitrary<AccountLink> = fc.record({
  personKey: fc.constantFrom(...SOURCE_IDS, 'k-old'),
  accountId: fc.constantFrom(...ACCOUNT_IDS, 'gone'),
  sourceId: fc.constantFrom(...SOURCE_IDS),
});

const world: fc.Arbitrary<World> = fc.record({
  people: fc.uniqueArray(person, { selector: (p) => p.sourceId, maxLength: 8 }),
  accounts: fc.uniqueArray(account, { selector: (a) => a.id, maxLength: 7 }),
  links: fc.array(link, { maxLength: 5 }),
  managed: fc.subarray(ACCOUNT_IDS),
  now: fc.constantFrom(...INSTANTS).map((iso) => new Date(iso)),
  sourceRead: fc.constantFrom(...SOURCE_READS),
  policy: fc.record({
    isFirstSync: fc.boolean(),
    onLeave: fc.constantFrom('keep_active' as const, 'disable' as const),
  }),
  options: fc.record({ leftScope: fc.constantFrom(...LEFT_SCOPE_ACTIONS) }),
});

function applyAndReplan(w: World): {
  first: ReturnType<typeof planWorld>;
  after: ReturnType<typeof applyPlan>;
  second: ReturnType<typeof planWorld>;
} {
  const first = planWorld(w);
  const after = applyPlan(
    first.plan,
    { accounts: w.accounts, links: w.links ?? [], managedAccountIds: new Set(w.managed ?? []) },
    { correlation: first.correlation, desired: first.desired },
  );
  const second = planWorld({
    ...w,
    accounts: after.accounts,
    links: after.links,
    managed: after.managedAccountIds,
  });
  return { first, after, second };
}

function isWanted(entry: DesiredPerson): boolean {
  return entry.lifecycle.state === 'pending' || entry.lifecycle.state === 'active';
}

void describe('planner properties', () => {
  void test('applying plan(desired, actual) to actual and planning again gives no operations', () => {
    fc.assert(
      fc.property(world, (w) => {
        const { second } = applyAndReplan(w);
        assert.deepEqual(second.plan.operations, []);
      }),
      { numRuns: 400 },
    );
  });

  void test('after applying, every person who should have an account has it, as desired, in the desired state', () => {
    fc.assert(
      fc.property(world, (w) => {
        const { first, after, second } = applyAndReplan({ ...w, sourceRead: 'complete' });
        const byId = new Map(after.accounts.map((a) => [a.id, a]));
        const conflicted = new Set(
          first.correlation.conflicts.flatMap((c) =>
            c.people.map((id) => first.correlation.personKeys.get(id) ?? id),
          ),
        );
        const matchOf = new Map(second.correlation.matches.map((m) => [m.personKey, m.account.id]));
        for (const [key, entry] of first.desired) {
          if (conflicted.has(key) || !isWanted(entry) || entry.desiredAccount === null) continue;
          const accountId = matchOf.get(key);
          assert.ok(accountId !== undefined, `person ${key} has an account`);
          const target = byId.get(accountId);
          assert.ok(target);
          for (const [path, value] of Object.entries(entry.desiredAccount)) {
            if (path === ACTIVE_PATH) continue;
            assert.ok(
              isSameAttributeValue(
                currentAttributeValue(target, path),
                value,
                path === 'userName' || path.startsWith('emails'),
              ),
              `${key} ${path}`,
            );
          }
          if (target.isActive !== null)
            assert.equal(target.isActive, entry.lifecycle.state === 'active', `${key} active`);
        }
        // Managed accounts of people who should have none, or who left the scope, are not active.
        for (const match of first.correlation.matches) {
          const entry = first.desired.get(match.personKey);
          if (!entry || isWanted(entry) || !new Set(w.managed).has(match.account.id)) continue;
          assert.notEqual(byId.get(match.account.id)?.isActive, true, `${match.personKey} not active`);
        }
        for (const left of first.correlation.unmatchedAccounts) {
          if (!new Set(w.managed).has(left.id)) continue;
          assert.notEqual(byId.get(left.id)?.isActive, true, `${left.id} left scope`);
        }
      }),
      { numRuns: 300 },
    );
  });

  void test('accounts the sync does not manage are never disabled or deleted for leaving scope', () => {
    fc.assert(
      fc.property(world, (w) => {
        const { plan: result, correlation } = planWorld(w);
        const managed = new Set(w.managed);
        const unmatched = new Set(correlation.unmatchedAccounts.map((a) => a.id));
        for (const op of result.operations) {
          if (op.accountId !== null && unmatched.has(op.accountId)) assert.ok(managed.has(op.accountId));
          if (op.cause === 'left_scope') assert.equal(w.sourceRead, 'complete');
        }
      }),
      { numRuns: 300 },
    );
  });

  void test('the plan hash does not depend on the order of people, accounts, links or desired entries', () => {
    fc.assert(
      fc.property(world, fc.func(fc.integer()), (w, order) => {
        const baseline = planWorld(w).plan;
        const shuffle = <T>(items: readonly T[]): T[] =>
          items
            .map((item, i) => ({ item, rank: order(i) }))
            .sort((a, b) => a.rank - b.rank)
            .map((x) => x.item);
        const links = shuffle(w.links ?? []);
        const correlation = correlate(shuffle(w.people), shuffle(w.accounts), links);
        const built = desiredFrom(correlation, w.now, { links, ...(w.policy ? { policy: w.policy } : {}) });
        const desired = new Map(shuffle([...built]));
        const replanned = plan({
          syncId: 'sync-1',
          sourceRead: w.sourceRead ?? 'complete',
          desired,
          correlation,
          accounts: shuffle(w.accounts),
          managedAccountIds: new Set(shuffle([...(w.managed ?? [])])),
          ...(w.options ? { options: w.options } : {}),
        });
        assert.equal(replanned.hash, baseline.hash);
        assert.deepEqual(replanned.operations, baseline.operations);
      }),
      { numRuns: 200 },
    );
  });

  void test('every lifecycle state the planner sees is one it knows', () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const entry of planWorld(w).desired.values())
          assert.ok(LIFECYCLE_STATES.includes(entry.lifecycle.state));
      }),
      { numRuns: 100 },
    );
  });
});

/** A sync with `size` managed accounts of which `leavers` left the scope and `renamed` changed address. */
function massPlan(size: number, leavers: number, renamed: number): Plan {
  const accounts: Account[] = [];
  const people: SourcePerson[] = [];
  for (let i = 0; i < size; i++) {
    const id = String(i + 1);
    accounts.push(anAccount(`acc-${id}`, { email: `p${id}@acme.test`, attributes: { externalId: id } }));
    if (i < leavers) continue;
    people.push(
      aPerson(id, { workEmail: i < leavers + renamed ? `p${id}@acme.example` : `p${id}@acme.test` }),
    );
  }
  return planWorld({
    people,
    accounts,
    links: accounts.map((a, i) => ({ personKey: String(i + 1), accountId: a.id, sourceId: String(i + 1) })),
    managed: accounts.map((a) => a.id),
    // Names and titles differ from the bare accounts, so every remaining person gets an update; only
    // the userName changes count as re-identification.
    now: new Date('2026-03-10T12:00:00Z'),
  }).plan;
}

void describe('guard properties', () => {
  void test('a plan with more disables or identity changes than the threshold passes only approved by its own hash', () => {
    const scenario = fc.integer({ min: 0, max: 60 }).chain((size) =>
      fc.record({
        size: fc.constant(size),
        leavers: fc.integer({ min: 0, max: size }),
        renamedShare: fc.double({ min: 0, max: 1, noNaN: true }),
        managedCount: fc.integer({ min: 0, max: 400 }),
        approval: fc.constantFrom('none', 'own', 'other'),
        sourceRead: fc.constantFrom(...SOURCE_READS),
      }),
    );
    fc.assert(
      fc.property(scenario, (s) => {
        const renamed = Math.floor((s.size - s.leavers) * s.renamedShare);
        const subject = massPlan(s.size, s.leavers, renamed);
        const approvedHash =
          s.approval === 'own' ? subject.hash : s.approval === 'other' ? 'f'.repeat(64) : undefined;
        const verdict = guard(subject, {
          managedCount: s.managedCount,
          sourceRead: s.sourceRead,
          ...(approvedHash === undefined ? {} : { approvedHash }),
        });
        const removals = subject.operations.filter(
          (op) => op.kind === 'disable' || op.kind === 'delete',
        ).length;
        const renames = subject.operations.filter(
          (op) => op.changes.some((c) => c.path === 'userName') && op.kind === 'update',
        ).length;
        const threshold = guardThreshold(s.managedCount);
        assert.equal(verdict.threshold, threshold);
        if (!verdict.held) {
          assert.ok(
            (removals <= threshold && renames <= threshold) || approvedHash === subject.hash,
            `${removals} removals / ${renames} renames passed a threshold of ${threshold}`,
          );
          if (s.sourceRead !== 'complete') assert.equal(removals, 0);
        }
        if (removals > threshold && approvedHash !== subject.hash) assert.equal(verdict.held, true);
      }),
      { numRuns: 150 },
    );
  });
});
