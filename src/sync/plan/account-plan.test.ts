// The planner: creates, minimal updates, enable/disable from the lifecycle, leaving scope, keys and hash.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account } from '../../connectors/index.ts';
import type { PlanOperation } from './account-plan.ts';
import { hashOperations, isSameAttributeValue, plan, planToJson } from './account-plan.ts';
import { correlate } from './correlation.ts';
import { applyPlan, WORK_EMAIL_PATH } from './testing/apply-plan.ts';
import { desiredFrom, planWorld } from './testing/desired-state.ts';
import { aPerson, anAccount } from './testing/fixtures.ts';

const NOW = new Date('2026-03-10T12:00:00Z');

const brief = (ops: readonly PlanOperation[]): string[][] =>
  ops.map((op) => [op.kind, op.cause, op.personId ?? '-', op.accountId ?? '-']);

/** The account as the test mapping would leave it for aPerson(id). */
function settled(id: string, sourceId: string, overrides: Partial<Account> = {}): Account {
  const email = `person${sourceId}@acme.test`;
  return anAccount(id, {
    email,
    userName: email,
    displayName: `First${sourceId} Last${sourceId}`,
    attributes: {
      userName: email,
      externalId: sourceId,
      displayName: `First${sourceId} Last${sourceId}`,
      title: 'Engineer',
      [WORK_EMAIL_PATH]: email,
    },
    ...overrides,
  });
}

void describe('creates', () => {
  void test('a person who should have an account and has none gets a create with every attribute set', () => {
    const { plan: result } = planWorld({ people: [aPerson('1')], accounts: [], now: NOW });
    assert.deepEqual(brief(result.operations), [['create', 'joiner', '1', '-']]);
    assert.deepEqual(
      result.operations[0]?.changes.map((c) => [c.path, c.before, c.after]),
      [
        ['active', null, true],
        ['displayName', null, 'First1 Last1'],
        [WORK_EMAIL_PATH, null, 'person1@acme.test'],
        ['externalId', null, '1'],
        ['title', null, 'Engineer'],
        ['userName', null, 'person1@acme.test'],
      ],
    );
  });

  void test('a joiner inside the 7 days is created disabled and the start is scheduled as an enable', () => {
    const joiner = aPerson('2', { status: 'onboarding', hireDate: '2026-03-16' });
    const { plan: result } = planWorld({ people: [joiner], accounts: [], now: NOW });
    assert.deepEqual(brief(result.operations), [['create', 'joiner', '2', '-']]);
    assert.equal(result.operations[0]?.changes.find((c) => c.path === 'active')?.after, false);
    assert.deepEqual(result.scheduled, [
      { personId: '2', kind: 'enable', at: '2026-03-15T23:00:00.000Z', reason: 'started 2026-03-16' },
    ]);
  });

  void test('a joiner further out gets no account yet, only a scheduled create', () => {
    const joiner = aPerson('3', { status: 'onboarding', hireDate: '2026-05-04' });
    const { plan: result } = planWorld({ people: [joiner], accounts: [], now: NOW });
    assert.deepEqual(result.operations, []);
    assert.deepEqual(
      result.scheduled.map((s) => [s.kind, s.at]),
      [['create', '2026-04-26T22:00:00.000Z']],
    );
  });

  void test('nobody gets an account created just to be disabled', () => {
    const gone = aPerson('4', { status: 'inactive' });
    const onLeave = aPerson('5', { status: 'leave' });
    const { plan: result } = planWorld({
      people: [gone, onLeave],
      accounts: [],
      now: NOW,
      policy: { onLeave: 'disable' },
    });
    assert.deepEqual(result.operations, []);
  });

  void test('a person the mapping gives no account (no work email) is withheld with the reason, not dropped', () => {
    const { plan: result } = planWorld({
      people: [aPerson('6', { workEmail: null })],
      accounts: [],
      now: NOW,
    });
    assert.deepEqual(result.operations, []);
    assert.deepEqual(
      result.withheld.map((w) => [w.kind, w.personId]),
      [['create', '6']],
    );
    assert.match(result.withheld[0]?.reason ?? '', /mapping gives no account/);
  });
});

