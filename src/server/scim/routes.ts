// SCIM 2.0 HTTP routes for one connection: /scim/v2/:connection/... (RFC 7644). Every answer,
// errors included, is application/scim+json with an RFC 7644 §3.12 body where it is an error.
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { ScimError, badRequest } from '../../scim/errors.ts';
import { URN } from '../../scim/schema.ts';
import type { Database } from '../../store/database-types.ts';
import { ScimRepository, type ScimResourceType } from '../../store/scim-repository.ts';
import { runBulk } from './bulk.ts';
import {
  RESOURCE_TYPES,
  SCHEMAS,
  listResponse,
  resourceTypeDocument,
  schemaDocument,
  serviceProviderConfig,
} from './discovery.ts';
import {
  createResource,
  deleteResource,
  getResource,
  listResources,
  patchResource,
  projectionFrom,
  replaceResource,
  type EndpointContext,
  type ListParams,
  type ScimOutcome,
  type ScimWriteGateway,
} from './endpoints.ts';
import { TokenBucketLimiter } from './rate-limiter.ts';

/** Limits advertised in /ServiceProviderConfig and enforced by the routes. */
export interface ScimLimits {
  readonly maxResults: number;
  readonly bulkMaxOperations: number;
  readonly bulkMaxPayloadBytes: number;
  readonly maxBodyBytes: number;
}

export interface ScimRoutesOptions {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  /** External base URL without trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly publicUrl: string;
  /**
   * Checks a bearer token for one connection. Resolves to the token id, or null when the header is
   * missing, malformed, unknown, expired, revoked, or belongs to another connection.
   */
  readonly authenticate: (
    authorization: string | undefined,
    connectionId: string,
  ) => Promise<{ readonly tokenId: string } | null>;
  readonly limits: ScimLimits;
  /** Requests per second per token; 0 turns the limit off. */
  readonly rateLimitRps: number;
  /** Injected clock, for the rate limiter. */
  readonly now?: () => number;
  /** The write gateway of a connection whose writes go downstream (Personio), for one token; undefined otherwise. */
  readonly gatewayFor?: (connectionId: string, tokenId: string) => Promise<ScimWriteGateway | undefined>;
}

const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

interface ConnectionParams {
  connection: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    scimContext?: EndpointContext;
  }
}

