// Applying the same outbox row again, as after a crash between Personio's answer and the row's
// completion: no second employee, no second or spurious task.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectCreated, expectStatus } from '../support/scim-harness.ts';
import { CONNECTION_ID, startGatewayHarness, type GatewayHarness } from './gateway-harness.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

void describe('re-applying outbox rows', () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness();
  });
  after(() => h.close());

  /** Puts the resource's latest row back as if its worker had died before recording the outcome. */
  async function applyLastAgain(resourceId: string): Promise<void> {
    const rows = (await h.gateway.store.list(CONNECTION_ID))
      .filter((r) => r.resourceId === resourceId)
      .slice(-1);
    await h.gateway.store.db
      .updateTable('personio_outbox')
      .set({ status: 'pending', lease_owner: null, lease_until: null, outcome: null })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    await h.drain();
  }

  void test('a create, then a deactivation with an email change, each applied twice, change nothing the second time', async () => {
    const email = 'twice@nordlicht.example';
    const id = expectCreated(
      await h.request('POST', '/Users', {
        schemas: [USER],
        userName: email,
        name: { givenName: 'Twice', familyName: 'Applied' },
        emails: [{ type: 'work', value: email, primary: true }],
        title: 'Repeater',
      }),
    );
    await applyLastAgain(id);
    const grants = (await h.allTasks()).filter((t) => t.kind === 'grant_login' && t.accountId === id);
    assert.equal(grants.length, 1);
    const grant = grants[0];
    assert.ok(grant);
    await h.tasks.complete(grant.id, { actor: 'cli', note: 'done' });
    expectStatus(
      await h.request('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [
          { op: 'replace', path: 'active', value: false },
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'twice.new@nordlicht.example' },
        ],
      }),
      200,
    );
    const before = (await h.allTasks())
      .filter((t) => t.accountId === id)
      .map((t) => `${t.kind}:${t.state}`)
      .sort();
    assert.deepEqual(before, ['change_email:open', 'grant_login:done', 'revoke_login:open']);

    await applyLastAgain(id);

    const afterTasks = (await h.allTasks())
      .filter((t) => t.accountId === id)
      .map((t) => `${t.kind}:${t.state}`)
      .sort();
    assert.deepEqual(afterTasks, before);
    assert.equal((await h.employees()).filter((e) => e.email === email).length, 1);
    const creates = (await h.requests()).filter(
      (r) => r.method === 'POST' && r.path === '/v1/company/employees',
    );
    assert.equal(creates.length, 1, 'the second create read back and found the employee');
  });
});
