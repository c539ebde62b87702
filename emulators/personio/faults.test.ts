// Every fault kind of `POST /_emulator/faults`, how faults queue and pick the calls they apply to,
// and the request log they show up in.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { PersonioEmulator } from './index.ts';
import {
  type Json,
  type TestClock,
  call,
  control,
  startTestEmulator,
  v1Token,
  v2Token,
} from './testing/http.ts';

type Emulator = PersonioEmulator & { clock: TestClock };

void describe('injected faults', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({ employees: 45 });
    token = await v1Token(emulator.url);
  });
  after(() => emulator.close());
  beforeEach(async () => {
    await control(emulator.url, 'DELETE', '/faults');
  });

  const list = (query = '?limit=20'): Promise<Json> =>
    call(`${emulator.url}/v1/company/employees${query}`, { token });
  const fault = (kind: string, extra: Record<string, unknown> = {}): Promise<Json> =>
    control(emulator.url, 'POST', '/faults', { kind, ...extra });

  void test('429 answers Too Many Requests with Retry-After, then the next call succeeds', async () => {
    await fault('429', { retry_after_seconds: 3 });
    const limited = await list();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.equal(limited.body.success, false);
    assert.equal((await list()).status, 200);
  });

  void test('429-no-retry-after answers 429 without a Retry-After header', async () => {
    await fault('429-no-retry-after');
    const limited = await list();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), null);
  });

  void test('500, 502, 503 and 504 answer in the v1 error format on v1 and as problem+json on v2', async () => {
    for (const status of ['500', '502', '503', '504']) {
      await fault(status);
      const reply = await list();
      assert.equal(reply.status, Number(status));
      assert.equal(reply.body.success, false);
      assert.equal(reply.body.error.code, Number(status));
    }
    const v2 = await v2Token(emulator.url);
    await fault('500');
    const reply = await call(`${emulator.url}/v2/persons`, { token: v2 });
    assert.equal(reply.status, 500);
    assert.match(reply.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(reply.body.errors[0].type, /common\.internal_server_error$/);
  });

  void test('count N covers exactly the next N calls', async () => {
    await fault('503', { count: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await list()).status);
    assert.deepEqual(statuses, [503, 503, 503, 200]);
  });

  void test('faults queue in order and each call takes the first one that applies to it', async () => {
    await fault('malformed-page');
    await fault('500');
    // Auth is not a list call: the page fault waits, the 500 hits.
    const auth = await call(`${emulator.url}/v1/auth`, {
      json: { client_id: 'demo-client', client_secret: 'demo-secret' },
    });
    assert.equal(auth.status, 500);
    const page = await list();
    assert.equal(page.status, 200);
    assert.equal(page.body, undefined, 'the body is not JSON');
    assert.equal((await list()).status, 200);
  });

  void test('malformed-page answers 200 with JSON cut off', async () => {
    await fault('malformed-page');
    const reply = await list();
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /application\/json/);
    assert.ok(reply.text.startsWith('{"success":true'));
    assert.throws(() => JSON.parse(reply.text) as unknown);
  });

  void test('truncated-page answers valid JSON with fewer rows than limit while total_elements says more', async () => {
    await fault('truncated-page');
    const reply = await list('?limit=20&offset=0');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.limit, 20);
    assert.ok(reply.body.data.length < 20);
    assert.equal(reply.body.metadata.total_elements, 45);
  });

  void test('empty-list answers data [] with a total of 0', async () => {
    await fault('empty-list');
    const reply = await list();
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.data, []);
    assert.deepEqual(reply.body.metadata, { total_elements: 0, current_page: 0, total_pages: 0 });
  });

  void test('page faults also hit v2 lists: empty-list drops the rows and the next link', async () => {
    const v2 = await v2Token(emulator.url);
    await fault('empty-list');
    const reply = await call(`${emulator.url}/v2/persons?limit=5`, { token: v2 });
    assert.deepEqual(reply.body._data, []);
    assert.equal(reply.body._meta.links.next, undefined);
  });

  void test('expired-token expires the token presented: 403 now and later, and re-authenticating gives a new one', async () => {
    const before = await v1Token(emulator.url);
    await fault('expired-token');
    const refused = await call(`${emulator.url}/v1/company/employees?limit=1`, { token: before });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.message, 'Provided authorization is not valid');
    assert.equal((await call(`${emulator.url}/v1/company/employees?limit=1`, { token: before })).status, 403);
    const renewed = await v1Token(emulator.url);
    assert.notEqual(renewed, before);
    assert.equal(
      (await call(`${emulator.url}/v1/company/employees?limit=1`, { token: renewed })).status,
      200,
    );
    token = renewed;
  });

  void test('expired-token on v2 answers 401 and a new token works', async () => {
    const v2 = await v2Token(emulator.url);
    await fault('expired-token');
    assert.equal((await call(`${emulator.url}/v2/persons`, { token: v2 })).status, 401);
    assert.equal(
      (await call(`${emulator.url}/v2/persons`, { token: await v2Token(emulator.url) })).status,
      200,
    );
  });

  void test('unknown fault kinds and bad counts are refused; DELETE clears the queue', async () => {
    assert.equal((await call(`${emulator.url}/_emulator/faults`, { json: { kind: '418' } })).status, 400);
    assert.equal(
      (await call(`${emulator.url}/_emulator/faults`, { json: { kind: '500', count: 0 } })).status,
      400,
    );
    await fault('500', { count: 5 });
    assert.equal((await control(emulator.url, 'GET', '/faults')).faults.length, 1);
    await control(emulator.url, 'DELETE', '/faults');
    assert.equal((await list()).status, 200);
  });

  void test('control calls never consume faults', async () => {
    await fault('500');
    await control(emulator.url, 'GET', '/company');
    assert.equal((await list()).status, 500);
  });
});

