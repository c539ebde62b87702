// Authentication against the emulator: v1 `/v1/auth` and its stable 24 h tokens, the v2 OAuth 2.0
// token endpoint, and how each API refuses missing, unknown, expired and revoked tokens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PersonioEmulator } from './index.ts';
import { type Reply, type TestClock, call, startTestEmulator, v1Token, v2Token } from './testing/http.ts';

const DAY = 86_400_000;

void describe('v1 authentication', () => {
  let emulator: PersonioEmulator & { clock: TestClock };
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());

  void test('credentials in a JSON body yield a papi- token valid for 86400 s with the spec envelope', async () => {
    const reply = await call(`${emulator.url}/v1/auth`, {
      json: { client_id: 'demo-client', client_secret: 'demo-secret' },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.success, true);
    assert.match(reply.body.data.token, /^papi-[A-Za-z0-9_-]{20,}$/);
    assert.equal(reply.body.data.expires_in, 86400);
    assert.equal(typeof reply.body.data.scope, 'string');
  });

  void test('credentials in a form body are accepted too', async () => {
    const reply = await call(`${emulator.url}/v1/auth`, {
      form: { client_id: 'demo-client', client_secret: 'demo-secret' },
    });
    assert.equal(reply.status, 200);
    assert.match(reply.body.data.token, /^papi-/);
  });

  void test('the same credential gets the same token back for 24 hours, then a new one', async () => {
    const first = await v1Token(emulator.url);
    emulator.clock.advance(DAY - 60_000);
    assert.equal(await v1Token(emulator.url), first);
    emulator.clock.advance(60_000);
    const renewed = await v1Token(emulator.url);
    assert.notEqual(renewed, first);
    const old = await call(`${emulator.url}/v1/company/employees?limit=1`, { token: first });
    assert.equal(old.status, 403);
  });

  void test('wrong credentials are refused with 403 and error code 0', async () => {
    const reply = await call(`${emulator.url}/v1/auth`, {
      json: { client_id: 'demo-client', client_secret: 'nope' },
    });
    assert.equal(reply.status, 403);
    assert.deepEqual(reply.body, { success: false, error: { code: 0, message: 'Wrong credentials' } });
  });

  void test('credentials in the query string are refused with 403, as for credentials created since June 2026', async () => {
    const reply = await call(`${emulator.url}/v1/auth?client_id=demo-client&client_secret=demo-secret`, {
      method: 'POST',
    });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.success, false);
  });

  void test('a call without Authorization answers 401 "Authorization is not provided"', async () => {
    const reply = await call(`${emulator.url}/v1/company/employees`);
    assert.equal(reply.status, 401);
    assert.deepEqual(reply.body, {
      success: false,
      error: { code: 401, message: 'Authorization is not provided' },
    });
  });

  void test('an unknown token or one without the Bearer prefix answers 403 "Provided authorization is not valid"', async () => {
    const reply = await call(`${emulator.url}/v1/company/employees`, { token: 'papi-made-up' });
    assert.equal(reply.status, 403);
    assert.deepEqual(reply.body, {
      success: false,
      error: { code: 403, message: 'Provided authorization is not valid' },
    });
    const token = await v1Token(emulator.url);
    const bare = await call(`${emulator.url}/v1/company/employees`, { headers: { authorization: token } });
    assert.equal(bare.status, 401);
  });

  void test('successful personnel calls echo "Bearer <token>" in the Authorization response header', async () => {
    const token = await v1Token(emulator.url);
    const reply = await call(`${emulator.url}/v1/company/employees?limit=1`, { token });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('authorization'), `Bearer ${token}`);
    const missing = await call(`${emulator.url}/v1/company/employees/1`, { token });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('authorization'), null);
  });

  void test('expires_in stays 86400 even when the token handed back was issued hours earlier', async () => {
    const first = await call(`${emulator.url}/v1/auth`, {
      json: { client_id: 'demo-client', client_secret: 'demo-secret' },
    });
    emulator.clock.advance(20 * 3_600_000);
    const second = await call(`${emulator.url}/v1/auth`, {
      json: { client_id: 'demo-client', client_secret: 'demo-secret' },
    });
    assert.equal(second.body.data.token, first.body.data.token);
    assert.equal(second.body.data.expires_in, 86400);
    emulator.clock.advance(4 * 3_600_000);
    const expired = await call(`${emulator.url}/v1/company/employees?limit=1`, {
      token: first.body.data.token,
    });
    assert.equal(expired.status, 403);
  });
});

