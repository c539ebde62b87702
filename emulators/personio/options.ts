// The options a caller passes to the Personio emulator and the fully resolved form the parts share.
// Defaults live here so the CLI, tests and benchmarks agree on them.

/** Options for {@link startPersonioEmulator}; every field is optional. */
export interface PersonioEmulatorOptions {
  /** TCP port; default 0 (ephemeral) for tests, the CLI passes 9100. */
  port?: number;
  /** Interface to bind; default '127.0.0.1'. */
  host?: string;
  /** Number of generated profiles (all statuses) that `total_elements` reports; default 200. */
  employees?: number;
  /** Seed of the deterministic company generator; default 1. */
  seed?: number;
  /** API credential accepted by `/v1/auth` and `/v2/auth/token`; default 'demo-client'. */
  clientId?: string;
  /** Secret of that credential; default 'demo-secret'. */
  clientSecret?: string;
  /** Delay added to every vendor API call (not the control API); default 0. */
  latencyMs?: number;
  /** Enforce Personio's documented rate limits (answering 429); default true, tests pass false. */
  rateLimits?: boolean;
  /**
   * The emulator's clock (token expiry, updated_since, status flips, webhook timestamps).
   * `POST /_emulator/clock` moves the emulator's time relative to this clock.
   */
  now?: () => Date;
  /**
   * Delays between webhook delivery attempts; default six attempts spread over about three days,
   * as Personio documents. Tests pass a few milliseconds.
   */
  webhookRetryDelaysMs?: number[];
  /** Attributes not whitelisted for the credential: absent from every response (not null). */
  hiddenAttributes?: string[];
  /** Receives one line per request and per webhook delivery. */
  logger?: (line: string) => void;
  /**
   * What `GET /v1/company/employees?limit=N` does for N > 100: 'reject' (400, default) or 'clamp'
   * (serve 100 rows and report `limit: 100`, which breaks clients that add their own limit to offset).
   */
  oversizedLimit?: 'reject' | 'clamp';
  /**
   * Accept `client_id`/`client_secret` in the query string of `POST /v1/auth`; default false: Personio
   * refuses it with 403 for credentials created since June 2026 and removes it in December 2026.
   */
  queryStringCredentials?: boolean;
  /** How long a webhook receiver has to answer before the attempt counts as failed; default 3000 ms. */
  webhookTimeoutMs?: number;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  employees: number;
  seed: number;
  clientId: string;
  clientSecret: string;
  latencyMs: number;
  rateLimits: boolean;
  now: () => Date;
  webhookRetryDelaysMs: readonly number[];
  hiddenAttributes: ReadonlySet<string>;
  logger: (line: string) => void;
  oversizedLimit: 'reject' | 'clamp';
  queryStringCredentials: boolean;
  webhookTimeoutMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Personio retries a failed delivery with growing delays, six attempts over about three days
 * (developer hub, "Webhooks"). The exact schedule is not published; this one is plausible.
 */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  MINUTE,
  15 * MINUTE,
  2 * HOUR,
  12 * HOUR,
  48 * HOUR,
];

export function resolveOptions(options: PersonioEmulatorOptions = {}): ResolvedOptions {
  const employees = options.employees ?? 200;
  if (!Number.isInteger(employees) || employees < 0) {
    throw new RangeError(`employees must be a non-negative integer, got ${String(options.employees)}`);
  }
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    employees,
    seed: options.seed ?? 1,
    clientId: options.clientId ?? 'demo-client',
    clientSecret: options.clientSecret ?? 'demo-secret',
    latencyMs: Math.max(0, options.latencyMs ?? 0),
    rateLimits: options.rateLimits ?? true,
    now: options.now ?? (() => new Date()),
    webhookRetryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
    hiddenAttributes: new Set(options.hiddenAttributes ?? []),
    logger: options.logger ?? (() => {}),
    oversizedLimit: options.oversizedLimit ?? 'reject',
    queryStringCredentials: options.queryStringCredentials ?? false,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 3000,
  };
}
