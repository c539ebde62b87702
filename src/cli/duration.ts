// Durations as people type them on a command line: `30m`, `12h`, `90d`, `8w`, `1y`.
import { InvalidInputError } from '../core/errors.ts';

const UNIT_MS = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  // A year of 365 days: a token lifetime, not a calendar date.
  y: 365 * 86_400_000,
} as const;

const DURATION = /^([1-9][0-9]{0,5})([mhdwy])$/;

/** Milliseconds in a duration. @throws InvalidInputError `token_expiry_invalid` */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const amount = match?.[1];
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (amount === undefined || unit === undefined) {
    throw new InvalidInputError(
      'token_expiry_invalid',
      `"${text}" is not a duration; use a number and a unit, e.g. 30m, 12h, 90d, 8w or 1y`,
    );
  }
  return Number(amount) * UNIT_MS[unit];
}
