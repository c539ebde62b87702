// The Personio connector: its manifest (capabilities, what the API cannot do, documented rate limits) and
// `open`, which wires the HTTP client, both token caches, the people source and the account target.
import type {
  ConnectionCheck,
  ConnectorContext,
  ConnectorHandle,
  Limitation,
  RateLimitDeclaration,
} from '../contract.ts';
import { ConnectorError, defineConnector } from '../contract.ts';
import type { RateLimitPolicy } from '../http/http-client.ts';
import type { MappingConfig } from './person-mapping.ts';
import { PersonioAccounts } from './personio-accounts.ts';
import { PersonioApi, classifyPersonioError } from './personio-api.ts';
import { createV1Token, createV2Token } from './personio-auth.ts';
import { PersonioPeople } from './personio-people.ts';
import type { PersonioSecrets, PersonioSettings } from './settings.ts';
import {
  personioSecretsSchema,
  personioSettingsSchema,
  readFields,
  requestedAttributes,
  sensitivityOf,
} from './settings.ts';
import { describePersonioError } from './v1-envelope.ts';

/**
 * Personio's documented limits as sliding windows over the moments requests leave Roster. Personio counts
 * them when they arrive, after network (and its own queueing) jitter; the caps are a little lower and the
 * windows a little longer than documented so that jitter cannot turn a paced burst into a 429.
 */
export const PERSONIO_RATE_LIMITS: Readonly<Record<string, RateLimitPolicy>> = {
  // POST /v1/auth: 60/min; going over costs a 60 s cool-down. Tokens are cached, so this is rarely used.
  'v1.auth': { concurrency: 1, windows: [{ cap: 50, intervalMs: 61_000 }] },
  // GET /v1/company/employees*: 300/min with bursts of at most 15/s (since 2024-05-06).
  'v1.employees.read': {
    concurrency: 4,
    windows: [
      { cap: 13, intervalMs: 1_100 },
      { cap: 285, intervalMs: 61_000 },
    ],
  },
  // Writes: no documented limit beyond v1's 2000/min per IP; kept gentle, they change HR records.
  'v1.write': { concurrency: 1, windows: [{ cap: 5, intervalMs: 1_000 }] },
  // POST /v2/auth/token: 150/min, then 1/s for 60 s.
  'v2.auth': { concurrency: 1, windows: [{ cap: 120, intervalMs: 61_000 }] },
  // v2 resources: undocumented; a token bucket of about 10/s was observed.
  v2: { concurrency: 4, windows: [{ cap: 8, intervalMs: 1_100 }] },
};

const RATE_LIMIT: RateLimitDeclaration = {
  summary:
    'v1 /auth 60/min (then a 60 s cool-down); v1 GET employees 300/min with a 15/s burst; v1 2000/min per IP; ' +
    'v2 /auth/token 150/min (then 1/s for 60 s); v2 resources undocumented (about 10/s observed). ' +
    'Personio developer hub, changelog 2024-05-06 and the authentication pages.',
  buckets: PERSONIO_RATE_LIMITS,
};

const LIMITATIONS: readonly Limitation[] = [
  {
    capability: 'accounts.disable',
    reason:
      "Personio's API has no login deactivation. Setting status to inactive is an HR change with payroll and absence effects, so Roster never does it as a side effect of deprovisioning; a person does it in Personio.",
  },
  {
    capability: 'accounts.enable',
    reason: "Personio's API has no login activation; invitations are sent from Personio's web interface.",
  },
  {
    capability: 'accounts.delete',
    reason:
      'API v1 cannot delete employees; deleting an HR record (v2) destroys history and is left to HR in Personio.',
  },
  {
    capability: 'groups.list',
    reason: 'Personio has no groups API; departments and teams are read as person attributes.',
  },
  { capability: 'groups.members', reason: 'Personio has no groups API.' },
  { capability: 'groups.membership_write', reason: 'Personio has no groups API.' },
  {
    capability: 'access.grant',
    reason: "Employee roles and access rights exist only in Personio's web interface; no API touches them.",
  },
  {
    capability: 'logins.manage',
    reason:
      "Login access and invitations are managed only in Personio's web interface; Personio has no SCIM.",
  },
];

