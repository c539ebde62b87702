// What every route module shares: the company, clock, tokens, faults, limits, request log and
// webhooks of one running emulator, the per-route traits hooks act on, and per-call state.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { Company } from './company.ts';
import type { IssuedToken, TokenStore } from './credentials.ts';
import type { EmulatorClock } from './emulator-clock.ts';
import type { Fault, FaultQueue } from './faults.ts';
import type { ResolvedOptions } from './options.ts';
import type { PersonioRateLimits } from './rate-limiter.ts';
import type { RequestLog, RequestLogEntry } from './request-log.ts';
import type { VendorError } from './vendor-errors.ts';
import type { WebhookDispatcher } from './webhooks.ts';

export interface EmulatorContext {
  options: ResolvedOptions;
  clock: EmulatorClock;
  company: Company;
  tokens: TokenStore;
  faults: FaultQueue;
  limits: PersonioRateLimits;
  requestLog: RequestLog;
  webhooks: WebhookDispatcher;
  /** `http://host:port` once listening. */
  baseUrl: string;
  /** Sockets of calls held open by the `timeout` fault; destroyed on close. */
  hungSockets: Set<Socket>;
}

export const RATE_CLASSES = ['v1-auth', 'v1-employees', 'v1-other', 'v2-token', 'v2-resource'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/** Declared on each vendor route through Fastify's route `config`. */
export interface RouteTraits {
  api: 'v1' | 'v2';
  /** A paginated list (page faults apply). */
  isList: boolean;
  /** Needs a bearer token (401/403 and the `expired-token` fault apply). */
  isAuthenticated: boolean;
  rateClass: RateClass;
  /** v2 scope the token needs. */
  scope?: string;
}

export function traitsOf(request: FastifyRequest): RouteTraits | null {
  const config = request.routeOptions.config as Partial<RouteTraits> | undefined;
  return config?.api === 'v1' || config?.api === 'v2' ? (config as RouteTraits) : null;
}

export interface CallState {
  startedAt: number;
  fault: Fault | null;
  token: IssuedToken | null;
  logEntry: RequestLogEntry | null;
}

const calls = new WeakMap<FastifyRequest, CallState>();

export function callStateOf(request: FastifyRequest): CallState {
  let state = calls.get(request);
  if (!state) {
    state = { startedAt: performance.now(), fault: null, token: null, logEntry: null };
    calls.set(request, state);
  }
  return state;
}

/** The token the authentication hook accepted for this call. */
export function tokenOf(request: FastifyRequest): IssuedToken {
  const token = callStateOf(request).token;
  if (!token) throw new Error('route is not authenticated');
  return token;
}

export function sendVendorError(reply: FastifyReply, error: VendorError): FastifyReply {
  if (error.headers) void reply.headers(error.headers);
  return reply.code(error.status).type(error.contentType).send(error.body);
}
