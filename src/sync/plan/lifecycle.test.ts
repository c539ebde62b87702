// Effective-dated lifecycle: joiners, leave, leavers in their own time zone, first sync, rehires and moves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { combinedLifecycle, desiredLifecycle } from './lifecycle.ts';
import { aPerson } from './testing/fixtures.ts';

const at = (iso: string): Date => new Date(iso);

void describe('joiners', () => {
  // Hire date 1 April 2026 in Berlin: created 25 March 00:00 CET (23:00Z on the 24th), active from
  // 1 April 00:00 CEST (22:00Z on 31 March) — the DST change on 29 March lies in between.
  const joiner = aPerson('10', { status: 'onboarding', hireDate: '2026-04-01' });

  void test('a joiner more than 7 days before the start has no account yet, and the creation is scheduled', () => {
    const lifecycle = desiredLifecycle(joiner, at('2026-03-01T12:00:00Z'));
    assert.equal(lifecycle.state, 'absent');
    assert.equal(lifecycle.phase, 'before_start');
    assert.equal(lifecycle.effectiveAt, '2026-03-24T23:00:00.000Z');
    assert.equal(lifecycle.next?.state, 'pending');
  });

  void test('from 7 days before the start the account exists, disabled until local midnight of the hire date', () => {
    const lifecycle = desiredLifecycle(joiner, at('2026-03-24T23:00:00Z'));
    assert.equal(lifecycle.state, 'pending');
    assert.equal(lifecycle.effectiveAt, '2026-03-31T22:00:00.000Z');
    assert.equal(lifecycle.next?.state, 'active');
    assert.match(lifecycle.reason, /until 2026-03-31T22:00:00.000Z \(Europe\/Berlin\)/);
  });

  void test('the account becomes active at 00:00 of the hire date in the person’s zone, not a millisecond earlier', () => {
    assert.equal(desiredLifecycle(joiner, at('2026-03-31T21:59:59.999Z')).state, 'pending');
    const started = desiredLifecycle(joiner, at('2026-03-31T22:00:00.000Z'));
    assert.equal(started.state, 'active');
    assert.equal(started.effectiveAt, undefined);
    assert.equal(started.next, undefined);
  });

  void test('the start follows the hire date, not Personio’s onboarding→active flip', () => {
    // Personio's flip hour is unknown (seen a day late); an "active" status with a future hire date is
    // a hire date moved later without the status being recomputed.
    const early = aPerson('11', { status: 'active', hireDate: '2026-04-01' });
    assert.equal(desiredLifecycle(early, at('2026-03-30T12:00:00Z')).state, 'pending');
    const late = aPerson('12', { status: 'onboarding', hireDate: '2026-04-01' });
    assert.equal(desiredLifecycle(late, at('2026-04-01T08:00:00Z')).state, 'active');
  });

  void test('the days before the start are configurable, including 0', () => {
    const fourteen = desiredLifecycle(joiner, at('2026-03-01T12:00:00Z'), { createDaysBeforeStart: 14 });
    assert.equal(fourteen.effectiveAt, '2026-03-17T23:00:00.000Z');
    const none = desiredLifecycle(joiner, at('2026-03-01T12:00:00Z'), { createDaysBeforeStart: 0 });
    assert.equal(none.state, 'absent');
    assert.equal(none.effectiveAt, '2026-03-31T22:00:00.000Z');
    assert.equal(none.next?.state, 'active');
  });

  void test('a start date moved later reschedules the creation and stages an existing account again', () => {
    const moved = aPerson('13', { status: 'onboarding', hireDate: '2026-05-01' });
    const lifecycle = desiredLifecycle(moved, at('2026-03-11T09:00:00Z'));
    assert.equal(lifecycle.state, 'absent');
    assert.equal(lifecycle.effectiveAt, '2026-04-23T22:00:00.000Z');
  });

  void test('a joiner in Los Angeles starts at 00:00 Pacific time', () => {
    const la = aPerson('14', {
      status: 'onboarding',
      hireDate: '2026-04-01',
      timeZone: 'America/Los_Angeles',
    });
    assert.equal(desiredLifecycle(la, at('2026-03-31T12:00:00Z')).effectiveAt, '2026-04-01T07:00:00.000Z');
  });

  void test('onboarding with no visible hire date stays staged and schedules nothing', () => {
    const unknown = aPerson('15', { status: 'onboarding', hireDate: undefined });
    const lifecycle = desiredLifecycle(unknown, at('2026-03-01T00:00:00Z'));
    assert.equal(lifecycle.state, 'pending');
    assert.equal(lifecycle.effectiveAt, undefined);
  });

  void test('a v1 date-time at midnight Berlin counts as its calendar date', () => {
    const v1 = aPerson('16', { status: 'onboarding', hireDate: '2026-04-01T00:00:00+02:00' });
    assert.deepEqual(
      desiredLifecycle(v1, at('2026-03-26T00:00:00Z')),
      desiredLifecycle(joiner, at('2026-03-26T00:00:00Z')),
    );
  });
});

