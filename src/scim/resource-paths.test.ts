// Tests of the flat-attribute convention: exact round trips both ways (properties), the keys the
// mapping writes, what the flat form leaves out, refused keys and values, and applying changes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ScimError } from './errors.ts';
import {
  applyFlatChanges,
  flattenResource,
  parseFlatKey,
  primaryEmailOf,
  unflattenAttributes,
} from './resource-paths.ts';
import type { FlatValue } from './resource-paths.ts';
import type { ScimResource } from './schema.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// Any text, including quotes, backslashes, brackets and non-ASCII, since types end up inside filters.
const textArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('"', '\\', ']', '[type eq "x"]', 'Ünïcødé', 'a.b', 'urn:x:y'),
);
const typeArb = fc.oneof(fc.constantFrom('work', 'home', 'other', 'mobile', 'Work'), textArb);

function elementsArb(subs: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>[]> {
  return (
    fc
      .uniqueArray(typeArb, { minLength: 1, maxLength: 4 })
      .chain((types) =>
        fc.tuple(
          ...types.map((type) => fc.record(subs, { requiredKeys: [] }).map((rest) => ({ type, ...rest }))),
        ),
      )
      // An element holding only its type has nothing to name; the flat form cannot show it.
      .filter((elements) => elements.every((e) => Object.keys(e).length > 1))
  );
}

function nonEmpty<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return arb.filter((value) => Object.keys(value).length > 0);
}

/** Users of the shape the convention covers: typed elements with distinct types, the manager by id. */
const userArb: fc.Arbitrary<ScimResource> = fc
  .record(
    {
      userName: textArb,
      externalId: textArb,
      active: fc.boolean(),
      displayName: textArb,
      title: textArb,
      nickName: textArb,
      name: nonEmpty(
        fc.record(
          { givenName: textArb, familyName: textArb, formatted: textArb, middleName: textArb },
          { requiredKeys: [], noNullPrototype: true },
        ),
      ),
      emails: elementsArb({ value: textArb, primary: fc.boolean(), display: textArb }),
      phoneNumbers: elementsArb({ value: textArb, primary: fc.boolean() }),
      addresses: elementsArb({ streetAddress: textArb, locality: textArb, country: textArb }),
      [ENTERPRISE]: nonEmpty(
        fc.record(
          {
            department: textArb,
            employeeNumber: textArb,
            costCenter: textArb,
            organization: textArb,
            manager: textArb.map((value) => ({ value })),
          },
          { requiredKeys: [], noNullPrototype: true },
        ),
      ),
    },
    { requiredKeys: ['userName'], noNullPrototype: true },
  )
  .map((user) => ({ schemas: ENTERPRISE in user ? [CORE, ENTERPRISE] : [CORE], ...user }));

/** Flat records of canonical keys, as flattenResource writes them. */
const flatArb: fc.Arbitrary<Record<string, FlatValue>> = fc
  .tuple(
    fc.record(
      {
        userName: textArb,
        active: fc.boolean(),
        displayName: textArb,
        title: textArb,
        externalId: textArb,
        'name.givenName': textArb,
        'name.familyName': textArb,
        [`${ENTERPRISE}:department`]: textArb,
        [`${ENTERPRISE}:manager`]: textArb,
      },
      { requiredKeys: [], noNullPrototype: true },
    ),
    fc.uniqueArray(
      fc.tuple(
        fc.constantFrom('emails', 'phoneNumbers'),
        typeArb,
        fc.option(textArb, { nil: undefined }),
        fc.option(fc.boolean(), { nil: undefined }),
      ),
      { selector: ([attribute, type]) => `${attribute}\u0000${type}`, maxLength: 4 },
    ),
  )
  .map(([plain, elements]) => {
    const flat: Record<string, FlatValue> = { ...plain };
    for (const [attribute, type, value, primary] of elements) {
      const prefix = `${attribute}[type eq ${JSON.stringify(type)}]`;
      if (value !== undefined) flat[`${prefix}.value`] = value;
      if (primary !== undefined) flat[`${prefix}.primary`] = primary;
    }
    return flat;
  });

