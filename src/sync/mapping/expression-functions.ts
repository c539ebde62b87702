// The functions of the mapping language: their names, arities, load-time checks of literal arguments
// and the implementations of the eager ones. Conditionals and SelectUniqueValue live in the evaluator.
import {
  compileDateFormat,
  dateAdd,
  formatDateTime,
  hasWholeDate,
  isDateAddInterval,
  isValidTimeZone,
} from './date-time.ts';
import type { DateFormat } from './date-time.ts';
import { normalizeDiacritics } from './diacritics.ts';
import type { ListItem, Literal, Value } from './expression-ast.ts';

/** Longest text and longest list a function may produce, so nested Replace or Join cannot eat the memory. */
export const MAX_TEXT_LENGTH = 65_536;
export const MAX_LIST_LENGTH = 10_000;

/** A failure while evaluating; the evaluator turns it into a value naming the attribute and the person. */
export class EvaluationFailure extends Error {}

/** A load-time check of one literal argument: an error message, or undefined when it is fine. */
type LiteralCheck = (value: Literal, fn: string, index: number) => string | undefined;

/**
 * One function. `evaluation` says how its arguments are evaluated: `eager` (all of them first, then
 * `apply`), `lazy` (the evaluator evaluates only what it needs: IIF, Coalesce, Switch) or `unique`
 * (SelectUniqueValue, top level only, awaited).
 */
export interface FunctionSpec {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly evaluation: 'eager' | 'lazy' | 'unique';
  /** Checks for literal arguments by position; for variadic functions the last one repeats. */
  readonly literalChecks: readonly (LiteralCheck | undefined)[];
  readonly apply?: (args: readonly Value[]) => Value;
}

// ------------------------------------------------------------------------------------------------
// Argument helpers
// ------------------------------------------------------------------------------------------------

const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];

export function ordinal(index: number): string {
  return ORDINALS[index] ?? `${index + 1}th`;
}

function fail(message: string): never {
  throw new EvaluationFailure(message);
}

export function isList(value: Value): value is readonly ListItem[] {
  return Array.isArray(value);
}

/** No value: not visible, null, empty text or an empty list. */
export function isEmpty(value: Value): boolean {
  return value === undefined || value === null || value === '' || (isList(value) && value.length === 0);
}

/** Short quotation of a value for error messages. */
export function describeValue(value: Value): string {
  if (value === undefined) return 'no visible value';
  if (value === null) return 'null';
  if (isList(value)) return `a list of ${value.length} value${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'string') {
    const chars = Array.from(value);
    return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value);
  }
  return String(value);
}

/** Text of a single value; numbers and booleans are written out, lists are an error. */
export function textOf(value: Value, fn: string, index: number): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined)
    return fail(`${fn}() needs a value as its ${ordinal(index)} argument, got ${describeValue(value)}`);
  return fail(
    `${fn}() needs a single value as its ${ordinal(index)} argument, got ${describeValue(value)}; pick one with Item() or combine them with Join()`,
  );
}

function wholeNumber(value: Value, fn: string, index: number, min: number): number {
  if (typeof value !== 'number') {
    return fail(`${fn}() needs a number as its ${ordinal(index)} argument, got ${describeValue(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    return fail(
      `${fn}() needs a whole number of ${min} or more as its ${ordinal(index)} argument, got ${value}`,
    );
  }
  return value;
}

function checkLength(text: string, fn: string): string {
  if (text.length > MAX_TEXT_LENGTH)
    fail(`${fn}() would give text longer than ${MAX_TEXT_LENGTH} characters`);
  return text;
}

/** Runs a literal check the same way the function checks the value at run time. */
function asCheck(check: (value: Value, fn: string, index: number) => unknown): LiteralCheck {
  return (value, fn, index) => {
    try {
      check(value, fn, index);
      return undefined;
    } catch (error) {
      if (error instanceof EvaluationFailure) return error.message;
      throw error;
    }
  };
}

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** User-perceived characters: "Zoë" is three whether ë is one code point or e plus a combining mark. */
function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

// ------------------------------------------------------------------------------------------------
// Literal checks shared by several functions
// ------------------------------------------------------------------------------------------------

const textCheck = asCheck(textOf);
const countCheck = asCheck((v, fn, i) => wholeNumber(v, fn, i, 0));
const positionCheck = asCheck((v, fn, i) => wholeNumber(v, fn, i, 1));
const integerCheck = asCheck((v, fn, i) => integerOf(v, fn, i));
const nonEmptyTextCheck = asCheck(nonEmptyText);
const conditionCheck = asCheck(conditionOf);
const timeZoneCheck = asCheck(timeZoneOf);
const inputFormatCheck = asCheck((v, fn, i) => dateFormatOf(v, fn, i, true));
const outputFormatCheck = asCheck((v, fn, i) => dateFormatOf(v, fn, i, false));
const intervalCheck = asCheck(intervalOf);
const cultureCheck = asCheck(cultureOf);

function integerOf(value: Value, fn: string, index: number): number {
  if (typeof value !== 'number')
    return fail(`${fn}() needs a number as its ${ordinal(index)} argument, got ${describeValue(value)}`);
  if (!Number.isInteger(value))
    return fail(`${fn}() needs a whole number as its ${ordinal(index)} argument, got ${value}`);
  return value;
}

function nonEmptyText(value: Value, fn: string, index: number): string {
  const text = textOf(value, fn, index);
  if (text === '') fail(`${fn}() needs non-empty text as its ${ordinal(index)} argument`);
  return text;
}

/** true or false; null reads as false. */
export function conditionOf(value: Value, fn: string, index: number): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null) return false;
  return fail(
    `${fn}() needs true or false as its ${ordinal(index)} argument, got ${describeValue(value)}; compare with Equals(a, b) or test with IsPresent(x)`,
  );
}

