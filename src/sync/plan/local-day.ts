// Calendar dates (`YYYY-MM-DD`) and the instant a local day starts in an IANA time zone, through Intl
// alone, so hire dates and last working days become instants that are right on DST change days, in
// half- and quarter-hour zones and in zones whose clocks skip midnight.

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

interface CalendarParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

interface WallClock extends CalendarParts {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** Date.UTC without its two-digit-year mapping (years 0–99 would become 1900–1999). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function parseParts(text: string): CalendarParts | null {
  const match = CALENDAR_DATE.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

function formatParts({ year, month, day }: CalendarParts): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Whether `text` is a real calendar date written `YYYY-MM-DD` (2026-02-29 is not). */
export function isCalendarDate(text: string): boolean {
  return parseParts(text) !== null;
}

/**
 * The calendar date a source value stands for, or null. Accepts `YYYY-MM-DD` and, because Personio v1
 * writes dates as midnight Berlin with an offset (`2014-11-09T00:00:00+01:00`), a date-time whose first
 * ten characters are the date; the offset is dropped, since the date is what HR entered.
 */
export function readCalendarDate(text: string | null | undefined): string | null {
  if (typeof text !== 'string') return null;
  const head = text.trim().slice(0, 10);
  return parseParts(head) === null ? null : head;
}

/** `date` plus `days` calendar days (negative goes back); throws RangeError for a malformed date. */
export function addCalendarDays(date: string, days: number): string {
  const parts = parseParts(date);
  if (!parts) throw new RangeError(`'${date}' is not a calendar date (YYYY-MM-DD)`);
  const moved = new Date(utcMs(parts.year, parts.month, parts.day) + days * MS_PER_DAY);
  return formatParts({
    year: moved.getUTCFullYear(),
    month: moved.getUTCMonth() + 1,
    day: moved.getUTCDate(),
  });
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // hourCycle h23: with hour12:false some ICU versions print midnight as "24".
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows `timeZone` as an IANA zone name (or UTC). */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function assertTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) throw new RangeError(`'${timeZone}' is not an IANA time zone`);
}

function wallClock(instantMs: number, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields['year'] ?? 0,
    month: fields['month'] ?? 0,
    day: fields['day'] ?? 0,
    hour: fields['hour'] ?? 0,
    minute: fields['minute'] ?? 0,
    second: fields['second'] ?? 0,
  };
}

function dateKey({ year, month, day }: CalendarParts): number {
  return year * 10_000 + month * 100 + day;
}

/** Local time minus UTC at an instant, in milliseconds (whole seconds: Intl prints no fractions). */
function offsetMs(instantMs: number, timeZone: string): number {
  const wall = wallClock(instantMs, timeZone);
  const wallMs = utcMs(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second);
  return wallMs - Math.floor(instantMs / 1000) * 1000;
}

/** The calendar date an instant falls on in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): string {
  assertTimeZone(timeZone);
  return formatParts(wallClock(instant.getTime(), timeZone));
}

const START_CACHE_LIMIT = 50_000;
const startCache = new Map<string, number>();

/**
 * The first instant of the calendar day `date` in `timeZone`: local 00:00, or, where the clocks skip
 * midnight (America/Santiago and America/Havana spring forward at 00:00), the moment the day begins
 * (01:00). A day a zone skipped entirely (Pacific/Apia, 2011-12-30) begins when the next one does.
 * Throws RangeError for a malformed date or an unknown zone.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const key = `${date} ${timeZone}`;
  let instant = startCache.get(key);
  if (instant === undefined) {
    instant = computeStartOfLocalDay(date, timeZone);
    // Intl formatting is slow (about 0.1 ms a call here) and a sync asks for the same days every run;
    // the answer never changes for a given tz database, so a bounded memo is safe.
    if (startCache.size >= START_CACHE_LIMIT) startCache.clear();
    startCache.set(key, instant);
  }
  return new Date(instant);
}

function computeStartOfLocalDay(date: string, timeZone: string): number {
  const parts = parseParts(date);
  if (!parts) throw new RangeError(`'${date}' is not a calendar date (YYYY-MM-DD)`);
  assertTimeZone(timeZone);
  const midnightUtc = utcMs(parts.year, parts.month, parts.day);

  // Fast path: two offset look-ups find local midnight; it is the day's first instant when no offset
  // change lies within three hours of it (Europe changes at 01:00 UTC, within reach, so those days
  // take the exact path below).
  const firstOffset = offsetMs(midnightUtc, timeZone);
  let candidate = midnightUtc - firstOffset;
  const secondOffset = offsetMs(candidate, timeZone);
  if (secondOffset !== firstOffset) candidate = midnightUtc - secondOffset;
  const offset = offsetMs(candidate, timeZone);
  const wall = wallClock(candidate, timeZone);
  if (
    dateKey(wall) === dateKey(parts) &&
    wall.hour === 0 &&
    wall.minute === 0 &&
    wall.second === 0 &&
    offsetMs(candidate - 3 * MS_PER_HOUR, timeZone) === offset &&
    offsetMs(candidate + 3 * MS_PER_HOUR, timeZone) === offset
  ) {
    return candidate;
  }

  // Exact path: the earliest instant whose local date is on or after `date`. Offsets lie within
  // −12:00…+14:00, so that instant lies within [midnightUtc − 14 h, midnightUtc + 12 h]; hourly samples
  // bracket the change of date and a bisection to the millisecond finds it.
  const target = dateKey(parts);
  let before = midnightUtc - 15 * MS_PER_HOUR;
  for (let sample = before + MS_PER_HOUR; sample <= midnightUtc + 13 * MS_PER_HOUR; sample += MS_PER_HOUR) {
    if (dateKey(wallClock(sample, timeZone)) < target) {
      before = sample;
      continue;
    }
    let low = before;
    let high = sample;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (dateKey(wallClock(middle, timeZone)) >= target) high = middle;
      else low = middle;
    }
    return high;
  }
  // Unreachable for real zones: 13 hours after UTC midnight every zone is on `date` or later.
  throw new RangeError(`could not find the start of ${date} in ${timeZone}`);
}