void describe('flat attributes', () => {
  void test('unflatten(flatten(user)) is the user, for every user of the covered shape', () => {
    fc.assert(
      fc.property(userArb, (user) => {
        assert.deepStrictEqual(unflattenAttributes(flattenResource(user)), user);
      }),
      { numRuns: 500 },
    );
  });

  void test('flatten(unflatten(record)) is the record, for every record of canonical keys', () => {
    fc.assert(
      fc.property(flatArb, (flat) => {
        assert.deepStrictEqual(flattenResource(unflattenAttributes(flat)), flat);
      }),
      { numRuns: 500 },
    );
  });

  void test('flattening writes the keys a mapping targets', () => {
    const flat = flattenResource({
      schemas: [CORE, ENTERPRISE],
      id: 'u-1',
      userName: 'ada@example.com',
      active: true,
      displayName: 'Ada Lovelace',
      title: 'Engineer',
      externalId: '42',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ type: 'work', value: 'ada@example.com', primary: true }],
      phoneNumbers: [{ type: 'mobile', value: '+49 30 1234' }],
      [ENTERPRISE]: {
        department: 'R&D',
        manager: { value: 'u-0', displayName: 'Boss', $ref: '../Users/u-0' },
      },
      groups: [{ value: 'g-1', display: 'Staff', type: 'direct' }],
      meta: { resourceType: 'User', version: 'W/"3"' },
    });
    assert.deepStrictEqual(flat, {
      userName: 'ada@example.com',
      active: true,
      displayName: 'Ada Lovelace',
      title: 'Engineer',
      externalId: '42',
      'name.givenName': 'Ada',
      'name.familyName': 'Lovelace',
      'emails[type eq "work"].value': 'ada@example.com',
      'emails[type eq "work"].primary': true,
      'phoneNumbers[type eq "mobile"].value': '+49 30 1234',
      [`${ENTERPRISE}:department`]: 'R&D',
      [`${ENTERPRISE}:manager`]: 'u-0',
    });
  });

  void test('elements without a type, and every element after the first of a type, are left out', () => {
    const flat = flattenResource({
      userName: 'x',
      emails: [
        { value: 'untyped@example.com' },
        { type: 'work', value: 'a@x' },
        { type: 'work', value: 'b@x' },
      ],
    });
    assert.deepStrictEqual(flat, { userName: 'x', 'emails[type eq "work"].value': 'a@x' });
  });

  void test('a multi-valued simple attribute of an unknown extension is a list of strings', () => {
    const resource = {
      schemas: [CORE, 'urn:example:ext'],
      userName: 'x',
      'urn:example:ext': { tags: ['a', 'b'] },
    };
    const flat = flattenResource(resource);
    assert.deepStrictEqual(flat, { userName: 'x', 'urn:example:ext:tags': ['a', 'b'] });
    assert.deepStrictEqual(unflattenAttributes(flat), resource);
  });

  void test('unflatten leaves out nulls and lists the enterprise URN only with an enterprise value', () => {
    assert.deepStrictEqual(
      unflattenAttributes({ userName: 'x', title: null, [`${ENTERPRISE}:department`]: null }),
      {
        schemas: [CORE],
        userName: 'x',
      },
    );
  });

  void test('unflatten accepts names in any case and short extension names, and writes them canonically', () => {
    assert.deepStrictEqual(
      unflattenAttributes({
        USERNAME: 'x',
        'Name.GivenName': 'Ada',
        department: 'R&D',
        'EMAILS[TYPE eq "work"].VALUE': 'a@x',
      }),
      {
        schemas: [CORE, ENTERPRISE],
        userName: 'x',
        name: { givenName: 'Ada' },
        [ENTERPRISE]: { department: 'R&D' },
        emails: [{ type: 'work', value: 'a@x' }],
      },
    );
    const parsed = parseFlatKey('department');
    assert.ok(parsed.ok);
    assert.equal(parsed.value.text, `${ENTERPRISE}:department`);
  });

  for (const [key, why] of [
    ['schemas', /follows the attributes/],
    ['id', /service provider/],
    ['meta.version', /service provider/],
    ['groups[type eq "direct"].value', /service provider/],
    ['emails.value', /several values/],
    ['emails[type eq "work"]', /whole element/],
    ['emails[type eq "work" or type eq "home"].value', /only join/],
    ['emails[type eq "work"].type', /both in the filter/],
    ['title.value', /no sub-attributes/],
    ['name[type eq "x"].givenName', /holds one value/],
    ['emails[type eq', /not an attribute path/],
  ] as const) {
    void test(`the key ${key} is refused`, () => {
      const parsed = parseFlatKey(key);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, why);
      assert.throws(
        () => unflattenAttributes({ [key]: 'x' }),
        (error: unknown) => {
          return error instanceof ScimError && error.status === 400 && error.scimType === 'invalidPath';
        },
      );
    });
  }

  void test('values that do not fit their key are invalidValue', () => {
    for (const attributes of [
      { name: 'x' },
      { emails: 'x' },
      { userName: ['a'] },
      { 'name.givenName': ['a'] },
    ]) {
      assert.throws(
        () => unflattenAttributes(attributes),
        (error: unknown) => error instanceof ScimError && error.scimType === 'invalidValue',
        JSON.stringify(attributes),
      );
    }
  });

  void test('an element keyed by several sub-attributes is built from all of them', () => {
    assert.deepStrictEqual(
      unflattenAttributes({ 'emails[type eq "work" and primary eq true].value': 'a@x' }),
      {
        schemas: [CORE],
        emails: [{ type: 'work', primary: true, value: 'a@x' }],
      },
    );
  });
});

