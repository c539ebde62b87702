// Guards: the mass-change threshold, approval by hash, and what each source read status allows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account } from '../../connectors/index.ts';
import type { Plan } from './account-plan.ts';
import { guard, guardThreshold } from './plan-guard.ts';
import { planWorld } from './testing/desired-state.ts';
import { aPerson, anAccount } from './testing/fixtures.ts';

const NOW = new Date('2026-03-10T12:00:00Z');

/** A plan that disables `leavers` of `managed` managed accounts whose people left the scope. */
function leftScopePlan(managed: number, leavers: number, sourceRead: Plan['sourceRead'] = 'complete'): Plan {
  const accounts: Account[] = [];
  const people = [];
  for (let i = 0; i < managed; i++) {
    const id = String(i + 1);
    accounts.push(
      anAccount(`acc-${id}`, {
        email: `person${id}@acme.test`,
        attributes: {
          userName: `person${id}@acme.test`,
          externalId: id,
          displayName: `First${id} Last${id}`,
          title: 'Engineer',
          'emails[type eq "work"].value': `person${id}@acme.test`,
        },
      }),
    );
    if (i >= leavers) people.push(aPerson(id));
  }
  return planWorld({
    people,
    accounts,
    links: accounts.map((a, i) => ({ personKey: String(i + 1), accountId: a.id, sourceId: String(i + 1) })),
    managed: accounts.map((a) => a.id),
    now: NOW,
    sourceRead,
  }).plan;
}

/** A plan that changes the userName of `count` managed accounts (a domain rename). */
function renamePlan(count: number): Plan {
  const people = [];
  const accounts: Account[] = [];
  for (let i = 0; i < count; i++) {
    const id = String(i + 1);
    people.push(aPerson(id, { workEmail: `person${id}@acme.example` }));
    accounts.push(anAccount(`acc-${id}`, { email: `person${id}@acme.test` }));
  }
  return planWorld({
    people,
    accounts,
    links: accounts.map((a, i) => ({ personKey: String(i + 1), accountId: a.id, sourceId: String(i + 1) })),
    managed: accounts.map((a) => a.id),
    now: NOW,
  }).plan;
}

void describe('the threshold', () => {
  void test('is max(5, min(25, 10 % of the managed accounts)), rounded down', () => {
    const table: [number, number][] = [
      [0, 5],
      [10, 5],
      [57, 5],
      [60, 6],
      [69, 6],
      [100, 10],
      [250, 25],
      [10_000, 25],
      [-3, 5],
      [Number.NaN, 5],
    ];
    for (const [managed, threshold] of table) assert.equal(guardThreshold(managed), threshold, `${managed}`);
  });
});

void describe('mass changes', () => {
  void test('a plan disabling exactly the threshold passes; one more is held whole', () => {
    const atLimit = leftScopePlan(100, 10);
    assert.deepEqual(guard(atLimit, { managedCount: 100, sourceRead: 'complete' }), {
      held: false,
      reasons: [],
      threshold: 10,
      isApprovable: true,
    });
    const over = leftScopePlan(100, 11);
    const verdict = guard(over, { managedCount: 100, sourceRead: 'complete' });
    assert.equal(verdict.held, true);
    assert.equal(verdict.isApprovable, true);
    assert.match(
      verdict.reasons[0] ?? '',
      /11 accounts would be disabled or deleted, more than the threshold of 10/,
    );
    assert.match(verdict.reasons[0] ?? '', new RegExp(`approve plan ${over.hash}`));
  });

  void test('small syncs may always lose up to 5 accounts without approval', () => {
    assert.equal(guard(leftScopePlan(6, 5), { managedCount: 6, sourceRead: 'complete' }).held, false);
    assert.equal(guard(leftScopePlan(6, 6), { managedCount: 6, sourceRead: 'complete' }).held, true);
  });

  void test('an approval releases the plan whose hash it names, and only that plan', () => {
    const over = leftScopePlan(100, 11);
    assert.equal(
      guard(over, { managedCount: 100, sourceRead: 'complete', approvedHash: over.hash }).held,
      false,
    );
    const replanned = leftScopePlan(100, 12);
    const stale = guard(replanned, { managedCount: 100, sourceRead: 'complete', approvedHash: over.hash });
    assert.equal(stale.held, true);
    assert.match(stale.reasons[0] ?? '', /the approval was for plan/);
  });

  void test('changing the userName or externalId of more accounts than the threshold is held', () => {
    const renames = renamePlan(6);
    assert.equal(renames.operations.length, 6);
    const verdict = guard(renames, { managedCount: 6, sourceRead: 'complete' });
    assert.equal(verdict.held, true);
    assert.match(verdict.reasons[0] ?? '', /6 accounts would change userName or externalId/);
    assert.equal(guard(renamePlan(5), { managedCount: 5, sourceRead: 'complete' }).held, false);
  });

  void test('a plan altered after planning no longer matches its hash and cannot be approved', () => {
    const honest = leftScopePlan(100, 3);
    const altered: Plan = { ...honest, operations: honest.operations.slice(1) };
    const verdict = guard(altered, { managedCount: 100, sourceRead: 'complete', approvedHash: honest.hash });
    assert.equal(verdict.held, true);
    assert.equal(verdict.isApprovable, false);
  });
});

void describe('the source read', () => {
  void test('disables after a failed or empty read are held and no approval releases them', () => {
    // A plan made as if the read were complete, then checked with the truth about the read.
    const plan = leftScopePlan(20, 2);
    for (const sourceRead of ['failed', 'empty'] as const) {
      const verdict = guard(plan, { managedCount: 20, sourceRead, approvedHash: plan.hash });
      assert.equal(verdict.held, true, sourceRead);
      assert.equal(verdict.isApprovable, false);
      assert.match(verdict.reasons[0] ?? '', new RegExp(`a ${sourceRead} source read never justifies`));
    }
  });

  void test('after a partial read, disables for leaving scope are held but a leaver’s own record is not', () => {
    const leftScope = leftScopePlan(20, 2);
    const verdict = guard(leftScope, { managedCount: 20, sourceRead: 'partial' });
    assert.equal(verdict.held, true);
    assert.equal(verdict.isApprovable, false);
    const leaver = planWorld({
      people: [aPerson('1', { status: 'inactive' })],
      accounts: [anAccount('a', { email: 'person1@acme.test' })],
      managed: ['a'],
      now: NOW,
      sourceRead: 'partial',
    }).plan;
    assert.deepEqual(
      leaver.operations.map((op) => [op.kind, op.cause]),
      [['disable', 'leaver']],
    );
    assert.equal(guard(leaver, { managedCount: 1, sourceRead: 'partial' }).held, false);
  });

  void test('the plan’s own read status counts even if the caller claims a complete read', () => {
    const partial = leftScopePlan(20, 0, 'partial');
    const forged: Plan = { ...leftScopePlan(20, 2), sourceRead: 'partial' };
    assert.equal(guard(partial, { managedCount: 20, sourceRead: 'complete' }).held, false);
    assert.equal(guard(forged, { managedCount: 20, sourceRead: 'complete' }).held, true);
  });

  void test('a failed read with nothing to disable is not held by the guard', () => {
    const plan = leftScopePlan(20, 2, 'failed');
    assert.deepEqual(plan.operations, []);
    assert.equal(guard(plan, { managedCount: 20, sourceRead: 'failed' }).held, false);
  });
});
