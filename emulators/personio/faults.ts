// Fault injection for the next N vendor API calls (`POST /_emulator/faults`). Faults queue in the
// order they were added; each call takes the first queued fault that applies to it: page faults
// only to list calls, `expired-token` only to authenticated calls, the rest to any call.

export const FAULT_KINDS = [
  '429',
  '429-no-retry-after',
  '500',
  '502',
  '503',
  '504',
  'timeout',
  'malformed-page',
  'truncated-page',
  'empty-list',
  'expired-token',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** Seconds sent in `Retry-After` by the `429` fault. */
  retryAfterSeconds: number;
}

export interface QueuedFault extends Fault {
  remaining: number;
}

export interface CallTraits {
  isList: boolean;
  isAuthenticated: boolean;
}

export function isPageFault(kind: FaultKind): boolean {
  return kind === 'malformed-page' || kind === 'truncated-page' || kind === 'empty-list';
}

export function faultApplies(kind: FaultKind, call: CallTraits): boolean {
  if (isPageFault(kind)) return call.isList;
  if (kind === 'expired-token') return call.isAuthenticated;
  return true;
}

export class FaultQueue {
  private queue: QueuedFault[] = [];

  add(kind: FaultKind, count: number, retryAfterSeconds: number): void {
    this.queue.push({ kind, remaining: count, retryAfterSeconds });
  }

  clear(): void {
    this.queue = [];
  }

  list(): QueuedFault[] {
    return this.queue.map((f) => ({ ...f }));
  }

  /** Takes one use of the first queued fault that applies to this call, if any. */
  take(call: CallTraits): Fault | null {
    const index = this.queue.findIndex((f) => faultApplies(f.kind, call));
    if (index < 0) return null;
    const fault = this.queue[index];
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.queue.splice(index, 1);
    return { kind: fault.kind, retryAfterSeconds: fault.retryAfterSeconds };
  }
}

/** `malformed-page`: the JSON cut off half-way (a complete HTTP response with a broken body). */
export function cutOff(payload: string): string {
  return payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
}
