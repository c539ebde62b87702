// FormatDateTime and DateAdd: daylight saving time in Europe/Berlin, other zones, patterns, errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { instantOf, offsetAt } from './date-time.ts';
import { compileErrorOf, errorOf, personWith, valueOf } from './testing/people.ts';

function format(value: string, input: string, output: string, zone?: string): unknown {
  const args = [value, input, output, ...(zone === undefined ? [] : [zone])].map((a) => JSON.stringify(a));
  return valueOf(`FormatDateTime(${args.join(', ')})`);
}

void describe('FormatDateTime across daylight saving time in Europe/Berlin', () => {
  void test('writes instants around the spring change with the offset then in force', () => {
    assert.equal(
      format('2024-03-31T00:30:00Z', 'o', 'yyyy-MM-dd HH:mm zzz', 'Europe/Berlin'),
      '2024-03-31 01:30 +01:00',
    );
    assert.equal(
      format('2024-03-31T01:30:00Z', 'o', 'yyyy-MM-dd HH:mm zzz', 'Europe/Berlin'),
      '2024-03-31 03:30 +02:00',
    );
  });

  void test('writes the repeated hour of the autumn change twice, with different offsets', () => {
    assert.equal(
      format('2024-10-27T00:30:00Z', 'o', 'yyyy-MM-dd HH:mm zzz', 'Europe/Berlin'),
      '2024-10-27 02:30 +02:00',
    );
    assert.equal(
      format('2024-10-27T01:30:00Z', 'o', 'yyyy-MM-dd HH:mm zzz', 'Europe/Berlin'),
      '2024-10-27 02:30 +01:00',
    );
  });

  void test('moves a local time in the spring gap forward and reads a repeated one as the earlier instant', () => {
    assert.equal(
      format('2024-03-31 02:30', 'yyyy-MM-dd HH:mm', 'o', 'Europe/Berlin'),
      '2024-03-31T03:30:00+02:00',
    );
    assert.equal(
      format('2024-10-27 02:30', 'yyyy-MM-dd HH:mm', 'o', 'Europe/Berlin'),
      '2024-10-27T02:30:00+02:00',
    );
    assert.equal(
      new Date(
        instantOf(
          { year: 2024, month: 10, day: 27, hour: 2, minute: 30, second: 0, millisecond: 0 },
          'Europe/Berlin',
        ),
      ).toISOString(),
      '2024-10-27T00:30:00.000Z',
    );
  });

  void test('turns a calendar date into local midnight on either side of the change', () => {
    assert.equal(format('2024-03-30', 'yyyy-MM-dd', 'o', 'Europe/Berlin'), '2024-03-30T00:00:00+01:00');
    assert.equal(format('2024-04-01', 'yyyy-MM-dd', 'o', 'Europe/Berlin'), '2024-04-01T00:00:00+02:00');
  });

  void test('finds the end of a last working day in the person’s own time zone', () => {
    const person = personWith({ lastWorkingDay: '2024-10-26', timeZone: 'Europe/Berlin' });
    assert.equal(
      valueOf('FormatDateTime(DateAdd("d", 1, [lastWorkingDay]), "yyyy-MM-dd", "o", [timeZone])', person),
      '2024-10-27T00:00:00+02:00',
    );
    const london = personWith({ lastWorkingDay: '2024-10-26', timeZone: 'Europe/London' });
    assert.equal(
      valueOf('FormatDateTime(DateAdd("d", 1, [lastWorkingDay]), "yyyy-MM-dd", "o", [timeZone])', london),
      '2024-10-27T00:00:00+01:00',
    );
  });
});

