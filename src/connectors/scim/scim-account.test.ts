// Tests of the User ↔ account mapping the SCIM and directory connectors share: accounts from Users,
// the User a create sends, and the PATCH operations that carry flat changes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFlatChanges } from '../../scim/resource-paths.ts';
import { accountFromUser, parseChangeKeys, patchOperationsFor, userForCreate } from './scim-account.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

void describe('SCIM Users as accounts', () => {
  void test('an account takes the primary email, else the work one, and null for a missing active', () => {
    const account = accountFromUser({
      id: 'u1',
      userName: 'ada',
      emails: [
        { type: 'home', value: 'home@x' },
        { type: 'work', value: 'work@x' },
      ],
    });
    assert.deepEqual(
      { ...account, attributes: undefined },
      {
        id: 'u1',
        userName: 'ada',
        email: 'work@x',
        displayName: null,
        isActive: null,
        attributes: undefined,
      },
    );
  });

  void test('a create fills userName, a primary work email and active only where the mapping is silent', () => {
    assert.deepEqual(userForCreate({ email: 'a@x', attributes: {} }), {
      schemas: [CORE],
      userName: 'a@x',
      emails: [{ type: 'work', value: 'a@x', primary: true }],
      active: true,
    });
    assert.deepEqual(
      userForCreate({
        email: 'a@x',
        attributes: { userName: 'ada', 'emails[type eq "home"].value': 'h@x', active: false },
      }),
      { schemas: [CORE], userName: 'ada', emails: [{ type: 'home', value: 'h@x' }], active: false },
    );
  });

  void test('changes become path operations, a multi-valued attribute is replaced whole, nothing unchanged is sent', () => {
    const current = {
      schemas: [CORE, ENTERPRISE],
      id: 'u1',
      userName: 'ada',
      title: 'Engineer',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ type: 'work', value: 'a@x', primary: true }],
      [ENTERPRISE]: { department: 'R&D' },
    };
    const changes = {
      title: 'Engineer',
      'name.givenName': null,
      'emails[type eq "home"].value': 'h@x',
      'emails[type eq "work"].primary': true,
      [`${ENTERPRISE}:department`]: null,
      [`${ENTERPRISE}:manager`]: 'u0',
    };
    const next = applyFlatChanges(current, changes);
    assert.deepEqual(patchOperationsFor(current, next, parseChangeKeys(changes)), [
      { op: 'remove', path: 'name.givenName' },
      {
        op: 'replace',
        path: 'emails',
        value: [
          { type: 'work', value: 'a@x', primary: true },
          { type: 'home', value: 'h@x' },
        ],
      },
      { op: 'remove', path: `${ENTERPRISE}:department` },
      { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'u0' } },
    ]);
    assert.deepEqual(patchOperationsFor(next, applyFlatChanges(next, changes), parseChangeKeys(changes)), []);
  });
});
