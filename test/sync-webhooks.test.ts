// `POST /webhooks/personio/<connection>` on a real `roster serve`: the connection's static token is
// required (missing, wrong, or for another connection: 401 and no run), malformed and oversized bodies
// are refused (400, 413), and a Personio v2 delivery answers 202 at once and starts an ordinary run of
// the syncs reading from that connection, and only those; end to end, a hire in the emulator that
// delivers to Roster gets an account.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPersonioEmulator, type PersonioEmulator } from '../emulators/personio/index.ts';
import { call, v2Token } from '../emulators/personio/testing/http.ts';
import {
  runInProcess,
  startRoster,
  testEnvironment,
  type RunningRoster,
} from '../src/cli/testing/run-roster.ts';
import { openDatabase, type OpenDatabase } from '../src/store/database.ts';

const TOKEN = 'static-webhook-token-7f3a9c';
/** Personio gives a receiver 3 s to acknowledge; Roster answers long before. */
const ACK_BUDGET_MS = 1000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe('Personio webhooks on a running server', { timeout: 120_000 }, () => {
  let emulator: PersonioEmulator;
  let dataDir: string;
  let server: RunningRoster;
  let url: string;
  let database: OpenDatabase;

  const personUpdated = (personId: string) => ({
    company_id: '1',
    event_name: 'person.updated',
    occurred_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    payload: { id: personId },
  });

  const deliver = async (
    connection: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, unknown>; ms: number }> => {
    const started = performance.now();
    const response = await fetch(`${url}/webhooks/personio/${connection}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const ms = performance.now() - started;
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text) as Record<string, unknown>, ms };
  };

  const runsOf = async (syncId: string, trigger?: string) => {
    let query = database.db
      .selectFrom('sync_runs')
      .select(['id', 'trigger', 'status', 'error'])
      .where('sync_id', '=', syncId);
    if (trigger !== undefined) query = query.where('trigger', '=', trigger);
    return query.execute();
  };

  before(async () => {
    emulator = await startPersonioEmulator({
      employees: 30,
      seed: 5,
      rateLimits: false,
      // Slow enough that a run takes longer than the acknowledgement may.
      latencyMs: 150,
      webhookRetryDelaysMs: [100, 100],
    });
    dataDir = await mkdtemp(join(tmpdir(), 'roster-webhooks-'));
    const env = testEnvironment({ ROSTER_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    const settings = join(dataDir, 'personio.json');
    await writeFile(
      settings,
      JSON.stringify({
        baseUrl: emulator.url,
        clientId: 'demo-client',
        timeZoneAttribute: 'dynamic_1310547',
      }),
    );
    const secrets = join(dataDir, 'secrets.json');
    await writeFile(secrets, JSON.stringify({ clientSecret: 'demo-secret', webhookToken: TOKEN }));
    const otherSecrets = join(dataDir, 'other-secrets.json');
    await writeFile(
      otherSecrets,
      JSON.stringify({ clientSecret: 'demo-secret', webhookToken: 'another-connections-token' }),
    );
    for (const args of [
      [
        'connection',
        'add',
        'personio',
        '--app',
        'personio',
        '--settings',
        settings,
        '--secrets-file',
        secrets,
      ],
      ['connection', 'add', 'staff', '--app', 'directory'],
      ['sync', 'add', 'hr', '--from', 'personio', '--to', 'staff'],
      // A second source with its own sync, which a delivery for `personio` must not start.
      [
        'connection',
        'add',
        'personio-eu',
        '--app',
        'personio',
        '--settings',
        settings,
        '--secrets-file',
        otherSecrets,
      ],
      ['connection', 'add', 'staff-eu', '--app', 'directory'],
      ['sync', 'add', 'hr-eu', '--from', 'personio-eu', '--to', 'staff-eu'],
    ]) {
      const run = await runInProcess(args, env);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    }
    server = await startRoster(['serve'], env);
    url = String(server.ready['url']);
    database = await openDatabase({ databaseUrl: null, dataDir });
    // The server runs every sync once at start-up; let those finish so later runs are the webhooks'.
    await waitFor('the start-up runs', async () => {
      const runs = [...(await runsOf('hr')), ...(await runsOf('hr-eu'))];
      return runs.length >= 2 && runs.every((r) => r.status !== 'running') ? true : undefined;
    });
  });

  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await database.close();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  void test('a delivery without the token, with a wrong one or with another connection’s is refused with 401 and starts no run', async () => {
    const body = JSON.stringify(personUpdated('1'));
    const refused = [
      await deliver('personio', body),
      await deliver('personio', body, { authorization: 'Bearer not-the-token' }),
      await deliver('personio', body, { authorization: 'another-connections-token' }),
      await deliver('no-such-connection', body, { authorization: TOKEN }),
      await deliver('staff', body, { authorization: TOKEN }),
    ];
    for (const reply of refused) {
      assert.equal(reply.status, 401);
      assert.deepEqual(reply.json, {
        error: { code: 'webhook_refused', message: 'unknown connection or invalid webhook token' },
      });
    }
    await sleep(1500);
    assert.deepEqual(await runsOf('hr', 'webhook'), []);
    assert.deepEqual(await runsOf('hr-eu', 'webhook'), []);
  });

  void test('a body that is not a JSON object is refused with 400, one over 64 KiB with 413, and neither starts a run', async () => {
    const malformed = await deliver('personio', '{"event_name": "person.updated", ', {
      authorization: TOKEN,
    });
    assert.equal(malformed.status, 400);
    assert.match(JSON.stringify(malformed.json), /JSON/i);
    for (const notAnObject of ['"garbage"', '[]', '42', 'null']) {
      const reply = await deliver('personio', notAnObject, { authorization: TOKEN });
      assert.equal(reply.status, 400, notAnObject);
      assert.deepEqual(reply.json, {
        error: {
          code: 'invalid_request',
          message: 'a webhook delivery is a JSON object, such as Personio’s {"event_name", "payload", …}',
        },
      });
    }
    const oversized = JSON.stringify({ ...personUpdated('1'), padding: 'x'.repeat(70 * 1024) });
    const tooLarge = await deliver('personio', oversized, { authorization: TOKEN });
    assert.equal(tooLarge.status, 413);
    await sleep(1500);
    assert.deepEqual(await runsOf('hr', 'webhook'), []);
  });

  void test('a Personio v2 delivery with the token is acknowledged with 202 at once and runs the syncs of that connection only', async () => {
    const [someone] = (
      (await (await fetch(`${emulator.url}/_emulator/employees`)).json()) as { employees: { id: number }[] }
    ).employees;
    assert.ok(someone);
    const reply = await deliver('personio', JSON.stringify(personUpdated(String(someone.id))), {
      authorization: TOKEN,
    });
    assert.equal(reply.status, 202);
    assert.deepEqual(reply.json, { accepted: true, syncs: 1 });
    assert.ok(reply.ms < ACK_BUDGET_MS, `acknowledged after ${Math.round(reply.ms)} ms`);
    const run = await waitFor('the webhook run to finish', async () => {
      const runs = await runsOf('hr', 'webhook');
      return runs.length > 0 && runs.every((r) => r.status !== 'running') ? runs : undefined;
    });
    assert.deepEqual(
      run.map((r) => [r.status, r.error]),
      [['applied', null]],
    );
    assert.deepEqual(await runsOf('hr-eu', 'webhook'), []);
  });

  void test('a hire in Personio, delivered by its webhook, gets an account', async () => {
    const token = await v2Token(emulator.url);
    const subscribed = await call(`${emulator.url}/v2/webhooks`, {
      token,
      json: {
        url: `${url}/webhooks/personio/personio`,
        description: 'roster',
        status: 'ENABLED',
        auth_type: 'TOKEN',
        token: `Bearer ${TOKEN}`,
        enabled_events: ['person.created', 'person.updated'],
      },
    });
    assert.equal(subscribed.status, 201, subscribed.text);
    const hired = await call(`${emulator.url}/_emulator/employees`, {
      method: 'POST',
      json: {
        first_name: 'Hedy',
        last_name: 'Lamarr',
        email: 'hedy.lamarr@example.com',
        status: 'active',
        hire_date: '2026-01-05',
        department: 'Engineering',
        office: 'Berlin',
      },
    });
    assert.equal(hired.status, 201, hired.text);
    const account = await waitFor('the hire’s account', async () =>
      database.db
        .selectFrom('scim_resources')
        .select(['id', 'active'])
        .where('connection_id', '=', 'staff')
        .where('external_id', '=', String(hired.body.id))
        .executeTakeFirst(),
    );
    assert.equal(Number(account.active), 1);
    const { body } = await call(`${emulator.url}/_emulator/webhook-deliveries`);
    const deliveries = (body as { deliveries: { event_name: string; status: number; outcome: string }[] })
      .deliveries;
    assert.ok(deliveries.length > 0);
    for (const delivery of deliveries) {
      assert.equal(delivery.status, 202);
      assert.equal(delivery.outcome, 'acknowledged');
    }
  });
});
