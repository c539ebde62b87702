import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { URN } from './schema.ts';
import type { ResourceSchema } from './attribute-resolver.ts';
import {
  GROUP_RESOURCE_SCHEMA,
  USER_RESOURCE_SCHEMA,
  isSchemaUrnKey,
  resolveAttributePath,
  resolveKey,
  resolveSubAttribute,
  splitUrnPath,
} from './attribute-resolver.ts';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './schemas-core.ts';

const users = USER_RESOURCE_SCHEMA;

function names(schema: ResourceSchema, path: Parameters<typeof resolveAttributePath>[1]) {
  const r = resolveAttributePath(schema, path);
  return (
    r && { uri: r.schemaUri, ext: r.isExtension, attribute: r.attribute.name, sub: r.subAttribute?.name }
  );
}

void describe('resolveAttributePath', () => {
  void test('resolves names case-insensitively to their canonical definitions', () => {
    assert.deepEqual(names(users, { attribute: 'USERNAME' }), {
      uri: URN.user,
      ext: false,
      attribute: 'userName',
      sub: undefined,
    });
    assert.deepEqual(names(users, { attribute: 'Name', subAttribute: 'FamilyName' }), {
      uri: URN.user,
      ext: false,
      attribute: 'name',
      sub: 'familyName',
    });
    assert.deepEqual(names(users, { attribute: 'emails', subAttribute: 'Value' })?.sub, 'value');
  });

  void test('a URN-qualified name and its short form resolve to the same attribute', () => {
    const short = resolveAttributePath(users, { attribute: 'userName' });
    const long = resolveAttributePath(users, { uri: URN.user, attribute: 'userName' });
    const lower = resolveAttributePath(users, { uri: URN.user.toLowerCase(), attribute: 'username' });
    assert.deepEqual(long, short);
    assert.deepEqual(lower, short);
  });

  void test('enterprise attributes resolve qualified, with sub-attributes, and short when unambiguous', () => {
    assert.deepEqual(names(users, { uri: URN.enterpriseUser, attribute: 'manager', subAttribute: 'value' }), {
      uri: URN.enterpriseUser,
      ext: true,
      attribute: 'manager',
      sub: 'value',
    });
    assert.deepEqual(names(users, { attribute: 'employeeNumber' }), {
      uri: URN.enterpriseUser,
      ext: true,
      attribute: 'employeeNumber',
      sub: undefined,
    });
  });

  void test('an extension URN does not reach core attributes and the core URN does not reach extension ones', () => {
    assert.equal(resolveAttributePath(users, { uri: URN.enterpriseUser, attribute: 'userName' }), undefined);
    assert.equal(resolveAttributePath(users, { uri: URN.user, attribute: 'employeeNumber' }), undefined);
    assert.equal(resolveAttributePath(users, { uri: URN.group, attribute: 'displayName' }), undefined);
  });

  void test('a short name defined by two extensions is ambiguous and resolves to nothing', () => {
    const twin = { ...ENTERPRISE_USER_SCHEMA, id: 'urn:example:params:scim:schemas:extension:twin:1.0:User' };
    const schema: ResourceSchema = { ...users, extensions: [ENTERPRISE_USER_SCHEMA, twin] };
    assert.equal(resolveAttributePath(schema, { attribute: 'department' }), undefined);
    assert.equal(resolveAttributePath(schema, { uri: twin.id, attribute: 'department' })?.schemaUri, twin.id);
  });

  void test('common attributes and meta sub-attributes resolve on every resource type', () => {
    for (const schema of [users, GROUP_RESOURCE_SCHEMA]) {
      assert.equal(resolveAttributePath(schema, { attribute: 'id' })?.attribute.name, 'id');
      assert.equal(resolveAttributePath(schema, { attribute: 'EXTERNALID' })?.attribute.name, 'externalId');
      const r = resolveAttributePath(schema, { attribute: 'meta', subAttribute: 'lastmodified' });
      assert.equal(r?.subAttribute?.type, 'dateTime');
      assert.equal(r?.schemaUri, schema.core.id);
    }
    assert.equal(resolveAttributePath(users, { uri: URN.user, attribute: 'id' })?.attribute.name, 'id');
  });

  void test('unknown names, unknown sub-attributes and sub-attributes of simple attributes resolve to nothing', () => {
    assert.equal(resolveAttributePath(users, { attribute: 'nope' }), undefined);
    assert.equal(resolveAttributePath(users, { attribute: 'name', subAttribute: 'nope' }), undefined);
    assert.equal(resolveAttributePath(users, { attribute: 'userName', subAttribute: 'value' }), undefined);
    assert.equal(resolveAttributePath(GROUP_RESOURCE_SCHEMA, { attribute: 'userName' }), undefined);
    assert.equal(
      resolveAttributePath(users, { uri: 'urn:unknown:schema', attribute: 'userName' }),
      undefined,
    );
  });

  void test('inherited object property names never resolve', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'valueOf']) {
      assert.equal(resolveAttributePath(users, { attribute: name }), undefined, name);
      assert.equal(resolveAttributePath(users, { attribute: 'name', subAttribute: name }), undefined, name);
      assert.equal(resolveAttributePath(users, { uri: name, attribute: 'userName' }), undefined, name);
      assert.equal(resolveKey(users, name), undefined, name);
      const name0 = USER_SCHEMA.attributes.find((a) => a.name === 'name');
      assert.ok(name0);
      assert.equal(resolveSubAttribute(name0, name), undefined, name);
    }
  });
});

