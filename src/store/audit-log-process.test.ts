// The audit log across real processes: writers in separate processes, started together, extend one
// chain without forking it, on SQLite (one file) and PostgreSQL (one schema).
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAuditLog } from './audit-log.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from './testing/test-database.ts';

const child = fileURLToPath(new URL('./audit-log-child.ts', import.meta.url));

interface Writer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startWriter(test: TestDatabase, count: number, label: string): Writer {
  const location = test.databaseUrl ?? test.dataDir;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', child, location, test.postgresSchema ?? '-', String(count), label],
    { stdio: 'pipe' },
  );
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    void exited.then((r) => reject(new Error(`writer ${label} exited before it was ready:\n${r.stderr}`)));
  });
  return { proc, ready, exited };
}

for (const dialect of DIALECTS) {
  // Each case starts real processes; on a busy machine that takes longer than the default timeout.
  void describe(`audit log across processes on ${dialect}`, { timeout: 120_000 }, () => {
    let test: TestDatabase;

    before(async () => {
      test = await openTestDatabase(dialect);
    });
    after(async () => {
      await test?.close();
    });

    void it('keeps one unbroken chain when two processes append 20 entries at once', async () => {
      const writers = [startWriter(test, 10, 'a'), startWriter(test, 10, 'b')];
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.proc.stdin.end('go\n');
      for (const w of writers) {
        const run = await w.exited;
        assert.equal(run.code, 0, run.stderr);
      }
      const audit = createAuditLog({ db: test.db, dialect });
      const result = await audit.verify({ batchSize: 6 });
      assert.deepEqual(result.ok && result.entries, 20);
      const actors = new Set((await audit.list({ limit: 100 })).map((e) => e.actor));
      assert.deepEqual([...actors].sort(), ['process:a', 'process:b']);
    });
  });
}