function timeZoneOf(value: Value, fn: string, index: number): string {
  const zone = textOf(value, fn, index);
  if (!isValidTimeZone(zone))
    fail(
      `${fn}() does not know the time zone ${describeValue(zone)} (write an IANA zone such as "Europe/Berlin")`,
    );
  return zone;
}

const formats = new Map<string, DateFormat | string>();

function dateFormatOf(value: Value, fn: string, index: number, isInput: boolean): DateFormat {
  const pattern = textOf(value, fn, index);
  let compiled = formats.get(pattern);
  if (compiled === undefined) {
    const result = compileDateFormat(pattern);
    compiled = result.ok ? result.value : result.error;
    // Formats come from mapping files; a bound keeps a hostile stream of them from growing the cache.
    if (formats.size < 512) formats.set(pattern, compiled);
  }
  if (typeof compiled === 'string')
    return fail(`${fn}() cannot use its ${ordinal(index)} argument as a format: ${compiled}`);
  if (isInput && !hasWholeDate(compiled)) {
    fail(
      `${fn}() needs an input format with a year, month and day (yyyy, MM, dd), got ${describeValue(pattern)}`,
    );
  }
  return compiled;
}

function intervalOf(value: Value, fn: string, index: number): string {
  const interval = textOf(value, fn, index);
  if (!isDateAddInterval(interval)) {
    fail(`${fn}() does not know the interval ${describeValue(interval)} (yyyy, q, m, y, d, w, ww, h, n, s)`);
  }
  return interval;
}

function cultureOf(value: Value, fn: string, index: number): string {
  const culture = textOf(value, fn, index);
  try {
    const [canonical] = Intl.getCanonicalLocales(culture);
    if (canonical === undefined) throw new RangeError('empty');
    return canonical;
  } catch {
    return fail(
      `${fn}() does not know the culture ${describeValue(culture)} (write a language tag such as "tr" or "de-DE")`,
    );
  }
}

// ------------------------------------------------------------------------------------------------
// Implementations
// ------------------------------------------------------------------------------------------------

/** For functions that transform one source value: not visible and null pass through unchanged. */
function passThrough(value: Value): value is undefined | null {
  return value === undefined || value === null;
}

function textTransform(fn: string, transform: (text: string, args: readonly Value[]) => Value) {
  return (args: readonly Value[]): Value => {
    const [source] = args;
    if (passThrough(source)) return source;
    return transform(textOf(source, fn, 0), args);
  };
}

function pcase(text: string): string {
  // Words start after whitespace or a hyphen (Jean-Luc); an apostrophe does not start one (O'neil).
  return text
    .toLowerCase()
    .replace(/(^|[\s-])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase());
}

function replaceAll(source: string, find: string, replacement: string): string {
  const parts = source.split(find);
  const length = source.length + (parts.length - 1) * (replacement.length - find.length);
  if (length > MAX_TEXT_LENGTH) fail(`Replace() would give text longer than ${MAX_TEXT_LENGTH} characters`);
  return parts.join(replacement);
}

