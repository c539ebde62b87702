// Records as uploaded: a create carries the desired attributes with defaults, an update changes only
// what it names (and applying it twice changes nothing more), externalId never changes, and the
// account listed for a record shows what was sent.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ConnectorError } from '../contract.ts';
import { accountOf, isSameRecord, recordForCreate, recordForUpdate, scimUserOf } from './scim-records.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const base = {
  email: 'ada@contoso.example',
  attributes: {
    externalId: '4711',
    userName: 'ada@contoso.example',
    displayName: 'Ada Lovelace',
    'name.givenName': 'Ada',
    title: 'Engineer',
    [`${ENTERPRISE}:department`]: 'R&D',
    [`${ENTERPRISE}:manager`]: '17',
  },
};

void describe('Entra records', () => {
  void test('a create becomes a SCIM User with the enterprise extension, externalId and active', () => {
    const { externalId, record } = recordForCreate(base);
    assert.equal(externalId, '4711');
    const user = scimUserOf(externalId, record);
    assert.equal(user['externalId'], '4711');
    assert.equal(user['active'], true);
    assert.deepEqual(user['emails'], [{ type: 'work', value: 'ada@contoso.example', primary: true }]);
    assert.deepEqual((user[ENTERPRISE] as Record<string, unknown>)['manager'], { value: '17' });
    assert.ok((user['schemas'] as string[]).includes(ENTERPRISE));
    const account = accountOf(externalId, record);
    assert.equal(account.id, '4711');
    assert.equal(account.email, 'ada@contoso.example');
    assert.equal(account.attributes['title'], 'Engineer');
    assert.equal(account.attributes['externalId'], '4711');
  });

  void test('a numeric externalId is its text; none at all is refused', () => {
    assert.equal(
      recordForCreate({ ...base, attributes: { ...base.attributes, externalId: 42 } }).externalId,
      '42',
    );
    assert.throws(
      () => recordForCreate({ email: 'x@contoso.example', attributes: { userName: 'x@contoso.example' } }),
      (e: unknown) => e instanceof ConnectorError && e.kind === 'invalid_request',
    );
  });

  void test('an update changes only what it names, null clears, and applying it twice changes nothing more', () => {
    const { record } = recordForCreate(base);
    fc.assert(
      fc.property(
        fc.record({
          title: fc.option(fc.string({ minLength: 1 }), { nil: null }),
          'name.familyName': fc.option(fc.string({ minLength: 1 }), { nil: null }),
        }),
        (changes) => {
          const once = recordForUpdate('4711', record, changes);
          assert.ok(isSameRecord(recordForUpdate('4711', once, changes), once));
          assert.equal(once.attributes['displayName'], 'Ada Lovelace');
          assert.equal(once.attributes['title'], changes.title ?? undefined);
        },
      ),
    );
  });

  void test('externalId cannot change through an update', () => {
    const { record } = recordForCreate(base);
    assert.throws(() => recordForUpdate('4711', record, { externalId: '4712' }), /externalId cannot change/);
    assert.ok(isSameRecord(recordForUpdate('4711', record, { externalId: '4711' }), record));
  });
});
