// Fault injection for the next N calls (`POST /_emulator/faults`), per endpoint: the token endpoint,
// bulkUpload, the provisioning logs, or any Graph call. Faults queue in the order they were added; a
// call takes the first queued fault that applies to it.

export const ENTRA_FAULT_KINDS = [
  '429',
  '500',
  '502',
  '503',
  '504',
  'timeout',
  'malformed-page',
  'expired-token',
] as const;
export type EntraFaultKind = (typeof ENTRA_FAULT_KINDS)[number];

export const ENTRA_FAULT_ENDPOINTS = ['token', 'bulkUpload', 'provisioning', 'graph'] as const;
export type EntraFaultEndpoint = (typeof ENTRA_FAULT_ENDPOINTS)[number];

export type EntraEndpoint = 'token' | 'bulkUpload' | 'provisioning';

export interface EntraFault {
  kind: EntraFaultKind;
  /** Seconds in `Retry-After` (429 and 503). */
  retryAfterSeconds: number;
  /**
   * For 5xx and timeouts on bulkUpload: the upload is accepted and processed although the answer is an
   * error, the case where a client cannot know whether its request took effect.
   */
  afterAccepting: boolean;
}

interface QueuedFault extends EntraFault {
  endpoint: EntraFaultEndpoint;
  remaining: number;
}

function applies(fault: QueuedFault, endpoint: EntraEndpoint): boolean {
  if (fault.kind === 'malformed-page') return endpoint === 'provisioning';
  if (fault.kind === 'expired-token' && endpoint === 'token') return false;
  if (fault.endpoint === 'graph') return endpoint !== 'token';
  return fault.endpoint === endpoint;
}

export class EntraFaultQueue {
  #queue: QueuedFault[] = [];

  add(fault: EntraFault & { endpoint: EntraFaultEndpoint; count: number }): void {
    const { count, ...rest } = fault;
    this.#queue.push({ ...rest, remaining: count });
  }

  clear(): void {
    this.#queue = [];
  }

  list(): readonly (EntraFault & { endpoint: EntraFaultEndpoint; remaining: number })[] {
    return this.#queue.map((f) => ({ ...f }));
  }

  take(endpoint: EntraEndpoint): EntraFault | null {
    const index = this.#queue.findIndex((f) => applies(f, endpoint));
    const fault = this.#queue[index];
    if (fault === undefined) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#queue.splice(index, 1);
    return {
      kind: fault.kind,
      retryAfterSeconds: fault.retryAfterSeconds,
      afterAccepting: fault.afterAccepting,
    };
  }
}
