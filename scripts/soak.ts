// `npm run soak [-- --duration 5m --seed N --employees N]`: a long randomised test of crash safety. Round
// after round it changes the emulated Personio company (hires, some of them future-dated, moves, leavers,
// rehires), then runs `roster sync run` on a "chaos" data directory while the emulator answers 429, 500,
// 503 or hangs, killing the process with SIGKILL at random moments, until a run completes; a "twin" data
// directory runs the same sync without faults or kills. After every round the chaos directory must hold
// the twin's accounts with no duplicate, nothing pending, a verifying audit chain and an empty plan.
// Prints a summary; exits 1 at the first divergence (with the seed and round to reproduce it).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPersonioEmulator } from '../emulators/personio/index.ts';
import { SeededRandom } from '../emulators/personio/seeded-random.ts';
import { testEnvironment } from '../src/cli/testing/run-roster.ts';
import { testDatabaseUrl } from '../src/store/testing/test-database.ts';
import {
  accountState,
  convergenceProblems,
  expireLeases,
  runToCompletion,
  setUpSync,
  startSyncRun,
  type RosterSite,
} from '../test/support/sync-convergence.ts';

const FAULT_KINDS = ['429', '500', '503', 'timeout'] as const;
/** Runs of one round that may fail (faults, kills) before the round gives up and reports. */
const MAX_ATTEMPTS = 8;

