// Calendar dates, instants and time zones for FormatDateTime and DateAdd: format patterns, reading and
// writing them, and wall-clock ↔ instant conversion in an IANA zone through Intl. No date library.

/** Wall-clock fields; month 1–12, millisecond 0–999. */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

/** A value read from text: wall-clock fields and, for instants, the offset written with them. */
export interface ReadDateTime {
  readonly local: LocalDateTime;
  /** Minutes east of UTC; absent for values without a zone (calendar dates, local times). */
  readonly offsetMinutes?: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO-8601 as SCIM and Personio write instants: seconds and fraction optional, zone required.
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})$/;

// ------------------------------------------------------------------------------------------------
// Arithmetic on wall-clock fields
// ------------------------------------------------------------------------------------------------

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs({ year, month: month + 1, day: 0 })).getUTCDate() || 31;
}

/** Wall-clock fields read as UTC, in ms. `Date.UTC` maps years 0–99 to 19xx, so set the year apart. */
export function utcMs(fields: Partial<LocalDateTime> & { year: number; month: number; day: number }): number {
  const date = new Date(0);
  date.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  date.setUTCHours(fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0, fields.millisecond ?? 0);
  return date.getTime();
}

/** The wall-clock fields of an instant at a fixed offset. */
export function localAt(epochMs: number, offsetMinutes: number): LocalDateTime {
  const date = new Date(epochMs + offsetMinutes * MS_PER_MINUTE);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}

function isValidLocal(local: LocalDateTime): boolean {
  return (
    local.year >= 1 &&
    local.year <= 9999 &&
    local.month >= 1 &&
    local.month <= 12 &&
    local.day >= 1 &&
    local.day <= daysInMonth(local.year, local.month) &&
    local.hour <= 23 &&
    local.minute <= 59 &&
    local.second <= 59
  );
}

// ------------------------------------------------------------------------------------------------
// Time zones
// ------------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat | undefined {
  let formatter = formatters.get(zone);
  if (formatter) return formatter;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  // Only zones Intl accepts get here; the cap covers the same zone spelt in many letter cases.
  if (formatters.size < 1024) formatters.set(zone, formatter);
  return formatter;
}

/** Whether Intl knows the IANA time zone (`Europe/Berlin`, `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  return zone.trim() !== '' && formatterFor(zone) !== undefined;
}

/** The zone's offset from UTC at an instant, in minutes (Berlin in summer: 120). */
export function offsetAt(epochMs: number, zone: string): number {
  const formatter = formatterFor(zone);
  if (!formatter) throw new RangeError(`unknown time zone ${zone}`);
  const fields: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wall = utcMs({
    year: fields['year'] ?? 1970,
    month: fields['month'] ?? 1,
    day: fields['day'] ?? 1,
    hour: fields['hour'] ?? 0,
    minute: fields['minute'] ?? 0,
    second: fields['second'] ?? 0,
  });
  return Math.round((wall - Math.floor(epochMs / 1000) * 1000) / MS_PER_MINUTE);
}

/**
 * The instant a wall-clock time in a zone names. Disambiguates like Temporal's `compatible`: a time
 * repeated when clocks go back (Berlin 2024-10-27 02:30) is the earlier instant; a time skipped when
 * clocks go forward (Berlin 2024-03-31 02:30) is moved forward by the gap (03:30 summer time).
 */
export function instantOf(local: LocalDateTime, zone: string): number {
  const wall = utcMs(local);
  // Real zones change offset at most once within a day either side of any moment.
  const before = offsetAt(wall - MS_PER_DAY, zone);
  const after = offsetAt(wall + MS_PER_DAY, zone);
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset * MS_PER_MINUTE)
    .filter((epoch) => offsetAt(epoch, zone) * MS_PER_MINUTE === wall - epoch);
  if (valid.length > 0) return Math.min(...valid);
  // In the gap: read the time with the offset in force before it, which lands after the gap.
  return wall - before * MS_PER_MINUTE;
}

// ------------------------------------------------------------------------------------------------
// Reading instants and dates
// ------------------------------------------------------------------------------------------------

