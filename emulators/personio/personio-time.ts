// Date and time formats Personio uses: v1 shows dates as midnight Berlin time with its offset
// (`2014-11-09T00:00:00+01:00`) and timestamps in Berlin time; v2 uses plain dates and UTC timestamps.

export const DAY_MS = 86_400_000;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === value;
}

/** The UTC calendar date of an instant. */
export function utcDateOf(instant: number): string {
  return new Date(instant).toISOString().slice(0, 10);
}

/** 00:00 UTC of a calendar date, in epoch milliseconds. */
export function utcMidnightOf(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

export function addDays(date: string, days: number): string {
  return utcDateOf(utcMidnightOf(date) + days * DAY_MS);
}

const berlinOffsetFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Europe/Berlin',
  timeZoneName: 'longOffset',
});
const offsetCache = new Map<number, string>();

/** Berlin's UTC offset at an instant, as `+01:00` or `+02:00` (cached per hour). */
export function berlinOffsetAt(instant: number): string {
  const hour = Math.floor(instant / 3_600_000);
  const cached = offsetCache.get(hour);
  if (cached !== undefined) return cached;
  const name = berlinOffsetFormat.formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName');
  const raw = name?.value.replace('GMT', '') ?? '';
  const offset = raw === '' ? '+00:00' : raw.length === 3 ? `${raw}:00` : raw;
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(hour, offset);
  return offset;
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':');
  return sign * (Number(h) * 60 + Number(m ?? 0));
}

/** A v1 date attribute: midnight in Berlin with the offset valid then (`2020-03-01T00:00:00+01:00`). */
export function formatV1Date(date: string): string {
  // Berlin changes offset at 01:00 UTC, so one hour before 00:00 UTC is still "midnight's" offset.
  return `${date}T00:00:00${berlinOffsetAt(utcMidnightOf(date) - 3_600_000)}`;
}

/** A v1 timestamp attribute (`created_at`, `last_modified_at`): Berlin wall time, seconds, offset. */
export function formatV1Timestamp(instant: number): string {
  const offset = berlinOffsetAt(instant);
  const local = new Date(Math.floor(instant / 1000) * 1000 + offsetMinutes(offset) * 60_000);
  return `${local.toISOString().slice(0, 19)}${offset}`;
}

/** A v2 timestamp: UTC, seconds, `Z` (`2017-07-21T17:32:28Z`). */
export function formatV2Timestamp(instant: number): string {
  return `${new Date(Math.floor(instant / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

const NAIVE_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * v1 `updated_since`: `YYYY-MM-DD` or ISO 8601 without a zone. Personio does not say which zone a
 * naive value is in; the emulator reads it as UTC, so a client that strips the `+01:00` from a
 * `last_modified_at` it saw misses up to two hours unless it keeps an overlap window. An explicit
 * offset or `Z` is honoured. Returns null when unparsable.
 */
export function parseUpdatedSince(value: string): number | null {
  if (isCalendarDate(value)) return utcMidnightOf(value);
  if (NAIVE_DATE_TIME.test(value)) {
    const ms = Date.parse(`${value}Z`);
    return Number.isNaN(ms) ? null : ms;
  }
  if (ZONED_DATE_TIME.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** v2 filters take RFC 3339 date-times with a zone (`2023-01-01T12:00:00Z`); anything else is a 400. */
export function parseRfc3339(value: string): number | null {
  if (!ZONED_DATE_TIME.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
