// The reconciler end to end: a Personio company served by the emulator, synced into Roster's own
// directory on SQLite and PostgreSQL — joiners, leavers, guards, failed reads and convergence.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPersonioEmulator, type PersonioEmulator } from '../../../emulators/personio/index.ts';
import { createManualClock } from '../../core/testing/manual-clock.ts';
import { USER_RESOURCE_SCHEMA } from '../../scim/attribute-resolver.ts';
import { createAuditLog } from '../../store/audit-log.ts';
import { createConnectionRepository } from '../../store/connection-repository.ts';
import { createLeases } from '../../store/lease.ts';
import { deriveKeys } from '../../store/root-key.ts';
import { ScimRepository } from '../../store/scim-repository.ts';
import { createSecretBox } from '../../store/secret-box.ts';
import { createSyncRepository, type SyncRepository } from '../../store/sync-repository.ts';
import { openTestDatabase, TEST_SECRET_KEY, type TestDatabase } from '../../store/testing/test-database.ts';
import { createConnectionOpener, silentConnectorLogger } from './open-connection.ts';
import { runSync, type SyncEngineDependencies } from './run-sync.ts';

const NOW = new Date('2026-11-28T12:00:00.000Z');

async function control(
  emulator: PersonioEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

interface EmulatedEmployee {
  readonly id: number;
  readonly status: string;
  readonly email: string | null;
}

async function employeesOf(emulator: PersonioEmulator): Promise<EmulatedEmployee[]> {
  return ((await control(emulator, 'GET', '/employees')) as unknown as { employees: EmulatedEmployee[] })
    .employees;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  void describe(`HR-driven sync from Personio into the directory on ${dialect}`, () => {
    let database: TestDatabase;
    let emulator: PersonioEmulator;
    let syncs: SyncRepository;
    let scim: ScimRepository;
    let deps: SyncEngineDependencies;
    const clock = createManualClock(NOW);

    const users = async () =>
      (await scim.list('dir', 'User', USER_RESOURCE_SCHEMA, { startIndex: 1, count: 1000 }, 'http://x/'))
        .resources;

    before(async () => {
      database = await openTestDatabase(dialect);
      emulator = await startPersonioEmulator({
        employees: 40,
        seed: 3,
        rateLimits: false,
        now: () => clock.now(),
      });
      const keys = deriveKeys(Buffer.from(TEST_SECRET_KEY, 'base64'));
      const connections = createConnectionRepository({
        db: database.db,
        secretBox: createSecretBox(keys),
        clock,
      });
      await connections.create({
        id: 'personio',
        app: 'personio',
        settings: { baseUrl: emulator.url, clientId: 'demo-client', timeZoneAttribute: 'dynamic_1310547' },
        secrets: { clientSecret: 'demo-secret' },
      });
      await connections.create({ id: 'dir', app: 'directory' });
      syncs = createSyncRepository({ db: database.db, clock });
      await syncs.create({
        id: 'hr',
        source: 'personio',
        target: 'dir',
        everyMs: 30_000,
        fullEveryMs: 6 * 3600_000,
      });
      scim = new ScimRepository(database.db, database.dialect, { now: () => clock.now() });
      deps = {
        syncs,
        audit: createAuditLog({ db: database.db, dialect: database.dialect, clock }),
        leases: createLeases({ db: database.db, clock }),
        openConnection: createConnectionOpener({
          connections,
          directory: scim,
          clock,
          logger: silentConnectorLogger,
        }),
        clock,
        holder: 'test',
        sleep: async () => undefined,
      };
    });

    after(async () => {
      await emulator.close();
      await database.close();
    });

    void test('the first run gives every current employee an account and nobody who has already left', async () => {
      const result = await runSync(deps, 'hr', { trigger: 'manual' });
      assert.equal(result.outcome, 'applied', result.error ?? '');
      assert.equal(result.sourceRead, 'complete');
      const list = await employeesOf(emulator);
      assert.ok(
        list.some((e) => e.status === 'inactive' && e.email),
        'the company has leavers with email',
      );
      const created = await users();
      assert.ok(created.length > 0, 'accounts were created');
      const inactiveEmails = new Set(
        list.filter((e) => e.status === 'inactive' && e.email).map((e) => e.email!.toLowerCase()),
      );
      for (const user of created)
        assert.ok(
          !inactiveEmails.has(String(user.data['userName']).toLowerCase()),
          'a leaver got an account',
        );
      const failures = result.applied.filter((a) => a.outcome === 'failed');
      assert.deepEqual(failures, []);
      // Managers are created before their reports, so each account is written once, manager included.
      assert.deepEqual(
        result.applied.filter((a) => a.operation.kind !== 'create').map((a) => a.operation.kind),
        [],
        'the first run wrote accounts twice (create, then update for the manager)',
      );
      const accountOfEmployee = new Map(created.map((u) => [String(u.data['externalId']), u.id]));
      const supervisorOf = new Map(
        (
          (await control(emulator, 'GET', '/employees')) as {
            employees: { id: number; supervisor_id: number | null }[];
          }
        ).employees.map((e) => [String(e.id), e.supervisor_id === null ? null : String(e.supervisor_id)]),
      );
      let managed = 0;
      for (const user of created) {
        const supervisor = supervisorOf.get(String(user.data['externalId']));
        const expected = supervisor ? accountOfEmployee.get(supervisor) : undefined;
        const manager = (
          user.data['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as
            { manager?: { value?: string } } | undefined
        )?.manager?.value;
        assert.equal(manager, expected, `manager of ${String(user.data['userName'])}`);
        if (expected) managed++;
      }
      assert.ok(managed > 5, 'the company has a hierarchy');
    });

    void test('a plan right after a successful run has no operations', async () => {
      const result = await runSync(deps, 'hr', { trigger: 'manual', dryRun: true });
      assert.equal(result.outcome, 'planned');
      assert.deepEqual(
        result.plan?.operations.map(
          (o) => `${o.kind} ${o.personId}: ${o.reason} ${JSON.stringify(o.changes)}`,
        ),
        [],
      );
    });

    void test('a hire appears as an account and a termination disables it, journaled in a verifiable chain', async () => {
      const hired = (await control(emulator, 'POST', '/employees', {
        first_name: 'Zoë',
        last_name: 'Ångström',
        email: 'zoe.angstrom@example.com',
        status: 'active',
        hire_date: '2026-11-01',
        department: 'Engineering',
        office: 'Berlin',
      })) as { id: number };
      await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      const account = (await users()).find((u) => u.data['userName'] === 'zoe.angstrom@example.com');
      assert.ok(account, 'the hire has an account');
      assert.equal(account.data['active'], true);
      assert.equal(account.data['externalId'], String(hired.id));

      await control(emulator, 'PATCH', `/employees/${hired.id}`, {
        termination_date: '2026-11-20',
        status: 'inactive',
      });
      const result = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.equal(result.outcome, 'applied', result.error ?? '');
      const after_ = (await users()).find((u) => u.id === account.id);
      assert.equal(after_?.data['active'], false, 'the leaver is disabled, not deleted');
      assert.equal((await deps.audit.verify()).ok, true);
    });

    void test('a failed source read applies nothing and reports the failure', async () => {
      await control(emulator, 'POST', '/faults', { kind: 'malformed-page', count: 20 });
      const before_ = (await users()).map((u) => [u.id, u.data['active']]);
      const result = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      await control(emulator, 'DELETE', '/faults');
      assert.equal(result.outcome, 'failed');
      assert.match(result.error ?? '', /reading personio failed/);
      assert.deepEqual(
        (await users()).map((u) => [u.id, u.data['active']]),
        before_,
      );
    });

    void test('a mass termination is held whole until its plan hash is approved', async () => {
      const list = await employeesOf(emulator);
      const active = list.filter((e) => e.status === 'active').slice(0, 8);
      for (const e of active)
        await control(emulator, 'PATCH', `/employees/${e.id}`, {
          termination_date: '2026-11-25',
          status: 'inactive',
        });
      const held = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.equal(
        held.outcome,
        'held',
        JSON.stringify({
          ops: held.plan?.operations.map((o) => [o.kind, o.personId, o.reason]),
          active: active.map((e) => e.id),
          guard: held.guard,
        }),
      );
      assert.ok(held.guard?.reasons.length);
      const sync = await syncs.require('hr');
      assert.equal(sync.heldHash, held.plan?.hash);
      const stillActive = (await users()).filter((u) => u.data['active'] === true).length;

      await syncs.updateState('hr', { approvedHash: held.plan?.hash ?? null });
      const released = await runSync(deps, 'hr', { trigger: 'manual', forceFull: true });
      assert.equal(released.outcome, 'applied', released.error ?? '');
      const nowActive = (await users()).filter((u) => u.data['active'] === true).length;
      assert.ok(nowActive <= stillActive - 8, `${stillActive} → ${nowActive}`);
      assert.equal((await syncs.require('hr')).heldHash, null);
    });
  });
}
