// Crash safety of a sync run, step by step: every write the engine makes to the journal (the sync
// repository and the audit log) and every connector call, before it is made and after it returned, is
// in turn the point where the process "dies". The next ordinary run must converge on exactly the state a
// run without the crash reaches: no duplicate account, no lost change, no operation left pending and an
// audit chain that verifies. Joiners (one scheduled), a mover, a leaver and a joiner's start date.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startPersonioEmulator, type PersonioEmulator } from '../../../emulators/personio/index.ts';
import type {
  Account,
  AccountAttributeValue,
  AccountTarget,
  ConnectorHandle,
} from '../../connectors/contract.ts';
import { ConnectorError } from '../../connectors/contract.ts';
import { createManualClock, type ManualClock } from '../../core/testing/manual-clock.ts';
import { USER_RESOURCE_SCHEMA } from '../../scim/attribute-resolver.ts';
import type { Dialect } from '../../store/database.ts';
import { createAuditLog, type AuditLog } from '../../store/audit-log.ts';
import { createConnectionRepository } from '../../store/connection-repository.ts';
import { createLeases } from '../../store/lease.ts';
import { deriveKeys } from '../../store/root-key.ts';
import { ScimRepository } from '../../store/scim-repository.ts';
import { createSecretBox } from '../../store/secret-box.ts';
import { createSyncRepository, type SyncRepository } from '../../store/sync-repository.ts';
import { openTestDatabase, TEST_SECRET_KEY, type TestDatabase } from '../../store/testing/test-database.ts';
import { createConnectionOpener, silentConnectorLogger } from './open-connection.ts';
import { runSync, type SyncEngineDependencies, type SyncRunResult } from './run-sync.ts';

const START = new Date('2026-11-28T12:00:00.000Z');
/** The scheduled joiner's first day; their account exists (disabled) from seven days before. */
const JOINER_START = '2026-12-01';

/** What a crashed process leaves behind: nothing it does after this point happens. */
class SimulatedCrash extends Error {
  constructor(step: string) {
    super(`simulated crash at ${step}`);
    this.name = 'SimulatedCrash';
  }
}

/** Counts journal steps and, when armed, "kills" the run at the k-th: that step and all later ones throw. */
class Failpoint {
  steps: string[] = [];
  armedAt: number | null = null;
  crashedAt: string | null = null;

  arm(k: number | null): void {
    this.steps = [];
    this.armedAt = k;
    this.crashedAt = null;
  }

  /** A step: throws when this is the armed one or the process already "died". */
  step(name: string): void {
    if (this.crashedAt !== null) throw new SimulatedCrash(`${name} (after ${this.crashedAt})`);
    this.steps.push(name);
    if (this.armedAt === this.steps.length) {
      this.crashedAt = `#${this.steps.length} ${name}`;
      throw new SimulatedCrash(this.crashedAt);
    }
  }

  /** Reads are not steps, but a dead process makes no more of them either. */
  check(name: string): void {
    if (this.crashedAt !== null) throw new SimulatedCrash(`${name} (after ${this.crashedAt})`);
  }
}

const REPOSITORY_WRITES = new Set([
  'updateState',
  'saveLink',
  'removeLink',
  'startRun',
  'finishRun',
  'recordOperation',
  'markOperation',
  'replaceScheduled',
  'transaction',
  'closeInterruptedRuns',
]);

function crashingRepository(syncs: SyncRepository, failpoint: Failpoint): SyncRepository {
  return new Proxy(syncs, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        if (REPOSITORY_WRITES.has(property)) failpoint.step(`syncs.${property}`);
        else failpoint.check(`syncs.${property}`);
        const result = await method.apply(target, args);
        // A transaction that committed, then the process died before it went on.
        if (property === 'transaction') failpoint.step('syncs.transaction:committed');
        return result;
      };
    },
  });
}

function crashingAudit(audit: AuditLog, failpoint: Failpoint): AuditLog {
  return {
    append: async (event, tx) => {
      failpoint.step(`audit.append ${event.action}`);
      return audit.append(event, tx);
    },
    verify: (options) => audit.verify(options),
    list: (filter) => audit.list(filter),
    erasePerson: (personId, options) => audit.erasePerson(personId, options),
  };
}

