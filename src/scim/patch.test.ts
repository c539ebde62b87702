import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { GROUP_RESOURCE_SCHEMA, USER_RESOURCE_SCHEMA, type ResourceSchema } from './attribute-resolver.ts';
import { ScimError, type ScimType } from './errors.ts';
import type { Filter, PatchPath } from './filter-ast.ts';
import { parsePatchPath } from './filter-parser.ts';
import { printPatchPath } from './filter-printer.ts';
import {
  applyPatch,
  MAX_PATCH_OPERATIONS,
  parsePatchRequest,
  splitMemberOperations,
  type ApplyPatchOptions,
} from './patch.ts';
import { URN, type AttributeDefinition, type ScimResource } from './schema.ts';

const ENTERPRISE = URN.enterpriseUser;

const request = (...operations: unknown[]) => ({ schemas: [URN.patchOp], Operations: operations });

function patch(
  resource: ScimResource,
  body: unknown,
  schema: ResourceSchema = USER_RESOURCE_SCHEMA,
  options?: ApplyPatchOptions,
) {
  return applyPatch(resource, parsePatchRequest(body), schema, options);
}

function rejects(fn: () => unknown, scimType: ScimType, mentions?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType, error.message);
    if (mentions !== undefined) {
      assert.ok(error.message.includes(mentions), `"${error.message}" should mention ${mentions}`);
    }
    return true;
  });
}

const user = (): ScimResource => ({
  schemas: [URN.user],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'bjensen@example.com',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  active: true,
  meta: {
    resourceType: 'User',
    created: '2024-01-01T00:00:00Z',
    lastModified: '2024-01-01T00:00:00Z',
    version: 'W/"1"',
  },
});

const group = (): ScimResource => ({
  schemas: [URN.group],
  id: 'g1',
  displayName: 'Engineering',
  members: [
    { value: 'u1', display: 'Ann' },
    { value: 'u2', type: 'User' },
  ],
});

void describe('parsePatchRequest', () => {
  void test('reads capitalised ops and keys as Entra sends them', () => {
    const operations = parsePatchRequest({
      schemas: [URN.patchOp],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { Op: 'ADD', Path: 'nickName', Value: 'Babs' },
        { op: 'Remove', path: 'members', value: [{ value: 'u1091' }] },
      ],
    });
    assert.deepEqual(
      operations.map((o) => [o.op, o.pathText, o.value]),
      [
        ['replace', 'active', 'False'],
        ['add', 'nickName', 'Babs'],
        ['remove', 'members', [{ value: 'u1091' }]],
      ],
    );
  });

  void test('accepts a body without schemas but not one naming another message', () => {
    assert.equal(parsePatchRequest({ Operations: [{ op: 'add', value: { title: 'x' } }] }).length, 1);
    rejects(
      () => parsePatchRequest({ schemas: [URN.user], Operations: [{ op: 'add', value: {} }] }),
      'invalidSyntax',
      URN.patchOp,
    );
  });

  void test('refuses a missing, empty or oversized Operations array', () => {
    rejects(() => parsePatchRequest({ schemas: [URN.patchOp] }), 'invalidSyntax', 'Operations');
    rejects(() => parsePatchRequest(request()), 'invalidSyntax', 'Operations');
    rejects(() => parsePatchRequest([]), 'invalidSyntax');
    const many = Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({
      op: 'replace',
      path: 'title',
      value: 'x',
    }));
    rejects(() => parsePatchRequest(request(...many)), 'invalidValue', String(MAX_PATCH_OPERATIONS));
    assert.equal(parsePatchRequest(request(...many.slice(1))).length, MAX_PATCH_OPERATIONS);
  });

  void test('refuses unknown ops, bad paths, a remove without path and a missing value', () => {
    rejects(() => parsePatchRequest(request({ op: 'move', path: 'title' })), 'invalidSyntax', 'op');
    rejects(() => parsePatchRequest(request('add')), 'invalidSyntax', 'Operations[0]');
    rejects(
      () => parsePatchRequest(request({ op: 'add', path: 'emails[type eq', value: 'x' })),
      'invalidPath',
    );
    rejects(() => parsePatchRequest(request({ op: 'add', path: 7, value: 'x' })), 'invalidPath');
    rejects(() => parsePatchRequest(request({ op: 'remove' })), 'noTarget');
    rejects(() => parsePatchRequest(request({ op: 'remove', path: '  ' })), 'noTarget');
    rejects(() => parsePatchRequest(request({ op: 'replace', path: 'title' })), 'invalidValue');
  });
});