void describe('leave and unknown status', () => {
  void test('status leave keeps the account active by default', () => {
    const lifecycle = desiredLifecycle(aPerson('20', { status: 'leave' }), at('2026-03-01T00:00:00Z'));
    assert.equal(lifecycle.state, 'active');
    assert.equal(lifecycle.phase, 'on_leave');
  });

  void test('a policy can disable accounts during leave', () => {
    const lifecycle = desiredLifecycle(aPerson('21', { status: 'leave' }), at('2026-03-01T00:00:00Z'), {
      onLeave: 'disable',
    });
    assert.equal(lifecycle.state, 'disabled');
    assert.equal(lifecycle.phase, 'on_leave');
  });

  void test('a status the code does not know, or cannot see, is decided by the dates', () => {
    const unknown = desiredLifecycle(aPerson('22', { status: 'unknown' }), at('2026-03-01T00:00:00Z'));
    assert.equal(unknown.state, 'active');
    assert.match(unknown.reason, /status not recognised/);
    const hidden = desiredLifecycle(
      aPerson('23', { status: undefined, terminationDate: '2026-01-31' }),
      at('2026-03-01T00:00:00Z'),
    );
    assert.equal(hidden.state, 'disabled');
  });
});

void describe('leavers', () => {
  void test('a leaver is disabled at the end of the last working day in their zone, not the termination date', () => {
    const leaver = aPerson('30', { lastWorkingDay: '2026-06-30', terminationDate: '2026-07-31' });
    const before = desiredLifecycle(leaver, at('2026-06-15T00:00:00Z'));
    assert.equal(before.state, 'active');
    assert.equal(before.effectiveAt, '2026-06-30T22:00:00.000Z');
    assert.equal(before.next?.state, 'disabled');
    assert.equal(before.next?.phase, 'ended');
    assert.equal(desiredLifecycle(leaver, at('2026-06-30T22:00:00Z')).state, 'disabled');
  });

  void test('without a last working day, the termination date ends the access', () => {
    const leaver = aPerson('31', { terminationDate: '2026-07-31' });
    assert.equal(
      desiredLifecycle(leaver, at('2026-07-15T00:00:00Z')).effectiveAt,
      '2026-07-31T22:00:00.000Z',
    );
  });

  void test('east of UTC the local end comes before Personio’s 00:00 UTC flip to inactive', () => {
    // Berlin: the 31st ends at 22:00Z; Personio flips at 00:00Z on 1 April.
    const berlin = aPerson('32', { terminationDate: '2026-03-31' });
    assert.equal(desiredLifecycle(berlin, at('2026-03-31T21:59:59Z')).state, 'active');
    assert.equal(desiredLifecycle(berlin, at('2026-03-31T22:00:00Z')).state, 'disabled');
    const kiritimati = aPerson('33', { terminationDate: '2026-03-31', timeZone: 'Pacific/Kiritimati' });
    assert.equal(
      desiredLifecycle(kiritimati, at('2026-03-30T12:00:00Z')).effectiveAt,
      '2026-03-31T10:00:00.000Z',
    );
  });

  void test('west of UTC the status flip at 00:00 UTC the day after termination disables before the local day ends', () => {
    // Los Angeles: the 31st ends at 07:00Z on 1 April, but Personio says inactive from 00:00Z.
    const stillActive = aPerson('34', { terminationDate: '2026-03-31', timeZone: 'America/Los_Angeles' });
    const beforeFlip = desiredLifecycle(stillActive, at('2026-04-01T00:30:00Z'));
    assert.equal(beforeFlip.state, 'active');
    assert.equal(beforeFlip.effectiveAt, '2026-04-01T07:00:00.000Z');
    const flipped = desiredLifecycle({ ...stillActive, status: 'inactive' }, at('2026-04-01T00:30:00Z'));
    assert.equal(flipped.state, 'disabled');
    assert.equal(flipped.reason, 'status is inactive');
  });

  void test('status inactive set by hand disables at once, whatever the dates say', () => {
    const garden = aPerson('35', { status: 'inactive', terminationDate: '2026-09-30' });
    const lifecycle = desiredLifecycle(garden, at('2026-03-01T00:00:00Z'));
    assert.equal(lifecycle.state, 'disabled');
    assert.equal(lifecycle.effectiveAt, undefined);
  });

  void test('a backdated termination disables immediately even while the status still says active', () => {
    const backdated = aPerson('36', { terminationDate: '2026-02-15' });
    assert.equal(desiredLifecycle(backdated, at('2026-03-01T00:00:00Z')).state, 'disabled');
  });

  void test('a contract end date is not a termination and ends nothing', () => {
    const contractor = aPerson('37', { contractEndDate: '2026-01-31', employmentType: 'external' });
    const lifecycle = desiredLifecycle(contractor, at('2026-03-01T00:00:00Z'));
    assert.equal(lifecycle.state, 'active');
    assert.equal(lifecycle.effectiveAt, undefined);
  });

  void test('a withdrawn termination makes the person active again', () => {
    const withdrawn = aPerson('38', { terminationDate: null, lastWorkingDay: null });
    assert.equal(desiredLifecycle(withdrawn, at('2026-03-01T00:00:00Z')).state, 'active');
  });

  void test('people already inactive at the first sync get no account', () => {
    const gone = aPerson('39', { status: 'inactive', terminationDate: '2025-12-31' });
    const first = desiredLifecycle(gone, at('2026-03-01T00:00:00Z'), { isFirstSync: true });
    assert.equal(first.state, 'absent');
    assert.equal(first.phase, 'ended');
    const endedByDate = aPerson('40', { terminationDate: '2025-12-31' });
    assert.equal(
      desiredLifecycle(endedByDate, at('2026-03-01T00:00:00Z'), { isFirstSync: true }).state,
      'absent',
    );
  });

  void test('someone gone who never had an account gets none; someone who had one has it disabled', () => {
    const gone = aPerson('41', { status: 'inactive' });
    assert.equal(
      desiredLifecycle(gone, at('2026-03-01T00:00:00Z'), {}, { hasAccount: false }).state,
      'absent',
    );
    assert.equal(
      desiredLifecycle(gone, at('2026-03-01T00:00:00Z'), {}, { hasAccount: true }).state,
      'disabled',
    );
  });
});

