// A running Entra emulator with the entra connector opened on it (in-memory connection state, the test
// context's instant sleep), for the contract suite and the connector's own tests.
import {
  startEntraEmulator,
  type EntraEmulator,
  type EntraEmulatorOptions,
} from '../../../../emulators/entra/index.ts';
import type { ConnectorHandle, DesiredAccount } from '../../contract.ts';
import { openConnector } from '../../registry.ts';
import { createTestContext, type TestContext } from '../../testing/test-context.ts';
import { STATE_SERVICE } from '../connector-state.ts';
import type { EntraSettingsInput } from '../settings.ts';
import { createMemoryState, type MemoryState } from './memory-state.ts';

export interface EntraHarnessOptions {
  readonly emulator?: EntraEmulatorOptions;
  readonly settings?: Partial<EntraSettingsInput>;
  /** Accounts created through the connector before the test starts; default 0. */
  readonly accounts?: number;
}

export interface EntraHarness {
  readonly emulator: EntraEmulator;
  readonly rawSettings: EntraSettingsInput;
  readonly rawSecrets: { clientSecret: string };
  readonly state: MemoryState;
  readonly test: TestContext;
  readonly handle: ConnectorHandle;
  /** Another handle on the same emulator and state, as another process would open it. */
  open(): ConnectorHandle;
  control<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** The users the emulated tenant holds. */
  users(): Promise<EmulatedUser[]>;
  /** bulkUpload calls seen, with their status and number of operations. */
  uploads(): Promise<{ status: number | null; operations: number | null; fault: string | null }[]>;
  close(): Promise<void>;
}

export interface EmulatedUser {
  readonly id: string;
  readonly employeeId: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly jobTitle: string | null;
  readonly managerId: string | null;
  readonly accountEnabled: boolean;
}

let counter = 0;

/** A desired account the emulator provisions, distinct on every call. */
export function desiredAccount(externalId?: string): DesiredAccount {
  counter += 1;
  const id = externalId ?? `c${counter}`;
  const email = `person.${id}@contoso.example`;
  return {
    email,
    attributes: {
      externalId: id,
      userName: email,
      displayName: `Person ${id}`,
      'name.givenName': 'Person',
      'name.familyName': id,
      'emails[type eq "work"].value': email,
      'emails[type eq "work"].primary': true,
    },
  };
}

export async function startEntraHarness(options: EntraHarnessOptions = {}): Promise<EntraHarness> {
  const emulator = await startEntraEmulator({ processingDelayMs: 10, ...options.emulator });
  const rawSettings: EntraSettingsInput = {
    tenantId: emulator.tenantId,
    clientId: emulator.clientId,
    servicePrincipalId: emulator.servicePrincipalId,
    jobId: emulator.jobId,
    loginUrl: emulator.url,
    graphUrl: emulator.url,
    confirmTimeoutMs: 5_000,
    logPollIntervalMs: 25,
    ...options.settings,
  };
  const rawSecrets = { clientSecret: emulator.clientSecret };
  const state = createMemoryState();
  const test = createTestContext({ connectionId: 'entra-test' });
  const open = (): ConnectorHandle =>
    openConnector('entra', rawSettings, rawSecrets, {
      ...test.context,
      services: { [STATE_SERVICE]: state },
    });
  const handle = open();
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  };
  const harness: EntraHarness = {
    emulator,
    rawSettings,
    rawSecrets,
    state,
    test,
    handle,
    open,
    control,
    users: async () => (await control<{ users: EmulatedUser[] }>('GET', '/users')).users,
    uploads: async () =>
      (
        await control<{
          requests: {
            endpoint: string;
            status: number | null;
            operations: number | null;
            fault: string | null;
          }[];
        }>('GET', '/requests')
      ).requests
        .filter((r) => r.endpoint === 'bulkUpload')
        .map(({ status, operations, fault }) => ({ status, operations, fault })),
    close: async () => {
      await handle.close();
      await emulator.close();
    },
  };
  const accounts = options.accounts ?? 0;
  if (accounts > 0) {
    const results = await handle.accounts!.writeAccounts!(
      Array.from({ length: accounts }, () => ({ kind: 'create' as const, desired: desiredAccount() })),
    );
    if (!results.every((r) => r.ok)) throw new Error('seeding the harness accounts failed');
  }
  return harness;
}
