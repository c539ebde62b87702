// A real Roster SCIM server on a real listener (port 0) over a fresh database, with two connections
// and a token for each, plus the small assertion helpers the IdP conformance suites share.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp, createAuthenticator } from '../../src/server/index.ts';
import {
  createConnectionRepository,
  createSecretBox,
  createTokenRepository,
  deriveKeys,
} from '../../src/store/index.ts';
import { TEST_SECRET_KEY, openTestDatabase } from '../../src/store/testing/test-database.ts';

export type Dialect = 'sqlite' | 'postgres';

/** Well-known URNs, spelled out here so the suites never import the server's own constants. */
export const URN = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  bulkRequest: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
  bulkResponse: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/**
 * A response as a client sees it. `body` is the parsed JSON (undefined for an empty or non-JSON
 * body); it is untyped on purpose, because the suites read arbitrary paths of SCIM documents.
 */
export interface ScimResponse {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary SCIM JSON, read by path
  readonly body: any;
  readonly text: string;
}

/**
 * Header overrides for one request; names are case-insensitive and `null` removes a default
 * (e.g. `{ authorization: null }` sends no credentials).
 */
export type RequestHeaders = Readonly<Record<string, string | null>>;

/** A client bound to one connection's SCIM base URL and bearer token. */
export interface ScimClient {
  /** `http://127.0.0.1:PORT/scim/v2/<connection>` */
  readonly baseUrl: string;
  readonly token: string;
  readonly connectionId: string;
  /**
   * Sends `method` to `baseUrl + path`. `path` may carry a query string exactly as a client would
   * write it (spaces, `+`, `%20`). A string body is sent byte for byte (malformed JSON, raw
   * `__proto__` keys); any other defined body is JSON-encoded. Defaults: `Authorization: Bearer`,
   * `Accept: application/scim+json`, and `Content-Type: application/scim+json` when there is a body.
   */
  request(method: string, path: string, body?: unknown, headers?: RequestHeaders): Promise<ScimResponse>;
}

export interface ScimServer extends ScimClient {
  readonly dialect: Dialect;
  /** A second connection on the same server, with its own token. */
  readonly otherConnection: ScimClient;
  close(): Promise<void>;
}

export interface ScimServerOptions {
  readonly dialect?: Dialect;
  /** Extra environment for the server's configuration, e.g. `ROSTER_RATE_LIMIT_RPS`. */
  readonly env?: Readonly<Record<string, string>>;
}

const CONNECTION_ID = 'acme';
const OTHER_CONNECTION_ID = 'globex';

/**
 * Starts the real application (`buildApp`) on 127.0.0.1 over a fresh test database (SQLite in a
 * temporary directory by default, or PostgreSQL in a fresh schema of TEST_DATABASE_URL), with the
 * default configuration, two `directory` connections and a SCIM token for each. `close` stops the
 * listener and drops the database.
 */
