// Personio API v2: the OAuth 2.0 token endpoint (form bodies only), persons, a person's employments,
// legal entities and webhook subscriptions, with cursor paging through `_meta.links.next.href`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WEBHOOK_EVENT_NAMES, type Employee, isOneOf } from './company.ts';
import { V2_SCOPES } from './credentials.ts';
import { type EmulatorContext, type RouteTraits, sendVendorError } from './emulator-context.ts';
import { formatV2Timestamp, parseRfc3339 } from './personio-time.ts';
import {
  type V2Context,
  decodeCursor,
  encodeCursor,
  personStatus,
  renderEmployment,
  renderLegalEntity,
  renderPerson,
} from './v2-resources.ts';
import { oauthError, v2Problem } from './vendor-errors.ts';
import { WEBHOOK_AUTH_TYPES, WEBHOOK_STATUSES, type Webhook } from './webhooks.ts';

const TOKEN: RouteTraits = { api: 'v2', isList: false, isAuthenticated: false, rateClass: 'v2-token' };

function traits(scope: string, isList: boolean): RouteTraits {
  return { api: 'v2', isList, isAuthenticated: true, rateClass: 'v2-resource', scope };
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

const INVALID_VALUE = 'Provided request parameters are invalid.';
const INVALID_ENCODING = 'Provided filter encoding is invalid.';
const NOT_FOUND = 'There is no resource for the specified id.';

/** Grant types OAuth 2.0 defines that Personio does not support (→ unsupported_grant_type). */
const KNOWN_GRANT_TYPES = new Set([
  'authorization_code',
  'password',
  'refresh_token',
  'implicit',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);

interface Paging {
  limit: number;
  after: number | null;
}

function parsePaging(query: Query, defaultLimit: number, maxLimit: number): Paging | null {
  const limitRaw = single(query, 'limit');
  const cursorRaw = single(query, 'cursor');
  let limit = defaultLimit;
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw)) return null;
    limit = Number(limitRaw);
    if (limit < 1 || limit > maxLimit) return null;
  }
  let after: number | null = null;
  if (cursorRaw !== undefined && cursorRaw !== '') {
    after = decodeCursor(cursorRaw);
    if (after === null) return null;
  }
  return { limit, after };
}

/**
 * One page of `items` (ordered by position) with `_meta.links.self` and, unless last, `next`. The
 * cursor only appears inside `next.href`, and that href carries the cursor alone (as in Personio's
 * examples): filters and limit must be re-sent.
 */
function page<T>(
  items: T[],
  positionOf: (item: T) => number,
  paging: Paging,
  url: string,
  render: (item: T) => unknown,
): { _data: unknown[]; _meta: { links: Record<string, { href: string }> } } {
  const remaining = paging.after === null ? items : items.filter((item) => positionOf(item) > paging.after!);
  const slice = remaining.slice(0, paging.limit);
  const links: Record<string, { href: string }> = {
    self: { href: paging.after === null ? url : `${url}?cursor=${encodeCursor(paging.after)}` },
  };
  const last = slice[slice.length - 1];
  if (remaining.length > paging.limit && last !== undefined) {
    links.next = { href: `${url}?cursor=${encodeCursor(positionOf(last))}` };
  }
  return { _data: slice.map(render), _meta: { links } };
}

