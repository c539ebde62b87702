// Crash and restart with writes in the outbox: `roster serve` (a real process) acknowledges SCIM
// creates for a Personio connection while Personio is down, is killed with SIGKILL, and after a
// restart the outbox applies every acknowledged write to the emulator exactly once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { startPersonioEmulator, type PersonioEmulator } from '../../emulators/personio/index.ts';
import { runRoster, startRoster, testEnvironment } from '../../src/cli/testing/run-roster.ts';
import { loadConfig } from '../../src/config/index.ts';
import { openStore } from '../../src/store/store.ts';
import { testDatabaseUrl } from '../../src/store/testing/test-database.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USERS = 5;

interface Employee {
  readonly id: number;
  readonly email: string | null;
  readonly position: string;
}

async function control<T>(
  emulator: PersonioEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function killAndRestart(database: NodeJS.ProcessEnv, cleanups: (() => Promise<void>)[]): Promise<void> {
  const emulator = await startPersonioEmulator({ port: 0, employees: 20, seed: 7, rateLimits: false });
  cleanups.push(() => emulator.close());
  const dataDir = await mkdtemp(join(tmpdir(), 'roster-gateway-kill-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const env = testEnvironment({ ROSTER_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', ...database });
  const settingsFile = join(dataDir, 'personio.json');
  const secretsFile = join(dataDir, 'secrets.json');
  await writeFile(
    settingsFile,
    JSON.stringify({
      baseUrl: emulator.url,
      clientId: 'demo-client',
      requestTimeoutMs: 1_000,
      provisioning: { writeBudgetMs: 300 },
    }),
  );
  await writeFile(secretsFile, JSON.stringify({ clientSecret: 'demo-secret' }));

  const added = await runRoster(
    [
      'connection',
      'add',
      'personio-de',
      '--app',
      'personio',
      '--settings',
      settingsFile,
      '--secrets-file',
      secretsFile,
      '--json',
    ],
    env,
  );
  assert.equal(added.code, 0, added.stderr);
  assert.match(
    String((JSON.parse(added.stdout) as { scimBaseUrl: string }).scimBaseUrl),
    /\/scim\/v2\/personio-de$/,
  );
  const issued = await runRoster(['token', 'create', 'personio-de', '--name', 'okta'], env);
  assert.equal(issued.code, 0, issued.stderr);
  const token = issued.stdout.trim();

  const first = await startRoster(['serve'], env);
  const base = `${String(first.ready['url'])}/scim/v2/personio-de`;
  const scim = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // The server imports Personio's employees at start-up.
  await waitFor('the import', async () => {
    const page = (await (await scim('GET', '/Users?count=1')).json()) as { totalResults: number };
    return page.totalResults > 0;
  });

  await control(emulator, 'POST', '/faults', { kind: '503', count: 100_000 });
  const emails = Array.from({ length: USERS }, (_, i) => `outbox.${i}@nordlicht.example`);
  const ids: string[] = [];
  for (const email of emails) {
    const response = await scim('POST', '/Users', {
      schemas: [USER],
      userName: email,
      name: { givenName: 'Out', familyName: `Box${email.length}` },
      emails: [{ primary: true, type: 'work', value: email }],
      active: true,
    });
    assert.equal(response.status, 201, 'acknowledged while Personio is down');
    ids.push(((await response.json()) as { id: string }).id);
  }
  const patched = await scim('PATCH', `/Users/${ids[0]}`, {
    schemas: [PATCH],
    Operations: [{ op: 'replace', path: 'title', value: 'Survivor' }],
  });
  assert.equal(patched.status, 200);
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');
  const before = (await control<{ employees: Employee[] }>(emulator, 'GET', '/employees')).employees;
  assert.equal(before.filter((e) => e.email !== null && emails.includes(e.email)).length, 0);

  await control(emulator, 'DELETE', '/faults');
  const second = await startRoster(['serve'], env);
  try {
    await waitFor('every acknowledged user in Personio', async () => {
      const now = (await control<{ employees: Employee[] }>(emulator, 'GET', '/employees')).employees;
      const first = now.find((e) => e.email === emails[0]);
      return emails.every((email) => now.some((e) => e.email === email)) && first?.position === 'Survivor';
    });
  } finally {
    second.child.kill('SIGTERM');
  }
  assert.equal((await second.exited).code, 0);

  const employees = (await control<{ employees: Employee[] }>(emulator, 'GET', '/employees')).employees;
  for (const email of emails) assert.equal(employees.filter((e) => e.email === email).length, 1, email);
  const requests = (
    await control<{ requests: { method: string; path: string; status: number | null }[] }>(
      emulator,
      'GET',
      '/requests',
    )
  ).requests;
  const created = requests.filter(
    (r) => r.method === 'POST' && r.path === '/v1/company/employees' && r.status === 200,
  );
  assert.equal(created.length, USERS, 'one successful create per user');

  const store = await openStore(loadConfig(env));
  try {
    const tasks = (await store.tasks.list({ connectionId: 'personio-de', state: 'open', limit: 100 })).tasks;
    assert.deepEqual(
      tasks
        .filter((t) => t.kind === 'grant_login')
        .map((t) => t.accountId)
        .sort(),
      [...ids].sort(),
    );
  } finally {
    await store.close();
  }
}

void describe('crash and restart with SCIM writes in the Personio outbox', { timeout: 300_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  void it('applies every acknowledged write once after kill -9 and a restart, on SQLite', async () => {
    await killAndRestart({}, cleanups);
  });

  void it('applies every acknowledged write once after kill -9 and a restart, on PostgreSQL', async () => {
    const schema = `test_gateway_kill_${randomBytes(4).toString('hex')}`;
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
      { DATABASE_URL: url.href, ROSTER_SECRET_KEY: randomBytes(32).toString('base64') },
      cleanups,
    );
  });
});
