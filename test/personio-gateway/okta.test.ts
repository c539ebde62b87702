// Okta provisioning into Personio through Roster, end to end: the request sequence Okta's provisioning
// client sends (as replayed in test/scim/okta.test.ts) against a Personio connection backed by the
// emulator. Checks what Personio holds afterwards (the emulator's control API) and the task list.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  expectCreated,
  expectListResponse,
  expectStatus,
  type RequestHeaders,
} from '../support/scim-harness.ts';
import { startGatewayHarness, type GatewayHarness } from './gateway-harness.ts';

const OKTA: RequestHeaders = { 'User-Agent': 'Okta SCIM Client 1.0.0', 'Content-Type': 'application/json' };
const OKTA_READ: RequestHeaders = { 'User-Agent': 'Okta SCIM Client 1.0.0', Accept: null };
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const oktaUser = (userName: string, givenName: string, familyName: string) => ({
  schemas: [USER],
  userName,
  name: { givenName, familyName },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: `${givenName} ${familyName}`,
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
});

void describe('Okta provisions Personio through Roster', () => {
  let h: GatewayHarness;
  let userId = '';
  let existingId = '';
  let existingEmail = '';
  let groupId = '';
  const userName = 'test.user@nordlicht.example';

  before(async () => {
    h = await startGatewayHarness({ provisioning: { groupRoles: { 'Personio Admins': 'HR Admin' } } });
  });
  after(() => h.close());

  void test("Okta's import lists the employees already in Personio", async () => {
    const withEmail = (await h.employees()).filter((e) => e.email);
    const seen = new Set<string>();
    for (let startIndex = 1; ; startIndex += 100) {
      const page = await h.request('GET', `/Users?startIndex=${startIndex}&count=100`, undefined, OKTA_READ);
      const resources = expectListResponse(page);
      for (const r of resources) seen.add(String(r.userName).toLowerCase());
      if (resources.length < 100) break;
    }
    assert.equal(seen.size, withEmail.length);
    for (const employee of withEmail) assert.ok(seen.has(String(employee.email).toLowerCase()));
  });

  void test('a lookup for a new user finds nothing, and the create makes one Personio employee', async () => {
    const lookup = await h.request(
      'GET',
      `/Users?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`,
      undefined,
      OKTA_READ,
    );
    assert.equal(lookup.body.totalResults, 0);
    const response = await h.request('POST', '/Users', oktaUser(userName, 'Test', 'User'), OKTA);
    userId = expectCreated(response);
    assert.equal(response.body.active, true);
    const employee = await h.employeeByEmail(userName);
    assert.ok(employee, 'Personio has the employee when the 201 arrives (written through in time)');
    assert.equal(employee.first_name, 'Test');
    assert.equal(employee.last_name, 'User');
    const grant = (await h.openTasks()).filter((t) => t.kind === 'grant_login' && t.accountId === userId);
    assert.equal(grant.length, 1, 'login access has no API: a person grants it');
    assert.equal(grant[0]?.personId, String(employee.id));
  });

  void test('Okta retrying the POST after a timeout gets the same account, not a second employee', async () => {
    const response = await h.request('POST', '/Users', oktaUser(userName, 'Test', 'User'), OKTA);
    assert.equal(expectCreated(response), userId);
    const matches = (await h.employees()).filter((e) => e.email?.toLowerCase() === userName);
    assert.equal(matches.length, 1);
    const creates = (await h.requests()).filter(
      (r) => r.method === 'POST' && r.path === '/v1/company/employees',
    );
    assert.equal(creates.length, 1, 'Personio received exactly one create');
  });

  void test('creating a user whose work email an employee already has links to that employee', async () => {
    const employee = (await h.employees()).find((e) => e.email && e.status === 'active');
    assert.ok(employee?.email);
    existingEmail = employee.email;
    const before = (await h.employees()).length;
    const response = await h.request(
      'POST',
      '/Users',
      oktaUser(existingEmail, employee.first_name, employee.last_name),
      OKTA,
    );
    existingId = expectCreated(response);
    const imported = await h.request(
      'GET',
      `/Users?filter=userName%20eq%20%22${encodeURIComponent(existingEmail)}%22`,
      undefined,
      OKTA_READ,
    );
    assert.equal(imported.body.totalResults, 1, 'no second SCIM user either');
    assert.equal(imported.body.Resources[0].id, existingId);
    assert.equal((await h.employees()).length, before, 'no employee was created');
    assert.ok((await h.openTasks()).some((t) => t.kind === 'grant_login' && t.accountId === existingId));
  });

  void test('a PUT updates what the IdP owns (title → position) and leaves HR-owned names to Personio', async () => {
    await h.fault('timeout', 1); // Personio hangs on the first call of this write
    const response = await h.request(
      'PUT',
      `/Users/${userId}`,
      {
        ...oktaUser(userName, 'Another', 'User'),
        id: userId,
        title: 'Staff Engineer',
        meta: { resourceType: 'User' },
      },
      OKTA,
    );
    expectStatus(response, 200);
    assert.equal(response.body.name.givenName, 'Another', 'the SCIM view shows what the IdP asked for');
    await h.drain();
    const employee = await h.employeeByEmail(userName);
    assert.equal(employee?.position, 'Staff Engineer');
    assert.equal(employee?.first_name, 'Test', 'names belong to HR: the write is ignored, not looped back');
    const ignored = (await h.audit()).filter(
      (e) => e.action === 'personio.hr_owned_write' && e.accountId === userId,
    );
    assert.equal(ignored.length, 1);
    assert.equal(ignored[0]?.actor, `scim-token:${h.tokenId}`);
    assert.deepEqual((ignored[0]?.content as { attributes: string[] }).attributes, ['firstName']);
  });

  void test('deactivating a user Roster created before login was granted cancels the grant, nothing to revoke', async () => {
    const created = await h.request(
      'POST',
      '/Users',
      oktaUser('short.stay@nordlicht.example', 'Short', 'Stay'),
      OKTA,
    );
    const shortId = expectCreated(created);
    const response = await h.request(
      'PATCH',
      `/Users/${shortId}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] },
      OKTA,
    );
    expectStatus(response, 200);
    const tasks = (await h.allTasks()).filter((t) => t.accountId === shortId);
    const grant = tasks.find((t) => t.kind === 'grant_login');
    assert.equal(grant?.state, 'cancelled');
    assert.match(grant?.cancelReason ?? '', /deactivated/);
    assert.equal(tasks.filter((t) => t.kind === 'revoke_login').length, 0);
  });

  void test('deactivating an employee who was in Personio before opens revoke_login: they may have a login', async () => {
    const response = await h.request(
      'PATCH',
      `/Users/${existingId}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] },
      OKTA,
    );
    expectStatus(response, 200);
    const tasks = (await h.allTasks()).filter((t) => t.accountId === existingId);
    assert.equal(tasks.find((t) => t.kind === 'grant_login')?.state, 'cancelled');
    assert.equal(tasks.find((t) => t.kind === 'revoke_login')?.state, 'open');
    const employee = await h.employeeByEmail(existingEmail);
    assert.equal(employee?.status, 'active', 'deprovisioning never sets the HR status');
  });

  void test('deactivating after login was granted opens revoke_login; re-activating cancels it as superseded', async () => {
    const grant = (await h.openTasks()).find((t) => t.kind === 'grant_login' && t.accountId === userId);
    assert.ok(grant);
    await h.tasks.complete(grant.id, { actor: 'cli', note: 'invited in Personio' });
    await h.fault('429', 1, 1);
    expectStatus(
      await h.request(
        'PATCH',
        `/Users/${userId}`,
        { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] },
        OKTA,
      ),
      200,
    );
    const revoke = (await h.openTasks()).find((t) => t.kind === 'revoke_login' && t.accountId === userId);
    assert.ok(revoke, 'a revoke_login task is open');
    const read = await h.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    assert.equal(read.body.active, false, 'the SCIM view shows the state the IdP asked for');

    expectStatus(
      await h.request(
        'PATCH',
        `/Users/${userId}`,
        { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] },
        OKTA,
      ),
      200,
    );
    const after = await h.tasks.get(revoke.id);
    assert.equal(after?.state, 'cancelled');
    assert.match(after?.cancelReason ?? '', /re-activated/);
    assert.equal(
      (await h.openTasks()).filter((t) => t.kind === 'grant_login' && t.accountId === userId).length,
      0,
      'login was never removed, so nothing is granted again',
    );
  });

  void test('group push: a group mapped to a role turns membership into grant and revoke tasks', async () => {
    const created = await h.request(
      'POST',
      '/Groups',
      { schemas: [GROUP], displayName: 'Personio Admins', members: [] },
      OKTA,
    );
    groupId = expectCreated(created);
    assert.equal((await h.openTasks()).filter((t) => t.kind === 'grant_role').length, 0);
    const add = await h.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: [PATCH],
        Operations: [{ op: 'add', path: 'members', value: [{ value: userId, display: userName }] }],
      },
      OKTA,
    );
    expectStatus(add, 204);
    const grant = (await h.openTasks()).find((t) => t.kind === 'grant_role' && t.accountId === userId);
    assert.equal(grant?.details['role'], 'HR Admin');
    await h.tasks.complete(grant?.id ?? '', { actor: 'cli', note: 'role assigned' });
    const remove = await h.request(
      'PATCH',
      `/Groups/${groupId}`,
      { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] },
      OKTA,
    );
    expectStatus(remove, 204);
    const revoke = (await h.openTasks()).find((t) => t.kind === 'revoke_role' && t.accountId === userId);
    assert.equal(revoke?.details['role'], 'HR Admin');
    // Okta "Push now" puts the member back before anyone removed the role: the revoke is superseded.
    expectStatus(
      await h.request(
        'PATCH',
        `/Groups/${groupId}`,
        { schemas: [PATCH], Operations: [{ op: 'replace', path: 'members', value: [{ value: userId }] }] },
        OKTA,
      ),
      204,
    );
    assert.equal((await h.tasks.get(revoke?.id ?? ''))?.state, 'cancelled');
    assert.equal((await h.openTasks()).filter((t) => t.kind === 'grant_role').length, 0);
  });

  void test('a group no role is mapped to opens no task', async () => {
    const created = await h.request(
      'POST',
      '/Groups',
      { schemas: [GROUP], displayName: 'Engineering', members: [{ value: userId }] },
      OKTA,
    );
    expectCreated(created);
    assert.equal((await h.openTasks()).filter((t) => t.kind === 'grant_role').length, 0);
  });

  void test('DELETE unlinks the account and opens an access revocation; the HR record stays', async () => {
    const response = await h.request('DELETE', `/Users/${userId}`, undefined, OKTA_READ);
    expectStatus(response, 204);
    expectStatus(await h.request('GET', `/Users/${userId}`, undefined, OKTA_READ), 404);
    const employee = await h.employeeByEmail(userName);
    assert.ok(employee, 'Personio keeps the employee');
    assert.equal(employee.status, 'active');
    const revoke = (await h.openTasks()).find((t) => t.kind === 'revoke_access' && t.accountId === userId);
    assert.equal(revoke?.personId, String(employee.id));
  });

  void test('afterwards Personio holds each user once, with what the IdP owns, and the journal names the token', async () => {
    const employees = await h.employees();
    assert.equal(employees.filter((e) => e.email?.toLowerCase() === userName).length, 1);
    assert.equal(employees.filter((e) => e.email === existingEmail).length, 1);
    assert.equal((await h.employeeByEmail(userName))?.position, 'Staff Engineer');
    const kinds = (await h.allTasks()).map((t) => `${t.kind}:${t.state}`).sort();
    assert.deepEqual(kinds, [
      'grant_login:cancelled',
      'grant_login:cancelled',
      'grant_login:done',
      'grant_role:done',
      'revoke_access:open',
      'revoke_login:cancelled',
      'revoke_login:open',
      'revoke_role:cancelled',
    ]);
    const journal = await h.audit();
    const applied = journal.filter((e) => e.action === 'personio.employee.create' && e.outcome === 'applied');
    assert.equal(applied.length, 2, 'test.user and short.stay');
    assert.ok(journal.some((e) => e.action === 'personio.employee.claim' && e.accountId === existingId));
    assert.equal(applied[0]?.actor, `scim-token:${h.tokenId}`);
    assert.ok(journal.some((e) => e.action === 'scim.user.delete' && e.outcome === 'accepted'));
    assert.equal((await h.gateway.store.list('personio-de', ['pending', 'applying'])).length, 0);
  });
});
