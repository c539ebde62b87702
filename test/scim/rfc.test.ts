// RFC 7643/7644/9865 behaviours no single IdP exercises, black-box over HTTP on SQLite and PostgreSQL:
// discovery, /Me, the filter grammar, paging, cursors, sorting, projection, /.search, ETags, Bulk,
// body limits, hostile input, DELETE, uniqueness, error bodies, token scoping and concurrency.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  URN,
  assertNoNulls,
  createGroup,
  createUser,
  expectCreated,
  expectListResponse,
  expectScimError,
  expectStatus,
  filterQuery,
  isScimJson,
  memberIdsOf,
  patchOp,
  sendScimRequest,
  startScimServer,
  userBody,
  type Dialect,
  type ScimResponse,
  type ScimServer,
} from '../support/scim-harness.ts';

const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];
const ENTERPRISE = URN.enterpriseUser;
const MIB = 1024 * 1024;

/** userNames of the users a filter finds, sorted; fails the test unless the answer is a ListResponse. */
async function usersMatching(server: ScimServer, filter: string): Promise<string[]> {
  const response = await server.request('GET', `/Users?${filterQuery(filter)}&count=1000`);
  return expectListResponse(response)
    .map((u: { userName: string }) => u.userName)
    .sort();
}

function userNamesOf(resources: { userName: string }[]): string[] {
  return resources.map((u) => u.userName);
}

/** The top-level attribute names of a resource, sorted: used to prove a projection left nothing extra. */
function keysOf(document: Record<string, unknown>): string[] {
  return Object.keys(document).sort();
}