void describe('applyPatch with Okta requests', () => {
  void test('a no-path replace of active deactivates the user', () => {
    const { resource, changed } = patch(user(), request({ op: 'replace', value: { active: false } }));
    assert.equal(resource.active, false);
    assert.equal(changed, true);
  });

  void test('a group rename that echoes the id changes only displayName', () => {
    const { resource, changed } = patch(
      { schemas: [URN.group], id: 'g1', displayName: 'Old' },
      request({ op: 'replace', value: { id: 'g1', displayName: 'New' } }),
      GROUP_RESOURCE_SCHEMA,
    );
    assert.deepEqual(resource, { schemas: [URN.group], id: 'g1', displayName: 'New' });
    assert.equal(changed, true);
  });

  void test('a no-path value that changes the id is refused', () => {
    rejects(
      () =>
        patch(
          { schemas: [URN.group], id: 'g1', displayName: 'Old' },
          request({ op: 'replace', value: { id: 'g2', displayName: 'New' } }),
          GROUP_RESOURCE_SCHEMA,
        ),
      'mutability',
      'id',
    );
  });

  void test('add and remove of members in one request become ordered member operations', () => {
    const operations = parsePatchRequest(
      request(
        { op: 'remove', path: 'members[value eq "00u1"]' },
        { op: 'add', path: 'members', value: [{ value: '00u2', display: 'user2@okta.local' }] },
      ),
    );
    assert.deepEqual(splitMemberOperations(operations, GROUP_RESOURCE_SCHEMA), {
      memberOperations: [
        { kind: 'remove', memberIds: ['00u1'] },
        { kind: 'add', members: [{ value: '00u2', display: 'user2@okta.local' }] },
      ],
      otherOperations: [],
    });
  });

  void test('replace members with an empty array empties the group', () => {
    const operations = parsePatchRequest(request({ op: 'replace', path: 'members', value: [] }));
    assert.deepEqual(splitMemberOperations(operations, GROUP_RESOURCE_SCHEMA).memberOperations, [
      { kind: 'replaceAll', members: [] },
    ]);
    const { resource } = applyPatch(group(), operations, GROUP_RESOURCE_SCHEMA);
    assert.equal(resource.members, undefined);
  });

  void test('a no-path replace holding members splits into a member operation and the rest', () => {
    const operations = parsePatchRequest(
      request({
        op: 'replace',
        value: { id: 'g1', displayName: 'Renamed', members: [{ value: 'u9', display: 'Nine' }] },
      }),
    );
    const split = splitMemberOperations(operations, GROUP_RESOURCE_SCHEMA);
    assert.deepEqual(split.memberOperations, [
      { kind: 'replaceAll', members: [{ value: 'u9', display: 'Nine' }] },
    ]);
    assert.deepEqual(split.otherOperations, [{ op: 'replace', value: { id: 'g1', displayName: 'Renamed' } }]);
    const { members: _members, ...withoutMembers } = group();
    const { resource } = applyPatch(withoutMembers, split.otherOperations, GROUP_RESOURCE_SCHEMA);
    assert.equal(resource.displayName, 'Renamed');
  });
});

