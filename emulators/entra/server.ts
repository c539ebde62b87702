// The Fastify app of the Entra emulator: the identity platform's token endpoint, Graph's bulkUpload
// and provisioning-log endpoints (v1.0 and beta paths), and the `/_emulator` control API. Every vendor
// call goes through the same steps in order: request log, injected fault, documented rate limits,
// authentication and permission, then the endpoint itself.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  ENTRA_FAULT_ENDPOINTS,
  ENTRA_FAULT_KINDS,
  type EntraEndpoint,
  type EntraFault,
  type EntraFaultEndpoint,
  type EntraFaultKind,
  type EntraFaultQueue,
} from './faults.ts';
import { type EmulatorErrorReply, faultError, graphError, oauthError } from './graph-errors.ts';
import { decodeSkipToken, encodeSkipToken, parseLogFilter } from './log-query.ts';
import type { EntraPermission, ResolvedEntraOptions } from './options.ts';
import type { EntraTenant } from './tenant.ts';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/** Documented: at most 50 user operations per bulk request. */
export const MAX_OPERATIONS_PER_UPLOAD = 50;
/** Documented: 40 bulkUpload calls within any 5-second window. */
const UPLOAD_WINDOW = { cap: 40, ms: 5_000 };
const DAY_MS = 86_400_000;
/** Documented for the identity and access reports (auditLogRoot): 5 requests per 10 seconds per app per tenant. */
const LOG_WINDOW = { cap: 5, ms: 10_000 };

export interface EntraRequestLogEntry {
  method: string;
  path: string;
  endpoint: EntraEndpoint | 'unknown';
  status: number | null;
  time: string;
  fault: EntraFaultKind | null;
  /** bulkUpload only: how many operations the request carried (null when it was not a valid bulk request). */
  operations: number | null;
  contentType: string | null;
}

export interface EntraEmulatorContext {
  readonly options: ResolvedEntraOptions;
  readonly tenant: EntraTenant;
  readonly faults: EntraFaultQueue;
  /** access token → expiry (ms since epoch, emulator clock). */
  readonly tokens: Map<string, number>;
  readonly requestLog: EntraRequestLogEntry[];
  readonly windows: { uploads: number[]; uploadsToday: number[]; logs: number[] };
  readonly hungSockets: Set<Socket>;
  baseUrl: string;
}

