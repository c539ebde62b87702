// A Roster server with a Personio connection backed by the Personio emulator, on a real listener: the
// SCIM endpoints, the Personio gateway (driven by the test: import and outbox passes on demand), the
// task list and the emulator's control API, for the end-to-end provisioning suites.
import { startPersonioEmulator, type PersonioEmulator } from '../../emulators/personio/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { PersonioSettingsInput } from '../../src/connectors/personio/settings.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Connection } from '../../src/core/connection.ts';
import { PersonioGateway } from '../../src/provisioning/index.ts';
import { buildApp, createAuthenticator } from '../../src/server/index.ts';
import {
  createAuditLog,
  createConnectionRepository,
  createSecretBox,
  createTokenRepository,
  deriveKeys,
  type AuditEntry,
} from '../../src/store/index.ts';
import { ScimRepository } from '../../src/store/scim-repository.ts';
import { TEST_SECRET_KEY, openTestDatabase } from '../../src/store/testing/test-database.ts';
import { createConnectionOpener, silentConnectorLogger } from '../../src/sync/engine/open-connection.ts';
import { TaskRepository } from '../../src/tasks/task-repository.ts';
import type { Task } from '../../src/tasks/task.ts';
import { sendScimRequest, type RequestHeaders, type ScimResponse } from '../support/scim-harness.ts';

export const CONNECTION_ID = 'personio-de';
export const CLIENT_ID = 'demo-client';
export const CLIENT_SECRET = 'demo-secret';

export interface EmulatorEmployee {
  readonly id: number;
  readonly email: string | null;
  readonly first_name: string;
  readonly last_name: string;
  readonly status: string;
  readonly position: string;
  readonly department: string | null;
  readonly office: string | null;
  readonly supervisor_id: number | null;
  readonly [key: string]: unknown;
}