void describe('applyPatch with Entra default-mode requests', () => {
  void test('Replace active with the string "False" deactivates', () => {
    const { resource } = patch(user(), request({ op: 'Replace', path: 'active', value: 'False' }));
    assert.equal(resource.active, false);
  });

  void test('Add sets a single-valued string', () => {
    const { resource } = patch(user(), request({ op: 'Add', path: 'nickName', value: 'Babs' }));
    assert.equal(resource.nickName, 'Babs');
  });

  void test('Replace on a missing work e-mail creates it', () => {
    const { emails: _emails, ...noEmails } = user();
    const { resource } = patch(
      noEmails,
      request({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' }),
    );
    assert.deepEqual(resource.emails, [{ type: 'work', value: 'new@contoso.com' }]);
  });

  void test('Replace on an existing work e-mail updates only its value', () => {
    const { resource } = patch(
      user(),
      request({ op: 'Replace', path: 'emails[type eq "WORK"].value', value: 'new@contoso.com' }),
    );
    assert.deepEqual(resource.emails, [
      { value: 'new@contoso.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
  });

  void test('without upserts a value path that matches nothing is noTarget', () => {
    rejects(
      () =>
        patch(
          user(),
          request({ op: 'replace', path: 'emails[type eq "other"].value', value: 'x@y.z' }),
          USER_RESOURCE_SCHEMA,
          { valuePathUpsert: false },
        ),
      'noTarget',
    );
  });

  void test('an upsert needs a filter that describes one element', () => {
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'emails[type co "oth"].value', value: 'x@y.z' })),
      'noTarget',
    );
    const { resource } = patch(
      user(),
      request({
        op: 'add',
        path: 'phoneNumbers[type eq "mobile" and primary eq "true"].value',
        value: '+1 555 0100',
      }),
    );
    assert.deepEqual(resource.phoneNumbers, [{ type: 'mobile', primary: true, value: '+1 555 0100' }]);
  });

  void test('a manager given as a bare string becomes {value} and adds the extension URN', () => {
    const { resource } = patch(
      user(),
      request({ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'boss-id' }),
    );
    assert.deepEqual(resource[ENTERPRISE], { manager: { value: 'boss-id' } });
    assert.deepEqual(resource.schemas, [URN.user, ENTERPRISE]);
  });

  void test('a manager is cleared by Replace with an empty value or by a filtered remove', () => {
    const withManager = {
      ...user(),
      schemas: [URN.user, ENTERPRISE],
      [ENTERPRISE]: { manager: { value: 'boss-id', $ref: 'https://x/Users/boss-id' } },
    };
    for (const operation of [
      { op: 'Replace', path: `${ENTERPRISE}:manager`, value: '' },
      { op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: '' } },
      { op: 'Replace', path: `${ENTERPRISE}:manager`, value: null },
      { op: 'Remove', path: `${ENTERPRISE}:manager[value eq "boss-id"]` },
      { op: 'remove', path: `${ENTERPRISE}:manager` },
      { op: 'Remove', path: `${ENTERPRISE}:manager`, value: 'boss-id' },
      { op: 'Remove', path: `${ENTERPRISE}:manager`, value: [{ value: 'boss-id' }] },
    ]) {
      const { resource } = patch(withManager, request(operation));
      assert.equal(resource[ENTERPRISE], undefined, JSON.stringify(operation));
      assert.deepEqual(resource.schemas, [URN.user]);
    }
    const other = patch(withManager, request({ op: 'Remove', path: `${ENTERPRISE}:manager[value eq "x"]` }));
    assert.equal(other.changed, false);
    const listed = patch(
      withManager,
      request({ op: 'Remove', path: `${ENTERPRISE}:manager`, value: [{ value: 'x' }] }),
    );
    assert.equal(listed.changed, false);
  });

  void test('a new manager value drops the stale $ref', () => {
    const withManager = {
      ...user(),
      [ENTERPRISE]: { manager: { value: 'old', $ref: 'https://x/Users/old' } },
    };
    const { resource } = patch(
      withManager,
      request({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: 'new' } }),
    );
    assert.deepEqual(resource[ENTERPRISE], { manager: { value: 'new' } });
  });

  void test('legacy member removal with a value array removes only those members', () => {
    const body = request({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] });
    assert.deepEqual(splitMemberOperations(parsePatchRequest(body), GROUP_RESOURCE_SCHEMA).memberOperations, [
      { kind: 'remove', memberIds: ['u1'] },
    ]);
    const { resource } = patch(group(), body, GROUP_RESOURCE_SCHEMA);
    assert.deepEqual(resource.members, [{ value: 'u2', type: 'User' }]);
  });

  void test('Add members with "$ref": null is a member add', () => {
    const operations = parsePatchRequest(
      request({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u3' }] }),
    );
    assert.deepEqual(splitMemberOperations(operations, GROUP_RESOURCE_SCHEMA).memberOperations, [
      { kind: 'add', members: [{ value: 'u3' }] },
    ]);
  });
});