for (const dialect of DIALECTS) {
  void describe(`SCIM service provider on ${dialect}`, () => {
    void describe('discovery', () => {
      let server: ScimServer;
      before(async () => {
        server = await startScimServer({ dialect });
      });
      after(() => server.close());

      void test('ServiceProviderConfig advertises patch, bulk, filter, sort, ETags, cursors and their limits', async () => {
        const response = await server.request('GET', '/ServiceProviderConfig');
        expectStatus(response, 200);
        assert.ok(isScimJson(response));
        const config = response.body;
        assert.deepEqual(config.schemas, [URN.serviceProviderConfig]);
        assert.equal(config.patch.supported, true);
        assert.deepEqual(
          { ...config.bulk },
          { supported: true, maxOperations: 1000, maxPayloadSize: 10 * MIB },
        );
        assert.deepEqual({ ...config.filter }, { supported: true, maxResults: 1000 });
        assert.equal(typeof config.changePassword.supported, 'boolean');
        assert.equal(config.sort.supported, true);
        assert.equal(config.etag.supported, true);
        assert.equal(config.pagination.cursor, true);
        assert.equal(config.pagination.index, true);
        assert.equal(config.pagination.defaultPaginationMethod, 'index');
        assert.equal(config.pagination.maxPageSize, 1000);
        assert.ok(Number.isInteger(config.pagination.cursorTimeout));
        assert.ok(Array.isArray(config.authenticationSchemes) && config.authenticationSchemes.length > 0);
        const bearer = config.authenticationSchemes[0];
        assert.equal(bearer.type, 'oauthbearertoken');
        assert.equal(typeof bearer.name, 'string');
        assert.equal(typeof bearer.description, 'string');
        assertNoNulls(config);
      });

      void test('ResourceTypes lists User first at /Users with the enterprise extension, then Group at /Groups', async () => {
        const response = await server.request('GET', '/ResourceTypes');
        const resources = expectListResponse(response);
        assert.equal(response.body.totalResults, 2);
        const [user, group] = resources;
        assert.deepEqual(user.schemas, [URN.resourceType]);
        assert.equal(user.name, 'User');
        assert.equal(user.endpoint, '/Users');
        assert.equal(user.schema, URN.user);
        assert.deepEqual(user.schemaExtensions, [{ schema: ENTERPRISE, required: false }]);
        assert.equal(user.meta.resourceType, 'ResourceType');
        assert.equal(group.name, 'Group');
        assert.equal(group.endpoint, '/Groups');
        assert.equal(group.schema, URN.group);
        const single = await server.request('GET', '/ResourceTypes/User');
        expectStatus(single, 200);
        assert.equal(single.body.endpoint, '/Users');
        assertNoNulls(response.body);
      });

      void test('Schemas describes User, Group and Enterprise User with every characteristic of every attribute', async () => {
        const response = await server.request('GET', '/Schemas');
        const resources = expectListResponse(response);
        const byId = new Map(resources.map((s: { id: string }) => [s.id, s]));
        for (const id of [URN.user, URN.group, ENTERPRISE]) assert.ok(byId.has(id), `missing schema ${id}`);
        const check = (attribute: Record<string, unknown>, where: string): void => {
          assert.equal(typeof attribute['name'], 'string', where);
          assert.ok(
            [
              'string',
              'boolean',
              'decimal',
              'integer',
              'dateTime',
              'binary',
              'reference',
              'complex',
            ].includes(attribute['type'] as string),
            `${where}.type`,
          );
          for (const flag of ['multiValued', 'required', 'caseExact'])
            assert.equal(typeof attribute[flag], 'boolean', `${where}.${flag}`);
          assert.ok(
            ['readOnly', 'readWrite', 'immutable', 'writeOnly'].includes(attribute['mutability'] as string),
            `${where}.mutability`,
          );
          assert.ok(
            ['always', 'never', 'default', 'request'].includes(attribute['returned'] as string),
            `${where}.returned`,
          );
          assert.ok(
            ['none', 'server', 'global'].includes(attribute['uniqueness'] as string),
            `${where}.uniqueness`,
          );
          if (attribute['type'] === 'complex') {
            const subs = attribute['subAttributes'] as Record<string, unknown>[] | undefined;
            assert.ok(Array.isArray(subs) && subs.length > 0, `${where} is complex and has subAttributes`);
            for (const sub of subs) check(sub, `${where}.${String(sub['name'])}`);
          }
        };
        for (const schema of resources) {
          assert.deepEqual(schema.schemas, [URN.schema]);
          assert.equal(schema.meta.resourceType, 'Schema');
          for (const attribute of schema.attributes) check(attribute, `${schema.id}:${attribute.name}`);
        }
        const user = resources.find((s) => s.id === URN.user) as {
          description: string;
          attributes: Record<string, unknown>[];
        };
        assert.match(user.description, /User Account/);
        const attr = (name: string) => user.attributes.find((a) => a['name'] === name)!;
        assert.equal(attr('userName')['required'], true);
        assert.equal(attr('userName')['uniqueness'], 'server');
        assert.equal(attr('userName')['caseExact'], false);
        assert.equal(attr('password')['returned'], 'never');
        assert.equal(attr('password')['mutability'], 'writeOnly');
        assert.equal(attr('groups')['mutability'], 'readOnly');
        const group = resources.find((s) => s.id === URN.group) as { attributes: Record<string, unknown>[] };
        const members = group.attributes.find((a) => a['name'] === 'members')!;
        const memberSubs = (members['subAttributes'] as { name: string }[]).map((s) => s.name);
        for (const name of ['value', '$ref', 'type']) assert.ok(memberSubs.includes(name), `members.${name}`);
        assertNoNulls(response.body);
      });

      void test('every attribute of a fully populated user and group is described in /Schemas', async () => {
        const managerId = await createUser(server, 'schema.manager');
        const userId = await createUser(server, 'schema.full', {
          schemas: [URN.user, ENTERPRISE],
          externalId: 'ext-full',
          name: {
            formatted: 'Ms. Barbara J Jensen III',
            familyName: 'Jensen',
            givenName: 'Barbara',
            middleName: 'Jane',
            honorificPrefix: 'Ms.',
            honorificSuffix: 'III',
          },
          displayName: 'Babs Jensen',
          nickName: 'Babs',
          profileUrl: 'https://login.example.com/bjensen',
          title: 'Tour Guide',
          userType: 'Employee',
          preferredLanguage: 'en-US',
          locale: 'en-US',
          timezone: 'America/Los_Angeles',
          active: true,
          password: 't1meMa$heen',
          emails: [
            { value: 'bjensen@example.com', type: 'work', primary: true, display: 'bjensen@example.com' },
          ],
          phoneNumbers: [{ value: '555-555-8377', type: 'work', primary: true }],
          ims: [{ value: 'someaimhandle', type: 'aim' }],
          photos: [{ value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' }],
          addresses: [
            {
              type: 'work',
              streetAddress: '100 Universal City Plaza',
              locality: 'Hollywood',
              region: 'CA',
              postalCode: '91608',
              country: 'USA',
              formatted: '100 Universal City Plaza\nHollywood, CA 91608 USA',
              primary: true,
            },
          ],
          entitlements: [{ value: 'reports', type: 'app' }],
          roles: [{ value: 'admin', type: 'app', primary: true }],
          x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
          [ENTERPRISE]: {
            employeeNumber: '701984',
            costCenter: '4130',
            organization: 'Universal Studios',
            division: 'Theme Park',
            department: 'Tour Operations',
            manager: { value: managerId },
          },
        });
        const groupId = await createGroup(server, 'Schema Group', [userId]);
        const schemas = expectListResponse(await server.request('GET', '/Schemas'));
        const schemaOf = (id: string) =>
          schemas.find((s: { id: string }) => s.id === id) as { attributes: Record<string, unknown>[] };
        const common = new Set(['schemas', 'id', 'externalId', 'meta']);
        const checkDescribed = (
          resource: Record<string, unknown>,
          attributes: Record<string, unknown>[],
          where: string,
        ): void => {
          for (const [key, value] of Object.entries(resource)) {
            if (where === '' && common.has(key)) continue;
            if (key.startsWith('urn:')) {
              checkDescribed(value as Record<string, unknown>, schemaOf(key).attributes, key);
              continue;
            }
            const definition = attributes.find((a) => a['name'] === key);
            assert.ok(definition, `${where}${where ? '.' : ''}${key} is returned but not in /Schemas`);
            const subs = definition['subAttributes'] as Record<string, unknown>[] | undefined;
            if (subs) {
              for (const item of Array.isArray(value) ? value : [value])
                checkDescribed(item as Record<string, unknown>, subs, `${where}${key}`);
            }
          }
        };
        const user = await server.request('GET', `/Users/${userId}`);
        expectStatus(user, 200);
        assert.ok(user.body.groups?.length === 1, 'the user has a groups attribute to check as well');
        checkDescribed(user.body, schemaOf(URN.user).attributes, '');
        const group = await server.request('GET', `/Groups/${groupId}`);
        checkDescribed(group.body, schemaOf(URN.group).attributes, '');
      });

      void test('one schema reads by its URN, and an unknown URN answers 404', async () => {
        const response = await server.request('GET', `/Schemas/${ENTERPRISE}`);
        expectStatus(response, 200);
        assert.equal(response.body.id, ENTERPRISE);
        expectScimError(await server.request('GET', '/Schemas/urn:example:no-such-schema'), 404);
        expectScimError(await server.request('GET', '/ResourceTypes/Printer'), 404);
      });

      void test('a filter on a discovery endpoint answers 403 rather than pretending it matched', async () => {
        for (const path of ['/Schemas', '/ResourceTypes', '/ServiceProviderConfig'])
          expectScimError(await server.request('GET', `${path}?${filterQuery('id eq "x"')}`), 403);
      });

      void test('/Me answers 501 with a SCIM error, since a token belongs to a connection, not a user', async () => {
        expectScimError(await server.request('GET', '/Me'), 501);
        expectScimError(
          await server.request('PATCH', '/Me', patchOp({ op: 'replace', path: 'nickName', value: 'x' })),
          501,
        );
        expectScimError(await server.request('PUT', '/Me', userBody('me')), 501);
        expectScimError(await server.request('DELETE', '/Me'), 501);
      });
    });

    void describe('filters', () => {
      let server: ScimServer;
      const ids: Record<string, string> = {};
      before(async () => {
        server = await startScimServer({ dialect });
        ids['alice'] = await createUser(server, 'alice', {
          schemas: [URN.user, ENTERPRISE],
          externalId: 'abc',
          name: { givenName: 'Alice', familyName: "O'Malley" },
          userType: 'Employee',
          title: 'Engineer',
          emails: [
            { type: 'work', value: 'alice@example.com', primary: true },
            { type: 'home', value: 'alice@home.example.org' },
          ],
          ims: [{ type: 'xmpp', value: 'alice@foo.com' }],
          [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D' },
        });
        ids['bob'] = await createUser(server, 'bob', {
          schemas: [URN.user, ENTERPRISE],
          externalId: 'xyz',
          name: { givenName: 'Bob', familyName: 'Builder' },
          userType: 'Contractor',
          title: 'Engineer',
          active: false,
          emails: [{ type: 'work', value: 'bob@example.org', primary: true }],
          [ENTERPRISE]: { employeeNumber: '1002', manager: { value: ids['alice'] } },
        });
        ids['carol'] = await createUser(server, 'carol', {
          schemas: [URN.user, ENTERPRISE],
          name: { givenName: 'Carol', familyName: 'Danvers' },
          userType: 'Employee',
          title: 'Manager',
          emails: [{ type: 'work', value: 'carol@example.net', primary: true }],
          [ENTERPRISE]: { department: 'Sales' },
        });
        ids['dave'] = expectCreated(
          await server.request('POST', '/Users', {
            schemas: [URN.user],
            userName: 'dave',
            name: { givenName: 'Dave', familyName: 'Grohl' },
            userType: 'Intern',
            active: true,
          }),
        );
        await createGroup(server, 'Engineers', [ids['alice'], ids['bob']]);
        await createGroup(server, 'Managers', [ids['carol']]);
      });
      after(() => server.close());

      void test('userName eq "ALICE" finds alice, because userName is not case-exact', async () => {
        assert.deepEqual(await usersMatching(server, 'userName eq "ALICE"'), ['alice']);
      });

      void test('externalId eq "ABC" does not find abc, because externalId is case-exact', async () => {
        assert.deepEqual(await usersMatching(server, 'externalId eq "ABC"'), []);
        assert.deepEqual(await usersMatching(server, 'externalId eq "abc"'), ['alice']);
      });

      void test('attribute names, operators and logical words are case-insensitive', async () => {
        assert.deepEqual(await usersMatching(server, 'USERNAME EQ "alice" OR UserName Eq "bob"'), [
          'alice',
          'bob',
        ]);
        assert.deepEqual(await usersMatching(server, 'name.FAMILYNAME co "malley" AnD Title eq "engineer"'), [
          'alice',
        ]);
      });

      void test('URN-qualified names resolve to the same attributes as their short forms', async () => {
        assert.deepEqual(await usersMatching(server, `${URN.user}:userName eq "alice"`), ['alice']);
        assert.deepEqual(await usersMatching(server, `${URN.user}:name.givenName eq "carol"`), ['carol']);
        assert.deepEqual(await usersMatching(server, `${ENTERPRISE}:employeeNumber eq "1002"`), ['bob']);
        assert.deepEqual(await usersMatching(server, `${ENTERPRISE}:manager.value eq "${ids['alice']}"`), [
          'bob',
        ]);
        assert.deepEqual(await usersMatching(server, `${ENTERPRISE}:department pr`), ['alice', 'carol']);
      });

      void test('each string operator compares by the attribute’s rules', async () => {
        assert.deepEqual(await usersMatching(server, 'userType ne "Employee"'), ['bob', 'dave']);
        assert.deepEqual(await usersMatching(server, 'emails co "EXAMPLE.ORG"'), ['alice', 'bob']);
        assert.deepEqual(await usersMatching(server, 'userName sw "C"'), ['carol']);
        assert.deepEqual(await usersMatching(server, 'emails.value ew ".net"'), ['carol']);
        assert.deepEqual(await usersMatching(server, 'title pr'), ['alice', 'bob', 'carol']);
        assert.deepEqual(await usersMatching(server, 'emails pr'), ['alice', 'bob', 'carol']);
        assert.deepEqual(await usersMatching(server, 'name.familyName co "O\'Malley"'), ['alice']);
      });

      void test('gt, ge, lt and le order strings case-insensitively', async () => {
        assert.deepEqual(await usersMatching(server, 'userName gt "BOB"'), ['carol', 'dave']);
        assert.deepEqual(await usersMatching(server, 'userName ge "Bob"'), ['bob', 'carol', 'dave']);
        assert.deepEqual(await usersMatching(server, 'userName lt "bob"'), ['alice']);
        assert.deepEqual(await usersMatching(server, 'userName le "BOB"'), ['alice', 'bob']);
      });

      void test('dateTime comparisons are chronological and accept offsets and seven fractional digits', async () => {
        const all = ['alice', 'bob', 'carol', 'dave'];
        assert.deepEqual(await usersMatching(server, 'meta.lastModified gt "2011-05-13T04:42:34Z"'), all);
        assert.deepEqual(
          await usersMatching(server, 'meta.created ge "2015-10-10T14:38:21.8617979-07:00"'),
          all,
        );
        assert.deepEqual(await usersMatching(server, 'meta.created lt "2011-05-13T04:42:34Z"'), []);
        const carolCreated = (await server.request('GET', `/Users/${ids['carol']}`)).body.meta
          .created as string;
        const fromCarol = await usersMatching(server, `meta.created ge "${carolCreated}"`);
        assert.ok(
          fromCarol.includes('carol') && fromCarol.includes('dave'),
          `created ge carol: ${fromCarol.join()}`,
        );
        const untilCarol = await usersMatching(server, `meta.created le "${carolCreated}"`);
        assert.ok(
          untilCarol.includes('carol') && untilCarol.includes('alice'),
          `created le carol: ${untilCarol.join()}`,
        );
      });

      void test('booleans compare by value, and ordering a boolean answers 400 invalidFilter', async () => {
        assert.deepEqual(await usersMatching(server, 'active eq true'), ['alice', 'carol', 'dave']);
        assert.deepEqual(await usersMatching(server, 'active eq false'), ['bob']);
        expectScimError(
          await server.request('GET', `/Users?${filterQuery('active gt true')}`),
          400,
          'invalidFilter',
        );
      });

      void test('a value path filters inside one element of a multi-valued attribute', async () => {
        assert.deepEqual(await usersMatching(server, 'emails[type eq "work" and value co "@example.com"]'), [
          'alice',
        ]);
        assert.deepEqual(
          await usersMatching(server, 'emails[type eq "home" and value co "@example.com"]'),
          [],
        );
        assert.deepEqual(await usersMatching(server, 'emails[not (type eq "work")]'), ['alice']);
        assert.deepEqual(await usersMatching(server, 'emails[type eq "work"] and userType eq "Employee"'), [
          'alice',
          'carol',
        ]);
      });

      void test('the lenient emails[type eq "work"].value eq form means one element that is both', async () => {
        assert.deepEqual(await usersMatching(server, 'emails[type eq "work"].value eq "alice@example.com"'), [
          'alice',
        ]);
        assert.deepEqual(
          await usersMatching(server, 'emails[type eq "home"].value eq "alice@example.com"'),
          [],
        );
      });

      void test('a multi-valued attribute matches when any of its values matches', async () => {
        assert.deepEqual(await usersMatching(server, 'emails.value eq "ALICE@home.example.org"'), ['alice']);
        assert.deepEqual(await usersMatching(server, 'emails co "example.net"'), ['carol']);
        assert.deepEqual(await usersMatching(server, 'emails.type eq "home"'), ['alice']);
      });

      void test('not binds tighter than and, which binds tighter than or; parentheses override', async () => {
        assert.deepEqual(
          await usersMatching(server, 'userName eq "bob" or userType eq "Employee" and title eq "Manager"'),
          ['bob', 'carol'],
        );
        assert.deepEqual(
          await usersMatching(server, '(userName eq "bob" or userType eq "Employee") and title eq "Manager"'),
          ['carol'],
        );
        assert.deepEqual(await usersMatching(server, 'not (userType eq "Employee") and title pr'), ['bob']);
        assert.deepEqual(
          await usersMatching(server, 'not (userType eq "Employee" or userType eq "Intern")'),
          ['bob'],
        );
        assert.deepEqual(
          await usersMatching(server, 'title eq "Manager" or not (userName eq "alice") and active eq false'),
          ['bob', 'carol'],
        );
      });

      void test('the RFC’s own filter examples give the expected users', async () => {
        assert.deepEqual(
          await usersMatching(
            server,
            'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
          ),
          ['alice'],
        );
        assert.deepEqual(
          await usersMatching(
            server,
            'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
          ),
          ['dave'],
        );
        assert.deepEqual(
          await usersMatching(
            server,
            'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
          ),
          ['alice'],
        );
      });

      void test('id, complex presence and meta attributes are filterable', async () => {
        assert.deepEqual(await usersMatching(server, `id eq "${ids['bob']}"`), ['bob']);
        assert.deepEqual(await usersMatching(server, `id eq "${ids['bob']!.toUpperCase()}"`), []);
        assert.deepEqual(await usersMatching(server, 'name pr and ims pr'), ['alice']);
        assert.deepEqual(
          await usersMatching(server, 'meta.resourceType eq "User" and userType eq "Intern"'),
          ['dave'],
        );
      });

      void test('a filter sent with + for spaces is decoded', async () => {
        const response = await server.request('GET', '/Users?filter=userName+eq+%22carol%22');
        assert.deepEqual(userNamesOf(expectListResponse(response)), ['carol']);
      });

      void test('group filters: displayName is case-insensitive and members can be searched by value', async () => {
        const groupsMatching = async (filter: string): Promise<string[]> =>
          expectListResponse(
            await server.request('GET', `/Groups?${filterQuery(filter)}&excludedAttributes=members`),
          )
            .map((g: { displayName: string }) => g.displayName)
            .sort();
        assert.deepEqual(await groupsMatching('displayName eq "ENGINEERS"'), ['Engineers']);
        assert.deepEqual(await groupsMatching(`members.value eq "${ids['bob']}"`), ['Engineers']);
        assert.deepEqual(await groupsMatching(`members[value eq "${ids['carol']}"]`), ['Managers']);
        assert.deepEqual(await groupsMatching(`${URN.group}:displayName sw "man"`), ['Managers']);
      });

      void test('garbage, unknown attributes and impossible comparisons answer 400 invalidFilter, never every row', async () => {
        for (const filter of [
          'userName eq',
          'userName eq "alice" and',
          '(userName eq "alice"',
          'userName xx "alice"',
          'noSuchAttribute eq "x"',
          'emails[type eq "work"',
          '"alice"',
          'userName eq "unterminated',
          'userName eq "alice" userType eq "Employee"',
          'name.noSuchPart eq "x"',
        ]) {
          const response = await server.request('GET', `/Users?${filterQuery(filter)}`);
          expectScimError(response, 400, 'invalidFilter');
        }
      });

      void test('a filter on the never-returned password is refused', async () => {
        expectScimError(
          await server.request('GET', `/Users?${filterQuery('password eq "secret"')}`),
          400,
          'invalidFilter',
        );
      });

      void test('deep nesting answers 400 invalidFilter instead of exhausting the stack; modest nesting works', async () => {
        const nested = (depth: number) => `${'('.repeat(depth)}userName eq "alice"${')'.repeat(depth)}`;
        assert.deepEqual(await usersMatching(server, nested(10)), ['alice']);
        expectScimError(
          await server.request('GET', `/Users?${filterQuery(nested(2000))}`),
          400,
          'invalidFilter',
        );
        const search = await server.request('POST', '/Users/.search', {
          schemas: [URN.searchRequest],
          filter: nested(100_000),
        });
        expectScimError(search, 400, 'invalidFilter');
        const notChain = `${'not ('.repeat(50_000)}userName eq "alice"${')'.repeat(50_000)}`;
        expectScimError(
          await server.request('POST', '/Users/.search', { schemas: [URN.searchRequest], filter: notChain }),
          400,
          'invalidFilter',
        );
        assert.deepEqual(
          await usersMatching(server, 'userName eq "alice"'),
          ['alice'],
          'the server is still up',
        );
      });
    });

    void describe('paging by startIndex and count, and RFC 9865 cursors', () => {
      let server: ScimServer;
      const names = Array.from({ length: 25 }, (_, i) => `p-${String(i + 1).padStart(2, '0')}`);
      let firstPageIds: string[] = [];
      before(async () => {
        server = await startScimServer({ dialect });
        for (const name of names) await createUser(server, name);
      });
      after(() => server.close());

      const walk = async (count: number): Promise<string[]> => {
        const seen: string[] = [];
        for (let start = 1; ; start += count) {
          const response = await server.request('GET', `/Users?startIndex=${start}&count=${count}`);
          const resources = expectListResponse(response);
          assert.equal(response.body.startIndex, start, 'startIndex is echoed');
          assert.equal(response.body.itemsPerPage, resources.length);
          assert.equal(response.body.totalResults, 25);
          seen.push(...resources.map((r: { id: string }) => r.id));
          if (start + count > 25) break;
          assert.equal(resources.length, count);
        }
        return seen;
      };

      void test('startIndex and count page through every user exactly once', async () => {
        const seen = await walk(10);
        assert.equal(seen.length, 25);
        assert.equal(new Set(seen).size, 25);
        firstPageIds = seen;
      });

      void test('the order is the same whatever the page size', async () => {
        assert.deepEqual(await walk(7), firstPageIds);
        assert.deepEqual(await walk(1), firstPageIds);
        const one = await server.request('GET', '/Users?count=100');
        assert.deepEqual(
          expectListResponse(one).map((r: { id: string }) => r.id),
          firstPageIds,
        );
      });

      void test('startIndex below 1 is treated as 1', async () => {
        for (const start of ['0', '-3']) {
          const response = await server.request('GET', `/Users?startIndex=${start}&count=2`);
          const resources = expectListResponse(response);
          assert.equal(response.body.startIndex, 1);
          assert.deepEqual(
            resources.map((r: { id: string }) => r.id),
            firstPageIds.slice(0, 2),
          );
        }
      });

      void test('count=0 answers only the total, and a negative count counts as 0', async () => {
        for (const count of ['0', '-5']) {
          const response = await server.request('GET', `/Users?count=${count}`);
          const resources = expectListResponse(response);
          assert.equal(response.body.totalResults, 25);
          assert.deepEqual(resources, []);
        }
      });

      void test('a startIndex past the end answers an empty page with the total', async () => {
        const response = await server.request('GET', '/Users?startIndex=100&count=10');
        assert.deepEqual(expectListResponse(response), []);
        assert.equal(response.body.totalResults, 25);
      });

      void test('a filtered list pages over the matches only', async () => {
        const response = await server.request(
          'GET',
          `/Users?${filterQuery('userName sw "p-1"')}&startIndex=3&count=4`,
        );
        const resources = expectListResponse(response);
        assert.equal(response.body.totalResults, 10);
        assert.deepEqual(userNamesOf(resources), ['p-12', 'p-13', 'p-14', 'p-15']);
      });

      void test('cursor paging gives nextCursor on every page but the last and visits each user once', async () => {
        const seen: string[] = [];
        let cursor = '';
        let pages = 0;
        for (;;) {
          const response = await server.request(
            'GET',
            `/Users?cursor=${encodeURIComponent(cursor)}&count=10`,
          );
          const resources = expectListResponse(response);
          pages++;
          seen.push(...resources.map((r: { id: string }) => r.id));
          if (response.body.totalResults !== undefined) assert.equal(response.body.totalResults, 25);
          if (response.body.nextCursor === undefined) break;
          assert.equal(typeof response.body.nextCursor, 'string');
          assert.match(
            response.body.nextCursor,
            /^[A-Za-z0-9._~-]+$/,
            'cursors use unreserved characters only',
          );
          assert.equal(resources.length, 10, 'only the last page is short');
          cursor = response.body.nextCursor;
          assert.ok(pages < 10, 'cursor paging terminates');
        }
        assert.equal(pages, 3);
        assert.deepEqual(seen, firstPageIds);
      });

      void test('cursor paging honours the filter', async () => {
        const filter = filterQuery('userName sw "p-1"');
        const seen: string[] = [];
        let cursor = '';
        for (let page = 0; page < 10; page++) {
          const response = await server.request(
            'GET',
            `/Users?${filter}&cursor=${encodeURIComponent(cursor)}&count=3`,
          );
          seen.push(...userNamesOf(expectListResponse(response)));
          if (response.body.nextCursor === undefined) break;
          cursor = response.body.nextCursor;
        }
        assert.deepEqual(seen, names.slice(9, 19));
      });

      void test('a cursor the server never issued answers 400 invalidCursor', async () => {
        for (const garbage of ['garbage', 'bm90LWEtY3Vyc29y', 'eyJ4IjoxfQ', 'A'.repeat(300)]) {
          const response = await server.request('GET', `/Users?cursor=${garbage}&count=10`);
          expectScimError(response, 400, 'invalidCursor');
        }
      });

      void test('pages sorted on a key every user shares still visit each user exactly once', async () => {
        // userBody gives every user the givenName "Test": only a tie-breaker keeps the order stable.
        const byIndex: string[] = [];
        for (let start = 1; start <= 25; start += 7) {
          const response = await server.request(
            'GET',
            `/Users?sortBy=name.givenName&startIndex=${start}&count=7`,
          );
          byIndex.push(...expectListResponse(response).map((r: { id: string }) => r.id));
        }
        assert.equal(new Set(byIndex).size, 25);
        const byCursor: string[] = [];
        let cursor = '';
        for (let page = 0; page < 10; page++) {
          const response = await server.request(
            'GET',
            `/Users?sortBy=name.givenName&sortOrder=descending&cursor=${encodeURIComponent(cursor)}&count=6`,
          );
          byCursor.push(...expectListResponse(response).map((r: { id: string }) => r.id));
          if (response.body.nextCursor === undefined) break;
          cursor = response.body.nextCursor;
        }
        assert.equal(byCursor.length, 25);
        assert.equal(new Set(byCursor).size, 25);
      });

      void test('cursor pages follow sortBy and sortOrder across pages', async () => {
        const seen: string[] = [];
        let cursor = '';
        for (let page = 0; page < 10; page++) {
          const response = await server.request(
            'GET',
            `/Users?sortBy=userName&sortOrder=descending&cursor=${encodeURIComponent(cursor)}&count=4`,
          );
          seen.push(...userNamesOf(expectListResponse(response)));
          if (response.body.nextCursor === undefined) break;
          cursor = response.body.nextCursor;
        }
        assert.deepEqual(seen, [...names].reverse());
      });

      void test('a cursor reused with a different sort answers 400 invalidCursor', async () => {
        const first = await server.request('GET', '/Users?sortBy=userName&cursor=&count=5');
        expectListResponse(first);
        const next = first.body.nextCursor as string;
        assert.ok(next);
        const changed = await server.request(
          'GET',
          `/Users?sortBy=userName&sortOrder=descending&cursor=${encodeURIComponent(next)}&count=5`,
        );
        expectScimError(changed, 400, 'invalidCursor');
      });

      void test('a cursor reused with a different filter answers 400 invalidCursor', async () => {
        const first = await server.request(
          'GET',
          `/Users?${filterQuery('userName sw "p-"')}&cursor=&count=5`,
        );
        expectListResponse(first);
        const next = first.body.nextCursor as string;
        assert.ok(next);
        const changed = await server.request(
          'GET',
          `/Users?${filterQuery('userName sw "p-2"')}&cursor=${encodeURIComponent(next)}&count=5`,
        );
        expectScimError(changed, 400, 'invalidCursor');
      });

      void test('POST /.search takes the cursor in the SearchRequest body', async () => {
        const first = await server.request('POST', '/Users/.search', {
          schemas: [URN.searchRequest],
          cursor: '',
          count: 20,
        });
        const page1 = expectListResponse(first);
        assert.equal(page1.length, 20);
        assert.ok(first.body.nextCursor);
        const second = await server.request('POST', '/Users/.search', {
          schemas: [URN.searchRequest],
          cursor: first.body.nextCursor,
          count: 20,
        });
        const page2 = expectListResponse(second);
        assert.equal(second.body.nextCursor, undefined);
        assert.deepEqual(
          [...page1, ...page2].map((r: { id: string }) => r.id),
          firstPageIds,
        );
      });

      void test('count above maxResults is capped at maxResults', async () => {
        const config = await server.request('GET', '/ServiceProviderConfig');
        const maxResults = config.body.filter.maxResults as number;
        const maxOperations = config.body.bulk.maxOperations as number;
        const toCreate = maxResults + 1 - 25;
        for (let offset = 0; offset < toCreate; offset += maxOperations) {
          const batch = Math.min(maxOperations, toCreate - offset);
          const response = await server.request('POST', '/Bulk', {
            schemas: [URN.bulkRequest],
            Operations: Array.from({ length: batch }, (_, i) => ({
              method: 'POST',
              path: '/Users',
              bulkId: `cap-${offset + i}`,
              data: { schemas: [URN.user], userName: `cap-${String(offset + i).padStart(5, '0')}` },
            })),
          });
          expectStatus(response, 200);
          const failed = (response.body.Operations as { status: string }[]).filter((o) => o.status !== '201');
          assert.deepEqual(failed, [], 'every bulk create succeeds');
        }
        const response = await server.request('GET', `/Users?count=${maxResults * 5}`);
        const resources = expectListResponse(response);
        assert.equal(response.body.totalResults, maxResults + 1);
        assert.equal(resources.length, maxResults);
        assert.equal(response.body.itemsPerPage, maxResults);
        const rest = await server.request(
          'GET',
          `/Users?startIndex=${maxResults + 1}&count=${maxResults * 5}`,
        );
        assert.equal(expectListResponse(rest).length, 1);
      });
    });

    void describe('sorting', () => {
      let server: ScimServer;
      before(async () => {
        server = await startScimServer({ dialect });
        // Created out of order, with mixed case and the primary email not first for bravo.
        await createUser(server, 'charlie', {
          name: { givenName: 'C', familyName: 'Zulu' },
          emails: [{ value: 'c@example.com', primary: true }],
          schemas: [URN.user, ENTERPRISE],
          [ENTERPRISE]: { employeeNumber: '3' },
        });
        await createUser(server, 'Alpha', {
          name: { givenName: 'A', familyName: 'yankee' },
          emails: [{ value: 'd@example.com', primary: true }],
          schemas: [URN.user, ENTERPRISE],
          [ENTERPRISE]: { employeeNumber: '4' },
        });
        await createUser(server, 'delta', {
          name: { givenName: 'D', familyName: 'Xray' },
          emails: [{ value: 'b@example.com', primary: true }],
          schemas: [URN.user, ENTERPRISE],
          [ENTERPRISE]: { employeeNumber: '1' },
        });
        await createUser(server, 'bravo', {
          name: { givenName: 'B', familyName: 'whiskey' },
          emails: [
            { value: 'zz@example.com', type: 'home' },
            { value: 'a@example.com', type: 'work', primary: true },
          ],
          schemas: [URN.user, ENTERPRISE],
          [ENTERPRISE]: { employeeNumber: '2' },
        });
        for (const name of ['beta group', 'Alpha group', 'gamma group']) await createGroup(server, name);
      });
      after(() => server.close());

      const sorted = async (query: string): Promise<string[]> =>
        userNamesOf(expectListResponse(await server.request('GET', `/Users?${query}`)));

      void test('sortBy=userName orders case-insensitively, ascending by default', async () => {
        assert.deepEqual(await sorted('sortBy=userName'), ['Alpha', 'bravo', 'charlie', 'delta']);
        assert.deepEqual(await sorted('sortBy=userName&sortOrder=ascending'), [
          'Alpha',
          'bravo',
          'charlie',
          'delta',
        ]);
      });

      void test('sortOrder=descending reverses the order', async () => {
        assert.deepEqual(await sorted('sortBy=userName&sortOrder=descending'), [
          'delta',
          'charlie',
          'bravo',
          'Alpha',
        ]);
      });

      void test('sortBy takes sub-attributes and URN-qualified names', async () => {
        assert.deepEqual(await sorted('sortBy=name.familyName'), ['bravo', 'delta', 'Alpha', 'charlie']);
        assert.deepEqual(await sorted(`sortBy=${URN.user}:userName&sortOrder=descending`), [
          'delta',
          'charlie',
          'bravo',
          'Alpha',
        ]);
        assert.deepEqual(await sorted(`sortBy=${ENTERPRISE}:employeeNumber`), [
          'delta',
          'bravo',
          'charlie',
          'Alpha',
        ]);
      });

      void test('sorting by a multi-valued attribute uses the primary value', async () => {
        assert.deepEqual(await sorted('sortBy=emails.value'), ['bravo', 'delta', 'charlie', 'Alpha']);
      });

      void test('sorting combines with filters and paging', async () => {
        assert.deepEqual(await sorted('sortBy=userName&startIndex=2&count=2'), ['bravo', 'charlie']);
        assert.deepEqual(
          await sorted(`sortBy=userName&sortOrder=descending&${filterQuery('userName ne "delta"')}`),
          ['charlie', 'bravo', 'Alpha'],
        );
      });

      void test('groups sort by displayName', async () => {
        const response = await server.request('GET', '/Groups?sortBy=displayName&excludedAttributes=members');
        assert.deepEqual(
          expectListResponse(response).map((g: { displayName: string }) => g.displayName),
          ['Alpha group', 'beta group', 'gamma group'],
        );
      });

      void test('a bad sortOrder answers 400 with a SCIM error', async () => {
        expectScimError(await server.request('GET', '/Users?sortBy=userName&sortOrder=sideways'), 400);
      });
    });

    void describe('attributes and excludedAttributes', () => {
      let server: ScimServer;
      let userId = '';
      let groupId = '';
      before(async () => {
        server = await startScimServer({ dialect });
        userId = await createUser(server, 'projected', {
          schemas: [URN.user, ENTERPRISE],
          displayName: 'Projected User',
          name: { givenName: 'Pro', familyName: 'Jected', middleName: 'X' },
          emails: [
            { value: 'p@example.com', type: 'work', primary: true },
            { value: 'p@home.example', type: 'home' },
          ],
          password: 'never-returned-1',
          [ENTERPRISE]: { department: 'Maps', costCenter: 'C1' },
        });
        groupId = await createGroup(server, 'Projected Group', [userId]);
      });
      after(() => server.close());

      void test('attributes returns the named attributes plus the always-returned id and schemas', async () => {
        const response = await server.request('GET', `/Users/${userId}?attributes=userName`);
        expectStatus(response, 200);
        assert.equal(response.body.userName, 'projected');
        assert.equal(response.body.id, userId);
        assert.ok(Array.isArray(response.body.schemas));
        for (const key of ['name', 'emails', 'displayName', 'active', 'groups', ENTERPRISE])
          assert.equal(response.body[key], undefined, `${key} was not asked for`);
        assert.deepEqual(
          keysOf(response.body).filter((k) => !['id', 'schemas', 'userName', 'meta'].includes(k)),
          [],
        );
      });

      void test('attributes takes sub-attributes', async () => {
        const response = await server.request(
          'GET',
          `/Users/${userId}?attributes=name.givenName,emails.value`,
        );
        expectStatus(response, 200);
        assert.deepEqual(response.body.name, { givenName: 'Pro' });
        assert.deepEqual(response.body.emails, [{ value: 'p@example.com' }, { value: 'p@home.example' }]);
      });

      void test('attributes takes URN-qualified names, core and extension', async () => {
        const response = await server.request(
          'GET',
          `/Users/${userId}?attributes=${URN.user}:displayName,${ENTERPRISE}:department`,
        );
        expectStatus(response, 200);
        assert.equal(response.body.displayName, 'Projected User');
        assert.deepEqual(response.body[ENTERPRISE], { department: 'Maps' });
        assert.equal(response.body.userName, undefined);
      });

      void test('excludedAttributes removes attributes but never id or schemas', async () => {
        const response = await server.request(
          'GET',
          `/Users/${userId}?excludedAttributes=emails,name,id,schemas,${ENTERPRISE}:costCenter`,
        );
        expectStatus(response, 200);
        assert.equal(response.body.emails, undefined);
        assert.equal(response.body.name, undefined);
        assert.equal(response.body.id, userId);
        assert.ok(Array.isArray(response.body.schemas));
        assert.equal(response.body.userName, 'projected');
        assert.deepEqual(response.body[ENTERPRISE], { department: 'Maps' });
      });

      void test('the password is never returned, not even when asked for', async () => {
        for (const query of ['', '?attributes=password', '?attributes=password,userName']) {
          const response = await server.request('GET', `/Users/${userId}${query}`);
          expectStatus(response, 200);
          assert.equal(response.body.password, undefined);
          assert.ok(!response.text.includes('never-returned-1'));
        }
      });

      void test('lists honour attributes and excludedAttributes', async () => {
        const response = await server.request(
          'GET',
          `/Users?attributes=userName&${filterQuery('userName eq "projected"')}`,
        );
        const [user] = expectListResponse(response);
        assert.equal(user.userName, 'projected');
        assert.equal(user.emails, undefined);
        const groups = await server.request('GET', '/Groups?excludedAttributes=members');
        const [group] = expectListResponse(groups);
        assert.equal(group.displayName, 'Projected Group');
        assert.equal('members' in group, false);
      });

      void test('a value-path attribute list as Microsoft’s Postman suite sends it is tolerated', async () => {
        const response = await server.request(
          'GET',
          `/Users/${userId}?attributes=${encodeURIComponent('emails[type eq "work"]')}`,
        );
        expectStatus(response, 200);
        assert.ok(Array.isArray(response.body.emails));
      });

      void test('POST, PUT and PATCH responses honour attributes and excludedAttributes', async () => {
        const created = await server.request(
          'POST',
          '/Users?attributes=userName',
          userBody('projected.post'),
        );
        const createdId = expectCreated(created);
        assert.equal(created.body.userName, 'projected.post');
        assert.equal(created.body.emails, undefined);
        assert.equal(created.body.name, undefined);
        const replaced = await server.request(
          'PUT',
          `/Users/${createdId}?excludedAttributes=emails`,
          userBody('projected.post', { title: 'Replaced' }),
        );
        expectStatus(replaced, 200);
        assert.equal(replaced.body.emails, undefined);
        assert.equal(replaced.body.title, 'Replaced');
        assert.ok(replaced.body.name);
        const patched = await server.request(
          'PATCH',
          `/Users/${createdId}?attributes=displayName`,
          patchOp({ op: 'replace', path: 'displayName', value: 'Patched' }),
        );
        expectStatus(patched, 200);
        assert.equal(patched.body.displayName, 'Patched');
        assert.equal(patched.body.userName, undefined);
        assert.equal(patched.body.id, createdId);
      });

      void test('a group PATCH with attributes answers 200 with just those attributes', async () => {
        const response = await server.request(
          'PATCH',
          `/Groups/${groupId}?attributes=displayName`,
          patchOp({ op: 'replace', path: 'displayName', value: 'Projected Group 2' }),
        );
        expectStatus(response, 200);
        assert.equal(response.body.displayName, 'Projected Group 2');
        assert.equal(response.body.members, undefined);
      });

      void test('a group reads with or without its members', async () => {
        const without = await server.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
        expectStatus(without, 200);
        assert.equal('members' in without.body, false);
        const only = await server.request('GET', `/Groups/${groupId}?attributes=members`);
        expectStatus(only, 200);
        assert.deepEqual(
          only.body.members.map((m: { value: string }) => m.value),
          [userId],
        );
        assert.equal(only.body.displayName, undefined);
      });

      void test('POST /Users/.search filters, sorts, pages and projects from the body', async () => {
        await createUser(server, 'projected.search.b');
        await createUser(server, 'projected.search.a');
        const response = await server.request('POST', '/Users/.search', {
          schemas: [URN.searchRequest],
          attributes: ['userName'],
          filter: 'userName sw "projected.search"',
          sortBy: 'userName',
          sortOrder: 'descending',
          startIndex: 1,
          count: 10,
        });
        const resources = expectListResponse(response);
        assert.deepEqual(userNamesOf(resources), ['projected.search.b', 'projected.search.a']);
        assert.equal(resources[0].emails, undefined);
        assert.equal(response.body.totalResults, 2);
      });

      void test('POST /.search at the root finds users and groups together', async () => {
        await createUser(server, 'root.search.user', { displayName: 'Rooted thing' });
        await createGroup(server, 'Rooted thing group');
        const response = await server.request('POST', '/.search', {
          schemas: [URN.searchRequest],
          filter: 'displayName sw "Rooted"',
          excludedAttributes: ['members'],
        });
        const resources = expectListResponse(response);
        assert.equal(response.body.totalResults, 2);
        assert.deepEqual(
          resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType).sort(),
          ['Group', 'User'],
        );
      });

      void test('a SearchRequest with the wrong schema answers 400', async () => {
        const response = await server.request('POST', '/Users/.search', {
          schemas: ['urn:example:not-a-search'],
          filter: 'userName pr',
        });
        expectScimError(response, 400);
      });
    });

    void describe('ETags', () => {
      let server: ScimServer;
      let userId = '';
      let etag = '';
      before(async () => {
        server = await startScimServer({ dialect });
      });
      after(() => server.close());

      void test('POST and GET answer an ETag equal to meta.version', async () => {
        const created = await server.request('POST', '/Users', userBody('etag.user'));
        userId = expectCreated(created);
        assert.ok(created.headers.get('etag'));
        assert.equal(created.headers.get('etag'), created.body.meta.version);
        const read = await server.request('GET', `/Users/${userId}`);
        etag = read.headers.get('etag') ?? '';
        assert.equal(etag, read.body.meta.version);
        assert.equal(etag, created.headers.get('etag'));
      });

      void test('If-None-Match with the current version answers 304 without a body', async () => {
        const response = await server.request('GET', `/Users/${userId}`, undefined, {
          'If-None-Match': etag,
        });
        assert.equal(response.status, 304);
        assert.equal(response.text, '');
      });

      void test('If-None-Match with another version answers 200', async () => {
        const response = await server.request('GET', `/Users/${userId}`, undefined, {
          'If-None-Match': 'W/"stale"',
        });
        expectStatus(response, 200);
      });

      void test('If-Match with the current version lets a PATCH through and the ETag changes', async () => {
        const response = await server.request(
          'PATCH',
          `/Users/${userId}`,
          patchOp({ op: 'replace', path: 'nickName', value: 'v2' }),
          { 'If-Match': etag },
        );
        expectStatus(response, 200, 204);
        const next = response.headers.get('etag');
        assert.ok(next);
        assert.notEqual(next, etag);
        const read = await server.request('GET', `/Users/${userId}`);
        assert.equal(read.body.meta.version, next);
      });

      void test('If-Match with an old version refuses PUT, PATCH and DELETE with 412 and changes nothing', async () => {
        const before = await server.request('GET', `/Users/${userId}`);
        const headers = { 'If-Match': etag };
        expectScimError(
          await server.request(
            'PUT',
            `/Users/${userId}`,
            userBody('etag.user', { nickName: 'lost' }),
            headers,
          ),
          412,
        );
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'replace', path: 'nickName', value: 'lost' }),
            headers,
          ),
          412,
        );
        expectScimError(await server.request('DELETE', `/Users/${userId}`, undefined, headers), 412);
        const after = await server.request('GET', `/Users/${userId}`);
        assert.equal(after.body.nickName, 'v2');
        assert.equal(after.body.meta.version, before.body.meta.version);
      });

      void test('groups carry ETags too, and a stale If-Match on a member PATCH answers 412', async () => {
        const created = await server.request('POST', '/Groups', {
          schemas: [URN.group],
          displayName: 'ETag group',
        });
        const groupId = expectCreated(created);
        const stale = created.headers.get('etag') ?? '';
        assert.ok(stale);
        expectStatus(
          await server.request(
            'PATCH',
            `/Groups/${groupId}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: userId }] }),
          ),
          200,
          204,
        );
        const response = await server.request(
          'PATCH',
          `/Groups/${groupId}`,
          patchOp({ op: 'remove', path: 'members' }),
          { 'If-Match': stale },
        );
        expectScimError(response, 412);
        assert.deepEqual(await memberIdsOf(server, groupId), [userId]);
      });

      void test('a Bulk operation with a stale version answers 412 in its result', async () => {
        const response = await server.request('POST', '/Bulk', {
          schemas: [URN.bulkRequest],
          Operations: [
            {
              method: 'PATCH',
              path: `/Users/${userId}`,
              version: etag,
              data: patchOp({ op: 'replace', path: 'nickName', value: 'bulk' }),
            },
          ],
        });
        expectStatus(response, 200);
        assert.equal(response.body.Operations[0].status, '412');
      });
    });

    void describe('Bulk', () => {
      let server: ScimServer;
      let maxOperations = 0;
      let maxPayloadSize = 0;
      before(async () => {
        server = await startScimServer({ dialect });
        const config = await server.request('GET', '/ServiceProviderConfig');
        maxOperations = config.body.bulk.maxOperations;
        maxPayloadSize = config.body.bulk.maxPayloadSize;
      });
      after(() => server.close());

      const bulk = (operations: unknown[], extra: Record<string, unknown> = {}) =>
        server.request('POST', '/Bulk', { schemas: [URN.bulkRequest], ...extra, Operations: operations });

      void test('a user and a group that names it through bulkId are created in one request', async () => {
        const response = await bulk([
          { method: 'POST', path: '/Users', bulkId: 'qwerty', data: userBody('bulk.alice') },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'ytrewq',
            data: {
              schemas: [URN.group],
              displayName: 'Bulk Group',
              members: [{ type: 'User', value: 'bulkId:qwerty' }],
            },
          },
        ]);
        expectStatus(response, 200);
        assert.ok(isScimJson(response));
        assert.deepEqual(response.body.schemas, [URN.bulkResponse]);
        const [userResult, groupResult] = response.body.Operations;
        assert.equal(userResult.status, '201');
        assert.equal(userResult.bulkId, 'qwerty');
        assert.equal(userResult.method, 'POST');
        assert.ok(userResult.location);
        assert.equal(groupResult.status, '201');
        const userId = (userResult.location as string).split('/').pop()!;
        const groupId = (groupResult.location as string).split('/').pop()!;
        assert.deepEqual(await memberIdsOf(server, groupId), [userId]);
        const user = await server.request('GET', `/Users/${userId}`);
        assert.equal(user.body.userName, 'bulk.alice');
      });

      void test('a reference to a bulkId created later in the request is resolved', async () => {
        const response = await bulk([
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g-forward',
            data: {
              schemas: [URN.group],
              displayName: 'Forward Group',
              members: [{ value: 'bulkId:u-forward' }],
            },
          },
          { method: 'POST', path: '/Users', bulkId: 'u-forward', data: userBody('bulk.forward') },
        ]);
        expectStatus(response, 200);
        const results = response.body.Operations as { bulkId: string; status: string; location: string }[];
        assert.deepEqual(
          results.map((r) => r.status),
          ['201', '201'],
        );
        const byId = new Map(results.map((r) => [r.bulkId, r.location.split('/').pop()!]));
        assert.deepEqual(await memberIdsOf(server, byId.get('g-forward')!), [byId.get('u-forward')]);
      });

      void test('PUT, PATCH and DELETE run on existing resources, each status reported as a string', async () => {
        const userId = await createUser(server, 'bulk.target');
        const deleteId = await createUser(server, 'bulk.doomed');
        const response = await bulk([
          { method: 'PUT', path: `/Users/${userId}`, data: userBody('bulk.target', { title: 'Put' }) },
          {
            method: 'PATCH',
            path: `/Users/${userId}`,
            data: patchOp({ op: 'replace', path: 'nickName', value: 'Patched' }),
          },
          { method: 'DELETE', path: `/Users/${deleteId}` },
        ]);
        expectStatus(response, 200);
        const statuses = (response.body.Operations as { status: string }[]).map((o) => o.status);
        assert.equal(statuses[0], '200');
        assert.ok(['200', '204'].includes(statuses[1]!));
        assert.equal(statuses[2], '204');
        const locations = (response.body.Operations as { location?: string }[]).map((o) => o.location);
        assert.ok(locations[0]?.endsWith(`/Users/${userId}`), 'a PUT result names its location');
        assert.ok(locations[1]?.endsWith(`/Users/${userId}`), 'a PATCH result names its location');
        const user = await server.request('GET', `/Users/${userId}`);
        assert.equal(user.body.title, 'Put');
        assert.equal(user.body.nickName, 'Patched');
        expectScimError(await server.request('GET', `/Users/${deleteId}`), 404);
      });

      void test('without failOnErrors every operation runs and each error is reported in its place', async () => {
        const response = await bulk([
          { method: 'POST', path: '/Users', bulkId: 'ok1', data: userBody('bulk.ok1') },
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'bad',
            data: { schemas: [URN.user], displayName: 'no userName' },
          },
          { method: 'POST', path: '/Users', bulkId: 'dup', data: userBody('BULK.OK1') },
          { method: 'POST', path: '/Users', bulkId: 'ok2', data: userBody('bulk.ok2') },
        ]);
        expectStatus(response, 200);
        const results = response.body.Operations as { status: string; response?: Record<string, unknown> }[];
        assert.deepEqual(
          results.map((r) => r.status),
          ['201', '400', '409', '201'],
        );
        assert.equal(results[1]!.response?.['scimType'], 'invalidValue');
        assert.deepEqual(results[1]!.response?.['schemas'], [URN.error]);
        assert.equal(results[2]!.response?.['scimType'], 'uniqueness');
      });

      void test('failOnErrors stops processing after that many errors', async () => {
        const response = await bulk(
          [
            { method: 'POST', path: '/Users', bulkId: 'f1', data: { schemas: [URN.user] } },
            { method: 'POST', path: '/Users', bulkId: 'f2', data: userBody('bulk.never.created') },
          ],
          { failOnErrors: 1 },
        );
        expectStatus(response, 200);
        assert.equal(response.body.Operations.length, 1);
        assert.equal(response.body.Operations[0].status, '400');
        assert.deepEqual(await usersMatching(server, 'userName eq "bulk.never.created"'), []);
      });

      void test('a bulkId that names no operation answers 409 for that operation', async () => {
        const response = await bulk([
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g-dangling',
            data: { schemas: [URN.group], displayName: 'Dangling', members: [{ value: 'bulkId:nobody' }] },
          },
        ]);
        expectStatus(response, 200);
        assert.equal(response.body.Operations[0].status, '409');
      });

      void test('more operations than maxOperations answer 413 with a SCIM error', async () => {
        const operations = Array.from({ length: maxOperations + 1 }, (_, i) => ({
          method: 'DELETE',
          path: `/Users/none-${i}`,
        }));
        expectScimError(await bulk(operations), 413);
      });

      void test('a Bulk body larger than maxPayloadSize answers 413 with a SCIM error', async () => {
        const response = await bulk([
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'huge',
            data: userBody('bulk.huge', { nickName: 'x'.repeat(maxPayloadSize) }),
          },
        ]);
        expectScimError(response, 413);
        assert.deepEqual(await usersMatching(server, 'userName eq "bulk.huge"'), []);
      });

      void test('a BulkRequest without its schema answers 400', async () => {
        const response = await server.request('POST', '/Bulk', {
          Operations: [{ method: 'POST', path: '/Users', bulkId: 'x', data: userBody('bulk.noschema') }],
        });
        expectScimError(response, 400);
      });
    });

    void describe('request bodies, media types and hostile input', () => {
      let server: ScimServer;
      let userId = '';
      before(async () => {
        server = await startScimServer({ dialect });
        userId = await createUser(server, 'body.target');
      });
      after(() => server.close());

      void test('bodies are accepted as application/scim+json or application/json, with or without a charset', async () => {
        const types = [
          'application/scim+json',
          'application/json',
          'application/scim+json; charset=utf-8',
          'application/json; charset=UTF-8',
        ];
        for (const [i, type] of types.entries()) {
          const response = await server.request('POST', '/Users', userBody(`media.${i}`), {
            'Content-Type': type,
          });
          expectCreated(response);
        }
      });

      void test('a body of another media type is refused with a SCIM error', async () => {
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
          const response = await server.request('POST', '/Users', 'userName=x', { 'Content-Type': type });
          assert.ok([400, 415].includes(response.status), `${type}: ${response.status} ${response.text}`);
          expectScimError(response, response.status);
        }
        assert.deepEqual(await usersMatching(server, 'userName eq "x"'), []);
      });

      void test('a request body over the limit answers 413 with a SCIM error', async () => {
        const response = await server.request(
          'POST',
          '/Users',
          userBody('body.huge', { nickName: 'x'.repeat(10 * MIB + 1024) }),
        );
        expectScimError(response, 413);
        assert.deepEqual(await usersMatching(server, 'userName eq "body.huge"'), []);
      });

      void test('malformed JSON answers 400 invalidSyntax', async () => {
        for (const text of [
          '{"schemas": [',
          '{"userName": "x",}',
          "{'userName': 'x'}",
          '{"userName": "x"} trailing',
        ]) {
          expectScimError(await server.request('POST', '/Users', text), 400, 'invalidSyntax');
          expectScimError(await server.request('PATCH', `/Users/${userId}`, text), 400, 'invalidSyntax');
        }
      });

      void test('deeply nested JSON answers 400 invalidSyntax and the server stays up', async () => {
        const depth = 100_000;
        const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        for (const deep of [deepArray, deepObject]) {
          const post = `{"schemas":["${URN.user}"],"userName":"deep.user","x-extra":${deep}}`;
          expectScimError(await server.request('POST', '/Users', post), 400, 'invalidSyntax');
          const patch = `{"schemas":["${URN.patchOp}"],"Operations":[{"op":"add","path":"nickName","value":${deep}}]}`;
          expectScimError(await server.request('PATCH', `/Users/${userId}`, patch), 400, 'invalidSyntax');
        }
        assert.deepEqual(await usersMatching(server, 'userName eq "deep.user"'), []);
        expectStatus(await server.request('GET', `/Users/${userId}`), 200);
      });

      void test('prototype pollution through body keys is harmless', async () => {
        const raw = `{"schemas":["${URN.user}"],"userName":"proto.keys","__proto__":{"polluted":"yes","active":false},"constructor":{"prototype":{"polluted":"yes"}},"name":{"__proto__":{"polluted":"yes"},"givenName":"P"},"emails":[{"value":"p@example.com","__proto__":{"polluted":"yes"}}]}`;
        const response = await server.request('POST', '/Users', raw);
        assert.ok([201, 400].includes(response.status), `unexpected ${response.status} ${response.text}`);
        if (response.status === 400) expectScimError(response, 400);
        else {
          assert.ok(!response.text.includes('polluted'));
          assert.equal(response.body.active, true);
        }
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype is untouched');
        const fresh = await server.request('POST', '/Users', userBody('proto.after.keys'));
        expectCreated(fresh);
        assert.ok(!fresh.text.includes('polluted'));
      });

      void test('prototype pollution through PATCH paths and no-path values is refused or ignored', async () => {
        const attempts = [
          `{"op":"add","path":"__proto__.polluted","value":"yes"}`,
          `{"op":"replace","path":"__proto__","value":{"polluted":"yes"}}`,
          `{"op":"add","path":"constructor.prototype.polluted","value":"yes"}`,
          `{"op":"add","path":"name.__proto__.polluted","value":"yes"}`,
          `{"op":"replace","path":"toString","value":"yes"}`,
          `{"op":"add","path":"emails[type eq \\"work\\"].__proto__","value":{"polluted":"yes"}}`,
          `{"op":"add","value":{"__proto__":{"polluted":"yes"}}}`,
          `{"op":"replace","value":{"constructor":{"prototype":{"polluted":"yes"}}}}`,
          `{"op":"add","path":"${ENTERPRISE}:__proto__","value":{"polluted":"yes"}}`,
        ];
        for (const operation of attempts) {
          const response = await server.request(
            'PATCH',
            `/Users/${userId}`,
            `{"schemas":["${URN.patchOp}"],"Operations":[${operation}]}`,
          );
          assert.ok(
            [200, 204, 400].includes(response.status),
            `${operation}: ${response.status} ${response.text}`,
          );
          if (response.status === 400) expectScimError(response, 400);
          assert.equal(
            ({} as Record<string, unknown>)['polluted'],
            undefined,
            `${operation} polluted Object.prototype`,
          );
        }
        const read = await server.request('GET', `/Users/${userId}`);
        expectStatus(read, 200);
        assert.ok(!read.text.includes('polluted'), read.text);
        expectScimError(
          await server.request('GET', `/Users?${filterQuery('__proto__ eq "x"')}`),
          400,
          'invalidFilter',
        );
        expectScimError(
          await server.request('GET', `/Users?${filterQuery('constructor.prototype pr')}`),
          400,
          'invalidFilter',
        );
      });

      void test('a client-supplied id is ignored on POST and never overwrites another resource', async () => {
        const response = await server.request('POST', '/Users', userBody('id.attempt', { id: userId }));
        const newId = expectCreated(response);
        assert.notEqual(newId, userId);
        const original = await server.request('GET', `/Users/${userId}`);
        assert.equal(original.body.userName, 'body.target');
      });

      void test('a missing required userName answers 400 invalidValue on POST and PUT', async () => {
        expectScimError(
          await server.request('POST', '/Users', { schemas: [URN.user], displayName: 'x' }),
          400,
          'invalidValue',
        );
        expectScimError(
          await server.request('PUT', `/Users/${userId}`, { schemas: [URN.user], displayName: 'x' }),
          400,
          'invalidValue',
        );
        expectScimError(
          await server.request('POST', '/Groups', { schemas: [URN.group] }),
          400,
          'invalidValue',
        );
      });

      void test('PATCH errors: no path on remove is noTarget, a changed id is mutability, removing userName is refused', async () => {
        expectScimError(
          await server.request('PATCH', `/Users/${userId}`, patchOp({ op: 'remove' })),
          400,
          'noTarget',
        );
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'replace', path: 'id', value: 'other-id' }),
          ),
          400,
          'mutability',
        );
        expectScimError(
          await server.request('PATCH', `/Users/${userId}`, patchOp({ op: 'remove', path: 'userName' })),
          400,
        );
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'launch', path: 'nickName', value: 'x' }),
          ),
          400,
        );
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'add', path: 'emails[type eq', value: 'x' }),
          ),
          400,
          'invalidPath',
        );
      });

      void test('a PATCH is atomic: when a later operation fails, nothing of the earlier ones is written', async () => {
        const before = await server.request('GET', `/Users/${userId}`);
        const response = await server.request(
          'PATCH',
          `/Users/${userId}`,
          patchOp(
            { op: 'replace', path: 'displayName', value: 'Half Written' },
            { op: 'add', path: 'nickName', value: 'also' },
            { op: 'replace', path: 'id', value: 'not-allowed' },
          ),
        );
        expectScimError(response, 400);
        const after = await server.request('GET', `/Users/${userId}`);
        assert.equal(after.body.displayName, before.body.displayName);
        assert.equal(after.body.nickName, before.body.nickName);
        assert.equal(after.body.meta.version, before.body.meta.version);
      });
    });

    void describe('group membership and read-only input', () => {
      let server: ScimServer;
      before(async () => {
        server = await startScimServer({ dialect });
      });
      after(() => server.close());

      void test('remove members without a value empties the group', async () => {
        const a = await createUser(server, 'm.remove.a');
        const b = await createUser(server, 'm.remove.b');
        const groupId = await createGroup(server, 'Remove All', [a, b]);
        expectStatus(
          await server.request('PATCH', `/Groups/${groupId}`, patchOp({ op: 'remove', path: 'members' })),
          200,
          204,
        );
        assert.deepEqual(await memberIdsOf(server, groupId), []);
      });

      void test('a member listed twice in one add is added once', async () => {
        const a = await createUser(server, 'm.twice');
        const groupId = await createGroup(server, 'Twice');
        expectStatus(
          await server.request(
            'PATCH',
            `/Groups/${groupId}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: a }, { value: a }] }),
          ),
          200,
          204,
        );
        assert.deepEqual(await memberIdsOf(server, groupId), [a]);
      });

      void test('a group can be a member of another group, and says so in the member type', async () => {
        const inner = await createGroup(server, 'Inner');
        const outer = await createGroup(server, 'Outer');
        expectStatus(
          await server.request(
            'PATCH',
            `/Groups/${outer}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: inner, type: 'Group' }] }),
          ),
          200,
          204,
        );
        const read = await server.request('GET', `/Groups/${outer}`);
        assert.deepEqual(
          read.body.members.map((m: { value: string; type: string }) => [m.value, m.type]),
          [[inner, 'Group']],
        );
        assert.match(read.body.members[0].$ref, new RegExp(`/Groups/${inner}$`));
      });

      void test('a member that does not exist is refused, and nothing of the request is written', async () => {
        const real = await createUser(server, 'm.real');
        const groupId = await createGroup(server, 'Ghosts');
        const response = await server.request(
          'PATCH',
          `/Groups/${groupId}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: real }, { value: 'no-such-user' }] }),
        );
        if (response.status >= 400) {
          expectScimError(response, response.status);
          assert.deepEqual(await memberIdsOf(server, groupId), []);
        } else {
          expectStatus(response, 200, 204);
          assert.deepEqual(
            await memberIdsOf(server, groupId),
            [real],
            'an unknown id never becomes a member',
          );
        }
      });

      void test('a member of another connection is never linked', async () => {
        const foreign = expectCreated(
          await server.otherConnection.request('POST', '/Users', userBody('m.foreign')),
        );
        const groupId = await createGroup(server, 'Tenant Wall');
        const response = await server.request(
          'PATCH',
          `/Groups/${groupId}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: foreign }] }),
        );
        if (response.status >= 400) expectScimError(response, response.status);
        assert.deepEqual(await memberIdsOf(server, groupId), []);
        const bulk = await server.request('POST', '/Bulk', {
          schemas: [URN.bulkRequest],
          Operations: [
            {
              method: 'PATCH',
              path: `/Users/${foreign}`,
              data: patchOp({ op: 'replace', path: 'nickName', value: 'x' }),
            },
            { method: 'DELETE', path: `/Users/${foreign}` },
          ],
        });
        expectStatus(bulk, 200);
        assert.deepEqual(
          (bulk.body.Operations as { status: string }[]).map((o) => o.status),
          ['404', '404'],
        );
        expectStatus(await server.otherConnection.request('GET', `/Users/${foreign}`), 200);
      });

      void test('the read-only groups attribute of a user is ignored on POST and PUT and refused in PATCH', async () => {
        const groupId = await createGroup(server, 'Not By Users');
        const created = await server.request(
          'POST',
          '/Users',
          userBody('m.groups', { groups: [{ value: groupId }] }),
        );
        const userId = expectCreated(created);
        assert.deepEqual(created.body.groups ?? [], []);
        expectStatus(
          await server.request(
            'PUT',
            `/Users/${userId}`,
            userBody('m.groups', { groups: [{ value: groupId }] }),
          ),
          200,
        );
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'add', path: 'groups', value: [{ value: groupId }] }),
          ),
          400,
          'mutability',
        );
        assert.deepEqual(await memberIdsOf(server, groupId), []);
      });

      void test('meta is ignored in a POST body and refused as a PATCH target', async () => {
        const created = await server.request(
          'POST',
          '/Users',
          userBody('m.meta', {
            meta: { created: '2001-01-01T00:00:00Z', version: 'W/"999"', resourceType: 'Group' },
          }),
        );
        const userId = expectCreated(created);
        assert.notEqual(created.body.meta.created, '2001-01-01T00:00:00Z');
        assert.equal(created.body.meta.resourceType, 'User');
        assert.notEqual(created.body.meta.version, 'W/"999"');
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'replace', path: 'meta.created', value: '2001-01-01T00:00:00Z' }),
          ),
          400,
          'mutability',
        );
      });

      void test('attribute names are case-insensitive in bodies and PATCH paths, and come back canonical', async () => {
        const created = await server.request('POST', '/Users', {
          Schemas: [URN.user],
          UserName: 'm.case',
          Name: { GivenName: 'Casey', FAMILYNAME: 'Case' },
          Emails: [{ Value: 'm.case@example.com', Type: 'work', Primary: 'true' }],
        });
        const userId = expectCreated(created);
        assert.equal(created.body.userName, 'm.case');
        assert.deepEqual(created.body.name, { givenName: 'Casey', familyName: 'Case' });
        assert.deepEqual(created.body.emails, [{ value: 'm.case@example.com', type: 'work', primary: true }]);
        expectStatus(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp(
              { op: 'replace', path: 'NAME.GIVENNAME', value: 'Kasey' },
              { op: 'ADD', path: 'NickName', value: 'K' },
            ),
          ),
          200,
          204,
        );
        const read = await server.request('GET', `/Users/${userId}`);
        assert.equal(read.body.name.givenName, 'Kasey');
        assert.equal(read.body.nickName, 'K');
        assert.equal(read.body.NickName, undefined);
      });

      void test('string booleans are coerced only for boolean attributes', async () => {
        const userId = await createUser(server, 'm.strings');
        expectStatus(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp(
              { op: 'Replace', path: 'nickName', value: 'True' },
              { op: 'Replace', path: 'active', value: 'false' },
            ),
          ),
          200,
          204,
        );
        const read = await server.request('GET', `/Users/${userId}`);
        assert.equal(read.body.nickName, 'True');
        assert.equal(read.body.active, false);
      });

      void test('setting primary on one value clears it on the others', async () => {
        const userId = await createUser(server, 'm.primary', {
          emails: [
            { value: 'work@example.com', type: 'work', primary: true },
            { value: 'home@example.com', type: 'home' },
          ],
        });
        expectStatus(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({
              op: 'add',
              path: 'emails',
              value: [{ value: 'other@example.com', type: 'other', primary: true }],
            }),
          ),
          200,
          204,
        );
        let read = await server.request('GET', `/Users/${userId}`);
        let primaries = (read.body.emails as { value: string; primary?: boolean }[]).filter(
          (e) => e.primary === true,
        );
        assert.deepEqual(
          primaries.map((e) => e.value),
          ['other@example.com'],
        );
        expectStatus(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'replace', path: 'emails[type eq "home"].primary', value: true }),
          ),
          200,
          204,
        );
        read = await server.request('GET', `/Users/${userId}`);
        primaries = (read.body.emails as { value: string; primary?: boolean }[]).filter(
          (e) => e.primary === true,
        );
        assert.deepEqual(
          primaries.map((e) => e.value),
          ['home@example.com'],
        );
      });

      void test('null and empty values on POST and PUT are unassigned, and no response carries a null', async () => {
        const created = await server.request(
          'POST',
          '/Users',
          userBody('m.nulls', {
            nickName: null,
            title: '',
            phoneNumbers: [],
            name: { givenName: 'N', familyName: null },
          }),
        );
        const userId = expectCreated(created);
        assertNoNulls(created.body);
        assert.equal(created.body.nickName, undefined);
        assert.equal(created.body.phoneNumbers, undefined);
        assert.equal(created.body.name.familyName, undefined);
        const replaced = await server.request(
          'PUT',
          `/Users/${userId}`,
          userBody('m.nulls', { displayName: null, emails: null, name: null }),
        );
        expectStatus(replaced, 200);
        assertNoNulls(replaced.body);
        assert.equal(replaced.body.displayName, undefined);
        assert.equal(replaced.body.emails, undefined);
        assert.equal(replaced.body.name, undefined);
      });

      void test('circular bulkId references are resolved or answered 409, never half-created', async () => {
        const response = await server.request('POST', '/Bulk', {
          schemas: [URN.bulkRequest],
          Operations: [
            {
              method: 'POST',
              path: '/Groups',
              bulkId: 'circle-a',
              data: {
                schemas: [URN.group],
                displayName: 'Circle A',
                members: [{ type: 'Group', value: 'bulkId:circle-b' }],
              },
            },
            {
              method: 'POST',
              path: '/Groups',
              bulkId: 'circle-b',
              data: {
                schemas: [URN.group],
                displayName: 'Circle B',
                members: [{ type: 'Group', value: 'bulkId:circle-a' }],
              },
            },
          ],
        });
        expectStatus(response, 200);
        const results = response.body.Operations as { status: string; location?: string }[];
        assert.equal(results.length, 2);
        for (const result of results)
          assert.ok(['201', '409'].includes(result.status), JSON.stringify(result));
        if (results.every((r) => r.status === '201')) {
          const [a, b] = results.map((r) => r.location!.split('/').pop()!);
          assert.deepEqual(await memberIdsOf(server, a!), [b]);
          assert.deepEqual(await memberIdsOf(server, b!), [a]);
        }
      });
    });

    void describe('DELETE and uniqueness', () => {
      let server: ScimServer;
      before(async () => {
        server = await startScimServer({ dialect });
      });
      after(() => server.close());

      void test('a deleted user answers 404 everywhere and leaves every group', async () => {
        const userId = await createUser(server, 'del.user');
        const keepId = await createUser(server, 'del.keep');
        const groupA = await createGroup(server, 'Del A', [userId, keepId]);
        const groupB = await createGroup(server, 'Del B', [userId]);
        const response = await server.request('DELETE', `/Users/${userId}`);
        expectStatus(response, 204);
        assert.equal(response.text, '');
        expectScimError(await server.request('GET', `/Users/${userId}`), 404);
        expectScimError(await server.request('PUT', `/Users/${userId}`, userBody('del.user')), 404);
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'replace', path: 'nickName', value: 'x' }),
          ),
          404,
        );
        expectScimError(await server.request('DELETE', `/Users/${userId}`), 404);
        assert.deepEqual(await usersMatching(server, 'userName eq "del.user"'), []);
        assert.deepEqual(await memberIdsOf(server, groupA), [keepId]);
        assert.deepEqual(await memberIdsOf(server, groupB), []);
        const byMember = await server.request(
          'GET',
          `/Groups?${filterQuery(`members.value eq "${userId}"`)}`,
        );
        assert.deepEqual(expectListResponse(byMember), []);
        const list = await server.request('GET', '/Users?count=1000');
        assert.ok(!expectListResponse(list).some((u: { id: string }) => u.id === userId));
      });

      void test('a deleted group answers 404 everywhere and vanishes from its members’ groups', async () => {
        const userId = await createUser(server, 'del.member');
        const groupId = await createGroup(server, 'Del Group', [userId]);
        const before = await server.request('GET', `/Users/${userId}`);
        assert.deepEqual(
          before.body.groups.map((g: { value: string }) => g.value),
          [groupId],
        );
        expectStatus(await server.request('DELETE', `/Groups/${groupId}`), 204);
        expectScimError(await server.request('GET', `/Groups/${groupId}`), 404);
        expectScimError(
          await server.request(
            'PATCH',
            `/Groups/${groupId}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: userId }] }),
          ),
          404,
        );
        expectScimError(
          await server.request('PUT', `/Groups/${groupId}`, { schemas: [URN.group], displayName: 'x' }),
          404,
        );
        expectScimError(await server.request('DELETE', `/Groups/${groupId}`), 404);
        const after = await server.request('GET', `/Users/${userId}`);
        assert.deepEqual(after.body.groups ?? [], []);
      });

      void test('a deleted user’s userName can be used again', async () => {
        const first = await createUser(server, 'del.reuse');
        expectStatus(await server.request('DELETE', `/Users/${first}`), 204);
        const second = await createUser(server, 'DEL.REUSE');
        assert.notEqual(second, first);
      });

      void test('a userName that differs only in case answers 409 uniqueness with a detail', async () => {
        await createUser(server, 'Unique.Person');
        const response = await server.request('POST', '/Users', userBody('unique.person'));
        expectScimError(response, 409, 'uniqueness');
      });

      void test('renaming a user onto another userName with PUT or PATCH answers 409 and changes nothing', async () => {
        await createUser(server, 'taken.name');
        const otherId = await createUser(server, 'free.name');
        expectScimError(
          await server.request('PUT', `/Users/${otherId}`, userBody('TAKEN.NAME')),
          409,
          'uniqueness',
        );
        expectScimError(
          await server.request(
            'PATCH',
            `/Users/${otherId}`,
            patchOp({ op: 'replace', path: 'userName', value: 'Taken.Name' }),
          ),
          409,
          'uniqueness',
        );
        const read = await server.request('GET', `/Users/${otherId}`);
        assert.equal(read.body.userName, 'free.name');
      });

      void test('group displayName is unique: a duplicate create or rename answers 409', async () => {
        await createGroup(server, 'Finance');
        const otherId = await createGroup(server, 'Legal');
        expectScimError(
          await server.request('POST', '/Groups', { schemas: [URN.group], displayName: 'finance' }),
          409,
          'uniqueness',
        );
        expectScimError(
          await server.request(
            'PATCH',
            `/Groups/${otherId}`,
            patchOp({ op: 'replace', path: 'displayName', value: 'Finance' }),
          ),
          409,
          'uniqueness',
        );
        expectScimError(
          await server.request('PUT', `/Groups/${otherId}`, { schemas: [URN.group], displayName: 'FINANCE' }),
          409,
          'uniqueness',
        );
      });

      void test('externalId is not unique: two users may share one', async () => {
        await createUser(server, 'shared.ext.1', { externalId: 'same-external' });
        await createUser(server, 'shared.ext.2', { externalId: 'same-external' });
        assert.deepEqual(await usersMatching(server, 'externalId eq "same-external"'), [
          'shared.ext.1',
          'shared.ext.2',
        ]);
      });
    });

    void describe('errors and authentication', () => {
      let server: ScimServer;
      before(async () => {
        server = await startScimServer({ dialect });
      });
      after(() => server.close());

      void test('a missing, wrong or malformed token answers 401 with a SCIM error body', async () => {
        for (const authorization of [
          null,
          'Bearer rst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          'Bearer not-a-token',
          'Bearer',
          'Basic dXNlcjpwYXNz',
          `bearer${server.token}`,
          'non-token',
        ]) {
          const response = await server.request('GET', '/Users', undefined, { Authorization: authorization });
          expectScimError(response, 401);
        }
      });

      void test('the bearer scheme is case-insensitive', async () => {
        const response = await server.request('GET', '/Users', undefined, {
          Authorization: `bearer ${server.token}`,
        });
        expectListResponse(response);
      });

      void test('a token for one connection answers 401 on another, and each token works on its own', async () => {
        const userId = await createUser(server, 'tenant.a.user');
        const other = server.otherConnection;
        const crossed = await sendScimRequest(other.baseUrl, server.token, 'GET', '/Users');
        expectScimError(crossed, 401);
        const crossedBack = await sendScimRequest(server.baseUrl, other.token, 'GET', `/Users/${userId}`);
        expectScimError(crossedBack, 401);
        expectListResponse(await other.request('GET', '/Users'));
        const otherView = await other.request('GET', `/Users/${userId}`);
        expectScimError(otherView, 404);
        const otherList = await other.request('GET', `/Users?${filterQuery('userName eq "tenant.a.user"')}`);
        assert.deepEqual(expectListResponse(otherList), []);
        const sameName = await other.request('POST', '/Users', userBody('tenant.a.user'));
        expectCreated(sameName);
      });

      void test('a token answers 401 on a connection that does not exist', async () => {
        const base = server.baseUrl.replace(/\/[^/]+$/, '/no-such-connection');
        expectScimError(await sendScimRequest(base, server.token, 'GET', '/Users'), 401);
      });

      void test('unknown ids and unknown endpoints answer 404 with a SCIM error body', async () => {
        expectScimError(await server.request('GET', '/Users/no-such-id'), 404);
        expectScimError(await server.request('GET', '/Groups/no-such-id'), 404);
        expectScimError(await server.request('DELETE', '/Groups/no-such-id'), 404);
        expectScimError(
          await server.request(
            'PATCH',
            '/Users/no-such-id',
            patchOp({ op: 'replace', path: 'nickName', value: 'x' }),
          ),
          404,
        );
        expectScimError(await server.request('PUT', '/Users/no-such-id', userBody('put.is.not.create')), 404);
        expectScimError(await server.request('GET', '/Printers'), 404);
        expectScimError(await server.request('GET', '/Users/a/b/c'), 404);
      });

      void test('a method an endpoint does not offer answers with a SCIM error body', async () => {
        const response = await server.request('DELETE', '/Users');
        assert.ok([404, 405].includes(response.status), `${response.status} ${response.text}`);
        expectScimError(response, response.status);
      });

      void test('every success answer is application/scim+json', async () => {
        const created = await server.request('POST', '/Users', userBody('media.check'));
        assert.ok(isScimJson(created));
        const id = expectCreated(created);
        for (const path of [
          '/Users',
          `/Users/${id}`,
          '/Groups',
          '/Schemas',
          '/ResourceTypes',
          '/ServiceProviderConfig',
        ])
          assert.ok(isScimJson(await server.request('GET', path)), path);
      });
    });

    void describe('concurrency', () => {
      let server: ScimServer;
      before(async () => {
        server = await startScimServer({ dialect });
      });
      after(() => server.close());

      const inParallel = (
        count: number,
        make: (i: number) => Promise<ScimResponse>,
      ): Promise<ScimResponse[]> => Promise.all(Array.from({ length: count }, (_, i) => make(i)));

      void test('parallel PATCHes to one user lose no update', async () => {
        const userId = await createUser(server, 'race.user');
        const before = await server.request('GET', `/Users/${userId}`);
        const responses = await inParallel(25, (i) =>
          server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({ op: 'add', path: 'roles', value: [{ value: `role-${i}` }] }),
          ),
        );
        for (const response of responses) expectStatus(response, 200, 204);
        const attributes = [
          'nickName',
          'title',
          'userType',
          'locale',
          'timezone',
          'preferredLanguage',
          'profileUrl',
        ];
        const single = await inParallel(attributes.length, (i) =>
          server.request(
            'PATCH',
            `/Users/${userId}`,
            patchOp({
              op: 'replace',
              path: attributes[i]!,
              value: attributes[i] === 'profileUrl' ? 'https://x.example' : `v-${i}`,
            }),
          ),
        );
        for (const response of single) expectStatus(response, 200, 204);
        const read = await server.request('GET', `/Users/${userId}`);
        const roles = (read.body.roles as { value: string }[]).map((r) => r.value).sort();
        assert.deepEqual(roles, Array.from({ length: 25 }, (_, i) => `role-${i}`).sort());
        for (const attribute of attributes) assert.ok(read.body[attribute], `${attribute} was lost`);
        assert.notEqual(read.body.meta.version, before.body.meta.version);
      });

      void test('parallel member PATCHes to one group lose no member', async () => {
        const userIds: string[] = [];
        for (let i = 0; i < 40; i++) userIds.push(await createUser(server, `race.member.${i}`));
        const groupId = await createGroup(server, 'Race Group');
        const adds = await inParallel(40, (i) =>
          server.request(
            'PATCH',
            `/Groups/${groupId}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: userIds[i] }] }),
          ),
        );
        for (const response of adds) expectStatus(response, 200, 204);
        assert.deepEqual(await memberIdsOf(server, groupId), [...userIds].sort());
        const removes = await inParallel(20, (i) =>
          server.request(
            'PATCH',
            `/Groups/${groupId}`,
            patchOp({ op: 'remove', path: `members[value eq "${userIds[i]}"]` }),
          ),
        );
        for (const response of removes) expectStatus(response, 200, 204);
        assert.deepEqual(await memberIdsOf(server, groupId), userIds.slice(20).sort());
        const renames = await inParallel(10, (i) =>
          server.request(
            'PATCH',
            `/Groups/${groupId}`,
            patchOp(
              { op: 'replace', path: 'displayName', value: `Race Group ${i}` },
              { op: 'add', path: 'members', value: [{ value: userIds[i] }] },
            ),
          ),
        );
        for (const response of renames) expectStatus(response, 200, 204);
        assert.deepEqual(
          await memberIdsOf(server, groupId),
          [...userIds.slice(0, 10), ...userIds.slice(20)].sort(),
        );
      });

      void test('parallel creates of one userName give exactly one 201 and 409s for the rest', async () => {
        const responses = await inParallel(10, (i) =>
          server.request('POST', '/Users', userBody(i % 2 === 0 ? 'race.same' : 'RACE.SAME')),
        );
        const statuses = responses.map((r) => r.status).sort();
        assert.deepEqual(statuses, [201, ...Array<number>(9).fill(409)]);
        for (const response of responses)
          if (response.status === 409) expectScimError(response, 409, 'uniqueness');
      });
    });
  });
}
