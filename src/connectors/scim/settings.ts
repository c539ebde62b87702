// A SCIM connection's settings and secrets (validated at the boundary): where the server is, how to
// authenticate, and how fast and in what pages to talk to it.
import { z } from 'zod';
import { checkOutboundUrl } from '../http/url-policy.ts';

export const SCIM_AUTHENTICATIONS = ['bearer'] as const;
export type ScimAuthentication = (typeof SCIM_AUTHENTICATIONS)[number];

export const scimSettingsSchema = z
  .object({
    /** The SCIM base URL, e.g. https://app.example.com/scim/v2 (https, except to loopback). */
    baseUrl: z.string().superRefine((value, ctx) => {
      const check = checkOutboundUrl(value);
      if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
      else if (check.url.search !== '' || check.url.hash !== '')
        ctx.addIssue({
          code: 'custom',
          message: 'no query string or fragment: the base URL is a path prefix',
        });
    }),
    /** How requests authenticate: `bearer` sends the `token` secret as `Authorization: Bearer`. */
    authentication: z.enum(SCIM_AUTHENTICATIONS),
    /** `count` of each listing request (RFC 7644 §3.4.2.4); servers may answer with fewer. */
    pageSize: z.number().int().min(1).max(1000).default(100),
    /** Per-request timeout. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
    /** Pacing: requests started per second, and in flight at once. SCIM publishes no standard limit. */
    requestsPerSecond: z.number().min(0.1).max(1000).default(20),
    concurrency: z.number().int().min(1).max(32).default(4),
  })
  .strict();

export type ScimSettings = z.output<typeof scimSettingsSchema>;
export type ScimSettingsInput = z.input<typeof scimSettingsSchema>;

export const scimSecretsSchema = z
  .object({
    /** The bearer token the server issued for Roster. */
    token: z.string().min(1),
  })
  .strict();

export type ScimSecrets = z.output<typeof scimSecretsSchema>;
