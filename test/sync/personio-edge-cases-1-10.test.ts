// Edge cases 1–10 of an HR-driven sync (reference: personio-notes.md §4), each driven end to end: the
// Personio emulator as the source, Roster's directory on SQLite as the target, runSync as the engine,
// and one manual clock shared by the engine and the emulator so effective dates can be crossed.
// Every test gets its own database, emulator and sync, so the cases do not depend on each other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPersonioEmulator, type PersonioEmulator } from '../../emulators/personio/index.ts';
import { createManualClock, type ManualClock } from '../../src/core/testing/manual-clock.ts';
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
import { runSync, type SyncEngineDependencies, type SyncRunResult } from '../../src/sync/engine/run-sync.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

interface Account {
  readonly id: string;
  readonly data: Record<string, unknown>;
}

interface World {
  readonly emulator: PersonioEmulator;
  readonly clock: ManualClock;
  readonly deps: SyncEngineDependencies;
  readonly syncs: SyncRepository;
  control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  hire(fields: Record<string, unknown>): Promise<string>;
  /** Moves the engine's and the emulator's clocks together (the emulator runs its status jobs). */
  moveTo(instant: string): Promise<void>;
  /** A full run, as the server makes when future-dated work falls due or on its full schedule. */
  run(): Promise<SyncRunResult>;
  accounts(): Promise<Account[]>;
  accountOf(userName: string): Promise<Account | undefined>;
  close(): Promise<void>;
}

async function openWorld(start: string): Promise<World> {
  const clock = createManualClock(new Date(start));
  const database: TestDatabase = await openTestDatabase('sqlite');
  // No generated people: each case hires exactly the people it is about.
  const emulator = await startPersonioEmulator({
    employees: 0,
    seed: 11,
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
    // The emulator keeps this custom attribute equal to the office's IANA zone.
    settings: { baseUrl: emulator.url, clientId: 'demo-client', timeZoneAttribute: 'dynamic_1310547' },
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
  });
  const scim = new ScimRepository(database.db, database.dialect, { now: () => clock.now() });
  const deps: SyncEngineDependencies = {
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
    holder: 'edge-cases',
    sleep: async () => undefined,
  };

  const control = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
  const accounts = async (): Promise<Account[]> =>
    (
      await scim.list('dir', 'User', USER_RESOURCE_SCHEMA, { startIndex: 1, count: 1000 }, 'http://x/')
    ).resources.map((r) => ({ id: r.id, data: r.data }));

  return {
    emulator,
    clock,
    deps,
    syncs,
    control,
    hire: async (fields) => String((await control('POST', '/employees', fields))['id']),
    moveTo: async (instant) => {
      clock.set(new Date(instant));
      await control('POST', '/clock', { now: instant });
    },
    run: async () => {
      const result = await runSync(deps, 'hr', { trigger: 'due', forceFull: true });
      assert.equal(result.outcome, 'applied', result.error ?? JSON.stringify(result.guard));
      assert.deepEqual(
        result.applied.filter((a) => a.outcome !== 'applied').map((a) => a.error),
        [],
        'every operation applied',
      );
      return result;
    },
    accounts,
    accountOf: async (userName) => (await accounts()).find((a) => a.data['userName'] === userName),
    close: async () => {
      await emulator.close();
      await database.close();
    },
  };
}

