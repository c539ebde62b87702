// Per-connection request pacing: for each bucket (a group of endpoints the vendor limits together), a cap
// on concurrent requests and one sliding window per documented limit, so the client paces itself instead
// of collecting 429s.
import PQueue from 'p-queue';

/** At most `cap` requests start in any rolling `intervalMs` window. */
export interface RateLimitWindow {
  readonly cap: number;
  readonly intervalMs: number;
}

/** How one bucket is paced: `concurrency` requests in flight at most, every window respected. */
export interface RateLimitPolicy {
  readonly concurrency: number;
  readonly windows: readonly RateLimitWindow[];
}

export interface RateLimiter {
  /** Runs `task` once `bucket` has room; an unknown bucket is a programming error and throws. */
  schedule<T>(bucket: string, task: () => Promise<T>): Promise<T>;
  /** Requests waiting or running, per bucket (for logs and tests). */
  pending(bucket: string): number;
}

interface Bucket {
  readonly admission: PQueue;
  readonly windows: readonly PQueue[];
}

function createBucket(policy: RateLimitPolicy): Bucket {
  if (!(policy.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
  // Admission first, so at most `concurrency` requests wait on the windows and each window's start time is
  // (nearly) the send time. Windows are strict (sliding), longest first: a fixed window would allow twice
  // the cap across a window boundary, which a vendor counting in rolling windows answers with 429.
  const admission = new PQueue({ concurrency: policy.concurrency });
  const windows = [...policy.windows]
    .sort((a, b) => b.intervalMs - a.intervalMs)
    .map((w) => {
      if (!(w.cap >= 1) || !(w.intervalMs > 0))
        throw new RangeError('a window needs cap >= 1 and intervalMs > 0');
      return new PQueue({
        concurrency: Number.POSITIVE_INFINITY,
        intervalCap: w.cap,
        interval: w.intervalMs,
        strict: true,
      });
    });
  return { admission, windows };
}

function throughWindows<T>(windows: readonly PQueue[], index: number, task: () => Promise<T>): Promise<T> {
  const queue = windows[index];
  if (queue === undefined) return task();
  return queue.add(() => throughWindows(windows, index + 1, task));
}

/**
 * Builds a limiter from the manifest's buckets. p-queue measures time with the global clock and timers,
 * which is what pacing real requests needs; tests drive it with node:test's mock timers.
 */
export function createRateLimiter(policies: Readonly<Record<string, RateLimitPolicy>>): RateLimiter {
  const buckets = new Map<string, Bucket>();
  for (const [name, policy] of Object.entries(policies)) buckets.set(name, createBucket(policy));
  const bucketFor = (name: string): Bucket => {
    const bucket = buckets.get(name);
    if (bucket === undefined) throw new Error(`unknown rate-limit bucket "${name}"`);
    return bucket;
  };
  return {
    schedule<T>(name: string, task: () => Promise<T>): Promise<T> {
      const bucket = bucketFor(name);
      return bucket.admission.add(() => throughWindows(bucket.windows, 0, task));
    },
    pending(name: string): number {
      const bucket = bucketFor(name);
      return bucket.admission.size + bucket.admission.pending;
    },
  };
}
