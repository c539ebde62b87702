// The one outbound HTTP client for connectors: URL policy, per-request timeouts, per-connection pacing,
// retries with full jitter for idempotent requests only, one token refresh on 401, vendor status to error
// kind, and logs that never carry secrets, tokens, query strings or bodies.
import { Agent, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import type { Clock, ConnectorErrorKind, ConnectorLogger } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { createRateLimiter } from './rate-limiter.ts';
import type { RateLimiter, RateLimitPolicy } from './rate-limiter.ts';
import { DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, decideRetry, parseRetryAfter } from './retry-policy.ts';
import type { RetryPolicy } from './retry-policy.ts';
import {
  isNotSentError,
  isPermanentTransportError,
  kindForStatus,
  outcomeForStatus,
} from './status-kinds.ts';
import { checkOutboundUrl, createGuardedLookup } from './url-policy.ts';
import type { HostResolver } from './url-policy.ts';

export type { RateLimitPolicy, RateLimitWindow } from './rate-limiter.ts';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

// RFC 9110 §9.2.2. PATCH and POST are not idempotent unless the caller says so for a specific endpoint.
const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined;

/** Waits; injected so tests never wait for real. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Supplies the Authorization header and is told when the app rejected it (401) so it fetches a new one. */
export interface AuthProvider {
  authorization(): Promise<string>;
  /** Forget `rejected` (if it is still the cached value); the next `authorization()` obtains a new one. */
  invalidate(rejected: string): void;
  /**
   * Whether a response means "this token is not (or no longer) valid". Default: status 401. Some vendors
   * answer an expired token with 403 (Personio v1: "Provided authorization is not valid").
   */
  isRejection?(status: number, body: unknown): boolean;
}

export interface HttpClientOptions {
  /** Name for logs and messages, e.g. "personio". */
  readonly name: string;
  /** The vendor's name as administrators know it, for error messages ("Personio"). */
  readonly vendor: string;
  /** Requests give paths relative to this, or absolute URLs on the same origin. */
  readonly baseUrl: string;
  /** Rate limits are kept per key (the connection id), shared by every client created with the same key. */
  readonly limiterKey: string;
  readonly rateLimits: Readonly<Record<string, RateLimitPolicy>>;
  readonly defaultBucket: string;
  /** Per attempt, from sending to the last byte of the body. Default 30 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Larger bodies fail the request as `unavailable`. Default 16 MiB. */
  readonly maxResponseBytes?: number;
  /** A short vendor message for an error body, safe to show (no personal data); used in error messages. */
  readonly describeError?: (status: number, body: unknown) => string | undefined;
  /** Vendor refinements of `kindForStatus`; return undefined to keep the default. */
  readonly classifyError?: (status: number, body: unknown) => ConnectorErrorKind | undefined;
}

export interface HttpRequest {
  /** A stable name for logs ("v1.listEmployees"); never contains data. */
  readonly operation: string;
  readonly method: HttpMethod;
  /** Relative to the base URL ("/v1/company/employees"), or an absolute URL on the same origin. */
  readonly path: string;
  /** Arrays repeat the key (`attributes[]=a&attributes[]=b`); null and undefined are left out. */
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON; `application/json` unless `jsonMediaType` names another JSON type (`application/scim+json`). */
  readonly json?: unknown;
  readonly jsonMediaType?: string;
  readonly form?: Readonly<Record<string, string>>;
  /** Adds Authorization and refreshes it once on 401. */
  readonly auth?: AuthProvider;
  /**
   * Overrides the method's idempotency, e.g. true for a token request or a PATCH that sets values.
   * Only idempotent requests are retried; others fail at once with their `outcome`.
   */
  readonly isIdempotent?: boolean;
  readonly bucket?: string;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON; the text for non-JSON content; undefined for an empty body. */
  readonly body: unknown;
}

export interface HttpClient {
  /** Resolves with a 2xx response or throws a ConnectorError; never throws anything else. */
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** Creates clients; the host builds one per process with the clock, logger and sleep to use. */
export interface HttpClientFactory {
  create(options: HttpClientOptions): HttpClient;
}

export interface HttpClientFactoryOptions {
  readonly clock: Clock;
  readonly logger: ConnectorLogger;
  readonly sleep?: Sleep;
  /** Uniform in [0, 1); injected so jitter is reproducible in tests. */
  readonly random?: () => number;
  /** DNS; injected so tests can play a rebinding resolver. */
  readonly resolve?: HostResolver;
  readonly userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export function createHttpClientFactory(factoryOptions: HttpClientFactoryOptions): HttpClientFactory {
  const limiters = new Map<string, RateLimiter>();
  return {
    create(options: HttpClientOptions): HttpClient {
      let limiter = limiters.get(options.limiterKey);
      if (limiter === undefined) {
        limiter = createRateLimiter(options.rateLimits);
        limiters.set(options.limiterKey, limiter);
      }
      return new PacedHttpClient(options, factoryOptions, limiter);
    },
  };
}

type Attempt =
  | { readonly kind: 'response'; readonly response: HttpResponse }
  | { readonly kind: 'malformed'; readonly status: number; readonly cause: unknown };

class PacedHttpClient implements HttpClient {
  readonly #options: HttpClientOptions;
  readonly #clock: Clock;
  readonly #logger: ConnectorLogger;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #limiter: RateLimiter;
  readonly #retry: RetryPolicy;
  readonly #base: URL;
  readonly #agent: Dispatcher;
  readonly #userAgent: string;

  constructor(options: HttpClientOptions, factory: HttpClientFactoryOptions, limiter: RateLimiter) {
    const check = checkOutboundUrl(options.baseUrl);
    if (!check.ok) {
      throw new ConnectorError('invalid_request', `${options.vendor} base URL refused: ${check.reason}`, {
        details: { reason: 'url_policy' },
      });
    }
    if (!(options.defaultBucket in options.rateLimits)) {
      throw new Error(`default bucket "${options.defaultBucket}" has no rate limit`);
    }
    this.#options = options;
    this.#clock = factory.clock;
    this.#logger = factory.logger.child({ httpClient: options.name });
    this.#sleep = factory.sleep ?? realSleep;
    this.#random = factory.random ?? Math.random;
    this.#limiter = limiter;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#base = check.url;
    this.#userAgent = factory.userAgent ?? 'roster-connector';
    this.#agent = new Agent({
      connect: {
        // Checked again at connect time, on the resolved addresses (DNS rebinding).
        lookup: createGuardedLookup({
          isLoopbackOnly: check.isLoopbackOnly,
          ...(factory.resolve ? { resolve: factory.resolve } : {}),
        }),
        timeout: 10_000,
      },
      keepAliveTimeout: 10_000,
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const url = this.#resolveUrl(request);
    const isIdempotent = request.isIdempotent ?? IDEMPOTENT_METHODS.has(request.method);
    // A read changes nothing, so its outcome is never in doubt; any other request that may have reached
    // the app before failing may have been applied.
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    const bucket = request.bucket ?? this.#options.defaultBucket;
    const logFields = { operation: request.operation, method: request.method, path: url.pathname };
    let attempt = 0;
    let hasRefreshedAuth = false;
    for (;;) {
      attempt += 1;
      const authorization = request.auth ? await request.auth.authorization() : undefined;
      const startedAt = this.#clock.now().getTime();
      let error: ConnectorError;
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      let isMalformed = false;
      try {
        const result = await this.#limiter.schedule(bucket, () => this.#send(url, request, authorization));
        const durationMs = this.#clock.now().getTime() - startedAt;
        if (result.kind === 'malformed') {
          status = result.status;
          isMalformed = true;
          this.#logger.warn({ ...logFields, status, attempt, durationMs }, 'response body is not valid JSON');
          error = new ConnectorError(
            'unavailable',
            `${this.#options.vendor} ${request.operation}: the response body was cut off or is not valid JSON`,
            { cause: result.cause, status, outcome: isRead ? 'not_applied' : 'unknown' },
          );
        } else {
          const { response } = result;
          status = response.status;
          this.#logger.debug({ ...logFields, status, attempt, durationMs }, 'http request');
          if (status >= 200 && status < 300) return response;
          const isTokenRejected = request.auth?.isRejection?.(status, response.body) ?? status === 401;
          if (isTokenRejected && request.auth && authorization !== undefined && !hasRefreshedAuth) {
            // An expired or revoked token: fetch a new one and repeat once. The request was rejected before
            // processing, so this is safe for non-idempotent requests too.
            hasRefreshedAuth = true;
            request.auth.invalidate(authorization);
            attempt -= 1;
            this.#logger.info({ ...logFields, status }, 'token rejected; refreshing once');
            continue;
          }
          retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.#clock.now());
          // A rate-limited failure always tells the engine how long to wait, at least the vendor's minimum.
          const hint =
            status === 429 ? Math.max(retryAfterMs ?? 0, this.#retry.minRateLimitDelayMs) : retryAfterMs;
          error = this.#errorForResponse(request, response, hint, isRead);
        }
      } catch (caught) {
        error = this.#errorForTransport(request, caught, isRead);
        this.#logger.warn(
          {
            ...logFields,
            attempt,
            errorKind: error.kind,
            durationMs: this.#clock.now().getTime() - startedAt,
          },
          'http request failed',
        );
      }

      const isRetryableFailure =
        error.isRetryable && (status === undefined || isMalformed || RETRYABLE_STATUSES.has(status));
      if (!isIdempotent || !isRetryableFailure) throw error;
      const decision = decideRetry({
        retry: attempt,
        status,
        retryAfterMs,
        policy: this.#retry,
        random: this.#random,
      });
      if (!decision.retry) {
        throw decision.retryAfterMs === undefined || decision.retryAfterMs === error.retryAfterMs
          ? error
          : new ConnectorError(error.kind, error.message, {
              cause: error.cause,
              retryAfterMs: decision.retryAfterMs,
              outcome: error.outcome,
              ...(error.status === undefined ? {} : { status: error.status }),
            });
      }
      this.#logger.warn(
        { ...logFields, attempt, errorKind: error.kind, status, retryInMs: decision.delayMs },
        'retrying idempotent request',
      );
      await this.#sleep(decision.delayMs);
    }
  }

  #resolveUrl(request: HttpRequest): URL {
    let url: URL;
    if (/^https?:\/\//i.test(request.path)) {
      url = new URL(request.path);
      // Absolute URLs come from the vendor (pagination links); they must stay on the configured origin.
      if (url.origin !== this.#base.origin) {
        throw new ConnectorError(
          'invalid_request',
          `${this.#options.vendor} ${request.operation}: refusing to follow a link to another origin (${url.origin})`,
          { details: { reason: 'url_policy' } },
        );
      }
    } else {
      const basePath = this.#base.pathname.replace(/\/+$/, '');
      const path = request.path.startsWith('/') ? request.path : `/${request.path}`;
      url = new URL(`${basePath}${path}`, this.#base);
    }
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value))
        for (const item of value as readonly (string | number)[]) url.searchParams.append(key, String(item));
      else url.searchParams.append(key, String(value));
    }
    return url;
  }

  async #send(url: URL, request: HttpRequest, authorization: string | undefined): Promise<Attempt> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.#userAgent,
      ...this.#options.headers,
      ...request.headers,
    };
    if (authorization !== undefined) headers.authorization = authorization;
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = request.jsonMediaType ?? 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form as Record<string, string>).toString();
    }
    const signal = AbortSignal.timeout(request.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const response = await undiciRequest(url, {
      dispatcher: this.#agent,
      method: request.method,
      headers,
      body: body ?? null,
      signal,
    });
    const responseHeaders = normaliseHeaders(response.headers);
    const text = await readText(response.body, this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    const contentType = responseHeaders['content-type'] ?? '';
    const isJson = contentType === '' || /[/+]json\b/i.test(contentType);
    if (text === '')
      return {
        kind: 'response',
        response: { status: response.statusCode, headers: responseHeaders, body: undefined },
      };
    if (!isJson)
      return {
        kind: 'response',
        response: { status: response.statusCode, headers: responseHeaders, body: text },
      };
    try {
      const parsed: unknown = JSON.parse(text);
      return {
        kind: 'response',
        response: { status: response.statusCode, headers: responseHeaders, body: parsed },
      };
    } catch (cause) {
      // An unreadable error body still carries its status; an unreadable success body is a failed read.
      if (response.statusCode >= 200 && response.statusCode < 300) {
        return { kind: 'malformed', status: response.statusCode, cause };
      }
      return {
        kind: 'response',
        response: { status: response.statusCode, headers: responseHeaders, body: undefined },
      };
    }
  }

  #errorForResponse(
    request: HttpRequest,
    response: HttpResponse,
    retryAfterMs: number | undefined,
    isRead: boolean,
  ): ConnectorError {
    const { status, body } = response;
    const kind = this.#options.classifyError?.(status, body) ?? kindForStatus(status);
    const vendorMessage = truncate(this.#options.describeError?.(status, body));
    const hint = HINTS[kind] ?? '';
    const message =
      `${this.#options.vendor} ${request.operation} failed with HTTP ${status}` +
      (vendorMessage ? `: ${vendorMessage}` : '') +
      (hint ? `. ${hint}` : '');
    return new ConnectorError(kind, message, {
      status,
      outcome: isRead ? 'not_applied' : outcomeForStatus(status),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  #errorForTransport(request: HttpRequest, caught: unknown, isRead: boolean): ConnectorError {
    if (caught instanceof ConnectorError) return caught;
    const vendor = this.#options.vendor;
    const isTimeout = caught instanceof DOMException && caught.name === 'TimeoutError';
    if (isPermanentTransportError(caught)) {
      const reason = caught instanceof Error ? caught.message : 'refused';
      return new ConnectorError('invalid_request', `${vendor} ${request.operation}: ${reason}`, {
        cause: caught,
        details: { reason: 'url_policy' },
      });
    }
    const isNotSent = isNotSentError(caught);
    const outcome = isRead || isNotSent ? 'not_applied' : 'unknown';
    const what = isTimeout ? 'timed out' : isNotSent ? 'could not connect' : 'lost the connection';
    return new ConnectorError('unavailable', `${vendor} ${request.operation} ${what}`, {
      cause: caught,
      outcome,
    });
  }
}

const HINTS: Partial<Record<ConnectorErrorKind, string>> = {
  unauthenticated: 'Check the client id and secret of this connection',
  forbidden: 'The API credential lacks a permission this needs',
  rate_limited: 'The app asked us to slow down',
};

function truncate(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine;
}

function normaliseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readText(
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      const error = new Error(`response larger than ${maxBytes} bytes`);
      body.destroy(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