const SYNCHRONOUS_METHODS = new Set(['planRead', 'parseNotification']);

/** Each connector call is two steps: before it is made (it never happens) and after it returned (it
 * happened, but its answer is lost). */
function crashingPart<T extends object>(part: T, label: string, failpoint: Failpoint): T {
  return new Proxy(part, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      // planRead and parseNotification answer at once and touch nothing: not steps.
      if (SYNCHRONOUS_METHODS.has(property))
        return (...args: unknown[]) => {
          failpoint.check(`${label}.${property}`);
          return method.apply(target, args);
        };
      return async (...args: unknown[]) => {
        failpoint.step(`${label}.${property}:before`);
        const result: unknown = await method.apply(target, args);
        failpoint.step(`${label}.${property}:after`);
        return result;
      };
    },
  });
}

interface World {
  readonly database: TestDatabase;
  readonly emulator: PersonioEmulator;
  readonly clock: ManualClock;
  readonly syncs: SyncRepository;
  readonly scim: ScimRepository;
  readonly audit: AuditLog;
  readonly failpoint: Failpoint;
  /** Engine dependencies with every journal step behind the failpoint. */
  readonly deps: SyncEngineDependencies;
  /** Makes the target's next create apply and then fail as if the answer were lost (a timeout). */
  loseNextCreateAnswer: boolean;
  close(): Promise<void>;
}

