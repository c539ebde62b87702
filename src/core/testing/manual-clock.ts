// A clock tests control: it stands still until told to move.
import type { Clock } from '../clock.ts';

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(instant: Date): void;
}

export function createManualClock(start: Date = new Date('2026-01-01T00:00:00.000Z')): ManualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
    set: (instant) => {
      current = instant.getTime();
    },
  };
}
