// The load generator: a fixed number of keep-alive connections to one 127.0.0.1 origin, each with
// one request in flight, for a fixed time (after a warm-up) or a fixed count. Measures requests/s
// and latency percentiles of the requests that started inside the measured window.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export type LoadMethod = 'GET' | 'POST' | 'PATCH';

export interface LoadRequest {
  readonly method: LoadMethod;
  /** Path and query, e.g. `/scim/v2/acme/Users?count=100`. */
  readonly path: string;
  readonly body?: string;
}

export interface LoadOptions {
  /** `http://127.0.0.1:<port>`; any other host is refused. */
  readonly origin: string;
  /** Keep-alive connections, one request in flight on each. */
  readonly connections: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The request to send as the `sequence`-th one (0-based, over warm-up and measurement). */
  readonly nextRequest: (sequence: number) => LoadRequest;
  /** The status every answer must have; any other counts as an error. */
  readonly expectedStatus: number;
  readonly warmupMs: number;
  /** Length of the measured window; the run also stops after `maxRequests` measured requests. */
  readonly durationMs: number;
  readonly maxRequests?: number;
  /** A single request slower than this fails the run instead of hanging it. */
  readonly requestTimeoutMs?: number;
  /** CPU milliseconds the server has used so far; sampled when the measured window opens and closes. */
  readonly serverCpuMs?: () => number;
}

export interface LatencySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

export interface LoadResult {
  /** Measured requests that were answered with the expected status. */
  readonly requests: number;
  /** Measured requests answered with another status or failing on the socket. */
  readonly errors: number;
  /** The first unexpected answer, for the report. */
  readonly firstError?: string;
  /** From the start of the measured window to the last measured answer. */
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  readonly latency: LatencySummary;
  /** Server CPU time over the measured window divided by its requests, when `serverCpuMs` is given. */
  readonly serverCpuMsPerRequest?: number;
}

const ERROR_EXCERPT_CHARS = 300;

/** Runs one load and closes its connections. Never throws for answers; throws for a bad origin. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const origin = new URL(options.origin);
  if (origin.hostname !== '127.0.0.1') throw new Error(`refusing to load ${options.origin}: only 127.0.0.1`);
  const pool = new Pool(origin.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: options.requestTimeoutMs ?? 30_000,
    bodyTimeout: options.requestTimeoutMs ?? 30_000,
  });
  const latencies = new LatencyRecorder(options.maxRequests ?? 1 << 16);
  let sequence = 0;
  let measured = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const measureUntil = measureFrom + options.durationMs;
  let lastAnswer = measureFrom;

  const worker = async (): Promise<void> => {
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= measureUntil) return;
      const isMeasured = sentAt >= measureFrom;
      if (isMeasured && options.maxRequests !== undefined && measured >= options.maxRequests) return;
      if (isMeasured) measured++;
      const request = options.nextRequest(sequence++);
      let problem: string | undefined;
      try {
        const response = await pool.request({
          method: request.method,
          path: request.path,
          headers: options.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        if (response.statusCode === options.expectedStatus) {
          await response.body.arrayBuffer();
        } else {
          const text = await response.body.text();
          problem = `${request.method} ${request.path} answered ${response.statusCode}: ${text.slice(0, ERROR_EXCERPT_CHARS)}`;
        }
      } catch (error) {
        problem = `${request.method} ${request.path} failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      const answeredAt = performance.now();
      if (!isMeasured) continue;
      lastAnswer = Math.max(lastAnswer, answeredAt);
      if (problem === undefined) latencies.add(answeredAt - sentAt);
      else {
        errors++;
        firstError ??= problem;
      }
    }
  };

  let cpuAtStart: number | undefined;
  const sampleCpu = (): void => {
    cpuAtStart = options.serverCpuMs?.();
  };
  const cpuTimer = options.warmupMs > 0 ? setTimeout(sampleCpu, options.warmupMs) : undefined;
  if (cpuTimer === undefined) sampleCpu();
  let cpuAtEnd: number | undefined;
  try {
    await Promise.all(Array.from({ length: options.connections }, () => worker()));
    cpuAtEnd = options.serverCpuMs?.();
  } finally {
    clearTimeout(cpuTimer);
    await pool.close();
  }
  const elapsedMs = Math.max(lastAnswer - measureFrom, 1);
  return {
    requests: latencies.count,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    elapsedMs,
    requestsPerSecond: (latencies.count * 1000) / elapsedMs,
    latency: latencies.summary(),
    ...(cpuAtStart !== undefined && cpuAtEnd !== undefined && latencies.count > 0
      ? { serverCpuMsPerRequest: (cpuAtEnd - cpuAtStart) / latencies.count }
      : {}),
  };
}

/** Latencies in milliseconds, kept in a growable typed array so recording costs no allocation. */
class LatencyRecorder {
  #values: Float64Array;
  #count = 0;

  constructor(initialCapacity: number) {
    this.#values = new Float64Array(Math.max(initialCapacity, 1024));
  }

  get count(): number {
    return this.#count;
  }

  add(ms: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = ms;
  }

  summary(): LatencySummary {
    if (this.#count === 0)
      return { p50Ms: Number.NaN, p99Ms: Number.NaN, meanMs: Number.NaN, maxMs: Number.NaN };
    const sorted = this.#values.slice(0, this.#count).sort();
    let sum = 0;
    for (const value of sorted) sum += value;
    return {
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      meanMs: sum / sorted.length,
      maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    };
  }
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, fraction: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
