// Test harness: a second, real Roster SCIM server on 127.0.0.1:0 (its own database and token), seeded
// with users and groups, optionally behind a fault proxy, and the scim connector opened on it.
import {
  URN,
  expectCreated,
  expectListResponse,
  startScimServer,
} from '../../../../test/support/scim-harness.ts';
import type { ScimServer } from '../../../../test/support/scim-harness.ts';
import type { ConnectorHandle } from '../../contract.ts';
import { openConnector } from '../../registry.ts';
import { createTestContext } from '../../testing/test-context.ts';
import type { TestContext } from '../../testing/test-context.ts';
import type { ScimSettingsInput } from '../settings.ts';
import { startFaultProxy } from './fault-proxy.ts';
import type { FaultProxy } from './fault-proxy.ts';

export interface ScimHarnessOptions {
  readonly users?: number;
  readonly groups?: number;
  readonly settings?: Partial<ScimSettingsInput>;
  /** Put a fault proxy between the connector and the server. */
  readonly proxy?: boolean;
}

export interface ScimHarness {
  readonly server: ScimServer;
  readonly proxy: FaultProxy | undefined;
  readonly test: TestContext;
  readonly rawSettings: ScimSettingsInput;
  readonly rawSecrets: { readonly token: string };
  readonly handle: ConnectorHandle;
  readonly userIds: string[];
  readonly groupIds: string[];
  /** Another handle on the same connection; `secrets` replace the stored ones. */
  open(settings?: Partial<ScimSettingsInput>, secrets?: { readonly token: string }): ConnectorHandle;
  /** Ids of every user the server holds, read directly. */
  listUserIds(): Promise<string[]>;
  /** Users the server holds with this userName. */
  usersNamed(userName: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export function seededUserBody(n: number): Record<string, unknown> {
  return {
    schemas: [URN.user, URN.enterpriseUser],
    userName: `seeded.user${n}@example.com`,
    displayName: `Seeded User ${n}`,
    name: { givenName: 'Seeded', familyName: `User ${n}` },
    emails: [{ type: 'work', value: `seeded.user${n}@example.com`, primary: true }],
    active: true,
    [URN.enterpriseUser]: { department: n % 2 === 0 ? 'Engineering' : 'Sales' },
  };
}

export async function startScimHarness(options: ScimHarnessOptions = {}): Promise<ScimHarness> {
  const server = await startScimServer();
  const handles: ConnectorHandle[] = [];
  let proxy: FaultProxy | undefined;
  try {
    const userIds: string[] = [];
    for (let n = 1; n <= (options.users ?? 7); n++) {
      userIds.push(expectCreated(await server.request('POST', '/Users', seededUserBody(n))));
    }
    const groupIds: string[] = [];
    for (let n = 1; n <= (options.groups ?? 2); n++) {
      const members = userIds.filter((_, i) => i % n === 0).map((value) => ({ value }));
      groupIds.push(
        expectCreated(
          await server.request('POST', '/Groups', {
            schemas: [URN.group],
            displayName: `Group ${n}`,
            members,
          }),
        ),
      );
    }
    let baseUrl = server.baseUrl;
    if (options.proxy) {
      proxy = await startFaultProxy(new URL(server.baseUrl).origin);
      baseUrl = `${proxy.origin}${new URL(server.baseUrl).pathname}`;
    }
    const rawSettings: ScimSettingsInput = { baseUrl, authentication: 'bearer', ...options.settings };
    const rawSecrets = { token: server.token };
    const test = createTestContext({ connectionId: 'scim-target' });
    const open = (settings: Partial<ScimSettingsInput> = {}, secrets = rawSecrets): ConnectorHandle => {
      const handle = openConnector('scim', { ...rawSettings, ...settings }, secrets, test.context);
      handles.push(handle);
      return handle;
    };
    const listUserIds = async (): Promise<string[]> => {
      const users = expectListResponse(await server.request('GET', '/Users?count=1000&attributes=id'));
      return users.map((u: { id: string }) => u.id);
    };
    return {
      server,
      proxy,
      test,
      rawSettings,
      rawSecrets,
      handle: open(),
      userIds,
      groupIds,
      open,
      listUserIds,
      usersNamed: async (userName) =>
        expectListResponse(
          await server.request(
            'GET',
            `/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(userName)}`)}`,
          ),
        ) as Record<string, unknown>[],
      close: async () => {
        for (const handle of handles) await handle.close();
        await proxy?.close();
        await server.close();
      },
    };
  } catch (error) {
    await proxy?.close();
    await server.close();
    throw error;
  }
}
