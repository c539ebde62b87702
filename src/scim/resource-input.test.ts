import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GROUP_RESOURCE_SCHEMA, USER_RESOURCE_SCHEMA, type ResourceSchema } from './attribute-resolver.ts';
import { ScimError, type ScimType } from './errors.ts';
import {
  normalizeAttributeValue,
  normalizeMembers,
  normalizeResourceInput,
  readMembersInput,
} from './resource-input.ts';
import { URN, type AttributeDefinition } from './schema.ts';

const ENTERPRISE = URN.enterpriseUser;

function rejects(fn: () => unknown, scimType: ScimType, mentions?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType);
    if (mentions !== undefined) {
      assert.ok(error.message.includes(mentions), `"${error.message}" should mention ${mentions}`);
    }
    return true;
  });
}

const createUser = (body: unknown) => normalizeResourceInput(body, USER_RESOURCE_SCHEMA, 'create');

function definition(
  name: string,
  type: AttributeDefinition['type'],
  extra: Partial<AttributeDefinition> = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description: name,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...extra,
  };
}

/** A resource type exercising characteristics the core schemas lack. */
const WIDGET_SCHEMA: ResourceSchema = {
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
      definition('serial', 'string', { mutability: 'immutable' }),
      definition('count', 'integer'),
      definition('ratio', 'decimal'),
      definition('seenAt', 'dateTime'),
      definition('blob', 'binary'),
      definition('tags', 'string', { multiValued: true }),
      definition('owner', 'complex', {
        subAttributes: [
          definition('value', 'string'),
          definition('badge', 'string', { mutability: 'immutable' }),
        ],
      }),
    ],
  },
  extensions: [],
};