export function registerV2Routes(app: FastifyInstance, context: EmulatorContext): void {
  const v2 = (): V2Context => ({
    company: context.company,
    hidden: context.options.hiddenAttributes,
    baseUrl: context.baseUrl,
  });
  const problem = (
    reply: FastifyReply,
    code: Parameters<typeof v2Problem>[0],
    detail: string,
  ): FastifyReply => sendVendorError(reply, v2Problem(code, detail, context.clock.now()));

  app.post('/v2/auth/token', { config: TOKEN }, async (request, reply) => {
    const now = context.clock.now();
    const contentType = String(request.headers['content-type'] ?? '');
    if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return sendVendorError(
        reply,
        oauthError(
          'invalid_request',
          'The content type of the request must be "application/x-www-form-urlencoded".',
          'invalid_request.invalid_request_content_type',
          now,
        ),
      );
    }
    const form = (request.body ?? {}) as Query;
    const grantType = single(form, 'grant_type');
    const clientId = single(form, 'client_id');
    const clientSecret = single(form, 'client_secret');
    if (grantType === undefined || grantType === '') {
      return sendVendorError(
        reply,
        oauthError(
          'invalid_request',
          'The request has missing or invalid required parameters.',
          'invalid_request.required_parameters_missing',
          now,
          { missing_parameters: ['grant_type'] },
        ),
      );
    }
    if (grantType !== 'client_credentials') {
      return sendVendorError(
        reply,
        KNOWN_GRANT_TYPES.has(grantType)
          ? oauthError(
              'unsupported_grant_type',
              'The requested authorization grant type is not supported by the server.',
              'unsupported_grant_type',
              now,
              { grant_type: grantType },
            )
          : oauthError('invalid_grant', 'Error in the authorization flow.', 'invalid_grant', now),
      );
    }
    if (clientId !== context.options.clientId || clientSecret === undefined) {
      return sendVendorError(
        reply,
        oauthError(
          'invalid_client',
          'Client authentication failed (e.g., unknown client, wrong secret, no client authentication included, or unsupported authentication method).',
          'invalid_client',
          now,
        ),
      );
    }
    if (clientSecret !== context.options.clientSecret) {
      return sendVendorError(
        reply,
        oauthError(
          'unauthorized_client',
          'Client is not allowed to use the specified grant type flow.',
          'unauthorized_client',
          now,
        ),
      );
    }
    const requested = (single(form, 'scope') ?? '').split(' ').filter((s) => s !== '');
    if (requested.some((scope) => !isOneOf(V2_SCOPES, scope))) {
      return sendVendorError(
        reply,
        oauthError('invalid_scope', 'One of the requested scopes is invalid.', 'invalid_scope', now),
      );
    }
    const scopes = requested.length > 0 ? requested : [...V2_SCOPES];
    const token = context.tokens.issueV2(clientId, scopes, now);
    return { access_token: token.value, token_type: 'Bearer', expires_in: 86400, scope: scopes.join(' ') };
  });

  app.post('/v2/auth/revoke', { config: TOKEN }, async (request, reply) => {
    const form = (request.body ?? {}) as Query;
    const token = single(form, 'token');
    if (token) context.tokens.revoke(token);
    return reply.code(200).send();
  });

  app.get('/v2/persons', { config: traits('personio:persons:read', true) }, async (request, reply) => {
    const query = request.query as Query;
    const paging = parsePaging(query, 10, 50);
    if (!paging) return problem(reply, 'bad_request', INVALID_VALUE);
    const filter = parsePersonFilter(query);
    if (!filter.ok) return problem(reply, 'bad_request', filter.detail);
    const people = context.company.list().filter(filter.matches);
    return page(
      people,
      (e) => e.id,
      paging,
      `${context.baseUrl}/v2/persons`,
      (e) => renderPerson(e, v2()),
    );
  });

  app.get(
    '/v2/persons/:personId',
    { config: traits('personio:persons:read', false) },
    async (request, reply) => {
      const employee = findPerson(context, request);
      if (!employee) return problem(reply, 'resource_not_found', NOT_FOUND);
      return renderPerson(employee, v2());
    },
  );

  app.get(
    '/v2/persons/:personId/employments',
    { config: traits('personio:employments:read', true) },
    async (request, reply) => {
      const employee = findPerson(context, request);
      if (!employee) return problem(reply, 'resource_not_found', NOT_FOUND);
      const query = request.query as Query;
      const paging = parsePaging(query, 10, 50);
      if (!paging) return problem(reply, 'bad_request', INVALID_VALUE);
      const filter = parseEmploymentFilter(query);
      if (!filter.ok) return problem(reply, 'bad_request', filter.detail);
      // One profile is one employment in Personio; a rehire is a new person with its own.
      const employments = [employee].filter(filter.matches);
      return page(
        employments,
        () => 0,
        paging,
        `${context.baseUrl}/v2/persons/${employee.id}/employments`,
        (e) => renderEmployment(e, v2()),
      );
    },
  );

  app.get(
    '/v2/persons/:personId/employments/:employmentId',
    { config: traits('personio:employments:read', false) },
    async (request, reply) => {
      const employee = findPerson(context, request);
      const { employmentId } = request.params as { employmentId: string };
      if (!employee || employee.employmentId !== employmentId)
        return problem(reply, 'resource_not_found', NOT_FOUND);
      return renderEmployment(employee, v2());
    },
  );

  app.get(
    '/v2/legal-entities',
    { config: traits('personio:legal-entities:read', true) },
    async (request, reply) => {
      const query = request.query as Query;
      const paging = parsePaging(query, 100, 200);
      if (!paging) return problem(reply, 'bad_request', INVALID_VALUE);
      const ids = splitList(single(query, 'id'));
      const countries = splitList(single(query, 'country'));
      const entities = [...context.company.legalEntities.values()]
        .filter((l) => ids === null || ids.includes(String(l.id)))
        .filter((l) => countries === null || countries.includes(l.country))
        .sort((a, b) => a.id - b.id);
      return page(
        entities,
        (l) => l.id,
        paging,
        `${context.baseUrl}/v2/legal-entities`,
        (l) => renderLegalEntity(l, v2()),
      );
    },
  );

  app.get(
    '/v2/legal-entities/:legalEntityId',
    { config: traits('personio:legal-entities:read', false) },
    async (request, reply) => {
      const { legalEntityId } = request.params as { legalEntityId: string };
      const entity = /^\d+$/.test(legalEntityId)
        ? context.company.legalEntities.get(Number(legalEntityId))
        : undefined;
      if (!entity) return problem(reply, 'resource_not_found', NOT_FOUND);
      return renderLegalEntity(entity, v2());
    },
  );

  registerWebhookRoutes(app, context, problem);
}