/** Registered under the prefix `/scim/v2/:connection`. */
export const scimRoutes: FastifyPluginAsync<ScimRoutesOptions> = async (app, options) => {
  const repository = new ScimRepository(options.db, options.dialect);
  const limiter =
    options.rateLimitRps > 0 ? new TokenBucketLimiter(options.rateLimitRps, options.now) : undefined;

  if (!app.hasContentTypeParser('application/scim+json')) {
    app.addContentTypeParser(
      'application/scim+json',
      { parseAs: 'string', bodyLimit: options.limits.maxBodyBytes },
      app.getDefaultJsonParser('error', 'error'),
    );
  }

  app.setErrorHandler((error: FastifyError | ScimError, request, reply) => {
    const scimError = toScimError(error);
    if (scimError.status >= 500) request.log.error({ err: error }, 'SCIM request failed');
    return sendError(reply, scimError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ScimError(404, `no SCIM endpoint at ${request.method} ${safePath(request.url)}`)),
  );

  app.addHook('onRequest', async (request: FastifyRequest<{ Params: ConnectionParams }>, reply) => {
    const connectionId = request.params.connection;
    const auth = await options.authenticate(request.headers.authorization, connectionId);
    if (!auth) {
      reply.header('WWW-Authenticate', 'Bearer realm="roster"');
      throw new ScimError(
        401,
        'a valid bearer token for this connection is required (roster token create <connection>)',
      );
    }
    if (limiter) {
      const waitMs = limiter.take(auth.tokenId);
      if (waitMs > 0) {
        reply.header('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
        throw new ScimError(
          429,
          `too many requests for this token; retry after ${Math.ceil(waitMs / 1000)} s`,
        );
      }
    }
    const gateway =
      options.gatewayFor && request.method !== 'GET'
        ? await options.gatewayFor(connectionId, auth.tokenId)
        : undefined;
    request.scimContext = {
      repository,
      connectionId,
      baseUrl: `${options.publicUrl}/scim/v2/${encodeURIComponent(connectionId)}`,
      maxResults: options.limits.maxResults,
      ...(gateway ? { gateway } : {}),
    };
  });

  const ctxOf = (request: FastifyRequest): EndpointContext => {
    if (!request.scimContext) throw new ScimError(401, 'not authenticated');
    return request.scimContext;
  };

  // --- Discovery (RFC 7644 §4): a filter there "SHOULD" answer 403. ---
  const refuseFilter = (request: FastifyRequest): void => {
    const query = request.query as Record<string, unknown>;
    if (query['filter'] !== undefined)
      throw new ScimError(403, 'discovery endpoints do not support filtering');
  };
  app.get('/ServiceProviderConfig', async (request, reply) => {
    refuseFilter(request);
    return send(reply, { status: 200, body: serviceProviderConfig(ctxOf(request).baseUrl, options.limits) });
  });
  app.get('/ResourceTypes', async (request, reply) => {
    refuseFilter(request);
    const base = ctxOf(request).baseUrl;
    return send(reply, {
      status: 200,
      body: listResponse(RESOURCE_TYPES.map((rt) => resourceTypeDocument(rt, base))),
    });
  });
  app.get<{ Params: ConnectionParams & { id: string } }>('/ResourceTypes/:id', async (request, reply) => {
    const rt = RESOURCE_TYPES.find((r) => r.id.toLowerCase() === request.params.id.toLowerCase());
    if (!rt) throw new ScimError(404, `no resource type '${request.params.id.slice(0, 80)}'`);
    return send(reply, { status: 200, body: resourceTypeDocument(rt, ctxOf(request).baseUrl) });
  });
  app.get('/Schemas', async (request, reply) => {
    refuseFilter(request);
    const base = ctxOf(request).baseUrl;
    return send(reply, { status: 200, body: listResponse(SCHEMAS.map((s) => schemaDocument(s, base))) });
  });
  app.get<{ Params: ConnectionParams & { id: string } }>('/Schemas/:id', async (request, reply) => {
    const schema = SCHEMAS.find((s) => s.id.toLowerCase() === request.params.id.toLowerCase());
    if (!schema) throw new ScimError(404, `no schema '${request.params.id.slice(0, 120)}'`);
    return send(reply, { status: 200, body: schemaDocument(schema, ctxOf(request).baseUrl) });
  });

  // --- /Me (RFC 7644 §3.11): IdP tokens represent no user. ---
  app.all('/Me', async () => {
    throw new ScimError(501, '/Me is not supported: SCIM tokens belong to a connection, not to a user');
  });
  app.all('/Me/*', async () => {
    throw new ScimError(501, '/Me is not supported: SCIM tokens belong to a connection, not to a user');
  });

  // --- Bulk (RFC 7644 §3.7). ---
  app.post(
    '/Bulk',
    { bodyLimit: Math.max(options.limits.bulkMaxPayloadBytes, 1) },
    async (request, reply) => {
      return send(
        reply,
        await runBulk(ctxOf(request), request.body, { maxOperations: options.limits.bulkMaxOperations }),
      );
    },
  );

  // --- Root search (RFC 7644 §3.4.3) across Users and Groups. ---
  app.post('/.search', async (request, reply) => {
    const params = searchParams(request.body);
    return send(reply, await searchAll(ctxOf(request), params));
  });

  for (const type of ['User', 'Group'] as const satisfies readonly ScimResourceType[]) {
    const endpoint = type === 'User' ? '/Users' : '/Groups';

    app.get(endpoint, async (request, reply) =>
      send(reply, await listResources(ctxOf(request), type, listParamsFromQuery(request.query))),
    );
    app.post(`${endpoint}/.search`, async (request, reply) =>
      send(reply, await listResources(ctxOf(request), type, searchParams(request.body))),
    );
    app.post(endpoint, async (request, reply) => {
      return send(
        reply,
        await createResource(ctxOf(request), type, requireBody(request.body), projectionOf(request)),
      );
    });
    app.get<{ Params: ConnectionParams & { id: string } }>(`${endpoint}/:id`, async (request, reply) =>
      send(
        reply,
        await getResource(
          ctxOf(request),
          type,
          request.params.id,
          projectionOf(request),
          headerOf(request, 'if-none-match'),
        ),
      ),
    );
    app.put<{ Params: ConnectionParams & { id: string } }>(`${endpoint}/:id`, async (request, reply) =>
      send(
        reply,
        await replaceResource(
          ctxOf(request),
          type,
          request.params.id,
          requireBody(request.body),
          projectionOf(request),
          headerOf(request, 'if-match'),
        ),
      ),
    );
    app.patch<{ Params: ConnectionParams & { id: string } }>(`${endpoint}/:id`, async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const wantsBody =
        type === 'User' || query['attributes'] !== undefined || query['excludedAttributes'] !== undefined;
      return send(
        reply,
        await patchResource(
          ctxOf(request),
          type,
          request.params.id,
          requireBody(request.body),
          projectionOf(request),
          {
            ifMatch: headerOf(request, 'if-match'),
            wantsBody,
          },
        ),
      );
    });
    app.delete<{ Params: ConnectionParams & { id: string } }>(`${endpoint}/:id`, async (request, reply) =>
      send(
        reply,
        await deleteResource(ctxOf(request), type, request.params.id, headerOf(request, 'if-match')),
      ),
    );
  }
};

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function requireBody(body: unknown): unknown {
  if (body === undefined || body === null)
    throw badRequest('invalidSyntax', 'a JSON request body is required');
  return body;
}

function projectionOf(request: FastifyRequest) {
  const query = request.query as Record<string, string | string[] | undefined>;
  return projectionFrom({ attributes: query['attributes'], excludedAttributes: query['excludedAttributes'] });
}

function asString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 1 && typeof value[0] === 'string') return value[0];
    throw badRequest('invalidValue', `'${name}' was given more than once`);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw badRequest('invalidValue', `'${name}' must be a string`);
}