void describe('v1 authentication with query-string credentials enabled', () => {
  void test('the deprecated query-string form works when the option allows it', async () => {
    const emulator = await startTestEmulator({ queryStringCredentials: true, employees: 3 });
    try {
      const reply = await call(`${emulator.url}/v1/auth?client_id=demo-client&client_secret=demo-secret`, {
        method: 'POST',
      });
      assert.equal(reply.status, 200);
      assert.match(reply.body.data.token, /^papi-/);
    } finally {
      await emulator.close();
    }
  });
});

void describe('v2 authentication', () => {
  let emulator: PersonioEmulator & { clock: TestClock };
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());

  const token = (form: Record<string, string>): Promise<Reply> =>
    call(`${emulator.url}/v2/auth/token`, { form });

  void test('client credentials in a form body yield a Bearer papi- token for 86400 s with all scopes', async () => {
    const reply = await token({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'demo-secret',
    });
    assert.equal(reply.status, 200);
    assert.match(reply.body.access_token, /^papi-/);
    assert.equal(reply.body.token_type, 'Bearer');
    assert.equal(reply.body.expires_in, 86400);
    assert.ok(reply.body.scope.split(' ').includes('personio:persons:read'));
  });

  void test('a JSON body is refused with invalid_request about the content type', async () => {
    const reply = await call(`${emulator.url}/v2/auth/token`, {
      json: { grant_type: 'client_credentials', client_id: 'demo-client', client_secret: 'demo-secret' },
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error, 'invalid_request');
    assert.match(reply.body.error_description, /x-www-form-urlencoded/);
  });

  void test('missing grant type, unsupported grant, unknown client and wrong secret get their own OAuth errors', async () => {
    const missing = await token({ client_id: 'demo-client' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
    assert.deepEqual(missing.body.meta, { missing_parameters: ['grant_type'] });
    const unsupported = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code' });
    assert.equal(unsupported.body.error, 'unsupported_grant_type');
    const nonsense = await token({ grant_type: 'lilu_dallas_multipass' });
    assert.equal(nonsense.body.error, 'invalid_grant');
    const unknown = await token({ grant_type: 'client_credentials', client_id: 'client_who' });
    assert.equal(unknown.body.error, 'invalid_client');
    const wrong = await token({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'wrong',
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'unauthorized_client');
  });

  void test('unknown scopes are refused, and a token without a scope gets 403 from that resource', async () => {
    const bad = await token({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'demo-secret',
      scope: 'personio:person:read fake_scope:777',
    });
    assert.equal(bad.body.error, 'invalid_scope');
    const narrow = await v2Token(emulator.url, 'personio:legal-entities:read');
    const persons = await call(`${emulator.url}/v2/persons`, { token: narrow });
    assert.equal(persons.status, 403);
    assert.match(persons.headers.get('content-type') ?? '', /application\/problem\+json/);
    const entities = await call(`${emulator.url}/v2/legal-entities`, { token: narrow });
    assert.equal(entities.status, 200);
  });

  void test('v1 and v2 tokens are not interchangeable', async () => {
    const v1 = await v1Token(emulator.url);
    const v2 = await v2Token(emulator.url);
    assert.equal((await call(`${emulator.url}/v2/persons`, { token: v1 })).status, 401);
    assert.equal((await call(`${emulator.url}/v1/company/employees`, { token: v2 })).status, 403);
  });

  void test('a revoked token is refused with 401 and a problem body', async () => {
    const v2 = await v2Token(emulator.url);
    const revoke = await call(`${emulator.url}/v2/auth/revoke`, { form: { token: v2 } });
    assert.equal(revoke.status, 200);
    const reply = await call(`${emulator.url}/v2/persons`, { token: v2 });
    assert.equal(reply.status, 401);
    assert.equal(typeof reply.body.personio_trace_id, 'string');
    assert.match(reply.body.errors[0].type, /^https:\/\/developer\.personio\.de\/reference\/errors#/);
  });
});