async function control(
  emulator: PersonioEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

async function openWorld(dialect: Dialect): Promise<World> {
  const clock = createManualClock(START);
  const database = await openTestDatabase(dialect);
  const emulator = await startPersonioEmulator({
    employees: 10,
    seed: 7,
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
  const syncs = createSyncRepository({ db: database.db, clock });
  await syncs.create({
    id: 'hr',
    source: 'personio',
    target: 'dir',
    everyMs: 30_000,
    fullEveryMs: 6 * 3600_000,
  });
  const scim = new ScimRepository(database.db, database.dialect, { now: () => clock.now() });
  const audit = createAuditLog({ db: database.db, dialect: database.dialect, clock });
  const failpoint = new Failpoint();
  const open = createConnectionOpener({ connections, directory: scim, clock, logger: silentConnectorLogger });
  const world: World = {
    database,
    emulator,
    clock,
    syncs,
    scim,
    audit,
    failpoint,
    loseNextCreateAnswer: false,
    deps: {
      syncs: crashingRepository(syncs, failpoint),
      audit: crashingAudit(audit, failpoint),
      leases: createLeases({ db: database.db, clock }),
      openConnection: async (connectionId): Promise<ConnectorHandle> => {
        const handle = await open(connectionId);
        const label = connectionId === 'dir' ? 'target' : 'source';
        let accounts = handle.accounts;
        if (accounts) {
          const real = accounts;
          accounts = crashingPart(
            {
              ...bindAll(real),
              createAccount: async (desired: Parameters<NonNullable<typeof real.createAccount>>[0]) => {
                const created = await real.createAccount!(desired);
                if (world.loseNextCreateAnswer) {
                  world.loseNextCreateAnswer = false;
                  throw new ConnectorError('unavailable', 'createAccount timed out', { outcome: 'unknown' });
                }
                return created;
              },
            },
            label,
            failpoint,
          );
        }
        return {
          ...(handle.people ? { people: crashingPart(handle.people, label, failpoint) } : {}),
          ...(accounts ? { accounts } : {}),
          ...(handle.groups ? { groups: handle.groups } : {}),
          check: () => handle.check(),
          close: () => handle.close(),
        };
      },
      clock,
      holder: 'test',
      sleep: async () => undefined,
    },
    async close() {
      await emulator.close();
      await database.close();
    },
  };
  return world;
}

/** The methods of a class instance as own properties, so spreading keeps them. */
function bindAll<T extends object>(instance: T): T {
  const out: Record<string, unknown> = {};
  let proto: object | null = instance;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value: unknown = (instance as Record<string, unknown>)[name];
      if (name !== 'constructor' && typeof value === 'function' && !(name in out))
        out[name] = (value as (...a: unknown[]) => unknown).bind(instance);
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return out as T;
}

interface Phase {
  readonly name: string;
  /** Changes in the HR system (and the passing of time) before the run. */
  change(world: World): Promise<void>;
  /** Operation kinds a run of this phase must plan, so a crash in each of them is covered. */
  readonly kinds: readonly string[];
}

const PHASES: readonly Phase[] = [
  {
    name: 'joiners, a mover and a leaver',
    kinds: ['create', 'update', 'disable'],
    async change(world) {
      const { employees } = (await control(world.emulator, 'GET', '/employees')) as {
        employees: { id: number; status: string; email: string | null }[];
      };
      const active = employees.filter((e) => e.status === 'active' && e.email);
      const [mover, leaver] = active;
      assert.ok(mover && leaver, 'the company has two active employees with email');
      await control(world.emulator, 'POST', '/employees', {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada.lovelace@example.com',
        status: 'active',
        hire_date: '2026-11-02',
        department: 'Engineering',
        office: 'Berlin',
      });
      await control(world.emulator, 'POST', '/employees', {
        first_name: 'Grace',
        last_name: 'Hopper',
        email: 'grace.hopper@example.com',
        status: 'onboarding',
        hire_date: JOINER_START,
        department: 'Engineering',
        office: 'Berlin',
      });
      await control(world.emulator, 'PATCH', `/employees/${mover.id}`, {
        department: 'Research',
        position: 'Principal Researcher',
      });
      await control(world.emulator, 'PATCH', `/employees/${leaver.id}`, {
        termination_date: '2026-11-20',
        status: 'inactive',
      });
    },
  },
  {
    name: 'the scheduled joiner starts',
    kinds: ['enable'],
    async change(world) {
      world.clock.set(new Date(`${JOINER_START}T12:00:00.000Z`));
    },
  },
];

/** The target's accounts without ids or timestamps; references to other accounts by their externalId. */
async function accountState(world: World): Promise<Record<string, unknown>[]> {
  const { resources } = await world.scim.list(
    'dir',
    'User',
    USER_RESOURCE_SCHEMA,
    { startIndex: 1, count: 1000 },
    'http://x/',
  );
  const externalIdOf = new Map(resources.map((r) => [r.id, String(r.data['externalId'])]));
  const normalise = (value: unknown): unknown => {
    if (typeof value === 'string') return externalIdOf.has(value) ? `@${externalIdOf.get(value)}` : value;
    if (Array.isArray(value)) return value.map(normalise);
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => key !== 'id' && key !== 'meta' && key !== '$ref')
          .map(([key, v]) => [key, normalise(v)]),
      );
    return value;
  };
  return resources
    .map((r) => normalise(r.data) as Record<string, unknown>)
    .sort((a, b) => String(a['userName']).localeCompare(String(b['userName'])));
}

async function linkState(world: World): Promise<string[]> {
  const accounts = await world.scim.list(
    'dir',
    'User',
    USER_RESOURCE_SCHEMA,
    { startIndex: 1, count: 1000 },
    '',
  );
  const externalIdOf = new Map(accounts.resources.map((r) => [r.id, String(r.data['externalId'])]));
  return (await world.syncs.listLinks('hr'))
    .map((l) => `${externalIdOf.get(l.accountId) ?? `gone:${l.accountId}`} ← ${l.sourceId}`)
    .sort();
}

/** `kind person` of the operations journaled with these statuses by runs not in `before`. */
async function journalState(
  world: World,
  statuses: readonly string[],
  before: readonly string[],
): Promise<string[]> {
  const rows = await world.database.db
    .selectFrom('sync_operations')
    .select(['kind', 'person_id', 'run_id'])
    .where('status', 'in', statuses)
    .execute();
  return rows
    .filter((r) => !before.includes(r.run_id))
    .map((r) => `${r.kind} ${r.person_id}`)
    .sort();
}

async function runIds(world: World): Promise<string[]> {
  return (await world.database.db.selectFrom('sync_runs').select('id').execute()).map((r) => r.id);
}

async function runNormally(world: World): Promise<SyncRunResult> {
  world.failpoint.arm(null);
  const result = await runSync(world.deps, 'hr', { trigger: 'manual' });
  assert.equal(result.outcome, 'applied', result.error ?? result.guard?.reasons.join(' '));
  assert.deepEqual(
    result.applied.filter((a) => a.outcome === 'failed').map((a) => `${a.operation.kind}: ${a.error}`),
    [],
  );
  return result;
}

/** Everything that must hold after a run that followed a crash. */
async function assertConverged(
  world: World,
  expected: Expected,
  context: string,
  before: readonly string[],
): Promise<void> {
  const accounts = await accountState(world);
  assert.deepEqual(accounts, expected.accounts, `${context}: the target holds the desired accounts`);
  for (const attribute of ['userName', 'externalId']) {
    const values = accounts.map((a) => String(a[attribute]).toLowerCase());
    assert.equal(new Set(values).size, values.length, `${context}: no two accounts share a ${attribute}`);
  }
  assert.deepEqual(
    await linkState(world),
    expected.links,
    `${context}: every account is linked to its person`,
  );
  const pending = await world.database.db
    .selectFrom('sync_operations')
    .select(['kind', 'status', 'idempotency_key'])
    .where('status', 'not in', ['applied', 'failed', 'superseded'])
    .execute();
  assert.deepEqual(pending, [], `${context}: no operation is left pending after a completed run`);
  // Every operation of the crash-free run was applied here too, or found done after the crash.
  const settled = new Set(await journalState(world, ['applied', 'superseded'], before));
  assert.deepEqual(
    expected.journal.filter((op) => !settled.has(op)),
    [],
    `${context}: no operation is lost from the journal`,
  );
  const stuckRuns = await world.database.db
    .selectFrom('sync_runs')
    .select(['id', 'status'])
    .where('status', '=', 'running')
    .execute();
  assert.deepEqual(stuckRuns, [], `${context}: the crashed run is closed, not left running`);
  const last = (await world.syncs.listRuns('hr', 1))[0];
  assert.equal(last?.status, 'applied', `${context}: the last run finished`);
  const verification = await world.audit.verify();
  assert.equal(verification.ok, true, `${context}: the audit chain verifies`);
  world.failpoint.arm(null);
  const again = await runSync(world.deps, 'hr', { trigger: 'manual', dryRun: true });
  assert.deepEqual(
    again.plan?.operations.map((o) => `${o.kind} ${o.personId}: ${o.reason}`),
    [],
    `${context}: a plan right after has nothing to do`,
  );
}

interface Expected {
  readonly accounts: Record<string, unknown>[];
  readonly links: string[];
  /** `kind person` of every operation the crash-free run of the phase journaled as applied. */
  readonly journal: string[];
  /** The steps a run of the phase takes without a crash. */
  readonly steps: string[];
}

/** A world with the first sync done and the phases before `phase` applied without a crash. */
async function worldBefore(dialect: Dialect, phase: number): Promise<World> {
  const world = await openWorld(dialect);
  await runNormally(world);
  for (let i = 0; i < phase; i++) {
    await PHASES[i]!.change(world);
    await runNormally(world);
  }
  await PHASES[phase]!.change(world);
  return world;
}

async function referenceOf(dialect: Dialect, phase: number): Promise<Expected> {
  const world = await worldBefore(dialect, phase);
  try {
    const before = await runIds(world);
    world.failpoint.arm(null);
    const result = await runNormally(world);
    const kinds = new Set<string>(result.applied.map((a) => a.operation.kind));
    for (const kind of PHASES[phase]!.kinds) assert.ok(kinds.has(kind), `the phase plans a ${kind}`);
    return {
      accounts: await accountState(world),
      links: await linkState(world),
      journal: await journalState(world, ['applied'], before),
      steps: world.failpoint.steps,
    };
  } finally {
    await world.close();
  }
}

async function crashThenRecover(
  dialect: Dialect,
  phase: number,
  k: number,
  expected: Expected,
): Promise<void> {
  const world = await worldBefore(dialect, phase);
  try {
    const before = await runIds(world);
    world.failpoint.arm(k);
    const crashed = await runSync(world.deps, 'hr', { trigger: 'manual' }).then(
      (result) => result,
      (error: unknown) => error,
    );
    const step = `step ${k} (${expected.steps[k - 1] ?? '?'})`;
    assert.ok(world.failpoint.crashedAt !== null, `${step} was reached: ${String(crashed)}`);
    // Time passes before the next run, as after a restart.
    world.clock.advance(60_000);
    await runNormally(world);
    await assertConverged(world, expected, `crash at ${step}`, before);
  } finally {
    await world.close();
  }
}

void describe('a crash at any journal step converges on the next run (SQLite, every step)', () => {
  for (const [index, phase] of PHASES.entries()) {
    void test(`${phase.name}: every step`, { timeout: 300_000 }, async (t) => {
      const expected = await referenceOf('sqlite', index);
      assert.ok(expected.steps.length > 10, `the run takes steps: ${expected.steps.join(', ')}`);
      t.diagnostic(`${expected.steps.length} steps, each a crash point`);
      for (let k = 1; k <= expected.steps.length; k++) await crashThenRecover('sqlite', index, k, expected);
    });
  }
});

void describe('a crash converges on PostgreSQL too (a sample of steps)', () => {
  void test(
    'joiners, a mover and a leaver: crashes around creates, updates and disables',
    { timeout: 300_000 },
    async () => {
      const expected = await referenceOf('postgres', 0);
      const sample = new Set<number>();
      for (const marker of [
        'target.createAccount:after',
        'syncs.transaction',
        'target.updateAccount:after',
        'target.disableAccount:after',
        'syncs.finishRun',
        'syncs.updateState',
      ]) {
        const k = expected.steps.indexOf(marker);
        if (k >= 0) sample.add(k + 1);
      }
      assert.ok(sample.size >= 5, `sampled steps: ${[...sample].join(', ')}`);
      for (const k of sample) await crashThenRecover('postgres', 0, k, expected);
    },
  );
});

void describe('a create whose outcome is unknown', () => {
  let world: World;
  before(async () => {
    world = await worldBefore('sqlite', 0);
  });
  after(async () => {
    await world.close();
  });

  void test('is settled by reading back, never by creating the account twice', async () => {
    world.loseNextCreateAnswer = true;
    const first = await runSync(world.deps, 'hr', { trigger: 'manual' });
    assert.equal(first.outcome, 'applied', first.error ?? '');
    const creates = first.applied.filter((a) => a.operation.kind === 'create');
    assert.ok(creates.length >= 2);
    const expected = await referenceOf('sqlite', 0);
    const accounts = await accountState(world);
    assert.deepEqual(accounts, expected.accounts);
    const count = await world.database.db
      .selectFrom('scim_resources')
      .select(sql<number>`count(*)`.as('n'))
      .where('connection_id', '=', 'dir')
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), expected.accounts.length);
  });
});