function listParamsFromQuery(query: unknown): ListParams {
  const q = query as Record<string, unknown>;
  return {
    filter: asString(q['filter'], 'filter'),
    sortBy: asString(q['sortBy'], 'sortBy'),
    sortOrder: asString(q['sortOrder'], 'sortOrder'),
    startIndex: asString(q['startIndex'], 'startIndex'),
    count: asString(q['count'], 'count'),
    cursor: asString(q['cursor'], 'cursor'),
    attributes: asString(q['attributes'], 'attributes'),
    excludedAttributes: asString(q['excludedAttributes'], 'excludedAttributes'),
  };
}

/** A SearchRequest body (RFC 7644 §3.4.3); attribute lists arrive as arrays. */
function searchParams(body: unknown): ListParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('invalidSyntax', 'a SearchRequest is a JSON object');
  const b = body as Record<string, unknown>;
  const schemas = b['schemas'];
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(URN.searchRequest)))
    throw badRequest('invalidSyntax', `"schemas" must contain "${URN.searchRequest}"`);
  const list = (value: unknown, name: string): string | undefined => {
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
    if (typeof value === 'string') return value;
    throw badRequest('invalidValue', `"${name}" must be an array of attribute paths`);
  };
  const numberOrString = (value: unknown, name: string): string | number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'number' || typeof value === 'string') return value;
    throw badRequest('invalidValue', `"${name}" must be an integer`);
  };
  return {
    filter: asString(b['filter'], 'filter'),
    sortBy: asString(b['sortBy'], 'sortBy'),
    sortOrder: asString(b['sortOrder'], 'sortOrder'),
    startIndex: numberOrString(b['startIndex'], 'startIndex'),
    count: numberOrString(b['count'], 'count'),
    cursor: asString(b['cursor'], 'cursor'),
    attributes: list(b['attributes'], 'attributes'),
    excludedAttributes: list(b['excludedAttributes'], 'excludedAttributes'),
  };
}