export const personioConnector = defineConnector<PersonioSettings, PersonioSecrets>({
  manifest: {
    id: 'personio',
    displayName: 'Personio',
    authKind: 'client_credentials',
    settingsSchema: personioSettingsSchema,
    secretsSchema: personioSecretsSchema,
    capabilities: [
      'people.list',
      'people.changes',
      'people.get',
      'people.notifications',
      'accounts.list',
      'accounts.create',
      'accounts.update',
    ],
    limitations: LIMITATIONS,
    rateLimit: RATE_LIMIT,
    docs: 'docs/connectors/personio.md',
  },

  open(settings: PersonioSettings, secrets: PersonioSecrets, context: ConnectorContext): ConnectorHandle {
    const logger = context.logger.child({ connector: 'personio', connectionId: context.connectionId });
    const http = context.http.create({
      name: 'personio',
      vendor: 'Personio',
      baseUrl: settings.baseUrl,
      limiterKey: `personio:${context.connectionId}`,
      rateLimits: PERSONIO_RATE_LIMITS,
      defaultBucket: 'v1.employees.read',
      timeoutMs: settings.requestTimeoutMs,
      describeError: (_status, body) => describePersonioError(body),
      classifyError: classifyPersonioError,
    });
    const credentials = { clientId: settings.clientId, clientSecret: secrets.clientSecret };
    const v1Token = createV1Token(http, credentials, context.clock);
    const v2Token = createV2Token(http, credentials, context.clock);
    const api = new PersonioApi({
      http,
      v1Token,
      v2Token,
      attributes: requestedAttributes(settings),
      partnerId: settings.partnerId,
      appId: settings.appId,
    });
    const mapping: MappingConfig = {
      fields: readFields(settings),
      customAttributes: settings.customAttributes,
      officeTimeZones: settings.officeTimeZones,
      defaultTimeZone: settings.defaultTimeZone,
      timeZoneAttribute: settings.timeZoneAttribute,
    };
    const people = new PersonioPeople({
      api,
      settings,
      mapping,
      clock: context.clock,
      logger,
      webhookToken: secrets.webhookToken,
    });
    const accounts = new PersonioAccounts({ api, settings, mapping, clock: context.clock, logger });

    return {
      people,
      accounts,
      check: () => checkConnection(api, people, v2Token.authorization.bind(v2Token)),
      close: () => http.close(),
    };
  },
});

async function checkConnection(
  api: PersonioApi,
  people: PersonioPeople,
  v2Authorization: () => Promise<string>,
): Promise<ConnectionCheck> {
  const page = await api.listEmployees({ offset: 0, limit: 1 });
  const warnings: string[] = [];
  const readable = await people.readableAttributeList().catch((error: unknown) => {
    if (error instanceof ConnectorError && error.kind === 'forbidden') return null;
    throw error;
  });
  if (readable === null) {
    warnings.push('the credential may not list its readable attributes; custom attributes cannot be checked');
  } else {
    const keys = new Set(readable.map((a) => a.key));
    const missing = api.requestedAttributes.filter((key) => !keys.has(key));
    if (missing.length > 0) {
      warnings.push(`not readable by this credential (those fields stay unknown): ${missing.join(', ')}`);
    }
    const sensitive = readable.filter((a) => sensitivityOf(a) !== null);
    if (sensitive.length > 0) {
      warnings.push(
        `the credential may read pay, bank or personal data Roster never requests; remove from its readable attributes: ${sensitive.map((a) => a.label ?? a.key).join(', ')}`,
      );
    }
  }
  try {
    await v2Authorization();
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    warnings.push(
      `API v2 is not usable with this credential (${error.kind}); single-person refreshes will fail`,
    );
  }
  const count = page.totalElements;
  return { summary: `Authenticated with Personio; ${count} employees readable`, count, warnings };
}
