// HR-driven sync into Microsoft Entra ID end to end: the Personio emulator as the source, the sync
// engine with its journal and the connection state on SQLite, the entra connector, and the Entra
// emulator as the target — joiners in bulk requests of at most 50, a mover, a leaver, and faults on
// bulkUpload that converge on the next run without a duplicate user.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEntraEmulator, type EntraEmulator } from '../../emulators/entra/index.ts';
import { startPersonioEmulator, type PersonioEmulator } from '../../emulators/personio/index.ts';
import { createHttpClientFactory } from '../../src/connectors/http/http-client.ts';
import { createManualClock } from '../../src/core/testing/manual-clock.ts';
import { createAuditLog } from '../../src/store/audit-log.ts';
import { createConnectionRepository } from '../../src/store/connection-repository.ts';
import { createConnectorStateRepository } from '../../src/store/connector-state-repository.ts';
import { createLeases } from '../../src/store/lease.ts';
import { deriveKeys } from '../../src/store/root-key.ts';
import { ScimRepository } from '../../src/store/scim-repository.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { createSyncRepository } from '../../src/store/sync-repository.ts';
import {
  openTestDatabase,
  TEST_SECRET_KEY,
  type TestDatabase,
} from '../../src/store/testing/test-database.ts';
import { createConnectionOpener, silentConnectorLogger } from '../../src/sync/engine/open-connection.ts';
import { runSync, type SyncEngineDependencies, type SyncRunResult } from '../../src/sync/engine/run-sync.ts';

const NOW = new Date('2026-11-28T12:00:00.000Z');

interface EntraUser {
  id: string;
  employeeId: string;
  userPrincipalName: string;
  jobTitle: string | null;
  managerId: string | null;
  accountEnabled: boolean;
}

async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/_emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function failuresOf(result: SyncRunResult): string[] {
  return result.applied
    .filter((a) => a.outcome === 'failed')
    .map((a) => `${a.operation.kind} ${a.operation.personId}: ${a.error}`);
}