function join(args: readonly Value[]): Value {
  const [separator, ...values] = args;
  const sep = separator === null || separator === undefined ? '' : textOf(separator, 'Join', 0);
  if (values.length > 0 && values.every((v) => v === undefined)) return undefined;
  const parts: string[] = [];
  let length = 0;
  for (const [i, value] of values.entries()) {
    const items = isList(value) ? value : [value];
    for (const item of items) {
      if (item === undefined || item === null || item === '') continue;
      const text = textOf(item, 'Join', i + 1);
      length += text.length + sep.length;
      if (length > MAX_TEXT_LENGTH + sep.length)
        fail(`Join() would give text longer than ${MAX_TEXT_LENGTH} characters`);
      parts.push(text);
    }
  }
  return parts.join(sep);
}

function split(args: readonly Value[]): Value {
  const [source, separator] = args;
  if (passThrough(source)) return source;
  const text = textOf(source, 'Split', 0);
  const sep = nonEmptyText(separator, 'Split', 1);
  if (text === '') return [];
  const items = text.split(sep);
  if (items.length > MAX_LIST_LENGTH) fail(`Split() would give more than ${MAX_LIST_LENGTH} values`);
  return items;
}

function word(args: readonly Value[]): Value {
  const [source, n, separators] = args;
  if (passThrough(source)) return source;
  const text = textOf(source, 'Word', 0);
  const index = wholeNumber(n, 'Word', 1, 1);
  const seps = new Set(Array.from(nonEmptyText(separators, 'Word', 2)));
  const words: string[] = [];
  let current = '';
  for (const char of text) {
    if (seps.has(char)) {
      if (current !== '') words.push(current);
      current = '';
    } else current += char;
  }
  if (current !== '') words.push(current);
  return words[index - 1] ?? '';
}

function item(args: readonly Value[]): Value {
  const [source, n] = args;
  const index = wholeNumber(n, 'Item', 1, 1);
  if (passThrough(source)) return source;
  const items = isList(source) ? source : [source];
  return items[index - 1] ?? null;
}

