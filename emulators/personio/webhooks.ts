// v2 webhooks: subscriptions (`/v2/webhooks`) and outbound delivery of dataless events, with
// Personio's 3 s acknowledgement and retries (developer hub, "Webhooks").
import type { Company, CompanyEvent, WebhookEventName } from './company.ts';
import type { EmulatorClock } from './emulator-clock.ts';
import { formatV2Timestamp } from './personio-time.ts';
import type { SeededRandom } from './seeded-random.ts';

export const WEBHOOK_AUTH_TYPES = ['NONE', 'TOKEN', 'CUSTOM'] as const;
export type WebhookAuthType = (typeof WEBHOOK_AUTH_TYPES)[number];

export const WEBHOOK_STATUSES = ['ENABLED', 'DISABLED'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export interface Webhook {
  id: string;
  url: string;
  description: string;
  /** Personio creates webhooks DISABLED unless told otherwise. */
  status: WebhookStatus;
  authType: WebhookAuthType;
  token: string | null;
  customHeaders: { name: string; value: string }[];
  enabledEvents: WebhookEventName[];
  createdAt: number;
  updatedAt: number;
}

/** One HTTP request made to a receiver (for `GET /_emulator/webhook-deliveries`). */
export interface DeliveryRecord {
  webhook_id: string;
  event_name: string;
  occurred_at: string;
  /** 1-based attempt number and quick try within the attempt. */
  attempt: number;
  try: number;
  status: number | null;
  outcome: 'acknowledged' | 'retry' | 'gave-up' | 'rejected';
  error: string | null;
  /** Wall-clock time the request was sent. */
  sent_at: string;
}

export interface WebhookDispatcherOptions {
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  /** Quick tries per attempt (Personio: up to 2). */
  triesPerAttempt: number;
  logger: (line: string) => void;
}

/**
 * Delivers events to enabled subscriptions: a 2xx within the timeout acknowledges; timeouts,
 * network errors and 5xx other than 501 are retried with growing delays, each attempt making up to
 * two quick tries. The static token goes verbatim in `Authorization` (auth_type TOKEN); nothing is
 * signed.
 */
export class WebhookDispatcher {
  readonly webhooks = new Map<string, Webhook>();
  private readonly records: DeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private readonly company: Company;
  private readonly clock: EmulatorClock;
  private readonly random: SeededRandom;
  private readonly options: WebhookDispatcherOptions;

  constructor(
    company: Company,
    clock: EmulatorClock,
    random: SeededRandom,
    options: WebhookDispatcherOptions,
  ) {
    this.company = company;
    this.clock = clock;
    this.random = random;
    this.options = options;
    company.onEvent((event) => this.dispatch(event));
  }

  create(fields: Omit<Webhook, 'id' | 'createdAt' | 'updatedAt'>): Webhook {
    const now = this.clock.now();
    const webhook: Webhook = { ...fields, id: this.random.uuid(), createdAt: now, updatedAt: now };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  deliveries(): DeliveryRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  private dispatch(event: CompanyEvent): void {
    if (this.closed) return;
    const body = JSON.stringify({
      company_id: this.company.companyId,
      event_name: event.name,
      occurred_at: formatV2Timestamp(event.at),
      payload: event.name.startsWith('person.')
        ? { id: String(event.personId) }
        : { id: event.employmentId, person_id: String(event.personId) },
    });
    for (const webhook of this.webhooks.values()) {
      if (webhook.status !== 'ENABLED' || !webhook.enabledEvents.includes(event.name)) continue;
      this.schedule(0, () => this.attempt(webhook, event, body, 1));
    }
  }

  private schedule(delayMs: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const task = run().finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(webhook: Webhook, event: CompanyEvent, body: string, attempt: number): Promise<void> {
    for (let tryNumber = 1; tryNumber <= this.options.triesPerAttempt; tryNumber++) {
      if (this.closed) return;
      const result = await this.send(webhook, body);
      const retryable = result.status === null || (result.status >= 500 && result.status !== 501);
      const acknowledged = result.status !== null && result.status >= 200 && result.status < 300;
      const isLastTry = tryNumber === this.options.triesPerAttempt;
      const hasMoreAttempts = attempt <= this.options.retryDelaysMs.length;
      const outcome: DeliveryRecord['outcome'] = acknowledged
        ? 'acknowledged'
        : !retryable
          ? 'rejected'
          : isLastTry && !hasMoreAttempts
            ? 'gave-up'
            : 'retry';
      this.records.push({
        webhook_id: webhook.id,
        event_name: event.name,
        occurred_at: formatV2Timestamp(event.at),
        attempt,
        try: tryNumber,
        status: result.status,
        outcome,
        error: result.error,
        sent_at: new Date().toISOString(),
      });
      this.options.logger(
        `webhook ${event.name} -> ${webhook.url} attempt ${attempt}.${tryNumber}: ${result.status ?? result.error ?? ''} (${outcome})`,
      );
      if (acknowledged || !retryable) return;
    }
    const delay = this.options.retryDelaysMs[attempt - 1];
    if (delay !== undefined) this.schedule(delay, () => this.attempt(webhook, event, body, attempt + 1));
  }

  private async send(
    webhook: Webhook,
    body: string,
  ): Promise<{ status: number | null; error: string | null }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Personio-Webhooks/1.0',
    };
    if (webhook.authType === 'TOKEN' && webhook.token !== null) headers.authorization = webhook.token;
    if (webhook.authType === 'CUSTOM')
      for (const h of webhook.customHeaders) headers[h.name.toLowerCase()] = h.value;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await response.body?.cancel();
      return { status: response.status, error: null };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const message =
        name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : String(error);
      return { status: null, error: message };
    }
  }

  /** Stops retries and aborts requests in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }
}