void describe('resolveSubAttribute', () => {
  void test('finds sub-attributes case-insensitively and nothing under a simple attribute', () => {
    const emails = USER_SCHEMA.attributes.find((a) => a.name === 'emails');
    const userName = USER_SCHEMA.attributes.find((a) => a.name === 'userName');
    assert.ok(emails && userName);
    assert.equal(resolveSubAttribute(emails, 'PRIMARY')?.name, 'primary');
    assert.equal(resolveSubAttribute(userName, 'value'), undefined);
  });
});

void describe('splitUrnPath', () => {
  const manager = `${URN.enterpriseUser}:manager.value`;
  void test('splits at the last colon, never at the dots of the URN version', () => {
    assert.deepEqual(splitUrnPath(manager), { uri: URN.enterpriseUser, rest: 'manager.value' });
    assert.deepEqual(splitUrnPath(`${URN.user}:name.givenName`), { uri: URN.user, rest: 'name.givenName' });
  });

  void test('ignores colons inside a value filter', () => {
    assert.deepEqual(splitUrnPath(`${URN.enterpriseUser}:manager[value eq "a:b"]`), {
      uri: URN.enterpriseUser,
      rest: 'manager[value eq "a:b"]',
    });
  });

  void test('leaves names without a URN whole', () => {
    assert.deepEqual(splitUrnPath('name.givenName'), { rest: 'name.givenName' });
    assert.deepEqual(splitUrnPath('urn:'), { rest: 'urn:' });
  });

  void test('tells a bare schema URN apart only against known schema ids', () => {
    assert.deepEqual(splitUrnPath(URN.enterpriseUser), {
      uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0',
      rest: 'User',
    });
    assert.deepEqual(splitUrnPath(URN.enterpriseUser, [URN.user, URN.enterpriseUser]), {
      uri: URN.enterpriseUser,
      rest: '',
    });
    assert.deepEqual(splitUrnPath(`${URN.enterpriseUser.toUpperCase()}:department`, [URN.enterpriseUser]), {
      uri: URN.enterpriseUser.toUpperCase(),
      rest: 'department',
    });
  });
});

void describe('resolveKey', () => {
  void test('resolves plain, dotted and URN-qualified body keys', () => {
    assert.deepEqual(resolveKey(users, 'USERNAME'), resolveAttributePath(users, { attribute: 'userName' }));
    const plain = resolveKey(users, 'active');
    assert.ok(plain && !isSchemaUrnKey(plain) && plain.attribute.name === 'active');
    const dotted = resolveKey(users, 'name.givenName');
    assert.ok(dotted && !isSchemaUrnKey(dotted) && dotted.subAttribute?.name === 'givenName');
    const qualified = resolveKey(users, `${URN.enterpriseUser}:employeeNumber`);
    assert.ok(qualified && !isSchemaUrnKey(qualified) && qualified.isExtension);
    const qualifiedSub = resolveKey(users, `${URN.enterpriseUser}:manager.value`);
    assert.ok(qualifiedSub && !isSchemaUrnKey(qualifiedSub) && qualifiedSub.subAttribute?.name === 'value');
    const core = resolveKey(users, `${URN.user}:name.familyName`);
    assert.ok(core && !isSchemaUrnKey(core) && core.subAttribute?.name === 'familyName');
  });

  void test('a schema URN key is reported as such, for the extension and the core schema', () => {
    const extension = resolveKey(users, URN.enterpriseUser);
    assert.ok(extension && isSchemaUrnKey(extension));
    assert.equal(extension.schema.id, URN.enterpriseUser);
    assert.equal(extension.isExtension, true);
    const core = resolveKey(users, URN.user.toLowerCase());
    assert.ok(core && isSchemaUrnKey(core) && !core.isExtension);
  });

  void test('malformed and unknown keys resolve to nothing', () => {
    for (const key of [
      '',
      'name.givenName.x',
      'name.',
      '.name',
      'user name',
      `${URN.enterpriseUser}:`,
      'urn:x:y:userName',
      'schemas',
    ]) {
      assert.equal(resolveKey(users, key), undefined, key);
    }
    assert.equal(resolveKey(GROUP_RESOURCE_SCHEMA, URN.enterpriseUser), undefined);
  });
});
