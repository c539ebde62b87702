// Start of a local day across DST changes, odd offsets and skipped midnights; calendar-date helpers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addCalendarDays,
  isCalendarDate,
  isTimeZone,
  localDateOf,
  readCalendarDate,
  startOfLocalDay,
} from './local-day.ts';

function start(date: string, zone: string): string {
  return startOfLocalDay(date, zone).toISOString();
}

void describe('startOfLocalDay', () => {
  void test('Berlin days around the spring change begin at 00:00 in the offset of that midnight', () => {
    assert.equal(start('2026-03-28', 'Europe/Berlin'), '2026-03-27T23:00:00.000Z');
    // Clocks go 02:00 → 03:00 on 29 March; midnight is still +01:00.
    assert.equal(start('2026-03-29', 'Europe/Berlin'), '2026-03-28T23:00:00.000Z');
    assert.equal(start('2026-03-30', 'Europe/Berlin'), '2026-03-29T22:00:00.000Z');
  });

  void test('Berlin days around the autumn change begin at 00:00 in the offset of that midnight', () => {
    // Clocks go 03:00 → 02:00 on 25 October; midnight is still +02:00.
    assert.equal(start('2026-10-25', 'Europe/Berlin'), '2026-10-24T22:00:00.000Z');
    assert.equal(start('2026-10-26', 'Europe/Berlin'), '2026-10-25T23:00:00.000Z');
  });

  void test('Los Angeles days around both changes begin at local midnight', () => {
    assert.equal(start('2026-03-08', 'America/Los_Angeles'), '2026-03-08T08:00:00.000Z');
    assert.equal(start('2026-03-09', 'America/Los_Angeles'), '2026-03-09T07:00:00.000Z');
    assert.equal(start('2026-11-01', 'America/Los_Angeles'), '2026-11-01T07:00:00.000Z');
    assert.equal(start('2026-11-02', 'America/Los_Angeles'), '2026-11-02T08:00:00.000Z');
  });

  void test('a half-hour zone (Kolkata, +05:30) begins the day the evening before in UTC', () => {
    assert.equal(start('2026-06-15', 'Asia/Kolkata'), '2026-06-14T18:30:00.000Z');
  });

  void test('a quarter-hour zone (Chatham, +12:45 and +13:45 in its summer) begins at local midnight', () => {
    assert.equal(start('2026-06-15', 'Pacific/Chatham'), '2026-06-14T11:15:00.000Z');
    assert.equal(start('2026-01-15', 'Pacific/Chatham'), '2026-01-14T10:15:00.000Z');
    // Its own change days: summer time ends 5 April at 03:45 and starts 27 September at 02:45.
    assert.equal(start('2026-04-05', 'Pacific/Chatham'), '2026-04-04T10:15:00.000Z');
    assert.equal(start('2026-09-27', 'Pacific/Chatham'), '2026-09-26T11:15:00.000Z');
  });

  void test('the earliest zone (Kiritimati, +14) begins the day at 10:00 UTC the day before', () => {
    assert.equal(start('2026-06-15', 'Pacific/Kiritimati'), '2026-06-14T10:00:00.000Z');
  });

  void test('UTC days begin at 00:00Z, also for years below 100', () => {
    assert.equal(start('2026-06-15', 'UTC'), '2026-06-15T00:00:00.000Z');
    assert.equal(start('0050-01-01', 'UTC'), '0050-01-01T00:00:00.000Z');
  });

  void test('where clocks skip midnight, the day begins when it first exists (01:00)', () => {
    assert.equal(start('2026-09-06', 'America/Santiago'), '2026-09-06T04:00:00.000Z');
    assert.equal(start('2026-03-08', 'America/Havana'), '2026-03-08T05:00:00.000Z');
  });

  void test('where clocks fall back from midnight to 23:00, the day begins at the later midnight', () => {
    // Beirut: 00:00 +03 on 25 October becomes 23:00 +02 on the 24th; the 25th starts an hour later.
    assert.equal(start('2026-10-25', 'Asia/Beirut'), '2026-10-24T22:00:00.000Z');
  });

  void test('a day a zone skipped entirely begins when the next day does (Samoa, 30 December 2011)', () => {
    assert.equal(start('2011-12-30', 'Pacific/Apia'), start('2011-12-31', 'Pacific/Apia'));
    assert.equal(start('2011-12-31', 'Pacific/Apia'), '2011-12-30T10:00:00.000Z');
  });

  void test('a malformed date or an unknown zone is a RangeError', () => {
    assert.throws(() => startOfLocalDay('2026-02-29', 'UTC'), RangeError);
    assert.throws(() => startOfLocalDay('2026-6-1', 'UTC'), RangeError);
    assert.throws(() => startOfLocalDay('2026-06-01', 'Europe/Atlantis'), RangeError);
    assert.throws(() => startOfLocalDay('2026-06-01', ''), RangeError);
  });

  void test('for any date and zone, the instant is on that date there and the millisecond before is not', () => {
    const zones = [
      'Europe/Berlin',
      'America/Los_Angeles',
      'Asia/Kolkata',
      'Pacific/Chatham',
      'Pacific/Kiritimati',
      'America/Santiago',
      'America/Havana',
      'Asia/Beirut',
      'Australia/Lord_Howe',
      'America/St_Johns',
      'Pacific/Pago_Pago',
      'UTC',
    ];
    const day = fc
      .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) })
      .map((ms) => new Date(ms).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.constantFrom(...zones), (date, zone) => {
        const instant = startOfLocalDay(date, zone);
        assert.equal(localDateOf(instant, zone), date);
        assert.ok(localDateOf(new Date(instant.getTime() - 1), zone) < date);
      }),
      { numRuns: 400 },
    );
  });
});

void describe('calendar dates', () => {
  void test('only real dates written YYYY-MM-DD are calendar dates', () => {
    assert.equal(isCalendarDate('2024-02-29'), true);
    assert.equal(isCalendarDate('2026-02-29'), false);
    assert.equal(isCalendarDate('2026-13-01'), false);
    assert.equal(isCalendarDate('2026-06-01T00:00:00Z'), false);
  });

  void test('a Personio v1 date-time at midnight Berlin reads as its date, the offset dropped', () => {
    assert.equal(readCalendarDate('2014-11-09T00:00:00+01:00'), '2014-11-09');
    assert.equal(readCalendarDate(' 2026-04-01 '), '2026-04-01');
    assert.equal(readCalendarDate('soon'), null);
    assert.equal(readCalendarDate(null), null);
    assert.equal(readCalendarDate(undefined), null);
  });

  void test('adding days crosses months, years and leap days', () => {
    assert.equal(addCalendarDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addCalendarDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addCalendarDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addCalendarDays('2026-04-01', -7), '2026-03-25');
  });

  void test('zones are IANA names Intl knows', () => {
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('UTC'), true);
    assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
    assert.equal(isTimeZone(' '), false);
  });

  void test('localDateOf reads the calendar date of an instant in a zone', () => {
    const instant = new Date('2026-03-31T22:30:00Z');
    assert.equal(localDateOf(instant, 'Europe/Berlin'), '2026-04-01');
    assert.equal(localDateOf(instant, 'America/Los_Angeles'), '2026-03-31');
  });
});
