// The emulator's notion of "now": the injected clock plus an offset that `POST /_emulator/clock`
// moves, so tests and demos can jump to the day a leaver's status flips without waiting.

export class EmulatorClock {
  private offsetMs = 0;
  private readonly base: () => Date;

  constructor(base: () => Date) {
    this.base = base;
  }

  /** Current emulator time in epoch milliseconds. */
  now(): number {
    return this.base().getTime() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Jumps to an absolute instant (forwards or backwards). */
  set(instant: number): void {
    this.offsetMs = instant - this.base().getTime();
  }
}
