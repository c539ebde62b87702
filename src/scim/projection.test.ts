import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { GROUP_RESOURCE_SCHEMA, USER_RESOURCE_SCHEMA, type ResourceSchema } from './attribute-resolver.ts';
import { ScimError } from './errors.ts';
import { isAttributeRequested, parseAttributeList, projectResource } from './projection.ts';
import { URN, type AttributeDefinition, type ScimResource } from './schema.ts';

const ENTERPRISE = URN.enterpriseUser;

const user = (): ScimResource => ({
  schemas: [URN.user, ENTERPRISE],
  id: 'u1',
  externalId: 'e1',
  userName: 'bjensen',
  password: 'never-shown',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'b@x.io', type: 'work', primary: true },
    { value: 'h@x.io', type: 'home' },
  ],
  active: true,
  groups: [{ value: 'g1', display: 'Eng', type: 'direct' }],
  [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1', displayName: 'Boss' } },
  meta: { resourceType: 'User', version: 'W/"1"' },
});

const project = (
  attributes?: string,
  excludedAttributes?: string,
  resource: ScimResource = user(),
  schema: ResourceSchema = USER_RESOURCE_SCHEMA,
) =>
  projectResource(resource, schema, {
    attributes: parseAttributeList(attributes),
    excludedAttributes: parseAttributeList(excludedAttributes),
  });

void describe('parseAttributeList', () => {
  void test('reads comma-separated plain, dotted and URN-qualified names', () => {
    assert.deepEqual(
      parseAttributeList(` userName,name.givenName ,${ENTERPRISE}:department,${ENTERPRISE}:manager.value`),
      [
        { attribute: 'userName' },
        { attribute: 'name', subAttribute: 'givenName' },
        { uri: ENTERPRISE, attribute: 'department' },
        { uri: ENTERPRISE, attribute: 'manager', subAttribute: 'value' },
      ],
    );
  });

  void test('keeps the attribute of a value path, and commas inside brackets do not split', () => {
    assert.deepEqual(parseAttributeList('emails[type eq "work"],members'), [
      { attribute: 'emails' },
      { attribute: 'members' },
    ]);
    assert.deepEqual(parseAttributeList('emails[type eq "a,b" or type eq x].value,id'), [
      { attribute: 'emails', subAttribute: 'value' },
      { attribute: 'id' },
    ]);
  });

  void test('reads arrays item by item and skips empty items', () => {
    assert.deepEqual(parseAttributeList(['userName', 'name.familyName,,']), [
      { attribute: 'userName' },
      { attribute: 'name', subAttribute: 'familyName' },
    ]);
    assert.deepEqual(parseAttributeList(undefined), []);
    assert.deepEqual(parseAttributeList(''), []);
  });

  void test('malformed names are 400 invalidValue', () => {
    for (const bad of ['emails[type eq', 'user name', 'a.b.c', '1abc', '__proto__']) {
      assert.throws(
        () => parseAttributeList(bad),
        (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === 'invalidValue',
        bad,
      );
    }
  });

  void test('no text makes it throw anything but a ScimError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          parseAttributeList(text);
        } catch (error) {
          if (!(error instanceof ScimError)) throw error;
        }
      }),
    );
  });
});