void describe('the timeout fault', () => {
  void test('a call hangs past the client timeout and is released when the emulator closes', async () => {
    const emulator = await startTestEmulator({ employees: 5 });
    const token = await v1Token(emulator.url);
    await control(emulator.url, 'POST', '/faults', { kind: 'timeout', count: 2 });
    await assert.rejects(
      fetch(`${emulator.url}/v1/company/employees`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(300),
      }),
      (error: Error) => error.name === 'TimeoutError',
    );
    const hanging = fetch(`${emulator.url}/v1/company/employees`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await emulator.close();
    assert.ok(Date.now() - started < 2000, 'close does not wait for hung calls');
    await assert.rejects(hanging);
  });
});

void describe('the request log', () => {
  void test('records method, path, query, status, time and fault of vendor calls, never secrets', async () => {
    const emulator = await startTestEmulator({ employees: 5, queryStringCredentials: true });
    try {
      await call(`${emulator.url}/v1/auth?client_id=demo-client&client_secret=demo-secret`, {
        method: 'POST',
      });
      const token = await v1Token(emulator.url);
      await control(emulator.url, 'POST', '/faults', { kind: '429' });
      await call(`${emulator.url}/v1/company/employees?limit=2&attributes[]=first_name`, {
        token,
        headers: { 'x-personio-partner-id': 'ROSTER' },
      });
      const log = (await control(emulator.url, 'GET', '/requests')).requests as Json[];
      assert.equal(log.length, 3);
      assert.deepEqual(log[0].query, { client_id: 'demo-client', client_secret: '[redacted]' });
      assert.equal(log[2].path, '/v1/company/employees');
      assert.deepEqual(log[2].query, { limit: '2', 'attributes[]': 'first_name' });
      assert.equal(log[2].status, 429);
      assert.equal(log[2].fault, '429');
      assert.equal(log[2].partner_id, 'ROSTER');
      assert.equal(log[2].time, '2026-11-28T12:00:00.000Z');
      const serialised = JSON.stringify(log);
      assert.ok(!serialised.includes('demo-secret'));
      assert.ok(!serialised.includes(token));
      await control(emulator.url, 'DELETE', '/requests');
      assert.deepEqual((await control(emulator.url, 'GET', '/requests')).requests, []);
    } finally {
      await emulator.close();
    }
  });
});
