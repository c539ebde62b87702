// Okta conformance: Okta's own Runscope spec test (the SCIM 2.0 SPEC file, step by step) and the
// provisioning client's lifecycle as Okta's SCIM 2.0 reference shows it, replayed byte for byte:
// lookup, create, import, PUT updates, no-path PATCH (de)activation, group push and membership.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  URN,
  expectCreated,
  expectListResponse,
  expectScimError,
  expectStatus,
  memberIdsOf,
  patchOp,
  type RequestHeaders,
  type ScimServer,
} from '../support/scim-harness.ts';
import { startScimServer } from '../support/scim-harness.ts';

/** Headers of the provisioning client ("Okta SCIM Client 1.0.0") on requests with a body. */
const OKTA: RequestHeaders = {
  'User-Agent': 'Okta SCIM Client 1.0.0',
  'Content-Type': 'application/json',
};
/** The provisioning client's GET and DELETE requests carry no body and no content type. */
const OKTA_READ: RequestHeaders = { 'User-Agent': 'Okta SCIM Client 1.0.0', Accept: null };

/** Headers of the spec test's GET steps (Okta-SCIM-20-SPEC-Test.json): a content type, no body. */
const SPEC_GET: RequestHeaders = {
  'Accept-Charset': 'utf-8',
  'Content-Type': 'application/scim+json; charset=utf-8',
  Accept: 'application/scim+json',
  'User-Agent': 'OKTA SCIM Integration',
};
/** Headers of the spec test's POST steps. */
const SPEC_POST: RequestHeaders = {
  'Content-Type': 'application/json',
  Accept: 'application/scim+json; charset=utf-8',
};

