// The Fastify app: body parsers, and the hooks every vendor call goes through in order — request
// log, latency, injected faults, rate limits, authentication — then the v1, v2 and control routes,
// and the error and not-found handlers that answer in each API's own error format.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  type EmulatorContext,
  type RouteTraits,
  callStateOf,
  sendVendorError,
  traitsOf,
} from './emulator-context.ts';
import { type Fault, cutOff, isPageFault } from './faults.ts';
import { redactedQuery } from './request-log.ts';
import { registerControlRoutes } from './control-routes.ts';
import { registerV1Routes } from './v1-routes.ts';
import { registerV2Routes } from './v2-routes.ts';
import {
  V1_INVALID_AUTH_MESSAGE,
  V1_MISSING_AUTH_MESSAGE,
  V1_NOT_FOUND_MESSAGE,
  type VendorError,
  v1Error,
  v2Problem,
} from './vendor-errors.ts';

function apiOfUrl(url: string): 'v1' | 'v2' | 'control' | null {
  if (url.startsWith('/v1/') || url === '/v1') return 'v1';
  if (url.startsWith('/v2/') || url === '/v2') return 'v2';
  if (url.startsWith('/_emulator')) return 'control';
  return null;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function header(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The answer a generic fault (429, 5xx) gives, in the API's own format. */
function faultResponse(fault: Fault, api: 'v1' | 'v2', now: number): VendorError {
  const status = fault.kind === '429' || fault.kind === '429-no-retry-after' ? 429 : Number(fault.kind);
  const error =
    api === 'v1'
      ? v1Error(status, status === 429 ? 'Too Many Requests' : 'Es ist ein Problem aufgetreten')
      : v2Problem(
          status === 429
            ? 'too_many_requests'
            : status === 502
              ? 'bad_gateway'
              : status === 503
                ? 'service_unavailable'
                : status === 504
                  ? 'gateway_timeout'
                  : 'internal_server_error',
          status === 429
            ? 'Too many requests. Please try again later.'
            : 'There was a problem while processing this request. Please try again later.',
          now,
        );
  if (fault.kind === '429') error.headers = { 'retry-after': String(fault.retryAfterSeconds) };
  return error;
}

/** v1 answers rate limiting with 429 and no Retry-After ("retry after at least 1 s" is prose only). */
function rateLimited(api: 'v1' | 'v2', now: number, headers: Record<string, string>): VendorError {
  const error =
    api === 'v1'
      ? v1Error(429, 'Too Many Requests. Please retry after at least 1 second.')
      : v2Problem('too_many_requests', 'Rate limit exceeded.', now);
  error.headers = headers;
  return error;
}

function bearerOf(request: FastifyRequest): string | null {
  const value = header(request, 'authorization');
  if (value === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1] ?? null;
}

/** Builds the app; routes read `context.baseUrl` per request, so it may be set after listen. */
export function buildEmulatorApp(context: EmulatorContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: 1_048_576,
  });

  // JSON: an empty body is an empty object (POST /v1/auth with query-string credentials sends none).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        Object.assign(new Error('The request body is not valid JSON.', { cause: error }), {
          statusCode: 400,
        }),
      );
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [key, value] of new URLSearchParams(
        typeof body === 'string' ? body : body.toString('utf8'),
      )) {
        const existing = out[key];
        out[key] =
          existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
      }
      done(null, out);
    },
  );
  // Anything else reaches the route as text, so routes can answer in their own format (v2 token: 400).
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    const state = callStateOf(request);
    const api = apiOfUrl(request.url);
    if (api === 'v1' || api === 'v2') {
      state.logEntry = context.requestLog.add({
        method: request.method,
        path: pathOf(request.url),
        query: redactedQuery(request.url),
        status: null,
        time: new Date(context.clock.now()).toISOString(),
        duration_ms: null,
        fault: null,
        partner_id: header(request, 'x-personio-partner-id') ?? header(request, 'personio-partner-id'),
        app_id: header(request, 'x-personio-app-id') ?? header(request, 'personio-app-id'),
      });
    }
    context.company.runScheduledTransitions();
    const traits = traitsOf(request);
    if (!traits) return;

    if (context.options.latencyMs > 0) await sleep(context.options.latencyMs);

    const fault = context.faults.take(traits);
    state.fault = fault;
    if (fault && state.logEntry) state.logEntry.fault = fault.kind;
    if (fault?.kind === 'timeout') {
      // Hang past any sane client timeout; the socket is destroyed when the emulator closes.
      reply.hijack();
      context.hungSockets.add(request.raw.socket);
      return new Promise<never>(() => {});
    }
    if (fault && fault.kind !== 'expired-token' && !isPageFault(fault.kind)) {
      return sendVendorError(reply, faultResponse(fault, traits.api, context.clock.now()));
    }

    if (context.options.rateLimits) {
      const decision = checkRateLimits(context, request, traits);
      for (const [name, value] of Object.entries(decision.headers)) void reply.header(name, value);
      if (!decision.ok)
        return sendVendorError(reply, rateLimited(traits.api, context.clock.now(), decision.headers));
    }

    if (traits.isAuthenticated) {
      const failure = authenticate(context, request, traits);
      if (failure) return sendVendorError(reply, failure);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // v1 answers are not cacheable; no CORS headers anywhere (Personio blocks browser calls).
    if (apiOfUrl(request.url) === 'v1') void reply.header('cache-control', 'no-cache, private');
    const fault = callStateOf(request).fault;
    if (!fault || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    if (fault.kind === 'malformed-page') return cutOff(payload);
    if (fault.kind === 'truncated-page' || fault.kind === 'empty-list')
      return rewritePage(payload, fault.kind);
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const state = callStateOf(request);
    const duration = Math.round(performance.now() - state.startedAt);
    if (state.logEntry) {
      state.logEntry.status = reply.statusCode;
      state.logEntry.duration_ms = duration;
    }
    context.options.logger(`${request.method} ${pathOf(request.url)} ${reply.statusCode} ${duration}ms`);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const api = apiOfUrl(request.url);
    if (api === 'v1') return sendVendorError(reply, v1Error(404, V1_NOT_FOUND_MESSAGE));
    if (api === 'v2') {
      return sendVendorError(
        reply,
        v2Problem('resource_not_found', 'The requested resource was not found.', context.clock.now()),
      );
    }
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `No route ${request.method} ${pathOf(request.url)}.` } });
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    const api = apiOfUrl(request.url);
    if (status === 500)
      context.options.logger(
        `error ${request.method} ${pathOf(request.url)}: ${error.stack ?? error.message}`,
      );
    const message = status === 500 ? 'Es ist ein Problem aufgetreten' : error.message;
    if (api === 'v1') return sendVendorError(reply, v1Error(status, message));
    if (api === 'v2') {
      const code =
        status === 500 ? 'internal_server_error' : status === 404 ? 'resource_not_found' : 'bad_request';
      return sendVendorError(reply, v2Problem(code, message, context.clock.now()));
    }
    return reply
      .code(status)
      .send({ error: { code: status === 500 ? 'internal' : 'invalid_request', message } });
  });

  registerV1Routes(app, context);
  registerV2Routes(app, context);
  registerControlRoutes(app, context);
  return app;
}

