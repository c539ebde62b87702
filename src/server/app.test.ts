// The application around the SCIM endpoints: health, metrics, request ids, logs without secrets
// or personal data, hostile bodies, and bearer tokens that reach exactly one connection.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createConnectionRepository } from '../store/connection-repository.ts';
import { deriveKeys } from '../store/root-key.ts';
import { createSecretBox } from '../store/secret-box.ts';
import { openTestDatabase, type TestDatabase } from '../store/testing/test-database.ts';
import { createTokenRepository } from '../store/token-repository.ts';
import { buildApp, type AppDependencies } from './app.ts';
import { createAuthenticator } from './auth.ts';
import { MAX_JSON_DEPTH } from './json-body.ts';
import { createLogger } from './logger.ts';

const keys = deriveKeys(Buffer.alloc(32, 4));
const limits = {
  maxResults: 1000,
  bulkMaxOperations: 1000,
  bulkMaxPayloadBytes: 64 * 1024,
  maxBodyBytes: 64 * 1024,
};

void describe('HTTP application', () => {
  let test: TestDatabase;
  let app: FastifyInstance;
  let tokenA: string;
  let tokenB: string;
  const logLines: string[] = [];

  function dependencies(overrides: Partial<AppDependencies> = {}): AppDependencies {
    const tokens = createTokenRepository({ db: test.db, tokenHashKey: keys.tokenHash });
    return {
      db: test.db,
      dialect: test.dialect,
      publicUrl: 'http://roster.test',
      authenticate: createAuthenticator(tokens),
      limits,
      maxBodyBytes: limits.maxBodyBytes,
      rateLimitRps: 0,
      ...overrides,
    };
  }

  before(async () => {
    test = await openTestDatabase('sqlite');
    const connections = createConnectionRepository({ db: test.db, secretBox: createSecretBox(keys) });
    const tokens = createTokenRepository({ db: test.db, tokenHashKey: keys.tokenHash });
    await connections.create({ id: 'conn-a', app: 'directory' });
    await connections.create({ id: 'conn-b', app: 'directory' });
    tokenA = (await tokens.create({ kind: 'scim', connectionId: 'conn-a' })).token;
    tokenB = (await tokens.create({ kind: 'scim', connectionId: 'conn-b' })).token;
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    });
    app = await buildApp(dependencies({ logger: createLogger({ level: 'info', destination }) }));
  });
  after(async () => {
    await app?.close();
    await test?.close();
  });

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  void describe('health and metrics', () => {
    void it('answers /healthz with 200 when the database answers', async () => {
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { status: 'ok', database: 'ok' });
    });

    void it('answers /healthz with 503 when the database does not', async () => {
      const broken = await openTestDatabase('sqlite');
      const brokenApp = await buildApp(dependencies({ db: broken.db }));
      await broken.close();
      try {
        const response = await brokenApp.inject({ method: 'GET', url: '/healthz' });
        assert.equal(response.statusCode, 503);
        assert.deepEqual(response.json(), { status: 'unavailable', database: 'unreachable' });
      } finally {
        await brokenApp.close();
      }
    });

    void it('serves Prometheus metrics with route patterns, never URLs, filters or tokens', async () => {
      await app.inject({
        method: 'GET',
        url: '/scim/v2/conn-a/Users?filter=userName%20eq%20%22ada.lovelace%40example.com%22',
        headers: auth(tokenA),
      });
      await app.inject({ method: 'GET', url: '/no/such/path/ada.lovelace' });
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/plain/);
      const text = response.body;
      assert.match(text, /process_cpu_user_seconds_total/);
      assert.match(
        text,
        /http_requests_total\{method="GET",route="\/scim\/v2\/:connection\/Users",status_code="200"\} 1/,
      );
      assert.match(text, /http_request_duration_seconds_bucket\{le="0.001",method="GET",route="\/healthz"/);
      assert.match(text, /route="unmatched",status_code="404"/);
      assert.doesNotMatch(text, /ada\.lovelace|example\.com|conn-a|rst_/);
    });
  });

  void describe('request ids and logs', () => {
    void it('echoes a plain caller request id and replaces an unsafe one', async () => {
      const kept = await app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'trace-42' },
      });
      assert.equal(kept.headers['x-request-id'], 'trace-42');
      const replaced = await app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'x'.repeat(65) },
      });
      assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    });

    void it('logs one line per request without the token or the filter', async () => {
      logLines.length = 0;
      await app.inject({
        method: 'GET',
        url: '/scim/v2/conn-a/Users?filter=userName%20eq%20%22grace.hopper%40example.com%22',
        headers: { ...auth(tokenA), 'x-request-id': 'log-check' },
      });
      const lines = logLines.filter((l) => l.includes('log-check'));
      assert.equal(lines.length, 1);
      const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
      assert.equal(line['path'], '/scim/v2/conn-a/Users');
      assert.equal(line['route'], '/scim/v2/:connection/Users');
      assert.equal(line['statusCode'], 200);
      assert.equal(line['reqId'], 'log-check');
      const all = logLines.join('\n');
      assert.doesNotMatch(all, /grace|hopper|example\.com/);
      assert.ok(!all.includes(tokenA.slice(4)));
    });

    void it('redacts credentials in any object it logs', () => {
      const lines: string[] = [];
      const logger = createLogger({
        level: 'info',
        destination: new Writable({
          write(chunk: Buffer, _e, cb) {
            lines.push(chunk.toString());
            cb();
          },
        }),
      });
      logger.info(
        {
          req: { headers: { authorization: 'Bearer rst_leak' } },
          connection: { clientSecret: 'papi-leak' },
          token: 'rst_x',
        },
        'x',
      );
      assert.doesNotMatch(lines.join(''), /rst_leak|papi-leak|rst_x/);
    });
  });

  void describe('request bodies', () => {
    const post = (payload: string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/scim/v2/conn-a/Users',
        headers: { ...auth(tokenA), 'content-type': 'application/scim+json', ...headers },
        payload,
      });

    void it('refuses __proto__ keys with 400 and a SCIM error body', async () => {
      const response = await post(
        '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p@example.com","__proto__":{"isAdmin":true}}',
      );
      assert.equal(response.statusCode, 400);
      assert.match(String(response.headers['content-type']), /application\/scim\+json/);
      const body = response.json<Record<string, unknown>>();
      assert.equal(body['status'], '400');
      assert.equal(body['scimType'], 'invalidSyntax');
      assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    });

    void it('refuses constructor.prototype keys with 400', async () => {
      const response = await post('{"userName":"c@example.com","constructor":{"prototype":{"polluted":1}}}');
      assert.equal(response.statusCode, 400);
    });

    void it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with 400, and deep garbage too`, async () => {
      const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      const response = await post(deep);
      assert.equal(response.statusCode, 400);
      assert.equal(response.json<Record<string, unknown>>()['scimType'], 'invalidSyntax');
      const unbalanced = await post('{"a":'.repeat(10_000));
      assert.equal(unbalanced.statusCode, 400);
    });

    void it('refuses malformed and empty JSON with 400', async () => {
      assert.equal((await post('{"userName": ')).statusCode, 400);
      assert.equal((await post('')).statusCode, 400);
    });

    void it('refuses a body over the limit with 413', async () => {
      const big = JSON.stringify({ userName: 'big@example.com', title: 'x'.repeat(limits.maxBodyBytes) });
      const response = await post(big);
      assert.equal(response.statusCode, 413);
      assert.equal(response.json<Record<string, unknown>>()['status'], '413');
    });

    void it('accepts application/json as well as application/scim+json', async () => {
      const response = await post(
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'json@example.com',
        }),
        { 'content-type': 'application/json; charset=utf-8' },
      );
      assert.equal(response.statusCode, 201, response.body);
    });
  });

  void describe('authentication', () => {
    void it('accepts a token on its own connection', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/scim/v2/conn-a/Users',
        headers: auth(tokenA),
      });
      assert.equal(response.statusCode, 200);
    });

    void it('answers 401 to a token used on another connection, both ways', async () => {
      for (const [token, connection] of [
        [tokenA, 'conn-b'],
        [tokenB, 'conn-a'],
        [tokenA, 'no-such-connection'],
      ] as const) {
        const response = await app.inject({
          method: 'GET',
          url: `/scim/v2/${connection}/Users`,
          headers: auth(token),
        });
        assert.equal(response.statusCode, 401, connection);
        assert.equal(response.json<Record<string, unknown>>()['status'], '401');
      }
    });

    void it('answers 401 without a bearer token', async () => {
      for (const headers of [
        {},
        { authorization: `Basic ${tokenA}` },
        { authorization: 'Bearer' },
        { authorization: tokenA },
      ]) {
        const response = await app.inject({ method: 'GET', url: '/scim/v2/conn-a/Users', headers });
        assert.equal(response.statusCode, 401);
      }
    });
  });

  void describe('everything else', () => {
    void it('answers unknown paths with a JSON 404, and SCIM-looking ones with a SCIM 404', async () => {
      const plain = await app.inject({ method: 'GET', url: '/nothing?secret=1' });
      assert.equal(plain.statusCode, 404);
      assert.deepEqual(plain.json(), { error: { code: 'not_found', message: 'nothing at GET /nothing' } });
      const scim = await app.inject({ method: 'GET', url: '/scim/v2' });
      assert.equal(scim.statusCode, 404);
      assert.match(String(scim.headers['content-type']), /application\/scim\+json/);
      assert.equal(scim.json<Record<string, unknown>>()['status'], '404');
    });
  });
});