void describe('FormatDateTime in other time zones', () => {
  void test('handles zones with half and three-quarter hour offsets and both sides of the date line', () => {
    assert.equal(
      format('2024-01-01T00:00:00Z', 'o', 'yyyy-MM-dd HH:mm zzz', 'Asia/Kolkata'),
      '2024-01-01 05:30 +05:30',
    );
    assert.equal(
      format('2024-01-01T00:00:00Z', 'o', 'yyyy-MM-dd HH:mm zzz', 'Asia/Kathmandu'),
      '2024-01-01 05:45 +05:45',
    );
    assert.equal(
      format('2024-01-01T00:00:00Z', 'o', 'yyyy-MM-dd HH:mm K', 'Pacific/Kiritimati'),
      '2024-01-01 14:00 +14:00',
    );
    assert.equal(
      format('2024-01-01T00:00:00Z', 'o', 'yyyy-MM-dd HH:mm K', 'Pacific/Pago_Pago'),
      '2023-12-31 13:00 -11:00',
    );
  });

  void test('follows the American change, on its own date', () => {
    assert.equal(format('2024-03-10T06:30:00Z', 'o', 'HH:mm zzz', 'America/New_York'), '01:30 -05:00');
    assert.equal(format('2024-03-10T07:30:00Z', 'o', 'HH:mm zzz', 'America/New_York'), '03:30 -04:00');
    assert.equal(format('2024-03-31T01:30:00Z', 'o', 'HH:mm zzz', 'America/New_York'), '21:30 -04:00');
  });

  void test('writes instants in UTC when no zone is given, whatever offset they were read with', () => {
    assert.equal(format('2024-06-01T12:00:00+02:00', 'o', 'yyyy-MM-dd HH:mm'), '2024-06-01 10:00');
    assert.equal(format('2024-06-01T12:00:00.250+02:00', 'o', 'o'), '2024-06-01T10:00:00.250Z');
    assert.equal(format('2024-06-01T12:00:00Z', 'o', 'o', 'UTC'), '2024-06-01T12:00:00Z');
    assert.equal(offsetAt(Date.UTC(2024, 6, 1), 'Europe/Berlin'), 120);
  });
});

void describe('FormatDateTime patterns', () => {
  void test('reformats calendar dates with numeric and English names', () => {
    assert.equal(format('2014-11-09', 'yyyy-MM-dd', 'dd.MM.yyyy'), '09.11.2014');
    assert.equal(format('2014-11-09', 'yyyy-MM-dd', 'dddd, MMMM d, yyyy'), 'Sunday, November 9, 2014');
    assert.equal(format('2014-11-09', 'yyyy-MM-dd', "ddd d MMM yy 'at' HH:mm"), 'Sun 9 Nov 14 at 00:00');
    assert.equal(format('2014-11-09', 'yyyy-MM-dd', 'yyyyMMdd'), '20141109');
  });

  void test('reads twelve-hour times, month names, fractions and zone designators', () => {
    assert.equal(format('11/09/2014 1:05 PM', 'MM/dd/yyyy h:mm tt', 'yyyy-MM-dd HH:mm'), '2014-11-09 13:05');
    assert.equal(format('12/01/2014 12:05 AM', 'MM/dd/yyyy h:mm tt', 'HH:mm'), '00:05');
    assert.equal(format('9 November 2014', 'd MMMM yyyy', 'yyyy-MM-dd'), '2014-11-09');
    assert.equal(
      format('20150123105347.1Z', 'yyyyMMddHHmmss.fK', 'yyyy-MM-dd HH:mm:ss.fff'),
      '2015-01-23 10:53:47.100',
    );
    assert.equal(
      format('2015-01-23T10:53:47-05:00', "yyyy-MM-dd'T'HH:mm:sszzz", 'o'),
      '2015-01-23T15:53:47Z',
    );
    assert.equal(format('2015-01-23T10:53', 'yyyy-MM-ddTHH:mm', 'HH:mm'), '10:53');
  });

  void test('passes null and not visible through', () => {
    assert.equal(
      valueOf('FormatDateTime([hireDate], "yyyy-MM-dd", "dd.MM.yyyy")', personWith({ hireDate: null })),
      null,
    );
    assert.equal(
      valueOf('FormatDateTime([hireDate], "yyyy-MM-dd", "dd.MM.yyyy")', personWith({ hireDate: undefined })),
      undefined,
    );
    assert.equal(
      valueOf(
        'FormatDateTime([hireDate], "yyyy-MM-dd", "o", [timeZone])',
        personWith({ timeZone: undefined }),
      ),
      undefined,
    );
  });

  void test('says why a value cannot be read or written', () => {
    assert.match(
      errorOf('FormatDateTime("09/11/2014", "yyyy-MM-dd", "dd.MM.yyyy")'),
      /FormatDateTime\(\) could not read '09\/11\/2014' with the input format/,
    );
    assert.match(errorOf('FormatDateTime("2023-02-29", "yyyy-MM-dd", "dd.MM.yyyy")'), /could not read/);
    assert.match(
      errorOf('FormatDateTime("2024-01-01", "yyyy-MM-dd", "o")'),
      /needs a time zone as its fourth argument/,
    );
    assert.match(
      errorOf('FormatDateTime("2024-01-01", "yyyy-MM-dd", "o", [position])'),
      /does not know the time zone "CTO"/,
    );
    assert.match(
      errorOf('FormatDateTime([costCenters], "yyyy-MM-dd", "o", "UTC")'),
      /needs a single value as its first argument/,
    );
  });

  void test('refuses unusable formats when the mapping loads', () => {
    assert.match(
      compileErrorOf('FormatDateTime([hireDate], "YYYY-MM-DD", "o")').message,
      /unknown format letter 'Y'/,
    );
    assert.match(
      compileErrorOf('FormatDateTime([hireDate], "yyyy-MM-dd", "HH:mmZ")').message,
      /write K for the zone/,
    );
    assert.match(
      compileErrorOf('FormatDateTime([hireDate], "HH:mm", "yyyy")').message,
      /needs an input format with a year, month and day/,
    );
    assert.match(
      compileErrorOf('FormatDateTime([hireDate], "yyy", "yyyy")').message,
      /'yyy' is not a format field/,
    );
    assert.match(
      compileErrorOf('FormatDateTime([hireDate], "yyyy-MM-dd", "\'open")').message,
      /unterminated quote/,
    );
  });
});

