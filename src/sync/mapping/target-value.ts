// Turns what an expression computed into the JSON a SCIM attribute of a given type holds (RFC 7643 §2.3),
// or says why it cannot: the last check before a value goes into a desired account.
import type { AttributeType } from '../../scim/schema.ts';
import { readIsoInstant } from './date-time.ts';
import type { Value } from './expression-ast.ts';
import { describeValue, isList } from './expression-functions.ts';

export type ScimValue = string | number | boolean;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

const DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Converts a non-empty value for an attribute of `type`. Numbers become text for string attributes
 * (an employee number held as a number); "true"/"false" in any case become booleans; numeric text
 * becomes a number; dateTime attributes take ISO instants only. Lists and booleans-as-text are errors
 * that say what to write instead.
 */
export function convertTargetValue(
  value: Exclude<Value, null | undefined>,
  type: AttributeType,
): Outcome<ScimValue> {
  if (isList(value)) {
    return {
      ok: false,
      error: `needs one value, the expression gave ${describeValue(value)}; pick one with Item() or combine them with Join()`,
    };
  }
  switch (type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number') return { ok: true, value: String(value) };
      return { ok: false, error: `needs text, the expression gave ${describeValue(value)}` };
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'string' && /^(?:true|false)$/i.test(value))
        return { ok: true, value: value.toLowerCase() === 'true' };
      return { ok: false, error: `needs true or false, the expression gave ${describeValue(value)}` };
    case 'integer':
    case 'decimal': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && DECIMAL.test(value.trim())
            ? Number(value)
            : NaN;
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) {
        return {
          ok: false,
          error: `needs ${type === 'integer' ? 'a whole number' : 'a number'}, the expression gave ${describeValue(value)}`,
        };
      }
      return { ok: true, value: n };
    }
    case 'dateTime':
      if (typeof value === 'string' && readIsoInstant(value)) return { ok: true, value };
      return {
        ok: false,
        error: `needs an ISO instant such as 2024-01-31T00:00:00Z, the expression gave ${describeValue(value)}; FormatDateTime(x, "yyyy-MM-dd", "o", [timeZone]) makes one from a date`,
      };
    case 'complex':
      return { ok: false, error: 'is complex; map its sub-attributes' };
  }
}