export async function startScimServer(options: ScimServerOptions = {}): Promise<ScimServer> {
  const dialect = options.dialect ?? 'sqlite';
  const database = await openTestDatabase(dialect);
  try {
    const keys = deriveKeys(Buffer.from(TEST_SECRET_KEY, 'base64'));
    const connections = createConnectionRepository({ db: database.db, secretBox: createSecretBox(keys) });
    const tokens = createTokenRepository({ db: database.db, tokenHashKey: keys.tokenHash });
    await connections.create({ id: CONNECTION_ID, app: 'directory' });
    await connections.create({ id: OTHER_CONNECTION_ID, app: 'directory' });
    const token = (await tokens.create({ kind: 'scim', connectionId: CONNECTION_ID })).token;
    const otherToken = (await tokens.create({ kind: 'scim', connectionId: OTHER_CONNECTION_ID })).token;
    const { app, origin } = await listenOnFreePort(async (port) => {
      // Only what a default installation has: no variable from the developer's environment.
      const config = loadConfig({ ...options.env, HOST: '127.0.0.1', PORT: String(port) });
      return buildApp({
        db: database.db,
        dialect: database.dialect,
        publicUrl: config.publicUrl,
        authenticate: createAuthenticator(tokens),
        limits: config.scimLimits,
        maxBodyBytes: config.maxBodyBytes,
        rateLimitRps: config.rateLimitRps,
      });
    });
    const baseUrl = `${origin}/scim/v2/${CONNECTION_ID}`;
    const otherBaseUrl = `${origin}/scim/v2/${OTHER_CONNECTION_ID}`;
    let closed = false;
    return {
      ...clientFor(baseUrl, token, CONNECTION_ID),
      dialect,
      otherConnection: clientFor(otherBaseUrl, otherToken, OTHER_CONNECTION_ID),
      close: async () => {
        if (closed) return;
        closed = true;
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

interface Listening {
  readonly app: { close(): Promise<unknown> };
  readonly origin: string;
}

/**
 * The public URL (Location, meta.location, $ref) must name the port the server listens on, and the
 * app takes it when built: so find a free port first, then build and listen on it, retrying in the
 * unlikely case another process took the port in between.
 */
async function listenOnFreePort(
  build: (port: number) => Promise<{
    listen(options: { port: number; host: string }): Promise<string>;
    close(): Promise<unknown>;
  }>,
): Promise<Listening> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const app = await build(port);
    try {
      await app.listen({ port, host: '127.0.0.1' });
      return { app, origin: `http://127.0.0.1:${port}` };
    } catch (error) {
      await app.close();
      if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export async function sendScimRequest(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: RequestHeaders = {},
): Promise<ScimResponse> {
  const merged = new Map<string, string>([
    ['authorization', `Bearer ${token}`],
    ['accept', 'application/scim+json'],
  ]);
  if (body !== undefined) merged.set('content-type', 'application/scim+json');
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) merged.delete(name.toLowerCase());
    else merged.set(name.toLowerCase(), value);
  }
  const response = await fetch(baseUrl + path, {
    method,
    headers: Object.fromEntries(merged),
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export function clientFor(baseUrl: string, token: string, connectionId: string): ScimClient {
  return {
    baseUrl,
    token,
    connectionId,
    request: (method, path, body, headers) => sendScimRequest(baseUrl, token, method, path, body, headers),
  };
}

// ---------------------------------------------------------------------------------------------
// Shared request bodies and assertions.

export interface PatchOperation {
  readonly op: string;
  readonly path?: string;
  readonly value?: unknown;
}

/** A PatchOp message (RFC 7644 §3.5.2) holding `operations` in order. */
export function patchOp(...operations: PatchOperation[]): Record<string, unknown> {
  return { schemas: [URN.patchOp], Operations: operations };
}

/** The `filter=` query parameter, percent-encoded as most clients send it. */
export function filterQuery(filter: string): string {
  return `filter=${encodeURIComponent(filter)}`;
}

/** True when the response declares the SCIM media type (RFC 7644 §3.1), parameters allowed. */
export function isScimJson(response: ScimResponse): boolean {
  return /^application\/scim\+json\s*(;|$)/i.test(response.headers.get('content-type') ?? '');
}

function describeResponse(response: ScimResponse): string {
  return `${response.status} ${response.headers.get('content-type') ?? '(no content-type)'} ${response.text.slice(0, 600)}`;
}

/** Asserts the status, showing the response body when it differs. */
export function expectStatus(response: ScimResponse, ...statuses: number[]): void {
  assert.ok(
    statuses.includes(response.status),
    `expected HTTP ${statuses.join(' or ')}, got ${describeResponse(response)}`,
  );
}

/**
 * Asserts an RFC 7644 §3.12 error: the status, `application/scim+json`, the Error schema, `status`
 * as a string, a non-empty `detail`, and the `scimType` when one is given.
 */
export function expectScimError(response: ScimResponse, status: number, scimType?: string): void {
  expectStatus(response, status);
  assert.ok(isScimJson(response), `error without application/scim+json: ${describeResponse(response)}`);
  assert.ok(response.body !== undefined, `error without a JSON body: ${describeResponse(response)}`);
  assert.deepEqual(response.body.schemas, [URN.error], `error schemas: ${describeResponse(response)}`);
  assert.equal(response.body.status, String(status), `error status field: ${describeResponse(response)}`);
  assert.equal(typeof response.body.detail, 'string', `error detail: ${describeResponse(response)}`);
  assert.ok(response.body.detail.length > 0, `empty error detail: ${describeResponse(response)}`);
  if (scimType !== undefined)
    assert.equal(response.body.scimType, scimType, `scimType: ${describeResponse(response)}`);
}

/** Asserts a 200 ListResponse with integer counters and a `Resources` array; returns the resources. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary SCIM JSON, read by path
export function expectListResponse(response: ScimResponse): any[] {
  expectStatus(response, 200);
  assert.ok(isScimJson(response), `list without application/scim+json: ${describeResponse(response)}`);
  assert.deepEqual(response.body.schemas, [URN.listResponse]);
  assert.ok(Number.isInteger(response.body.totalResults), 'totalResults is a JSON integer');
  assert.ok(Array.isArray(response.body.Resources), `Resources is an array: ${describeResponse(response)}`);
  if (response.body.itemsPerPage !== undefined)
    assert.ok(Number.isInteger(response.body.itemsPerPage), 'itemsPerPage is a JSON integer');
  if (response.body.startIndex !== undefined)
    assert.ok(Number.isInteger(response.body.startIndex), 'startIndex is a JSON integer');
  return response.body.Resources;
}

/**
 * Asserts a 201 with the resource in the body and a `Location` header equal to `meta.location` (when
 * a projection left `meta` in); returns the new resource's id.
 */
export function expectCreated(response: ScimResponse): string {
  expectStatus(response, 201);
  assert.ok(isScimJson(response), 'a created resource is application/scim+json');
  assert.equal(typeof response.body?.id, 'string', 'the created resource has an id');
  const location = response.headers.get('location');
  assert.ok(location?.endsWith(`/${response.body.id}`), `Location names the new resource: ${location}`);
  if (response.body.meta?.location !== undefined)
    assert.equal(location, response.body.meta.location, 'Location equals meta.location');
  return response.body.id;
}

/** A minimal valid User body; `extra` is merged over it. */
export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [URN.user],
    userName,
    name: { givenName: 'Test', familyName: userName },
    emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

/** Creates a user and returns its id, failing the test with the response when it is not a 201. */
export async function createUser(
  client: ScimClient,
  userName: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  return expectCreated(await client.request('POST', '/Users', userBody(userName, extra)));
}

/** Creates a group with the given member ids and returns its id. */
export async function createGroup(
  client: ScimClient,
  displayName: string,
  memberIds: readonly string[] = [],
  extra: Record<string, unknown> = {},
): Promise<string> {
  return expectCreated(
    await client.request('POST', '/Groups', {
      schemas: [URN.group],
      displayName,
      members: memberIds.map((value) => ({ value })),
      ...extra,
    }),
  );
}

/** The member ids of a group, read with a plain GET. */
export async function memberIdsOf(client: ScimClient, groupId: string): Promise<string[]> {
  const response = await client.request('GET', `/Groups/${groupId}`);
  expectStatus(response, 200);
  const members = (response.body.members ?? []) as { value: string }[];
  return members.map((m) => m.value).sort();
}

/** Asserts that no attribute anywhere in a document is `null` (RFC 7643 §2.5: omit unassigned values). */
export function assertNoNulls(document: unknown, where = '$'): void {
  if (document === null) assert.fail(`${where} is null; unassigned attributes are omitted`);
  if (Array.isArray(document)) document.forEach((item, i) => assertNoNulls(item, `${where}[${i}]`));
  else if (typeof document === 'object' && document !== undefined)
    for (const [key, value] of Object.entries(document)) assertNoNulls(value, `${where}.${key}`);
}
