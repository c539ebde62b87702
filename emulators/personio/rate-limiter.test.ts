// Personio's documented rate limits, on the emulator's injected clock: v1 auth 60/min with a 60 s
// cool-down, v1 GET employees 300/min and 15/s, v2 token 150/min then 1/s for 60 s, and the v2
// resource token bucket with x-ratelimit-* headers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Reply, call, startTestEmulator, v1Token, v2Token } from './testing/http.ts';

const auth = (url: string): Promise<Reply> =>
  call(`${url}/v1/auth`, { json: { client_id: 'demo-client', client_secret: 'demo-secret' } });

void describe('rate limits', () => {
  void test('v1 auth allows 60 calls a minute, then refuses every call for a 60 s cool-down', async () => {
    const emulator = await startTestEmulator({ rateLimits: true, employees: 3 });
    try {
      for (let i = 0; i < 60; i++) {
        assert.equal((await auth(emulator.url)).status, 200, `call ${i + 1}`);
        emulator.clock.advance(100);
      }
      const limited = await auth(emulator.url);
      assert.equal(limited.status, 429);
      assert.equal(limited.body.success, false);
      assert.equal(
        limited.headers.get('retry-after'),
        null,
        'v1 documents "retry after at least 1 s" only in prose',
      );
      // The window of the first calls has passed, but the cool-down still holds.
      emulator.clock.advance(55_000);
      assert.equal((await auth(emulator.url)).status, 429);
      emulator.clock.advance(5_001);
      assert.equal((await auth(emulator.url)).status, 200);
    } finally {
      await emulator.close();
    }
  });

  void test('v1 GET employees allows a burst of 15 per second and 300 per minute', async () => {
    const emulator = await startTestEmulator({ rateLimits: true, employees: 3 });
    try {
      const token = await v1Token(emulator.url);
      const list = (): Promise<Reply> => call(`${emulator.url}/v1/company/employees?limit=1`, { token });
      for (let i = 0; i < 15; i++) assert.equal((await list()).status, 200);
      const burst = await list();
      assert.equal(burst.status, 429);
      emulator.clock.advance(1000);
      assert.equal((await list()).status, 200);
      // 284 more at 5 per second: 300 within the minute, then the minute limit bites.
      for (let i = 0; i < 284; i++) {
        emulator.clock.advance(200);
        assert.equal((await list()).status, 200, `call ${i + 17}`);
      }
      emulator.clock.advance(200);
      assert.equal((await list()).status, 429);
      // Writes are not counted against the GET limit.
      const write = await call(`${emulator.url}/v1/company/employees`, {
        token,
        json: { employee: { email: 'rl@nordlicht.example', first_name: 'Rate', last_name: 'Limit' } },
      });
      assert.equal(write.status, 200);
    } finally {
      await emulator.close();
    }
  });

  void test('v2 token allows 150 calls a minute, then only one per second for 60 s', async () => {
    const emulator = await startTestEmulator({ rateLimits: true, employees: 3 });
    try {
      const form = {
        grant_type: 'client_credentials',
        client_id: 'demo-client',
        client_secret: 'demo-secret',
      };
      for (let i = 0; i < 150; i++) {
        assert.equal((await call(`${emulator.url}/v2/auth/token`, { form })).status, 200);
        emulator.clock.advance(10);
      }
      const limited = await call(`${emulator.url}/v2/auth/token`, { form });
      assert.equal(limited.status, 429);
      emulator.clock.advance(1000);
      assert.equal((await call(`${emulator.url}/v2/auth/token`, { form })).status, 200);
      assert.equal((await call(`${emulator.url}/v2/auth/token`, { form })).status, 429);
      emulator.clock.advance(1000);
      assert.equal((await call(`${emulator.url}/v2/auth/token`, { form })).status, 200);
    } finally {
      await emulator.close();
    }
  });

  void test('v2 resources report x-ratelimit-* headers and answer 429 without Retry-After when the bucket is empty', async () => {
    const emulator = await startTestEmulator({ rateLimits: true, employees: 3 });
    try {
      const token = await v2Token(emulator.url);
      const first = await call(`${emulator.url}/v2/persons`, { token });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-ratelimit-burst-capacity'), '20');
      assert.equal(first.headers.get('x-ratelimit-replenish-rate'), '10');
      assert.equal(first.headers.get('x-ratelimit-requested-tokens'), '1');
      assert.equal(first.headers.get('x-ratelimit-remaining'), '19');
      let status = 200;
      for (let i = 0; i < 20 && status === 200; i++)
        status = (await call(`${emulator.url}/v2/persons`, { token })).status;
      const limited = await call(`${emulator.url}/v2/persons`, { token });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), null);
      assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
      emulator.clock.advance(200);
      assert.equal((await call(`${emulator.url}/v2/persons`, { token })).status, 200);
      // Buckets are per endpoint.
      assert.equal((await call(`${emulator.url}/v2/legal-entities`, { token })).status, 200);
    } finally {
      await emulator.close();
    }
  });

  void test('with rate limits off nothing is refused', async () => {
    const emulator = await startTestEmulator({ rateLimits: false, employees: 3 });
    try {
      for (let i = 0; i < 80; i++) assert.equal((await auth(emulator.url)).status, 200);
    } finally {
      await emulator.close();
    }
  });
});