void describe('an operation whose outcome a crash lost', () => {
  void test('is recorded as superseded, in the journal and the audit log, once the next run finds it done', async () => {
    const expected = await referenceOf('sqlite', 0);
    const k = expected.steps.indexOf('target.createAccount:after') + 1;
    assert.ok(k > 0);
    const world = await worldBefore('sqlite', 0);
    try {
      world.failpoint.arm(k);
      await runSync(world.deps, 'hr', { trigger: 'manual' }).catch(() => undefined);
      const [lost] = await world.database.db
        .selectFrom('sync_operations')
        .select(['idempotency_key', 'status'])
        .where('kind', '=', 'create')
        .where('status', '=', 'pending')
        .execute();
      assert.ok(lost, 'the crash left the create pending');
      world.clock.advance(60_000);
      await runNormally(world);
      const settled = await world.database.db
        .selectFrom('sync_operations')
        .select(['status', 'last_error'])
        .where('idempotency_key', '=', lost.idempotency_key)
        .executeTakeFirstOrThrow();
      assert.equal(settled.status, 'superseded');
      const entries = await world.audit.list({ syncId: 'hr', limit: 1000 });
      const entry = entries.find(
        (e) =>
          e.outcome === 'superseded' &&
          (e.content as { idempotencyKey?: string } | null)?.idempotencyKey === lost.idempotency_key,
      );
      assert.equal(entry?.action, 'account.create');
      const runs = await world.syncs.listRuns('hr', 10);
      const interrupted = runs.filter((r) => r.status !== 'applied');
      assert.equal(interrupted.length, 1, 'only the crashed run did not apply');
      assert.equal(interrupted[0]?.status, 'failed');
      assert.match(interrupted[0]?.error ?? '', /interrupted/);
    } finally {
      await world.close();
    }
  });
});