void describe("Okta's SCIM 2.0 spec test (Runscope)", () => {
  let server: ScimServer;
  // The spec test's "Initial Script" variables.
  const randomGivenName = 'Runscope417';
  const randomFamilyName = 'Qwertyuio123';
  const randomEmail = `${randomGivenName}${randomFamilyName}@atko.com`;
  const randomUsername = randomEmail;
  const randomUsernameCaps = randomEmail.toUpperCase();
  const invalidUserEmail = 'abcdefgh@atko.com';
  const userIdThatDoesNotExist = '010101001010101011001010101011';
  let isvUserId = '';
  let idUserOne = '';

  before(async () => {
    server = await startScimServer();
    // Step 1 needs one user carrying every field it checks; Okta would have provisioned one.
    expectCreated(
      await server.request(
        'POST',
        '/Users',
        {
          schemas: [URN.user],
          userName: 'seed.user@okta.local',
          name: { givenName: 'Seed', familyName: 'User' },
          emails: [{ primary: true, value: 'seed.user@okta.local', type: 'work' }],
          displayName: 'Seed User',
          active: true,
        },
        OKTA,
      ),
    );
  });
  after(() => server.close());

  void test('step 1: the first page of one user has integer counters and a complete user', async () => {
    const response = await server.request('GET', '/Users?count=1&startIndex=1', undefined, SPEC_GET);
    const resources = expectListResponse(response);
    assert.equal(typeof response.body.itemsPerPage, 'number');
    assert.equal(typeof response.body.startIndex, 'number');
    assert.equal(typeof response.body.totalResults, 'number');
    assert.equal(resources.length, 1);
    const user = resources[0];
    assert.ok(user.id);
    assert.ok(user.name.familyName);
    assert.ok(user.name.givenName);
    assert.ok(user.userName);
    assert.equal(user.active, true);
    assert.ok(user.emails[0].value);
    isvUserId = user.id;
  });

  void test('step 2: the user from the list reads back by id with the same fields', async () => {
    const response = await server.request('GET', `/Users/${isvUserId}`, undefined, SPEC_GET);
    expectStatus(response, 200);
    assert.equal(response.body.id, isvUserId);
    assert.ok(response.body.name.familyName);
    assert.ok(response.body.name.givenName);
    assert.ok(response.body.userName);
    assert.equal(response.body.active, true);
    assert.ok(response.body.emails[0].value);
  });

  void test('step 3: a filter on an unknown userName answers an empty ListResponse, not 404', async () => {
    const response = await server.request(
      'GET',
      `/Users?filter=userName eq "${invalidUserEmail}"`,
      undefined,
      SPEC_GET,
    );
    expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
  });

  void test('step 4: an unknown user id answers 404 with a SCIM error', async () => {
    const response = await server.request('GET', `/Users/${userIdThatDoesNotExist}`, undefined, SPEC_GET);
    expectScimError(response, 404);
  });

  void test('step 5: the random user does not exist yet', async () => {
    const response = await server.request(
      'GET',
      `/Users?filter=userName eq "${randomEmail}"`,
      undefined,
      SPEC_GET,
    );
    expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
  });

  void test('step 6: a user posted as application/json is created active with its names echoed', async () => {
    const response = await server.request(
      'POST',
      '/Users',
      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"${randomUsername}","name":{"givenName":"${randomGivenName}","familyName":"${randomFamilyName}"},"emails":[{"primary":true,"value":"${randomEmail}","type":"work"}],"displayName":"${randomGivenName} ${randomFamilyName}","active":true}`,
      SPEC_POST,
    );
    idUserOne = expectCreated(response);
    assert.equal(response.body.active, true);
    assert.equal(response.body.name.familyName, randomFamilyName);
    assert.equal(response.body.name.givenName, randomGivenName);
    assert.ok(response.body.schemas.includes(URN.user));
    assert.equal(response.body.userName, randomUsername);
  });

  void test('step 7: the created user reads back by id', async () => {
    const response = await server.request('GET', `/Users/${idUserOne}`, undefined, SPEC_GET);
    expectStatus(response, 200);
    assert.equal(response.body.userName, randomUsername);
    assert.equal(response.body.name.familyName, randomFamilyName);
    assert.equal(response.body.name.givenName, randomGivenName);
  });

  void test('step 8: posting the same user again answers 409', async () => {
    const response = await server.request(
      'POST',
      '/Users',
      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"${randomUsername}","name":{"givenName":"${randomGivenName}","familyName":"${randomFamilyName}"},"emails":[{"primary":true,"value":"${randomUsername}","type":"work"}],"displayName":"${randomGivenName} ${randomFamilyName}","active":true}`,
      SPEC_POST,
    );
    expectScimError(response, 409, 'uniqueness');
  });

  void test('step 9: a userName filter in capitals finds the user, because userName is not case-exact', async () => {
    const response = await server.request(
      'GET',
      `/Users?filter=userName eq "${randomUsernameCaps}"`,
      undefined,
      SPEC_GET,
    );
    const resources = expectListResponse(response);
    assert.equal(response.body.totalResults, 1);
    assert.equal(resources[0].id, idUserOne);
  });

  void test('step 10: the Groups endpoint answers a ListResponse in under 600 ms', async () => {
    const started = performance.now();
    const response = await server.request('GET', '/Groups', undefined, SPEC_GET);
    const elapsed = performance.now() - started;
    expectListResponse(response);
    assert.ok(elapsed < 600, `GET /Groups took ${Math.round(elapsed)} ms`);
  });

  void test('step 11: a request without a bearer token answers 401 with a SCIM error body', async () => {
    const response = await server.request(
      'GET',
      `/Users?filter=userName eq "${randomUsernameCaps}"`,
      undefined,
      { ...SPEC_GET, Authorization: 'non-token' },
    );
    expectScimError(response, 401);
  });

  void test('step 12: an unknown numeric user id answers 404 with status "404"', async () => {
    const response = await server.request('GET', '/Users/00919288221112222', undefined, SPEC_GET);
    expectScimError(response, 404);
  });
});