void describe('rehires and several profiles', () => {
  void test('a termination before the new hire date belongs to the earlier employment and is ignored', () => {
    const rehired = aPerson('50', {
      status: 'onboarding',
      hireDate: '2026-04-01',
      terminationDate: '2025-12-31',
    });
    const waiting = desiredLifecycle(rehired, at('2026-03-01T00:00:00Z'));
    assert.equal(waiting.state, 'absent');
    assert.equal(waiting.effectiveAt, '2026-03-24T23:00:00.000Z');
    const back = desiredLifecycle(rehired, at('2026-04-02T00:00:00Z'));
    assert.equal(back.state, 'active');
    assert.match(back.reason, /rehired/);
  });

  void test('a legal-entity move overlapping by a day leaves no gap in access', () => {
    const old = aPerson('100', { terminationDate: '2026-03-31', legalEntity: { id: '1' } });
    const moved = aPerson('200', { status: 'onboarding', hireDate: '2026-04-01', legalEntity: { id: '2' } });
    const lifecycle = combinedLifecycle([moved, old], at('2026-03-28T12:00:00Z'));
    assert.equal(lifecycle.state, 'active');
    assert.match(lifecycle.reason, /^profile 100: /);
    // Old ends 22:00Z on the 31st exactly when the new one starts: no change to schedule.
    assert.equal(lifecycle.effectiveAt, undefined);
    assert.equal(combinedLifecycle([old, moved], at('2026-04-01T12:00:00Z')).state, 'active');
  });

  void test('a gap between two employments disables the account and schedules the return', () => {
    const old = aPerson('100', { terminationDate: '2026-03-31' });
    const later = aPerson('200', { status: 'onboarding', hireDate: '2026-04-15' });
    const lifecycle = combinedLifecycle([old, later], at('2026-03-28T12:00:00Z'));
    assert.equal(lifecycle.state, 'active');
    assert.equal(lifecycle.effectiveAt, '2026-03-31T22:00:00.000Z');
    assert.equal(lifecycle.next?.state, 'disabled');
    const between = combinedLifecycle([old, later], at('2026-04-03T12:00:00Z'));
    assert.equal(between.state, 'disabled');
    assert.equal(between.next?.state, 'pending');
    assert.equal(between.effectiveAt, '2026-04-07T22:00:00.000Z');
  });

  void test('a single profile combines to its own lifecycle, and none is an error', () => {
    const person = aPerson('60');
    assert.deepEqual(
      combinedLifecycle([person], at('2026-03-01T00:00:00Z')),
      desiredLifecycle(person, at('2026-03-01T00:00:00Z')),
    );
    assert.throws(() => combinedLifecycle([], at('2026-03-01T00:00:00Z')), RangeError);
  });
});

