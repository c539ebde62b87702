// Entra's endpoints as the connector uses them: a client-credentials token from the identity platform
// (cached until shortly before it expires, refreshed once when Graph rejects it), bulkUpload of up to
// 50 SCIM records, and provisioning-log pages, parsed at the boundary.
import { z } from 'zod';
import type { Clock, ConnectorErrorKind } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { AuthProvider, HttpClient, HttpResponse } from '../http/http-client.ts';
import { BULK_REQUEST_SCHEMA } from './scim-records.ts';
import type { ScimResource } from '../../scim/schema.ts';

/** Documented: each bulk request contains at most 50 user operations. */
export const MAX_RECORDS_PER_UPLOAD = 50;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/** Renew this long before expiry, so a token never expires between a read and a write. */
const RENEW_BEFORE_MS = 5 * 60_000;
/** Logs are read in pages this large (Graph documents no maximum for this endpoint). */
const LOG_PAGE_SIZE = 500;
const MAX_LOG_PAGES = 200;

/** A short, safe message from a Graph error body or an identity-platform error body. */
export function describeEntraError(_status: number, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record['error'];
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as Record<string, unknown>;
    if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
  }
  const description = record['error_description'];
  // The identity platform appends trace and correlation ids; the AADSTS line says what is wrong.
  if (typeof description === 'string') return description.split(/ Trace ID:|\r?\n/)[0];
  return typeof error === 'string' ? error : undefined;
}

export function classifyEntraError(status: number, body: unknown): ConnectorErrorKind | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>)['error'];
  // Token endpoint: a wrong client id or secret is a credential problem, whatever the status.
  if (error === 'invalid_client' || error === 'unauthorized_client') return 'unauthenticated';
  if (status === 400 && (error === 'invalid_request' || error === 'invalid_scope')) return 'invalid_request';
  return undefined;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]),
});

/** One client-credentials token, shared by concurrent callers, forgotten when Graph rejects it. */
export class EntraToken implements AuthProvider {
  readonly #login: HttpClient;
  readonly #clock: Clock;
  readonly #tenantId: string;
  readonly #clientId: string;
  readonly #clientSecret: string;
  #current: { header: string; renewAt: number } | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(options: {
    login: HttpClient;
    clock: Clock;
    tenantId: string;
    clientId: string;
    clientSecret: string;
  }) {
    this.#login = options.login;
    this.#clock = options.clock;
    this.#tenantId = options.tenantId;
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
  }

  async authorization(): Promise<string> {
    const now = this.#clock.now().getTime();
    if (this.#current !== undefined && now < this.#current.renewAt) return this.#current.header;
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  invalidate(rejected: string): void {
    if (this.#current?.header === rejected) this.#current = undefined;
  }

  async #fetch(): Promise<string> {
    const startedAt = this.#clock.now().getTime();
    let response: HttpResponse;
    try {
      response = await this.#login.request({
        operation: 'token',
        method: 'POST',
        path: `/${encodeURIComponent(this.#tenantId)}/oauth2/v2.0/token`,
        form: {
          grant_type: 'client_credentials',
          client_id: this.#clientId,
          client_secret: this.#clientSecret,
          scope: GRAPH_SCOPE,
        },
        // A second token request has no effect beyond issuing another token.
        isIdempotent: true,
        bucket: 'login',
      });
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'unauthenticated') {
        throw new ConnectorError(
          'unauthenticated',
          `${error.message}. Check the application (client) id and client secret of the app registration, and that the secret has not expired`,
          { cause: error, ...(error.status === undefined ? {} : { status: error.status }) },
        );
      }
      throw error;
    }
    const parsed = tokenResponse.safeParse(response.body);
    if (!parsed.success)
      throw new ConnectorError('unavailable', 'Entra token: the response carries no access token');
    const lifetimeMs = parsed.data.expires_in * 1000;
    const header = `Bearer ${parsed.data.access_token}`;
    this.#current = { header, renewAt: startedAt + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
    return header;
  }
}

const logEntrySchema = z.object({
  activityDateTime: z.string(),
  jobId: z.string().nullish(),
  provisioningAction: z.string().nullish(),
  provisioningStatusInfo: z
    .object({
      status: z.string(),
      errorInformation: z
        .object({
          errorCode: z.string().nullish(),
          reason: z.string().nullish(),
          additionalDetails: z.string().nullish(),
        })
        .nullish(),
    })
    .nullish(),
  sourceIdentity: z.object({ id: z.string().nullish() }).nullish(),
  targetIdentity: z.object({ id: z.string().nullish() }).nullish(),
});