void describe('applyPatch with Entra aadOptscim062020 requests', () => {
  void test('a no-path replace with dotted and URN-qualified keys sets each attribute', () => {
    const { resource } = patch(
      user(),
      request(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Updated Display Name',
            'name.givenName': 'UpdatedGivenName',
            'name.familyName': 'UpdatedFamilyName',
            [`${ENTERPRISE}:employeeNumber`]: '1234',
          },
        },
      ),
    );
    assert.deepEqual(resource.name, { givenName: 'UpdatedGivenName', familyName: 'UpdatedFamilyName' });
    assert.equal(resource.displayName, 'Updated Display Name');
    assert.deepEqual(resource[ENTERPRISE], { employeeNumber: '1234' });
    assert.deepEqual(resource.schemas, [URN.user, ENTERPRISE]);
    assert.equal((resource.emails as { value: string }[])[0]?.value, 'updatedEmail@microsoft.com');
  });

  void test('a lower-case remove with a value filter removes that member', () => {
    const { resource } = patch(
      group(),
      request({ op: 'remove', path: 'members[value eq "u2"]' }),
      GROUP_RESOURCE_SCHEMA,
    );
    assert.deepEqual(resource.members, [{ value: 'u1', display: 'Ann' }]);
  });
});

void describe('applyPatch semantics', () => {
  void test('adding a value already present changes nothing', () => {
    const result = patch(
      user(),
      request(
        { op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] },
        { op: 'add', path: 'userName', value: 'bjensen@example.com' },
        { op: 'replace', value: { name: { givenName: 'Barbara' } } },
      ),
    );
    assert.equal(result.changed, false);
    assert.deepEqual(result.resource, user());
  });

  void test('re-adding a member with a display does not duplicate it', () => {
    const result = patch(
      group(),
      request({ op: 'add', path: 'members', value: [{ value: 'u2', display: 'Bob' }] }),
      GROUP_RESOURCE_SCHEMA,
    );
    assert.equal(result.changed, false);
  });

  void test('add appends to a multi-valued attribute and replace without filter replaces it', () => {
    const added = patch(user(), request({ op: 'add', path: 'emails', value: { value: 'c@x.io' } }));
    assert.equal((added.resource.emails as unknown[]).length, 3);
    const replaced = patch(
      user(),
      request({ op: 'replace', path: 'emails', value: [{ value: 'c@x.io', type: 'work' }] }),
    );
    assert.deepEqual(replaced.resource.emails, [{ value: 'c@x.io', type: 'work' }]);
  });

  void test('replace on a value path without sub-attribute replaces the matching element whole', () => {
    const { resource } = patch(
      user(),
      request({ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'h@x.io', type: 'home' } }),
    );
    assert.deepEqual(resource.emails, [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'h@x.io', type: 'home' },
    ]);
  });

  void test('a complex replace merges sub-attributes and null clears one', () => {
    const merged = patch(user(), request({ op: 'replace', path: 'name', value: { middleName: 'J' } }));
    assert.deepEqual(merged.resource.name, { givenName: 'Barbara', familyName: 'Jensen', middleName: 'J' });
    const cleared = patch(user(), request({ op: 'replace', path: 'name', value: { familyName: null } }));
    assert.deepEqual(cleared.resource.name, { givenName: 'Barbara' });
    const emptied = patch(user(), request({ op: 'replace', path: 'name', value: [] }));
    assert.equal(emptied.resource.name, undefined);
    const untouched = patch(user(), request({ op: 'replace', path: 'name', value: {} }));
    assert.equal(untouched.changed, false);
    const dotted = patch(user(), request({ op: 'replace', path: 'name.givenName', value: 'Babs' }));
    assert.deepEqual(dotted.resource.name, { givenName: 'Babs', familyName: 'Jensen' });
  });

  void test('replace on a missing attribute behaves as add', () => {
    const { resource } = patch(user(), request({ op: 'replace', path: 'title', value: 'CTO' }));
    assert.equal(resource.title, 'CTO');
  });

  void test('setting primary on one value clears it on the others', () => {
    const added = patch(
      user(),
      request({ op: 'add', path: 'emails', value: [{ value: 'new@x.io', primary: true }] }),
    );
    assert.deepEqual(added.resource.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'new@x.io', primary: true },
    ]);
    const switched = patch(
      user(),
      request({ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }),
    );
    assert.deepEqual(switched.resource.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ]);
    rejects(
      () =>
        patch(
          user(),
          request({
            op: 'replace',
            path: 'emails',
            value: [
              { value: 'a@x.io', primary: true },
              { value: 'b@x.io', primary: true },
            ],
          }),
        ),
      'invalidValue',
      'primary',
    );
  });

  void test('remove with a filter removes matching elements, with a sub-attribute only that part', () => {
    const element = patch(user(), request({ op: 'remove', path: 'emails[type eq "work"]' }));
    assert.deepEqual(element.resource.emails, [{ value: 'babs@jensen.org', type: 'home' }]);
    const part = patch(user(), request({ op: 'remove', path: 'emails[type eq "work"].primary' }));
    assert.deepEqual(part.resource.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    const none = patch(user(), request({ op: 'remove', path: 'emails[type eq "other"]' }));
    assert.equal(none.changed, false);
    const all = patch(user(), request({ op: 'remove', path: 'emails' }));
    assert.equal(all.resource.emails, undefined);
  });

  void test('remove of a single-valued attribute unassigns it; removing what is absent is no change', () => {
    const { resource } = patch(user(), request({ op: 'remove', path: 'name.familyName' }));
    assert.deepEqual(resource.name, { givenName: 'Barbara' });
    assert.equal(patch(user(), request({ op: 'remove', path: 'title' })).changed, false);
  });

  void test('required and readOnly attributes cannot be removed or written', () => {
    rejects(() => patch(user(), request({ op: 'remove', path: 'userName' })), 'mutability', 'userName');
    rejects(() => patch(user(), request({ op: 'remove', path: 'id' })), 'mutability', 'id');
    rejects(() => patch(user(), request({ op: 'remove', path: 'meta' })), 'mutability', 'meta');
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'schemas', value: [URN.user] })),
      'mutability',
      'schemas',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' })),
      'mutability',
    );
    rejects(
      () => patch(user(), request({ op: 'add', path: 'groups', value: [{ value: 'g' }] })),
      'mutability',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'userName', value: '' })),
      'invalidValue',
      'userName',
    );
    rejects(
      () => patch(group(), request({ op: 'remove', path: 'displayName' }), GROUP_RESOURCE_SCHEMA),
      'mutability',
      'displayName',
    );
  });

  void test('values are type-checked like request bodies', () => {
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'active', value: 'maybe' })),
      'invalidValue',
      'active',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'userName', value: 5 })),
      'invalidValue',
      'userName',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'name', value: 'Ann' })),
      'invalidValue',
      'name',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', value: { emails: [{ value: 1 }] } })),
      'invalidValue',
      'emails.value',
    );
    rejects(() => patch(user(), request({ op: 'replace', value: 'active' })), 'invalidValue');
  });

  void test('unknown attributes in a path are invalidPath, unknown extension URNs are ignored', () => {
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'adreses', value: 'x' })),
      'invalidPath',
      'adreses',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'name.nickname', value: 'x' })),
      'invalidPath',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'emails[nosuch eq "x"].value', value: 'x' })),
      'invalidFilter',
    );
    rejects(
      () => patch(user(), request({ op: 'replace', path: 'title[value eq "x"]', value: 'x' })),
      'invalidPath',
    );
    const ignored = patch(
      user(),
      request({ op: 'add', path: 'urn:example:custom:2.0:User:costCenter', value: 'x' }),
    );
    assert.equal(ignored.changed, false);
    const noPath = patch(user(), request({ op: 'add', value: { adreses: [{ locality: 'x' }] } }));
    assert.equal(noPath.changed, false);
  });

  void test('the last extension attribute removed takes the URN out of schemas', () => {
    const start = patch(user(), request({ op: 'add', path: `${ENTERPRISE}:department`, value: 'R&D' }));
    assert.deepEqual(start.resource.schemas, [URN.user, ENTERPRISE]);
    const { resource } = patch(start.resource, request({ op: 'remove', path: `${ENTERPRISE}:department` }));
    assert.deepEqual(resource.schemas, [URN.user]);
    assert.equal(Object.hasOwn(resource, ENTERPRISE), false);
  });

  void test('a whole extension may be the path, or a key of a no-path value', () => {
    const byPath = patch(user(), request({ op: 'add', path: ENTERPRISE, value: { Department: 'Ops' } }));
    assert.deepEqual(byPath.resource[ENTERPRISE], { department: 'Ops' });
    const byKey = patch(user(), request({ op: 'replace', value: { [ENTERPRISE]: { costCenter: '42' } } }));
    assert.deepEqual(byKey.resource[ENTERPRISE], { costCenter: '42' });
    const removed = patch(byKey.resource, request({ op: 'remove', path: ENTERPRISE }));
    assert.equal(removed.resource[ENTERPRISE], undefined);
  });

  void test('the password is accepted and never stored', () => {
    const result = patch(
      user(),
      request(
        { op: 'replace', value: { password: 't1meMa$heen' } },
        { op: 'replace', path: 'password', value: 'x' },
      ),
    );
    assert.equal(result.changed, false);
    assert.equal(result.resource.password, undefined);
  });

  void test('a failing third operation leaves the resource untouched', () => {
    const original = user();
    const snapshot = structuredClone(original);
    assert.throws(
      () =>
        patch(
          original,
          request(
            { op: 'replace', path: 'title', value: 'CTO' },
            { op: 'remove', path: 'emails' },
            { op: 'remove', path: 'userName' },
          ),
        ),
      (error: unknown) => error instanceof ScimError && error.message.startsWith('Operation 3 (remove)'),
    );
    assert.deepEqual(original, snapshot);
  });

  void test('applyPatch never modifies its input, even on success', () => {
    const original = user();
    const snapshot = structuredClone(original);
    patch(original, request({ op: 'replace', path: 'emails[type eq "work"].value', value: 'z@x.io' }));
    assert.deepEqual(original, snapshot);
  });

  void test('paths and keys naming prototype members are refused or ignored', () => {
    rejects(
      () => parsePatchRequest(request({ op: 'add', path: '__proto__.polluted', value: 1 })),
      'invalidPath',
    );
    for (const path of [
      'constructor.prototype',
      'toString',
      'hasOwnProperty',
      'prototype',
      'name.__proto__',
    ]) {
      assert.throws(() => patch(user(), request({ op: 'add', path, value: { polluted: 1 } })), ScimError);
    }
    const value = JSON.parse(
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"toString":"x",' +
        '"name":{"__proto__":{"polluted":1}},"emails":[{"value":"p@x.io","__proto__":{"polluted":1}}]}',
    );
    const result = patch(user(), request({ op: 'add', value }));
    assert.deepEqual((result.resource.emails as unknown[])[2], { value: 'p@x.io' });
    const membersValue = JSON.parse('{"__proto__":{"polluted":1},"members":[{"value":"u5"}]}');
    const split = splitMemberOperations(
      parsePatchRequest(request({ op: 'add', value: membersValue })),
      GROUP_RESOURCE_SCHEMA,
    );
    assert.deepEqual(split.memberOperations, [{ kind: 'add', members: [{ value: 'u5' }] }]);
    for (const operation of split.otherOperations) applyPatch(group(), [operation], GROUP_RESOURCE_SCHEMA);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(result.resource), Object.prototype);
  });
});