void describe('updates', () => {
  void test('only attributes whose desired value differs are updated, with before and after', () => {
    const account = settled('a', '1', { attributes: { ...settled('a', '1').attributes, title: 'Intern' } });
    const { plan: result } = planWorld({
      people: [aPerson('1')],
      accounts: [account],
      now: NOW,
      managed: ['a'],
    });
    assert.deepEqual(brief(result.operations), [['update', 'mover', '1', 'a']]);
    assert.deepEqual(result.operations[0]?.changes, [{ path: 'title', before: 'Intern', after: 'Engineer' }]);
  });

  void test('an account that already matches gets no operation at all', () => {
    const { plan: result } = planWorld({
      people: [aPerson('1')],
      accounts: [settled('a', '1')],
      now: NOW,
      managed: ['a'],
    });
    assert.deepEqual(result.operations, []);
  });

  void test('userName and work email compare without case, lists as sets, and null, empty text and [] alike', () => {
    assert.equal(isSameAttributeValue('Jane@Acme.test', 'jane@acme.test', true), true);
    assert.equal(isSameAttributeValue('Jane', 'jane', false), false);
    assert.equal(isSameAttributeValue(['b', 'a'], ['a', 'b']), true);
    assert.equal(isSameAttributeValue(['a'], ['a', 'a']), false);
    assert.equal(isSameAttributeValue(null, ''), true);
    assert.equal(isSameAttributeValue(undefined, []), true);
    assert.equal(isSameAttributeValue(1, '1'), false);
    assert.equal(isSameAttributeValue(true, true), true);
    const shouting = settled('a', '1', {
      attributes: { ...settled('a', '1').attributes, userName: 'PERSON1@ACME.TEST' },
    });
    const { plan: result } = planWorld({
      people: [aPerson('1')],
      accounts: [shouting],
      now: NOW,
      managed: ['a'],
    });
    assert.deepEqual(result.operations, []);
  });

  void test('userName and displayName are compared with the account’s own fields when attributes lack them', () => {
    const bare = settled('a', '1');
    const { userName: _u, displayName: _d, ...rest } = bare.attributes;
    const { plan: result } = planWorld({
      people: [aPerson('1')],
      accounts: [{ ...bare, attributes: rest }],
      now: NOW,
      managed: ['a'],
    });
    assert.deepEqual(result.operations, []);
  });

  void test('a rehire’s account gets the newest profile id as externalId', () => {
    const old = aPerson('100', {
      status: 'inactive',
      hireDate: '2019-01-01',
      workEmail: 'person200_ab12c@acme.test',
    });
    const rehired = aPerson('200', { hireDate: '2026-03-01' });
    const account = settled('a', '200', {
      isActive: false,
      attributes: { ...settled('a', '200').attributes, externalId: '100' },
    });
    const { plan: result } = planWorld({
      people: [old, rehired],
      accounts: [account],
      links: [{ personKey: '100', accountId: 'a', sourceId: '100' }],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(brief(result.operations), [
      ['update', 'mover', '100', 'a'],
      ['enable', 'active', '100', 'a'],
    ]);
    assert.deepEqual(result.operations[0]?.changes, [{ path: 'externalId', before: '100', after: '200' }]);
    assert.match(
      result.operations[0]?.reason ?? '',
      /rehired: the account of profile 100 follows profile 200/,
    );
  });

  void test('an attribute the mapping leaves out (not visible in the source) is never blanked', () => {
    const account = settled('a', '1', {
      attributes: { ...settled('a', '1').attributes, costCenter: 'CC-7' },
    });
    const correlation = correlate(
      [aPerson('1')],
      [account],
      [{ personKey: '1', accountId: 'a', sourceId: '1' }],
    );
    const desired = desiredFrom(correlation, NOW, { mapping: (p) => ({ title: p.position ?? null }) });
    const result = plan({
      syncId: 's',
      sourceRead: 'complete',
      desired,
      correlation,
      accounts: [account],
      managedAccountIds: new Set(['a']),
    });
    assert.deepEqual(result.operations, []);
  });

  void test('a first sync adopts accounts found by email and shows the correlation in the plan', () => {
    const { plan: result } = planWorld({
      people: [aPerson('1')],
      accounts: [anAccount('a', { email: 'person1@acme.test' })],
      now: NOW,
    });
    assert.deepEqual(brief(result.operations), [['update', 'mover', '1', 'a']]);
    assert.match(result.operations[0]?.reason ?? '', /matched by email/);
    assert.deepEqual(result.matches, [{ personId: '1', sourceId: '1', accountId: 'a', reason: 'email' }]);
  });

  void test('manager cycles in the source are just attribute values to the planner', () => {
    const people = [
      aPerson('1', { supervisorId: '2' }),
      aPerson('2', { supervisorId: '1' }),
      aPerson('3', { supervisorId: '3' }),
    ];
    const correlation = correlate(people, [], []);
    const desired = desiredFrom(correlation, NOW, {
      mapping: (p) => ({ userName: p.workEmail ?? null, manager: p.supervisorId ?? null }),
    });
    const result = plan({
      syncId: 's',
      sourceRead: 'complete',
      desired,
      correlation,
      accounts: [],
      managedAccountIds: new Set(),
    });
    assert.deepEqual(
      result.operations.map((op) => op.changes.find((c) => c.path === 'manager')?.after),
      ['2', '1', '3'],
    );
  });
});

void describe('enable and disable', () => {
  void test('a leaver’s managed account is disabled with the reason from their dates', () => {
    const leaver = aPerson('1', { terminationDate: '2026-03-05' });
    const { plan: result } = planWorld({
      people: [leaver],
      accounts: [settled('a', '1')],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(brief(result.operations), [['disable', 'leaver', '1', 'a']]);
    assert.deepEqual(result.operations[0]?.changes, [{ path: 'active', before: true, after: false }]);
    assert.match(
      result.operations[0]?.reason ?? '',
      /termination date 2026-03-05 ended at 2026-03-05T23:00:00.000Z/,
    );
  });

  void test('a leaver’s account this sync never managed is left alone (already gone at the first sync)', () => {
    const gone = aPerson('1', { status: 'inactive' });
    const { plan: result } = planWorld({
      people: [gone],
      accounts: [settled('a', '1')],
      now: NOW,
      policy: { isFirstSync: true },
    });
    assert.deepEqual(result.operations, []);
  });

  void test('a future termination schedules the disable at the end of the last day', () => {
    const leaving = aPerson('1', { terminationDate: '2026-03-31' });
    const { plan: result } = planWorld({
      people: [leaving],
      accounts: [settled('a', '1')],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(result.operations, []);
    assert.deepEqual(
      result.scheduled.map((s) => [s.kind, s.at]),
      [['disable', '2026-03-31T22:00:00.000Z']],
    );
  });

  void test('a disabled managed account is enabled when its person is active again', () => {
    const back = aPerson('1');
    const { plan: result } = planWorld({
      people: [back],
      accounts: [settled('a', '1', { isActive: false })],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(brief(result.operations), [['enable', 'active', '1', 'a']]);
  });

  void test('an active account of a joiner whose start moved later is disabled until the start', () => {
    const moved = aPerson('1', { status: 'onboarding', hireDate: '2026-03-14' });
    const { plan: result } = planWorld({
      people: [moved],
      accounts: [settled('a', '1')],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(brief(result.operations), [['disable', 'before_start', '1', 'a']]);
    assert.deepEqual(
      result.scheduled.map((s) => s.kind),
      ['enable'],
    );
  });

  void test('a hire cancelled before the start leaves the staged account disabled and schedules nothing', () => {
    const cancelled = aPerson('1', { status: 'inactive', hireDate: '2026-03-16' });
    const { plan: result } = planWorld({
      people: [cancelled],
      accounts: [settled('a', '1', { isActive: false })],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(result.operations, []);
    assert.deepEqual(result.scheduled, []);
  });

  void test('a policy that disables during leave produces a disable caused by leave', () => {
    const { plan: result } = planWorld({
      people: [aPerson('1', { status: 'leave' })],
      accounts: [settled('a', '1')],
      managed: ['a'],
      now: NOW,
      policy: { onLeave: 'disable' },
    });
    assert.deepEqual(brief(result.operations), [['disable', 'on_leave', '1', 'a']]);
  });

  void test('an app with no notion of disabled gets neither enable nor disable', () => {
    const { plan: result } = planWorld({
      people: [aPerson('1', { status: 'inactive' })],
      accounts: [settled('a', '1', { isActive: null })],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(result.operations, []);
  });
});

void describe('leaving scope', () => {
  const departed = settled('a', '9');

  void test('a managed account whose person left the scope or was deleted in the source is disabled after a complete read, never deleted', () => {
    const { plan: result } = planWorld({
      people: [],
      accounts: [departed],
      links: [{ personKey: 'k9', accountId: 'a', sourceId: '9' }],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(brief(result.operations), [['disable', 'left_scope', 'k9', 'a']]);
  });

  void test('an account this sync does not manage is left alone', () => {
    const { plan: result } = planWorld({ people: [], accounts: [departed], now: NOW });
    assert.deepEqual(result.operations, []);
    assert.deepEqual(result.withheld, []);
  });

  void test('after a partial, failed or empty read nobody is disabled for leaving; it is shown as withheld', () => {
    for (const sourceRead of ['partial', 'failed', 'empty'] as const) {
      const { plan: result } = planWorld({
        people: [],
        accounts: [departed],
        managed: ['a'],
        now: NOW,
        sourceRead,
      });
      assert.deepEqual(result.operations, [], sourceRead);
      assert.deepEqual(
        result.withheld.map((w) => [w.kind, w.accountId]),
        [['disable', 'a']],
      );
      assert.match(result.withheld[0]?.reason ?? '', new RegExp(`source read was ${sourceRead}`));
    }
  });

  void test('an empty read of a company never means everyone left', () => {
    const accounts = Array.from({ length: 30 }, (_, i) => settled(`acc-${i}`, String(i)));
    const { plan: result } = planWorld({
      people: [],
      accounts,
      managed: accounts.map((a) => a.id),
      now: NOW,
      sourceRead: 'empty',
    });
    assert.deepEqual(result.operations, []);
    assert.equal(result.withheld.length, 30);
  });

  void test('a leaver’s own record still disables after a partial read, but not after a failed one', () => {
    const leaver = aPerson('1', { status: 'inactive' });
    const partial = planWorld({
      people: [leaver],
      accounts: [settled('a', '1')],
      managed: ['a'],
      now: NOW,
      sourceRead: 'partial',
    });
    assert.deepEqual(brief(partial.plan.operations), [['disable', 'leaver', '1', 'a']]);
    const failed = planWorld({
      people: [leaver],
      accounts: [settled('a', '1')],
      managed: ['a'],
      now: NOW,
      sourceRead: 'failed',
    });
    assert.deepEqual(failed.plan.operations, []);
    assert.deepEqual(
      failed.plan.withheld.map((w) => w.kind),
      ['disable'],
    );
  });

  void test('deleting instead of disabling is a policy choice', () => {
    const { plan: result } = planWorld({
      people: [],
      accounts: [departed],
      managed: ['a'],
      now: NOW,
      options: { leftScope: 'delete' },
    });
    assert.deepEqual(brief(result.operations), [['delete', 'left_scope', '-', 'a']]);
  });

  void test('an already disabled account is not disabled again; one that cannot be disabled is withheld', () => {
    const { plan: result } = planWorld({
      people: [],
      accounts: [settled('a', '8', { isActive: false }), settled('b', '9', { isActive: null })],
      managed: ['a', 'b'],
      now: NOW,
    });
    assert.deepEqual(result.operations, []);
    assert.deepEqual(
      result.withheld.map((w) => w.accountId),
      ['b'],
    );
  });
});

void describe('conflicts', () => {
  void test('people in a conflict get no create, update or enable, but their own termination still disables', () => {
    const twin = aPerson('2', { workEmail: 'person1@acme.test', hireDate: '2026-01-01' });
    const enabled = planWorld({
      people: [aPerson('1', { position: 'CTO' }), twin],
      accounts: [settled('a', '1', { isActive: false })],
      links: [{ personKey: '1', accountId: 'a', sourceId: '1' }],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(
      enabled.plan.conflicts.map((c) => c.kind),
      ['duplicatePersonEmail'],
    );
    assert.deepEqual(enabled.plan.operations, []);
    assert.deepEqual(
      enabled.plan.withheld.map((w) => [w.kind, w.personId]),
      [['enable', '1']],
    );

    const terminated = planWorld({
      people: [aPerson('1', { terminationDate: '2026-03-01' }), twin],
      accounts: [settled('a', '1')],
      links: [{ personKey: '1', accountId: 'a', sourceId: '1' }],
      managed: ['a'],
      now: NOW,
    });
    assert.deepEqual(brief(terminated.plan.operations), [['disable', 'leaver', '1', 'a']]);
  });
});

void describe('keys, hash and convergence', () => {
  const world = {
    people: [
      aPerson('1'),
      aPerson('2', { position: 'Lead' }),
      aPerson('3', { terminationDate: '2026-03-01' }),
    ],
    accounts: [settled('b', '2'), settled('c', '3'), settled('z', '99')],
    links: [
      { personKey: '2', accountId: 'b', sourceId: '2' },
      { personKey: '3', accountId: 'c', sourceId: '3' },
      { personKey: '99', accountId: 'z', sourceId: '99' },
    ],
    managed: ['b', 'c', 'z'],
    now: NOW,
  };

  void test('the same inputs give the same operations, keys and hash', () => {
    const first = planWorld(world).plan;
    const second = planWorld({
      ...world,
      people: [...world.people].reverse(),
      accounts: [...world.accounts].reverse(),
    }).plan;
    assert.deepEqual(second.operations, first.operations);
    assert.equal(second.hash, first.hash);
    assert.equal(first.hash, hashOperations(first.operations));
    assert.match(first.hash, /^[0-9a-f]{64}$/);
  });

  void test('idempotency keys differ by sync and by target state, not by run', () => {
    const first = planWorld(world).plan;
    const keys = first.operations.map((op) => op.idempotencyKey);
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual(
      planWorld(world).plan.operations.map((op) => op.idempotencyKey),
      keys,
    );
    const otherSync = planWorld({ ...world, syncId: 'sync-2' }).plan;
    assert.notDeepEqual(
      otherSync.operations.map((op) => op.idempotencyKey),
      keys,
    );
    const otherTitle = planWorld({
      ...world,
      people: [aPerson('1'), aPerson('2', { position: 'Head' }), world.people[2]!],
    }).plan;
    const update = (ops: readonly PlanOperation[]): string | undefined =>
      ops.find((op) => op.kind === 'update')?.idempotencyKey;
    assert.notEqual(update(otherTitle.operations), update(first.operations));
    assert.notEqual(otherTitle.hash, first.hash);
  });

  void test('applying the plan and planning again gives an empty plan', () => {
    const { plan: first, correlation, desired } = planWorld(world);
    assert.deepEqual(brief(first.operations), [
      ['create', 'joiner', '1', '-'],
      ['update', 'mover', '2', 'b'],
      ['disable', 'leaver', '3', 'c'],
      ['disable', 'left_scope', '99', 'z'],
    ]);
    const after = applyPlan(
      first,
      { accounts: world.accounts, links: world.links, managedAccountIds: new Set(world.managed) },
      { correlation, desired },
    );
    const second = planWorld({
      ...world,
      accounts: after.accounts,
      links: after.links,
      managed: after.managedAccountIds,
    }).plan;
    assert.deepEqual(second.operations, []);
  });

  void test('the JSON for sync plan --json carries hash, held, operations and scheduled work', () => {
    const { plan: first } = planWorld(world);
    const json = planToJson(first, true);
    assert.equal(json['hash'], first.hash);
    assert.equal(json['held'], true);
    const [op] = first.operations;
    assert.ok(op);
    assert.deepEqual(Object.keys(op).sort(), [
      'accountId',
      'cause',
      'changes',
      'idempotencyKey',
      'kind',
      'personId',
      'reason',
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });
});

void describe('misuse', () => {
  void test('desired state that was not correlated, or a match without desired state, is refused', () => {
    const correlation = correlate([aPerson('1')], [anAccount('a', { email: 'person1@acme.test' })], []);
    const desired = desiredFrom(correlation, NOW);
    const base = {
      syncId: 's',
      sourceRead: 'complete' as const,
      correlation,
      accounts: [anAccount('a', { email: 'person1@acme.test' })],
      managedAccountIds: new Set<string>(),
    };
    assert.throws(() => plan({ ...base, desired: new Map() }), /no desired state/);
    const stray = new Map(desired);
    stray.set('x', { ...desired.get('1')!, person: aPerson('x') });
    assert.throws(() => plan({ ...base, desired: stray }), /not correlated/);
    assert.throws(() => plan({ ...base, desired, accounts: [] }), /not among the accounts/);
    assert.throws(() => plan({ ...base, desired, sourceRead: 'fine' as never }), RangeError);
  });
});