void describe(
  'HR-driven sync from Personio into Entra ID (API-driven inbound provisioning)',
  { timeout: 240_000 },
  () => {
    let database: TestDatabase;
    let personio: PersonioEmulator;
    let entra: EntraEmulator;
    let deps: SyncEngineDependencies;
    const clock = createManualClock(NOW);

    const users = async (): Promise<EntraUser[]> =>
      (await call<{ users: EntraUser[] }>(entra.url, 'GET', '/users')).users;
    const uploads = async (): Promise<{ status: number | null; operations: number | null }[]> =>
      (
        await call<{ requests: { endpoint: string; status: number | null; operations: number | null }[] }>(
          entra.url,
          'GET',
          '/requests',
        )
      ).requests
        .filter((r) => r.endpoint === 'bulkUpload')
        .map(({ status, operations }) => ({ status, operations }));

    before(async () => {
      database = await openTestDatabase('sqlite');
      personio = await startPersonioEmulator({
        employees: 170,
        seed: 5,
        rateLimits: false,
        now: () => clock.now(),
      });
      entra = await startEntraEmulator({ processingDelayMs: 20 });
      const connections = createConnectionRepository({
        db: database.db,
        secretBox: createSecretBox(deriveKeys(Buffer.from(TEST_SECRET_KEY, 'base64'))),
        clock,
      });
      await connections.create({
        id: 'personio',
        app: 'personio',
        settings: { baseUrl: personio.url, clientId: 'demo-client', timeZoneAttribute: 'dynamic_1310547' },
        secrets: { clientSecret: 'demo-secret' },
      });
      await connections.create({
        id: 'entra',
        app: 'entra',
        settings: {
          tenantId: entra.tenantId,
          clientId: entra.clientId,
          servicePrincipalId: entra.servicePrincipalId,
          jobId: entra.jobId,
          loginUrl: entra.url,
          graphUrl: entra.url,
          logPollIntervalMs: 50,
          confirmTimeoutMs: 20_000,
        },
        secrets: { clientSecret: entra.clientSecret },
      });
      const syncs = createSyncRepository({ db: database.db, clock });
      await syncs.create({
        id: 'hr',
        source: 'personio',
        target: 'entra',
        everyMs: 30_000,
        fullEveryMs: 6 * 3600_000,
      });
      deps = {
        syncs,
        audit: createAuditLog({ db: database.db, dialect: database.dialect, clock }),
        leases: createLeases({ db: database.db, clock }),
        openConnection: createConnectionOpener({
          connections,
          directory: new ScimRepository(database.db, database.dialect, { now: () => clock.now() }),
          state: createConnectorStateRepository({ db: database.db, clock }),
          clock,
          logger: silentConnectorLogger,
          // Retry waits are instant; the pacing of real requests still holds.
          http: createHttpClientFactory({
            clock,
            logger: silentConnectorLogger,
            sleep: async () => undefined,
          }),
        }),
        clock,
        holder: 'test',
        sleep: async () => undefined,
      };
    });

    after(async () => {
      await entra?.close();
      await personio?.close();
      await database?.close();
    });

    void test('the first run provisions every current employee in bulk requests of at most 50, managers included', async () => {
      const result = await runSync(deps, 'hr', { trigger: 'manual' });
      assert.equal(result.outcome, 'applied', result.error ?? '');
      assert.deepEqual(failuresOf(result), []);
      const creates = result.applied.filter((a) => a.operation.kind === 'create' && a.outcome === 'applied');
      assert.ok(creates.length >= 120, `${creates.length} creates`);
      const provisioned = await users();
      assert.equal(provisioned.length, creates.length);
      assert.equal(
        new Set(provisioned.map((u) => u.employeeId)).size,
        provisioned.length,
        'one user per person',
      );
      const sent = await uploads();
      assert.ok(sent.length >= 3, `${sent.length} bulk requests`);
      assert.ok(
        sent.every((u) => u.status === 202 && (u.operations ?? 0) >= 1 && (u.operations ?? 0) <= 50),
        JSON.stringify(sent),
      );
      assert.ok(
        provisioned.some((u) => u.managerId !== null),
        'managers resolved in the same run',
      );
    });

    void test('a plan right after the run has nothing to do: the state matches what Entra confirmed', async () => {
      const result = await runSync(deps, 'hr', { trigger: 'manual', dryRun: true });
      assert.deepEqual(
        result.plan?.operations.map((o) => `${o.kind} ${o.personId} ${JSON.stringify(o.changes)}`),
        [],
      );
    });

    void test('a changed position updates the user; a leaver is disabled, not deleted', async () => {
      const employees = (
        await call<{ employees: { id: number; status: string; email: string | null }[] }>(
          personio.url,
          'GET',
          '/employees',
        )
      ).employees;
      const provisioned = await users();
      const active = employees.filter(
        (e) =>
          e.status === 'active' && provisioned.some((u) => u.employeeId === String(e.id) && u.accountEnabled),
      );
      const [mover, leaver] = active;
      assert.ok(mover && leaver, 'two active employees');
      await call(personio.url, 'PATCH', `/employees/${mover.id}`, { position: 'Principal Engineer' });
      await call(personio.url, 'PATCH', `/employees/${leaver.id}`, {
        termination_date: '2026-11-20',
        status: 'inactive',
      });
      const before_ = (await uploads()).length;
      const result = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.equal(result.outcome, 'applied', result.error ?? '');
      assert.deepEqual(failuresOf(result), []);
      const after_ = await users();
      assert.equal(after_.find((u) => u.employeeId === String(mover.id))?.jobTitle, 'Principal Engineer');
      const left = after_.find((u) => u.employeeId === String(leaver.id));
      assert.equal(left?.accountEnabled, false);
      assert.equal(after_.length, provisioned.length, 'nobody created or deleted');
      assert.equal(
        (await uploads()).length - before_,
        1,
        'the update and the disable went out in one request',
      );
      assert.equal((await deps.audit.verify()).ok, true);
    });

    void test('a record Entra refuses is journaled as a failed operation with Entra’s reason, and retried by the next run', async () => {
      // Someone created a user by hand with the new hire's UPN: Entra cannot create the hire.
      await call(entra.url, 'POST', '/users', {
        employeeId: 'manual-1',
        userPrincipalName: 'taken.upn@example.com',
        displayName: 'Created by hand',
      });
      const hire = await call<{ id: number }>(personio.url, 'POST', '/employees', {
        first_name: 'Taken',
        last_name: 'Upn',
        email: 'taken.upn@example.com',
        status: 'active',
        hire_date: '2026-11-01',
        department: 'Engineering',
        office: 'Berlin',
      });
      const result = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.deepEqual(failuresOf(result), [
        `create ${hire.id}: Entra ID did not provision externalId ${hire.id}: Another user already has the userPrincipalName '[address]'. (AzureActiveDirectoryConflictingObjects)`,
      ]);
      const journal = await deps.audit.list({
        syncId: 'hr',
        personId: String(hire.id),
        action: 'account.create',
        limit: 10,
      });
      assert.equal(journal.at(-1)?.outcome, 'failed');
      assert.match(JSON.stringify(journal.at(-1)?.content), /Another user already has the userPrincipalName/);

      // HR corrects the hire's email; the next run creates the hire under the new UPN.
      await call(personio.url, 'PATCH', `/employees/${hire.id}`, { email: 'taken.upn2@example.com' });
      const retried = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.deepEqual(failuresOf(retried), []);
      assert.ok((await users()).some((u) => u.employeeId === String(hire.id)));
    });

    void test('429 and 500 on bulkUpload mid-run: the failed operations are journaled, and the next run converges without duplicates', async () => {
      for (let i = 0; i < 60; i++) {
        await call(personio.url, 'POST', '/employees', {
          first_name: 'New',
          last_name: `Joiner ${i}`,
          email: `new.joiner${i}@example.com`,
          status: 'active',
          hire_date: '2026-11-01',
          department: 'Engineering',
          office: 'Berlin',
        });
      }
      const before_ = await users();
      const sentBefore = (await uploads()).length;
      // Faults queue in order: the first request is rate limited; its retry is taken by Entra but
      // answered 500 (so those records are provisioned without Roster knowing); every later request
      // fails with 500 until the faults are cleared.
      await call(entra.url, 'POST', '/faults', { kind: '429', endpoint: 'bulkUpload', retryAfterSeconds: 1 });
      await call(entra.url, 'POST', '/faults', { kind: '500', endpoint: 'bulkUpload', afterAccepting: true });
      await call(entra.url, 'POST', '/faults', { kind: '500', endpoint: 'bulkUpload', count: 200 });
      const faulted = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.equal(faulted.outcome, 'applied');
      assert.ok(failuresOf(faulted).length > 0, 'some creates failed');
      assert.match(faulted.error ?? '', /failed; the next run retries them/);
      const statuses = (await uploads()).slice(sentBefore).map((u) => u.status);
      assert.deepEqual(statuses.slice(0, 2), [429, 500], JSON.stringify(statuses));
      assert.ok(statuses.every((status) => status === 429 || status === 500));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const halfway = (await users()).length - before_.length;
      assert.ok(halfway > 0 && halfway < 60, `the accepted request was provisioned (${halfway} joiners)`);

      await call(entra.url, 'DELETE', '/faults');
      const healed = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.equal(healed.outcome, 'applied', healed.error ?? '');
      assert.deepEqual(failuresOf(healed), []);
      const after_ = await users();
      assert.equal(after_.length, before_.length + 60, 'every joiner exactly once');
      assert.equal(new Set(after_.map((u) => u.employeeId)).size, after_.length, 'no duplicate users');
      const plan = await runSync(deps, 'hr', { trigger: 'manual', dryRun: true });
      assert.deepEqual(plan.plan?.operations.length, 0);
    });
  },
);