/**
 * A target app that, like many, does not refuse a second account with the same email: the only
 * protection against a duplicate is the engine never sending a create twice.
 */
function permissiveTarget(): {
  accounts: Map<string, Account>;
  creates: number;
  loseAnswers: number;
  handle: ConnectorHandle;
} {
  const state = { accounts: new Map<string, Account>(), creates: 0, loseAnswers: 0 };
  let next = 1;
  const change = (
    id: string,
    attributes: Record<string, AccountAttributeValue>,
    isActive?: boolean,
  ): void => {
    const current = state.accounts.get(id);
    if (!current) throw new ConnectorError('not_found', `no account ${id}`);
    state.accounts.set(id, {
      ...current,
      ...(isActive === undefined ? {} : { isActive }),
      attributes: { ...current.attributes, ...attributes },
    });
  };
  const accounts: AccountTarget = {
    listAccounts: async () => ({ items: [...state.accounts.values()], nextCursor: null }),
    createAccount: async (desired) => {
      state.creates += 1;
      const { active, ...attributes } = desired.attributes;
      const account: Account = {
        id: `acct-${next++}`,
        userName: typeof attributes['userName'] === 'string' ? attributes['userName'] : desired.email,
        email: desired.email,
        displayName: null,
        isActive: active !== false,
        attributes,
      };
      state.accounts.set(account.id, account);
      if (state.loseAnswers > 0) {
        state.loseAnswers -= 1;
        throw new ConnectorError('unavailable', 'createAccount timed out', { outcome: 'unknown' });
      }
      return { account, outcome: 'created', warnings: [] };
    },
    updateAccount: async (id, changes) => {
      change(id, { ...changes.attributes });
      return { warnings: [] };
    },
    disableAccount: async (id) => change(id, {}, false),
    enableAccount: async (id) => change(id, {}, true),
  };
  return {
    get accounts() {
      return state.accounts;
    },
    get creates() {
      return state.creates;
    },
    set loseAnswers(n: number) {
      state.loseAnswers = n;
    },
    get loseAnswers() {
      return state.loseAnswers;
    },
    handle: {
      accounts,
      check: async () => ({ summary: '', count: 0, warnings: [] }),
      close: async () => undefined,
    },
  };
}