function send(reply: FastifyReply, error: EmulatorErrorReply): FastifyReply {
  for (const [name, value] of Object.entries(error.headers ?? {})) void reply.header(name, value);
  return reply.code(error.status).type('application/json').send(JSON.stringify(error.body));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Sliding window: records `now` and returns 0 when there is room, else the seconds until there is. */
function admit(times: number[], cap: number, windowMs: number, now: number): number {
  while (times.length > 0 && (times[0] ?? 0) <= now - windowMs) times.shift();
  if (times.length < cap) {
    times.push(now);
    return 0;
  }
  return Math.max(1, Math.ceil(((times[0] ?? now) + windowMs - now) / 1000));
}

interface Guarded {
  readonly entry: EntraRequestLogEntry;
  readonly fault: EntraFault | null;
}

export function buildEntraApp(context: EntraEmulatorContext): FastifyInstance {
  const { options, tenant, faults } = context;
  const now = (): Date => options.now();
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 1_048_576 });
  // Every body reaches the routes as text, so each endpoint answers bad input in its own format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onResponse', async (request, reply) => {
    const entry = (request as FastifyRequest & { entraLog?: EntraRequestLogEntry }).entraLog;
    if (entry) entry.status = reply.statusCode;
    options.logger(`${request.method} ${pathOf(request.url)} ${reply.statusCode}`);
  });

  /**
   * The steps before an endpoint: log, fault, rate limit. Resolves to null when it has answered (or
   * hung) the call.
   */
  const guard = async (
    endpoint: EntraEndpoint,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<Guarded | null> => {
    const entry: EntraRequestLogEntry = {
      method: request.method,
      path: pathOf(request.url),
      endpoint,
      status: null,
      time: now().toISOString(),
      fault: null,
      operations: null,
      contentType:
        typeof request.headers['content-type'] === 'string' ? request.headers['content-type'] : null,
    };
    context.requestLog.push(entry);
    (request as FastifyRequest & { entraLog?: EntraRequestLogEntry }).entraLog = entry;
    const fault = faults.take(endpoint);
    entry.fault = fault?.kind ?? null;
    if (fault && !fault.afterAccepting) {
      if (fault.kind === 'timeout') {
        hang(request, reply);
        return null;
      }
      if (/^\d+$/.test(fault.kind)) {
        const status = Number(fault.kind);
        if (endpoint === 'token') {
          send(
            reply,
            oauthError(
              status,
              'temporarily_unavailable',
              90_006,
              'The service is temporarily unavailable.',
              now(),
            ),
          );
        } else send(reply, faultError(status, now(), fault.retryAfterSeconds));
        return null;
      }
    }
    if (options.rateLimits && endpoint !== 'token') {
      const t = now().getTime();
      const wait =
        endpoint === 'bulkUpload'
          ? admit(context.windows.uploads, UPLOAD_WINDOW.cap, UPLOAD_WINDOW.ms, t)
          : admit(context.windows.logs, LOG_WINDOW.cap, LOG_WINDOW.ms, t);
      if (wait > 0) {
        send(
          reply,
          graphError(429, 'TooManyRequests', 'Too many requests.', now(), { 'retry-after': String(wait) }),
        );
        return null;
      }
    }
    return { entry, fault };
  };

  const hang = (request: FastifyRequest, reply: FastifyReply): void => {
    // No answer until the client gives up; the socket is destroyed when the emulator closes.
    reply.hijack();
    context.hungSockets.add(request.raw.socket);
  };

  /** Bearer token and permission check, in Graph's format. */
  const authorize = (
    request: FastifyRequest,
    reply: FastifyReply,
    fault: EntraFault | null,
    permissions: readonly EntraPermission[],
  ): boolean => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (token === undefined) {
      send(reply, graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.', now()));
      return false;
    }
    const expiresAt = context.tokens.get(token);
    if (expiresAt === undefined) {
      send(
        reply,
        graphError(
          401,
          'InvalidAuthenticationToken',
          'Access token validation failure. Invalid audience.',
          now(),
        ),
      );
      return false;
    }
    if (fault?.kind === 'expired-token' || expiresAt <= now().getTime()) {
      context.tokens.delete(token);
      send(
        reply,
        graphError(
          401,
          'InvalidAuthenticationToken',
          'Lifetime validation failed, the token is expired.',
          now(),
        ),
      );
      return false;
    }
    if (!permissions.some((p) => options.permissions.has(p))) {
      send(
        reply,
        graphError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
          now(),
        ),
      );
      return false;
    }
    return true;
  };

  // ------------------------------------------------------------------------------------------------
  // Token endpoint (identity platform v2.0, client credentials)
  // ------------------------------------------------------------------------------------------------
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const guarded = await guard('token', request, reply);
    if (guarded === null) return reply;
    const contentType = String(request.headers['content-type'] ?? '');
    if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return send(
        reply,
        oauthError(
          400,
          'invalid_request',
          900_144,
          "The request body must contain the following parameter: 'grant_type'.",
          now(),
        ),
      );
    }
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    if (request.params.tenant !== options.tenantId) {
      return send(
        reply,
        oauthError(400, 'invalid_request', 90_002, `Tenant '${request.params.tenant}' not found.`, now()),
      );
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return send(
        reply,
        oauthError(
          400,
          'unsupported_grant_type',
          70_003,
          'The app requested an unsupported grant type.',
          now(),
        ),
      );
    }
    if (form.get('client_id') !== options.clientId) {
      return send(
        reply,
        oauthError(
          400,
          'unauthorized_client',
          700_016,
          `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`,
          now(),
        ),
      );
    }
    if (form.get('client_secret') !== options.clientSecret) {
      return send(
        reply,
        oauthError(
          401,
          'invalid_client',
          7_000_215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
          now(),
        ),
      );
    }
    if (form.get('scope') !== GRAPH_SCOPE) {
      return send(
        reply,
        oauthError(
          400,
          'invalid_scope',
          1_002_012,
          `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
          now(),
        ),
      );
    }
    const token = randomBytes(32).toString('base64url');
    context.tokens.set(token, now().getTime() + options.tokenLifetimeSeconds * 1000);
    return reply.code(200).type('application/json').send({
      token_type: 'Bearer',
      expires_in: options.tokenLifetimeSeconds,
      ext_expires_in: options.tokenLifetimeSeconds,
      access_token: token,
    });
  });

  // ------------------------------------------------------------------------------------------------
  // bulkUpload
  // ------------------------------------------------------------------------------------------------
  app.post<{ Params: { version: string; sp: string; job: string } }>(
    '/:version/servicePrincipals/:sp/synchronization/jobs/:job/bulkUpload',
    async (request, reply) => {
      const guarded = await guard('bulkUpload', request, reply);
      if (guarded === null) return reply;
      if (!authorize(request, reply, guarded.fault, ['SynchronizationData-User.Upload'])) return reply;
      const { version, sp, job } = request.params;
      if (
        (version !== 'v1.0' && version !== 'beta') ||
        sp !== options.servicePrincipalId ||
        job !== options.jobId
      ) {
        return send(
          reply,
          graphError(
            404,
            'Request_ResourceNotFound',
            `Resource '${sp}/${job}' does not exist or one of its queried reference-property objects are not present.`,
            now(),
          ),
        );
      }
      const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
      if (!contentType.startsWith('application/scim+json')) {
        return send(
          reply,
          graphError(
            400,
            'BadRequest',
            'Invalid Data Format: the Content-Type header must be application/scim+json.',
            now(),
          ),
        );
      }
      const parsed = parseBulkRequest(typeof request.body === 'string' ? request.body : '');
      if (!parsed.ok)
        return send(reply, graphError(400, 'BadRequest', `Invalid Data Format: ${parsed.error}`, now()));
      guarded.entry.operations = parsed.operations.length;
      const daily = options.rateLimits
        ? admit(context.windows.uploadsToday, options.dailyUploadQuota, DAY_MS, now().getTime())
        : 0;
      if (daily > 0) {
        return send(
          reply,
          graphError(429, 'TooManyRequests', 'The daily bulkUpload quota of this tenant is used up.', now(), {
            'retry-after': String(daily),
          }),
        );
      }
      tenant.accept(
        { cycleId: randomUUID(), acceptedAt: now(), operations: parsed.operations },
        options.processingDelayMs,
      );
      const location = `${context.baseUrl}/${version}/auditLogs/provisioning?$filter=${encodeURIComponent(`jobId eq '${job}'`)}`;
      const fault = guarded.fault;
      if (fault?.afterAccepting) {
        if (fault.kind === 'timeout') {
          hang(request, reply);
          return reply;
        }
        return send(reply, faultError(Number(fault.kind), now(), fault.retryAfterSeconds));
      }
      return reply.code(202).header('location', location).send();
    },
  );

  // ------------------------------------------------------------------------------------------------
  // Provisioning logs
  // ------------------------------------------------------------------------------------------------
  app.get<{ Params: { version: string }; Querystring: Record<string, string | undefined> }>(
    '/:version/auditLogs/provisioning',
    async (request, reply) => {
      const guarded = await guard('provisioning', request, reply);
      if (guarded === null) return reply;
      if (!authorize(request, reply, guarded.fault, ['AuditLog.Read.All', 'ProvisioningLog.Read.All']))
        return reply;
      const { version } = request.params;
      if (version !== 'v1.0' && version !== 'beta') {
        return send(reply, graphError(400, 'BadRequest', `Invalid version: ${version}`, now()));
      }
      const query = request.query;
      let predicate: ((e: (typeof tenant.logs)[number]) => boolean) | null = null;
      if (query['$filter'] !== undefined) {
        const filter = parseLogFilter(query['$filter']);
        if (!filter.ok) return send(reply, graphError(400, 'BadRequest', filter.error, now()));
        predicate = filter.value;
      }
      const topText = query['$top'];
      const top = topText === undefined ? options.defaultLogPageSize : Number(topText);
      if (!Number.isInteger(top) || top < 1 || top > options.maxLogPageSize) {
        return send(
          reply,
          graphError(
            400,
            'BadRequest',
            `Invalid $top value: ${topText ?? ''}; it must be between 1 and ${options.maxLogPageSize}.`,
            now(),
          ),
        );
      }
      const orderBy = (query['$orderby'] ?? 'activityDateTime desc').trim();
      const order = /^activityDateTime(\s+(asc|desc))?$/i.exec(orderBy);
      if (!order)
        return send(
          reply,
          graphError(400, 'BadRequest', `Ordering by '${orderBy}' is not supported.`, now()),
        );
      const isAscending = (order[2] ?? 'asc').toLowerCase() === 'asc';
      const skipToken = query['$skiptoken'];
      const cursor = skipToken === undefined ? null : decodeSkipToken(skipToken);
      if (skipToken !== undefined && cursor === null) {
        return send(reply, graphError(400, 'BadRequest', 'Invalid $skiptoken.', now()));
      }
      // Keyset paging over (time, position): entries that arrive while a client pages never shift a page.
      const keyed = tenant.logs
        .map((entry, seq) => ({ entry, seq, time: Date.parse(entry.activityDateTime) }))
        .filter(({ entry }) => predicate === null || predicate(entry))
        .sort((a, b) => (isAscending ? a.time - b.time || a.seq - b.seq : b.time - a.time || b.seq - a.seq));
      const after =
        cursor === null
          ? keyed
          : keyed.filter((k) =>
              isAscending
                ? k.time > cursor.time || (k.time === cursor.time && k.seq > cursor.seq)
                : k.time < cursor.time || (k.time === cursor.time && k.seq < cursor.seq),
            );
      const page = after.slice(0, top);
      const last = page.at(-1);
      const body: Record<string, unknown> = {
        '@odata.context': `https://graph.microsoft.com/${version}/$metadata#auditLogs/provisioning`,
        value: page.map((k) => k.entry),
      };
      if (after.length > top && last !== undefined) {
        const next = new URL(`${context.baseUrl}/${version}/auditLogs/provisioning`);
        for (const [key, value] of Object.entries(query)) {
          if (key !== '$skiptoken' && value !== undefined) next.searchParams.set(key, value);
        }
        next.searchParams.set('$skiptoken', encodeSkipToken({ time: last.time, seq: last.seq }));
        body['@odata.nextLink'] = next.toString();
      }
      let payload = JSON.stringify(body);
      if (guarded.fault?.kind === 'malformed-page')
        payload = payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
      return reply
        .code(200)
        .type(
          'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8',
        )
        .send(payload);
    },
  );

  registerControlRoutes(app, context);

  app.setNotFoundHandler(async (request, reply) => {
    if (request.url.startsWith('/_emulator')) return reply.code(404).send({ error: 'no such control route' });
    return send(
      reply,
      graphError(
        400,
        'BadRequest',
        `Resource not found for the segment '${pathOf(request.url).split('/').at(-1) ?? ''}'.`,
        now(),
      ),
    );
  });
  return app;
}

