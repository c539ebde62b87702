// The SCIM operations on Users and Groups of one connection, independent of HTTP framing so that
// single requests and Bulk operations share one implementation (RFC 7644 §3.3–§3.7).
import {
  GROUP_RESOURCE_SCHEMA,
  USER_RESOURCE_SCHEMA,
  type ResourceSchema,
} from '../../scim/attribute-resolver.ts';
import { ScimError, badRequest } from '../../scim/errors.ts';
import type { AttributePath, Filter } from '../../scim/filter-ast.ts';
import { parseFilter } from '../../scim/filter-parser.ts';
import { validateFilter } from '../../scim/filter-evaluate.ts';
import { applyPatch, parsePatchRequest, splitMemberOperations } from '../../scim/patch.ts';
import { isAttributeRequested, parseAttributeList, projectResource } from '../../scim/projection.ts';
import { normalizeResourceInput, readMembersInput } from '../../scim/resource-input.ts';
import { URN, type ScimResource } from '../../scim/schema.ts';
import type {
  MemberChange,
  MemberView,
  ScimRepository,
  ScimResourceType,
  ScimWriteHook,
  StoredResource,
} from '../../store/scim-repository.ts';

export const RESOURCE_SCHEMAS: Readonly<Record<ScimResourceType, ResourceSchema>> = {
  User: USER_RESOURCE_SCHEMA,
  Group: GROUP_RESOURCE_SCHEMA,
};

export const ENDPOINT_OF: Readonly<Record<ScimResourceType, string>> = { User: 'Users', Group: 'Groups' };

/** Which attributes the client asked for (RFC 7644 §3.9); applies to every response with a resource. */
export interface Projection {
  readonly attributes?: AttributePath[];
  readonly excludedAttributes?: AttributePath[];
}

/** A response produced by an operation; `body` undefined means 204. */
export interface ScimOutcome {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly location?: string;
  readonly version?: string;
}

export interface ListParams {
  readonly filter?: string | undefined;
  readonly sortBy?: string | undefined;
  readonly sortOrder?: string | undefined;
  readonly startIndex?: string | number | undefined;
  readonly count?: string | number | undefined;
  readonly cursor?: string | undefined;
  readonly attributes?: string | string[] | undefined;
  readonly excludedAttributes?: string | string[] | undefined;
}

export interface EndpointContext {
  readonly repository: ScimRepository;
  readonly connectionId: string;
  /** `${publicUrl}/scim/v2/${connection}` */
  readonly baseUrl: string;
  readonly maxResults: number;
  /** Present for connections whose writes are applied to an app downstream (Personio). */
  readonly gateway?: ScimWriteGateway | undefined;
}

/**
 * The downstream side of a connection's SCIM writes, bound to one request's token. The SCIM view stays
 * in the repository; the gateway records each write in its outbox in the write's own transaction and
 * waits for the app's answer.
 */
export interface ScimWriteGateway {
  /** For a create: the existing resource this create is (claimed and answered 201), or undefined. */
  correlate(type: ScimResourceType, data: ScimResource): Promise<StoredResource | undefined>;
  /** Runs inside the write's transaction. */
  readonly hook: ScimWriteHook;
  /** Waits, within the connection's budget, for the writes recorded so far; a ScimError when the app refused one in time. */
  settle(): Promise<void>;
}

export const DEFAULT_PAGE_SIZE = 100;

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** Parses an If-Match / If-None-Match header into versions; `*` answers 'any'. */
export function parseEtagHeader(header: string | undefined): number[] | 'any' | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return 'any';
  const versions: number[] = [];
  for (const part of header.split(',')) {
    const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(part);
    if (match?.[1]) versions.push(Number(match[1]));
    else versions.push(-1); // an ETag we never issued matches nothing
  }
  return versions;
}

export function projectionFrom(params: {
  attributes?: string | string[] | undefined;
  excludedAttributes?: string | string[] | undefined;
}): Projection {
  const attributes = params.attributes === undefined ? undefined : parseAttributeList(params.attributes);
  const excluded =
    params.excludedAttributes === undefined ? undefined : parseAttributeList(params.excludedAttributes);
  return {
    ...(attributes && attributes.length > 0 ? { attributes } : {}),
    ...(excluded && excluded.length > 0 ? { excludedAttributes: excluded } : {}),
  };
}

export function parseFilterParam(text: string, schema: ResourceSchema): Filter {
  const parsed = parseFilter(text);
  if (!parsed.ok) throw badRequest('invalidFilter', parsed.error);
  const validated = validateFilter(parsed.value, schema);
  if (!validated.ok) throw badRequest('invalidFilter', validated.error);
  return validated.value;
}

function parseInteger(value: string | number | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n)) throw badRequest('invalidValue', `'${name}' must be an integer`);
  return n;
}