void describe('applyPatch on immutable attributes', () => {
  const attribute = (name: string, extra: Partial<AttributeDefinition> = {}): AttributeDefinition => ({
    name,
    type: 'string',
    multiValued: false,
    description: name,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...extra,
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
      attributes: [attribute('serial', { mutability: 'immutable' }), attribute('label')],
    },
    extensions: [],
  };

  void test('add sets an unset immutable attribute; changing or removing it is mutability', () => {
    const set = patch(
      { schemas: ['urn:example:Widget'] },
      request({ op: 'add', path: 'serial', value: 'S1' }),
      schema,
    );
    assert.equal(set.resource.serial, 'S1');
    const same = patch(set.resource, request({ op: 'replace', path: 'serial', value: 'S1' }), schema);
    assert.equal(same.changed, false);
    rejects(
      () => patch(set.resource, request({ op: 'replace', path: 'serial', value: 'S2' }), schema),
      'mutability',
    );
    rejects(() => patch(set.resource, request({ op: 'remove', path: 'serial' }), schema), 'mutability');
  });
});

void describe('splitMemberOperations', () => {
  const split = (...operations: unknown[]) =>
    splitMemberOperations(parsePatchRequest(request(...operations)), GROUP_RESOURCE_SCHEMA);

  void test('remove without value empties the group; with an empty array removes nothing', () => {
    assert.deepEqual(split({ op: 'remove', path: 'members' }).memberOperations, [{ kind: 'removeAll' }]);
    assert.deepEqual(split({ op: 'remove', path: 'members', value: [] }).memberOperations, []);
  });

  void test('or-combined value filters remove each named member', () => {
    assert.deepEqual(
      split({ op: 'remove', path: 'members[value eq "a" or (value eq "b" or VALUE eq "a")]' })
        .memberOperations,
      [{ kind: 'remove', memberIds: ['a', 'b'] }],
    );
  });

  void test('filters other than value eq, and member sub-attribute paths, are refused', () => {
    rejects(() => split({ op: 'remove', path: 'members[type eq "User"]' }), 'invalidFilter', 'value eq');
    rejects(() => split({ op: 'remove', path: 'members[value eq "a"].display' }), 'mutability');
    rejects(
      () => split({ op: 'replace', path: 'members[value eq "a"]', value: { value: 'b' } }),
      'invalidPath',
    );
    rejects(() => split({ op: 'add', path: 'members', value: [{ display: 'no id' }] }), 'invalidValue');
  });

  void test('other operations keep their order and User operations are left alone', () => {
    const result = split(
      { op: 'replace', path: 'displayName', value: 'A' },
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
      { op: 'add', path: 'externalId', value: 'e' },
    );
    assert.deepEqual(
      result.otherOperations.map((o) => o.pathText),
      ['displayName', 'externalId'],
    );
    const users = splitMemberOperations(
      parsePatchRequest(request({ op: 'add', path: 'members', value: [] })),
      USER_RESOURCE_SCHEMA,
    );
    assert.equal(users.memberOperations.length, 0);
    assert.equal(users.otherOperations.length, 1);
  });
});