type ParsedBulk =
  | { ok: true; operations: { bulkId: string; data: Record<string, unknown> }[] }
  | { ok: false; error: string };

/** The bulk request's shape, as the bulkUpload reference describes it; record contents are checked later. */
export function parseBulkRequest(text: string): ParsedBulk {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the request body is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, error: 'the request body must be a JSON object' };
  const record = body as Record<string, unknown>;
  const schemas = record['schemas'];
  if (!Array.isArray(schemas) || !schemas.includes(BULK_REQUEST)) {
    return { ok: false, error: `schemas must contain ${BULK_REQUEST}` };
  }
  const operations = record['Operations'];
  if (!Array.isArray(operations) || operations.length === 0)
    return { ok: false, error: 'Operations must be a non-empty array' };
  if (operations.length > MAX_OPERATIONS_PER_UPLOAD) {
    return {
      ok: false,
      error: `a bulk request may contain at most ${MAX_OPERATIONS_PER_UPLOAD} operations; this one has ${operations.length}`,
    };
  }
  const out: { bulkId: string; data: Record<string, unknown> }[] = [];
  const bulkIds = new Set<string>();
  for (const [index, operation] of operations.entries()) {
    if (typeof operation !== 'object' || operation === null)
      return { ok: false, error: `Operations[${index}] must be an object` };
    const op = operation as Record<string, unknown>;
    if (op['method'] !== 'POST') return { ok: false, error: `Operations[${index}].method must be POST` };
    if (op['path'] !== '/Users') return { ok: false, error: `Operations[${index}].path must be /Users` };
    const bulkId = op['bulkId'];
    if (typeof bulkId !== 'string' || bulkId === '')
      return { ok: false, error: `Operations[${index}].bulkId is required` };
    if (bulkIds.has(bulkId)) return { ok: false, error: `bulkId '${bulkId}' appears twice` };
    bulkIds.add(bulkId);
    const data = op['data'];
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      return { ok: false, error: `Operations[${index}].data must be an object` };
    const dataSchemas = (data as Record<string, unknown>)['schemas'];
    if (!Array.isArray(dataSchemas) || dataSchemas.length === 0)
      return { ok: false, error: `Operations[${index}].data.schemas is required` };
    out.push({ bulkId, data: data as Record<string, unknown> });
  }
  return { ok: true, operations: out };
}

