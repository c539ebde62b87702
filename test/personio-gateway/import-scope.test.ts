// The SCIM view of a Personio connection is filled only when an identity provider uses it: a
// connection that is just an HR sync's source must not be read in full again every interval.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { startGatewayHarness } from './gateway-harness.ts';

const employeeListings = (requests: { method: string; path: string }[]) =>
  requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/company/employees')).length;

void describe('which Personio connections the gateway imports', () => {
  void test('one with a SCIM token is imported; one without is left alone', async () => {
    const withToken = await startGatewayHarness();
    const withoutToken = await startGatewayHarness();
    try {
      await withoutToken.revokeToken();
      // The harness imports once itself when it starts; count from here.
      const before = employeeListings(await withToken.requests());
      const beforeWithout = employeeListings(await withoutToken.requests());
      withToken.gateway.start();
      withoutToken.gateway.start();
      const until = Date.now() + 10_000;
      while (employeeListings(await withToken.requests()) === before) {
        assert.ok(Date.now() < until, 'the connection with a token was never imported');
        await sleep(50);
      }
      // Both gateways poll every 50 ms; give the one without a token many chances to misbehave.
      await sleep(500);
      assert.equal(employeeListings(await withoutToken.requests()), beforeWithout);
    } finally {
      await withToken.close();
      await withoutToken.close();
    }
  });
});
