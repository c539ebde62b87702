import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttributeDefinition } from './schema.ts';
import { ATTRIBUTE_TYPES, MUTABILITIES, RETURNED, UNIQUENESS, URN } from './schema.ts';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_TYPE,
  GROUP_SCHEMA,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
} from './schemas-core.ts';

function find(list: readonly AttributeDefinition[], name: string): AttributeDefinition {
  const found = list.find((a) => a.name === name);
  assert.ok(found, `attribute ${name} exists`);
  return found;
}

function* walk(list: readonly AttributeDefinition[], depth = 0): Generator<[AttributeDefinition, number]> {
  for (const a of list) {
    yield [a, depth];
    if (a.subAttributes) yield* walk(a.subAttributes, depth + 1);
  }
}

void describe('core schemas', () => {
  const all = [
    ...USER_SCHEMA.attributes,
    ...GROUP_SCHEMA.attributes,
    ...ENTERPRISE_USER_SCHEMA.attributes,
    ...COMMON_ATTRIBUTES,
  ];

  void test('every attribute spells out every characteristic with a legal value', () => {
    for (const [a] of walk(all)) {
      assert.ok(ATTRIBUTE_TYPES.includes(a.type), a.name);
      assert.ok(MUTABILITIES.includes(a.mutability), a.name);
      assert.ok(RETURNED.includes(a.returned), a.name);
      assert.ok(UNIQUENESS.includes(a.uniqueness), a.name);
      assert.equal(typeof a.multiValued, 'boolean');
      assert.equal(typeof a.required, 'boolean');
      assert.equal(typeof a.caseExact, 'boolean');
      assert.ok(a.description.length > 0, a.name);
    }
  });

  void test('complex attributes nest one level only and only complex attributes have sub-attributes', () => {
    for (const [a, depth] of walk(all)) {
      assert.ok(depth <= 1, a.name);
      assert.equal(a.type === 'complex', a.subAttributes !== undefined, a.name);
      if (depth === 1) assert.notEqual(a.type, 'complex', a.name);
    }
  });

  void test('names are unique case-insensitively within each schema and each complex attribute', () => {
    for (const list of [
      USER_SCHEMA.attributes,
      GROUP_SCHEMA.attributes,
      ENTERPRISE_USER_SCHEMA.attributes,
      COMMON_ATTRIBUTES,
    ]) {
      const names = list.map((a) => a.name.toLowerCase());
      assert.equal(new Set(names).size, names.length);
      for (const a of list) {
        const subs = (a.subAttributes ?? []).map((s) => s.name.toLowerCase());
        assert.equal(new Set(subs).size, subs.length, a.name);
      }
    }
  });

  void test('the User schema carries the RFC 7643 §4.1 characteristics that drive behaviour', () => {
    assert.equal(USER_SCHEMA.id, URN.user);
    assert.match(USER_SCHEMA.description, /User Account/);
    const userName = find(USER_SCHEMA.attributes, 'userName');
    assert.deepEqual(
      [userName.required, userName.uniqueness, userName.caseExact, userName.mutability],
      [true, 'server', false, 'readWrite'],
    );
    const password = find(USER_SCHEMA.attributes, 'password');
    assert.deepEqual([password.mutability, password.returned], ['writeOnly', 'never']);
    assert.equal(find(USER_SCHEMA.attributes, 'active').type, 'boolean');
    const groups = find(USER_SCHEMA.attributes, 'groups');
    assert.equal(groups.mutability, 'readOnly');
    assert.deepEqual(
      groups.subAttributes?.map((s) => s.name),
      ['value', '$ref', 'display', 'type'],
    );
    for (const name of [
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'entitlements',
      'roles',
      'x509Certificates',
    ]) {
      const a = find(USER_SCHEMA.attributes, name);
      assert.equal(a.multiValued, true, name);
      assert.ok(
        a.subAttributes?.some((s) => s.name === 'type'),
        name,
      );
      assert.ok(
        a.subAttributes?.some((s) => s.name === 'primary' && s.type === 'boolean'),
        name,
      );
    }
    assert.deepEqual(
      find(USER_SCHEMA.attributes, 'name').subAttributes?.map((s) => s.name),
      ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'],
    );
    assert.equal(find(find(USER_SCHEMA.attributes, 'emails').subAttributes ?? [], 'value').caseExact, false);
  });

  void test('the Group schema requires displayName and makes member sub-attributes immutable', () => {
    assert.equal(GROUP_SCHEMA.id, URN.group);
    assert.equal(find(GROUP_SCHEMA.attributes, 'displayName').required, true);
    const members = find(GROUP_SCHEMA.attributes, 'members');
    assert.equal(members.multiValued, true);
    assert.equal(find(members.subAttributes ?? [], 'value').mutability, 'immutable');
    assert.deepEqual(find(members.subAttributes ?? [], 'type').canonicalValues, ['User', 'Group']);
    assert.ok(find(members.subAttributes ?? [], '$ref'));
    assert.ok(find(members.subAttributes ?? [], 'display'));
  });

  void test('the Enterprise User manager has value, $ref and a readOnly displayName', () => {
    assert.equal(ENTERPRISE_USER_SCHEMA.id, URN.enterpriseUser);
    const manager = find(ENTERPRISE_USER_SCHEMA.attributes, 'manager');
    assert.deepEqual(
      manager.subAttributes?.map((s) => s.name),
      ['value', '$ref', 'displayName'],
    );
    assert.equal(find(manager.subAttributes ?? [], 'displayName').mutability, 'readOnly');
    for (const name of ['employeeNumber', 'costCenter', 'organization', 'division', 'department']) {
      assert.equal(find(ENTERPRISE_USER_SCHEMA.attributes, name).type, 'string');
    }
  });

  void test('common attributes: id is case-exact and always returned, externalId is case-exact, meta is readOnly', () => {
    const id = find(COMMON_ATTRIBUTES, 'id');
    assert.deepEqual(
      [id.caseExact, id.mutability, id.returned, id.uniqueness],
      [true, 'readOnly', 'always', 'server'],
    );
    const externalId = find(COMMON_ATTRIBUTES, 'externalId');
    assert.deepEqual([externalId.caseExact, externalId.mutability], [true, 'readWrite']);
    const meta = find(COMMON_ATTRIBUTES, 'meta');
    assert.equal(meta.mutability, 'readOnly');
    assert.deepEqual(
      meta.subAttributes?.map((s) => s.name),
      ['resourceType', 'created', 'lastModified', 'location', 'version'],
    );
    assert.equal(find(meta.subAttributes ?? [], 'lastModified').type, 'dateTime');
  });

  void test('resource types point at their schemas and Users allow the enterprise extension', () => {
    assert.deepEqual(
      [
        USER_RESOURCE_TYPE.id,
        USER_RESOURCE_TYPE.name,
        USER_RESOURCE_TYPE.endpoint,
        USER_RESOURCE_TYPE.schema,
      ],
      ['User', 'User', '/Users', URN.user],
    );
    assert.deepEqual(USER_RESOURCE_TYPE.schemaExtensions, [{ schema: URN.enterpriseUser, required: false }]);
    assert.deepEqual([GROUP_RESOURCE_TYPE.endpoint, GROUP_RESOURCE_TYPE.schema], ['/Groups', URN.group]);
  });

  void test('the published definitions are frozen so no caller can change them for everyone', () => {
    assert.ok(Object.isFrozen(USER_SCHEMA));
    assert.ok(Object.isFrozen(USER_SCHEMA.attributes[0]));
    assert.ok(Object.isFrozen(find(USER_SCHEMA.attributes, 'emails').subAttributes));
    assert.ok(Object.isFrozen(COMMON_ATTRIBUTES));
  });

  void test('the schemas serialise as JSON without undefined or null values', () => {
    const text = JSON.stringify([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    assert.doesNotMatch(text, /null/);
    assert.deepEqual(JSON.parse(text), [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });
});
