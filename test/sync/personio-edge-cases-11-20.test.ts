// Edge cases 11–20 of an HR-driven sync (reference: personio-notes §4), end to end: a Personio company
// served by the emulator, synced by the real engine into Roster's own directory on SQLite. Each test
// builds its own world, so the cases are independent of each other and of their order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPersonioEmulator, type PersonioEmulator } from '../../emulators/personio/index.ts';
import { ConnectorError, type ConnectorHandle } from '../../src/connectors/contract.ts';
import { createManualClock } from '../../src/core/testing/manual-clock.ts';
import { USER_RESOURCE_SCHEMA } from '../../src/scim/attribute-resolver.ts';
import { createAuditLog } from '../../src/store/audit-log.ts';
import { createConnectionRepository } from '../../src/store/connection-repository.ts';
import { createLeases } from '../../src/store/lease.ts';
import { deriveKeys } from '../../src/store/root-key.ts';
import { ScimRepository } from '../../src/store/scim-repository.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { createSyncRepository, type SyncRepository } from '../../src/store/sync-repository.ts';
import {
  openTestDatabase,
  TEST_SECRET_KEY,
  type TestDatabase,
} from '../../src/store/testing/test-database.ts';
import { createConnectionOpener, silentConnectorLogger } from '../../src/sync/engine/open-connection.ts';
import {
  runSync,
  type SyncEngineDependencies,
  type SyncRunOptions,
  type SyncRunResult,
} from '../../src/sync/engine/run-sync.ts';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

interface DirectoryUser {
  readonly id: string;
  readonly data: Record<string, unknown>;
}

interface WorldOptions {
  /** v1 attribute keys the credential may not read. */
  readonly hiddenAttributes?: string[];
  /** The sync's mapping file (YAML), default the built-in Personio mapping. */
  readonly mapping?: string;
  /** Extra settings of the Personio connection. */
  readonly personio?: Record<string, unknown>;
  /** Generated profiles besides the ones a test hires; the guard counts managed accounts. */
  readonly employees?: number;
}