async function withWorld(start: string, body: (world: World) => Promise<void>): Promise<void> {
  const world = await openWorld(start);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

function kinds(result: SyncRunResult): string[] {
  return result.applied.map((a) => `${a.operation.kind} ${a.operation.personId ?? ''}`);
}

function scheduledOf(result: SyncRunResult): { kind: string; at: string; personId: string }[] {
  return (result.plan?.scheduled ?? []).map((s) => ({ kind: s.kind, at: s.at, personId: s.personId }));
}

function managerOf(account: Account | undefined): string | undefined {
  return (account?.data[ENTERPRISE] as { manager?: { value?: string } } | undefined)?.manager?.value;
}

function enterprise(account: Account | undefined): Record<string, unknown> {
  return (account?.data[ENTERPRISE] as Record<string, unknown> | undefined) ?? {};
}

function name(account: Account | undefined): Record<string, unknown> {
  return (account?.data['name'] as Record<string, unknown> | undefined) ?? {};
}

/** Every string anywhere in an account, to check a value was never pushed. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

// 2026-11-28 is a Saturday; Berlin is on CET (UTC+1) throughout December.
const NOW = '2026-11-28T12:00:00.000Z';

const berliner = (first: string, last: string, extra: Record<string, unknown> = {}) => ({
  first_name: first,
  last_name: last,
  email: `${first}.${last}@example.com`.toLowerCase(),
  status: 'active',
  hire_date: '2024-03-01',
  office: 'Berlin',
  ...extra,
});

void test('case 1 — pre-hire: the account is created disabled 7 days before the start and enabled at 00:00 of the hire date in the office zone, not at Personio’s onboarding→active flip', async () => {
  await withWorld(NOW, async (w) => {
    const id = await w.hire(berliner('Paula', 'Prehire', { status: 'onboarding', hire_date: '2026-12-10' }));
    const email = 'paula.prehire@example.com';
    // 00:00 of 2026-12-03 and of 2026-12-10 in Berlin (UTC+1).
    const createAt = '2026-12-02T23:00:00.000Z';
    const startAt = '2026-12-09T23:00:00.000Z';

    const first = await w.run();
    assert.equal(await w.accountOf(email), undefined, 'no account 12 days before the start');
    assert.deepEqual(scheduledOf(first), [{ kind: 'create', at: createAt, personId: id }]);
    assert.equal((await w.syncs.require('hr')).nextDueAt, createAt, 'the due time is stored with the sync');

    await w.moveTo('2026-12-02T22:59:59.999Z');
    await w.run();
    assert.equal(await w.accountOf(email), undefined, 'not a millisecond early');

    await w.moveTo(createAt);
    const created = await w.run();
    assert.deepEqual(kinds(created), [`create ${id}`]);
    const staged = await w.accountOf(email);
    assert.equal(staged?.data['active'], false, 'staged: exists but disabled');
    assert.equal(staged?.data['externalId'], id);
    assert.deepEqual(scheduledOf(created), [{ kind: 'enable', at: startAt, personId: id }]);

    await w.moveTo('2026-12-09T22:59:59.999Z');
    await w.run();
    assert.equal((await w.accountOf(email))?.data['active'], false, 'still disabled the evening before');

    await w.moveTo(startAt);
    const started = await w.run();
    assert.deepEqual(kinds(started), [`enable ${id}`]);
    assert.equal((await w.accountOf(email))?.data['active'], true, 'enabled at local midnight');
    assert.equal(
      (await w.control('GET', `/employees/${id}`))['status'],
      'onboarding',
      'Personio has not flipped yet',
    );
    assert.equal((await w.accounts()).length, 1, 'one account, the same one');
    assert.equal((await w.accountOf(email))?.id, staged?.id);
  });
});

void test('case 2 — start date moved or hire cancelled before start: activation moves with the date; a cancelled hire is never activated and its staged account stays, disabled, not deleted', async () => {
  await withWorld(NOW, async (w) => {
    const moved = await w.hire(berliner('Mo', 'Moved', { status: 'onboarding', hire_date: '2026-12-10' }));
    const cancelled = await w.hire(
      berliner('Cy', 'Cancelled', { status: 'onboarding', hire_date: '2026-12-10' }),
    );
    const deleted = await w.hire(
      berliner('Del', 'Deleted', { status: 'onboarding', hire_date: '2026-12-10' }),
    );
    await w.moveTo('2026-12-03T08:00:00.000Z');
    await w.run();
    for (const email of ['mo.moved@example.com', 'cy.cancelled@example.com', 'del.deleted@example.com'])
      assert.equal((await w.accountOf(email))?.data['active'], false, `${email} staged`);

    await w.control('PATCH', `/employees/${moved}`, { hire_date: '2026-12-20' });
    await w.control('PATCH', `/employees/${cancelled}`, { status: 'inactive' });
    await w.control('DELETE', `/employees/${deleted}`);
    const replanned = await w.run();
    assert.ok(
      replanned.applied.every((a) => a.operation.kind !== 'delete' && a.operation.kind !== 'enable'),
      JSON.stringify(kinds(replanned)),
    );
    assert.deepEqual(
      scheduledOf(replanned).filter((s) => s.personId === moved),
      [{ kind: 'enable', at: '2026-12-19T23:00:00.000Z', personId: moved }],
      'the activation moved with the hire date',
    );
    assert.equal(
      (await w.syncs.require('hr')).nextDueAt,
      '2026-12-19T23:00:00.000Z',
      'the server runs the sync at the new start',
    );
    assert.deepEqual(
      scheduledOf(replanned).filter((s) => s.personId !== moved),
      [],
      'nothing is scheduled for the cancelled hires',
    );

    // The original start passes: nobody is activated.
    await w.moveTo('2026-12-10T12:00:00.000Z');
    const originalStart = await w.run();
    assert.ok(originalStart.applied.every((a) => a.operation.kind !== 'delete'));
    for (const email of ['mo.moved@example.com', 'cy.cancelled@example.com', 'del.deleted@example.com']) {
      const account = await w.accountOf(email);
      assert.ok(account, `${email} was not deleted`);
      assert.equal(account.data['active'], false, `${email} not activated on the original start`);
    }

    await w.moveTo('2026-12-19T23:00:00.000Z');
    await w.run();
    assert.equal(
      (await w.accountOf('mo.moved@example.com'))?.data['active'],
      true,
      'active on the new start',
    );
    assert.equal((await w.accountOf('cy.cancelled@example.com'))?.data['active'], false);
    assert.equal((await w.accountOf('del.deleted@example.com'))?.data['active'], false);
    assert.equal((await w.accounts()).length, 3);
  });
});

void test('case 3 — termination entered in advance: disabled at the end of last_working_day in the office zone, not before, without waiting for status inactive', async () => {
  await withWorld(NOW, async (w) => {
    const id = await w.hire(berliner('Lea', 'Leaver'));
    const email = 'lea.leaver@example.com';
    await w.run();
    await w.control('PATCH', `/employees/${id}`, {
      termination_date: '2026-12-15',
      last_working_day: '2026-12-11',
    });
    // End of 2026-12-11 in Berlin = 2026-12-12 00:00 CET.
    const endAt = '2026-12-11T23:00:00.000Z';
    const entered = await w.run();
    assert.deepEqual(kinds(entered), [], 'nothing happens on the day HR enters it');
    assert.equal((await w.accountOf(email))?.data['active'], true);
    assert.deepEqual(scheduledOf(entered), [{ kind: 'disable', at: endAt, personId: id }]);
    assert.equal((await w.syncs.require('hr')).nextDueAt, endAt);

    await w.moveTo('2026-12-11T22:59:59.999Z');
    await w.run();
    assert.equal(
      (await w.accountOf(email))?.data['active'],
      true,
      'usable through the whole last working day',
    );

    await w.moveTo(endAt);
    const ended = await w.run();
    assert.deepEqual(kinds(ended), [`disable ${id}`]);
    assert.equal((await w.accountOf(email))?.data['active'], false);
    assert.equal(
      (await w.control('GET', `/employees/${id}`))['status'],
      'active',
      'Personio still says active',
    );
    assert.ok(await w.accountOf(email), 'disabled, not deleted');
  });
});

void test('case 4 — termination withdrawn or moved later: the pending disable is rescheduled or dropped; a disabled account is re-enabled once status is active and no end date has passed (stays disabled while status is inactive)', async () => {
  await withWorld(NOW, async (w) => {
    const pending = await w.hire(berliner('Wil', 'Withdrawn'));
    const done = await w.hire(berliner('Ren', 'Enabled'));
    const later = await w.hire(berliner('Lou', 'Later'));
    await w.run();

    await w.control('PATCH', `/employees/${pending}`, { termination_date: '2026-12-15' });
    assert.deepEqual(scheduledOf(await w.run()), [
      { kind: 'disable', at: '2026-12-15T23:00:00.000Z', personId: pending },
    ]);
    await w.control('PATCH', `/employees/${pending}`, { termination_date: '2026-12-31' });
    assert.deepEqual(
      scheduledOf(await w.run()),
      [{ kind: 'disable', at: '2026-12-31T23:00:00.000Z', personId: pending }],
      'moved later: rescheduled',
    );
    await w.moveTo('2026-12-16T12:00:00.000Z');
    await w.run();
    assert.equal(
      (await w.accountOf('wil.withdrawn@example.com'))?.data['active'],
      true,
      'not disabled on the old date',
    );

    await w.control('PATCH', `/employees/${pending}`, { termination_date: null });
    const withdrawn = await w.run();
    assert.deepEqual(scheduledOf(withdrawn), [], 'withdrawn: nothing pending');
    await w.moveTo('2027-01-02T12:00:00.000Z');
    assert.deepEqual(kinds(await w.run()), []);
    assert.equal((await w.accountOf('wil.withdrawn@example.com'))?.data['active'], true);

    // Already disabled: a termination dated before today (the clock is now 2027-01-02) makes the
    // profile inactive at once and the account disabled.
    await w.control('PATCH', `/employees/${done}`, { termination_date: '2026-12-31' });
    assert.deepEqual(kinds(await w.run()), [`disable ${done}`]);
    assert.equal((await w.accountOf('ren.enabled@example.com'))?.data['active'], false);
    // HR withdraws the date but the status is still inactive: no re-enable yet.
    await w.control('PATCH', `/employees/${done}`, { termination_date: null });
    assert.equal((await w.control('GET', `/employees/${done}`))['status'], 'inactive');
    assert.deepEqual(kinds(await w.run()), []);
    assert.equal(
      (await w.accountOf('ren.enabled@example.com'))?.data['active'],
      false,
      'inactive stays disabled',
    );
    // Confirmed: status back to active with no termination date.
    await w.control('PATCH', `/employees/${done}`, { status: 'active' });
    assert.deepEqual(kinds(await w.run()), [`enable ${done}`]);
    assert.equal((await w.accountOf('ren.enabled@example.com'))?.data['active'], true);

    // Differs from the note (re-enable only with no termination date): the engine follows the dates,
    // so a disabled account whose end date HR moves into the future, status active, is re-enabled and
    // the new end is scheduled.
    await w.control('PATCH', `/employees/${later}`, { termination_date: '2026-12-31' });
    assert.deepEqual(kinds(await w.run()), [`disable ${later}`]);
    await w.control('PATCH', `/employees/${later}`, { termination_date: '2027-01-31', status: 'active' });
    const movedLater = await w.run();
    assert.deepEqual(kinds(movedLater), [`enable ${later}`]);
    assert.deepEqual(scheduledOf(movedLater), [
      { kind: 'disable', at: '2027-01-31T23:00:00.000Z', personId: later },
    ]);
    assert.equal((await w.accountOf('lou.later@example.com'))?.data['active'], true);
    assert.equal((await w.accounts()).length, 3, 'the same accounts, none recreated');
  });
});

void test('case 5 — immediate or backdated termination: disabled on the next run (a termination dated today ends at the end of today, as documented)', async () => {
  await withWorld(NOW, async (w) => {
    const backdated = await w.hire(berliner('Bea', 'Backdated'));
    const manual = await w.hire(berliner('Max', 'Manual'));
    const today = await w.hire(berliner('Tod', 'Today'));
    await w.run();

    await w.control('PATCH', `/employees/${backdated}`, { termination_date: '2026-11-20' });
    await w.control('PATCH', `/employees/${manual}`, { status: 'inactive' });
    await w.control('PATCH', `/employees/${today}`, { termination_date: '2026-11-28' });
    const next = await w.run();
    assert.deepEqual(kinds(next).sort(), [`disable ${backdated}`, `disable ${manual}`].sort());
    assert.equal((await w.accountOf('bea.backdated@example.com'))?.data['active'], false);
    assert.equal((await w.accountOf('max.manual@example.com'))?.data['active'], false);
    // Documented choice: leavers are disabled at the end of the last day, so "today" is not immediate.
    assert.equal((await w.accountOf('tod.today@example.com'))?.data['active'], true);
    assert.deepEqual(scheduledOf(next), [
      { kind: 'disable', at: '2026-11-28T23:00:00.000Z', personId: today },
    ]);
    await w.moveTo('2026-11-28T23:00:00.000Z');
    assert.deepEqual(kinds(await w.run()), [`disable ${today}`]);
    assert.equal((await w.accountOf('tod.today@example.com'))?.data['active'], false);
  });
});

void test('case 6 — time zones: one last working day ends at different instants in Singapore, Berlin (across the DST change) and New York; a New York termination date alone ends at Personio’s 00:00 UTC inactive flip, earlier than local midnight (documented: at the latest when Personio marks them inactive)', async () => {
  // 2027-03-28: Europe switches to summer time at 01:00 UTC; New York has been on EDT since 03-14.
  await withWorld('2027-03-20T12:00:00.000Z', async (w) => {
    const lastDay = { last_working_day: '2027-03-28', termination_date: '2027-03-31' };
    const sg = await w.hire(berliner('Sia', 'Singapore', { office: 'Singapore', ...lastDay }));
    const be = await w.hire(berliner('Ben', 'Berlin', { office: 'Berlin', ...lastDay }));
    const ny = await w.hire(berliner('Noa', 'Newyork', { office: 'New York', ...lastDay }));
    // Only a termination date, no later one: Personio flips the status at 00:00 UTC on 03-29.
    const flip = await w.hire(
      berliner('Fin', 'Flip', { office: 'New York', termination_date: '2027-03-28' }),
    );
    const first = await w.run();
    // 2027-03-29 00:00 local: +08:00, +02:00 (CEST; was +01:00 the day before), -04:00.
    const ends = {
      [sg]: '2027-03-28T16:00:00.000Z',
      [be]: '2027-03-28T22:00:00.000Z',
      [ny]: '2027-03-29T04:00:00.000Z',
      [flip]: '2027-03-29T04:00:00.000Z',
    };
    assert.deepEqual(
      Object.fromEntries(scheduledOf(first).map((s) => [s.personId, `${s.kind} ${s.at}`])),
      Object.fromEntries(Object.entries(ends).map(([id, at]) => [id, `disable ${at}`])),
    );
    const active = async () =>
      Object.fromEntries((await w.accounts()).map((a) => [String(a.data['externalId']), a.data['active']]));
    const steps: [string, Record<string, boolean>][] = [
      ['2027-03-28T15:59:59.999Z', { [sg]: true, [be]: true, [ny]: true, [flip]: true }],
      ['2027-03-28T16:00:00.000Z', { [sg]: false, [be]: true, [ny]: true, [flip]: true }],
      // A fixed +01:00 (the offset of the morning of the last day) would have ended Berlin at 23:00.
      ['2027-03-28T21:59:59.999Z', { [sg]: false, [be]: true, [ny]: true, [flip]: true }],
      ['2027-03-28T22:00:00.000Z', { [sg]: false, [be]: false, [ny]: true, [flip]: true }],
      ['2027-03-28T23:59:59.999Z', { [sg]: false, [be]: false, [ny]: true, [flip]: true }],
      ['2027-03-29T00:00:00.000Z', { [sg]: false, [be]: false, [ny]: true, [flip]: false }],
      ['2027-03-29T03:59:59.999Z', { [sg]: false, [be]: false, [ny]: true, [flip]: false }],
      ['2027-03-29T04:00:00.000Z', { [sg]: false, [be]: false, [ny]: false, [flip]: false }],
    ];
    for (const [at, expected] of steps) {
      await w.moveTo(at);
      await w.run();
      assert.deepEqual(await active(), expected, at);
    }
  });
});

void test('case 7 — status flapping inactive→active→inactive: no debounce (documented: inactive disables at once); each flip is one idempotent operation with an audit entry, one account throughout', async () => {
  await withWorld(NOW, async (w) => {
    const id = await w.hire(berliner('Flo', 'Flap'));
    const email = 'flo.flap@example.com';
    await w.run();
    const account = await w.accountOf(email);
    assert.ok(account);

    const flips: [string, string, boolean][] = [
      ['inactive', 'disable', false],
      ['active', 'enable', true],
      ['inactive', 'disable', false],
    ];
    for (const [status, kind, active] of flips) {
      await w.control('PATCH', `/employees/${id}`, { status });
      assert.deepEqual(kinds(await w.run()), [`${kind} ${id}`], `status ${status}`);
      assert.equal((await w.accountOf(email))?.data['active'], active, `status ${status}`);
      assert.deepEqual(kinds(await w.run()), [], 'a second run changes nothing');
    }
    const all = await w.accounts();
    assert.deepEqual(
      all.map((a) => a.id),
      [account.id],
      'no duplicate account',
    );
    const trail = (await w.deps.audit.list({ syncId: 'hr', limit: 100 }))
      .filter((e) => e.action.startsWith('account.'))
      .map((e) => `${e.action} ${e.outcome} ${e.accountId ?? ''}`);
    assert.deepEqual(trail, [
      `account.create applied ${account.id}`,
      `account.disable applied ${account.id}`,
      `account.enable applied ${account.id}`,
      `account.disable applied ${account.id}`,
    ]);
    assert.equal((await w.deps.audit.verify()).ok, true);
  });
});

void test('case 8 — rehire with a new Personio id: the same account is re-enabled, externalId becomes the new id, the rewritten old email is never pushed', async () => {
  await withWorld(NOW, async (w) => {
    const boss = await w.hire(berliner('Bo', 'Boss'));
    const old = await w.hire(berliner('Rhea', 'Rehire', { supervisor_id: Number(boss) }));
    const email = 'rhea.rehire@example.com';
    await w.run();
    const original = await w.accountOf(email);
    assert.ok(original);

    await w.control('PATCH', `/employees/${old}`, { termination_date: '2026-10-31' });
    await w.run();
    assert.equal((await w.accountOf(email))?.data['active'], false);

    const rehired = await w.control('POST', `/employees/${old}/rehire`, {});
    const newId = String(rehired['id']);
    const mangled = String(rehired['previous_email_rewritten_to']);
    assert.notEqual(newId, old);
    assert.notEqual(mangled, 'null', 'Personio rewrote the old profile’s email');

    const result = await w.run();
    assert.ok(
      result.applied.every((a) => a.operation.kind !== 'create'),
      JSON.stringify(kinds(result)),
    );
    const all = await w.accounts();
    assert.equal(all.filter((a) => name(a)['familyName'] === 'Rehire').length, 1, 'no duplicate');
    const account = await w.accountOf(email);
    assert.equal(account?.id, original.id, 'the same account');
    assert.equal(account?.data['active'], true, 're-enabled');
    assert.equal(account?.data['externalId'], newId);
    assert.equal(managerOf(account), (await w.accountOf('bo.boss@example.com'))?.id);
    for (const a of all)
      assert.ok(
        !strings(a.data).some((s) => s.toLowerCase() === mangled.toLowerCase()),
        'mangled email pushed',
      );

    assert.deepEqual(kinds(await w.run()), [], 'settled');
  });
});

void test('case 9 — legal-entity move with overlapping employments: active while any employment is, attributes from the new one, not disabled when the old one ends', async () => {
  await withWorld(NOW, async (w) => {
    const boss = await w.hire(berliner('Bo', 'Boss'));
    const old = await w.hire(
      berliner('Mira', 'Mover', { supervisor_id: Number(boss), legal_entity: 'Nordlicht Software GmbH' }),
    );
    const email = 'mira.mover@example.com';
    await w.run();
    const original = await w.accountOf(email);
    assert.equal(enterprise(original)['organization'], 'Nordlicht Software GmbH');

    // The old employment ends 2026-12-31; the new one, in another legal entity, starts the same day.
    await w.control('PATCH', `/employees/${old}`, { termination_date: '2026-12-31' });
    const moved = await w.control('POST', `/employees/${old}/rehire`, {
      hire_date: '2026-12-31',
      legal_entity: 'Nordlicht UK Ltd',
      office: 'London',
    });
    const newId = String(moved['id']);
    const planned = await w.run();
    assert.ok(
      planned.applied.every((a) => a.operation.kind !== 'create' && a.operation.kind !== 'disable'),
      JSON.stringify(kinds(planned)),
    );
    assert.ok(!scheduledOf(planned).some((s) => s.kind === 'disable'), JSON.stringify(scheduledOf(planned)));
    assert.equal((await w.accountOf(email))?.data['active'], true);

    for (const at of [
      '2026-12-31T12:00:00.000Z',
      '2026-12-31T23:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
      '2027-01-02T12:00:00.000Z',
    ]) {
      await w.moveTo(at);
      const result = await w.run();
      assert.ok(
        result.applied.every((a) => a.operation.kind !== 'disable'),
        `${at}: ${JSON.stringify(kinds(result))}`,
      );
      const account = await w.accountOf(email);
      assert.equal(account?.id, original?.id, `${at}: the same account`);
      assert.equal(account?.data['active'], true, `${at}: active`);
    }
    assert.equal(
      (await w.control('GET', `/employees/${old}`))['status'],
      'inactive',
      'the old employment ended',
    );
    const account = await w.accountOf(email);
    assert.equal(account?.data['externalId'], newId);
    assert.equal(
      enterprise(account)['organization'],
      'Nordlicht UK Ltd',
      'attributes from the new employment',
    );
    assert.equal(managerOf(account), (await w.accountOf('bo.boss@example.com'))?.id);
    assert.equal((await w.accounts()).length, 2);
  });
});

void test('case 10 — name change: names and display name are updated, userName and email stay, manager kept', async () => {
  await withWorld(NOW, async (w) => {
    const boss = await w.hire(berliner('Bo', 'Boss'));
    const id = await w.hire(berliner('Nina', 'Alt', { supervisor_id: Number(boss) }));
    await w.run();
    const before_ = await w.accountOf('nina.alt@example.com');
    assert.ok(before_);

    await w.control('PATCH', `/employees/${id}`, { last_name: 'Neu', preferred_name: 'Nini' });
    const result = await w.run();
    assert.deepEqual(kinds(result), [`update ${id}`]);
    const changed = result.applied[0]?.operation.changes.map((c) => c.path) ?? [];
    assert.ok(!changed.some((p) => /userName|emails/.test(p)), JSON.stringify(changed));
    const account = await w.accountOf('nina.alt@example.com');
    assert.equal(account?.id, before_.id, 'userName unchanged: found under the old one');
    assert.equal(name(account)['familyName'], 'Neu');
    assert.equal(name(account)['givenName'], 'Nina');
    assert.match(String(account?.data['displayName']), /^Nini Neu$/);
    assert.equal(
      (account?.data['emails'] as { value: string }[] | undefined)?.[0]?.value,
      'nina.alt@example.com',
    );
    assert.equal(managerOf(account), (await w.accountOf('bo.boss@example.com'))?.id);
    assert.deepEqual(kinds(await w.run()), []);
  });
});
