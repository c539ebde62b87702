// The options a caller passes to the Entra emulator and their resolved form. Defaults live here so the
// CLI, tests and docs agree on them.

/** Graph application permissions the emulator knows; the client credential holds some of them. */
export const ENTRA_PERMISSIONS = [
  'SynchronizationData-User.Upload',
  'AuditLog.Read.All',
  'ProvisioningLog.Read.All',
] as const;
export type EntraPermission = (typeof ENTRA_PERMISSIONS)[number];

/** Options for {@link startEntraEmulator}; every field is optional. */
export interface EntraEmulatorOptions {
  /** TCP port; default 0 (ephemeral). */
  port?: number;
  /** Interface to bind; default '127.0.0.1'. */
  host?: string;
  /** Directory (tenant) id in the token URL; default a fixed GUID. */
  tenantId?: string;
  /** The app registration's client id and secret accepted by the token endpoint. */
  clientId?: string;
  clientSecret?: string;
  /** Object id of the provisioning app's service principal and its provisioning job id. */
  servicePrincipalId?: string;
  jobId?: string;
  /** Application permissions granted (with admin consent) to the client; default upload + AuditLog.Read.All. */
  permissions?: readonly EntraPermission[];
  /** Access token lifetime in seconds; default 3599, as Entra issues. */
  tokenLifetimeSeconds?: number;
  /** Time between an accepted upload and its records appearing in the provisioning logs; default 200 ms. */
  processingDelayMs?: number;
  /** Enforce the documented limits (bulkUpload 40 per 5 s and a daily quota; logs 5 per 10 s); default true. */
  rateLimits?: boolean;
  /** bulkUpload calls per 24 h (P1/P2: 2,000; with ID Governance: 6,000); default 2,000. */
  dailyUploadQuota?: number;
  /** Largest `$top` of a provisioning log page, and the page size when none is asked for; default 1,000 / 100. */
  maxLogPageSize?: number;
  defaultLogPageSize?: number;
  /** The emulator's clock (token expiry, log times, rate windows); default the system clock. */
  now?: () => Date;
  /** Receives one line per request. */
  logger?: (line: string) => void;
}

export interface ResolvedEntraOptions {
  port: number;
  host: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  servicePrincipalId: string;
  jobId: string;
  permissions: ReadonlySet<EntraPermission>;
  tokenLifetimeSeconds: number;
  processingDelayMs: number;
  rateLimits: boolean;
  dailyUploadQuota: number;
  maxLogPageSize: number;
  defaultLogPageSize: number;
  now: () => Date;
  logger: (line: string) => void;
}

export const ENTRA_EMULATOR_DEFAULTS = {
  tenantId: '6f1c1d2e-7a8b-4c3d-9e0f-1a2b3c4d5e6f',
  clientId: '0c5a9f3e-2b1d-4e6f-8a7b-9c0d1e2f3a4b',
  clientSecret: 'entra-emulator-secret',
  servicePrincipalId: '2d8e4f6a-1b3c-4d5e-8f9a-0b1c2d3e4f5a',
  jobId: 'API2AAD.4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c.6f1c1d2e-7a8b-4c3d-9e0f-1a2b3c4d5e6f',
} as const;

export function resolveEntraOptions(options: EntraEmulatorOptions): ResolvedEntraOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    tenantId: options.tenantId ?? ENTRA_EMULATOR_DEFAULTS.tenantId,
    clientId: options.clientId ?? ENTRA_EMULATOR_DEFAULTS.clientId,
    clientSecret: options.clientSecret ?? ENTRA_EMULATOR_DEFAULTS.clientSecret,
    servicePrincipalId: options.servicePrincipalId ?? ENTRA_EMULATOR_DEFAULTS.servicePrincipalId,
    jobId: options.jobId ?? ENTRA_EMULATOR_DEFAULTS.jobId,
    permissions: new Set(options.permissions ?? ['SynchronizationData-User.Upload', 'AuditLog.Read.All']),
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    processingDelayMs: options.processingDelayMs ?? 200,
    rateLimits: options.rateLimits ?? true,
    dailyUploadQuota: options.dailyUploadQuota ?? 2_000,
    maxLogPageSize: options.maxLogPageSize ?? 1_000,
    defaultLogPageSize: options.defaultLogPageSize ?? 100,
    now: options.now ?? (() => new Date()),
    logger: options.logger ?? (() => undefined),
  };
}