void describe('inputs', () => {
  void test('an unknown time zone falls back to the policy’s zone and says so', () => {
    const lost = aPerson('70', { status: 'onboarding', hireDate: '2026-04-01', timeZone: 'Europe/Atlantis' });
    const lifecycle = desiredLifecycle(lost, at('2026-03-30T00:00:00Z'));
    assert.equal(lifecycle.effectiveAt, '2026-04-01T00:00:00.000Z');
    assert.match(lifecycle.reason, /'Europe\/Atlantis' is not a time zone/);
  });

  void test('a bad policy or instant is a RangeError', () => {
    const person = aPerson('71');
    assert.throws(
      () => desiredLifecycle(person, at('2026-03-01T00:00:00Z'), { createDaysBeforeStart: -1 }),
      RangeError,
    );
    assert.throws(
      () => desiredLifecycle(person, at('2026-03-01T00:00:00Z'), { createDaysBeforeStart: 1.5 }),
      RangeError,
    );
    assert.throws(
      () => desiredLifecycle(person, at('2026-03-01T00:00:00Z'), { fallbackTimeZone: 'Nowhere' }),
      RangeError,
    );
    assert.throws(() => desiredLifecycle(person, new Date(Number.NaN)), RangeError);
  });

  void test('the same person at the same instant always gets the same answer', () => {
    const person = aPerson('72', { terminationDate: '2026-07-31' });
    const now = at('2026-07-01T00:00:00Z');
    assert.deepEqual(desiredLifecycle(person, now), desiredLifecycle({ ...person }, new Date(now.getTime())));
  });
});