/** Equality of two values: numbers as numbers, lists item by item, everything else as text, exactly. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (a === undefined || b === undefined) return a === b;
  if (isList(a) || isList(b)) {
    if (!isList(a) || !isList(b) || a.length !== b.length) return false;
    return a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return String(a) === String(b);
}

function equals(args: readonly Value[]): Value {
  const [a, b] = args;
  if (a === undefined || b === undefined) return undefined;
  return valuesEqual(a, b);
}

function formatDateTimeFn(args: readonly Value[]): Value {
  const [source, input, output, zone] = args;
  const inputFormat = dateFormatOf(input, 'FormatDateTime', 1, true);
  const outputFormat = dateFormatOf(output, 'FormatDateTime', 2, false);
  if (zone === undefined && args.length === 4) return undefined;
  const timeZone = zone === undefined || zone === null ? undefined : timeZoneOf(zone, 'FormatDateTime', 3);
  if (passThrough(source) || source === '') return source;
  const result = formatDateTime(textOf(source, 'FormatDateTime', 0), inputFormat, outputFormat, timeZone);
  return result.ok ? result.value : fail(`FormatDateTime() ${result.error}`);
}

function dateAddFn(args: readonly Value[]): Value {
  const [interval, n, source] = args;
  const name = intervalOf(interval, 'DateAdd', 0);
  const count = integerOf(n, 'DateAdd', 1);
  if (passThrough(source) || source === '') return source;
  const result = dateAdd(name, count, textOf(source, 'DateAdd', 2));
  return result.ok ? result.value : fail(`DateAdd() ${result.error}`);
}

function caseChange(fn: string, upper: boolean) {
  return (args: readonly Value[]): Value => {
    const [source, culture] = args;
    const locale = culture === undefined || culture === null ? undefined : cultureOf(culture, fn, 1);
    if (passThrough(source)) return source;
    const text = textOf(source, fn, 0);
    if (locale === undefined) return upper ? text.toUpperCase() : text.toLowerCase();
    return upper ? text.toLocaleUpperCase(locale) : text.toLocaleLowerCase(locale);
  };
}

function eager(
  name: string,
  minArgs: number,
  maxArgs: number,
  literalChecks: readonly (LiteralCheck | undefined)[],
  apply: (args: readonly Value[]) => Value,
): FunctionSpec {
  return { name, minArgs, maxArgs, evaluation: 'eager', literalChecks, apply };
}

const SPECS: readonly FunctionSpec[] = [
  eager('Append', 2, 2, [textCheck, textCheck], (args) => {
    const [source, suffix] = args;
    // An empty source stays empty: a bare suffix ("@example.com") is never a useful value.
    if (passThrough(source) || source === '') return source;
    const suffixText = suffix === null || suffix === undefined ? '' : textOf(suffix, 'Append', 1);
    return checkLength(textOf(source, 'Append', 0) + suffixText, 'Append');
  }),
  { name: 'Coalesce', minArgs: 1, maxArgs: Infinity, evaluation: 'lazy', literalChecks: [] },
  eager('DateAdd', 3, 3, [intervalCheck, integerCheck, textCheck], dateAddFn),
  eager('Equals', 2, 2, [], equals),
  eager(
    'FormatDateTime',
    3,
    4,
    [textCheck, inputFormatCheck, outputFormatCheck, timeZoneCheck],
    formatDateTimeFn,
  ),
  { name: 'IIF', minArgs: 3, maxArgs: 3, evaluation: 'lazy', literalChecks: [conditionCheck] },
  eager('IsNullOrEmpty', 1, 1, [], ([value]) => (value === undefined ? undefined : isEmpty(value))),
  eager('IsPresent', 1, 1, [], ([value]) => (value === undefined ? undefined : !isEmpty(value))),
  eager('Item', 2, 2, [undefined, positionCheck], item),
  eager('Join', 1, Infinity, [textCheck, undefined], join),
  eager(
    'Left',
    2,
    2,
    [textCheck, countCheck],
    textTransform('Left', (text, args) =>
      graphemes(text)
        .slice(0, wholeNumber(args[1], 'Left', 1, 0))
        .join(''),
    ),
  ),
  eager(
    'Mid',
    3,
    3,
    [textCheck, positionCheck, countCheck],
    textTransform('Mid', (text, args) => {
      const start = wholeNumber(args[1], 'Mid', 1, 1);
      const length = wholeNumber(args[2], 'Mid', 2, 0);
      return graphemes(text)
        .slice(start - 1, start - 1 + length)
        .join('');
    }),
  ),
  eager('NormalizeDiacritics', 1, 1, [textCheck], textTransform('NormalizeDiacritics', normalizeDiacritics)),
  eager('Not', 1, 1, [conditionCheck], ([value]) =>
    value === undefined ? undefined : !conditionOf(value, 'Not', 0),
  ),
  eager('PCase', 1, 1, [textCheck], textTransform('PCase', pcase)),
  eager(
    'Replace',
    3,
    3,
    [textCheck, nonEmptyTextCheck, textCheck],
    textTransform('Replace', (text, args) => {
      const find = nonEmptyText(args[1], 'Replace', 1);
      const replacement = args[2] === null || args[2] === undefined ? '' : textOf(args[2], 'Replace', 2);
      return replaceAll(text, find, replacement);
    }),
  ),
  { name: 'SelectUniqueValue', minArgs: 1, maxArgs: Infinity, evaluation: 'unique', literalChecks: [] },
  eager('Split', 2, 2, [textCheck, nonEmptyTextCheck], split),
  eager(
    'StripSpaces',
    1,
    1,
    [textCheck],
    textTransform('StripSpaces', (text) => text.replace(/\s+/gu, '')),
  ),
  { name: 'Switch', minArgs: 4, maxArgs: Infinity, evaluation: 'lazy', literalChecks: [] },
  eager('ToLower', 1, 2, [textCheck, cultureCheck], caseChange('ToLower', false)),
  eager('ToUpper', 1, 2, [textCheck, cultureCheck], caseChange('ToUpper', true)),
  eager(
    'Trim',
    1,
    1,
    [textCheck],
    textTransform('Trim', (text) => text.trim()),
  ),
  eager('Word', 3, 3, [textCheck, positionCheck, nonEmptyTextCheck], word),
];

const BY_LOWER_NAME: ReadonlyMap<string, FunctionSpec> = new Map(
  SPECS.map((spec) => [spec.name.toLowerCase(), spec]),
);

/** Canonical names of every function, alphabetically. */
export const FUNCTION_NAMES: readonly string[] = SPECS.map((spec) => spec.name);

/** A function by name, case-insensitively. */
export function findFunction(name: string): FunctionSpec | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

/** The check for a literal at `index`; for variadic functions the last listed one stands for the rest. */
export function literalCheckAt(spec: FunctionSpec, index: number): LiteralCheck | undefined {
  if (index < spec.literalChecks.length) return spec.literalChecks[index];
  return spec.maxArgs === Infinity ? spec.literalChecks.at(-1) : undefined;
}
