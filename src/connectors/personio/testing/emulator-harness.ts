// Test harness: a Personio emulator on 127.0.0.1:0 sharing the test's manual clock, a connector opened
// against it, and typed helpers for the emulator's control API (hire, change, faults, request log).
import { startPersonioEmulator } from '../../../../emulators/personio/index.ts';
import type { PersonioEmulator, PersonioEmulatorOptions } from '../../../../emulators/personio/index.ts';
import type { ConnectorHandle } from '../../contract.ts';
import type { HttpClient, Sleep } from '../../http/http-client.ts';
import { createTestContext } from '../../testing/test-context.ts';
import type { TestContext } from '../../testing/test-context.ts';
import { personioConnector } from '../personio-connector.ts';
import { personioSettingsSchema } from '../settings.ts';
import type { PersonioSettings, PersonioSettingsInput } from '../settings.ts';

export const CLIENT_ID = 'demo-client';
export const CLIENT_SECRET = 'demo-secret';
export const WEBHOOK_TOKEN = 'webhook-token-0123456789abcdef';

export const EMULATOR_FAULTS = [
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
export type EmulatorFault = (typeof EMULATOR_FAULTS)[number];

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly status: number | null;
  readonly fault: string | null;
}

export interface EmulatorEmployee {
  readonly id: number;
  readonly email: string;
  readonly status: string;
  readonly [key: string]: unknown;
}

export interface HarnessOptions {
  readonly employees?: number;
  readonly rateLimits?: boolean;
  readonly hiddenAttributes?: string[];
  readonly settings?: Partial<PersonioSettingsInput>;
  /** Real waits and the real clock (for tests against the emulator's rate limits). */
  readonly isRealTime?: boolean;
  readonly connectionId?: string;
  /** Wraps the connector's HTTP client, e.g. to lose a response after the emulator committed it. */
  readonly decorateHttp?: (client: HttpClient) => HttpClient;
}

export interface PersonioHarness {
  readonly emulator: PersonioEmulator;
  readonly test: TestContext;
  readonly settings: PersonioSettings;
  readonly handle: ConnectorHandle;
  /** Opens another handle on the same connection (same rate limiter), e.g. to resume from a cursor. */
  open(settings?: Partial<PersonioSettingsInput>): ConnectorHandle;
  hire(attributes: Record<string, unknown>): Promise<EmulatorEmployee>;
  change(
    id: number | string,
    attributes: Record<string, unknown>,
    options?: { silent?: boolean },
  ): Promise<EmulatorEmployee>;
  rehire(
    id: number | string,
    attributes?: Record<string, unknown>,
  ): Promise<EmulatorEmployee & { previous_email_rewritten_to: string | null }>;
  remove(id: number | string): Promise<void>;
  employees(): Promise<EmulatorEmployee[]>;
  fault(kind: EmulatorFault, count?: number, retryAfterSeconds?: number): Promise<void>;
  clearFaults(): Promise<void>;
  requests(): Promise<RequestLogEntry[]>;
  clearRequests(): Promise<void>;
  /** Moves the shared clock (connector and emulator) and runs the emulator's scheduled status changes. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startPersonioHarness(options: HarnessOptions = {}): Promise<PersonioHarness> {
  const test = createTestContext({
    ...(options.connectionId ? { connectionId: options.connectionId } : {}),
    ...(options.isRealTime ? { sleep: realSleep } : {}),
  });
  const clock = options.isRealTime ? { now: () => new Date() } : test.clock;
  const emulatorOptions: PersonioEmulatorOptions = {
    port: 0,
    employees: options.employees ?? 60,
    seed: 7,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    rateLimits: options.rateLimits ?? false,
    now: () => clock.now(),
    webhookRetryDelaysMs: [5, 5],
    ...(options.hiddenAttributes ? { hiddenAttributes: options.hiddenAttributes } : {}),
  };
  const emulator = await startPersonioEmulator(emulatorOptions);
  const decorate = options.decorateHttp;
  const http = decorate
    ? { create: (o: Parameters<TestContext['http']['create']>[0]) => decorate(test.http.create(o)) }
    : test.http;
  const context = { ...test.context, clock, http };
  const settingsFor = (extra: Partial<PersonioSettingsInput> = {}): PersonioSettings =>
    personioSettingsSchema.parse({
      baseUrl: emulator.url,
      clientId: CLIENT_ID,
      // Long enough for a loaded test machine; tests of the timeout fault pass a short one.
      requestTimeoutMs: 5_000,
      ...options.settings,
      ...extra,
    });
  const settings = settingsFor();
  const handles: ConnectorHandle[] = [];
  const open = (extra?: Partial<PersonioSettingsInput>): ConnectorHandle => {
    const handle = personioConnector.open(
      settingsFor(extra),
      { clientSecret: CLIENT_SECRET, webhookToken: WEBHOOK_TOKEN },
      context,
    );
    handles.push(handle);
    return handle;
  };

  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`emulator control ${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };

  return {
    emulator,
    test,
    settings,
    handle: open(),
    open,
    hire: (attributes) => control('POST', '/employees', attributes),
    change: (id, attributes, changeOptions) =>
      control('PATCH', `/employees/${id}${changeOptions?.silent ? '?silent=true' : ''}`, attributes),
    rehire: (id, attributes = {}) => control('POST', `/employees/${id}/rehire`, attributes),
    remove: async (id) => {
      await control('DELETE', `/employees/${id}`);
    },
    employees: async () => (await control<{ employees: EmulatorEmployee[] }>('GET', '/employees')).employees,
    fault: async (kind, count = 1, retryAfterSeconds) => {
      await control('POST', '/faults', {
        kind,
        count,
        ...(retryAfterSeconds === undefined ? {} : { retry_after_seconds: retryAfterSeconds }),
      });
    },
    clearFaults: async () => {
      await control('DELETE', '/faults');
    },
    requests: async () => (await control<{ requests: RequestLogEntry[] }>('GET', '/requests')).requests,
    clearRequests: async () => {
      await control('DELETE', '/requests');
    },
    advance: async (ms) => {
      test.clock.advance(ms);
      // The emulator reads the same clock; this call only runs its scheduled transitions.
      await control('POST', '/clock', { advance_ms: 0 });
    },
    close: async () => {
      for (const handle of handles) await handle.close();
      await emulator.close();
    },
  };
}
