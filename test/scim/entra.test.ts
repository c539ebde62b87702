// Microsoft Entra ID conformance in its default mode (no flag on the tenant URL): the requests of the
// provisioning tutorial and the compatibility doc, replayed as sent — capitalised ops, string
// booleans, "$ref": null, the extra group schema URN, manager as a bare string, value-array removes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  URN,
  assertNoNulls,
  expectCreated,
  expectListResponse,
  expectScimError,
  expectStatus,
  memberIdsOf,
  startScimServer,
  type ScimServer,
} from '../support/scim-harness.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

void describe('Entra ID provisioning, default mode', () => {
  let server: ScimServer;
  let userId = '';
  let managerId = '';
  let secondManagerId = '';
  let memberIds: string[] = [];
  let groupId = '';
  const userName = 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee';
  const externalId = '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef';
  const groupExternalId = '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159';

  /** The tutorial's Create User body for another user of the same tenant. */
  const entraUser = (name: string, objectId: string): Record<string, unknown> => ({
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ],
    externalId: objectId,
    userName: name,
    active: true,
    emails: [{ primary: true, type: 'work', value: `${name}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  });

  before(async () => {
    server = await startScimServer();
  });
  after(() => server.close());

  void test('Test Connection filters on a random GUID and gets an empty ListResponse, not 404', async () => {
    const response = await server.request(
      'GET',
      '/Users?filter=userName eq "3b2f5c1e-8e7d-4a7b-9c3d-1f2e3d4c5b6a"',
    );
    const resources = expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
    assert.deepEqual(resources, []);
  });

  void test('opening provisioning settings reads /Schemas and finds User, Group and Enterprise User', async () => {
    const response = await server.request('GET', '/Schemas');
    const resources = expectListResponse(response);
    const ids = resources.map((s: { id: string }) => s.id);
    for (const id of [URN.user, URN.group, ENTERPRISE]) assert.ok(ids.includes(id), `missing ${id}`);
    assertNoNulls(response.body);
  });

  void test('Entra matches on userName before creating and finds nothing', async () => {
    const response = await server.request('GET', `/Users?filter=userName eq "${userName}"`);
    expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
  });

  void test('Entra creates a user with meta, roles: [] and the enterprise URN, and gets it back', async () => {
    const response = await server.request('POST', '/Users', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [
        {
          primary: true,
          type: 'work',
          value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
        },
      ],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    userId = expectCreated(response);
    const user = response.body;
    assert.notEqual(userId, externalId);
    assert.equal(user.externalId, externalId);
    assert.equal(user.userName, userName);
    assert.equal(user.active, true);
    assert.deepEqual(user.name, {
      formatted: 'givenName familyName',
      familyName: 'familyName',
      givenName: 'givenName',
    });
    assert.deepEqual(user.emails, [
      { primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' },
    ]);
    assert.ok(user.roles === undefined || user.roles.length === 0, 'an empty roles list is unassigned');
    assert.equal(user.meta.resourceType, 'User');
    assert.ok(user.meta.created, 'meta is the server’s, not the client’s');
    assertNoNulls(user);
  });

  void test('Entra posting the same userName again gets 409 uniqueness', async () => {
    const response = await server.request(
      'POST',
      '/Users',
      entraUser(userName.toLowerCase(), 'other-object-id'),
    );
    expectScimError(response, 409, 'uniqueness');
  });

  void test('Entra reads the user by the id it cached', async () => {
    const response = await server.request('GET', `/Users/${userId}`);
    expectStatus(response, 200);
    assert.equal(response.body.id, userId);
    assert.equal(response.body.userName, userName);
  });

  void test('Entra finds the user by userName and by externalId', async () => {
    const byUserName = await server.request('GET', `/Users?filter=userName eq "${userName}"`);
    assert.deepEqual(
      expectListResponse(byUserName).map((u: { id: string }) => u.id),
      [userId],
    );
    const byExternalId = await server.request('GET', `/Users?filter=externalId eq "${externalId}"`);
    assert.deepEqual(
      expectListResponse(byExternalId).map((u: { id: string }) => u.id),
      [userId],
    );
  });

  void test('externalId is case-exact, so a different case finds nobody', async () => {
    const response = await server.request('GET', `/Users?filter=externalId eq "${externalId.toUpperCase()}"`);
    expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
  });

  void test('Entra matches on the work email with a value path followed by .value', async () => {
    const response = await server.request(
      'GET',
      '/Users?filter=emails[type eq "work"].value eq "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"',
    );
    assert.deepEqual(
      expectListResponse(response).map((u: { id: string }) => u.id),
      [userId],
    );
  });

  void test('a query string with + for spaces is decoded like %20', async () => {
    const response = await server.request('GET', `/Users?filter=externalId+eq+%22${externalId}%22`);
    assert.deepEqual(
      expectListResponse(response).map((u: { id: string }) => u.id),
      [userId],
    );
  });

  void test('Entra updates the work email and family name with capitalised Replace operations', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.deepEqual(read.body.emails, [
      { primary: true, type: 'work', value: 'updatedEmail@microsoft.com' },
    ]);
    assert.equal(read.body.name.familyName, 'updatedFamilyName');
    assert.equal(read.body.name.givenName, 'givenName');
  });

  void test('Entra renames the userName with a capitalised Replace', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
  });

  void test('Entra adds a single-valued string with a capitalised Add', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', path: 'nickName', value: 'Babs' }],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body.nickName, 'Babs');
  });

  void test('Entra replaces several attributes with one Replace per path, the enterprise employeeNumber included', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'displayName', value: 'Pvlo' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
        { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
        { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
        { op: 'Replace', path: 'externalId', value: 'Eqpj' },
        {
          op: 'Replace',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
          value: 'Eqpj',
        },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    const user = read.body;
    assert.equal(user.displayName, 'Pvlo');
    assert.deepEqual(user.emails, [{ primary: true, type: 'work', value: 'TestBcwqnm@test.microsoft.com' }]);
    assert.equal(user.name.givenName, 'Gtfd');
    assert.equal(user.name.familyName, 'Pkqf');
    assert.equal(user.externalId, 'Eqpj');
    assert.equal(user[ENTERPRISE]?.employeeNumber, 'Eqpj');
    assert.ok(user.schemas.includes(ENTERPRISE), 'an extension value brings its URN into schemas');
  });

  void test('the documented unquoted filter value form finds the user by externalId', async () => {
    const response = await server.request('GET', '/Users?filter=externalId eq Eqpj');
    assert.deepEqual(
      expectListResponse(response).map((u: { id: string }) => u.id),
      [userId],
    );
  });

  void test('Entra replacing a work email the user does not have yet creates it', async () => {
    const created = await server.request('POST', '/Users', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ],
      externalId: 'manager-object-id',
      userName: 'manager@testuser.com',
      active: true,
      meta: { resourceType: 'User' },
      name: { formatted: 'Mona Manager', familyName: 'Manager', givenName: 'Mona' },
      roles: [],
    });
    managerId = expectCreated(created);
    assert.equal(created.body.emails, undefined);
    const response = await server.request('PATCH', `/Users/${managerId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'mona@testuser.com' }],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${managerId}`);
    assert.equal(read.body.emails?.length, 1);
    assert.equal(read.body.emails[0].type, 'work');
    assert.equal(read.body.emails[0].value, 'mona@testuser.com');
  });

  void test('Entra adds a mobile phone and a work street address through value paths', async () => {
    const response = await server.request('PATCH', `/Users/${managerId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
        { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Microsoft Way' },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${managerId}`);
    assert.deepEqual(
      (read.body.phoneNumbers ?? []).map((p: { type: string; value: string }) => [p.type, p.value]),
      [['mobile', '+1 555 0100']],
    );
    assert.deepEqual(
      (read.body.addresses ?? []).map((a: { type: string; streetAddress: string }) => [
        a.type,
        a.streetAddress,
      ]),
      [['work', '1 Microsoft Way']],
    );
  });

  void test('Entra sets the manager as a bare string id', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'Add',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
          value: managerId,
        },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body[ENTERPRISE]?.manager?.value, managerId);
  });

  void test('a manager change arrives as another bare-string Add and replaces the first', async () => {
    secondManagerId = expectCreated(
      await server.request(
        'POST',
        '/Users',
        entraUser('second.manager@testuser.com', 'second-manager-object-id'),
      ),
    );
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'Add',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
          value: secondManagerId,
        },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body[ENTERPRISE]?.manager?.value, secondManagerId);
  });

  void test('Entra removes the manager with a value filter on manager', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: `manager[value eq "${secondManagerId}"]` }],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body[ENTERPRISE]?.manager, undefined);
    assert.equal(read.body[ENTERPRISE]?.employeeNumber, 'Eqpj', 'the rest of the extension stays');
  });

  void test('the validation suite clears the manager with a Replace of an empty value', async () => {
    await server.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'Add',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
          value: managerId,
        },
      ],
    });
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'Replace',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
          value: '',
        },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body[ENTERPRISE]?.manager, undefined);
  });

  void test('the null-update test clears attributes sent as an empty string or null', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'nickName', value: '' },
        { op: 'Replace', path: 'displayName', value: null },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body.nickName, undefined);
    assert.equal(read.body.displayName, undefined);
    assertNoNulls(read.body);
  });

  void test('Microsoft’s Postman suite posts "active": "True" and "Primary": true, and gets booleans back', async () => {
    const response = await server.request('POST', '/Users', {
      schemas: [URN.user],
      userName: 'postman.user@testuser.com',
      active: 'True',
      emails: [{ Primary: true, type: 'work', value: 'postman.user@testuser.com' }],
    });
    expectCreated(response);
    assert.equal(response.body.active, true);
    assert.equal(response.body.emails[0].primary, true);
  });

  void test('Entra disables a user with Replace active "False" and the user is still returned by id and filter', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expectStatus(response, 200, 204);
    if (response.status === 200) assert.equal(response.body.active, false);
    const read = await server.request('GET', `/Users/${userId}`);
    expectStatus(read, 200);
    assert.equal(read.body.active, false);
    const byExternalId = await server.request('GET', '/Users?filter=externalId eq "Eqpj"');
    const found = expectListResponse(byExternalId);
    assert.equal(found.length, 1);
    assert.equal(found[0].active, false);
  });

  void test('Entra restores the user with Replace active "True"', async () => {
    const response = await server.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    });
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`);
    assert.equal(read.body.active, true);
  });

  void test('Entra looks the group up by displayName with members excluded and finds nothing', async () => {
    const response = await server.request(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName eq "displayName"',
    );
    expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
  });

  void test('Entra creates a group with the extra Microsoft schema URN and meta, and an empty member list', async () => {
    const response = await server.request('POST', '/Groups', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    groupId = expectCreated(response);
    assert.equal(response.body.displayName, 'displayName');
    assert.equal(response.body.externalId, groupExternalId);
    assert.ok(response.body.schemas.includes(URN.group));
    assert.deepEqual(response.body.members ?? [], []);
    assert.equal(response.body.meta.resourceType, 'Group');
    assertNoNulls(response.body);
  });

  void test('Entra reads the group by id with members excluded', async () => {
    const response = await server.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expectStatus(response, 200);
    assert.equal(response.body.id, groupId);
    assert.equal(response.body.displayName, 'displayName');
    assert.equal('members' in response.body, false);
  });

  void test('Entra adds members one PATCH per user with "$ref": null, each answered 204', async () => {
    memberIds = [userId, managerId, secondManagerId];
    for (const id of memberIds) {
      const response = await server.request('PATCH', `/Groups/${groupId}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }],
      });
      expectStatus(response, 204);
      assert.equal(response.text, '');
    }
    assert.deepEqual(await memberIdsOf(server, groupId), [...memberIds].sort());
  });

  void test('re-adding a member who is already in the group answers 204 and changes nothing', async () => {
    const response = await server.request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }],
    });
    expectStatus(response, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [...memberIds].sort());
  });

  void test("a member's groups attribute lists the group", async () => {
    const read = await server.request('GET', `/Users/${managerId}`);
    assert.deepEqual(
      (read.body.groups ?? []).map((g: { value: string }) => g.value),
      [groupId],
    );
  });

  void test('Entra renames the group with a capitalised Replace of displayName and gets 204', async () => {
    const response = await server.request('PATCH', `/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'Replace',
          path: 'displayName',
          value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
        },
      ],
    });
    expectStatus(response, 204);
    const read = await server.request(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName eq "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"',
    );
    const found = expectListResponse(read);
    assert.deepEqual(
      found.map((g: { id: string }) => g.id),
      [groupId],
    );
    assert.equal('members' in found[0], false);
  });

  void test('a group filter with + for spaces and a capitalised attribute name finds the group', async () => {
    const response = await server.request(
      'GET',
      '/Groups?excludedAttributes=members&filter=DisplayName+eq+%221879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName%22',
    );
    assert.deepEqual(
      expectListResponse(response).map((g: { id: string }) => g.id),
      [groupId],
    );
  });

  void test('Entra matches the group by its externalId (the Entra objectId)', async () => {
    const response = await server.request(
      'GET',
      `/Groups?excludedAttributes=members&filter=externalId eq "${groupExternalId}"`,
    );
    assert.deepEqual(
      expectListResponse(response).map((g: { id: string }) => g.id),
      [groupId],
    );
  });

  void test('Entra removes one member with the legacy value-array Remove and the others stay', async () => {
    const response = await server.request('PATCH', `/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: secondManagerId }] }],
    });
    expectStatus(response, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [userId, managerId].sort());
  });

  void test('several memberships change in a single PATCH', async () => {
    const response = await server.request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Remove', path: 'members', value: [{ value: userId }, { value: managerId }] },
        {
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: secondManagerId },
            { $ref: null, value: userId },
          ],
        },
      ],
    });
    expectStatus(response, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [userId, secondManagerId].sort());
  });

  void test("Entra's keep-alive fetch of a random group id answers 404 with a SCIM error", async () => {
    const response = await server.request('GET', '/Groups/5171a35d82074e068ce2?excludedAttributes=members');
    expectScimError(response, 404);
  });

  void test('Entra hard-deletes a user: 204, then 404, and the user leaves every group', async () => {
    const response = await server.request('DELETE', `/Users/${secondManagerId}`);
    expectStatus(response, 204);
    assert.equal(response.text, '');
    expectScimError(await server.request('GET', `/Users/${secondManagerId}`), 404);
    assert.deepEqual(await memberIdsOf(server, groupId), [userId]);
    const lookup = await server.request('GET', '/Users?filter=userName eq "second.manager@testuser.com"');
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
  });

  void test('Entra deletes the group: 204, then 404, and its members lose it', async () => {
    const response = await server.request('DELETE', `/Groups/${groupId}`);
    expectStatus(response, 204);
    expectScimError(await server.request('GET', `/Groups/${groupId}?excludedAttributes=members`), 404);
    const user = await server.request('GET', `/Users/${userId}`);
    assert.deepEqual(user.body.groups ?? [], []);
  });
});
