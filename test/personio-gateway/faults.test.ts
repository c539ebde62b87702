// Personio failing in the middle of provisioning: 429, 500, 503 and hung requests while an identity
// provider creates and updates users. A write Personio does not answer in time is acknowledged and
// applied from the outbox, once; a refusal is the IdP's 400 while it waits, a task after.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectCreated, expectScimError, expectStatus } from '../support/scim-harness.ts';
import { CONNECTION_ID, startGatewayHarness, type GatewayHarness } from './gateway-harness.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER, ENTERPRISE],
  userName,
  name: { givenName: 'Fault', familyName: 'Tester' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  active: true,
  ...extra,
});

async function employeesWith(h: GatewayHarness, email: string): Promise<number> {
  return (await h.employees()).filter((e) => e.email?.toLowerCase() === email.toLowerCase()).length;
}

async function linkOf(h: GatewayHarness, resourceId: string) {
  return h.gateway.store.link(h.gateway.store.db, CONNECTION_ID, resourceId);
}

void describe('Personio faults within the write budget', () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness({ provisioning: { writeBudgetMs: 4_000 } });
  });
  after(() => h.close());

  void test('a 429 with Retry-After is waited out and the IdP gets the created user', async () => {
    await h.fault('429', 1, 1);
    const response = await h.request('POST', '/Users', user('rate.limited@nordlicht.example'));
    const id = expectCreated(response);
    assert.equal(await employeesWith(h, 'rate.limited@nordlicht.example'), 1);
    assert.equal((await linkOf(h, id))?.state, 'linked');
  });

  void test('a 500 in the middle of a create is retried and the employee exists once', async () => {
    await h.fault('500', 1);
    const id = expectCreated(await h.request('POST', '/Users', user('server.error@nordlicht.example')));
    await h.drain();
    assert.equal(await employeesWith(h, 'server.error@nordlicht.example'), 1);
    assert.equal((await linkOf(h, id))?.state, 'linked');
  });
});

