// The `entra` connector: Microsoft Entra ID as an account target through API-driven inbound
// provisioning (SCIM bulk uploads to a provisioning job, results from the provisioning logs). Its
// manifest (what the upload API can and cannot do, Graph's documented limits) and `open`.
import type {
  ConnectionCheck,
  ConnectorContext,
  ConnectorHandle,
  Limitation,
  RateLimitDeclaration,
} from '../contract.ts';
import { defineConnector } from '../contract.ts';
import type { RateLimitPolicy } from '../http/http-client.ts';
import { stateServiceOf } from './connector-state.ts';
import { EntraAccounts } from './entra-accounts.ts';
import { EntraToken, GraphApi, classifyEntraError, describeEntraError } from './graph-api.ts';
import { entraSecretsSchema, entraSettingsSchema } from './settings.ts';
import type { EntraSecrets, EntraSettings } from './settings.ts';

/**
 * Pacing per connection. bulkUpload: 40 calls within any 5 s (documented; the daily quota of 2,000
 * calls, 6,000 with ID Governance, is left to Entra's 429). Provisioning logs: the identity and access
 * reports limit of 5 requests per 10 s per app per tenant, and at most one read per poll interval.
 */
export function entraRateLimits(logPollIntervalMs: number): Record<string, RateLimitPolicy> {
  return {
    login: { concurrency: 1, windows: [{ cap: 10, intervalMs: 1_000 }] },
    bulkUpload: { concurrency: 4, windows: [{ cap: 40, intervalMs: 5_000 }] },
    logs: {
      concurrency: 1,
      windows: [
        { cap: 5, intervalMs: 10_000 },
        { cap: 1, intervalMs: logPollIntervalMs },
      ],
    },
  };
}

const RATE_LIMIT: RateLimitDeclaration = {
  summary:
    'bulkUpload: at most 50 records per request, 40 requests within any 5 seconds, and 2,000 requests per 24 hours per tenant (6,000 with Entra ID Governance) — answered with 429 beyond. Provisioning logs (identity and access reports): 5 requests per 10 seconds per app per tenant. Sources: learn.microsoft.com inbound-provisioning-api-concepts and graph/throttling-limits.',
  buckets: entraRateLimits(2_000),
};

const LIMITATIONS: readonly Limitation[] = [
  {
    capability: 'accounts.delete',
    reason:
      'API-driven provisioning creates, updates and disables users but never deletes them: the upload API has no delete, so deleting a user is done in Entra ID (or by a lifecycle workflow).',
  },
  {
    capability: 'groups.list',
    reason:
      'The provisioning app uploads users only; its permission cannot read groups, and group membership is managed in Entra ID (dynamic groups, access packages).',
  },
  {
    capability: 'groups.members',
    reason: 'The upload permission cannot read group memberships; they are managed in Entra ID.',
  },
  {
    capability: 'groups.membership_write',
    reason:
      'bulkUpload carries users only, so group membership is set in Entra ID (dynamic groups, access packages).',
  },
  {
    capability: 'access.grant',
    reason:
      'Licences, roles and app assignments are not part of the upload; they are granted in Entra ID, for example by group-based licensing.',
  },
  {
    capability: 'logins.manage',
    reason:
      'How a new user first signs in (a Temporary Access Pass, a password) is not part of the upload; Entra lifecycle workflows or an administrator handle it.',
  },
];

export const entraConnector = defineConnector<EntraSettings, EntraSecrets>({
  manifest: {
    id: 'entra',
    displayName: 'Microsoft Entra ID (API-driven inbound provisioning)',
    authKind: 'client_credentials',
    settingsSchema: entraSettingsSchema,
    secretsSchema: entraSecretsSchema,
    capabilities: [
      'accounts.list',
      'accounts.create',
      'accounts.update',
      'accounts.disable',
      'accounts.enable',
    ],
    limitations: LIMITATIONS,
    rateLimit: RATE_LIMIT,
    docs: 'docs/connectors/entra.md',
  },

  open(settings: EntraSettings, secrets: EntraSecrets, context: ConnectorContext): ConnectorHandle {
    const state = stateServiceOf(context);
    const logger = context.logger.child({ connector: 'entra', connectionId: context.connectionId });
    const rateLimits = entraRateLimits(settings.logPollIntervalMs);
    const common = {
      vendor: 'Entra ID',
      limiterKey: `entra:${context.connectionId}`,
      rateLimits,
      timeoutMs: settings.requestTimeoutMs,
      describeError: describeEntraError,
      classifyError: classifyEntraError,
    };
    const login = context.http.create({
      ...common,
      name: 'entra-login',
      baseUrl: settings.loginUrl,
      defaultBucket: 'login',
    });
    const graph = context.http.create({
      ...common,
      name: 'entra-graph',
      baseUrl: settings.graphUrl,
      defaultBucket: 'logs',
    });
    const auth = new EntraToken({
      login,
      clock: context.clock,
      tenantId: settings.tenantId,
      clientId: settings.clientId,
      clientSecret: secrets.clientSecret,
    });
    const api = new GraphApi({
      graph,
      auth,
      apiVersion: settings.apiVersion,
      servicePrincipalId: settings.servicePrincipalId,
      jobId: settings.jobId,
    });
    const accounts = new EntraAccounts({
      api,
      state,
      clock: context.clock,
      logger,
      confirmTimeoutMs: settings.confirmTimeoutMs,
      logPollIntervalMs: settings.logPollIntervalMs,
      pendingExpiryMs: settings.pendingExpiryMs,
    });
    return {
      accounts,
      check: async (): Promise<ConnectionCheck> => {
        await api.probeLogs();
        const count = await accounts.countAccounts();
        return {
          summary: `Authenticated to Entra ID tenant ${settings.tenantId}; the provisioning logs of job ${settings.jobId} are readable; ${count} accounts uploaded by Roster`,
          count,
          warnings: [
            'the upload permission (SynchronizationData-User.Upload) is only proven by the first upload: Graph offers no way to check it without uploading',
          ],
        };
      },
      close: async () => {
        await Promise.allSettled([login.close(), graph.close()]);
      },
    };
  },
});
