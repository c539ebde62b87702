// The Personio read-back of tasks (src/provisioning/personio-read-back.ts) against the emulator, and the
// refresh a Personio webhook asks for: what Personio shows now reaches tasks and the SCIM view.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONNECTION_ID, startGatewayHarness } from './gateway-harness.ts';

void describe('the Personio read-back of a change_email task', () => {
  void test('agrees only once Personio shows the expected email', async () => {
    const h = await startGatewayHarness();
    try {
      const { personioReadBack } = await import('../../src/provisioning/personio-read-back.ts');
      const employee = (await h.employees()).find((e) => e.email && e.status === 'active');
      assert.ok(employee?.email);
      const readBack = await personioReadBack({
        connection: await h.connection(),
        readSecrets: async () => ({ clientSecret: 'demo-secret' }),
      });
      const task = {
        ...(await h.tasks.open({
          connectionId: CONNECTION_ID,
          kind: 'change_email',
          title: 'change the email',
          checklist: [],
          personId: String(employee.id),
          dedupeKey: 'read-back-test',
          expectation: { attribute: 'email', value: 'renamed@nordlicht.example' },
          actor: 'test',
        })),
      };
      assert.equal((await readBack(task)).agrees, false);
      await h.changeEmployee(employee.id, { email: 'renamed@nordlicht.example' });
      const after = await readBack(task);
      assert.equal(after.agrees, true);
      assert.match(after.observed, /renamed@nordlicht\.example/);
    } finally {
      await h.close();
    }
  });
});

void describe('a Personio webhook refreshes the SCIM view', () => {
  void test('an HR change shows in an unclaimed user within the next pass, not the next interval', async () => {
    const h = await startGatewayHarness();
    try {
      const employee = (await h.employees()).find((e) => e.email && e.status === 'active');
      assert.ok(employee?.email);
      h.gateway.start();
      await h.changeEmployee(employee.id, { position: 'Changed a minute ago' });
      h.gateway.importSoon(CONNECTION_ID);
      const until = Date.now() + 10_000;
      for (;;) {
        const user = (await h.request('GET', `/Users?filter=userName eq "${employee.email}"`)).body
          .Resources[0];
        if (user?.title === 'Changed a minute ago') break;
        assert.ok(Date.now() < until, 'the view was not refreshed');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await h.close();
    }
  });
});
