// Microsoft Entra ID conformance with the `aadOptscim062020` flag on the tenant URL: every request
// carries the flag in its query string (accepted and ignored), ops are lower-case, booleans real,
// several attributes change in one no-path replace with dotted and URN keys, members leave by filter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  URN,
  expectCreated,
  expectListResponse,
  expectScimError,
  expectStatus,
  startScimServer,
  type ScimResponse,
  type ScimServer,
} from '../support/scim-harness.ts';

const FLAG = 'aadOptscim062020';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Appends the tenant URL's flag to a request path, before any other query parameter. */
function flagged(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? `${path}?${FLAG}` : `${path.slice(0, q)}?${FLAG}&${path.slice(q + 1)}`;
}

void describe('Entra ID provisioning with aadOptscim062020', () => {
  let server: ScimServer;
  let userId = '';
  let otherUserId = '';
  let groupId = '';
  const request = (method: string, path: string, body?: unknown): Promise<ScimResponse> =>
    server.request(method, flagged(path), body);

  const memberIds = async (): Promise<string[]> => {
    const response = await request('GET', `/Groups/${groupId}`);
    expectStatus(response, 200);
    return ((response.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
  };

  before(async () => {
    server = await startScimServer();
  });
  after(() => server.close());

  void test('Test Connection with the flag in the URL gets an empty ListResponse', async () => {
    const response = await request('GET', '/Users?filter=userName eq "0b6a1c2d-3e4f-4a5b-8c7d-9e0f1a2b3c4d"');
    const resources = expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
    assert.deepEqual(resources, []);
  });

  void test('discovery documents answer with the flag in the URL', async () => {
    expectListResponse(await request('GET', '/Schemas'));
    expectListResponse(await request('GET', '/ResourceTypes'));
    const config = await request('GET', '/ServiceProviderConfig');
    expectStatus(config, 200);
    assert.equal(config.body.patch.supported, true);
  });

  void test('Entra creates a user after a lookup that finds nothing, flag and all', async () => {
    const lookup = await request('GET', '/Users?filter=userName eq "Test_User_flagged@testuser.com"');
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
    const response = await request('POST', '/Users', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ],
      externalId: '5e1b3c2d-9a8b-4c7d-8e6f-0a1b2c3d4e5f',
      userName: 'Test_User_flagged@testuser.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_flagged@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    userId = expectCreated(response);
    assert.equal(response.body.active, true);
    assert.ok(
      !response.headers.get('location')?.includes(FLAG),
      'the flag is not part of the resource location',
    );
    const read = await request('GET', `/Users/${userId}`);
    expectStatus(read, 200);
    assert.equal(read.body.userName, 'Test_User_flagged@testuser.com');
  });

  void test('Entra adds a single-valued string with a lower-case add', async () => {
    const response = await request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'nickName', value: 'Babs' }],
    });
    expectStatus(response, 200, 204);
    const read = await request('GET', `/Users/${userId}`);
    assert.equal(read.body.nickName, 'Babs');
  });

  void test('Entra replaces several attributes with a filtered path plus one no-path replace of dotted and URN keys', async () => {
    const response = await request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq',
          },
        },
      ],
    });
    expectStatus(response, 200, 204);
    const read = await request('GET', `/Users/${userId}`);
    const user = read.body;
    assert.deepEqual(user.emails, [{ primary: true, type: 'work', value: 'TestMhvaes@test.microsoft.com' }]);
    assert.equal(user.displayName, 'Bjfe');
    assert.equal(user.name.givenName, 'Kkom');
    assert.equal(user.name.familyName, 'Unua');
    assert.equal(user.name.formatted, 'givenName familyName', 'a dotted key replaces one sub-attribute only');
    assert.equal(user[ENTERPRISE]?.employeeNumber, 'Aklq');
    assert.ok(user.schemas.includes(ENTERPRISE));
    assert.equal(user['name.givenName'], undefined, 'a dotted key is a path, not a new attribute');
    assert.equal(
      user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber'],
      undefined,
    );
  });

  void test('Entra disables a user with a lower-case replace of a real boolean and the user stays readable', async () => {
    const response = await request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expectStatus(response, 200, 204);
    const read = await request('GET', `/Users/${userId}`);
    expectStatus(read, 200);
    assert.equal(read.body.active, false);
    const byUserName = await request('GET', '/Users?filter=userName eq "Test_User_flagged@testuser.com"');
    assert.equal(expectListResponse(byUserName)[0]?.active, false);
    const byExternalId = await request(
      'GET',
      '/Users?filter=externalId eq "5e1b3c2d-9a8b-4c7d-8e6f-0a1b2c3d4e5f"',
    );
    assert.equal(expectListResponse(byExternalId)[0]?.id, userId);
  });

  void test('Entra restores the user with a lower-case replace of true', async () => {
    const response = await request('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    expectStatus(response, 200, 204);
    const read = await request('GET', `/Users/${userId}`);
    assert.equal(read.body.active, true);
  });

  void test('Entra creates a group and adds members with lower-case add operations', async () => {
    otherUserId = expectCreated(
      await request('POST', '/Users', {
        schemas: [URN.user],
        externalId: '7f4bc1a3-285e-48ae-8202-5accb43efb0e',
        userName: 'member.two@testuser.com',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'member.two@testuser.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'Member Two', familyName: 'Two', givenName: 'Member' },
        roles: [],
      }),
    );
    const lookup = await request(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName eq "Flagged Group"',
    );
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
    groupId = expectCreated(
      await request('POST', '/Groups', {
        schemas: [
          'urn:ietf:params:scim:schemas:core:2.0:Group',
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
        ],
        externalId: 'a3c9e1f0-2b4d-4e6f-8a0b-1c2d3e4f5a6b',
        displayName: 'Flagged Group',
        meta: { resourceType: 'Group' },
      }),
    );
    for (const id of [userId, otherUserId]) {
      const response = await request('PATCH', `/Groups/${groupId}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ $ref: null, value: id }] }],
      });
      expectStatus(response, 204);
    }
    assert.deepEqual(await memberIds(), [userId, otherUserId].sort());
  });

  void test('Entra removes a member with a lower-case remove on a members value filter, and only that member', async () => {
    const response = await request('PATCH', `/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: `members[value eq "${otherUserId}"]` }],
    });
    expectStatus(response, 204);
    assert.deepEqual(await memberIds(), [userId]);
  });

  void test('Entra renames the group with a lower-case replace', async () => {
    const response = await request('PATCH', `/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Flagged Group Renamed' }],
    });
    expectStatus(response, 204);
    const read = await request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    assert.equal(read.body.displayName, 'Flagged Group Renamed');
    assert.equal('members' in read.body, false);
  });

  void test('Entra deletes the user and the group with the flag in the URL: 204, then 404', async () => {
    expectStatus(await request('DELETE', `/Users/${userId}`), 204);
    expectScimError(await request('GET', `/Users/${userId}`), 404);
    assert.deepEqual(await memberIds(), []);
    expectStatus(await request('DELETE', `/Groups/${groupId}`), 204);
    expectScimError(await request('GET', `/Groups/${groupId}`), 404);
    expectStatus(await request('DELETE', `/Users/${otherUserId}`), 204);
  });
});