/** Renders a stored resource as SCIM JSON (without projection). */
export async function renderResources(
  ctx: EndpointContext,
  type: ScimResourceType,
  stored: readonly StoredResource[],
  projection: Projection,
): Promise<ScimResource[]> {
  const schema = RESOURCE_SCHEMAS[type];
  const related =
    type === 'Group' && isAttributeRequested(schema, projection, 'members')
      ? await ctx.repository.listMembersOf(
          ctx.connectionId,
          stored.map((s) => s.id),
        )
      : type === 'User' && isAttributeRequested(schema, projection, 'groups')
        ? await ctx.repository.listGroupsOf(
            ctx.connectionId,
            stored.map((s) => s.id),
          )
        : undefined;
  return stored.map((s) => {
    const resource: ScimResource = { ...s.data, id: s.id };
    const links = related?.get(s.id);
    if (type === 'Group' && links && links.length > 0)
      resource['members'] = (links as MemberView[]).map((m) => ({
        ...m,
        $ref: `${ctx.baseUrl}/${m.type === 'Group' ? 'Groups' : 'Users'}/${m.value}`,
      }));
    if (type === 'User' && links && links.length > 0)
      resource['groups'] = links.map((g) => ({
        ...g,
        $ref: `${ctx.baseUrl}/Groups/${g.value}`,
        type: 'direct',
      }));
    resource['meta'] = {
      resourceType: type,
      created: s.created,
      lastModified: s.lastModified,
      location: `${ctx.baseUrl}/${ENDPOINT_OF[type]}/${s.id}`,
      version: etagOf(s.version),
    };
    return orderKeys(projectResource(resource, schema, projection));
  });
}

/** schemas, id, externalId first and meta last: easier to read, and what clients' fixtures show. */
function orderKeys(resource: ScimResource): ScimResource {
  const out: ScimResource = {};
  for (const key of ['schemas', 'id', 'externalId']) if (key in resource) out[key] = resource[key];
  for (const [key, value] of Object.entries(resource)) if (!(key in out) && key !== 'meta') out[key] = value;
  if ('meta' in resource) out['meta'] = resource['meta'];
  return out;
}

async function single(
  ctx: EndpointContext,
  type: ScimResourceType,
  stored: StoredResource,
  projection: Projection,
  status: number,
): Promise<ScimOutcome> {
  const [body] = await renderResources(ctx, type, [stored], projection);
  return {
    status,
    ...(body ? { body } : {}),
    location: `${ctx.baseUrl}/${ENDPOINT_OF[type]}/${stored.id}`,
    version: etagOf(stored.version),
  };
}

export async function createResource(
  ctx: EndpointContext,
  type: ScimResourceType,
  body: unknown,
  projection: Projection,
): Promise<ScimOutcome> {
  const schema = RESOURCE_SCHEMAS[type];
  // Members live in group_members; normalizeResourceInput validates the rest and leaves them out.
  const members = type === 'Group' ? readMembersInput(body, schema) : undefined;
  const data = normalizeResourceInput(body, schema, 'create');
  // A user created without `active` is active: every IdP sends `active: true` on create, and an
  // account nobody disabled should not read as disabled (docs/scim.md).
  if (type === 'User' && !('active' in data)) data['active'] = true;
  const correlated = ctx.gateway ? await ctx.gateway.correlate(type, data) : undefined;
  if (correlated) {
    await ctx.gateway?.settle();
    return single(ctx, type, correlated, projection, 201);
  }
  const stored = await ctx.repository.create(ctx.connectionId, type, data, members ?? [], ctx.gateway?.hook);
  await ctx.gateway?.settle();
  return single(ctx, type, stored, projection, 201);
}

export async function getResource(
  ctx: EndpointContext,
  type: ScimResourceType,
  id: string,
  projection: Projection,
  ifNoneMatch?: string,
): Promise<ScimOutcome> {
  const stored = await ctx.repository.get(ctx.connectionId, type, id);
  if (!stored) throw notFoundResource(type, id);
  const tags = parseEtagHeader(ifNoneMatch);
  if (tags === 'any' || (Array.isArray(tags) && tags.includes(stored.version)))
    return { status: 304, version: etagOf(stored.version) };
  return single(ctx, type, stored, projection, 200);
}

function notFoundResource(type: ScimResourceType, id: string): ScimError {
  return new ScimError(404, `${type} '${id.slice(0, 80)}' not found`);
}

function expectedVersion(ifMatch: string | undefined, current?: number): number | undefined {
  const tags = parseEtagHeader(ifMatch);
  if (tags === undefined || tags === 'any') return undefined;
  // With several tags, any one matching suffices: pass the one equal to the current version.
  if (current !== undefined && tags.includes(current)) return current;
  return tags[0] ?? -1;
}