export interface GatewayHarness {
  readonly emulator: PersonioEmulator;
  readonly gateway: PersonioGateway;
  readonly tasks: TaskRepository;
  readonly tokenId: string;
  /** Revokes the identity provider's token: the connection is then only an HR source. */
  revokeToken(): Promise<void>;
  request(method: string, path: string, body?: unknown, headers?: RequestHeaders): Promise<ScimResponse>;
  /** Every employee as the emulator's control API shows it. */
  employees(): Promise<EmulatorEmployee[]>;
  employeeByEmail(email: string): Promise<EmulatorEmployee | undefined>;
  fault(kind: string, count?: number, retryAfterSeconds?: number): Promise<void>;
  clearFaults(): Promise<void>;
  changeEmployee(id: number, attributes: Record<string, unknown>): Promise<void>;
  removeEmployee(id: number): Promise<void>;
  /** Requests the emulator served, e.g. to count employee creates. */
  requests(): Promise<{ method: string; path: string; status: number | null }[]>;
  /** Applies outbox rows until none is pending (waiting out retry delays), or fails after `timeoutMs`. */
  drain(timeoutMs?: number): Promise<void>;
  /** The stored Personio connection. */
  connection(): Promise<Connection>;
  /** Another gateway on the same database and connections, as a second `roster serve` instance would run. */
  secondGateway(): PersonioGateway;
  allTasks(): Promise<Task[]>;
  openTasks(): Promise<Task[]>;
  audit(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export interface GatewayHarnessOptions {
  readonly dialect?: 'sqlite' | 'postgres';
  readonly employees?: number;
  readonly provisioning?: Record<string, unknown>;
  readonly settings?: Partial<PersonioSettingsInput>;
}

export async function startGatewayHarness(options: GatewayHarnessOptions = {}): Promise<GatewayHarness> {
  const emulator = await startPersonioEmulator({
    port: 0,
    employees: options.employees ?? 30,
    seed: 7,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    rateLimits: false,
  });
  const database = await openTestDatabase(options.dialect ?? 'sqlite');
  const keys = deriveKeys(Buffer.from(TEST_SECRET_KEY, 'base64'));
  const connections = createConnectionRepository({ db: database.db, secretBox: createSecretBox(keys) });
  const tokens = createTokenRepository({ db: database.db, tokenHashKey: keys.tokenHash });
  const audit = createAuditLog({ db: database.db, dialect: database.dialect });
  const tasks = new TaskRepository({ db: database.db, audit });
  await connections.create({
    id: CONNECTION_ID,
    app: 'personio',
    settings: {
      baseUrl: emulator.url,
      clientId: CLIENT_ID,
      requestTimeoutMs: 1_000,
      ...options.settings,
      provisioning: { writeBudgetMs: 3_000, ...options.provisioning },
    },
    secrets: { clientSecret: CLIENT_SECRET },
  });
  const issued = await tokens.create({ kind: 'scim', connectionId: CONNECTION_ID, name: 'okta' });
  const repository = new ScimRepository(database.db, database.dialect);
  const newGateway = () =>
    new PersonioGateway({
      db: database.db,
      repository,
      connections,
      tasks,
      audit,
      openConnection: createConnectionOpener({
        connections,
        directory: repository,
        clock: systemClock,
        logger: silentConnectorLogger,
      }),
      clock: systemClock,
      retryBaseMs: 50,
      pollMs: 50,
      minImportSpacingMs: 0,
    });
  const gateway = newGateway();
  const others: PersonioGateway[] = [];
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0' });
  const app = await buildApp({
    db: database.db,
    dialect: database.dialect,
    publicUrl: 'http://127.0.0.1',
    authenticate: createAuthenticator(tokens),
    limits: config.scimLimits,
    maxBodyBytes: config.maxBodyBytes,
    rateLimitRps: 0,
    scimGatewayFor: (connectionId, tokenId) => gateway.gatewayFor(connectionId, tokenId),
  });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `${origin}/scim/v2/${CONNECTION_ID}`;

  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`emulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
  const employees = async (): Promise<EmulatorEmployee[]> => {
    const body = await control<EmulatorEmployee[] | { employees: EmulatorEmployee[] }>('GET', '/employees');
    return Array.isArray(body) ? body : body.employees;
  };
  const allTasks = async (): Promise<Task[]> =>
    (await tasks.list({ connectionId: CONNECTION_ID, limit: 500 })).tasks;

  await gateway.importEmployees(CONNECTION_ID);

  return {
    emulator,
    gateway,
    tasks,
    tokenId: issued.record.id,
    revokeToken: async () => {
      await tokens.revoke(issued.record.id);
    },
    request: (method, path, body, headers) =>
      sendScimRequest(baseUrl, issued.token, method, path, body, headers),
    employees,
    employeeByEmail: async (email) =>
      (await employees()).find((e) => e.email !== null && e.email.toLowerCase() === email.toLowerCase()),
    fault: async (kind, count = 1, retryAfterSeconds = 1) => {
      await control('POST', '/faults', { kind, count, retry_after_seconds: retryAfterSeconds });
    },
    clearFaults: async () => {
      await control('DELETE', '/faults');
    },
    changeEmployee: async (id, attributes) => {
      await control('PATCH', `/employees/${id}`, attributes);
    },
    removeEmployee: async (id) => {
      await control('DELETE', `/employees/${id}`);
    },
    requests: async () => {
      const body = await control<unknown>('GET', '/requests');
      return (Array.isArray(body) ? body : (body as { requests: [] }).requests) as {
        method: string;
        path: string;
        status: number | null;
      }[];
    },
    drain: async (timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        await gateway.runOnce(CONNECTION_ID);
        const open = await gateway.store.list(CONNECTION_ID, ['pending', 'applying']);
        if (open.length === 0) return;
        if (Date.now() > until)
          throw new Error(
            `outbox not drained: ${open.map((r) => `${r.operation} ${r.status} ${r.lastError ?? ''}`).join('; ')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    connection: async () => {
      const connection = await connections.get(CONNECTION_ID);
      if (!connection) throw new Error('the connection is gone');
      return connection;
    },
    secondGateway: () => {
      const other = newGateway();
      others.push(other);
      return other;
    },
    allTasks,
    openTasks: async () => (await allTasks()).filter((t) => t.state === 'open'),
    audit: async () => [...(await audit.list({ connectionId: CONNECTION_ID, limit: 1000 }))],
    close: async () => {
      await app.close();
      await gateway.stop();
      for (const other of others) await other.stop();
      await database.close();
      await emulator.close();
    },
  };
}