void describe('normalizeResourceInput for Users', () => {
  void test('an Okta create body keeps the profile and drops groups and the password', () => {
    const result = createUser({
      schemas: [URN.user],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00u1dhhb1fkIGP7RL1d8',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    assert.deepEqual(result, {
      schemas: [URN.user],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00u1dhhb1fkIGP7RL1d8',
      active: true,
    });
  });

  void test('an Entra create body gets its string boolean, capitalised keys and enterprise values mapped', () => {
    const result = createUser({
      schemas: [URN.user, ENTERPRISE],
      externalId: 'jdoe',
      UserName: 'jdoe@contoso.com',
      active: 'True',
      emails: [{ Primary: true, type: 'work', value: 'jdoe@contoso.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Jane Doe', FamilyName: 'Doe', givenName: 'Jane' },
      roles: [],
      [ENTERPRISE]: { Department: 'Finance', manager: 'm-1' },
    });
    assert.deepEqual(result, {
      schemas: [URN.user, ENTERPRISE],
      externalId: 'jdoe',
      userName: 'jdoe@contoso.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
      name: { formatted: 'Jane Doe', familyName: 'Doe', givenName: 'Jane' },
      [ENTERPRISE]: { department: 'Finance', manager: { value: 'm-1' } },
    });
  });

  void test('dotted and URN-qualified keys land where their plain forms would', () => {
    const result = createUser({
      userName: 'a',
      'name.givenName': 'Ann',
      'NAME.familyName': 'Lee',
      [`${ENTERPRISE}:employeeNumber`]: '42',
      [`${URN.user}:title`]: 'Engineer',
      [`${ENTERPRISE}:manager.value`]: 'm-2',
    });
    assert.deepEqual(result, {
      schemas: [URN.user, ENTERPRISE],
      userName: 'a',
      name: { givenName: 'Ann', familyName: 'Lee' },
      [ENTERPRISE]: { employeeNumber: '42', manager: { value: 'm-2' } },
      title: 'Engineer',
    });
  });

  void test('unknown attributes and unknown schema URNs are ignored', () => {
    const result = createUser({
      schemas: [URN.user, 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User'],
      userName: 'a',
      adreses: [{ streetAddress: 'x' }],
      'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User': { tag: 'x' },
      [ENTERPRISE]: { favouriteColour: 'blue' },
    });
    assert.deepEqual(result, { schemas: [URN.user], userName: 'a' });
  });

  void test('null, empty strings and empty arrays mean unassigned and are omitted', () => {
    const result = createUser({
      userName: 'a',
      title: null,
      nickName: '',
      emails: [],
      phoneNumbers: [null],
      name: { givenName: '', familyName: null },
      [ENTERPRISE]: { department: null },
    });
    assert.deepEqual(result, { schemas: [URN.user], userName: 'a' });
  });

  void test('readOnly input such as id, meta, groups and manager.displayName is ignored', () => {
    const result = createUser({
      id: 'chosen-by-client',
      userName: 'a',
      meta: { resourceType: 'User', created: '2020-01-01T00:00:00Z' },
      groups: [{ value: 'g1' }],
      [ENTERPRISE]: { manager: { value: 'm', displayName: 'Boss' } },
    });
    assert.deepEqual(result, {
      schemas: [URN.user, ENTERPRISE],
      userName: 'a',
      [ENTERPRISE]: { manager: { value: 'm' } },
    });
  });

  void test('string booleans are coerced for boolean attributes only', () => {
    const result = createUser({ userName: 'a', active: 'false', title: 'True' });
    assert.equal(result.active, false);
    assert.equal(result.title, 'True');
    rejects(() => createUser({ userName: 'a', active: 'yes' }), 'invalidValue', 'active');
    rejects(() => createUser({ userName: 'a', active: 1 }), 'invalidValue', 'active');
  });

  void test('a value of the wrong type is refused with a detail naming the attribute', () => {
    rejects(() => createUser({ userName: 5 }), 'invalidValue', 'userName');
    rejects(() => createUser({ userName: 'a', name: 'Ann Lee' }), 'invalidValue', 'name');
    rejects(() => createUser({ userName: 'a', title: ['a', 'b'] }), 'invalidValue', 'title');
    rejects(
      () => createUser({ userName: 'a', emails: [{ value: 'x', primary: 'maybe' }] }),
      'invalidValue',
      'emails.primary',
    );
    rejects(
      () => createUser({ userName: 'a', [ENTERPRISE]: { department: 7 } }),
      'invalidValue',
      `${ENTERPRISE}:department`,
    );
    rejects(() => createUser({ userName: 'a', [ENTERPRISE]: 'Finance' }), 'invalidValue', ENTERPRISE);
  });

  void test('a single object for a multi-valued attribute is taken as a one-element array', () => {
    const result = createUser({ userName: 'a', emails: { value: 'a@x.io', type: 'work' } });
    assert.deepEqual(result.emails, [{ value: 'a@x.io', type: 'work' }]);
  });

  void test('a missing or empty userName is refused as invalidValue', () => {
    rejects(() => createUser({ name: { givenName: 'x' } }), 'invalidValue', 'userName');
    rejects(() => createUser({ userName: '' }), 'invalidValue', 'userName');
    rejects(() => createUser({ userName: null }), 'invalidValue', 'userName');
  });

  void test('two primary values in one multi-valued attribute are refused', () => {
    rejects(
      () =>
        createUser({
          userName: 'a',
          emails: [
            { value: 'a@x.io', primary: true },
            { value: 'b@x.io', Primary: 'True' },
          ],
        }),
      'invalidValue',
      'emails',
    );
  });

  void test('identical values in one array collapse into one', () => {
    const result = createUser({
      userName: 'a',
      emails: [{ value: 'a@x.io' }, { Value: 'a@x.io' }],
    });
    assert.deepEqual(result.emails, [{ value: 'a@x.io' }]);
  });

  void test('a body that is not an object is invalidSyntax', () => {
    rejects(() => createUser([]), 'invalidSyntax');
    rejects(() => createUser('userName'), 'invalidSyntax');
    rejects(() => createUser(null), 'invalidSyntax');
  });

  void test('keys that name prototype members are ignored and pollute nothing', () => {
    const body = JSON.parse(
      '{"userName":"a","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},' +
        '"toString":"x","name":{"__proto__":{"polluted":1},"givenName":"A"},' +
        `"${ENTERPRISE}":{"__proto__":{"polluted":1},"hasOwnProperty":1}}`,
    );
    const result = createUser(body);
    assert.deepEqual(result, { schemas: [URN.user], userName: 'a', name: { givenName: 'A' } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
  });
});

void describe('normalizeResourceInput on replace', () => {
  const existing = {
    schemas: [URN.user, ENTERPRISE],
    id: 'u1',
    userName: 'a',
    title: 'Engineer',
    active: false,
    [ENTERPRISE]: { department: 'R&D' },
  };

  void test('omitted attributes are cleared but active keeps its stored value', () => {
    const result = normalizeResourceInput(
      { userName: 'a', displayName: 'A' },
      USER_RESOURCE_SCHEMA,
      'replace',
      existing,
    );
    assert.deepEqual(result, {
      schemas: [URN.user],
      userName: 'a',
      displayName: 'A',
      active: false,
    });
  });

  void test('an explicit active in a PUT wins over the stored value', () => {
    const result = normalizeResourceInput(
      { userName: 'a', active: 'True' },
      USER_RESOURCE_SCHEMA,
      'replace',
      existing,
    );
    assert.equal(result.active, true);
  });

  void test('a PUT without userName is refused', () => {
    rejects(
      () => normalizeResourceInput({ title: 'x' }, USER_RESOURCE_SCHEMA, 'replace', existing),
      'invalidValue',
      'userName',
    );
  });

  void test('an immutable attribute may repeat its value, keeps it when omitted and cannot change', () => {
    const stored = { schemas: ['urn:example:Widget'], serial: 'S1', owner: { value: 'o', badge: 'B' } };
    const replace = (body: unknown) => normalizeResourceInput(body, WIDGET_SCHEMA, 'replace', stored);
    assert.equal(replace({ serial: 'S1' }).serial, 'S1');
    assert.equal(replace({}).serial, 'S1');
    rejects(() => replace({ serial: 'S2' }), 'mutability', 'serial');
    assert.deepEqual(replace({ owner: { value: 'p' } }).owner, { value: 'p', badge: 'B' });
    rejects(() => replace({ owner: { value: 'p', badge: 'C' } }), 'mutability', 'owner.badge');
    assert.equal(
      normalizeResourceInput({ serial: 'S9' }, WIDGET_SCHEMA, 'create').serial,
      'S9',
      'create sets an immutable attribute freely',
    );
  });
});

void describe('normalizeResourceInput for Groups', () => {
  void test('members are validated but left out of the resource', () => {
    const body = {
      schemas: [URN.group, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1',
      members: [{ value: 'u1', display: 'Ann' }],
    };
    const result = normalizeResourceInput(body, GROUP_RESOURCE_SCHEMA, 'create');
    assert.deepEqual(result, {
      schemas: [URN.group],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1',
    });
    assert.deepEqual(readMembersInput(body, GROUP_RESOURCE_SCHEMA), [{ value: 'u1', display: 'Ann' }]);
    rejects(
      () =>
        normalizeResourceInput(
          { displayName: 'G', members: [{ display: 'no id' }] },
          GROUP_RESOURCE_SCHEMA,
          'create',
        ),
      'invalidValue',
      'members[0].value',
    );
  });

  void test('a group without displayName is refused', () => {
    rejects(
      () => normalizeResourceInput({ members: [] }, GROUP_RESOURCE_SCHEMA, 'create'),
      'invalidValue',
      'displayName',
    );
  });

  void test('readMembersInput tells an omitted members key from an empty one', () => {
    assert.equal(readMembersInput({ displayName: 'G' }, GROUP_RESOURCE_SCHEMA), undefined);
    assert.deepEqual(readMembersInput({ Members: null }, GROUP_RESOURCE_SCHEMA), []);
    assert.deepEqual(readMembersInput({ members: [] }, GROUP_RESOURCE_SCHEMA), []);
  });
});

void describe('normalizeMembers', () => {
  void test('accepts the shapes Okta and Entra send', () => {
    assert.deepEqual(
      normalizeMembers([
        { value: 'u1', display: 'Ann' },
        { $ref: null, value: 'u2' },
        { Value: 'g1', Type: 'group', $ref: 'https://x/Groups/g1' },
      ]),
      [{ value: 'u1', display: 'Ann' }, { value: 'u2' }, { value: 'g1', type: 'Group' }],
    );
  });

  void test('repeated ids collapse and null means no members', () => {
    assert.deepEqual(normalizeMembers([{ value: 'u1' }, { value: 'u1', display: 'x' }]), [{ value: 'u1' }]);
    assert.deepEqual(normalizeMembers(null), []);
    assert.deepEqual(normalizeMembers({ value: 'u1' }), [{ value: 'u1' }]);
  });

  void test('entries without a string value, or with an unknown type, are refused', () => {
    rejects(() => normalizeMembers([{ value: 5 }]), 'invalidValue', 'members[0].value');
    rejects(() => normalizeMembers(['u1']), 'invalidValue', 'members[0]');
    rejects(() => normalizeMembers([{ value: 'u1' }, { value: '' }]), 'invalidValue', 'members[1].value');
    rejects(() => normalizeMembers([{ value: 'u1', type: 'Robot' }]), 'invalidValue', 'members[0].type');
    rejects(() => normalizeMembers([{ value: 'u1', display: 3 }]), 'invalidValue', 'members[0].display');
  });
});

void describe('normalizeAttributeValue types', () => {
  const attr = (name: string) => WIDGET_SCHEMA.core.attributes.find((a) => a.name === name)!;

  void test('integers, decimals, dateTimes and binaries are checked', () => {
    assert.equal(normalizeAttributeValue(attr('count'), 3, 'count'), 3);
    rejects(() => normalizeAttributeValue(attr('count'), 3.5, 'count'), 'invalidValue', 'count');
    rejects(() => normalizeAttributeValue(attr('count'), '3', 'count'), 'invalidValue', 'count');
    assert.equal(normalizeAttributeValue(attr('ratio'), 0.5, 'ratio'), 0.5);
    rejects(() => normalizeAttributeValue(attr('ratio'), Number.NaN, 'ratio'), 'invalidValue');
    for (const ok of ['2015-10-10T14:38:21.8617979-07:00', '2011-05-13T04:42:34Z', '2024-02-29T00:00:00']) {
      assert.equal(normalizeAttributeValue(attr('seenAt'), ok, 'seenAt'), ok);
    }
    for (const bad of ['yesterday', '2024-13-01T00:00:00Z', '2024-01-01', 1700000000]) {
      rejects(() => normalizeAttributeValue(attr('seenAt'), bad, 'seenAt'), 'invalidValue', 'seenAt');
    }
    assert.equal(normalizeAttributeValue(attr('blob'), 'aGVsbG8=', 'blob'), 'aGVsbG8=');
    rejects(() => normalizeAttributeValue(attr('blob'), 'not base64!', 'blob'), 'invalidValue');
  });

  void test('simple multi-valued attributes wrap a single value and drop unassigned ones', () => {
    assert.deepEqual(normalizeAttributeValue(attr('tags'), 'a', 'tags'), ['a']);
    assert.deepEqual(normalizeAttributeValue(attr('tags'), ['a', null, '', 'b', 'a'], 'tags'), ['a', 'b']);
    assert.equal(normalizeAttributeValue(attr('tags'), [null], 'tags'), undefined);
    rejects(() => normalizeAttributeValue(attr('tags'), [['a']], 'tags'), 'invalidValue', 'tags');
  });
});

void describe('the schemas list', () => {
  void test('a body listing only the Group schema is refused on /Users, so a misdirected request creates nothing', () => {
    assert.throws(
      () =>
        normalizeResourceInput(
          { schemas: [URN.group], displayName: 'Team', userName: 'x' },
          USER_RESOURCE_SCHEMA,
          'create',
        ),
      (error: unknown) =>
        error instanceof ScimError && error.status === 400 && error.scimType === 'invalidValue',
    );
  });

  void test('extra vendor URNs beside the core one and a missing schemas list are accepted', () => {
    const withExtra = normalizeResourceInput(
      {
        schemas: [URN.group, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        displayName: 'Team',
      },
      GROUP_RESOURCE_SCHEMA,
      'create',
    );
    assert.equal(withExtra['displayName'], 'Team');
    const without = normalizeResourceInput({ userName: 'ann' }, USER_RESOURCE_SCHEMA, 'create');
    assert.deepEqual(without['schemas'], [URN.user]);
  });
});
