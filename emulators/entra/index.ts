// Public entry of the Microsoft Entra emulator (API-driven inbound provisioning): start it on a port,
// get its URL and identifiers, close it. Everything else in this folder is internal.
import type { Socket } from 'node:net';
import { EntraFaultQueue } from './faults.ts';
import { type EntraEmulatorOptions, resolveEntraOptions } from './options.ts';
import { buildEntraApp, type EntraEmulatorContext } from './server.ts';
import { EntraTenant } from './tenant.ts';

export type { EntraEmulatorOptions, EntraPermission } from './options.ts';
export { ENTRA_EMULATOR_DEFAULTS } from './options.ts';
export { MAX_OPERATIONS_PER_UPLOAD } from './server.ts';

/** A running emulator. `url` has no trailing slash and serves both the token endpoint and Graph. */
export interface EntraEmulator {
  readonly url: string;
  readonly port: number;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  close(): Promise<void>;
}

/**
 * Starts an emulator of Entra ID's API-driven inbound provisioning: the identity platform token
 * endpoint (`POST /{tenant}/oauth2/v2.0/token`), Graph's `POST /v1.0/servicePrincipals/{id}/
 * synchronization/jobs/{jobId}/bulkUpload` and `GET /v1.0/auditLogs/provisioning`, and the
 * `/_emulator` control API. See docs/emulators/entra.md.
 */
export async function startEntraEmulator(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const resolved = resolveEntraOptions(options);
  const context: EntraEmulatorContext = {
    options: resolved,
    tenant: new EntraTenant({
      tenantId: resolved.tenantId,
      servicePrincipalId: resolved.servicePrincipalId,
      jobId: resolved.jobId,
      clientId: resolved.clientId,
      now: resolved.now,
    }),
    faults: new EntraFaultQueue(),
    tokens: new Map(),
    requestLog: [],
    windows: { uploads: [], uploadsToday: [], logs: [] },
    hungSockets: new Set<Socket>(),
    baseUrl: '',
  };
  const app = buildEntraApp(context);
  await app.listen({ port: resolved.port, host: resolved.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host}:${port}`;
  context.baseUrl = url;
  resolved.logger(`Entra emulator listening on ${url} (tenant ${resolved.tenantId}, job ${resolved.jobId})`);
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    tenantId: resolved.tenantId,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    servicePrincipalId: resolved.servicePrincipalId,
    jobId: resolved.jobId,
    close(): Promise<void> {
      closing ??= (async () => {
        context.tenant.close();
        for (const socket of context.hungSockets) socket.destroy();
        context.hungSockets.clear();
        await app.close();
      })();
      return closing;
    },
  };
}
