// Several Roster instances on one PostgreSQL database: writes acknowledged while Personio was down
// are applied by whichever instance claims them, each exactly once, in order per user.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectCreated, expectStatus } from '../support/scim-harness.ts';
import { CONNECTION_ID, startGatewayHarness, type GatewayHarness } from './gateway-harness.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USERS = 12;

void describe('two gateway instances draining one outbox (PostgreSQL)', { timeout: 120_000 }, () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness({ dialect: 'postgres', provisioning: { writeBudgetMs: 0 } });
  });
  after(() => h.close());

  void test('every acknowledged write reaches Personio once, whichever instance applies it', async () => {
    await h.fault('503', 100_000);
    const emails = Array.from({ length: USERS }, (_, i) => `instance.${i}@nordlicht.example`);
    for (const email of emails) {
      const id = expectCreated(
        await h.request('POST', '/Users', {
          schemas: [USER],
          userName: email,
          name: { givenName: 'Multi', familyName: 'Instance' },
          emails: [{ type: 'work', value: email, primary: true }],
        }),
      );
      expectStatus(
        await h.request('PATCH', `/Users/${id}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', path: 'title', value: `Title of ${email}` }],
        }),
        200,
      );
    }
    await h.clearFaults();
    const first = h.gateway;
    const second = h.secondGateway();
    const until = Date.now() + 60_000;
    for (;;) {
      await Promise.all([first.runOnce(CONNECTION_ID), second.runOnce(CONNECTION_ID)]);
      const open = await first.store.list(CONNECTION_ID, ['pending', 'applying']);
      if (open.length === 0) break;
      assert.ok(Date.now() < until, `still open: ${open.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const employees = await h.employees();
    for (const email of emails) {
      const matches = employees.filter((e) => e.email === email);
      assert.equal(matches.length, 1, email);
      assert.equal(matches[0]?.position, `Title of ${email}`, 'the update applied after the create');
    }
    const creates = (await h.requests()).filter(
      (r) => r.method === 'POST' && r.path === '/v1/company/employees' && r.status === 200,
    );
    assert.equal(creates.length, USERS);
  });
});
