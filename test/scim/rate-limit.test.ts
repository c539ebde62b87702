// ROSTER_RATE_LIMIT_RPS: each token gets its own budget; over it the server answers 429 with
// Retry-After and a SCIM error body, and other tokens are not slowed down.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startScimServer, type ScimServer } from '../support/scim-harness.ts';

let server: ScimServer;

before(async () => {
  server = await startScimServer({ env: { ROSTER_RATE_LIMIT_RPS: '5' } });
});

after(async () => {
  await server.close();
});

void test('a burst over the per-token rate limit answers 429 with Retry-After, and another token is unaffected', async () => {
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<ScimServer['request']>> | undefined;
  for (let i = 0; i < 30; i++) {
    const response = await server.request('GET', '/Users?count=1');
    statuses.push(response.status);
    if (response.status === 429) limited ??= response;
  }
  assert.ok(statuses.includes(200), 'the first requests within the budget succeed');
  assert.ok(limited, `a burst of 30 requests at 5 rps must be limited, got ${statuses.join(',')}`);
  assert.match(limited.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.match(limited.headers.get('content-type') ?? '', /application\/scim\+json/);
  assert.equal(limited.body.status, '429');
  assert.ok(limited.body.detail);

  const other = await server.otherConnection.request('GET', '/Users?count=1');
  assert.equal(other.status, 200, 'a token of another connection has its own budget');
});