/**
 * POST /.search at the root: Users then Groups, paged by index over the concatenation. A filter
 * that names an attribute one type lacks simply matches nothing of that type.
 */
async function searchAll(ctx: EndpointContext, params: ListParams): Promise<ScimOutcome> {
  if (params.cursor !== undefined)
    throw badRequest('invalidValue', 'cursor paging is offered per resource type');
  if (params.sortBy !== undefined) throw badRequest('invalidValue', 'sortBy is offered per resource type');
  const start = Math.max(Number(params.startIndex ?? 1) || 1, 1);
  const count = Math.min(Math.max(Number(params.count ?? 100) || 0, 0), ctx.maxResults);
  const resources: unknown[] = [];
  let total = 0;
  let skip = start - 1;
  for (const type of ['User', 'Group'] as const) {
    let outcome: ScimOutcome;
    try {
      // First learn the total of this type, then fetch the slice that falls in the page.
      const counted = await listResources(ctx, type, { ...params, startIndex: 1, count: 0 });
      const typeTotal = Number(counted.body?.['totalResults'] ?? 0);
      total += typeTotal;
      if (resources.length >= count || skip >= typeTotal) {
        skip = Math.max(0, skip - typeTotal);
        continue;
      }
      outcome = await listResources(ctx, type, {
        ...params,
        startIndex: skip + 1,
        count: count - resources.length,
      });
      skip = 0;
    } catch (error) {
      if (
        error instanceof ScimError &&
        error.scimType === 'invalidFilter' &&
        /unknown attribute/i.test(error.message)
      )
        continue;
      throw error;
    }
    resources.push(...((outcome.body?.['Resources'] as unknown[] | undefined) ?? []));
  }
  return {
    status: 200,
    body: {
      schemas: [URN.listResponse],
      totalResults: total,
      itemsPerPage: resources.length,
      startIndex: start,
      Resources: resources,
    },
  };
}

async function send(reply: FastifyReply, outcome: ScimOutcome): Promise<FastifyReply> {
  reply.code(outcome.status);
  if (outcome.location) reply.header('Location', outcome.location);
  if (outcome.version) reply.header('ETag', outcome.version);
  if (outcome.body === undefined) return reply.send();
  reply.header('Content-Type', SCIM_CONTENT_TYPE);
  return reply.send(JSON.stringify(outcome.body));
}

function sendError(reply: FastifyReply, error: ScimError): FastifyReply {
  return reply
    .code(error.status)
    .header('Content-Type', SCIM_CONTENT_TYPE)
    .send(JSON.stringify(error.toBody()));
}

/** Maps framework errors (body too large, bad JSON, wrong media type) to SCIM errors. */
function toScimError(error: FastifyError | ScimError): ScimError {
  if (error instanceof ScimError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ScimError(
        413,
        'the request body is larger than this server accepts (see maxPayloadSize and ROSTER_MAX_BODY_BYTES)',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ScimError(415, 'send the body as application/scim+json or application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('invalidSyntax', 'the request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest('invalidSyntax', 'the Content-Length header does not match the body');
  }
  if (error.statusCode === 400 || error instanceof SyntaxError)
    return badRequest('invalidSyntax', `the request body is not valid JSON: ${error.message.slice(0, 120)}`);
  if (error.statusCode === 413) return new ScimError(413, error.message);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return new ScimError(error.statusCode, error.message);
  return new ScimError(500, 'internal error; the server log has the details');
}

/** Request paths may carry filters with personal data: keep the path, drop the query. */
function safePath(url: string): string {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).slice(0, 200);
}