void describe('a create whose answer is lost on a target that allows duplicates', () => {
  void test('is read back and settled, never sent a second time', async () => {
    const world = await openWorld('sqlite');
    const target = permissiveTarget();
    const deps: SyncEngineDependencies = {
      ...world.deps,
      openConnection: async (id) => (id === 'dir' ? target.handle : world.deps.openConnection(id)),
    };
    try {
      // Every create of the first run loses its answer once.
      target.loseAnswers = 1000;
      const first = await runSync(deps, 'hr', { trigger: 'manual' });
      const creates = first.applied.filter((a) => a.operation.kind === 'create');
      assert.ok(creates.length >= 5, `${creates.length} creates`);
      assert.equal(target.creates, creates.length, 'one create request per person');
      const emails = [...target.accounts.values()].map((a) => a.email);
      assert.equal(new Set(emails).size, emails.length, 'no two accounts for one person');
      assert.deepEqual(
        creates.filter((c) => c.outcome !== 'applied').map((c) => c.error),
        [],
        'each create is settled in the same run',
      );
      target.loseAnswers = 0;
      const plan = await runSync(deps, 'hr', { trigger: 'manual', dryRun: true });
      assert.deepEqual(
        plan.plan?.operations.map((o) => `${o.kind} ${o.personId}: ${o.reason}`),
        [],
      );
    } finally {
      await world.close();
    }
  });
});
