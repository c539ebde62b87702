import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../contract.ts';
import type { ConnectorErrorKind } from '../contract.ts';
import { startTestServer, sendJson } from '../testing/http-test-server.ts';
import type { TestHandler, TestServer } from '../testing/http-test-server.ts';
import { createTestContext } from '../testing/test-context.ts';
import type { AuthProvider, HttpClient, HttpClientOptions } from './http-client.ts';

const LIMITS = { default: { concurrency: 4, windows: [{ cap: 1000, intervalMs: 1000 }] } };

function clientFor(
  server: TestServer,
  options: Partial<HttpClientOptions> = {},
  testContext = createTestContext(),
): { client: HttpClient; ctx: ReturnType<typeof createTestContext> } {
  const client = testContext.http.create({
    name: 'test',
    vendor: 'TestApp',
    baseUrl: server.url,
    limiterKey: `k-${Math.random()}`,
    rateLimits: LIMITS,
    defaultBucket: 'default',
    ...options,
  });
  return { client, ctx: testContext };
}

async function withServer(handler: TestHandler, run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(handler);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectorError, `expected a ConnectorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

void describe('HTTP client retries', () => {
  void test('retries a GET after 503 and waits exactly the Retry-After seconds', async () => {
    await withServer(
      (_req, res, i) =>
        i === 0 ? sendJson(res, 503, {}, { 'retry-after': '3' }) : sendJson(res, 200, { ok: true }),
      async (server) => {
        const { client, ctx } = clientFor(server);
        const response = await client.request({ operation: 'get', method: 'GET', path: '/thing' });
        assert.deepEqual(response.body, { ok: true });
        assert.equal(server.requests.length, 2);
        assert.deepEqual(ctx.sleep.calls, [3000]);
      },
    );
  });

  void test('reads a Retry-After HTTP date against the injected clock', async () => {
    await withServer(
      (_req, res, i) =>
        i === 0
          ? sendJson(res, 429, {}, { 'retry-after': 'Mon, 02 Mar 2026 09:00:05 GMT' })
          : sendJson(res, 200, {}),
      async (server) => {
        const { client, ctx } = clientFor(server);
        await client.request({ operation: 'get', method: 'GET', path: '/thing' });
        assert.deepEqual(ctx.sleep.calls, [5000]);
      },
    );
  });

  void test('waits at least one second after a 429 that has no Retry-After', async () => {
    await withServer(
      (_req, res, i) => (i === 0 ? sendJson(res, 429, {}) : sendJson(res, 200, {})),
      async (server) => {
        const { client, ctx } = clientFor(server);
        await client.request({ operation: 'get', method: 'GET', path: '/thing' });
        assert.deepEqual(ctx.sleep.calls, [1000]);
      },
    );
  });

  void test('backs off with full jitter on 5xx: each wait is a draw below a doubling ceiling', async () => {
    const draws = [0.9, 0.1, 0.5];
    await withServer(
      (_req, res, i) => (i < 3 ? sendJson(res, 502, {}) : sendJson(res, 200, {})),
      async (server) => {
        const ctx = createTestContext({ random: () => draws.shift() ?? 0 });
        const { client } = clientFor(server, {}, ctx);
        await client.request({ operation: 'get', method: 'GET', path: '/thing' });
        assert.deepEqual(ctx.sleep.calls, [450, 100, 1000]);
      },
    );
  });

  void test('gives up after the last attempt with rate_limited and the wait the app asked for', async () => {
    await withServer(
      (_req, res) => sendJson(res, 429, {}, { 'retry-after': '2' }),
      async (server) => {
        const { client, ctx } = clientFor(server);
        const error = await rejection(client.request({ operation: 'get', method: 'GET', path: '/thing' }));
        assert.equal(error.kind, 'rate_limited');
        assert.equal(error.retryAfterMs, 2000);
        assert.equal(server.requests.length, 4);
        assert.deepEqual(ctx.sleep.calls, [2000, 2000, 2000]);
      },
    );
  });

  void test('does not sleep on a Retry-After beyond its ceiling; the engine gets the wait', async () => {
    await withServer(
      (_req, res) => sendJson(res, 429, {}, { 'retry-after': '3600' }),
      async (server) => {
        const { client, ctx } = clientFor(server);
        const error = await rejection(client.request({ operation: 'get', method: 'GET', path: '/thing' }));
        assert.equal(error.kind, 'rate_limited');
        assert.equal(error.retryAfterMs, 3_600_000);
        assert.equal(server.requests.length, 1);
        assert.deepEqual(ctx.sleep.calls, []);
      },
    );
  });

  void test('never retries a POST: a 503 fails at once with an unknown outcome', async () => {
    await withServer(
      (_req, res) => sendJson(res, 503, {}),
      async (server) => {
        const { client, ctx } = clientFor(server);
        const error = await rejection(
          client.request({ operation: 'create', method: 'POST', path: '/things', json: {} }),
        );
        assert.equal(error.kind, 'unavailable');
        assert.equal(error.outcome, 'unknown');
        assert.equal(server.requests.length, 1);
        assert.deepEqual(ctx.sleep.calls, []);
      },
    );
  });

  void test('never retries a POST on 429 either, and says it was not applied', async () => {
    await withServer(
      (_req, res) => sendJson(res, 429, {}, { 'retry-after': '1' }),
      async (server) => {
        const { client } = clientFor(server);
        const error = await rejection(
          client.request({ operation: 'create', method: 'POST', path: '/things', json: {} }),
        );
        assert.equal(error.kind, 'rate_limited');
        assert.equal(error.retryAfterMs, 1000);
        assert.equal(error.outcome, 'not_applied');
        assert.equal(server.requests.length, 1);
      },
    );
  });

  void test('a 429 without Retry-After still tells the engine to wait at least a second', async () => {
    await withServer(
      (_req, res) => sendJson(res, 429, {}),
      async (server) => {
        const { client } = clientFor(server);
        const error = await rejection(
          client.request({ operation: 'create', method: 'POST', path: '/things', json: {} }),
        );
        assert.equal(error.kind, 'rate_limited');
        assert.equal(error.retryAfterMs, 1000);
      },
    );
  });

  void test('does not retry PATCH unless the caller declares it idempotent', async () => {
    await withServer(
      (_req, res, i) => (i < 2 ? sendJson(res, 500, {}) : sendJson(res, 200, {})),
      async (server) => {
        const { client } = clientFor(server);
        await rejection(client.request({ operation: 'patch', method: 'PATCH', path: '/t/1', json: {} }));
        assert.equal(server.requests.length, 1);
        await client.request({
          operation: 'patch',
          method: 'PATCH',
          path: '/t/1',
          json: {},
          isIdempotent: true,
        });
        assert.equal(server.requests.length, 3);
      },
    );
  });

  void test('retries a GET whose body is cut off, then reports it unavailable', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"success":true,"data":[{"type":"Emp');
      },
      async (server) => {
        const { client } = clientFor(server);
        const error = await rejection(client.request({ operation: 'list', method: 'GET', path: '/things' }));
        assert.equal(error.kind, 'unavailable');
        assert.match(error.message, /cut off or is not valid JSON/);
        assert.equal(server.requests.length, 4);
      },
    );
  });
});

void describe('HTTP client timeouts and transport failures', () => {
  let hung: TestServer;
  before(async () => {
    hung = await startTestServer(() => {
      // Never answers: the client's timeout must end the attempt.
    });
  });
  after(async () => hung.close());

  void test('a GET that times out is retried and then fails as unavailable', async () => {
    const { client } = clientFor(hung, { retry: { maxAttempts: 2 } });
    const before = hung.requests.length;
    const error = await rejection(
      client.request({ operation: 'get', method: 'GET', path: '/slow', timeoutMs: 200 }),
    );
    assert.equal(error.kind, 'unavailable');
    assert.match(error.message, /timed out/);
    assert.equal(error.outcome, 'not_applied');
    assert.equal(hung.requests.length - before, 2);
  });

  void test('a POST that times out is not retried and its outcome is unknown', async () => {
    const { client } = clientFor(hung);
    const before = hung.requests.length;
    const error = await rejection(
      client.request({ operation: 'create', method: 'POST', path: '/slow', json: { a: 1 }, timeoutMs: 200 }),
    );
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.outcome, 'unknown');
    assert.equal(hung.requests.length - before, 1);
  });

  void test('a refused connection is unavailable and a POST to it was not applied', async () => {
    const server = await startTestServer(() => undefined);
    const { client } = clientFor(server, { retry: { maxAttempts: 1 } });
    await server.close();
    const error = await rejection(
      client.request({ operation: 'create', method: 'POST', path: '/x', json: {} }),
    );
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.outcome, 'not_applied');
  });
});

void describe('HTTP client status mapping', () => {
  const table: ReadonlyArray<readonly [number, ConnectorErrorKind]> = [
    [302, 'invalid_request'],
    [400, 'invalid_request'],
    [401, 'unauthenticated'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [405, 'unsupported'],
    [409, 'conflict'],
    [410, 'not_found'],
    [422, 'invalid_request'],
    [429, 'rate_limited'],
    [500, 'unavailable'],
    [501, 'unsupported'],
    [503, 'unavailable'],
  ];
  for (const [status, kind] of table) {
    void test(`maps HTTP ${status} to ${kind}`, async () => {
      await withServer(
        (_req, res) =>
          sendJson(res, status, { error: { message: 'nope' } }, status === 302 ? { location: '/x' } : {}),
        async (server) => {
          const { client } = clientFor(server, { retry: { maxAttempts: 1 } });
          const error = await rejection(client.request({ operation: 'get', method: 'GET', path: '/thing' }));
          assert.equal(error.kind, kind);
          assert.equal(error.status, status);
          assert.equal(error.code, `connector_${kind}`);
        },
      );
    });
  }

  void test('uses the vendor refinement and message when given', async () => {
    await withServer(
      (_req, res) =>
        sendJson(res, 400, { error: 'invalid_client', error_description: 'Client authentication failed' }),
      async (server) => {
        const { client } = clientFor(server, {
          classifyError: (_s, body) =>
            (body as { error?: string }).error === 'invalid_client' ? 'unauthenticated' : undefined,
          describeError: (_s, body) => (body as { error_description?: string }).error_description,
        });
        const error = await rejection(client.request({ operation: 'token', method: 'POST', path: '/token' }));
        assert.equal(error.kind, 'unauthenticated');
        assert.match(error.message, /TestApp token failed with HTTP 400: Client authentication failed/);
      },
    );
  });
});

void describe('HTTP client authentication', () => {
  function tokenProvider(): AuthProvider & { issued: number; invalidated: string[] } {
    const state = { issued: 0, invalidated: [] as string[], current: undefined as string | undefined };
    return {
      get issued() {
        return state.issued;
      },
      invalidated: state.invalidated,
      authorization: async () => {
        if (state.current === undefined) {
          state.issued += 1;
          state.current = `Bearer papi-token-${state.issued}`;
        }
        return state.current;
      },
      invalidate: (rejected) => {
        state.invalidated.push(rejected);
        if (state.current === rejected) state.current = undefined;
      },
    };
  }

  void test('on 401 it refreshes the token once and repeats, even for a POST', async () => {
    await withServer(
      (req, res) =>
        req.headers.authorization === 'Bearer papi-token-2'
          ? sendJson(res, 200, { ok: 1 })
          : sendJson(res, 401, {}),
      async (server) => {
        const { client } = clientFor(server);
        const auth = tokenProvider();
        await client.request({ operation: 'create', method: 'POST', path: '/things', json: {}, auth });
        assert.equal(auth.issued, 2);
        assert.deepEqual(auth.invalidated, ['Bearer papi-token-1']);
        assert.equal(server.requests.length, 2);
      },
    );
  });

  void test('a second 401 right after a refresh is unauthenticated', async () => {
    await withServer(
      (_req, res) =>
        sendJson(res, 401, {
          success: false,
          error: { code: 401, message: 'Authorization is not provided' },
        }),
      async (server) => {
        const { client } = clientFor(server);
        const auth = tokenProvider();
        const error = await rejection(client.request({ operation: 'get', method: 'GET', path: '/t', auth }));
        assert.equal(error.kind, 'unauthenticated');
        assert.equal(server.requests.length, 2);
      },
    );
  });
});

void describe('HTTP client hygiene', () => {
  void test('logs neither the Authorization header, tokens, query strings nor bodies', async () => {
    await withServer(
      (_req, res, i) =>
        i === 0
          ? sendJson(res, 503, { secret: 'leaky-body' })
          : sendJson(res, 200, { email: 'ada@example.com' }, { authorization: 'Bearer papi-echoed' }),
      async (server) => {
        const { client, ctx } = clientFor(server);
        await client.request({
          operation: 'find',
          method: 'GET',
          path: '/employees',
          query: { email: 'ada@example.com' },
          auth: { authorization: async () => 'Bearer papi-secret-token', invalidate: () => undefined },
        });
        const logs = ctx.logger.text();
        assert.ok(ctx.logger.entries.length >= 2, 'ctx.logger.entries.length >= 2');
        for (const secret of [
          'papi-secret-token',
          'papi-echoed',
          'ada@example.com',
          'leaky-body',
          'email=',
        ]) {
          assert.ok(!logs.includes(secret), `log contains ${secret}`);
        }
      },
    );
  });

  void test('repeats array query values under the same key', async () => {
    await withServer(
      (_req, res) => sendJson(res, 200, {}),
      async (server) => {
        const { client } = clientFor(server);
        await client.request({
          operation: 'list',
          method: 'GET',
          path: '/v1/company/employees',
          query: { limit: 100, 'attributes[]': ['first_name', 'email'], email: undefined },
        });
        assert.equal(
          server.requests[0]?.url,
          '/v1/company/employees?limit=100&attributes%5B%5D=first_name&attributes%5B%5D=email',
        );
      },
    );
  });

  void test('refuses to follow an absolute link to another origin', async () => {
    await withServer(
      (_req, res) => sendJson(res, 200, {}),
      async (server) => {
        const { client } = clientFor(server);
        const error = await rejection(
          client.request({
            operation: 'next',
            method: 'GET',
            path: 'https://evil.example/v2/persons?cursor=x',
          }),
        );
        assert.equal(error.kind, 'invalid_request');
        assert.equal(server.requests.length, 0);
      },
    );
  });

  void test('refuses a base URL the policy forbids when the client is created', () => {
    const ctx = createTestContext();
    assert.throws(
      () =>
        ctx.http.create({
          name: 't',
          vendor: 'TestApp',
          baseUrl: 'http://api.example.com',
          limiterKey: 'x',
          rateLimits: LIMITS,
          defaultBucket: 'default',
        }),
      (error: unknown) => error instanceof ConnectorError && error.kind === 'invalid_request',
    );
  });

  void test('refuses at connect time a name that resolves to the metadata address, without retrying', async () => {
    let lookups = 0;
    const ctx = createTestContext({
      resolve: async () => {
        lookups += 1;
        return [{ address: '169.254.169.254', family: 4 }];
      },
    });
    const client = ctx.http.create({
      name: 't',
      vendor: 'TestApp',
      baseUrl: 'https://rebinding.example',
      limiterKey: 'rebind',
      rateLimits: LIMITS,
      defaultBucket: 'default',
    });
    const error = await rejection(
      client.request({ operation: 'get', method: 'GET', path: '/latest/meta-data' }),
    );
    assert.equal(error.kind, 'invalid_request');
    assert.match(error.message, /169\.254\.169\.254/);
    assert.equal(lookups, 1);
    await client.close();
  });
});