function registerControlRoutes(app: FastifyInstance, context: EntraEmulatorContext): void {
  const { tenant, faults, options } = context;
  const json = (body: unknown): Record<string, unknown> => {
    if (typeof body !== 'string' || body.trim() === '') return {};
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  };

  app.get('/_emulator', async () => ({
    tenantId: options.tenantId,
    clientId: options.clientId,
    servicePrincipalId: options.servicePrincipalId,
    jobId: options.jobId,
    loginUrl: context.baseUrl,
    graphUrl: context.baseUrl,
    paused: tenant.paused,
  }));
  app.get('/_emulator/users', async () => ({ users: tenant.users }));
  app.post('/_emulator/users', async (request, reply) => {
    const body = json(request.body);
    const { employeeId, userPrincipalName, displayName } = body;
    if (
      typeof employeeId !== 'string' ||
      typeof userPrincipalName !== 'string' ||
      typeof displayName !== 'string'
    ) {
      return reply.code(400).send({ error: 'employeeId, userPrincipalName and displayName are required' });
    }
    return reply.code(201).send(tenant.seedUser({ ...body, employeeId, userPrincipalName, displayName }));
  });
  app.get('/_emulator/logs', async () => ({ logs: tenant.logs }));
  app.get('/_emulator/requests', async () => ({ requests: context.requestLog }));
  app.post('/_emulator/process', async () => ({ processed: tenant.processPending() }));
  app.put('/_emulator/job', async (request, reply) => {
    const paused = json(request.body)['paused'];
    if (typeof paused !== 'boolean') return reply.code(400).send({ error: 'paused must be a boolean' });
    tenant.paused = paused;
    return { paused, pendingUploads: tenant.pendingUploads };
  });
  app.get('/_emulator/faults', async () => ({ faults: faults.list() }));
  app.delete('/_emulator/faults', async () => {
    faults.clear();
    return { faults: [] };
  });
  app.post('/_emulator/faults', async (request, reply) => {
    const body = json(request.body);
    const kind = body['kind'];
    const endpoint = body['endpoint'] ?? 'graph';
    const count = body['count'] ?? 1;
    const retryAfterSeconds = body['retryAfterSeconds'] ?? 1;
    const afterAccepting = body['afterAccepting'] ?? false;
    if (!(ENTRA_FAULT_KINDS as readonly unknown[]).includes(kind)) {
      return reply.code(400).send({ error: `kind must be one of ${ENTRA_FAULT_KINDS.join(', ')}` });
    }
    if (!(ENTRA_FAULT_ENDPOINTS as readonly unknown[]).includes(endpoint)) {
      return reply.code(400).send({ error: `endpoint must be one of ${ENTRA_FAULT_ENDPOINTS.join(', ')}` });
    }
    if (!Number.isInteger(count) || (count as number) < 1)
      return reply.code(400).send({ error: 'count must be a positive integer' });
    if (!Number.isInteger(retryAfterSeconds) || (retryAfterSeconds as number) < 0) {
      return reply.code(400).send({ error: 'retryAfterSeconds must be a non-negative integer' });
    }
    if (typeof afterAccepting !== 'boolean')
      return reply.code(400).send({ error: 'afterAccepting must be a boolean' });
    faults.add({
      kind: kind as EntraFaultKind,
      endpoint: endpoint as EntraFaultEndpoint,
      count: count as number,
      retryAfterSeconds: retryAfterSeconds as number,
      afterAccepting,
    });
    return reply.code(201).send({ faults: faults.list() });
  });
  app.post('/_emulator/reset', async () => {
    tenant.reset();
    faults.clear();
    context.tokens.clear();
    context.requestLog.length = 0;
    context.windows.uploads.length = 0;
    context.windows.uploadsToday.length = 0;
    context.windows.logs.length = 0;
    return { reset: true };
  });
}
