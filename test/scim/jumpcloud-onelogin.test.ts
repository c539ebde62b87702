// JumpCloud and OneLogin conformance. Neither publishes its request bodies, so these replay what their
// setup guides describe: JumpCloud's throw-away test user and group and value-array member PATCHes,
// OneLogin's "SCIM v2 Enterprise" template with userName lookups, PUT updates and active=false.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  URN,
  expectCreated,
  expectListResponse,
  expectScimError,
  expectStatus,
  filterQuery,
  memberIdsOf,
  patchOp,
  startScimServer,
  type ScimServer,
} from '../support/scim-harness.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

void describe('JumpCloud custom SCIM integration', () => {
  let server: ScimServer;
  let testUserId = '';
  let testGroupId = '';
  let userIds: string[] = [];
  let groupId = '';

  const jumpCloudUser = (login: string, first: string, last: string): Record<string, unknown> => ({
    schemas: [URN.user],
    userName: login,
    externalId: `jc-${login}`,
    name: { givenName: first, familyName: last },
    displayName: `${first} ${last}`,
    emails: [{ value: login, type: 'work', primary: true }],
    active: true,
  });

  before(async () => {
    server = await startScimServer();
  });
  after(() => server.close());

  void test('the integration check creates a test user and a test group and deletes both', async () => {
    testUserId = expectCreated(
      await server.request(
        'POST',
        '/Users',
        jumpCloudUser('jctest.user@jumpcloud.test', 'JumpCloud', 'Test'),
      ),
    );
    testGroupId = expectCreated(
      await server.request('POST', '/Groups', {
        schemas: [URN.group],
        displayName: 'JumpCloud Test Group',
        members: [],
      }),
    );
    expectStatus(await server.request('DELETE', `/Groups/${testGroupId}`), 204);
    expectStatus(await server.request('DELETE', `/Users/${testUserId}`), 204);
    expectScimError(await server.request('GET', `/Users/${testUserId}`), 404);
    expectScimError(await server.request('GET', `/Groups/${testGroupId}`), 404);
  });

  void test('the deleted test user leaves nothing behind, so the check can run again', async () => {
    const lookup = await server.request('GET', `/Users?filter=userName eq "jctest.user@jumpcloud.test"`);
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
    const again = await server.request(
      'POST',
      '/Users',
      jumpCloudUser('jctest.user@jumpcloud.test', 'JumpCloud', 'Test'),
    );
    const id = expectCreated(again);
    expectStatus(await server.request('DELETE', `/Users/${id}`), 204);
    const groupAgain = await server.request('POST', '/Groups', {
      schemas: [URN.group],
      displayName: 'JumpCloud Test Group',
      members: [],
    });
    expectStatus(await server.request('DELETE', `/Groups/${expectCreated(groupAgain)}`), 204);
  });

  void test('JumpCloud provisions bound users after a userName lookup finds nothing', async () => {
    userIds = [];
    for (const [login, first, last] of [
      ['ada@jumpcloud.test', 'Ada', 'Lovelace'],
      ['grace@jumpcloud.test', 'Grace', 'Hopper'],
      ['alan@jumpcloud.test', 'Alan', 'Turing'],
    ] as const) {
      const lookup = await server.request(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${login}"`)}`,
      );
      expectListResponse(lookup);
      assert.equal(lookup.body.totalResults, 0);
      userIds.push(expectCreated(await server.request('POST', '/Users', jumpCloudUser(login, first, last))));
    }
    const read = await server.request('GET', `/Users/${userIds[0]}`);
    expectStatus(read, 200);
    assert.equal(read.body.userName, 'ada@jumpcloud.test');
    assert.equal(read.body.externalId, 'jc-ada@jumpcloud.test');
  });

  void test('JumpCloud updates a user attribute with a PATCH replace', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${userIds[0]}`,
      patchOp(
        { op: 'replace', path: 'name.familyName', value: 'King' },
        { op: 'replace', path: 'title', value: 'Analyst' },
      ),
    );
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userIds[0]}`);
    assert.equal(read.body.name.familyName, 'King');
    assert.equal(read.body.title, 'Analyst');
  });

  void test('JumpCloud creates a group and adds members with a value array', async () => {
    const lookup = await server.request('GET', `/Groups?${filterQuery('displayName eq "Engineering"')}`);
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
    groupId = expectCreated(
      await server.request('POST', '/Groups', {
        schemas: [URN.group],
        displayName: 'Engineering',
        members: [],
      }),
    );
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: userIds.map((value) => ({ value })) }),
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [...userIds].sort());
  });

  void test('JumpCloud removes one member with a value array and no filter, and only that member leaves', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp({ op: 'remove', path: 'members', value: [{ value: userIds[1] }] }),
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [userIds[0], userIds[2]].sort());
  });

  void test('JumpCloud deactivates an unbound user with active false and the user stays readable', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${userIds[2]}`,
      patchOp({ op: 'replace', path: 'active', value: false }),
    );
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userIds[2]}`);
    expectStatus(read, 200);
    assert.equal(read.body.active, false);
  });

  void test('JumpCloud reactivates a user bound again with active true', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${userIds[2]}`,
      patchOp({ op: 'replace', path: 'active', value: true }),
    );
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userIds[2]}`);
    assert.equal(read.body.active, true);
  });

  void test('JumpCloud deletes a user and the group; memberships go with them', async () => {
    expectStatus(await server.request('DELETE', `/Users/${userIds[0]}`), 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [userIds[2]]);
    expectStatus(await server.request('DELETE', `/Groups/${groupId}`), 204);
    const read = await server.request('GET', `/Users/${userIds[2]}`);
    assert.deepEqual(read.body.groups ?? [], []);
  });
});

