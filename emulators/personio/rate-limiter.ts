// Personio's documented rate limits (developer hub) and, for the undocumented v2 resource limits,
// a per-endpoint token bucket with the `x-ratelimit-*` headers a client observed.

export type RateDecision =
  { ok: true; headers: Record<string, string> } | { ok: false; headers: Record<string, string> };

const allowed: RateDecision = { ok: true, headers: {} };
const refused: RateDecision = { ok: false, headers: {} };

/** At most `limit` events per key in any sliding window of `windowMs`. Refused calls do not count. */
export class SlidingWindow {
  private readonly events = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** True (and counted) when the event fits. */
  tryAcquire(key: string, now: number): boolean {
    const list = (this.events.get(key) ?? []).filter((t) => t > now - this.windowMs && t <= now);
    if (list.length >= this.limit) {
      this.events.set(key, list);
      return false;
    }
    list.push(now);
    this.events.set(key, list);
    return true;
  }

  /** Would an event fit now? (Not counted.) */
  hasRoom(key: string, now: number): boolean {
    const list = (this.events.get(key) ?? []).filter((t) => t > now - this.windowMs && t <= now);
    return list.length < this.limit;
  }

  /** Counts an event without checking (the caller already did). */
  record(key: string, now: number): void {
    const list = this.events.get(key) ?? [];
    list.push(now);
    this.events.set(key, list);
  }
}

/** A token bucket: `capacity` tokens, refilled at `perSecond`. */
export class TokenBucket {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  readonly capacity: number;
  readonly perSecond: number;

  constructor(capacity: number, perSecond: number) {
    this.capacity = capacity;
    this.perSecond = perSecond;
  }

  take(key: string, now: number): { ok: boolean; remaining: number } {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.perSecond);
    bucket.at = now;
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return { ok, remaining: Math.floor(bucket.tokens) };
  }
}

const MINUTE = 60_000;

export const V2_RESOURCE_BURST = 20;
export const V2_RESOURCE_PER_SECOND = 10;

/** All of Personio's limits, keyed as Personio keys them (credential or source IP). */
export class PersonioRateLimits {
  private readonly v1Auth = new SlidingWindow(60, MINUTE);
  private readonly v1AuthCooldownUntil = new Map<string, number>();
  private readonly v1EmployeesMinute = new SlidingWindow(300, MINUTE);
  private readonly v1EmployeesSecond = new SlidingWindow(15, 1000);
  private readonly v1PerIp = new SlidingWindow(2000, MINUTE);
  private readonly v2Token = new SlidingWindow(150, MINUTE);
  private readonly v2TokenSlowUntil = new Map<string, number>();
  private readonly v2TokenSlow = new SlidingWindow(1, 1000);
  private readonly v2Resources = new TokenBucket(V2_RESOURCE_BURST, V2_RESOURCE_PER_SECOND);

  /** `POST /v1/auth`: 60/min; going over starts a 60 s cool-down during which every call is refused. */
  v1AuthCall(ip: string, now: number): RateDecision {
    const until = this.v1AuthCooldownUntil.get(ip) ?? 0;
    if (now < until) return refused;
    if (this.v1Auth.tryAcquire(ip, now)) return allowed;
    this.v1AuthCooldownUntil.set(ip, now + MINUTE);
    return refused;
  }

  /** Every v1 call: 2000/min per source IP. */
  v1Ip(ip: string, now: number): RateDecision {
    return this.v1PerIp.tryAcquire(ip, now) ? allowed : refused;
  }

  /** v1 GET employees endpoints: 300/min and 15/s per credential. */
  v1Employees(credential: string, now: number): RateDecision {
    if (
      !this.v1EmployeesMinute.hasRoom(credential, now) ||
      !this.v1EmployeesSecond.hasRoom(credential, now)
    ) {
      return refused;
    }
    this.v1EmployeesMinute.record(credential, now);
    this.v1EmployeesSecond.record(credential, now);
    return allowed;
  }

  /** `POST /v2/auth/token`: 150/min; going over allows only 1 req/s for the next 60 s. */
  v2TokenCall(ip: string, now: number): RateDecision {
    const slowUntil = this.v2TokenSlowUntil.get(ip) ?? 0;
    if (now < slowUntil) return this.v2TokenSlow.tryAcquire(ip, now) ? allowed : refused;
    if (this.v2Token.tryAcquire(ip, now)) return allowed;
    this.v2TokenSlowUntil.set(ip, now + MINUTE);
    this.v2TokenSlow.record(ip, now);
    return refused;
  }

  /** v2 resources: a token bucket per credential and endpoint, reported in `x-ratelimit-*` headers. */
  v2Resource(credential: string, endpoint: string, now: number): RateDecision {
    const result = this.v2Resources.take(`${credential} ${endpoint}`, now);
    const headers = {
      'x-ratelimit-replenish-rate': String(V2_RESOURCE_PER_SECOND),
      'x-ratelimit-burst-capacity': String(V2_RESOURCE_BURST),
      'x-ratelimit-requested-tokens': '1',
      'x-ratelimit-remaining': String(result.remaining),
    };
    return { ok: result.ok, headers };
  }
}
