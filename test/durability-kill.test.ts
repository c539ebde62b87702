// An acknowledged write is durable: kill -9 the server in the middle of a burst of SCIM creates,
// start it again, and every user that got a 201 is there. Run on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { runRoster, startRoster, testEnvironment } from '../src/cli/testing/run-roster.ts';
import { testDatabaseUrl } from '../src/store/testing/test-database.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CONCURRENCY = 10;
const KILL_AFTER_ACKS = 150;

async function setUp(env: NodeJS.ProcessEnv): Promise<string> {
  const added = await runRoster(['connection', 'add', 'acme', '--app', 'directory'], env);
  assert.equal(added.code, 0, added.stderr);
  const token = await runRoster(['token', 'create', 'acme'], env);
  assert.equal(token.code, 0, token.stderr);
  return token.stdout.trim();
}

/** Creates users from CONCURRENCY workers until the server dies; returns the ids that got 201. */
async function burstUntilKilled(url: string, token: string, kill: () => void): Promise<string[]> {
  const acknowledged: string[] = [];
  let killed = false;
  let n = 0;
  const worker = async () => {
    for (;;) {
      const userName = `user-${n++}@example.com`;
      let response: Response;
      try {
        response = await fetch(`${url}/scim/v2/acme/Users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          body: JSON.stringify({ schemas: [USER_SCHEMA], userName, active: true }),
        });
      } catch {
        return; // The server is gone: this request got no acknowledgement.
      }
      if (response.status !== 201) {
        await response.body?.cancel();
        continue;
      }
      const body = (await response.json().catch(() => null)) as { id?: string } | null;
      // A 201 whose body was cut off by the kill is still an acknowledgement; Location names the id.
      const id = body?.id ?? response.headers.get('location')?.split('/').pop();
      if (id) acknowledged.push(id);
      if (!killed && acknowledged.length >= KILL_AFTER_ACKS) {
        killed = true;
        kill();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return acknowledged;
}

async function assertAllPresent(url: string, token: string, ids: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const id of ids) {
    const response = await fetch(`${url}/scim/v2/acme/Users/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) missing.push(`${id} (${response.status})`);
    await response.body?.cancel();
  }
  assert.deepEqual(missing, [], 'every acknowledged user survives the kill');
}

async function killAndRestart(env: NodeJS.ProcessEnv): Promise<void> {
  const token = await setUp(env);
  const first = await startRoster(['serve'], env);
  const acknowledged = await burstUntilKilled(String(first.ready['url']), token, () =>
    first.child.kill('SIGKILL'),
  );
  const died = await first.exited;
  assert.equal(died.signal, 'SIGKILL');
  assert.ok(acknowledged.length >= KILL_AFTER_ACKS, `${acknowledged.length} creates acknowledged`);

  const second = await startRoster(['serve'], env);
  try {
    await assertAllPresent(String(second.ready['url']), token, acknowledged);
  } finally {
    second.child.kill('SIGTERM');
  }
  assert.equal((await second.exited).code, 0);
}

void describe('durability of acknowledged writes', { timeout: 300_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  void it('keeps every acknowledged user on SQLite after kill -9 of the server', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'roster-kill-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await killAndRestart(testEnvironment({ ROSTER_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' }));
  });

  void it('keeps every acknowledged user on PostgreSQL after kill -9 of the server', async () => {
    const schema = `test_kill_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    cleanups.push(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    const url = new URL(testDatabaseUrl());
    url.searchParams.set('options', `-c search_path=${schema}`);
    await killAndRestart(
      testEnvironment({
        DATABASE_URL: url.href,
        ROSTER_SECRET_KEY: randomBytes(32).toString('base64'),
        ROSTER_DATA_DIR: join(tmpdir(), 'roster-unused'),
        PORT: '0',
        LOG_LEVEL: 'warn',
      }),
    );
  });
});