function findPerson(context: EmulatorContext, request: FastifyRequest): Employee | undefined {
  const { personId } = request.params as { personId: string };
  return /^\d{1,15}$/.test(personId) ? context.company.get(Number(personId)) : undefined;
}

function splitList(value: string | undefined): string[] | null {
  if (value === undefined || value === '') return null;
  return value.split(',').map((v) => v.trim());
}

type Filter = { ok: true; matches: (employee: Employee) => boolean } | { ok: false; detail: string };

const PERSON_FILTERS = new Set([
  'id',
  'email',
  'first_name',
  'last_name',
  'preferred_name',
  'created_at',
  'updated_at',
  'status',
]);
const RANGE_FILTERS = new Set(['created_at', 'updated_at']);

/** Persons filters (AND-combined). `updated_at` is the person's own: employment changes do not move it. */
function parsePersonFilter(query: Query): Filter {
  const tests: ((e: Employee) => boolean)[] = [];
  for (const key of Object.keys(query)) {
    const [base = '', operator] = key.split('.', 2);
    if (
      operator !== undefined &&
      PERSON_FILTERS.has(base) &&
      !(RANGE_FILTERS.has(base) && ['gt', 'lt'].includes(operator))
    ) {
      return { ok: false, detail: INVALID_ENCODING };
    }
  }
  const ids = splitList(single(query, 'id'));
  if (ids) tests.push((e) => ids.includes(String(e.id)));
  const emails = splitList(single(query, 'email'));
  if (emails) tests.push((e) => emails.includes(e.email));
  for (const [key, pick] of [
    ['first_name', (e: Employee) => e.firstName],
    ['last_name', (e: Employee) => e.lastName],
    ['preferred_name', (e: Employee) => e.preferredName],
  ] as const) {
    const value = single(query, key);
    if (value !== undefined) tests.push((e) => pick(e) === value);
  }
  const status = single(query, 'status');
  if (status !== undefined) {
    if (status !== 'ACTIVE' && status !== 'INACTIVE') return { ok: false, detail: INVALID_VALUE };
    tests.push((e) => personStatus(e) === status);
  }
  const dates = dateFilters(query, {
    created_at: (e) => e.createdAt,
    updated_at: (e) => e.personUpdatedAt,
  });
  if (!dates.ok) return dates;
  tests.push(dates.matches);
  return { ok: true, matches: (e) => tests.every((t) => t(e)) };
}

