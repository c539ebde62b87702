// A SCIM 2.0 client (RFC 7644) over the one outbound HTTP client: what the server offers
// (/ServiceProviderConfig), listing pages by index or RFC 9865 cursor, reads with their ETag, writes
// with If-Match, and SCIM error bodies turned into connector error kinds. Bodies are checked here.
import { z } from 'zod';
import type { ConnectorErrorKind, ConnectorLogger } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { AuthProvider, HttpClient, HttpResponse, QueryValue } from '../http/http-client.ts';
import { URN } from '../../scim/schema.ts';
import type { ScimResource } from '../../scim/schema.ts';
import type { ScimUser } from './scim-account.ts';

export const SCIM_ENDPOINTS = ['Users', 'Groups'] as const;
export type ScimEndpoint = (typeof SCIM_ENDPOINTS)[number];

/** What the server says it supports; what it does not say is assumed from RFC 7644's baseline. */
export interface ScimFeatures {
  readonly patch: boolean;
  readonly etag: boolean;
  readonly filter: boolean;
  /** RFC 9865 `pagination.cursor`. */
  readonly cursor: boolean;
}

/** A server without /ServiceProviderConfig: PATCH and filters (both near universal), no ETags, index paging. */
export const BASELINE_FEATURES: ScimFeatures = Object.freeze({
  patch: true,
  etag: false,
  filter: true,
  cursor: false,
});

/** A resource with the entity tag it was read at (the ETag header, else `meta.version`). */
export interface VersionedResource {
  readonly resource: ScimUser;
  readonly etag: string | undefined;
}

export interface ListRequest {
  readonly endpoint: ScimEndpoint;
  readonly count: number;
  /** Index paging (1-based); leave out for cursor paging. */
  readonly startIndex?: number;
  /** RFC 9865: '' for the first page, then the previous page's `nextCursor`. */
  readonly cursor?: string;
  readonly filter?: string;
  readonly attributes?: string;
  readonly excludedAttributes?: string;
}

export interface ListPage {
  readonly resources: readonly ScimUser[];
  readonly totalResults: number;
  readonly nextCursor: string | undefined;
}

