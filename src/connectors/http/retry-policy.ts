// When and how long the HTTP client waits before repeating an idempotent request: full-jitter exponential
// backoff, Retry-After (seconds or HTTP date) on 429/503, and the ceiling above which the wait is handed
// to the engine as `rate_limited` instead of being slept.

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** The first backoff ceiling; it doubles per attempt. */
  readonly baseDelayMs: number;
  /** The largest backoff ceiling. */
  readonly maxBackoffMs: number;
  /** The least wait after a 429 without Retry-After (Personio: "retry after at least 1 s"). */
  readonly minRateLimitDelayMs: number;
  /**
   * A Retry-After longer than this is not slept on: the request fails with `rate_limited` and its
   * `retryAfterMs`, and the engine reschedules (a connector never blocks a worker for minutes).
   */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxBackoffMs: 20_000,
  minRateLimitDelayMs: 1_000,
  maxRetryAfterMs: 60_000,
};

/** Statuses worth repeating an idempotent request for; 501 and 505 are permanent. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): a uniform draw in
 * [0, min(maxBackoff, base * 2^(retry-1))). It spreads the retries of many workers sharing one credential.
 * `retry` counts from 1 (the first retry).
 */
export function fullJitterDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.floor(draw * ceiling);
}

const DELAY_SECONDS = /^\d+(\.\d+)?$/;

/**
 * Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, relative to `now`.
 * Returns milliseconds (a date in the past gives 0), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (DELAY_SECONDS.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  // An HTTP-date always names a weekday or month; requiring a letter keeps Date.parse from reading a
  // bare number such as "2026" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly retryAfterMs: number | undefined };

/**
 * Decides what to do after a failed attempt of an idempotent request: `retry` names the retry number that
 * would follow (1 for the first retry). `retryAfterMs` is the server's Retry-After, if any.
 */
export function decideRetry(input: {
  readonly retry: number;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly policy: RetryPolicy;
  readonly random: () => number;
}): RetryDecision {
  const { retry, status, retryAfterMs, policy, random } = input;
  const isRateLimit = status === 429;
  const honoursRetryAfter = (status === 429 || status === 503) && retryAfterMs !== undefined;
  let delayMs = honoursRetryAfter ? retryAfterMs : fullJitterDelay(retry, policy, random);
  if (isRateLimit) delayMs = Math.max(delayMs, policy.minRateLimitDelayMs);
  if (retry >= policy.maxAttempts || delayMs > policy.maxRetryAfterMs) {
    return { retry: false, retryAfterMs: isRateLimit || honoursRetryAfter ? delayMs : retryAfterMs };
  }
  return { retry: true, delayMs };
}
