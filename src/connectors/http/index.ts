// The outbound HTTP client connectors use, and its building blocks (URL policy, pacing, retry policy).
export { HTTP_METHODS, createHttpClientFactory, realSleep } from './http-client.ts';
export type {
  AuthProvider,
  HttpClient,
  HttpClientFactory,
  HttpClientFactoryOptions,
  HttpClientOptions,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  QueryValue,
  Sleep,
} from './http-client.ts';
export { createRateLimiter } from './rate-limiter.ts';
export type { RateLimiter, RateLimitPolicy, RateLimitWindow } from './rate-limiter.ts';
export {
  DEFAULT_RETRY_POLICY,
  RETRYABLE_STATUSES,
  decideRetry,
  fullJitterDelay,
  parseRetryAfter,
} from './retry-policy.ts';
export type { RetryDecision, RetryPolicy } from './retry-policy.ts';
export { kindForStatus, outcomeForStatus } from './status-kinds.ts';
export {
  ADDRESS_CLASSES,
  OutboundAddressRefusedError,
  checkOutboundUrl,
  classifyAddress,
  createGuardedLookup,
  refusalForResolvedAddress,
  systemResolver,
} from './url-policy.ts';
export type { AddressClass, HostResolver, UrlCheck } from './url-policy.ts';