function checkRateLimits(
  context: EmulatorContext,
  request: FastifyRequest,
  traits: RouteTraits,
): { ok: boolean; headers: Record<string, string> } {
  const now = context.clock.now();
  const ip = request.ip;
  const bearer = bearerOf(request);
  const credential =
    bearer === null
      ? ip
      : context.tokens.check(bearer, traits.api, now).ok
        ? context.options.clientId
        : bearer;
  if (traits.api === 'v1') {
    if (!context.limits.v1Ip(ip, now).ok) return { ok: false, headers: {} };
    if (traits.rateClass === 'v1-auth') return context.limits.v1AuthCall(ip, now);
    if (traits.rateClass === 'v1-employees' && request.method === 'GET')
      return context.limits.v1Employees(credential, now);
    return { ok: true, headers: {} };
  }
  if (traits.rateClass === 'v2-token') return context.limits.v2TokenCall(ip, now);
  return context.limits.v2Resource(credential, request.routeOptions.url ?? pathOf(request.url), now);
}

/**
 * v1: no or malformed `Authorization` → 401 "Authorization is not provided"; unknown, expired or
 * revoked token → 403 "Provided authorization is not valid" (spec examples). v2: 401 for a bad
 * token, 403 for a missing scope. The `expired-token` fault expires the presented token first.
 */
function authenticate(
  context: EmulatorContext,
  request: FastifyRequest,
  traits: RouteTraits,
): VendorError | null {
  const now = context.clock.now();
  const state = callStateOf(request);
  const bearer = bearerOf(request);
  if (bearer === null) {
    return traits.api === 'v1'
      ? v1Error(401, V1_MISSING_AUTH_MESSAGE)
      : v2Problem('unauthorized', 'The request is missing a valid bearer token.', now);
  }
  if (state.fault?.kind === 'expired-token') context.tokens.expire(bearer, now);
  const check = context.tokens.check(bearer, traits.api, now);
  if (!check.ok) {
    return traits.api === 'v1'
      ? v1Error(403, V1_INVALID_AUTH_MESSAGE)
      : v2Problem(
          'unauthorized',
          check.reason === 'expired' ? 'The access token has expired.' : 'The access token is invalid.',
          now,
        );
  }
  if (traits.api === 'v2' && traits.scope !== undefined && !check.token.scopes.includes(traits.scope)) {
    return v2Problem('forbidden', `The access token lacks the scope ${traits.scope}.`, now);
  }
  state.token = check.token;
  return null;
}

/** `truncated-page` keeps the totals but drops half the rows; `empty-list` says there is nothing. */
function rewritePage(payload: string, kind: 'truncated-page' | 'empty-list'): string {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return payload;
  }
  if (Array.isArray(body.data)) {
    if (kind === 'truncated-page') body.data = body.data.slice(0, Math.floor(body.data.length / 2));
    else {
      body.data = [];
      body.metadata = { total_elements: 0, current_page: 0, total_pages: 0 };
    }
  } else if (Array.isArray(body._data)) {
    if (kind === 'truncated-page') body._data = body._data.slice(0, Math.floor(body._data.length / 2));
    else {
      body._data = [];
      const meta = body._meta as { links?: Record<string, unknown> } | undefined;
      if (meta?.links) delete meta.links.next;
    }
  }
  return JSON.stringify(body);
}
