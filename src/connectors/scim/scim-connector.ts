// The `scim` connector: any SCIM 2.0 server (RFC 7643/7644) as a target, through the SCIM client over
// the shared HTTP client. Its manifest (what SCIM can and cannot do, pacing) and `open`.
import type {
  ConnectionCheck,
  ConnectorContext,
  ConnectorHandle,
  Limitation,
  RateLimitDeclaration,
} from '../contract.ts';
import { defineConnector } from '../contract.ts';
import type { RateLimitPolicy } from '../http/http-client.ts';
import { ScimAccounts } from './scim-accounts.ts';
import { ScimClient, bearerAuth, classifyScimError, describeScimError } from './scim-client.ts';
import type { ScimFeatures } from './scim-client.ts';
import { ScimGroups } from './scim-groups.ts';
import { scimSecretsSchema, scimSettingsSchema } from './settings.ts';
import type { ScimSecrets, ScimSettings } from './settings.ts';

/** The one bucket every request of a connection shares. */
export const SCIM_BUCKET = 'scim';

/** Pacing from the settings: `requestsPerSecond` in any one-second window, `concurrency` in flight. */
export function scimRateLimits(
  settings: Pick<ScimSettings, 'requestsPerSecond' | 'concurrency'>,
): Record<string, RateLimitPolicy> {
  // A window of whole requests: below 1/s, stretch the window instead of the cap.
  const perSecond = settings.requestsPerSecond;
  const window =
    perSecond >= 1
      ? { cap: Math.floor(perSecond), intervalMs: 1_000 }
      : { cap: 1, intervalMs: Math.ceil(1_000 / perSecond) };
  return { [SCIM_BUCKET]: { concurrency: settings.concurrency, windows: [window] } };
}

const DEFAULT_LIMITS = scimRateLimits({ requestsPerSecond: 20, concurrency: 4 });

const RATE_LIMIT: RateLimitDeclaration = {
  summary:
    'SCIM defines no rate limit and each server sets its own. Roster paces a connection at requestsPerSecond (default 20/s) with concurrency (default 4) requests in flight, and honours 429 with Retry-After (RFC 7644 §3.12).',
  buckets: DEFAULT_LIMITS,
};

const LIMITATIONS: readonly Limitation[] = [
  {
    capability: 'access.grant',
    reason:
      "SCIM 2.0 has no standard for assigning roles or licences: a User's entitlements and roles are free-form and each server reads them differently, so grants are made in the app.",
  },
  {
    capability: 'logins.manage',
    reason:
      'SCIM provisions accounts but not how people sign in (invitations, passwords, SSO assignment); that is configured in the app.',
  },
];

export const scimConnector = defineConnector<ScimSettings, ScimSecrets>({
  manifest: {
    id: 'scim',
    displayName: 'SCIM 2.0 server',
    authKind: 'api_token',
    settingsSchema: scimSettingsSchema,
    secretsSchema: scimSecretsSchema,
    capabilities: [
      'accounts.list',
      'accounts.create',
      'accounts.update',
      'accounts.disable',
      'accounts.enable',
      'accounts.delete',
      'groups.list',
      'groups.members',
      'groups.membership_write',
    ],
    limitations: LIMITATIONS,
    rateLimit: RATE_LIMIT,
    docs: 'docs/connectors/scim.md',
  },

  open(settings: ScimSettings, secrets: ScimSecrets, context: ConnectorContext): ConnectorHandle {
    const logger = context.logger.child({ connector: 'scim', connectionId: context.connectionId });
    const http = context.http.create({
      name: 'scim',
      vendor: 'SCIM server',
      baseUrl: settings.baseUrl,
      limiterKey: `scim:${context.connectionId}`,
      rateLimits: scimRateLimits(settings),
      defaultBucket: SCIM_BUCKET,
      timeoutMs: settings.requestTimeoutMs,
      // RFC 7644 §3.1: SCIM's media type, with plain JSON for servers that only speak that.
      headers: { accept: 'application/scim+json, application/json' },
      describeError: describeScimError,
      classifyError: classifyScimError,
    });
    const client = new ScimClient({ http, auth: bearerAuth(secrets.token), logger });
    const accounts = new ScimAccounts({ client, pageSize: settings.pageSize, logger });
    const groups = new ScimGroups({ client, pageSize: settings.pageSize, logger });
    return {
      accounts,
      groups,
      check: async (): Promise<ConnectionCheck> => {
        const count = await accounts.countAccounts();
        const features = await client.features();
        return {
          summary: `Authenticated with the SCIM server at ${new URL(settings.baseUrl).host}; ${count} accounts; ${features.cursor ? 'cursor' : 'index'} paging`,
          count,
          warnings: warningsFor(features),
        };
      },
      close: () => client.close(),
    };
  },
});

function warningsFor(features: ScimFeatures): string[] {
  const warnings: string[] = [];
  if (!features.etag) {
    warnings.push(
      'the server offers no ETags: a change made in the app between Roster reading a User and updating it is not detected',
    );
  }
  if (!features.patch)
    warnings.push('the server offers no PATCH: every update replaces the whole User (PUT)');
  if (!features.filter) {
    warnings.push(
      'the server offers no filtering: a create whose outcome is unknown cannot be read back by userName',
    );
  }
  if (!features.cursor) {
    warnings.push(
      'the server pages by index only: a read during deletions in the app restarts from the first page',
    );
  }
  return warnings;
}
