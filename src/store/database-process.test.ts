// The database across processes: instances starting together migrate once, a writer waits for
// another process's transaction instead of failing, and every acknowledged write survives kill -9.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from './database.ts';
import { migrations } from './migrations/index.ts';
import { testDatabaseUrl } from './testing/test-database.ts';
import pg from 'pg';

const child = fileURLToPath(new URL('./testing/database-child.ts', import.meta.url));

function start(...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: 'pipe' });
}

function finished(
  proc: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
}

function lineSeen(proc: ChildProcessWithoutNullStreams, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(line)) resolve();
    });
    proc.on('close', () => reject(new Error(`exited before printing ${line}`)));
  });
}

let dir: string;

void describe('SQLite across processes', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roster-proc-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('migrates a fresh database once when several processes start together', async () => {
    const dataDir = join(dir, 'race');
    const results = await Promise.all(Array.from({ length: 4 }, () => finished(start('open', dataDir))));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const opened = await openDatabase({ databaseUrl: null, dataDir });
    try {
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        opened.db,
      );
      assert.deepEqual(
        applied.rows.map((r) => r.name),
        Object.keys(migrations),
      );
    } finally {
      await opened.close();
    }
  });

  void it('makes a writer wait for another process’s transaction instead of failing', async () => {
    const dataDir = join(dir, 'busy');
    const holder = start('hold', dataDir, '1500');
    const holderDone = finished(holder);
    await lineSeen(holder, 'locked');
    const began = Date.now();
    const opened = await openDatabase({ databaseUrl: null, dataDir });
    try {
      await opened.db.transaction().execute(async (trx) => {
        const held = await trx
          .selectFrom('connections')
          .select('id')
          .where('id', '=', 'held')
          .executeTakeFirst();
        await trx
          .insertInto('connections')
          .values({
            id: 'after',
            app: 'directory',
            display_name: String(Boolean(held)),
            settings: '{}',
            secrets: null,
            created_at: '',
            updated_at: '',
          })
          .execute();
      });
      assert.ok(Date.now() - began >= 500, 'opening and writing waited for the lock');
      const row = await opened.db
        .selectFrom('connections')
        .select('display_name')
        .where('id', '=', 'after')
        .executeTakeFirstOrThrow();
      // BEGIN IMMEDIATE waited for the other commit, so the transaction saw the row it added.
      assert.equal(row.display_name, 'true');
    } finally {
      await opened.close();
    }
    assert.equal((await holderDone).code, 0);
  });

  void it('keeps every acknowledged write when the writing process is killed with SIGKILL', async () => {
    const dataDir = join(dir, 'kill');
    const writer = start('burst', dataDir);
    const acknowledged: string[] = [];
    let buffer = '';
    const done = new Promise<void>((resolve) => writer.on('close', () => resolve()));
    await new Promise<void>((resolve) => {
      writer.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        acknowledged.push(...lines.filter(Boolean));
        if (acknowledged.length >= 300) {
          writer.kill('SIGKILL');
          resolve();
        }
      });
    });
    await done;
    const opened = await openDatabase({ databaseUrl: null, dataDir });
    try {
      const stored = new Set(
        (await opened.db.selectFrom('connections').select('id').execute()).map((r) => r.id),
      );
      const lost = acknowledged.filter((id) => !stored.has(id));
      assert.deepEqual(lost, []);
      assert.ok(stored.size >= acknowledged.length);
    } finally {
      await opened.close();
    }
  });
});

void describe('PostgreSQL with several instances', () => {
  const schema = `test_concurrent_${process.pid}`;

  after(async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  void it('migrates a fresh schema once when several instances open it together', async () => {
    const dataDir = join(tmpdir(), 'unused');
    const opened = await Promise.all(
      Array.from({ length: 4 }, () =>
        openDatabase({ databaseUrl: testDatabaseUrl(), dataDir, postgresSchema: schema, poolSize: 2 }),
      ),
    );
    try {
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        opened[0]!.db,
      );
      assert.deepEqual(
        applied.rows.map((r) => r.name),
        Object.keys(migrations),
      );
    } finally {
      await Promise.all(opened.map((o) => o.close()));
    }
  });

  void it('names the host but never the password when PostgreSQL cannot be reached', async () => {
    await assert.rejects(
      openDatabase({ databaseUrl: 'postgres://roster:s3cret-pw@127.0.0.1:1/roster', dataDir: tmpdir() }),
      (e: unknown) =>
        e instanceof Error &&
        (e as { code?: string }).code === 'database_unavailable' &&
        e.message.includes('127.0.0.1:1/roster') &&
        !e.message.includes('s3cret-pw'),
    );
  });
});
