// An Entra connection's settings and secrets (validated at the boundary): which tenant, provisioning
// app and job to upload to, the app registration that authenticates, where the identity platform and
// Graph are (overridable for the emulator, through the URL policy), and how long to wait for results.
import { z } from 'zod';
import { checkOutboundUrl } from '../http/url-policy.ts';

function outboundUrl() {
  return z.string().superRefine((value, ctx) => {
    const check = checkOutboundUrl(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
    else if (
      check.url.pathname.replace(/\/+$/, '') !== '' ||
      check.url.search !== '' ||
      check.url.hash !== ''
    )
      ctx.addIssue({ code: 'custom', message: 'an origin only (scheme, host and port), no path or query' });
  });
}

/** A directory object id or app id: a GUID. */
const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a GUID (8-4-4-4-12 hex digits)');

export const entraSettingsSchema = z
  .object({
    /** Directory (tenant) id, or a verified domain such as contoso.onmicrosoft.com. */
    tenantId: z.union([guid, z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a GUID or a domain')]),
    /** Application (client) id of the app registration that uploads. Not a secret. */
    clientId: guid,
    /** Object id of the API-driven provisioning app's service principal (Enterprise applications). */
    servicePrincipalId: guid,
    /** The provisioning job id shown on the app's Provisioning > Overview page (API2AAD.… or API2AD.…). */
    jobId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/, 'the provisioning job id'),
    /** The identity platform's origin; change only for a national cloud or the emulator. */
    loginUrl: outboundUrl().default('https://login.microsoftonline.com'),
    /** Microsoft Graph's origin; change only for a national cloud or the emulator. */
    graphUrl: outboundUrl().default('https://graph.microsoft.com'),
    /** Graph version the endpoints are called under. */
    apiVersion: z.enum(['v1.0', 'beta']).default('v1.0'),
    /** Per-request timeout. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
    /** How long a write waits for its records to appear in the provisioning logs before leaving them pending. */
    confirmTimeoutMs: z.number().int().min(0).max(600_000).default(60_000),
    /** At most one provisioning-log read per this interval (the logs allow 5 reads per 10 s anyway). */
    logPollIntervalMs: z.number().int().min(10).max(60_000).default(2_000),
    /**
     * A record uploaded longer ago than this with no provisioning-log entry is taken as not applied (a
     * paused job, a lost request) and uploaded again by the next run.
     */
    pendingExpiryMs: z
      .number()
      .int()
      .min(60_000)
      .max(7 * 86_400_000)
      .default(6 * 3_600_000),
  })
  .strict();

export type EntraSettings = z.output<typeof entraSettingsSchema>;
export type EntraSettingsInput = z.input<typeof entraSettingsSchema>;

export const entraSecretsSchema = z
  .object({
    /** A client secret value of the app registration (Certificates & secrets). */
    clientSecret: z.string().min(1),
  })
  .strict();

export type EntraSecrets = z.output<typeof entraSecretsSchema>;