void describe('OneLogin SCIM Provisioner (SCIM v2 Enterprise)', () => {
  let server: ScimServer;
  let managerId = '';
  let userId = '';
  let groupId = '';

  /** OneLogin's Enterprise template: core and enterprise URNs, names, work email, title, department. */
  const oneLoginUser = (
    userName: string,
    first: string,
    last: string,
    enterprise: Record<string, unknown>,
  ): Record<string, unknown> => ({
    schemas: [URN.user, ENTERPRISE],
    userName,
    name: { givenName: first, familyName: last, formatted: `${first} ${last}` },
    displayName: `${first} ${last}`,
    emails: [{ value: userName, type: 'work', primary: true }],
    title: 'Engineer',
    [ENTERPRISE]: enterprise,
  });

  before(async () => {
    server = await startScimServer();
  });
  after(() => server.close());

  void test('OneLogin looks up the userName and creates the user with the enterprise extension', async () => {
    const lookup = await server.request('GET', '/Users?filter=userName%20eq%20%22boss%40onelogin.test%22');
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
    managerId = expectCreated(
      await server.request(
        'POST',
        '/Users',
        oneLoginUser('boss@onelogin.test', 'Barbara', 'Boss', {
          department: 'Engineering',
          employeeNumber: '1',
        }),
      ),
    );
    const response = await server.request(
      'POST',
      '/Users',
      oneLoginUser('worker@onelogin.test', 'Walter', 'Worker', {
        department: 'Engineering',
        employeeNumber: '2',
        costCenter: 'CC-42',
        manager: { value: managerId },
      }),
    );
    userId = expectCreated(response);
    const read = await server.request('GET', `/Users/${userId}`);
    expectStatus(read, 200);
    assert.equal(read.body.userName, 'worker@onelogin.test');
    assert.equal(response.body[ENTERPRISE].department, 'Engineering');
    assert.equal(response.body[ENTERPRISE].costCenter, 'CC-42');
    assert.equal(response.body[ENTERPRISE].manager.value, managerId);
    assert.ok(response.body.schemas.includes(ENTERPRISE));
  });

  void test('OneLogin filters users by the enterprise employeeNumber', async () => {
    const response = await server.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`${ENTERPRISE}:employeeNumber eq "2"`)}`,
    );
    assert.deepEqual(
      expectListResponse(response).map((u: { id: string }) => u.id),
      [userId],
    );
  });

  void test('OneLogin updates the user with a PUT of the whole template', async () => {
    const response = await server.request('PUT', `/Users/${userId}`, {
      ...oneLoginUser('worker@onelogin.test', 'Walter', 'Worker-Smith', {
        department: 'Platform',
        employeeNumber: '2',
        manager: { value: managerId },
      }),
      active: true,
    });
    expectStatus(response, 200);
    assert.equal(response.body.name.familyName, 'Worker-Smith');
    assert.equal(response.body[ENTERPRISE].department, 'Platform');
    assert.equal(
      response.body[ENTERPRISE].costCenter,
      undefined,
      'PUT replaces: an omitted attribute is cleared',
    );
    assert.equal(response.body.active, true);
  });

  void test('OneLogin pushes a group and adds and removes members', async () => {
    const lookup = await server.request('GET', `/Groups?${filterQuery('displayName eq "OneLogin Role"')}`);
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
    groupId = expectCreated(
      await server.request('POST', '/Groups', {
        schemas: [URN.group],
        displayName: 'OneLogin Role',
        members: [],
      }),
    );
    expectStatus(
      await server.request(
        'PATCH',
        `/Groups/${groupId}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: userId }, { value: managerId }] }),
      ),
      200,
      204,
    );
    assert.deepEqual(await memberIdsOf(server, groupId), [userId, managerId].sort());
    expectStatus(
      await server.request(
        'PATCH',
        `/Groups/${groupId}`,
        patchOp({ op: 'remove', path: `members[value eq "${managerId}"]` }),
      ),
      200,
      204,
    );
    assert.deepEqual(await memberIdsOf(server, groupId), [userId]);
  });

  void test('OneLogin deprovisions with active false, and the user is still found by userName', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${userId}`,
      patchOp({ op: 'replace', path: 'active', value: false }),
    );
    expectStatus(response, 200, 204);
    const lookup = await server.request('GET', '/Users?filter=userName%20eq%20%22worker%40onelogin.test%22');
    const found = expectListResponse(lookup);
    assert.equal(found.length, 1);
    assert.equal(found[0].active, false);
  });

  void test('OneLogin reactivates the user with a PUT carrying active true', async () => {
    const response = await server.request('PUT', `/Users/${userId}`, {
      ...oneLoginUser('worker@onelogin.test', 'Walter', 'Worker-Smith', { department: 'Platform' }),
      active: true,
    });
    expectStatus(response, 200);
    assert.equal(response.body.active, true);
  });

  void test('OneLogin deletes the user and the group: 204, then 404', async () => {
    expectStatus(await server.request('DELETE', `/Users/${userId}`), 204);
    expectScimError(await server.request('GET', `/Users/${userId}`), 404);
    assert.deepEqual(await memberIdsOf(server, groupId), []);
    expectStatus(await server.request('DELETE', `/Groups/${groupId}`), 204);
    expectScimError(await server.request('GET', `/Groups/${groupId}`), 404);
  });
});
