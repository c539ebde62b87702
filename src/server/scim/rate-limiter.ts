// A per-token token bucket (ROSTER_RATE_LIMIT_RPS): a burst of one second's worth, refilled
// continuously. IdPs throttle themselves on 429 + Retry-After, as Okta asks servers to send.

export class TokenBucketLimiter {
  readonly #rate: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(ratePerSecond: number, now: () => number = Date.now) {
    this.#rate = ratePerSecond;
    this.#now = now;
  }

  /** Takes one token for `key`; answers 0 when allowed, else the milliseconds until one is free. */
  take(key: string): number {
    const now = this.#now();
    const capacity = Math.max(1, this.#rate);
    const bucket = this.#buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.#rate) * 1000);
  }
}
