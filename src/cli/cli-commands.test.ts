// `roster connection` and `roster token` as a user runs them: a real child process against a
// temporary data dir, checked by its stdout, stderr and exit code.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runRoster, testEnvironment, type RosterRun } from './testing/run-roster.ts';

let root: string;
let n = 0;

async function freshEnv(overrides: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return testEnvironment({ ROSTER_DATA_DIR: join(root, `data-${n++}`), ...overrides });
}

function json<T = unknown>(run: RosterRun): T {
  return JSON.parse(run.stdout) as T;
}

const TOKEN_LINE = /^rst_[A-Za-z0-9_-]{43}\n$/;

// Each case starts real processes; on a busy machine that takes longer than the default timeout.
void describe('roster CLI: connections and tokens', { timeout: 300_000 }, () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'roster-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('creates, lists and removes connections and tokens, printing a bare token once', async () => {
    const env = await freshEnv({ ROSTER_PUBLIC_URL: 'https://roster.example.com' });

    const added = await runRoster(['connection', 'add', 'acme', '--app', 'directory', '--name', 'ACME'], env);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /SCIM base URL: https:\/\/roster\.example\.com\/scim\/v2\/acme/);
    assert.match(added.stderr, /roster token create acme/);

    const created = await runRoster(
      ['token', 'create', 'acme', '--name', 'okta', '--expires-in', '90d'],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, TOKEN_LINE);
    assert.match(created.stderr, /shown only once/);
    const token = created.stdout.trim();

    // Reads run side by side: several CLI processes on one data dir at once is supported use.
    const [listed, table, connections] = await Promise.all([
      runRoster(['token', 'list', '--connection', 'acme', '--json'], env),
      runRoster(['token', 'list'], env),
      runRoster(['connection', 'list', '--json'], env),
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    const tokens = json<Record<string, unknown>[]>(listed);
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0]?.['name'], 'okta');
    assert.equal(tokens[0]?.['status'], 'active');
    assert.equal(tokens[0]?.['connectionId'], 'acme');
    assert.ok(!listed.stdout.includes(token.slice(4)));
    assert.ok(!('tokenHash' in (tokens[0] ?? {})) && !('token_hash' in (tokens[0] ?? {})));

    assert.match(table.stdout, /^ID +KIND +CONNECTION +NAME +STATUS/);
    assert.match(table.stdout, /okta +active/);

    const revoked = await runRoster(['token', 'revoke', String(tokens[0]?.['id']), '--json'], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(json<Record<string, unknown>>(revoked)['status'], 'revoked');

    assert.deepEqual(
      json<Record<string, unknown>[]>(connections).map((c) => [c['id'], c['displayName'], c['scimBaseUrl']]),
      [['acme', 'ACME', 'https://roster.example.com/scim/v2/acme']],
    );

    const removed = await runRoster(['connection', 'remove', 'acme', '--json'], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(json(removed), { id: 'acme', resourceCount: 0, removed: true });
    const none = await runRoster(['connection', 'list'], env);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /No connections yet/);
  });

  void it('creates an admin token bound to no connection', async () => {
    const env = await freshEnv();
    const run = await runRoster(['token', 'create', '--admin', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const body = json<Record<string, unknown>>(run);
    assert.equal(body['kind'], 'admin');
    assert.equal(body['connectionId'], null);
    assert.match(String(body['token']), /^rst_/);
  });
});
