// A group of 10,000 members over HTTP: a PUT or full replace of the whole member list fits the body
// limit, one-member PATCHes answer 204 without re-sending the member list, and reads with
// excludedAttributes=members stay small.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  URN,
  expectCreated,
  expectListResponse,
  expectStatus,
  filterQuery,
  memberIdsOf,
  patchOp,
  startScimServer,
  type ScimResponse,
  type ScimServer,
} from '../support/scim-harness.ts';

const MEMBERS = 10_000;
const BODY_LIMIT = 10 * 1024 * 1024;
/** A group read without its members is a few hundred bytes; anything near this means members leaked in. */
const SMALL_BODY = 4096;

/** Asserts a 204 with no body at all: the member list is not sent back. */
function expectNoContent(response: ScimResponse): void {
  expectStatus(response, 204);
  assert.equal(response.text, '', 'a 204 carries no body');
}

void describe(`a group of ${MEMBERS.toLocaleString('en')} members`, { timeout: 900_000 }, () => {
  let server: ScimServer;
  const userIds: string[] = [];
  const userNames = new Map<string, string>();
  let extraId = '';
  let groupId = '';
  let burstGroupId = '';

  const groupsContaining = async (memberId: string): Promise<string[]> =>
    expectListResponse(
      await server.request(
        'GET',
        `/Groups?${filterQuery(`members.value eq "${memberId}"`)}&excludedAttributes=members`,
      ),
    ).map((g: { id: string }) => g.id);

  before(
    async () => {
      server = await startScimServer();
      const config = await server.request('GET', '/ServiceProviderConfig');
      const batchSize = config.body.bulk.maxOperations as number;
      for (let offset = 0; offset < MEMBERS; offset += batchSize) {
        const count = Math.min(batchSize, MEMBERS - offset);
        const response = await server.request('POST', '/Bulk', {
          schemas: [URN.bulkRequest],
          Operations: Array.from({ length: count }, (_, i) => {
            const n = String(offset + i).padStart(5, '0');
            return {
              method: 'POST',
              path: '/Users',
              bulkId: `u${n}`,
              data: {
                schemas: [URN.user],
                userName: `member.${n}@example.com`,
                emails: [{ value: `member.${n}@example.com`, type: 'work', primary: true }],
                active: true,
              },
            };
          }),
        });
        expectStatus(response, 200);
        for (const result of response.body.Operations as {
          status: string;
          location: string;
          bulkId: string;
        }[]) {
          assert.equal(result.status, '201');
          const id = result.location.slice(result.location.lastIndexOf('/') + 1);
          userIds.push(id);
          userNames.set(id, `member.${result.bulkId.slice(1)}@example.com`);
        }
      }
      assert.equal(userIds.length, MEMBERS);
      extraId = expectCreated(
        await server.request('POST', '/Users', {
          schemas: [URN.user],
          userName: 'latecomer@example.com',
          active: true,
        }),
      );
      groupId = expectCreated(
        await server.request('POST', '/Groups', {
          schemas: [URN.group],
          displayName: 'All Staff',
          members: [],
        }),
      );
    },
    { timeout: 600_000 },
  );
  after(() => server.close());

  void test('a PUT of the whole group with 10,000 members fits the body limit and replaces the members', async () => {
    const body = {
      schemas: [URN.group],
      id: groupId,
      displayName: 'All Staff',
      members: userIds.map((id) => ({
        value: id,
        display: userNames.get(id),
        type: 'User',
        $ref: `${server.baseUrl}/Users/${id}`,
      })),
    };
    const bytes = Buffer.byteLength(JSON.stringify(body));
    assert.ok(bytes > 1024 * 1024 && bytes < BODY_LIMIT, `the PUT body is ${bytes} bytes`);
    const response = await server.request('PUT', `/Groups/${groupId}`, body);
    expectStatus(response, 200);
    assert.equal(response.body.displayName, 'All Staff');
    const members = await memberIdsOf(server, groupId);
    assert.equal(members.length, MEMBERS);
    assert.deepEqual(members, [...userIds].sort());
  });

  void test('a read with excludedAttributes=members leaves the 10,000 members out', async () => {
    const byId = await server.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expectStatus(byId, 200);
    assert.equal('members' in byId.body, false);
    assert.ok(byId.text.length < SMALL_BODY, `${byId.text.length} bytes`);
    const byName = await server.request(
      'GET',
      `/Groups?excludedAttributes=members&${filterQuery('displayName eq "All Staff"')}`,
    );
    const [group] = expectListResponse(byName);
    assert.equal(group.id, groupId);
    assert.equal('members' in group, false);
    assert.ok(byName.text.length < SMALL_BODY, `${byName.text.length} bytes`);
    const list = await server.request('GET', '/Groups?excludedAttributes=members');
    assert.ok(list.text.length < SMALL_BODY, `${list.text.length} bytes`);
    const attributes = await server.request('GET', `/Groups/${groupId}?attributes=displayName`);
    assert.equal(attributes.body.members, undefined);
  });

  void test('a plain GET returns all 10,000 members', async () => {
    const response = await server.request('GET', `/Groups/${groupId}`);
    expectStatus(response, 200);
    assert.equal(response.body.members.length, MEMBERS);
    const sample = response.body.members.find((m: { value: string }) => m.value === userIds[1234]);
    assert.equal(sample?.type, 'User');
  });

  void test('adding one member answers 204 without the member list', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: extraId, display: 'latecomer@example.com' }] }),
    );
    expectNoContent(response);
    assert.deepEqual(await groupsContaining(extraId), [groupId]);
  });

  void test('adding a member with Entra\'s capitalised op and "$ref": null answers 204', async () => {
    const response = await server.request('PATCH', `/Groups/${groupId}`, {
      schemas: [URN.patchOp],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: extraId }] }],
    });
    expectNoContent(response);
  });

  void test('removing one member by filter answers 204 without the member list', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp({ op: 'remove', path: `members[value eq "${extraId}"]` }),
    );
    expectNoContent(response);
    assert.deepEqual(await groupsContaining(extraId), []);
  });

  void test('removing one member with a value array, as Entra and JumpCloud send it, answers 204', async () => {
    const leaving = userIds[0]!;
    const response = await server.request('PATCH', `/Groups/${groupId}`, {
      schemas: [URN.patchOp],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: leaving }] }],
    });
    expectNoContent(response);
    assert.deepEqual(await groupsContaining(leaving), []);
    assert.deepEqual(await groupsContaining(userIds[1]!), [groupId], 'the other members stay');
    const members = await memberIdsOf(server, groupId);
    assert.equal(members.length, MEMBERS - 1);
  });

  void test('a rename answers without the member list, and with attributes=displayName answers 200 with a small body', async () => {
    const plain = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp({ op: 'replace', value: { id: groupId, displayName: 'All Staff (renamed)' } }),
    );
    expectStatus(plain, 200, 204);
    assert.ok(plain.text.length < SMALL_BODY, `${plain.text.length} bytes`);
    const projected = await server.request(
      'PATCH',
      `/Groups/${groupId}?attributes=displayName`,
      patchOp({ op: 'replace', path: 'displayName', value: 'All Staff' }),
    );
    expectStatus(projected, 200);
    assert.equal(projected.body.displayName, 'All Staff');
    assert.equal(projected.body.members, undefined);
    assert.ok(projected.text.length < SMALL_BODY, `${projected.text.length} bytes`);
  });

  void test("a member's groups attribute lists the big group", async () => {
    const response = await server.request('GET', `/Users/${userIds[4321]}`);
    expectStatus(response, 200);
    assert.deepEqual(
      (response.body.groups ?? []).map((g: { value: string }) => g.value),
      [groupId],
    );
  });

  void test('a burst of one PATCH per member, as Entra sends during a cycle, answers 204 every time', async () => {
    burstGroupId = expectCreated(
      await server.request('POST', '/Groups', { schemas: [URN.group], displayName: 'Burst', members: [] }),
    );
    const burst = userIds.slice(0, 500);
    for (const id of burst) {
      const response = await server.request('PATCH', `/Groups/${burstGroupId}`, {
        schemas: [URN.patchOp],
        Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }],
      });
      expectNoContent(response);
    }
    assert.deepEqual(await memberIdsOf(server, burstGroupId), [...burst].sort());
  });

  void test('a full replace of 10,000 members by PATCH, as Okta pushes it, fits and answers without the list', async () => {
    const body = patchOp({
      op: 'replace',
      path: 'members',
      value: userIds.map((id) => ({ value: id, display: userNames.get(id) })),
    });
    assert.ok(Buffer.byteLength(JSON.stringify(body)) < BODY_LIMIT);
    const response = await server.request('PATCH', `/Groups/${burstGroupId}`, body);
    expectStatus(response, 200, 204);
    assert.ok(response.text.length < SMALL_BODY, `${response.text.length} bytes`);
    assert.equal((await memberIdsOf(server, burstGroupId)).length, MEMBERS);
  });

  void test('replacing the members with an empty list empties the big group', async () => {
    const response = await server.request(
      'PATCH',
      `/Groups/${groupId}`,
      patchOp({ op: 'replace', path: 'members', value: [] }),
    );
    expectStatus(response, 200, 204);
    assert.deepEqual(await memberIdsOf(server, groupId), []);
    assert.deepEqual(await groupsContaining(userIds[4321]!), [burstGroupId]);
  });

  void test('deleting a group of 10,000 members answers 204 and frees every member', async () => {
    const response = await server.request('DELETE', `/Groups/${burstGroupId}`);
    expectNoContent(response);
    expectStatus(await server.request('GET', `/Groups/${burstGroupId}`), 404);
    assert.deepEqual(await groupsContaining(userIds[9999]!), []);
    const user = await server.request('GET', `/Users/${userIds[9999]}`);
    assert.deepEqual(user.body.groups ?? [], []);
  });
});