void describe('DateAdd', () => {
  void test('adds days, weeks, months, quarters and years to calendar dates', () => {
    assert.equal(valueOf('DateAdd("d", 7, "2024-12-28")'), '2025-01-04');
    assert.equal(valueOf('DateAdd("ww", -1, "2024-03-05")'), '2024-02-27');
    assert.equal(valueOf('DateAdd("m", 1, "2024-01-31")'), '2024-02-29');
    assert.equal(valueOf('DateAdd("q", 1, "2023-11-30")'), '2024-02-29');
    assert.equal(valueOf('DateAdd("yyyy", 1, "2024-02-29")'), '2025-02-28');
    assert.equal(valueOf('DateAdd("D", -7, [hireDate])'), '2014-11-02');
  });

  void test('adds time to instants in UTC, which has no daylight saving time', () => {
    assert.equal(valueOf('DateAdd("h", 1, "2024-03-31T00:30:00Z")'), '2024-03-31T01:30:00Z');
    assert.equal(valueOf('DateAdd("n", 90, "2024-03-31T01:30:00+02:00")'), '2024-03-31T01:00:00Z');
    assert.equal(valueOf('DateAdd("d", 1, "2024-03-30T23:30:00.5Z")'), '2024-03-31T23:30:00.500Z');
    assert.equal(valueOf('DateAdd("m", 1, "2024-01-31T12:00:00Z")'), '2024-02-29T12:00:00Z');
  });

  void test('passes null and not visible through', () => {
    assert.equal(valueOf('DateAdd("d", 1, [hireDate])', personWith({ hireDate: null })), null);
    assert.equal(valueOf('DateAdd("d", 1, [hireDate])', personWith({ hireDate: undefined })), undefined);
  });

  void test('refuses hours on a date, dates it cannot read, and results out of range', () => {
    assert.match(errorOf('DateAdd("h", 1, "2024-03-31")'), /cannot add 'h' to the calendar date/);
    assert.match(
      errorOf('DateAdd("d", 1, "31.03.2024")'),
      /needs a calendar date \(2024-01-31\) or an ISO instant/,
    );
    assert.match(errorOf('DateAdd("yyyy", 9000, "2024-03-31")'), /outside 0001–9999/);
    assert.match(errorOf('DateAdd("d", 1e15, "2024-03-31")'), /outside 0001–9999/);
    assert.match(
      compileErrorOf('DateAdd("d", 1.5, [hireDate])').message,
      /DateAdd\(\) needs a whole number as its second argument/,
    );
    assert.match(
      errorOf('DateAdd("d", [position], [hireDate])'),
      /DateAdd\(\) needs a number as its second argument/,
    );
  });
});