void describe('Okta provisioning lifecycle', () => {
  let server: ScimServer;
  let userId = '';
  let otherUserId = '';
  let groupId = '';
  const userName = 'test.user@okta.local';

  before(async () => {
    server = await startScimServer();
  });
  after(() => server.close());

  void test('Okta looks the user up by userName first and finds nothing', async () => {
    const response = await server.request(
      'GET',
      '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100',
      undefined,
      OKTA_READ,
    );
    const resources = expectListResponse(response);
    assert.equal(response.body.totalResults, 0);
    assert.deepEqual(resources, []);
    assert.equal(response.body.startIndex, 1);
  });

  void test('Okta creates the user with a password and empty groups, and gets the user back without the password', async () => {
    const response = await server.request(
      'POST',
      '/Users',
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      },
      OKTA,
    );
    userId = expectCreated(response);
    const user = response.body;
    assert.notEqual(user.id, '00ujl29u0le5T6Aj10h7', 'externalId never becomes the id');
    assert.equal(user.userName, userName);
    assert.equal(user.externalId, '00ujl29u0le5T6Aj10h7');
    assert.deepEqual(user.name, { givenName: 'Test', familyName: 'User' });
    assert.equal(user.displayName, 'Test User');
    assert.equal(user.locale, 'en-US');
    assert.equal(user.active, true);
    assert.deepEqual(user.emails, [{ primary: true, value: 'test.user@okta.local', type: 'work' }]);
    assert.equal(user.password, undefined, 'password is writeOnly');
    assert.ok(!response.text.includes('1mz050nq'), 'the password never appears in a response');
    assert.equal(user.meta.resourceType, 'User');
    assert.ok(user.meta.created);
    assert.ok(user.meta.lastModified);
  });

  void test('Okta finds the new user with the same lookup, so it links instead of creating twice', async () => {
    const response = await server.request(
      'GET',
      '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100',
      undefined,
      OKTA_READ,
    );
    const resources = expectListResponse(response);
    assert.equal(response.body.totalResults, 1);
    assert.equal(resources[0].id, userId);
  });

  void test('Okta creating a user whose userName differs only in case gets 409 uniqueness', async () => {
    const response = await server.request(
      'POST',
      '/Users',
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'Test.User@Okta.Local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        active: true,
      },
      OKTA,
    );
    expectScimError(response, 409, 'uniqueness');
  });

  void test('Okta reads the user by id before every update', async () => {
    const response = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    expectStatus(response, 200);
    assert.equal(response.body.id, userId);
    assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/scim+json');
  });

  void test('Okta updates the profile with a PUT of the whole user, groups and meta included', async () => {
    const response = await server.request(
      'PUT',
      `/Users/${userId}`,
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        id: userId,
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
        emails: [
          { primary: true, value: 'test.user@okta.local', type: 'work', display: 'test.user@okta.local' },
        ],
        active: true,
        groups: [],
        meta: { resourceType: 'User' },
      },
      OKTA,
    );
    expectStatus(response, 200);
    assert.equal(response.body.id, userId);
    assert.deepEqual(response.body.name, { givenName: 'Another', middleName: 'Excited', familyName: 'User' });
    assert.equal(response.body.active, true);
    const read = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    assert.equal(read.body.name.middleName, 'Excited');
  });

  void test('Okta deactivates a user with a no-path replace and the user stays readable', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${userId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    if (response.status === 200) assert.equal(response.body.active, false);
    const read = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    expectStatus(read, 200);
    assert.equal(read.body.active, false);
    assert.equal(read.body.name.givenName, 'Another', 'deactivation changes nothing else');
    const lookup = await server.request(
      'GET',
      '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100',
      undefined,
      OKTA_READ,
    );
    assert.equal(expectListResponse(lookup)[0]?.active, false, 'a deactivated user is still found by filter');
  });

  void test('Okta reactivates the user with a no-path replace of active true', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${userId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: true } }],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    assert.equal(read.body.active, true);
  });

  void test('Okta syncs a password with a no-path replace and the password is never returned', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${userId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { password: 't0p-Secret-2' } }],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    assert.ok(!response.text.includes('t0p-Secret-2'));
    const read = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    assert.equal(read.body.password, undefined);
    assert.equal(read.body.active, true);
  });

  void test('an app-wizard integration deactivates with a PUT of active false and reactivates with active true', async () => {
    const current = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    const { meta: _meta, ...user } = current.body;
    const deactivated = await server.request('PUT', `/Users/${userId}`, { ...user, active: false }, OKTA);
    expectStatus(deactivated, 200);
    assert.equal(deactivated.body.active, false);
    const reactivated = await server.request('PUT', `/Users/${userId}`, { ...user, active: true }, OKTA);
    expectStatus(reactivated, 200);
    assert.equal(reactivated.body.active, true);
  });

  void test('a PUT that omits active does not suspend the user', async () => {
    const response = await server.request(
      'PUT',
      `/Users/${userId}`,
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        id: userId,
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      },
      OKTA,
    );
    expectStatus(response, 200);
    assert.equal(response.body.active, true);
  });

  void test('Okta imports users page by page with count=100 and integer counters', async () => {
    // A second assigned user, so the import has more than one row.
    otherUserId = expectCreated(
      await server.request(
        'POST',
        '/Users',
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'second.user@okta.local',
          name: { givenName: 'Second', familyName: 'User' },
          emails: [{ primary: true, value: 'second.user@okta.local', type: 'work' }],
          displayName: 'Second User',
          locale: 'en-US',
          externalId: '00ujl29u0le5T6Aj10h8',
          groups: [],
          password: 'x9c8v7b6',
          active: true,
        },
        OKTA,
      ),
    );
    const seen: string[] = [];
    let startIndex = 1;
    let total = Infinity;
    while (startIndex <= total) {
      const page = await server.request(
        'GET',
        `/Users?startIndex=${startIndex}&count=100`,
        undefined,
        OKTA_READ,
      );
      const resources = expectListResponse(page);
      assert.equal(page.body.startIndex, startIndex);
      total = page.body.totalResults;
      seen.push(...resources.map((r: { id: string }) => r.id));
      if (resources.length === 0) break;
      startIndex += 100;
    }
    assert.equal(total, 2);
    assert.deepEqual([...seen].sort(), [userId, otherUserId].sort());
  });

  void test('Okta checks that the group does not exist, then pushes it with an empty member list', async () => {
    const lookup = await server.request(
      'GET',
      '/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100',
      undefined,
      OKTA_READ,
    );
    expectListResponse(lookup);
    assert.equal(lookup.body.totalResults, 0);
    const response = await server.request(
      'POST',
      '/Groups',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] },
      OKTA,
    );
    groupId = expectCreated(response);
    assert.equal(response.body.displayName, 'Test SCIMv2');
    assert.ok(response.body.schemas.includes(URN.group));
    assert.deepEqual(response.body.members ?? [], []);
    assert.equal(response.body.meta.resourceType, 'Group');
  });

  void test('Okta pushing the same group name again gets 409 uniqueness', async () => {
    const response = await server.request(
      'POST',
      '/Groups',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] },
      OKTA,
    );
    expectScimError(response, 409, 'uniqueness');
  });

  void test('Okta renames the group with a no-path replace that echoes the read-only id', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv20' } }],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    const read = await server.request('GET', `/Groups/${groupId}`, undefined, OKTA_READ);
    assert.equal(read.body.id, groupId);
    assert.equal(read.body.displayName, 'Test SCIMv20');
  });

  void test('Okta adds a member with its display name', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'add', path: 'members', value: [{ value: otherUserId, display: 'second.user@okta.local' }] },
        ],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [otherUserId]);
  });

  void test('Okta removes one member by filter and adds another in the same request', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'remove', path: `members[value eq "${otherUserId}"]` },
          { op: 'add', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }] },
        ],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [userId]);
  });

  void test("the user's read-only groups attribute reflects the pushed membership", async () => {
    const read = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    expectStatus(read, 200);
    const groups = (read.body.groups ?? []) as { value: string; display?: string }[];
    assert.deepEqual(
      groups.map((g) => g.value),
      [groupId],
    );
  });

  void test('Okta sends the rename again with every membership update, then swaps members with remove and add', async () => {
    const rename = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv20' } }],
      },
      OKTA,
    );
    expectStatus(rename, 200, 204);
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'remove', path: `members[value eq "${userId}"]` },
          { op: 'add', path: 'members', value: [{ value: otherUserId, display: 'second.user@okta.local' }] },
        ],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [otherUserId]);
  });

  void test('adding a member who is already in the group succeeds and changes nothing', async () => {
    const before = await server.request('GET', `/Groups/${groupId}`, undefined, OKTA_READ);
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp({
        op: 'add',
        path: 'members',
        value: [{ value: otherUserId, display: 'second.user@okta.local' }],
      }),
      OKTA,
    );
    expectStatus(response, 200, 204);
    const after = await server.request('GET', `/Groups/${groupId}`, undefined, OKTA_READ);
    assert.deepEqual(await memberIdsOf(server, groupId), [otherUserId]);
    assert.equal(
      after.body.meta.lastModified,
      before.body.meta.lastModified,
      'a no-op does not bump lastModified',
    );
  });

  void test('Okta pushes the full membership with a replace of members', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          {
            op: 'replace',
            path: 'members',
            value: [
              { value: userId, display: 'test.user@okta.local' },
              { value: otherUserId, display: 'second.user@okta.local' },
            ],
          },
        ],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), [userId, otherUserId].sort());
  });

  void test('Okta "Push now" on an empty group replaces members with an empty list and the group empties', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'members', value: [] }],
      },
      OKTA,
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), []);
  });

  void test('an app-wizard integration updates group name and members with a PUT of the group', async () => {
    const response = await server.request(
      'PUT',
      `/Groups/${groupId}`,
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        id: groupId,
        displayName: 'Test SCIMv2 AIW',
        members: [{ value: userId, display: 'test.user@okta.local' }],
      },
      OKTA,
    );
    expectStatus(response, 200);
    assert.equal(response.body.displayName, 'Test SCIMv2 AIW');
    assert.deepEqual(await memberIdsOf(server, groupId), [userId]);
  });

  void test('Okta imports groups page by page with count=100', async () => {
    const response = await server.request('GET', '/Groups?startIndex=1&count=100', undefined, OKTA_READ);
    const resources = expectListResponse(response);
    assert.equal(response.body.totalResults, 1);
    assert.equal(resources[0].id, groupId);
    assert.equal(resources[0].displayName, 'Test SCIMv2 AIW');
  });

  void test('Okta unlinks the pushed group with "delete in target app": 204, then 404', async () => {
    const response = await server.request('DELETE', `/Groups/${groupId}`, undefined, OKTA_READ);
    expectStatus(response, 204);
    assert.equal(response.text, '');
    expectScimError(await server.request('GET', `/Groups/${groupId}`, undefined, OKTA_READ), 404);
    const user = await server.request('GET', `/Users/${userId}`, undefined, OKTA_READ);
    assert.deepEqual(user.body.groups ?? [], [], 'the deleted group leaves no membership behind');
  });

  void test('Okta unassigning a user sends active false, never DELETE, and the user remains for reassignment', async () => {
    const response = await server.request(
      'PATCH',
      `/Users/${otherUserId}`,
      patchOp({ op: 'replace', value: { active: false } }),
      OKTA,
    );
    expectStatus(response, 200, 204);
    const lookup = await server.request(
      'GET',
      '/Users?filter=userName%20eq%20%22second.user%40okta.local%22&startIndex=1&count=100',
      undefined,
      OKTA_READ,
    );
    const resources = expectListResponse(lookup);
    assert.equal(resources.length, 1);
    assert.equal(resources[0].active, false);
  });
});