void describe('applying flat changes', () => {
  const user: ScimResource = {
    schemas: [CORE, ENTERPRISE, 'urn:example:listed-only'],
    id: 'u-1',
    userName: 'ada@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'untyped@example.com' },
      { type: 'Work', value: 'ada@example.com', primary: true },
      { type: 'home', value: 'ada@home.example' },
    ],
    [ENTERPRISE]: { department: 'R&D', manager: { value: 'u-0', displayName: 'Boss' } },
    meta: { version: 'W/"1"' },
  };

  void test('sets and clears only the named paths and keeps what the flat form cannot name', () => {
    const next = applyFlatChanges(user, {
      'name.givenName': null,
      title: 'Engineer',
      'emails[type eq "home"].value': null,
      'phoneNumbers[type eq "mobile"].value': '+1 555',
    });
    assert.deepStrictEqual(next, {
      ...user,
      title: 'Engineer',
      name: { familyName: 'Lovelace' },
      emails: [{ value: 'untyped@example.com' }, { type: 'Work', value: 'ada@example.com', primary: true }],
      phoneNumbers: [{ type: 'mobile', value: '+1 555' }],
    });
    assert.deepStrictEqual(user['emails'], [
      { value: 'untyped@example.com' },
      { type: 'Work', value: 'ada@example.com', primary: true },
      { type: 'home', value: 'ada@home.example' },
    ]);
  });

  void test('matches an element type case-insensitively and takes the key spelling, so a re-plan sees no change', () => {
    const next = applyFlatChanges(user, { 'emails[type eq "work"].value': 'lovelace@example.com' });
    assert.equal(flattenResource(next)['emails[type eq "work"].value'], 'lovelace@example.com');
  });

  void test('a new primary makes the previous primary plain', () => {
    const next = applyFlatChanges(user, { 'emails[type eq "home"].primary': true });
    assert.deepStrictEqual(next['emails'], [
      { value: 'untyped@example.com' },
      { type: 'Work', value: 'ada@example.com' },
      { type: 'home', value: 'ada@home.example', primary: true },
    ]);
    assert.equal(primaryEmailOf(next), 'ada@home.example');
  });

  void test('a new manager replaces the old one; clearing the last enterprise value drops the URN', () => {
    const moved = applyFlatChanges(user, { [`${ENTERPRISE}:manager`]: 'u-9' });
    assert.deepStrictEqual((moved[ENTERPRISE] as Record<string, unknown>)['manager'], { value: 'u-9' });
    const cleared = applyFlatChanges(user, {
      [`${ENTERPRISE}:manager`]: null,
      [`${ENTERPRISE}:department`]: null,
    });
    assert.equal(cleared[ENTERPRISE], undefined);
    assert.deepStrictEqual(cleared['schemas'], [CORE, 'urn:example:listed-only']);
  });

  void test('changes equal to the flat form change nothing', () => {
    const same = applyFlatChanges(user, flattenResource(user));
    assert.deepStrictEqual(flattenResource(same), flattenResource(user));
  });

  void test('the email of an account is the primary one, else the work one, else none', () => {
    assert.equal(primaryEmailOf(user), 'ada@example.com');
    assert.equal(
      primaryEmailOf({
        emails: [
          { type: 'home', value: 'h@x' },
          { type: 'WORK', value: 'w@x' },
        ],
      }),
      'w@x',
    );
    assert.equal(primaryEmailOf({ emails: [{ type: 'home', value: 'h@x' }] }), null);
    assert.equal(primaryEmailOf({}), null);
  });
});