function parseEmploymentFilter(query: Query): Filter {
  for (const key of Object.keys(query)) {
    const [base = '', operator] = key.split('.', 2);
    if (
      operator !== undefined &&
      (base === 'id' || base === 'updated_at') &&
      !(base === 'updated_at' && ['gt', 'lt'].includes(operator))
    ) {
      return { ok: false, detail: INVALID_ENCODING };
    }
  }
  const ids = splitList(single(query, 'id'));
  const dates = dateFilters(query, { updated_at: (e) => e.employmentUpdatedAt });
  if (!dates.ok) return dates;
  return { ok: true, matches: (e) => (ids === null || ids.includes(e.employmentId)) && dates.matches(e) };
}

function dateFilters(query: Query, fields: Record<string, (e: Employee) => number>): Filter {
  const tests: ((e: Employee) => boolean)[] = [];
  for (const [field, pick] of Object.entries(fields)) {
    for (const operator of ['', '.gt', '.lt'] as const) {
      const raw = single(query, `${field}${operator}`);
      if (raw === undefined) continue;
      const at = parseRfc3339(raw);
      if (at === null) return { ok: false, detail: INVALID_VALUE };
      const second = (ms: number): number => Math.floor(ms / 1000) * 1000;
      if (operator === '') tests.push((e) => second(pick(e)) === second(at));
      else if (operator === '.gt') tests.push((e) => second(pick(e)) > at);
      else tests.push((e) => second(pick(e)) < at);
    }
  }
  return { ok: true, matches: (e) => tests.every((t) => t(e)) };
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

function renderWebhook(webhook: Webhook, baseUrl: string): Record<string, unknown> {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description,
    status: webhook.status,
    auth_type: webhook.authType,
    // The token and header values are write-only.
    custom_headers: webhook.customHeaders.map((h) => ({ name: h.name })),
    enabled_events: webhook.enabledEvents,
    created_at: formatV2Timestamp(webhook.createdAt),
    updated_at: formatV2Timestamp(webhook.updatedAt),
    _meta: { links: { self: { href: `${baseUrl}/v2/webhooks/${webhook.id}` } } },
  };
}

type WebhookFields = Omit<Webhook, 'id' | 'createdAt' | 'updatedAt'>;

/** Validates a create (all required fields) or patch body against the current webhook. */
function parseWebhookBody(
  body: unknown,
  current: WebhookFields | null,
): { ok: true; fields: WebhookFields } | { ok: false; detail: string } {
  if (typeof body !== 'object' || body === null)
    return { ok: false, detail: 'The request body must be a JSON object.' };
  const input = body as Record<string, unknown>;
  const fields: WebhookFields = current
    ? { ...current, customHeaders: [...current.customHeaders], enabledEvents: [...current.enabledEvents] }
    : {
        url: '',
        description: '',
        status: 'DISABLED',
        authType: 'TOKEN',
        token: null,
        customHeaders: [],
        enabledEvents: [],
      };
  if (input.url !== undefined || !current) {
    if (typeof input.url !== 'string') return { ok: false, detail: 'url is required.' };
    let parsed: URL;
    try {
      parsed = new URL(input.url);
    } catch {
      return { ok: false, detail: 'url must be an absolute URL.' };
    }
    // Personio requires HTTPS; the emulator also accepts plain HTTP to a loopback receiver.
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
      return { ok: false, detail: 'url must use https.' };
    }
    fields.url = input.url;
  }
  if (input.description !== undefined) {
    if (typeof input.description !== 'string') return { ok: false, detail: 'description must be a string.' };
    fields.description = input.description;
  }
  if (input.status !== undefined) {
    if (!isOneOf(WEBHOOK_STATUSES, input.status))
      return { ok: false, detail: 'status must be ENABLED or DISABLED.' };
    fields.status = input.status;
  }
  if (input.auth_type !== undefined) {
    if (!isOneOf(WEBHOOK_AUTH_TYPES, input.auth_type))
      return { ok: false, detail: 'auth_type must be NONE, TOKEN or CUSTOM.' };
    fields.authType = input.auth_type;
  }
  if (input.token !== undefined) {
    if (input.token !== null && typeof input.token !== 'string')
      return { ok: false, detail: 'token must be a string.' };
    fields.token = input.token;
  }
  if (input.custom_headers !== undefined) {
    const headers = input.custom_headers;
    if (
      !Array.isArray(headers) ||
      headers.length > 3 ||
      !headers.every(
        (h: unknown) =>
          typeof h === 'object' &&
          h !== null &&
          typeof (h as { name?: unknown }).name === 'string' &&
          typeof (h as { value?: unknown }).value === 'string',
      )
    ) {
      return { ok: false, detail: 'custom_headers must be up to 3 objects with name and value.' };
    }
    fields.customHeaders = (headers as { name: string; value: string }[]).map((h) => ({
      name: h.name,
      value: h.value,
    }));
  }
  if (input.enabled_events !== undefined || !current) {
    const events = input.enabled_events;
    if (
      !Array.isArray(events) ||
      events.length === 0 ||
      !events.every((e) => isOneOf(WEBHOOK_EVENT_NAMES, e))
    ) {
      return {
        ok: false,
        detail: `enabled_events must list one or more of ${WEBHOOK_EVENT_NAMES.join(', ')}.`,
      };
    }
    fields.enabledEvents = [...new Set(events)];
  }
  if (fields.authType === 'TOKEN' && (fields.token === null || fields.token === '')) {
    return { ok: false, detail: 'token is required when auth_type is TOKEN.' };
  }
  if (fields.authType === 'CUSTOM' && fields.customHeaders.length === 0) {
    return { ok: false, detail: 'custom_headers are required when auth_type is CUSTOM.' };
  }
  return { ok: true, fields };
}

