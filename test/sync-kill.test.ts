// kill -9 of a real `roster sync run` process at different moments (while it reads Personio, early in
// applying, twice in a row with the second kill late in applying), then an ordinary run: the directory
// must hold exactly the accounts a run that was never killed makes, with no duplicate, nothing pending,
// no run left running, a verifying audit chain and an empty plan. SQLite for every moment, PostgreSQL once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPersonioEmulator, type PersonioEmulator } from '../emulators/personio/index.ts';
import { testEnvironment } from '../src/cli/testing/run-roster.ts';
import { testDatabaseUrl } from '../src/store/testing/test-database.ts';
import {
  accountState,
  convergenceProblems,
  expireLeases,
  openSite,
  runToCompletion,
  setUpSync,
  startSyncRun,
  type RosterSite,
} from './support/sync-convergence.ts';

const EMPLOYEES = 120;

function sqliteSite(name: string, dataDir: string): RosterSite {
  return {
    name,
    dataDir,
    databaseUrl: null,
    env: testEnvironment({ ROSTER_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
  };
}

/** Kills the run when `when` says so, polled every 10 ms; resolves with how the process ended. */
async function runAndKill(
  site: RosterSite,
  when: () => boolean | Promise<boolean>,
): Promise<{ killed: boolean; code: number | null }> {
  const run = startSyncRun(site);
  let isDone = false;
  let killed = false;
  void run.exited.then(() => (isDone = true));
  while (!isDone) {
    if (await when()) {
      run.kill();
      killed = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const ended = await run.exited;
  return { killed, code: ended.code };
}

/** How many accounts the directory holds, read beside the running process (WAL readers never block). */
function sqliteAccountCounter(site: RosterSite): { count(): number; close(): void } {
  let db: Database.Database | null = null;
  return {
    count() {
      try {
        db ??= new Database(join(site.dataDir, 'roster.db'), { readonly: true, fileMustExist: true });
        const row = db
          .prepare("SELECT count(*) AS n FROM scim_resources WHERE connection_id = 'dir'")
          .get() as { n: number };
        return row.n;
      } catch {
        return 0; // The schema is not there yet.
      }
    },
    close() {
      db?.close();
    },
  };
}

void describe('kill -9 of a sync run, then an ordinary run', { timeout: 240_000 }, () => {
  let emulator: PersonioEmulator;
  let workDir: string;
  let template: RosterSite;
  let expected: Record<string, unknown>[];
  /** Requests the emulator answered for employee listings, for "kill while reading". */
  let listingRequests = 0;

  before(async () => {
    emulator = await startPersonioEmulator({
      employees: EMPLOYEES,
      seed: 11,
      rateLimits: false,
      latencyMs: 40,
      logger: (line) => {
        if (/employees|persons/.test(line) && !line.includes('_emulator')) listingRequests += 1;
      },
    });
    workDir = await mkdtemp(join(tmpdir(), 'roster-sync-kill-'));
    template = sqliteSite('template', join(workDir, 'template'));
    await setUpSync(template, emulator.url);
    // The state a run that is never killed reaches, from the same starting point.
    const reference = sqliteSite('reference', join(workDir, 'reference'));
    await cp(template.dataDir, reference.dataDir, { recursive: true });
    await runToCompletion(reference);
    expected = await accountState(reference);
    assert.ok(expected.length > 50, `${expected.length} accounts in the reference`);
  });

  after(async () => {
    await emulator.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const fresh = async (name: string): Promise<RosterSite> => {
    const site = sqliteSite(name, join(workDir, name));
    await cp(template.dataDir, site.dataDir, { recursive: true });
    return site;
  };

  const recoverAndCheck = async (site: RosterSite): Promise<void> => {
    await expireLeases(site);
    await runToCompletion(site);
    assert.deepEqual(await convergenceProblems(site, expected), []);
  };

  void test('killed while reading Personio, the next run creates everyone once', async () => {
    const site = await fresh('read');
    listingRequests = 0;
    const counter = sqliteAccountCounter(site);
    const ended = await runAndKill(site, () => listingRequests >= 2);
    assert.ok(ended.killed, 'the run was killed before it finished');
    assert.equal(counter.count(), 0, 'killed before anything was applied');
    counter.close();
    await recoverAndCheck(site);
  });

  void test('killed early in applying, the next run finishes without a duplicate', async () => {
    const site = await fresh('apply-early');
    const counter = sqliteAccountCounter(site);
    const ended = await runAndKill(site, () => counter.count() >= 10);
    counter.close();
    assert.ok(ended.killed);
    await recoverAndCheck(site);
  });

  void test('killed twice in a row, the third run converges', async () => {
    const site = await fresh('twice');
    const counter = sqliteAccountCounter(site);
    const first = await runAndKill(site, () => counter.count() >= 30);
    assert.ok(first.killed);
    await expireLeases(site);
    // The second run is killed late in applying: most accounts exist, the rest are being created.
    const second = await runAndKill(site, () => counter.count() >= Math.floor(expected.length * 0.85));
    counter.close();
    assert.ok(second.killed);
    await recoverAndCheck(site);
  });

  void test('on PostgreSQL, killed while applying, the next run converges', async () => {
    const schema = `test_sync_kill_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const url = new URL(testDatabaseUrl());
      url.searchParams.set('options', `-c search_path=${schema}`);
      const dataDir = join(workDir, 'postgres');
      const site: RosterSite = {
        name: 'postgres',
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
      await setUpSync(site, emulator.url);
      const database = await openSite(site);
      try {
        const count = async () =>
          Number(
            (
              await database.db
                .selectFrom('scim_resources')
                .select((eb) => eb.fn.countAll().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          );
        const ended = await runAndKill(site, async () => (await count()) >= 40);
        assert.ok(ended.killed);
      } finally {
        await database.close();
      }
      await recoverAndCheck(site);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