void describe('projectResource', () => {
  void test('by default returns every default attribute and never the password', () => {
    const { password: _password, ...expected } = user();
    const { manager: _manager, ...extension } = expected[ENTERPRISE] as Record<string, unknown>;
    assert.deepEqual(project(), {
      ...expected,
      [ENTERPRISE]: { ...extension, manager: { value: 'm1', displayName: 'Boss' } },
    });
  });

  void test('an attributes list returns those plus id and schemas', () => {
    assert.deepEqual(project('USERNAME'), {
      schemas: [URN.user, ENTERPRISE],
      id: 'u1',
      userName: 'bjensen',
    });
  });

  void test('sub-attribute selection works on single and multi-valued complex attributes', () => {
    assert.deepEqual(project('name.givenName,emails.value'), {
      schemas: [URN.user, ENTERPRISE],
      id: 'u1',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'b@x.io' }, { value: 'h@x.io' }],
    });
  });

  void test('excluded attributes and sub-attributes go, but id cannot be excluded', () => {
    const result = project(undefined, 'emails,name.familyName,id,meta,groups,password');
    assert.equal(result.id, 'u1');
    assert.equal(result.emails, undefined);
    assert.equal(result.meta, undefined);
    assert.equal(result.groups, undefined);
    assert.deepEqual(result.name, { givenName: 'Barbara' });
  });

  void test('extension attributes are selected qualified, or wholesale by the schema URN', () => {
    assert.deepEqual(project(`${ENTERPRISE}:department`)[ENTERPRISE], { department: 'R&D' });
    assert.deepEqual(project(`${ENTERPRISE}:manager.value`)[ENTERPRISE], { manager: { value: 'm1' } });
    assert.deepEqual(project(ENTERPRISE)[ENTERPRISE], user()[ENTERPRISE]);
    assert.equal(project(undefined, ENTERPRISE)[ENTERPRISE], undefined);
    assert.equal(project('userName')[ENTERPRISE], undefined);
  });

  void test('a value-path form in attributes returns the attribute (Microsoft suite)', () => {
    assert.deepEqual(project('emails[type eq "work"]').emails, user().emails);
  });

  void test('unknown names in the lists and unknown keys in the resource are ignored', () => {
    const result = project('userName,nickname,urn:example:x:1.0:User:foo', 'adreses', {
      ...user(),
      stray: 1,
      [`urn:example:x:1.0:User`]: { foo: 1 },
    });
    assert.deepEqual(result, { schemas: [URN.user, ENTERPRISE], id: 'u1', userName: 'bjensen' });
  });

  void test('a group excluding members comes back without them', () => {
    const group = {
      schemas: [URN.group],
      id: 'g1',
      displayName: 'Eng',
      members: [{ value: 'u1', $ref: 'https://x/Users/u1', type: 'User' }],
    };
    assert.deepEqual(project(undefined, 'members', group, GROUP_RESOURCE_SCHEMA), {
      schemas: [URN.group],
      id: 'g1',
      displayName: 'Eng',
    });
  });

  void test('returned: request attributes appear only when named', () => {
    const attribute = (name: string, returned: AttributeDefinition['returned']): AttributeDefinition => ({
      name,
      type: 'string',
      multiValued: false,
      description: name,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned,
      uniqueness: 'none',
    });
    const schema: ResourceSchema = {
      resourceType: {
        id: 'Widget',
        name: 'Widget',
        endpoint: '/Widgets',
        description: 'Widget',
        schema: 'urn:example:Widget',
        schemaExtensions: [],
      },
      core: {
        id: 'urn:example:Widget',
        name: 'Widget',
        description: 'Widget',
        attributes: [
          attribute('label', 'default'),
          attribute('secret', 'request'),
          attribute('key', 'always'),
        ],
      },
      extensions: [],
    };
    const widget = { schemas: ['urn:example:Widget'], label: 'l', secret: 's', key: 'k' };
    assert.deepEqual(project(undefined, undefined, widget, schema), {
      schemas: ['urn:example:Widget'],
      label: 'l',
      key: 'k',
    });
    assert.deepEqual(project('secret', undefined, widget, schema), {
      schemas: ['urn:example:Widget'],
      secret: 's',
      key: 'k',
    });
    assert.equal(isAttributeRequested(schema, {}, 'secret'), false);
    assert.equal(isAttributeRequested(schema, { excludedAttributes: [{ attribute: 'key' }] }, 'key'), true);
  });

  void test('the result has an ordinary prototype and never aliases prototype keys', () => {
    const resource = JSON.parse('{"schemas":["x"],"id":"u1","__proto__":{"polluted":1},"userName":"a"}');
    const result = project(undefined, undefined, resource);
    assert.deepEqual(Object.keys(result), ['schemas', 'id', 'userName']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

void describe('isAttributeRequested', () => {
  const options = (attributes?: string, excludedAttributes?: string) => ({
    attributes: parseAttributeList(attributes),
    excludedAttributes: parseAttributeList(excludedAttributes),
  });

  void test('members are skipped when excluded or when a list leaves them out', () => {
    assert.equal(isAttributeRequested(GROUP_RESOURCE_SCHEMA, {}, 'members'), true);
    assert.equal(
      isAttributeRequested(GROUP_RESOURCE_SCHEMA, options(undefined, 'members'), 'members'),
      false,
    );
    assert.equal(isAttributeRequested(GROUP_RESOURCE_SCHEMA, options('displayName'), 'members'), false);
    assert.equal(isAttributeRequested(GROUP_RESOURCE_SCHEMA, options('members.value'), 'members'), true);
    assert.equal(
      isAttributeRequested(GROUP_RESOURCE_SCHEMA, options(undefined, 'members.display'), 'members'),
      true,
    );
  });

  void test('groups of a user follow the same rules, and password is never requested', () => {
    assert.equal(isAttributeRequested(USER_RESOURCE_SCHEMA, {}, 'groups'), true);
    assert.equal(isAttributeRequested(USER_RESOURCE_SCHEMA, options(undefined, 'GROUPS'), 'groups'), false);
    assert.equal(isAttributeRequested(USER_RESOURCE_SCHEMA, options('password'), 'password'), false);
    assert.equal(isAttributeRequested(USER_RESOURCE_SCHEMA, options('userName'), 'id'), true);
    assert.equal(isAttributeRequested(USER_RESOURCE_SCHEMA, options('userName'), 'unknownThing'), true);
  });
});