/** A PATCH operation as sent; `add` is for group members only. */
export interface PatchOperationBody {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

const count = z.union([
  z.number().int().min(0),
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
]);
const resourceSchema = z.looseObject({ id: z.string().min(1) });
const listResponseSchema = z.looseObject({
  totalResults: count,
  Resources: z.array(resourceSchema).optional(),
  nextCursor: z.string().min(1).optional(),
});
const supported = z.looseObject({ supported: z.boolean().optional() }).optional();
const serviceProviderConfigSchema = z.looseObject({
  patch: supported,
  etag: supported,
  filter: supported,
  pagination: z.looseObject({ cursor: z.boolean().optional() }).optional(),
});
const errorBodySchema = z.looseObject({
  scimType: z.string().optional(),
  detail: z.string().optional(),
});

/** `scimType` of a SCIM error body, if it is one. */
export function scimTypeOf(body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? parsed.data.scimType : undefined;
}

/**
 * The error kinds SCIM error types mean, where they differ from the status alone: an expired cursor
 * means "restart the listing" (conflict), a uniqueness error some servers send as 400 is a conflict,
 * and a PATCH filter that matches nothing (`noTarget`) means the value is not there.
 */
export function classifyScimError(status: number, body: unknown): ConnectorErrorKind | undefined {
  const scimType = scimTypeOf(body);
  if (scimType === 'uniqueness' || scimType === 'expiredCursor') return 'conflict';
  if (scimType === 'noTarget' && status === 400) return 'not_found';
  return undefined;
}

/**
 * The SCIM error's type and detail for messages. Details can quote what was sent, so anything that looks
 * like an email address is masked: messages may carry ids, never personal data.
 */
export function describeScimError(_status: number, body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const detail = parsed.data.detail?.replace(/[^\s'"<>()]+@[^\s'"<>()]+/g, '<email>');
  const parts = [parsed.data.scimType, detail].filter((p): p is string => p !== undefined && p !== '');
  return parts.length === 0 ? undefined : parts.join(': ');
}

function malformed(operation: string, what: string, cause?: unknown): ConnectorError {
  return new ConnectorError('unavailable', `SCIM ${operation}: the response is not ${what}`, {
    cause,
    outcome: 'not_applied',
  });
}

function etagOf(response: HttpResponse, resource: ScimResource): string | undefined {
  const header = response.headers['etag'];
  if (header !== undefined && header !== '') return header;
  const meta = resource['meta'];
  const version =
    typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['version'] : undefined;
  return typeof version === 'string' && version !== '' ? version : undefined;
}

function pathOf(endpoint: ScimEndpoint, id?: string): string {
  return id === undefined ? `/${endpoint}` : `/${endpoint}/${encodeURIComponent(id)}`;
}

export interface ScimClientOptions {
  readonly http: HttpClient;
  readonly auth: AuthProvider;
  readonly logger: ConnectorLogger;
}

export class ScimClient {
  readonly #http: HttpClient;
  readonly #auth: AuthProvider;
  readonly #logger: ConnectorLogger;
  #features: Promise<ScimFeatures> | undefined;

  constructor(options: ScimClientOptions) {
    this.#http = options.http;
    this.#auth = options.auth;
    this.#logger = options.logger;
  }

  /**
   * What the server supports, read once per handle from /ServiceProviderConfig. A server without that
   * endpoint (404, 405, 501) gets the RFC 7644 baseline; any other failure is the caller's and is
   * asked again next time.
   */
  features(): Promise<ScimFeatures> {
    this.#features ??= this.#readFeatures().catch((error: unknown) => {
      this.#features = undefined;
      throw error;
    });
    return this.#features;
  }

  async #readFeatures(): Promise<ScimFeatures> {
    let response: HttpResponse;
    try {
      response = await this.#request('serviceProviderConfig', 'GET', '/ServiceProviderConfig');
    } catch (error) {
      if (error instanceof ConnectorError && (error.kind === 'not_found' || error.kind === 'unsupported')) {
        this.#logger.warn(
          { errorKind: error.kind },
          'no /ServiceProviderConfig; assuming the RFC 7644 baseline',
        );
        return BASELINE_FEATURES;
      }
      throw error;
    }
    const parsed = serviceProviderConfigSchema.safeParse(response.body);
    if (!parsed.success) throw malformed('serviceProviderConfig', 'a ServiceProviderConfig', parsed.error);
    const config = parsed.data;
    return {
      patch: config.patch?.supported ?? BASELINE_FEATURES.patch,
      etag: config.etag?.supported ?? BASELINE_FEATURES.etag,
      filter: config.filter?.supported ?? BASELINE_FEATURES.filter,
      cursor: config.pagination?.cursor ?? BASELINE_FEATURES.cursor,
    };
  }

  /** One page of a listing (RFC 7644 §3.4.2). */
  async list(request: ListRequest): Promise<ListPage> {
    const query: Record<string, QueryValue> = {
      filter: request.filter,
      attributes: request.attributes,
      excludedAttributes: request.excludedAttributes,
      startIndex: request.startIndex,
      // RFC 9865 §2: the first page is asked for with an empty cursor.
      cursor: request.cursor,
      count: request.count,
    };
    const operation = `list${request.endpoint}`;
    const response = await this.#request(operation, 'GET', pathOf(request.endpoint), { query });
    const parsed = listResponseSchema.safeParse(response.body);
    if (!parsed.success) throw malformed(operation, 'a SCIM ListResponse', parsed.error);
    return {
      resources: parsed.data.Resources ?? [],
      totalResults: parsed.data.totalResults,
      nextCursor: parsed.data.nextCursor,
    };
  }

  /** The resource and its ETag; undefined when the server has no such resource. */
  async get(
    endpoint: ScimEndpoint,
    id: string,
    query: { readonly attributes?: string; readonly excludedAttributes?: string } = {},
  ): Promise<VersionedResource | undefined> {
    try {
      const response = await this.#request(`get${endpoint}`, 'GET', pathOf(endpoint, id), {
        query: { ...query },
      });
      return this.#versioned(`get${endpoint}`, response);
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return undefined;
      throw error;
    }
  }

  /** POST; not idempotent, so the HTTP client never repeats it (a lost answer has an unknown outcome). */
  async create(endpoint: ScimEndpoint, resource: ScimResource): Promise<VersionedResource> {
    const response = await this.#request(`create${endpoint}`, 'POST', pathOf(endpoint), { json: resource });
    return this.#versioned(`create${endpoint}`, response);
  }

  /**
   * PATCH (RFC 7644 §3.5.2) with If-Match when `etag` is given. Roster's operations set absolute values
   * (replace, remove, add of a member), so repeating one after a lost answer does no harm: the HTTP
   * client may retry it. Answers the resource when the server returns one (200), else undefined (204).
   */
  async patch(
    endpoint: ScimEndpoint,
    id: string,
    operations: readonly PatchOperationBody[],
    etag?: string,
  ): Promise<VersionedResource | undefined> {
    const response = await this.#request(`patch${endpoint}`, 'PATCH', pathOf(endpoint, id), {
      json: { schemas: [URN.patchOp], Operations: operations },
      isIdempotent: true,
      ...(etag === undefined ? {} : { headers: { 'if-match': etag } }),
    });
    return response.body === undefined ? undefined : this.#versioned(`patch${endpoint}`, response);
  }

  /** PUT (RFC 7644 §3.5.1) with If-Match when `etag` is given. */
  async replace(
    endpoint: ScimEndpoint,
    id: string,
    resource: ScimResource,
    etag?: string,
  ): Promise<VersionedResource> {
    const response = await this.#request(`replace${endpoint}`, 'PUT', pathOf(endpoint, id), {
      json: resource,
      ...(etag === undefined ? {} : { headers: { 'if-match': etag } }),
    });
    return this.#versioned(`replace${endpoint}`, response);
  }

  /** DELETE; false when there was nothing to delete (404). */
  async delete(endpoint: ScimEndpoint, id: string): Promise<boolean> {
    try {
      await this.#request(`delete${endpoint}`, 'DELETE', pathOf(endpoint, id));
      return true;
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  #versioned(operation: string, response: HttpResponse): VersionedResource {
    const parsed = resourceSchema.safeParse(response.body);
    if (!parsed.success) throw malformed(operation, 'a SCIM resource with an id', parsed.error);
    const resource = parsed.data as ScimUser;
    return { resource, etag: etagOf(response, resource) };
  }

  #request(
    operation: string,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    extra: {
      readonly query?: Readonly<Record<string, QueryValue>>;
      readonly json?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
      readonly isIdempotent?: boolean;
    } = {},
  ): Promise<HttpResponse> {
    return this.#http.request({ operation, method, path, auth: this.#auth, ...extra });
  }
}

/** A static bearer token: a 401 means it is wrong or revoked, and asking again would not help. */
export function bearerAuth(token: string): AuthProvider {
  return {
    authorization: async () => `Bearer ${token}`,
    invalidate: () => {},
    isRejection: () => false,
  };
}