function registerWebhookRoutes(
  app: FastifyInstance,
  context: EmulatorContext,
  problem: (reply: FastifyReply, code: 'bad_request' | 'resource_not_found', detail: string) => FastifyReply,
): void {
  const dispatcher = context.webhooks;
  const ordered = (): { webhook: Webhook; position: number }[] =>
    [...dispatcher.webhooks.values()].map((webhook, position) => ({ webhook, position }));
  const find = (request: FastifyRequest): Webhook | undefined =>
    dispatcher.webhooks.get((request.params as { webhookId: string }).webhookId);

  app.get('/v2/webhooks', { config: traits('personio:webhooks:read', true) }, async (request, reply) => {
    const paging = parsePaging(request.query as Query, 100, 200);
    if (!paging) return problem(reply, 'bad_request', INVALID_VALUE);
    return page(
      ordered(),
      (w) => w.position,
      paging,
      `${context.baseUrl}/v2/webhooks`,
      (w) => renderWebhook(w.webhook, context.baseUrl),
    );
  });

  app.post('/v2/webhooks', { config: traits('personio:webhooks:write', false) }, async (request, reply) => {
    const parsed = parseWebhookBody(request.body, null);
    if (!parsed.ok) return problem(reply, 'bad_request', parsed.detail);
    const webhook = dispatcher.create(parsed.fields);
    return reply.code(201).send(renderWebhook(webhook, context.baseUrl));
  });

  app.get(
    '/v2/webhooks/:webhookId',
    { config: traits('personio:webhooks:read', false) },
    async (request, reply) => {
      const webhook = find(request);
      if (!webhook) return problem(reply, 'resource_not_found', NOT_FOUND);
      return renderWebhook(webhook, context.baseUrl);
    },
  );

  app.patch(
    '/v2/webhooks/:webhookId',
    { config: traits('personio:webhooks:write', false) },
    async (request, reply) => {
      const webhook = find(request);
      if (!webhook) return problem(reply, 'resource_not_found', NOT_FOUND);
      const parsed = parseWebhookBody(request.body, webhook);
      if (!parsed.ok) return problem(reply, 'bad_request', parsed.detail);
      Object.assign(webhook, parsed.fields, { updatedAt: context.clock.now() });
      return renderWebhook(webhook, context.baseUrl);
    },
  );

  app.delete(
    '/v2/webhooks/:webhookId',
    { config: traits('personio:webhooks:write', false) },
    async (request, reply) => {
      const webhook = find(request);
      if (!webhook) return problem(reply, 'resource_not_found', NOT_FOUND);
      dispatcher.webhooks.delete(webhook.id);
      return reply.code(204).send();
    },
  );
}