/** An ISO-8601 instant with `Z` or an offset; undefined for anything else, impossible dates included. */
export function readIsoInstant(text: string): ReadDateTime | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone = 'Z'] = m;
  const local: LocalDateTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
  };
  if (!isValidLocal(local)) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 18 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return { local, offsetMinutes };
}

/** A calendar date `YYYY-MM-DD`; undefined for anything else, 2023-02-29 included. */
export function readCalendarDate(text: string): LocalDateTime | undefined {
  const m = CALENDAR_DATE.exec(text);
  if (!m) return undefined;
  const local = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: 0,
    minute: 0,
    second: 0,
    millisecond: 0,
  };
  return isValidLocal(local) ? local : undefined;
}

function epochOf(read: ReadDateTime): number {
  return utcMs(read.local) - (read.offsetMinutes ?? 0) * MS_PER_MINUTE;
}

// ------------------------------------------------------------------------------------------------
// Format patterns
// ------------------------------------------------------------------------------------------------

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number };

/** A compiled pattern; `iso` is the round-trip format `o`. */
export type DateFormat =
  { readonly kind: 'iso' } | { readonly kind: 'pattern'; readonly tokens: readonly Token[] };

// Letter → the run lengths it accepts (yyyy, yy, M…MMMM, d…dddd, HH, hh, mm, ss, f…fff, tt, zzz, K).
const FIELD_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  y: [2, 4],
  M: [1, 2, 3, 4],
  d: [1, 2, 3, 4],
  H: [1, 2],
  h: [1, 2],
  m: [1, 2],
  s: [1, 2],
  f: [1, 2, 3],
  t: [2],
  z: [3],
  K: [1],
};

const FORMAT_HELP = 'yyyy yy M MM MMM MMMM d dd ddd dddd H HH h hh m mm s ss f ff fff tt zzz K';

/**
 * Compiles a format pattern. `o` (alone) is ISO-8601. Otherwise the .NET-style letters in
 * FORMAT_HELP; text in single quotes is literal (`''` is a quote), a backslash makes the next
 * character literal, `T` and characters that are not ASCII letters are literal. Any other letter
 * is an error, so a typo (`YYYY`) or a bare `Z` (which would write a UTC designator next to a
 * local time) is caught when the mapping is loaded.
 */
export function compileDateFormat(pattern: string): Outcome<DateFormat> {
  if (pattern === 'o' || pattern === 'O') return { ok: true, value: { kind: 'iso' } };
  if (pattern === '') return { ok: false, error: 'the format is empty' };
  if (pattern.length > 200) return { ok: false, error: 'the format is longer than 200 characters' };
  const tokens: Token[] = [];
  const literal = (text: string): void => {
    const last = tokens.at(-1);
    if (last?.kind === 'literal') tokens[tokens.length - 1] = { kind: 'literal', text: last.text + text };
    else tokens.push({ kind: 'literal', text });
  };
  let i = 0;
  while (i < pattern.length) {
    const char = pattern.charAt(i);
    if (char === "'") {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= pattern.length) return { ok: false, error: `unterminated quote in the format '${pattern}'` };
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern.charAt(j);
        j++;
      }
      literal(i + 1 === j ? "'" : text);
      i = j + 1;
      continue;
    }
    if (char === '\\') {
      if (i + 1 >= pattern.length)
        return { ok: false, error: `the format '${pattern}' ends with a backslash` };
      literal(pattern.charAt(i + 1));
      i += 2;
      continue;
    }
    const lengths = FIELD_LENGTHS[char];
    if (lengths && Object.hasOwn(FIELD_LENGTHS, char)) {
      let count = 1;
      while (pattern[i + count] === char) count++;
      if (!lengths.includes(count)) {
        return { ok: false, error: `'${char.repeat(count)}' is not a format field (fields: ${FORMAT_HELP})` };
      }
      tokens.push({ kind: 'field', letter: char, count });
      i += count;
      continue;
    }
    if (/[A-Za-z]/.test(char) && char !== 'T') {
      const hint =
        char === 'Z' ? "; write K for the zone ('Z' in UTC, +01:00 elsewhere), or quote a literal 'Z'" : '';
      return {
        ok: false,
        error: `unknown format letter '${char}' in '${pattern}' (fields: ${FORMAT_HELP}; quote other text)${hint}`,
      };
    }
    literal(char);
    i++;
  }
  return { ok: true, value: { kind: 'pattern', tokens } };
}

