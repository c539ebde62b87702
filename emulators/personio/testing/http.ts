// Small HTTP helpers for the emulator's own tests: a settable clock, JSON calls, tokens, and the
// control API. Test-only; never exported from the emulator's index.
import { type PersonioEmulator, type PersonioEmulatorOptions, startPersonioEmulator } from '../index.ts';

/** Saturday 2026-11-28 12:00 UTC: the instant the tests' companies are generated at. */
export const TEST_NOW = Date.parse('2026-11-28T12:00:00Z');

export class TestClock {
  at: number;

  constructor(at = TEST_NOW) {
    this.at = at;
  }

  now = (): Date => new Date(this.at);

  advance(ms: number): void {
    this.at += ms;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary vendor JSON, checked by assertions
export type Json = any;

export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = Json>(
  url: string,
  init: {
    method?: string;
    token?: string;
    json?: unknown;
    form?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined;
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const request: RequestInit = { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers };
  if (body !== undefined) request.body = body;
  const response = await fetch(url, request);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export async function startTestEmulator(
  options: PersonioEmulatorOptions = {},
): Promise<PersonioEmulator & { clock: TestClock }> {
  const clock = new TestClock();
  const emulator = await startPersonioEmulator({
    rateLimits: false,
    now: clock.now,
    employees: 60,
    ...options,
  });
  return Object.assign(emulator, { clock });
}

export async function v1Token(
  url: string,
  clientId = 'demo-client',
  clientSecret = 'demo-secret',
): Promise<string> {
  const reply = await call(`${url}/v1/auth`, { json: { client_id: clientId, client_secret: clientSecret } });
  if (reply.status !== 200) throw new Error(`v1 auth failed: ${reply.status} ${reply.text}`);
  return reply.body.data.token as string;
}

export async function v2Token(url: string, scope?: string): Promise<string> {
  const form: Record<string, string> = {
    grant_type: 'client_credentials',
    client_id: 'demo-client',
    client_secret: 'demo-secret',
  };
  if (scope !== undefined) form.scope = scope;
  const reply = await call(`${url}/v2/auth/token`, { form });
  if (reply.status !== 200) throw new Error(`v2 token failed: ${reply.status} ${reply.text}`);
  return reply.body.access_token as string;
}

/** Calls the control API and fails loudly on an unexpected status. */
export async function control<T = Json>(
  url: string,
  method: string,
  path: string,
  json?: unknown,
): Promise<T> {
  const reply = await call<T>(`${url}/_emulator${path}`, json === undefined ? { method } : { method, json });
  if (reply.status >= 400) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** Reads every v1 employee with offset paging. */
export async function allV1Employees(url: string, token: string, limit = 100): Promise<Json[]> {
  const out: Json[] = [];
  for (let offset = 0; ; offset += limit) {
    const reply = await call(`${url}/v1/company/employees?limit=${limit}&offset=${offset}`, { token });
    if (reply.status !== 200) throw new Error(`list failed: ${reply.status} ${reply.text}`);
    out.push(...reply.body.data);
    if (reply.body.data.length < limit) return out;
  }
}
