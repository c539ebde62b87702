// Entra ID provisioning into Personio through Roster, end to end, in both of Entra's modes: the default
// (capitalised ops, "True"/"False" strings, member removal by value array) and aadOptscim062020
// (lower-case ops, real booleans, the flag on every URL), as replayed in test/scim/entra*.test.ts.
// The connection lets the IdP own the supervisor, so Entra's manager reaches Personio.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectCreated, expectListResponse, expectStatus } from '../support/scim-harness.ts';
import { CONNECTION_ID, startGatewayHarness, type GatewayHarness } from './gateway-harness.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Mode {
  readonly name: string;
  /** Appended to every path. */
  readonly flag: string;
  readonly op: (op: 'Add' | 'Replace' | 'Remove') => string;
  readonly bool: (value: boolean) => boolean | string;
}

const MODES: readonly Mode[] = [
  { name: 'default', flag: '', op: (op) => op, bool: (v) => (v ? 'True' : 'False') },
  { name: 'aadOptscim062020', flag: 'aadOptscim062020', op: (op) => op.toLowerCase(), bool: (v) => v },
];

for (const mode of MODES) {
  void describe(`Entra ID (${mode.name}) provisions Personio through Roster`, () => {
    let h: GatewayHarness;
    let userId = '';
    let managerId = '';
    let managerEmployeeId = 0;
    let groupId = '';
    let department = '';
    const userName = `mona.${mode.name.toLowerCase()}@nordlicht.example`;
    const newEmail = `mona.lisa.${mode.name.toLowerCase()}@nordlicht.example`;
    const url = (path: string) =>
      mode.flag === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${mode.flag}`;
    const patch = (path: string, operations: unknown[]) =>
      h.request('PATCH', url(path), { schemas: [PATCH], Operations: operations });

    before(async () => {
      h = await startGatewayHarness({
        provisioning: { groupRoles: { 'Personio Admins': 'HR Admin' }, authority: { supervisorId: 'idp' } },
      });
      const employees = await h.employees();
      const manager = employees.find((e) => e.email && e.status === 'active' && e.department);
      assert.ok(manager?.email && manager.department);
      department = manager.department;
      managerEmployeeId = manager.id;
      const found = await h.request('GET', url(`/Users?filter=userName eq "${manager.email}"`));
      managerId = expectListResponse(found)[0]?.id;
      assert.ok(managerId, 'the manager is in the SCIM view (imported from Personio)');
    });
    after(() => h.close());

    void test('Test Connection: a lookup of a random user answers an empty list', async () => {
      const response = await h.request('GET', url('/Users?filter=userName eq "a1b2c3d4-0000@testuser.com"'));
      assert.equal(expectListResponse(response).length, 0);
    });

    void test('Entra creates the user with title and department; Personio has the employee', async () => {
      await h.fault('500', 1); // in the middle of the create
      const response = await h.request('POST', url('/Users'), {
        schemas: [USER, ENTERPRISE],
        externalId: `mona-${mode.name}`,
        userName,
        active: true,
        displayName: 'Mona Lisa',
        title: 'Analyst',
        emails: [{ primary: true, type: 'work', value: userName }],
        meta: { resourceType: 'User' },
        name: { formatted: 'Mona Lisa', familyName: 'Lisa', givenName: 'Mona' },
        [ENTERPRISE]: { department },
        roles: [],
      });
      userId = expectCreated(response);
      const employee = await h.employeeByEmail(userName);
      assert.equal(employee?.first_name, 'Mona');
      assert.equal(employee?.position, 'Analyst');
      assert.equal(employee?.department, department);
    });

    void test('Entra sets the manager as a bare string id and Personio gets the supervisor', async () => {
      const response = await patch(`/Users/${userId}`, [
        { op: mode.op('Add'), path: `${ENTERPRISE}:manager`, value: managerId },
      ]);
      expectStatus(response, 200, 204);
      assert.equal((await h.employeeByEmail(userName))?.supervisor_id, managerEmployeeId);
    });

    void test('Entra replaces the title and an HR-owned name; only the title reaches Personio', async () => {
      await h.fault('timeout', 1);
      const response = await patch(`/Users/${userId}`, [
        { op: mode.op('Replace'), path: 'title', value: 'Senior Analyst' },
        { op: mode.op('Replace'), path: 'name.givenName', value: 'Monalisa' },
      ]);
      expectStatus(response, 200, 204);
      await h.drain();
      const employee = await h.employeeByEmail(userName);
      assert.equal(employee?.position, 'Senior Analyst');
      assert.equal(employee?.first_name, 'Mona');
    });

    void test('Entra changes the work email: a change_email task closes only when Personio shows it', async () => {
      const response = await patch(`/Users/${userId}`, [
        { op: mode.op('Replace'), path: 'emails[type eq "work"].value', value: newEmail },
      ]);
      expectStatus(response, 200, 204);
      const task = (await h.openTasks()).find((t) => t.kind === 'change_email' && t.accountId === userId);
      assert.deepEqual(task?.expectation, { attribute: 'email', value: newEmail });
      const employee = await h.employeeByEmail(userName);
      assert.ok(employee, "Personio's API cannot change the email: it is unchanged");
      await h.gateway.importEmployees(CONNECTION_ID);
      assert.equal((await h.tasks.get(task?.id ?? ''))?.state, 'open', 'the read-back does not agree yet');
      await h.changeEmployee(employee.id, { email: newEmail });
      await h.gateway.importEmployees(CONNECTION_ID);
      const closed = await h.tasks.get(task?.id ?? '');
      assert.equal(closed?.state, 'done');
      assert.match(closed?.evidence?.note ?? '', /read-back/);
    });

    void test('Entra disables and re-enables the user: revoke_login, then cancelled as superseded', async () => {
      const grant = (await h.openTasks()).find((t) => t.kind === 'grant_login' && t.accountId === userId);
      assert.ok(grant);
      await h.tasks.complete(grant.id, { actor: 'cli', note: 'invitation sent' });
      expectStatus(
        await patch(`/Users/${userId}`, [
          { op: mode.op('Replace'), path: 'active', value: mode.bool(false) },
        ]),
        200,
        204,
      );
      const read = await h.request('GET', url(`/Users/${userId}`));
      assert.equal(read.body.active, false);
      const revoke = (await h.openTasks()).find((t) => t.kind === 'revoke_login' && t.accountId === userId);
      assert.ok(revoke);
      expectStatus(
        await patch(`/Users/${userId}`, [{ op: mode.op('Replace'), path: 'active', value: mode.bool(true) }]),
        200,
        204,
      );
      assert.equal((await h.tasks.get(revoke.id))?.state, 'cancelled');
    });

    void test('Entra creates a mapped group with a member, then removes the member by value', async () => {
      const created = await h.request('POST', url('/Groups'), {
        schemas: [GROUP],
        displayName: 'Personio Admins',
        externalId: `admins-${mode.name}`,
        members: [{ value: userId }],
      });
      groupId = expectCreated(created);
      const grant = (await h.openTasks()).find((t) => t.kind === 'grant_role' && t.accountId === userId);
      assert.equal(grant?.details['role'], 'HR Admin');
      const removal =
        mode.flag === ''
          ? { op: 'Remove', path: 'members', value: [{ value: userId }] }
          : { op: 'remove', path: `members[value eq "${userId}"]` };
      expectStatus(await patch(`/Groups/${groupId}`, [removal]), 200, 204);
      const after = await h.tasks.get(grant?.id ?? '');
      assert.equal(after?.state, 'cancelled', 'never granted, so nothing to revoke');
      assert.equal((await h.openTasks()).filter((t) => t.kind === 'revoke_role').length, 0);
    });

    void test('Entra deletes the user and the group: 204, then 404; Personio keeps the employee', async () => {
      expectStatus(await h.request('DELETE', url(`/Users/${userId}`)), 204);
      expectStatus(await h.request('DELETE', url(`/Groups/${groupId}`)), 204);
      expectStatus(await h.request('GET', url(`/Users/${userId}`)), 404);
      const employee = await h.employeeByEmail(newEmail);
      assert.equal(employee?.position, 'Senior Analyst');
      assert.equal(employee?.supervisor_id, managerEmployeeId);
      const kinds = (await h.allTasks())
        .filter((t) => t.accountId === userId)
        .map((t) => `${t.kind}:${t.state}`)
        .sort();
      assert.deepEqual(kinds, [
        'change_email:done',
        'grant_login:done',
        'grant_role:cancelled',
        'revoke_access:open',
        'revoke_login:cancelled',
      ]);
      assert.equal((await h.gateway.store.list(CONNECTION_ID, ['pending', 'applying'])).length, 0);
    });
  });
}
