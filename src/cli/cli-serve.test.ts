// `roster serve` and `roster emulate personio` as real processes: ready output, work beside the
// CLI on one data dir, and a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runRoster, startRoster, testEnvironment, type RosterRun } from './testing/run-roster.ts';

let root: string;
let n = 0;

async function freshEnv(overrides: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return testEnvironment({ ROSTER_DATA_DIR: join(root, `data-${n++}`), ...overrides });
}

function json<T = unknown>(run: RosterRun): T {
  return JSON.parse(run.stdout) as T;
}

// Each case starts real processes; on a busy machine that takes longer than the default timeout.
void describe('roster CLI: long-running commands', { timeout: 300_000 }, () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'roster-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('serves SCIM beside the CLI on one data dir and stops cleanly on SIGTERM', async () => {
    const env = await freshEnv({ PORT: '0' });
    const server = await startRoster(['serve'], env);
    try {
      const url = String(server.ready['url']);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.ready['connections'], 0);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);

      // The server runs; the CLI writes to the same database meanwhile.
      assert.equal((await runRoster(['connection', 'add', 'live', '--app', 'directory'], env)).code, 0);
      const token = (await runRoster(['token', 'create', 'live'], env)).stdout.trim();
      const other = await runRoster(['connection', 'add', 'other', '--app', 'directory'], env);
      assert.equal(other.code, 0);

      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
      const created = await fetch(`${url}/scim/v2/live/Users`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'ada@example.com',
        }),
      });
      assert.equal(created.status, 201);
      assert.match(String(created.headers.get('location')), new RegExp(`^${url}/scim/v2/live/Users/`));
      assert.equal((await fetch(`${url}/scim/v2/other/Users`, { headers })).status, 401);

      const refused = await runRoster(['connection', 'remove', 'live'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /--force/);
    } finally {
      server.child.kill('SIGTERM');
    }
    const stopped = await server.exited;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /no connection yet: create one with `roster connection add/);
    assert.match(stopped.stderr, /shutting down/);
    assert.ok(!stopped.stderr.includes('ada@example.com'), 'no personal data in logs');

    const forced = await runRoster(['connection', 'remove', 'live', '--force', '--json'], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(json<Record<string, unknown>>(forced)['resourceCount'], 1);
  });

  void it('runs the Personio emulator until SIGTERM', async () => {
    const emulator = await startRoster(
      ['emulate', 'personio', '--port', '0', '--employees', '5', '--no-rate-limits'],
      await freshEnv(),
    );
    try {
      assert.match(String(emulator.ready['url']), /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(emulator.ready['employees'], 5);
      const auth = await fetch(`${String(emulator.ready['url'])}/v2/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret',
      });
      assert.equal(auth.status, 200);
    } finally {
      emulator.child.kill('SIGTERM');
    }
    assert.equal((await emulator.exited).code, 0);
  });
});
