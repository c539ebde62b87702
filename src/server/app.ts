// The HTTP application: Fastify with request ids, safe request logs, the hardened JSON parser,
// /healthz, /metrics, the SCIM endpoints of every connection under /scim/v2/:connection, and the
// admin API under /api/v1.
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { sql, type Kysely } from 'kysely';
import { ScimError } from '../scim/errors.ts';
import type { Database } from '../store/database-types.ts';
import { adminRoutes, type AdminRoutesOptions } from './admin/routes.ts';
import type { Authenticate } from './auth.ts';
import { registerJsonBodyParser } from './json-body.ts';
import { registerHttpMetrics } from './metrics.ts';
import { scimRoutes, type ScimLimits, type ScimRoutesOptions } from './scim/routes.ts';
import { webhookRoutes, type WebhookRoutesOptions } from './webhooks.ts';

export interface AppDependencies {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  /** External base URL without a trailing slash. */
  readonly publicUrl: string;
  readonly authenticate: Authenticate;
  readonly limits: ScimLimits;
  /** Largest request body; larger ones answer 413. */
  readonly maxBodyBytes: number;
  /** SCIM requests per second per token; 0 turns the limit off. */
  readonly rateLimitRps: number;
  /** Defaults to a silent logger. */
  readonly logger?: FastifyBaseLogger;
  /** How long /healthz waits for the database before answering 503. */
  readonly healthTimeoutMs?: number;
  /** HR-source push notifications; absent, no webhook route is served. */
  readonly webhooks?: WebhookRoutesOptions;
  /** Write gateways of connections whose SCIM writes go downstream (Personio); see ScimRoutesOptions. */
  readonly scimGatewayFor?: ScimRoutesOptions['gatewayFor'];
  /** The admin API's repositories; absent, nothing is served under /api/v1. */
  readonly admin?: Omit<AdminRoutesOptions, 'publicUrl'>;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * One line per request with what is safe to keep: method, route pattern, path without its query
 * (filters carry personal data), status and time. Authorization never reaches a log line.
 */
class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: pathOf(request.url),
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/** Builds the application; the caller listens (or injects) and closes it. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    logController: new RequestLogController(),
    bodyLimit: deps.maxBodyBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    genReqId: (raw) => {
      // Keep a caller's id for tracing across systems, but only when it is short and plain.
      const header = raw.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
    },
    // Slow-loris protection: a request must arrive completely within two minutes.
    requestTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerJsonBodyParser(app, deps.maxBodyBytes);
  registerHttpMetrics(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message = status >= 500 ? `internal error (request id ${request.id})` : error.message;
    return sendError(request, reply, status, errorCodeOf(status), message);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, 404, 'not_found', `nothing at ${request.method} ${pathOf(request.url)}`),
  );

  app.get('/healthz', async (_request, reply) => {
    const database = await checkDatabase(deps.db, deps.healthTimeoutMs ?? 2000);
    return reply
      .code(database === 'ok' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: database === 'ok' ? 'ok' : 'unavailable', database });
  });

  await app.register(scimRoutes, {
    prefix: '/scim/v2/:connection',
    db: deps.db,
    dialect: deps.dialect,
    publicUrl: deps.publicUrl,
    authenticate: deps.authenticate,
    limits: deps.limits,
    rateLimitRps: deps.rateLimitRps,
    ...(deps.scimGatewayFor ? { gatewayFor: deps.scimGatewayFor } : {}),
  });
  if (deps.webhooks) await app.register(webhookRoutes, deps.webhooks);
  if (deps.admin)
    await app.register(adminRoutes, { prefix: '/api/v1', ...deps.admin, publicUrl: deps.publicUrl });

  return app;
}

async function checkDatabase(db: Kysely<Database>, timeoutMs: number): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unreachable'>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), timeoutMs);
  });
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(
        () => 'ok' as const,
        () => 'unreachable' as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** SCIM clients get RFC 7644 §3.12 bodies even outside the SCIM plugin; everyone else gets JSON. */
function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
): FastifyReply {
  if (pathOf(request.url).startsWith('/scim/')) {
    const body =
      status === 400
        ? new ScimError(400, message, 'invalidSyntax').toBody()
        : {
            schemas: [SCIM_ERROR_SCHEMA],
            status: String(status),
            detail: message,
          };
    return reply.code(status).type('application/scim+json; charset=utf-8').send(body);
  }
  return reply.code(status).send({ error: { code, message } });
}

function errorCodeOf(status: number): string {
  if (status === 400) return 'invalid_request';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status >= 500) return 'internal';
  return 'request_failed';
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).slice(0, 200);
}