void describe('Personio slow, down or refusing, with a short write budget', () => {
  let h: GatewayHarness;
  let ghostManagerId = '';
  before(async () => {
    h = await startGatewayHarness({ provisioning: { writeBudgetMs: 300 } });
    // A manager whose employee HR has deleted since the import: Personio refuses them as supervisor.
    const list = await h.request('GET', '/Users?count=1');
    ghostManagerId = list.body.Resources[0].id;
    const employee = await h.employeeByEmail(list.body.Resources[0].userName);
    assert.ok(employee);
    await h.removeEmployee(employee.id);
  });
  after(() => h.close());

  void test("a hung request: the create is acknowledged with Roster's id and applied from the outbox, once", async () => {
    await h.fault('timeout', 1);
    const started = Date.now();
    const response = await h.request('POST', '/Users', user('slow.personio@nordlicht.example'));
    const id = expectCreated(response);
    assert.ok(Date.now() - started < 1_000, 'answered within the budget, not after Personio');
    assert.equal((await linkOf(h, id))?.state, 'pending');
    await h.drain();
    assert.equal(await employeesWith(h, 'slow.personio@nordlicht.example'), 1);
    assert.equal((await linkOf(h, id))?.state, 'linked');
    const creates = (await h.requests()).filter(
      (r) => r.method === 'POST' && r.path === '/v1/company/employees',
    );
    assert.equal(creates.length, 1, 'never posted twice');
  });

  void test('Personio down: creates and a later PATCH wait in the outbox and apply in order when it recovers', async () => {
    await h.fault('503', 200);
    const id = expectCreated(await h.request('POST', '/Users', user('down.personio@nordlicht.example')));
    const patched = await h.request('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'title', value: 'Night Auditor' }],
    });
    expectStatus(patched, 200);
    assert.equal(patched.body.title, 'Night Auditor');
    const waiting = await h.gateway.store.list(CONNECTION_ID, ['pending', 'applying']);
    assert.ok(waiting.length >= 2, 'both writes wait in the outbox');
    assert.equal(await employeesWith(h, 'down.personio@nordlicht.example'), 0);
    await h.clearFaults();
    await h.drain();
    const employee = await h.employeeByEmail('down.personio@nordlicht.example');
    assert.equal(employee?.position, 'Night Auditor', 'the update applied after the create');
    assert.equal(await employeesWith(h, 'down.personio@nordlicht.example'), 1);
  });

  void test('a refusal while the IdP waits is a 400 invalidValue naming the field, and nothing is kept', async () => {
    const response = await h.request(
      'POST',
      '/Users',
      user('refused.now@nordlicht.example', { [ENTERPRISE]: { manager: { value: ghostManagerId } } }),
    );
    expectScimError(response, 400, 'invalidValue');
    assert.match(response.body.detail, /manager\.value/);
    assert.match(response.body.detail, /Supervisor with ID \d+ not found/);
    const lookup = await h.request('GET', '/Users?filter=userName eq "refused.now@nordlicht.example"');
    assert.equal(lookup.body.totalResults, 0, 'the local create was reverted');
    assert.equal(await employeesWith(h, 'refused.now@nordlicht.example'), 0);
    assert.equal((await h.openTasks()).filter((t) => t.kind === 'apply_failed').length, 0);
  });

  void test('a refused update is a 400 naming the SCIM attribute, and the user keeps its previous value', async () => {
    const list = await h.request('GET', '/Users?filter=userName eq "slow.personio@nordlicht.example"');
    const id = list.body.Resources[0].id;
    const response = await h.request('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'title', value: 'x'.repeat(300) }],
    });
    expectScimError(response, 400, 'invalidValue');
    assert.match(response.body.detail, /Personio refused title \(Personio field position\)/);
    const read = await h.request('GET', `/Users/${id}`);
    assert.equal(read.body.title, undefined, 'the local change was undone');
    assert.equal((await h.employeeByEmail('slow.personio@nordlicht.example'))?.position, '');
  });

  void test('a refusal after the acknowledgement becomes an apply_failed task and marks the account in error', async () => {
    await h.fault('timeout', 1);
    const id = expectCreated(
      await h.request(
        'POST',
        '/Users',
        user('refused.later@nordlicht.example', { [ENTERPRISE]: { manager: { value: ghostManagerId } } }),
      ),
    );
    await h.drain();
    const link = await linkOf(h, id);
    assert.equal(link?.state, 'error');
    assert.match(link?.lastError ?? '', /Supervisor with ID \d+ not found/);
    const task = (await h.openTasks()).find((t) => t.kind === 'apply_failed' && t.accountId === id);
    assert.ok(task, 'an apply_failed task is open');
    expectStatus(await h.request('GET', `/Users/${id}`), 200);
    const failed = (await h.audit()).find(
      (e) => e.action === 'personio.employee.create' && e.outcome === 'failed',
    );
    assert.equal(failed?.accountId, id);
  });

  void test('an IdP correcting the refused user with a PUT creates the employee', async () => {
    const list = await h.request('GET', '/Users?filter=userName eq "refused.later@nordlicht.example"');
    const id = list.body.Resources[0].id;
    const response = await h.request('PUT', `/Users/${id}`, user('refused.later@nordlicht.example'));
    expectStatus(response, 200);
    await h.drain();
    assert.equal(await employeesWith(h, 'refused.later@nordlicht.example'), 1);
    assert.equal((await linkOf(h, id))?.state, 'linked');
  });

  void test('a value Personio ignores (an unknown department) surfaces as a review_warning task', async () => {
    const id = expectCreated(
      await h.request(
        'POST',
        '/Users',
        user('odd.department@nordlicht.example', { [ENTERPRISE]: { department: 'Moon Base' } }),
      ),
    );
    await h.drain();
    const warning = (await h.openTasks()).find((t) => t.kind === 'review_warning' && t.accountId === id);
    assert.ok(warning);
    assert.ok(warning.checklist.some((line) => line.includes('Moon Base')));
    assert.equal(await employeesWith(h, 'odd.department@nordlicht.example'), 1);
  });
});

void describe('a create default Personio refuses', () => {
  let h: GatewayHarness;
  before(async () => {
    h = await startGatewayHarness({ provisioning: { createDefaults: { hireDate: '2026-02-30' } } });
  });
  after(() => h.close());

  void test('is named as the connection setting in the 400, not as something the IdP sent', async () => {
    const response = await h.request('POST', '/Users', user('bad.default@nordlicht.example'));
    expectScimError(response, 400, 'invalidValue');
    assert.match(response.body.detail, /provisioning\.createDefaults\.hireDate/);
    assert.match(response.body.detail, /hire date/);
    assert.equal(await employeesWith(h, 'bad.default@nordlicht.example'), 0);
  });
});