void describe('PATCH properties', () => {
  const name = fc.constantFrom('emails', 'addresses', 'members', 'phoneNumbers', 'name', 'manager');
  const sub = fc.constantFrom('value', 'type', 'display', 'givenName', 'streetAddress', '$ref');
  const literal = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null));
  const compare: fc.Arbitrary<Filter> = fc.record(
    {
      kind: fc.constant('compare' as const),
      path: fc.record({ attribute: sub }, { noNullPrototype: true }),
      op: fc.constantFrom('eq', 'ne', 'co', 'sw', 'gt' as const),
      value: literal,
    },
    { noNullPrototype: true },
  );
  const filter: fc.Arbitrary<Filter> = fc.oneof(
    compare,
    fc.record(
      { kind: fc.constant('and' as const), left: compare, right: compare },
      { noNullPrototype: true },
    ),
    fc.record({ kind: fc.constant('or' as const), left: compare, right: compare }, { noNullPrototype: true }),
    fc.record({ kind: fc.constant('not' as const), filter: compare }, { noNullPrototype: true }),
  );
  const patchPath: fc.Arbitrary<PatchPath> = fc.oneof(
    fc.record(
      {
        path: fc.record(
          { uri: fc.constantFrom(ENTERPRISE, URN.user), attribute: name },
          { requiredKeys: ['attribute'], noNullPrototype: true },
        ),
      },
      { noNullPrototype: true },
    ),
    fc.record(
      { path: fc.record({ attribute: name, subAttribute: sub }, { noNullPrototype: true }) },
      { noNullPrototype: true },
    ),
    fc.record(
      {
        path: fc.record(
          { uri: fc.constant(ENTERPRISE), attribute: name },
          { requiredKeys: ['attribute'], noNullPrototype: true },
        ),
        filter,
        subAttribute: sub,
      },
      { requiredKeys: ['path', 'filter'], noNullPrototype: true },
    ),
  );

  void test('parsePatchPath(printPatchPath(p)) equals p', () => {
    fc.assert(
      fc.property(patchPath, (p) => {
        const parsed = parsePatchPath(printPatchPath(p));
        assert.ok(parsed.ok, printPatchPath(p));
        assert.deepEqual(parsed.value, p);
      }),
    );
  });

  // A model of what reading back each path should give after a sequence of writes.
  const text = fc.string({ minLength: 1, maxLength: 12 });
  const write = fc.oneof(
    fc.record({ key: fc.constant('userName'), value: text }, { noNullPrototype: true }),
    fc.record({ key: fc.constant('title'), value: text }, { noNullPrototype: true }),
    fc.record({ key: fc.constant('name.givenName'), value: text }, { noNullPrototype: true }),
    fc.record({ key: fc.constant('name.familyName'), value: text }, { noNullPrototype: true }),
    fc.record({ key: fc.constant('active'), value: fc.boolean() }, { noNullPrototype: true }),
    fc.record({ key: fc.constantFrom('work', 'home', 'other'), value: text }, { noNullPrototype: true }),
    fc.record({ key: fc.constant('department'), value: text }, { noNullPrototype: true }),
    fc.record({ key: fc.constant('manager'), value: text }, { noNullPrototype: true }),
  );
  const operationOf = (op: 'add' | 'replace', style: number, key: string, value: unknown) => {
    const paths: Record<string, string> = {
      department: `${ENTERPRISE}:department`,
      manager: `${ENTERPRISE}:manager`,
      work: 'emails[type eq "work"].value',
      home: 'emails[type eq "home"].value',
      other: 'emails[type eq "other"].value',
    };
    const path = paths[key] ?? key;
    const isEmail = key === 'work' || key === 'home' || key === 'other';
    const sent = key === 'active' && style === 2 ? (value ? 'True' : 'False') : value;
    if (style === 1 && !isEmail) return { op: op === 'add' ? 'Add' : 'Replace', value: { [path]: sent } };
    return { op, path, value: sent };
  };
  const readBack = (resource: ScimResource, key: string): unknown => {
    const extension = resource[ENTERPRISE] as Record<string, { value?: string } | string> | undefined;
    switch (key) {
      case 'name.givenName':
      case 'name.familyName':
        return (resource.name as Record<string, unknown> | undefined)?.[key.slice(5)];
      case 'department':
        return extension?.department;
      case 'manager':
        return (extension?.manager as { value?: string } | undefined)?.value;
      case 'work':
      case 'home':
      case 'other':
        return (resource.emails as { type?: string; value?: string }[] | undefined)?.find(
          (e) => e.type === key,
        )?.value;
      default:
        return resource[key];
    }
  };

  void test('applying add and replace operations then reading back yields the last value set', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('add' as const, 'replace' as const), fc.nat(2), write), {
          minLength: 1,
          maxLength: 12,
        }),
        (writes) => {
          const operations = writes.map(([op, style, w]) => operationOf(op, style, w.key, w.value));
          const { resource } = patch(user(), request(...operations));
          const expected = new Map<string, unknown>();
          for (const [, , w] of writes) expected.set(w.key, w.value);
          for (const [key, value] of expected) assert.deepEqual(readBack(resource, key), value, key);
          const hasExtension = expected.has('department') || expected.has('manager');
          assert.deepEqual(resource.schemas, hasExtension ? [URN.user, ENTERPRISE] : [URN.user]);
        },
      ),
    );
  });

  void test('no PATCH body throws anything but a ScimError', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const operation = fc.record(
      {
        op: fc.constantFrom('add', 'remove', 'replace', 'Add', 'x'),
        path: fc.oneof(
          fc.constantFrom(
            'emails[type eq "work"].value',
            'members',
            'name',
            'userName',
            `${ENTERPRISE}:manager`,
            'x[',
            '',
          ),
          fc.string({ maxLength: 20 }),
        ),
        value: json,
      },
      { requiredKeys: ['op'], noNullPrototype: true },
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 4 }), fc.boolean(), (operations, isGroup) => {
        try {
          const parsed = parsePatchRequest(request(...operations));
          const schema = isGroup ? GROUP_RESOURCE_SCHEMA : USER_RESOURCE_SCHEMA;
          const split = splitMemberOperations(parsed, schema);
          applyPatch(isGroup ? group() : user(), split.otherOperations, schema);
        } catch (error) {
          if (!(error instanceof ScimError)) throw error;
        }
      }),
    );
  });
});
