// How `roster` fails: one JSON document with --json, exit code 1 with the reason on stderr, and a
// refusal to use a key file others can read. Real child processes against temporary data dirs.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runInProcess, runRoster, testEnvironment, type RosterRun } from './testing/run-roster.ts';

let root: string;
let n = 0;

async function freshEnv(overrides: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return testEnvironment({ ROSTER_DATA_DIR: join(root, `data-${n++}`), ...overrides });
}

function json<T = unknown>(run: RosterRun): T {
  return JSON.parse(run.stdout) as T;
}

// Each case starts real processes; on a busy machine that takes longer than the default timeout.
void describe('roster CLI: failures', { timeout: 300_000 }, () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'roster-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('prints exactly one JSON document with --json, also when the command fails', async () => {
    const env = await freshEnv();
    const first = await runRoster(['connection', 'add', 'one', '--app', 'directory', '--json'], env);
    assert.doesNotThrow(() => JSON.parse(first.stdout), first.stdout);
    const cases = [
      ['connection', 'list', '--json'],
      ['token', 'create', 'one', '--json'],
      ['token', 'list', '--json'],
      ['token', 'create', 'missing', '--json'],
      ['token', 'revoke', 'missing', '--json'],
      ['connection', 'remove', 'missing', '--json'],
      ['connection', 'add', 'Bad_Id', '--app', 'directory', '--json'],
      ['connection', 'add', 'two', '--json'],
    ];
    // In this process and one after another: SQLite handles in one thread must not wait on each other.
    for (const args of cases) {
      const run = await runInProcess(args, env);
      assert.doesNotThrow(() => JSON.parse(run.stdout), `${args.join(' ')}: ${run.stdout}`);
    }
    const failed = await runRoster(['token', 'create', 'missing', '--json'], env);
    assert.equal(failed?.code, 1);
    assert.deepEqual(Object.keys(json<Record<string, unknown>>(failed ?? first)), ['error']);
    assert.equal(json<{ error: { code: string } }>(failed ?? first).error.code, 'connection_not_found');
  });

  void it('exits 1 on failures, with the reason on stderr', async () => {
    const env = await freshEnv();
    await runRoster(['connection', 'add', 'dup', '--app', 'directory'], env);
    const [missing, revoke, duplicate] = await Promise.all([
      runRoster(['token', 'create', 'nowhere'], env),
      runRoster(['token', 'revoke', 'nothing'], env),
      runRoster(['connection', 'add', 'dup', '--app', 'directory'], env),
    ]);
    assert.equal(missing?.code, 1);
    assert.equal(missing?.stdout, '');
    assert.match(missing?.stderr ?? '', /no connection has id "nowhere"/);
    assert.equal(revoke?.code, 1);
    assert.equal(duplicate?.code, 1);
    assert.match(duplicate?.stderr ?? '', /already exists/);
  });

  void it('refuses to start with a key file others can read', async () => {
    const env = await freshEnv();
    await runRoster(['connection', 'list'], env);
    await chmod(join(String(env['ROSTER_DATA_DIR']), 'secret.key'), 0o644);
    const run = await runRoster(['connection', 'list', '--json'], env);
    assert.equal(run.code, 1);
    assert.equal(json<{ error: { code: string } }>(run).error.code, 'secret_key_insecure');
  });
});