export async function replaceResource(
  ctx: EndpointContext,
  type: ScimResourceType,
  id: string,
  body: unknown,
  projection: Projection,
  ifMatch?: string,
): Promise<ScimOutcome> {
  const schema = RESOURCE_SCHEMAS[type];
  const members = type === 'Group' ? readMembersInput(body, schema) : undefined;
  const current = await ctx.repository.get(ctx.connectionId, type, id);
  if (!current) throw notFoundResource(type, id);
  const { resource } = await ctx.repository.update(
    ctx.connectionId,
    type,
    id,
    (existing) => {
      const data = normalizeResourceInput(body, schema, 'replace', existing.data);
      // PUT without `active` keeps the current state: Okta's wizard apps send every change as PUT,
      // and a missing flag must not deactivate anyone (docs/scim.md, "PUT").
      if (type === 'User' && !('active' in data) && 'active' in existing.data)
        data['active'] = existing.data['active'];
      // PUT without `members` keeps memberships; `members: []` empties the group.
      return {
        data,
        ...(members ? { members: [{ kind: 'replaceAll', members }] satisfies MemberChange[] } : {}),
      };
    },
    expectedVersion(ifMatch, current.version),
    ctx.gateway?.hook,
  );
  await ctx.gateway?.settle();
  return single(ctx, type, resource, projection, 200);
}

export async function patchResource(
  ctx: EndpointContext,
  type: ScimResourceType,
  id: string,
  body: unknown,
  projection: Projection,
  options: { ifMatch?: string | undefined; wantsBody: boolean },
): Promise<ScimOutcome> {
  const schema = RESOURCE_SCHEMAS[type];
  const operations = parsePatchRequest(body);
  const split =
    type === 'Group'
      ? splitMemberOperations(operations, schema)
      : { memberOperations: [], otherOperations: operations };
  const current = await ctx.repository.get(ctx.connectionId, type, id);
  if (!current) throw notFoundResource(type, id);
  const { resource } = await ctx.repository.update(
    ctx.connectionId,
    type,
    id,
    (existing) => {
      const data =
        split.otherOperations.length > 0
          ? applyPatch({ ...existing.data, id: existing.id }, split.otherOperations, schema).resource
          : existing.data;
      const { id: _id, meta: _meta, members: _members, ...rest } = data;
      return { data: rest, members: split.memberOperations };
    },
    expectedVersion(options.ifMatch, current.version),
    ctx.gateway?.hook,
  );
  await ctx.gateway?.settle();
  // Group PATCH answers 204 unless the client asked for attributes (RFC 7644 §3.5.2: then 200):
  // re-serialising a 10,000-member list per membership change is what makes IdPs time out.
  if (!options.wantsBody) return { status: 204, version: etagOf(resource.version) };
  return single(ctx, type, resource, projection, 200);
}

export async function deleteResource(
  ctx: EndpointContext,
  type: ScimResourceType,
  id: string,
  ifMatch?: string,
): Promise<ScimOutcome> {
  const current = await ctx.repository.get(ctx.connectionId, type, id);
  if (!current) throw notFoundResource(type, id);
  const deleted = await ctx.repository.delete(
    ctx.connectionId,
    type,
    id,
    expectedVersion(ifMatch, current.version),
    ctx.gateway?.hook,
  );
  if (!deleted) throw notFoundResource(type, id);
  await ctx.gateway?.settle();
  return { status: 204 };
}

export async function listResources(
  ctx: EndpointContext,
  type: ScimResourceType,
  params: ListParams,
): Promise<ScimOutcome> {
  const schema = RESOURCE_SCHEMAS[type];
  const projection = projectionFrom(params);
  const filter =
    params.filter !== undefined && params.filter.trim() !== ''
      ? parseFilterParam(params.filter, schema)
      : undefined;
  const sortBy =
    params.sortBy !== undefined && params.sortBy.trim() !== '' ? parseSortBy(params.sortBy) : undefined;
  const sortOrder = parseSortOrder(params.sortOrder);
  const requestedStart = parseInteger(params.startIndex, 'startIndex');
  const requestedCount = parseInteger(params.count, 'count');
  const count = Math.min(Math.max(requestedCount ?? DEFAULT_PAGE_SIZE, 0), ctx.maxResults);
  const startIndex = Math.max(requestedStart ?? 1, 1);
  if (params.cursor !== undefined && requestedStart !== undefined)
    throw badRequest('invalidValue', "use either 'cursor' or 'startIndex', not both");
  const result = await ctx.repository.list(
    ctx.connectionId,
    type,
    schema,
    { filter, sortBy, sortOrder, startIndex, count, cursor: params.cursor },
    `${ctx.baseUrl}/${ENDPOINT_OF[type]}/`,
  );
  const resources = await renderResources(ctx, type, result.resources, projection);
  return {
    status: 200,
    body: {
      schemas: [URN.listResponse],
      totalResults: result.totalResults,
      itemsPerPage: resources.length,
      ...(params.cursor === undefined ? { startIndex } : {}),
      ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
      Resources: resources,
    },
  };
}

function parseSortBy(text: string): AttributePath {
  const [path, ...rest] = parseAttributeList(text);
  if (!path || rest.length > 0) throw badRequest('invalidValue', "'sortBy' takes exactly one attribute path");
  return path;
}

function parseSortOrder(text: string | undefined): 'ascending' | 'descending' | undefined {
  if (text === undefined || text === '') return undefined;
  const lower = text.toLowerCase();
  if (lower === 'ascending' || lower === 'descending') return lower;
  throw badRequest('invalidValue', "'sortOrder' is 'ascending' or 'descending'");
}