function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match?.[1]) throw new Error(`--duration "${text}" is not a duration; use e.g. 90s, 5m or 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

function usage(): never {
  process.stderr.write(
    'usage: npm run soak -- [--duration 5m] [--seed N] [--employees 80] [--postgres]\n' +
      '  Randomised HR changes, Personio faults and kill -9 of sync runs; exits 1 on divergence.\n' +
      '  --postgres runs the killed sync on PostgreSQL (TEST_DATABASE_URL, default\n' +
      '  postgres://postgres@127.0.0.1:5432/test) in a schema of its own, dropped afterwards.\n',
  );
  process.exit(2);
}

interface Tally {
  rounds: number;
  changes: Record<string, number>;
  runs: number;
  kills: number;
  /** The last progress line a killed run had written: reading, planned or applying. */
  killedWhile: Record<string, number>;
  failedRuns: number;
  faults: Record<string, number>;
  operations: number;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A data site on PostgreSQL: a fresh schema, reached through `search_path` as a user's URL would. */
async function postgresSite(workDir: string, schema: string): Promise<RosterSite> {
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('options', `-c search_path=${schema}`);
  const dataDir = join(workDir, 'chaos-postgres');
  return {
    name: 'chaos (PostgreSQL)',
    dataDir,
    databaseUrl: testDatabaseUrl(),
    postgresSchema: schema,
    env: testEnvironment({
      DATABASE_URL: url.href,
      ROSTER_SECRET_KEY: randomBytes(32).toString('base64'),
      ROSTER_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    }),
  };
}

async function dropSchema(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

async function main(): Promise<number> {
  let values: { duration?: string; seed?: string; employees?: string; postgres?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string' },
        seed: { type: 'string' },
        employees: { type: 'string' },
        postgres: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch {
    usage();
  }
  if (values.help) usage();
  const durationMs = parseDuration(values.duration ?? '5m');
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const employees = Number(values.employees ?? '80');
  if (!Number.isInteger(seed) || !Number.isInteger(employees) || employees < 5) usage();
  log(
    `soak: seed ${seed}, ${Math.round(durationMs / 1000)} s, ${employees} employees, ` +
      `the killed sync on ${values.postgres ? 'PostgreSQL' : 'SQLite'}`,
  );
  log(`      reproduce the same choices with: npm run soak -- --seed ${seed}`);

  const random = new SeededRandom(seed);
  const emulator = await startPersonioEmulator({
    employees,
    seed: (seed % 100_000) + 1,
    rateLimits: false,
    latencyMs: 15,
  });
  const workDir = await mkdtemp(join(tmpdir(), 'roster-soak-'));
  const site = (name: string): RosterSite => {
    const dataDir = join(workDir, name);
    return {
      name,
      dataDir,
      databaseUrl: null,
      env: testEnvironment({ ROSTER_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    };
  };
  const schema = `soak_${seed}_${Date.now().toString(36)}`;
  const chaos: RosterSite = values.postgres ? await postgresSite(workDir, schema) : site('chaos');
  const twin = site('twin');
  const tally: Tally = {
    rounds: 0,
    changes: {},
    runs: 0,
    kills: 0,
    killedWhile: {},
    failedRuns: 0,
    faults: {},
    operations: 0,
  };
  const count = (map: Record<string, number>, key: string, by = 1): void => {
    map[key] = (map[key] ?? 0) + by;
  };

  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  const day = (offsetDays: number): string =>
    new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  let hires = 0;
  /** One random change in the HR system. */
  const changeCompany = async (): Promise<void> => {
    const { employees: list } = (await control('GET', '/employees')) as {
      employees: { id: number; status: string; email: string | null }[];
    };
    const active = list.filter((e) => e.status === 'active' && e.email);
    const inactive = list.filter((e) => e.status === 'inactive' && e.email);
    const roll = random.next();
    if (roll < 0.35 || active.length < 10) {
      hires += 1;
      const isFuture = random.chance(0.3);
      await control('POST', '/employees', {
        first_name: random.pick(['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken']),
        last_name: `Soak${seed % 1000}x${hires}`,
        email: `soak.${seed}.${hires}@example.com`,
        status: isFuture ? 'onboarding' : 'active',
        hire_date: isFuture ? day(random.int(1, 10)) : day(-random.int(0, 30)),
        department: random.pick(['Engineering', 'Sales', 'Research', 'Support']),
        office: 'Berlin',
      });
      count(tally.changes, isFuture ? 'future hire' : 'hire');
    } else if (roll < 0.65) {
      const who = random.pick(active);
      await control('PATCH', `/employees/${who.id}`, {
        department: random.pick(['Engineering', 'Sales', 'Research', 'Support', 'Finance']),
        position: random.pick(['Engineer', 'Lead', 'Manager', 'Analyst', 'Director']),
      });
      count(tally.changes, 'move');
    } else if (roll < 0.85) {
      const who = random.pick(active);
      await control('PATCH', `/employees/${who.id}`, {
        termination_date: day(-random.int(1, 3)),
        status: 'inactive',
      });
      count(tally.changes, 'leaver');
    } else if (inactive.length > 0) {
      const who = random.pick(inactive);
      await control('POST', `/employees/${who.id}/rehire`, {
        status: 'active',
        hire_date: day(-random.int(0, 5)),
      });
      count(tally.changes, 'rehire');
    }
  };

  /** Runs the chaos sync until one run completes, with faults and kills along the way. */
  const runChaos = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      await control('DELETE', '/faults');
      // Late attempts run clean, so a round always ends; what happened before must not matter.
      const isClean = attempt > MAX_ATTEMPTS - 2;
      if (!isClean && random.chance(0.5)) {
        const kind = random.pick(FAULT_KINDS);
        // Up to six in a row: enough to outlast the HTTP client's own retries now and then.
        const times = random.int(1, 6);
        await control('POST', '/faults', { kind, count: times, retry_after_seconds: 1 });
        count(tally.faults, kind, times);
      }
      const shouldKill = !isClean && random.chance(0.6);
      // Counted from the run's first progress line, so the kill lands in its work, not its start-up.
      const killAfterMs = random.int(0, 300);
      // A full read now and then: longer runs, and the read mode a crash may switch between.
      const run = startSyncRun(chaos, { full: random.chance(0.3) });
      tally.runs += 1;
      let phase = 'start-up';
      let timer: NodeJS.Timeout | undefined;
      run.onProgress((line) => {
        phase = line.split(/[\s:]/)[0] ?? phase;
        if (shouldKill && timer === undefined) timer = setTimeout(() => run.kill(), killAfterMs);
      });
      const ended = await run.exited;
      clearTimeout(timer);
      if (ended.signal === 'SIGKILL') {
        tally.kills += 1;
        count(tally.killedWhile, phase);
        await expireLeases(chaos);
      } else if (ended.code === 0) {
        const result = JSON.parse(ended.stdout) as { applied?: number };
        tally.operations += result.applied ?? 0;
        return;
      } else {
        tally.failedRuns += 1;
      }
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(
          `the chaos sync did not complete in ${MAX_ATTEMPTS} attempts; last exit ${ended.code}:\n${ended.stdout}\n${ended.stderr}`,
        );
    }
  };

  const started = Date.now();
  let divergence: string[] = [];
  let isFinished = false;
  try {
    const settings = { requestTimeoutMs: 1500 };
    await setUpSync(chaos, emulator.url, 25, settings);
    await setUpSync(twin, emulator.url, 25, settings);
    await runToCompletion(twin);
    await runChaos();
    for (let round = 1; Date.now() - started < durationMs; round++) {
      const changes = random.int(1, 4);
      for (let i = 0; i < changes; i++) await changeCompany();
      await runChaos();
      await control('DELETE', '/faults');
      await runToCompletion(twin);
      const expected = await accountState(twin);
      divergence = await convergenceProblems(chaos, expected);
      tally.rounds = round;
      log(
        `round ${round}: ${expected.length} accounts, ${tally.runs} runs, ${tally.kills} kills, ` +
          `${Object.values(tally.faults).reduce((a, b) => a + b, 0)} faults so far` +
          (divergence.length > 0 ? ` — DIVERGED` : ''),
      );
      if (divergence.length > 0) break;
    }
    isFinished = true;
  } finally {
    await emulator.close();
    // Kept for a look when something went wrong.
    if (isFinished && divergence.length === 0) {
      await rm(workDir, { recursive: true, force: true });
      if (values.postgres) await dropSchema(schema);
    } else log(`data kept in ${workDir}${values.postgres ? ` and PostgreSQL schema ${schema}` : ''}`);
  }

  const seconds = Math.round((Date.now() - started) / 1000);
  log('');
  log(`soak summary (seed ${seed}, ${seconds} s)`);
  log(`  rounds:      ${tally.rounds}`);
  log(
    `  HR changes:  ${Object.entries(tally.changes)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}`,
  );
  log(`  sync runs:   ${tally.runs} (${tally.kills} killed with SIGKILL, ${tally.failedRuns} failed)`);
  log(
    `  killed while ${
      Object.entries(tally.killedWhile)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || '-'
    }`,
  );
  log(
    `  faults:      ${
      Object.entries(tally.faults)
        .map(([k, v]) => `${v}× ${k}`)
        .join(', ') || 'none'
    }`,
  );
  log(`  operations applied by completed chaos runs: ${tally.operations}`);
  if (divergence.length > 0) {
    log(`  DIVERGED in round ${tally.rounds}`);
    for (const problem of divergence.slice(0, 20)) log(`    ${problem}`);
    if (divergence.length > 20) log(`    … and ${divergence.length - 20} more`);
    return 1;
  }
  log('  converged after every round');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