interface World {
  readonly emulator: PersonioEmulator;
  readonly deps: SyncEngineDependencies;
  readonly syncs: SyncRepository;
  readonly control: (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;
  readonly hire: (fields: Record<string, unknown>) => Promise<number>;
  readonly run: (options?: Partial<SyncRunOptions>) => Promise<SyncRunResult>;
  readonly users: () => Promise<DirectoryUser[]>;
  readonly userOf: (sourceId: number) => Promise<DirectoryUser | undefined>;
  /** Swaps the emulator for a new one on the same port (same seed, so the same generated company). */
  readonly restartEmulator: (hiddenAttributes: string[]) => Promise<void>;
  /** Runs after the connector hands the engine each page of a full read, before the next is asked. */
  betweenPages: ((pagesServed: number) => Promise<void>) | null;
  /** When set, reading one person alone (`getPerson`) fails as Personio being down would. */
  getPersonFails: boolean;
  readonly close: () => Promise<void>;
}

async function controlOf(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

async function openWorld(options: WorldOptions = {}): Promise<World> {
  const clock = createManualClock(NOW);
  const database: TestDatabase = await openTestDatabase('sqlite');
  const emulatorOptions = {
    employees: options.employees ?? 12,
    seed: 11,
    rateLimits: false,
    now: () => clock.now(),
  };
  let emulator = await startPersonioEmulator({
    ...emulatorOptions,
    hiddenAttributes: options.hiddenAttributes ?? [],
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
    settings: {
      baseUrl: emulator.url,
      clientId: 'demo-client',
      timeZoneAttribute: 'dynamic_1310547',
      ...options.personio,
    },
    secrets: { clientSecret: 'demo-secret' },
  });
  await connections.create({ id: 'dir', app: 'directory' });
  const syncs = createSyncRepository({ db: database.db, clock });
  await syncs.create({
    id: 'hr',
    source: 'personio',
    target: 'dir',
    everyMs: 30_000,
    fullEveryMs: 6 * 3600_000,
    ...(options.mapping === undefined ? {} : { mapping: options.mapping }),
  });
  const scim = new ScimRepository(database.db, database.dialect, { now: () => clock.now() });
  const opener = createConnectionOpener({
    connections,
    directory: scim,
    clock,
    logger: silentConnectorLogger,
  });
  let world: World | null = null;
  // Wraps the source so a test can change the company between two pages of one read, deterministically.
  const openConnection = async (id: string): Promise<ConnectorHandle> => {
    const handle = await opener(id);
    const people = handle.people;
    if (people === undefined) return handle;
    let served = 0;
    const wrapped = new Proxy(people, {
      get(target, property) {
        if (property === 'listPeople')
          return async (cursor?: string) => {
            const page = await target.listPeople(cursor);
            served++;
            if (world?.betweenPages && page.nextCursor !== null) await world.betweenPages(served);
            return page;
          };
        if (property === 'getPerson' && world?.getPersonFails)
          return async () => {
            throw new ConnectorError('unavailable', 'Personio answered 503 (test)');
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return new Proxy(handle, {
      get(target, property) {
        if (property === 'people') return wrapped;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const deps: SyncEngineDependencies = {
    syncs,
    audit: createAuditLog({ db: database.db, dialect: database.dialect, clock }),
    leases: createLeases({ db: database.db, clock }),
    openConnection,
    clock,
    holder: 'test',
    sleep: async () => undefined,
  };
  const users = async (): Promise<DirectoryUser[]> =>
    (
      await scim.list('dir', 'User', USER_RESOURCE_SCHEMA, { startIndex: 1, count: 1000 }, 'http://x/')
    ).resources.map((r) => ({ id: r.id, data: r.data }));
  world = {
    betweenPages: null,
    getPersonFails: false,
    get emulator() {
      return emulator;
    },
    deps,
    syncs,
    control: (method, path, body) => controlOf(emulator.url, method, path, body),
    hire: async (fields) =>
      (
        await controlOf(emulator.url, 'POST', '/employees', {
          status: 'active',
          hire_date: '2025-01-06',
          department: 'Engineering',
          office: 'Berlin',
          position: 'Engineer',
          ...fields,
        })
      ).id as number,
    run: (runOptions = {}) => runSync(deps, 'hr', { trigger: 'manual', forceFull: true, ...runOptions }),
    users,
    userOf: async (sourceId) => (await users()).find((u) => u.data['externalId'] === String(sourceId)),
    restartEmulator: async (hiddenAttributes) => {
      await emulator.close();
      emulator = await startPersonioEmulator({ ...emulatorOptions, hiddenAttributes });
      const current = await connections.get('personio');
      assert.ok(current);
      await connections.update('personio', { settings: { ...current.settings, baseUrl: emulator.url } });
    },
    close: async () => {
      await emulator.close();
      await database.close();
    },
  };
  return world;
}

async function withWorld(options: WorldOptions, body: (world: World) => Promise<void>): Promise<void> {
  const world = await openWorld(options);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

function managerOf(user: DirectoryUser | undefined): string | undefined {
  return (user?.data[ENTERPRISE] as { manager?: { value?: string } } | undefined)?.manager?.value;
}

function enterprise(user: DirectoryUser | undefined, attribute: string): unknown {
  return (user?.data[ENTERPRISE] as Record<string, unknown> | undefined)?.[attribute];
}

function describeOps(result: SyncRunResult): string[] {
  return (result.plan?.operations ?? []).map(
    (o) => `${o.kind}/${o.cause} ${o.personId}: ${o.changes.map((c) => c.path).join(',')}`,
  );
}

function assertApplied(result: SyncRunResult): void {
  assert.equal(result.outcome, 'applied', `${result.error ?? ''} ${JSON.stringify(describeOps(result))}`);
  assert.deepEqual(
    result.applied.filter((a) => a.outcome === 'failed').map((a) => a.error),
    [],
    'no operation failed',
  );
}

void test('case 11 — work email change: the account keyed on the Personio id follows the new email (userName and work email), no second account', async () => {
  await withWorld({}, async (w) => {
    const ada = await w.hire({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' });
    assertApplied(await w.run());
    const before = await w.userOf(ada);
    assert.ok(before, 'Ada has an account');
    const count = (await w.users()).length;

    await w.control('PATCH', `/employees/${ada}`, { email: 'ada.lovelace@example.com' });
    const result = await w.run();
    assertApplied(result);
    assert.deepEqual(
      describeOps(result).map((o) => o.split(':')[0]),
      [`update/mover ${ada}`],
    );
    const change = result.plan?.operations[0]?.changes.find((c) => c.path === 'userName');
    assert.deepEqual(change && [change.before, change.after], [
      'ada@example.com',
      'ada.lovelace@example.com',
    ]);

    const after = await w.userOf(ada);
    assert.equal(after?.id, before.id, 'the same account, found by the Personio id');
    assert.equal(after?.data['userName'], 'ada.lovelace@example.com');
    assert.deepEqual(
      (after?.data['emails'] as { value: string }[]).map((e) => e.value),
      ['ada.lovelace@example.com'],
    );
    assert.equal((await w.users()).length, count, 'no new account');
    const journal = await w.deps.audit.list({ syncId: 'hr', personId: String(ada), limit: 50 });
    assert.deepEqual(
      journal.map((e) => `${e.action} ${e.outcome} ${e.accountId}`),
      [`account.create applied ${before.id}`, `account.update applied ${before.id}`],
    );
    assert.deepEqual(describeOps(await w.run({ dryRun: true })), [], 'converged');
  });
});

void test('case 12 — employee without email: no account, listed as skipped with a reason naming the person; an email later creates it', async () => {
  await withWorld({}, async (w) => {
    const nomail = await w.hire({ first_name: 'Nils', last_name: 'Ohnepost', email: null });
    const result = await w.run();
    assertApplied(result);
    assert.equal(await w.userOf(nomail), undefined, 'nobody gets an account with a made-up name');
    const skipped = result.skipped.filter((s) => s.personId === String(nomail));
    assert.equal(skipped.length, 1, JSON.stringify(result.skipped));
    assert.match(skipped[0]!.reason, /workEmail/);
    assert.ok(!describeOps(result).some((o) => o.includes(` ${nomail}:`)), 'no operation for the person');
    const planned = await w.run({ dryRun: true });
    assert.ok(
      planned.skipped.some((s) => s.personId === String(nomail)),
      'the plan lists them too',
    );

    await w.control('PATCH', `/employees/${nomail}`, { email: 'nils@example.com' });
    assertApplied(await w.run());
    assert.equal((await w.userOf(nomail))?.data['userName'], 'nils@example.com');
  });
});

void test('case 13 — duplicate email across two active profiles: a correlation conflict, neither profile gets or takes over an account', async () => {
  await withWorld({}, async (w) => {
    const first = await w.hire({ first_name: 'Sam', last_name: 'Shared', email: 'team@example.com' });
    const second = await w.hire({
      first_name: 'Sasha',
      last_name: 'Shared',
      email: 'team@example.com',
      allow_duplicate_email: true,
    });
    const result = await w.run();
    assert.equal(result.outcome, 'applied', result.error ?? '');
    const conflict = result.plan?.conflicts.find((c) => c.people.includes(String(first)));
    assert.ok(conflict, `a conflict: ${JSON.stringify(result.plan?.conflicts)}`);
    assert.deepEqual([...conflict.people].sort(), [String(first), String(second)].sort());
    assert.equal(await w.userOf(first), undefined);
    assert.equal(await w.userOf(second), undefined);
    assert.ok(!(await w.users()).some((u) => u.data['userName'] === 'team@example.com'), 'no guess');

    // An existing account is not handed to a second active profile that takes the same email.
    const solo = await w.hire({ first_name: 'Ola', last_name: 'Owner', email: 'ola@example.com' });
    assertApplied(await w.run());
    const account = await w.userOf(solo);
    assert.ok(account);
    const intruder = await w.hire({
      first_name: 'Olga',
      last_name: 'Other',
      email: 'ola@example.com',
      allow_duplicate_email: true,
    });
    const again = await w.run();
    assert.equal(again.outcome, 'applied', again.error ?? '');
    assert.ok(
      again.plan?.conflicts.some((c) => c.people.includes(String(intruder))),
      JSON.stringify(again.plan?.conflicts),
    );
    const still = await w.userOf(solo);
    assert.equal(still?.id, account.id);
    assert.equal(still?.data['externalId'], String(solo), 'the account was not re-pointed');
    assert.equal(still?.data['active'], true);
    assert.equal(await w.userOf(intruder), undefined);
  });
});

void test('case 14 — manager cycles and dangling managers: no crash; an A↔B cycle is written as Personio has it (documented), self-supervision is dropped, a manager without an active account is left empty', async () => {
  await withWorld({}, async (w) => {
    const a = await w.hire({ first_name: 'Anna', last_name: 'Cycle', email: 'anna@example.com' });
    const b = await w.hire({ first_name: 'Ben', last_name: 'Cycle', email: 'ben@example.com' });
    await w.control('PATCH', `/employees/${a}`, { supervisor_id: b });
    await w.control('PATCH', `/employees/${b}`, { supervisor_id: a });
    const self = await w.hire({ first_name: 'Selma', last_name: 'Self', email: 'selma@example.com' });
    await w.control('PATCH', `/employees/${self}`, { supervisor_id: self });
    const gone = await w.hire({
      first_name: 'Gus',
      last_name: 'Gone',
      email: 'gus@example.com',
      status: 'inactive',
      termination_date: '2026-06-30',
    });
    const orphan = await w.hire({
      first_name: 'Otto',
      last_name: 'Orphan',
      email: 'otto@example.com',
      supervisor_id: gone,
    });

    const result = await w.run();
    assertApplied(result);
    const [ua, ub, us, uo] = await Promise.all([w.userOf(a), w.userOf(b), w.userOf(self), w.userOf(orphan)]);
    assert.ok(ua && ub && us && uo, 'everyone active has an account');
    assert.equal(await w.userOf(gone), undefined, 'a leaver before the first sync gets no account');
    // docs/sync.md: people who supervise each other are resolved in the same run's second pass.
    assert.equal(managerOf(ua), ub.id);
    assert.equal(managerOf(ub), ua.id);
    assert.equal(managerOf(uo), undefined, 'the manager has no account: left empty');
    // docs/sync-mapping.md: a person recorded as their own supervisor gets no manager.
    assert.equal(managerOf(us), undefined, 'self-supervision is dropped');
    assert.deepEqual(describeOps(await w.run({ dryRun: true })), [], 'the cycle converges, no flapping');
  });
});

void test("case 14b — dangling manager: when a manager leaves, the report's manager is emptied rather than pointing at the disabled account (docs/sync-mapping.md)", async () => {
  await withWorld({}, async (w) => {
    // A manager who leaves later: their account is disabled and the report's manager is emptied,
    // not left pointing at a disabled account.
    const lead = await w.hire({ first_name: 'Lea', last_name: 'Lead', email: 'lea@example.com' });
    const report = await w.hire({
      first_name: 'Rui',
      last_name: 'Report',
      email: 'rui@example.com',
      supervisor_id: lead,
    });
    assertApplied(await w.run());
    assert.equal(managerOf(await w.userOf(report)), (await w.userOf(lead))?.id);
    await w.control('PATCH', `/employees/${lead}`, { status: 'inactive', termination_date: '2026-11-20' });
    assertApplied(await w.run());
    assert.equal((await w.userOf(lead))?.data['active'], false);
    assert.equal(managerOf(await w.userOf(report)), undefined, 'no manager pointing at a disabled account');
  });
});

void test('case 15 — movers: a department, position and manager change reaches the account on the next (incremental) run', async () => {
  await withWorld({}, async (w) => {
    const boss1 = await w.hire({ first_name: 'Bea', last_name: 'Boss', email: 'bea@example.com' });
    const boss2 = await w.hire({ first_name: 'Carl', last_name: 'Chief', email: 'carl@example.com' });
    const mover = await w.hire({
      first_name: 'Mo',
      last_name: 'Ver',
      email: 'mo@example.com',
      supervisor_id: boss1,
    });
    assertApplied(await w.run());
    const before = await w.userOf(mover);
    assert.equal(managerOf(before), (await w.userOf(boss1))?.id);

    (w.deps.clock as ReturnType<typeof createManualClock>).advance(60_000);
    await w.control('POST', '/clock', { advance_ms: 60_000 });
    await w.control('PATCH', `/employees/${mover}`, {
      department: 'Sales',
      position: 'Account Executive',
      supervisor_id: boss2,
    });
    const result = await w.run({ forceFull: false });
    assertApplied(result);
    assert.equal(result.mode, 'changes', 'picked up by an incremental read');
    assert.deepEqual(
      describeOps(result)
        .filter((o) => o.startsWith('update'))
        .map((o) => o.split(':')[0]),
      [`update/mover ${mover}`],
    );
    const after = await w.userOf(mover);
    assert.equal(after?.id, before?.id);
    assert.equal(after?.data['title'], 'Account Executive');
    assert.equal(enterprise(after, 'department'), 'Sales');
    assert.equal(managerOf(after), (await w.userOf(boss2))?.id);
  });
});

void test('case 16 — deleted employee: gone from a complete full read → disabled, never deleted; gone during a partial or failed read → nothing disabled', async () => {
  await withWorld({}, async (w) => {
    const del = await w.hire({ first_name: 'Dora', last_name: 'Deleted', email: 'dora@example.com' });
    const other = await w.hire({ first_name: 'Olli', last_name: 'Other', email: 'olli@example.com' });
    assertApplied(await w.run());
    const account = await w.userOf(del);
    assert.equal(account?.data['active'], true);

    await w.control('DELETE', `/employees/${del}`);
    await w.control('DELETE', `/employees/${other}`);
    // An incremental read says nothing about who is absent.
    (w.deps.clock as ReturnType<typeof createManualClock>).advance(60_000);
    const partial = await w.run({ forceFull: false });
    assert.equal(partial.mode, 'changes');
    assert.notEqual(partial.sourceRead, 'complete');
    assert.ok(
      !describeOps(partial).some((o) => o.startsWith('disable')),
      JSON.stringify(describeOps(partial)),
    );
    // A full read that fails part-way applies nothing.
    await w.control('POST', '/faults', { kind: 'truncated-page', count: 50 });
    const failed = await w.run();
    await w.control('DELETE', '/faults');
    assert.equal(failed.outcome, 'failed');
    assert.deepEqual(failed.applied, []);
    assert.equal((await w.userOf(del))?.data['active'], true, 'still active after a partial/failed read');

    const complete = await w.run();
    assertApplied(complete);
    assert.equal(complete.sourceRead, 'complete');
    const disables = (complete.plan?.operations ?? []).filter((o) => o.kind === 'disable');
    assert.deepEqual(
      disables.map((o) => o.cause),
      ['left_scope', 'left_scope'],
    );
    assert.ok(!(complete.plan?.operations ?? []).some((o) => o.kind === 'delete'), 'never deleted');
    const after = await w.userOf(del);
    assert.equal(after?.id, account?.id, 'the account still exists');
    assert.equal(after?.data['active'], false);
    const journal = await w.deps.audit.list({ syncId: 'hr', personId: String(del), limit: 50 });
    assert.deepEqual(
      journal.map((e) => `${e.action} ${e.outcome}`),
      ['account.create applied', 'account.disable applied'],
    );
  });
});

void test('case 17 — attribute permission change: a field hidden from the credential never blanks the target; an explicit empty value clears it', async () => {
  await withWorld({}, async (w) => {
    const hires = async () => [
      await w.hire({
        first_name: 'Pia',
        last_name: 'Perm',
        email: 'pia@example.com',
        position: 'Designer',
        department: 'Design',
      }),
      await w.hire({
        first_name: 'Eli',
        last_name: 'Empty',
        email: 'eli@example.com',
        position: 'Analyst',
        department: 'Finance',
      }),
    ];
    const [pia, eli] = await hires();
    assertApplied(await w.run());
    assert.equal((await w.userOf(pia!))?.data['title'], 'Designer');

    // The administrator takes `position` off the credential's readable attributes.
    await w.restartEmulator(['position']);
    assert.deepEqual(await hires(), [pia, eli], 'the replacement emulator serves the same people');
    await w.control('PATCH', `/employees/${eli}`, { department: null });
    const result = await w.run();
    assertApplied(result);
    assert.ok(
      !(result.plan?.operations ?? []).some((o) => o.changes.some((c) => c.path === 'title')),
      `title untouched: ${JSON.stringify(describeOps(result))}`,
    );
    const [p, e] = [await w.userOf(pia!), await w.userOf(eli!)];
    assert.equal(p?.data['title'], 'Designer', 'a hidden field is not visible, not empty');
    assert.equal(e?.data['title'], 'Analyst');
    assert.equal(enterprise(e, 'department'), undefined, 'an explicit empty value clears');
    assert.equal(enterprise(p, 'department'), 'Design');
  });
});

const TIME_ZONE_MAPPING = `extends: personio
attributes:
  timezone: "[customAttributes.zone]"
  locale: "[customAttributes.shirt]"
`;

void test('case 18 — mapped custom attributes: the time-zone attribute dynamic_1310547 follows Personio; a value hidden from the credential is left as it is', async () => {
  await withWorld(
    {
      mapping: TIME_ZONE_MAPPING,
      personio: { customAttributes: { zone: 'dynamic_1310547', shirt: 'dynamic_1310551' } },
    },
    async (w) => {
      const tz = await w.hire({
        first_name: 'Tess',
        last_name: 'Zone',
        email: 'tess@example.com',
        time_zone: 'Europe/Berlin',
      });
      assertApplied(await w.run());
      assert.equal((await w.userOf(tz))?.data['timezone'], 'Europe/Berlin');

      await w.control('PATCH', `/employees/${tz}`, { time_zone: 'America/New_York' });
      const moved = await w.run();
      assertApplied(moved);
      assert.deepEqual(
        describeOps(moved).map((o) => o.split(':')[0]),
        [`update/mover ${tz}`],
      );
      assert.equal((await w.userOf(tz))?.data['timezone'], 'America/New_York');

      // Explicitly emptied in Personio: cleared in the target.
      await w.control('PATCH', `/employees/${tz}`, { time_zone: null });
      await w.control('PATCH', `/employees/${tz}`, { time_zone: 'Asia/Singapore' });
      assertApplied(await w.run());
      assert.equal((await w.userOf(tz))?.data['timezone'], 'Asia/Singapore');

      // The attribute taken off the credential's list: not visible, so the target keeps its value.
      await w.restartEmulator(['dynamic_1310547']);
      const again = await w.hire({
        first_name: 'Tess',
        last_name: 'Zone',
        email: 'tess@example.com',
        time_zone: 'Asia/Singapore',
      });
      assert.equal(again, tz, 'the replacement emulator serves the same people');
      const hidden = await w.run();
      assertApplied(hidden);
      assert.ok(
        !(hidden.plan?.operations ?? []).some((o) => o.changes.some((c) => c.path === 'timezone')),
        JSON.stringify(describeOps(hidden)),
      );
      assert.equal((await w.userOf(tz))?.data['timezone'], 'Asia/Singapore');

      // Visible again and explicitly emptied in Personio: cleared in the target.
      await w.restartEmulator([]);
      await w.hire({ first_name: 'Tess', last_name: 'Zone', email: 'tess@example.com', time_zone: null });
      assertApplied(await w.run());
      assert.equal((await w.userOf(tz))?.data['timezone'], undefined);
    },
  );
});

void test('case 18b — custom attribute type/option change: a mapped value that no longer type-checks (a time zone option renamed to a non-IANA label) pauses the mapping instead of writing it', async () => {
  await withWorld(
    { mapping: TIME_ZONE_MAPPING, personio: { customAttributes: { zone: 'dynamic_1310547' } } },
    async (w) => {
      const tz = await w.hire({
        first_name: 'Tom',
        last_name: 'Zone',
        email: 'tom@example.com',
        time_zone: 'Europe/Berlin',
      });
      assertApplied(await w.run());
      await w.control('PATCH', `/employees/${tz}`, { dynamic_1310547: 'Berlin (CET)' });
      const result = await w.run();
      assert.equal((await w.userOf(tz))?.data['timezone'], 'Europe/Berlin');
      assert.ok(
        result.warnings.some(
          (x) => x.personId === String(tz) && /timezone .* not an IANA time zone/.test(x.message),
        ),
        `the run says why: ${JSON.stringify(result.warnings)}`,
      );
    },
  );
});

const SMALL_PAGES = { pageSize: 5, readAheadPages: 1 };

void test('case 19 — pagination while data changes: a hire or removal between pages restarts the read; nobody is skipped, duplicated or wrongly disabled', async () => {
  await withWorld({ personio: SMALL_PAGES }, async (w) => {
    assertApplied(await w.run());
    const before = await w.users();
    assert.ok(before.length >= 8, 'several pages of people');

    // A hire while paging: total_elements changes, the read starts again and sees the hire once.
    let late = 0;
    w.betweenPages = async (served) => {
      if (served !== 1) return;
      late = await w.hire({ first_name: 'Lara', last_name: 'Late', email: 'lara@example.com' });
    };
    await w.control('DELETE', '/requests');
    const hired = await w.run();
    w.betweenPages = null;
    const firstPages = (
      (await w.control('GET', '/requests')) as {
        requests: { path: string; query: Record<string, unknown> }[];
      }
    ).requests.filter((r) => r.path === '/v1/company/employees' && (r.query['offset'] ?? '0') === '0');
    assert.ok(
      firstPages.length >= 2,
      `the read restarted: ${JSON.stringify(firstPages.map((r) => r.query))}`,
    );
    assertApplied(hired);
    assert.equal(hired.sourceRead, 'complete');
    assert.deepEqual(
      describeOps(hired).map((o) => o.split(':')[0]),
      [`create/joiner ${late}`],
    );
    const ids = (await w.users()).map((u) => String(u.data['externalId']));
    assert.equal(new Set(ids).size, ids.length, 'no duplicate account');

    // A removal on the first page shifts everyone after it one place forward: the read restarts.
    const actives = [];
    for (const u of await w.users())
      if (u.data['active'] === true) actives.push(Number(u.data['externalId']));
    const leaver = Math.min(...actives);
    w.betweenPages = async (served) => {
      if (served === 1) await w.control('DELETE', `/employees/${leaver}`);
    };
    const removed = await w.run();
    w.betweenPages = null;
    assertApplied(removed);
    assert.equal(removed.sourceRead, 'complete');
    // docs/connectors/personio.md: pages already returned stay valid, so the read is a superset of the
    // company — the removed person was on the first page and counts as present in this run.
    assert.deepEqual(
      describeOps(removed).filter((o) => !o.startsWith('update/')),
      [],
      'nobody disabled or created from a shifting read',
    );
    const next = await w.run();
    assertApplied(next);
    const disabled = (next.plan?.operations ?? []).filter((o) => o.kind === 'disable');
    assert.deepEqual(
      disabled.map((o) => o.accountId),
      [(await w.userOf(leaver))?.id],
      'only the removed person is disabled',
    );
    assert.equal((await w.userOf(leaver))?.data['active'], false);
  });
});

void test('case 19b — pagination: a removal and a hire between the same two pages (total unchanged) must not disable the person who shifted pages (a disappearance is confirmed with getPerson first)', async () => {
  await withWorld({ personio: SMALL_PAGES }, async (w) => {
    assertApplied(await w.run());
    const listed = ((await w.control('GET', '/employees')) as { employees: { id: number }[] }).employees
      .map((e) => e.id)
      .sort((a, b) => a - b);
    const removedId = listed[0]!;
    const shifted = listed[5]!;
    w.betweenPages = async (served) => {
      if (served !== 1) return;
      await w.control('DELETE', `/employees/${removedId}`);
      await w.hire({ first_name: 'Hugo', last_name: 'Hire', email: 'hugo@example.com' });
    };
    const result = await w.run();
    w.betweenPages = null;
    const shiftedAccount = await w.userOf(shifted);
    const wronglyDisabled = (result.plan?.operations ?? []).filter(
      (o) => o.kind === 'disable' && shiftedAccount !== undefined && o.accountId === shiftedAccount.id,
    );
    assert.deepEqual(
      wronglyDisabled.map((o) => o.reason),
      [],
      `person ${shifted} moved from page 2 to page 1 while paging and was taken as gone`,
    );
    assert.equal(shiftedAccount?.data['active'], true);
    // The removed person was on the page read before the removal; the next full read confirms them gone.
    assertApplied(await w.run());
    assert.equal((await w.userOf(removedId))?.data['active'], false, 'the removed person is disabled');
    assert.equal((await w.userOf(shifted))?.data['active'], true);
  });
});

void test('case 19c — pagination: when a disappearance cannot be confirmed (Personio down for the single read), nobody is disabled and the run says why', async () => {
  await withWorld({ personio: SMALL_PAGES }, async (w) => {
    assertApplied(await w.run());
    const listed = ((await w.control('GET', '/employees')) as { employees: { id: number }[] }).employees
      .map((e) => e.id)
      .sort((a, b) => a - b);
    const removedId = listed[0]!;
    w.betweenPages = async (served) => {
      if (served !== 1) return;
      await w.control('DELETE', `/employees/${removedId}`);
      await w.hire({ first_name: 'Hugo', last_name: 'Hire', email: 'hugo@example.com' });
    };
    w.getPersonFails = true;
    const result = await w.run();
    w.betweenPages = null;
    w.getPersonFails = false;
    assert.equal(result.sourceRead, 'partial');
    assert.deepEqual(
      (result.plan?.operations ?? []).filter((o) => o.kind === 'disable').map((o) => o.personId),
      [],
    );
    assert.ok(
      result.warnings.some((x) => /reading them alone failed .*503.*nobody is disabled/.test(x.message)),
      JSON.stringify(result.warnings),
    );
    // Once Personio answers again, the next run confirms the removal.
    assertApplied(await w.run());
    assert.equal((await w.userOf(removedId))?.data['active'], false);
  });
});

void test('case 20 — outages, 429s and token problems: 429 with Retry-After, 5xx, a hung call and an expired token are retried; an outage or empty read disables nobody; a mass disable is held until approved', async () => {
  await withWorld({ employees: 20, personio: { requestTimeoutMs: 500 } }, async (w) => {
    assertApplied(await w.run());
    const active = async () => (await w.users()).filter((u) => u.data['active'] === true).length;
    const activeAtStart = await active();
    assert.ok(activeAtStart >= 10, `${activeAtStart} active accounts`);

    await w.control('DELETE', '/requests');
    await w.control('POST', '/faults', { kind: '429', count: 1, retry_after_seconds: 1 });
    await w.control('POST', '/faults', { kind: '503', count: 1 });
    await w.control('POST', '/faults', { kind: 'expired-token', count: 1 });
    await w.control('POST', '/faults', { kind: 'timeout', count: 1 });
    const retried = await w.run();
    assertApplied(retried);
    assert.equal(retried.sourceRead, 'complete');
    assert.deepEqual(describeOps(retried), []);
    const statuses = (
      (await w.control('GET', '/requests')) as { requests: { status: number }[] }
    ).requests.map((r) => r.status);
    assert.ok(
      ((await w.control('GET', '/requests')) as { requests: { fault?: string | null }[] }).requests.some(
        (r) => r.fault === 'timeout',
      ),
      'a call hung and was retried',
    );
    for (const status of [429, 503, 403])
      assert.ok(statuses.includes(status), `${status} was seen: ${statuses.join(',')}`);

    for (const kind of ['503', 'empty-list'] as const) {
      await w.control('POST', '/faults', { kind, count: 40 });
      const outage = await w.run();
      await w.control('DELETE', '/faults');
      assert.equal(outage.outcome, 'failed', `${kind}: ${outage.error ?? ''}`);
      assert.deepEqual(outage.applied, [], `${kind}: nothing applied`);
      assert.equal(await active(), activeAtStart, `${kind}: nobody disabled`);
    }

    const listed = (
      (await w.control('GET', '/employees')) as {
        employees: { id: number; status: string; email: string | null }[];
      }
    ).employees;
    const leaving = [];
    for (const e of listed)
      if (
        e.status === 'active' &&
        e.email &&
        (await w.userOf(e.id))?.data['active'] === true &&
        leaving.length < 6
      )
        leaving.push(e.id);
    assert.equal(leaving.length, 6);
    for (const id of leaving) await w.control('DELETE', `/employees/${id}`);
    const held = await w.run();
    assert.equal(held.outcome, 'held', JSON.stringify(held.guard));
    assert.equal(await active(), activeAtStart, 'nothing applied while held');
    assert.equal((await w.syncs.require('hr')).heldHash, held.plan?.hash);
    const holds = await w.deps.audit.list({ syncId: 'hr', action: 'sync.held', limit: 10 });
    assert.equal(holds.length, 1, 'the hold is journaled');
    await w.syncs.updateState('hr', { approvedHash: held.plan?.hash ?? null });
    const released = await w.run();
    assertApplied(released);
    assert.equal(await active(), activeAtStart - 6);
    assert.equal((await w.deps.audit.verify()).ok, true);
  });
});