const logPageSchema = z.object({
  value: z.array(logEntrySchema),
  '@odata.nextLink': z.string().optional(),
});

/** A provisioning-log entry, reduced to what confirmation needs. */
export interface ProvisioningResult {
  readonly at: number;
  readonly externalId: string;
  readonly action: string;
  readonly status: string;
  readonly errorCode: string | null;
  readonly reason: string | null;
  readonly objectId: string | null;
}

export interface GraphApiOptions {
  readonly graph: HttpClient;
  readonly auth: AuthProvider;
  readonly apiVersion: string;
  readonly servicePrincipalId: string;
  readonly jobId: string;
}

export class GraphApi {
  readonly #options: GraphApiOptions;

  constructor(options: GraphApiOptions) {
    this.#options = options;
  }

  /**
   * Uploads up to 50 records. Resolves with Graph's time of acceptance (its Date header), which the
   * provisioning-log entries of these records are compared with; null when the answer had none.
   */
  async upload(records: readonly { bulkId: string; data: ScimResource }[]): Promise<number | null> {
    if (records.length === 0 || records.length > MAX_RECORDS_PER_UPLOAD) {
      throw new RangeError(
        `a bulk upload carries 1 to ${MAX_RECORDS_PER_UPLOAD} records, not ${records.length}`,
      );
    }
    const { apiVersion, servicePrincipalId, jobId } = this.#options;
    const response = await this.#options.graph.request({
      operation: 'bulkUpload',
      method: 'POST',
      path: `/${apiVersion}/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(jobId)}/bulkUpload`,
      json: {
        schemas: [BULK_REQUEST_SCHEMA],
        Operations: records.map((r) => ({ method: 'POST', bulkId: r.bulkId, path: '/Users', data: r.data })),
        failOnErrors: null,
      },
      jsonMediaType: 'application/scim+json',
      auth: this.#options.auth,
      // Sending the same records again is harmless: Entra matches each on externalId and updates.
      isIdempotent: true,
      bucket: 'bulkUpload',
    });
    const date = Date.parse(response.headers['date'] ?? '');
    return Number.isNaN(date) ? null : date;
  }

  /** Every provisioning-log entry of the job since `sinceMs` (all pages). */
  async readResults(sinceMs: number): Promise<ProvisioningResult[]> {
    const { apiVersion, jobId } = this.#options;
    const filter = `jobId eq '${jobId.replace(/'/g, "''")}' and activityDateTime gt ${new Date(sinceMs - 1).toISOString()}`;
    const results: ProvisioningResult[] = [];
    let path = `/${apiVersion}/auditLogs/provisioning`;
    let query: Record<string, string> | undefined = { $filter: filter, $top: String(LOG_PAGE_SIZE) };
    for (let page = 0; page < MAX_LOG_PAGES; page++) {
      const response = await this.#options.graph.request({
        operation: 'auditLogs.provisioning',
        method: 'GET',
        path,
        ...(query ? { query } : {}),
        auth: this.#options.auth,
        bucket: 'logs',
      });
      const parsed = logPageSchema.safeParse(response.body);
      if (!parsed.success) {
        throw new ConnectorError(
          'unavailable',
          'Entra auditLogs.provisioning: a page does not have the documented shape',
        );
      }
      for (const entry of parsed.data.value) {
        const externalId = entry.sourceIdentity?.id;
        const at = Date.parse(entry.activityDateTime);
        if (!externalId || Number.isNaN(at) || (entry.jobId && entry.jobId !== jobId)) continue;
        const info = entry.provisioningStatusInfo;
        results.push({
          at,
          externalId,
          action: entry.provisioningAction ?? 'other',
          status: info?.status ?? 'unknownFutureValue',
          errorCode: info?.errorInformation?.errorCode ?? null,
          reason: info?.errorInformation?.reason ?? info?.errorInformation?.additionalDetails ?? null,
          objectId: entry.targetIdentity?.id || null,
        });
      }
      const next = parsed.data['@odata.nextLink'];
      if (next === undefined) return results;
      path = next;
      query = undefined;
    }
    throw new ConnectorError('unavailable', `Entra auditLogs.provisioning: more than ${MAX_LOG_PAGES} pages`);
  }

  /** One small log read: authenticates and proves the log permission. */
  async probeLogs(): Promise<void> {
    const { apiVersion, jobId } = this.#options;
    await this.#options.graph.request({
      operation: 'auditLogs.provisioning',
      method: 'GET',
      path: `/${apiVersion}/auditLogs/provisioning`,
      query: { $filter: `jobId eq '${jobId.replace(/'/g, "''")}'`, $top: '1' },
      auth: this.#options.auth,
      bucket: 'logs',
    });
  }
}
