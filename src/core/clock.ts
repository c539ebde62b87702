// Time as a dependency: code that needs "now" receives a Clock, so tests can fix and advance it.

/** The source of the current instant. Implementations never go backwards within one process. */
export interface Clock {
  now(): Date;
}

/** The real wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });

/**
 * The timestamp format of every stored instant: ISO-8601 UTC with milliseconds
 * (`2026-11-28T21:40:00.000Z`), which sorts and compares correctly as text on both dialects.
 */
export function toTimestamp(instant: Date): string {
  return instant.toISOString();
}