/** Whether an input format names a whole date (year, month and day); a time alone names no instant. */
export function hasWholeDate(format: DateFormat): boolean {
  if (format.kind === 'iso') return true;
  const has = (letter: string, counts: readonly number[]): boolean =>
    format.tokens.some((t) => t.kind === 'field' && t.letter === letter && counts.includes(t.count));
  return has('y', [2, 4]) && has('M', [1, 2, 3, 4]) && has('d', [1, 2]);
}

/** Whether writing with this format needs an offset (zzz, K or o). */
export function needsOffset(format: DateFormat): boolean {
  if (format.kind === 'iso') return true;
  return format.tokens.some((t) => t.kind === 'field' && (t.letter === 'z' || t.letter === 'K'));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function writeOffset(offsetMinutes: number, zulu: boolean): string {
  if (zulu && offsetMinutes === 0) return 'Z';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** Writes wall-clock fields with a format; `offsetMinutes` is needed exactly when `needsOffset`. */
export function writeDateTime(
  local: LocalDateTime,
  offsetMinutes: number | undefined,
  format: DateFormat,
): string {
  if (format.kind === 'iso') {
    const ms = local.millisecond === 0 ? '' : `.${pad(local.millisecond, 3)}`;
    const date = `${pad(local.year, 4)}-${pad(local.month, 2)}-${pad(local.day, 2)}`;
    const time = `${pad(local.hour, 2)}:${pad(local.minute, 2)}:${pad(local.second, 2)}${ms}`;
    return `${date}T${time}${writeOffset(offsetMinutes ?? 0, true)}`;
  }
  let out = '';
  for (const token of format.tokens) {
    if (token.kind === 'literal') {
      out += token.text;
      continue;
    }
    const { letter, count } = token;
    switch (letter) {
      case 'y':
        out += count === 2 ? pad(local.year % 100, 2) : pad(local.year, 4);
        break;
      case 'M':
        out +=
          count <= 2
            ? pad(local.month, count)
            : count === 3
              ? (MONTHS[local.month - 1] ?? '').slice(0, 3)
              : (MONTHS[local.month - 1] ?? '');
        break;
      case 'd': {
        if (count <= 2) {
          out += pad(local.day, count);
          break;
        }
        const weekday = WEEKDAYS[new Date(utcMs(local)).getUTCDay()] ?? '';
        out += count === 3 ? weekday.slice(0, 3) : weekday;
        break;
      }
      case 'H':
        out += pad(local.hour, count);
        break;
      case 'h':
        out += pad(local.hour % 12 || 12, count);
        break;
      case 'm':
        out += pad(local.minute, count);
        break;
      case 's':
        out += pad(local.second, count);
        break;
      case 'f':
        out += pad(local.millisecond, 3).slice(0, count);
        break;
      case 't':
        out += local.hour < 12 ? 'AM' : 'PM';
        break;
      case 'z':
        out += writeOffset(offsetMinutes ?? 0, false);
        break;
      case 'K':
        out += writeOffset(offsetMinutes ?? 0, true);
        break;
    }
  }
  return out;
}

function matchName(
  text: string,
  at: number,
  names: readonly string[],
  length: 3 | 'full',
): [number, number] | undefined {
  for (let i = 0; i < names.length; i++) {
    const name = length === 3 ? (names[i] ?? '').slice(0, 3) : (names[i] ?? '');
    if (text.slice(at, at + name.length).toLowerCase() === name.toLowerCase()) return [i, name.length];
  }
  return undefined;
}

/** Reads text with a compiled format; fields the format lacks default to 0 (time) or are required (date). */
export function readDateTime(text: string, format: DateFormat): ReadDateTime | undefined {
  if (format.kind === 'iso') return readIsoInstant(text);
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, millisecond: 0 };
  let pm: boolean | undefined;
  let twelveHour = false;
  let offsetMinutes: number | undefined;
  let at = 0;
  const digits = (min: number, max: number): number | undefined => {
    let end = at;
    while (end < text.length && end - at < max && /[0-9]/.test(text.charAt(end))) end++;
    if (end - at < min) return undefined;
    const n = Number(text.slice(at, end));
    at = end;
    return n;
  };
  for (const token of format.tokens) {
    if (token.kind === 'literal') {
      if (text.slice(at, at + token.text.length) !== token.text) return undefined;
      at += token.text.length;
      continue;
    }
    const { letter, count } = token;
    const fixed = count === 2 ? [2, 2] : [1, 2];
    let n: number | undefined;
    switch (letter) {
      case 'y':
        n = count === 4 ? digits(4, 4) : digits(2, 2);
        if (n === undefined) return undefined;
        // Two-digit years read as 2000–2099: HR dates of living people, not birthdays of the dead.
        fields.year = count === 4 ? n : 2000 + n;
        break;
      case 'M': {
        if (count <= 2) {
          n = digits(fixed[0] ?? 1, 2);
        } else {
          const match = matchName(text, at, MONTHS, count === 3 ? 3 : 'full');
          if (match) {
            n = match[0] + 1;
            at += match[1];
          }
        }
        if (n === undefined) return undefined;
        fields.month = n;
        break;
      }
      case 'd': {
        if (count <= 2) {
          n = digits(fixed[0] ?? 1, 2);
          if (n === undefined) return undefined;
          fields.day = n;
        } else {
          // Weekday names are read past, not checked: the date decides the weekday.
          const match = matchName(text, at, WEEKDAYS, count === 3 ? 3 : 'full');
          if (!match) return undefined;
          at += match[1];
        }
        break;
      }
      case 'H':
      case 'h':
      case 'm':
      case 's':
        n = digits(fixed[0] ?? 1, 2);
        if (n === undefined) return undefined;
        if (letter === 'm') fields.minute = n;
        else if (letter === 's') fields.second = n;
        else {
          fields.hour = n;
          if (letter === 'h') {
            if (n < 1 || n > 12) return undefined;
            twelveHour = true;
          }
        }
        break;
      case 'f':
        n = digits(count, count);
        if (n === undefined) return undefined;
        fields.millisecond = n * 10 ** (3 - count);
        break;
      case 't': {
        const word = text.slice(at, at + 2).toUpperCase();
        if (word !== 'AM' && word !== 'PM') return undefined;
        pm = word === 'PM';
        at += 2;
        break;
      }
      case 'z':
      case 'K': {
        if (letter === 'K' && (text[at] === 'Z' || text[at] === 'z')) {
          offsetMinutes = 0;
          at += 1;
          break;
        }
        const m = /^([+-])(\d{2}):(\d{2})/.exec(text.slice(at, at + 6));
        if (!m) return undefined;
        const hours = Number(m[2]);
        const minutes = Number(m[3]);
        if (hours > 18 || minutes > 59) return undefined;
        offsetMinutes = (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
        at += 6;
        break;
      }
    }
  }
  if (at !== text.length) return undefined;
  if (twelveHour && pm !== undefined) fields.hour = (fields.hour % 12) + (pm ? 12 : 0);
  if (!isValidLocal(fields)) return undefined;
  return offsetMinutes === undefined ? { local: fields } : { local: fields, offsetMinutes };
}

// ------------------------------------------------------------------------------------------------
// The two functions
// ------------------------------------------------------------------------------------------------

/**
 * FormatDateTime: reads `text` with `input`, writes it with `output`.
 * - An input with an offset (an instant) is written in `timeZone` when given, else in UTC.
 * - An input without one (a calendar date, a local time) is read as wall-clock time in `timeZone`
 *   when given (so its offset is known and a skipped time moves forward past the gap), else written
 *   as it is, and then an output that needs an offset is an error.
 */
export function formatDateTime(
  text: string,
  input: DateFormat,
  output: DateFormat,
  timeZone: string | undefined,
): Outcome<string> {
  const read = readDateTime(text, input);
  if (!read) return { ok: false, error: `could not read '${text}' with the input format` };
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) {
    return { ok: false, error: `does not know the time zone '${timeZone}'` };
  }
  let local = read.local;
  let offsetMinutes: number | undefined;
  if (read.offsetMinutes !== undefined) {
    const epoch = epochOf(read);
    offsetMinutes = timeZone === undefined ? 0 : offsetAt(epoch, timeZone);
    local = localAt(epoch, offsetMinutes);
  } else if (timeZone !== undefined) {
    const epoch = instantOf(read.local, timeZone);
    offsetMinutes = offsetAt(epoch, timeZone);
    local = localAt(epoch, offsetMinutes);
  } else if (needsOffset(output)) {
    return {
      ok: false,
      error: 'needs a time zone as its fourth argument to write an offset for a value that has none',
    };
  }
  if (local.year < 1 || local.year > 9999) return { ok: false, error: 'gives a year outside 1–9999' };
  return { ok: true, value: writeDateTime(local, offsetMinutes, output) };
}

/** Intervals of DateAdd, as Entra spells them, to months, days or milliseconds. */
const INTERVALS: Readonly<Record<string, { unit: 'month' | 'day' | 'ms'; size: number }>> = {
  yyyy: { unit: 'month', size: 12 },
  q: { unit: 'month', size: 3 },
  m: { unit: 'month', size: 1 },
  y: { unit: 'day', size: 1 },
  d: { unit: 'day', size: 1 },
  w: { unit: 'day', size: 1 },
  ww: { unit: 'day', size: 7 },
  h: { unit: 'ms', size: 3_600_000 },
  n: { unit: 'ms', size: 60_000 },
  s: { unit: 'ms', size: 1000 },
};

export const DATE_ADD_INTERVALS: readonly string[] = Object.keys(INTERVALS);

export function isDateAddInterval(interval: string): boolean {
  return Object.hasOwn(INTERVALS, interval.toLowerCase());
}

function addMonths(local: LocalDateTime, months: number): LocalDateTime {
  const index = local.year * 12 + (local.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  // Month arithmetic clamps to the month's last day: 31 January + 1 month is 28/29 February.
  const day = year >= 1 && year <= 9999 ? Math.min(local.day, daysInMonth(year, month)) : local.day;
  return { ...local, year, month, day };
}

/**
 * DateAdd: adds `count` intervals to a calendar date (giving a calendar date) or an ISO instant
 * (giving an ISO instant in UTC). Instants are shifted in UTC, which has no daylight saving time;
 * hours, minutes and seconds need an instant.
 */
export function dateAdd(interval: string, count: number, text: string): Outcome<string> {
  const spec = INTERVALS[interval.toLowerCase()];
  if (!spec || !Object.hasOwn(INTERVALS, interval.toLowerCase())) {
    return {
      ok: false,
      error: `does not know the interval '${interval}' (intervals: ${DATE_ADD_INTERVALS.join(', ')})`,
    };
  }
  const date = readCalendarDate(text);
  const instant = date ? undefined : readIsoInstant(text);
  if (!date && !instant) {
    return {
      ok: false,
      error: `needs a calendar date (2024-01-31) or an ISO instant (2024-01-31T09:00:00Z) as its third argument, got '${text}'`,
    };
  }
  if (date && spec.unit === 'ms') {
    return {
      ok: false,
      error: `cannot add '${interval}' to the calendar date '${text}'; it has no time of day`,
    };
  }
  let local: LocalDateTime;
  if (instant) local = localAt(epochOf(instant), 0);
  else local = date as LocalDateTime;
  const amount = count * spec.size;
  if (!Number.isSafeInteger(amount)) return { ok: false, error: 'gives a date outside 0001–9999' };
  if (spec.unit === 'month') local = addMonths(local, amount);
  else {
    const shifted = utcMs(local) + (spec.unit === 'day' ? amount * MS_PER_DAY : amount);
    local = Number.isFinite(shifted) ? localAt(shifted, 0) : { ...local, year: -1 };
  }
  if (!(local.year >= 1 && local.year <= 9999)) return { ok: false, error: 'gives a date outside 0001–9999' };
  if (date) return { ok: true, value: `${pad(local.year, 4)}-${pad(local.month, 2)}-${pad(local.day, 2)}` };
  return { ok: true, value: writeDateTime(local, 0, { kind: 'iso' }) };
}
