// The `roster` command's help, version and exit codes for misuse: representative cases as real child
// processes, the exhaustive lists through the same entry function in this process.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runInProcess, runRoster, testEnvironment } from './testing/run-roster.ts';
import { PACKAGE_VERSION } from './run-cli.ts';

let root: string;
let n = 0;

async function freshEnv(overrides: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return testEnvironment({ ROSTER_DATA_DIR: join(root, `data-${n++}`), ...overrides });
}

// Each case starts real processes; on a busy machine that takes longer than the default timeout.
void describe('roster CLI: help, usage errors and configuration errors', { timeout: 300_000 }, () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'roster-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('prints help for every command on stdout and exits 0', async () => {
    const env = await freshEnv({ PORT: 'not-a-port' });
    const commands = [
      [],
      ['serve'],
      ['connection'],
      ['connection', 'add'],
      ['connection', 'list'],
      ['connection', 'remove'],
      ['token'],
      ['token', 'create'],
      ['token', 'list'],
      ['token', 'revoke'],
      ['emulate'],
      ['emulate', 'personio'],
    ];
    const runs = await Promise.all(commands.map((c) => runInProcess([...c, '--help'], env)));
    runs.forEach((run, i) => {
      const name = ['roster', ...(commands[i] ?? [])].join(' ');
      assert.equal(run.code, 0, `${name} --help: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^Usage: ${name}`), name);
      const isLeaf = (commands[i] ?? []).length === 2 || commands[i]?.[0] === 'serve';
      if (isLeaf) assert.match(run.stdout, /--json/, `${name} offers --json`);
    });
    assert.match(runs[1]?.stdout ?? '', /ROSTER_SECRET_KEY/, 'serve --help lists the environment');

    const [rootHelp, createHelp] = await Promise.all([
      runRoster(['--help'], env),
      runRoster(['token', 'create', '--help'], env),
    ]);
    assert.equal(rootHelp.code, 0, rootHelp.stderr);
    assert.equal(rootHelp.stdout, runs[0]?.stdout);
    assert.equal(createHelp.code, 0, createHelp.stderr);
    assert.equal(createHelp.stdout, runs[7]?.stdout);
  });

  void it('prints its version', async () => {
    const run = await runRoster(['--version'], await freshEnv());
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), PACKAGE_VERSION);
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    assert.equal(PACKAGE_VERSION, pkg.version);
  });

  void it('exits 2 on usage errors, commander’s own included', async () => {
    const env = await freshEnv();
    const cases = [
      [],
      ['bogus'],
      ['connection', 'add', 'x'],
      ['connection', 'add', 'x', '--app', 'nope'],
      ['connection', 'add', 'Not Valid', '--app', 'directory'],
      ['connection', 'list', '--unknown-option'],
      ['connection', 'list', 'extra-argument'],
      ['token', 'create'],
      ['token', 'create', 'x', '--admin'],
      ['token', 'create', 'x', '--expires-in', 'soon'],
      ['emulate', 'personio', '--port', 'abc'],
    ];
    const runs = await Promise.all(cases.map((args) => runInProcess(args, env)));
    runs.forEach((run, i) => {
      const line = `roster ${(cases[i] ?? []).join(' ')}`;
      assert.equal(run.code, 2, `${line}: ${run.stderr}`);
      assert.notEqual(run.stderr, '', `${line} explains itself on stderr`);
    });
    // The process exits with that code too, for commander's errors and for ours.
    const processes = await Promise.all([
      runRoster([], env),
      runRoster(['bogus'], env),
      runRoster(['connection', 'add', 'Not Valid', '--app', 'directory'], env),
    ]);
    for (const run of processes) {
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
    }
  });

  void it('lists every invalid environment variable with its fix and exits 1', async () => {
    const run = await runRoster(
      ['connection', 'list'],
      await freshEnv({ PORT: 'eighty', LOG_LEVEL: 'chatty', DATABASE_URL: 'postgres://db/x' }),
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /3 environment variables are invalid/);
    for (const variable of ['PORT', 'LOG_LEVEL', 'ROSTER_SECRET_KEY'])
      assert.match(run.stderr, new RegExp(variable));
    assert.match(run.stderr, /Fix:/);
  });
});
