import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Filter } from './filter-ast.ts';
import type { AttributeDefinition, ScimResource } from './schema.ts';
import { URN } from './schema.ts';
import type { ResourceSchema } from './attribute-resolver.ts';
import { GROUP_RESOURCE_SCHEMA, USER_RESOURCE_SCHEMA } from './attribute-resolver.ts';
import { evaluateFilter, parseDateTime, validateFilter } from './filter-evaluate.ts';
import { parseFilter } from './filter-parser.ts';

function parsed(text: string): Filter {
  const result = parseFilter(text);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.value;
}

function validated(text: string, schema: ResourceSchema = USER_RESOURCE_SCHEMA): Filter {
  const result = validateFilter(parsed(text), schema);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error}`);
  return result.value;
}

function invalid(text: string, schema: ResourceSchema = USER_RESOURCE_SCHEMA): string {
  const result = validateFilter(parsed(text), schema);
  assert.equal(result.ok, false, `${text} should be refused`);
  return result.ok ? '' : result.error;
}

function matches(
  text: string,
  resource: ScimResource,
  schema: ResourceSchema = USER_RESOURCE_SCHEMA,
): boolean {
  return evaluateFilter(validated(text, schema), resource, schema);
}

// RFC 7643 §8.2, trimmed, plus the enterprise extension of §8.3.
const bjensen: ScimResource = {
  schemas: [URN.user, URN.enterpriseUser],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'BJensen-701984',
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen, III', familyName: "O'Malley", givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw' }],
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"a330bc54f0671c9"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
  [URN.enterpriseUser]: {
    employeeNumber: '701984',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
};

void describe('evaluateFilter: the RFC 7644 §3.4.2.2 examples against RFC 7643 §8.2', () => {
  const cases: [string, boolean][] = [
    ['userName eq "bjensen@example.com"', true],
    ['name.familyName co "O\'Malley"', true],
    ['userName sw "B"', true],
    [`${URN.user}:userName sw "bj"`, true],
    ['title pr', true],
    ['nickName pr', false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true],
    ['title pr and userType eq "Employee"', true],
    ['title pr or userType eq "Intern"', true],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    ['userType eq "Employee" and (emails.type eq "work")', true],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      true,
    ],
  ];
  for (const [text, expected] of cases) {
    void test(`${text} is ${expected}`, () => assert.equal(matches(text, bjensen), expected));
  }
});

void describe('evaluateFilter: string comparison follows caseExact', () => {
  void test('userName, displayName and emails.value compare case-insensitively', () => {
    assert.equal(matches('userName eq "BJENSEN@EXAMPLE.COM"', bjensen), true);
    assert.equal(matches('USERNAME Eq "BJensen@Example.com"', bjensen), true);
    assert.equal(matches('displayName eq "babs jensen"', bjensen), true);
    assert.equal(matches('emails.value eq "BABS@JENSEN.ORG"', bjensen), true);
    assert.equal(
      matches('displayName eq "group one"', { displayName: 'Group One' }, GROUP_RESOURCE_SCHEMA),
      true,
    );
  });

  void test('id and externalId compare case-exactly', () => {
    assert.equal(matches('externalId eq "BJensen-701984"', bjensen), true);
    assert.equal(matches('externalId eq "bjensen-701984"', bjensen), false);
    assert.equal(matches('id eq "2819C223-7F76-453A-919D-413861904646"', bjensen), false);
    assert.equal(matches('id eq "2819c223-7f76-453a-919d-413861904646"', bjensen), true);
  });

  void test('co, sw and ew honour caseExact too', () => {
    assert.equal(matches('userName co "JENSEN"', bjensen), true);
    assert.equal(matches('userName ew "EXAMPLE.COM"', bjensen), true);
    assert.equal(matches('externalId sw "bjensen"', bjensen), false);
    assert.equal(matches('externalId sw "BJensen"', bjensen), true);
  });

  void test('ordering compares strings after case folding', () => {
    assert.equal(matches('userName gt "A"', bjensen), true);
    assert.equal(matches('userName lt "c"', bjensen), true);
    assert.equal(matches('userName gt "BJENSEN@EXAMPLE.COM"', bjensen), false);
    assert.equal(matches('userName ge "BJENSEN@EXAMPLE.COM"', bjensen), true);
  });
});

void describe('evaluateFilter: multi-valued and complex attributes', () => {
  void test('a multi-valued attribute matches when any value does', () => {
    assert.equal(matches('emails.value eq "babs@jensen.org"', bjensen), true);
    assert.equal(matches('emails.type eq "other"', bjensen), false);
  });

  void test('a complex multi-valued attribute without sub-attribute compares its value', () => {
    assert.equal(matches('emails co "jensen.org"', bjensen), true);
    assert.equal(matches('emails eq "bjensen@example.com"', bjensen), true);
    assert.equal(matches('emails co "work"', bjensen), false);
  });

  void test('a single-valued complex attribute with a value sub-attribute compares it too', () => {
    assert.equal(
      matches(`${URN.enterpriseUser}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, bjensen),
      true,
    );
  });

  void test('a value path needs one element that satisfies the whole inner filter', () => {
    assert.equal(matches('emails[type eq "work" and value co "jensen.org"]', bjensen), false);
    assert.equal(matches('emails[type eq "home" and value co "jensen.org"]', bjensen), true);
    assert.equal(matches('emails[type eq "work" and primary eq true]', bjensen), true);
    assert.equal(matches('emails[type eq "home" and primary eq true]', bjensen), false);
    assert.equal(matches('emails[not (type eq "work")]', bjensen), true);
    assert.equal(matches('emails[primary pr]', { emails: [{ value: 'a@b' }] }), false);
  });

  void test('the lenient value path with a trailing comparison is one element satisfying both', () => {
    assert.equal(matches('emails[type eq "work"].value eq "bjensen@example.com"', bjensen), true);
    assert.equal(matches('emails[type eq "work"].value eq "babs@jensen.org"', bjensen), false);
    assert.equal(matches('emails[type eq "home"].value pr', bjensen), true);
    assert.equal(matches('emails[type eq "other"].value pr', bjensen), false);
  });

  void test('a value path on a single-valued complex attribute tests that one value', () => {
    assert.equal(
      matches(`${URN.enterpriseUser}:manager[value eq "26118915-6090-4610-87e4-49d8ca9f808d"]`, bjensen),
      true,
    );
    assert.equal(matches('manager[displayName sw "john"]', bjensen), true);
    assert.equal(matches('name[givenName eq "barbara" and familyName pr]', bjensen), true);
  });

  void test('group members match by value and by type', () => {
    const group = {
      displayName: 'Admins',
      members: [
        { value: 'u1', type: 'User' },
        { value: 'g2', type: 'Group' },
      ],
    };
    assert.equal(matches('members.value eq "u1"', group, GROUP_RESOURCE_SCHEMA), true);
    assert.equal(matches('members eq "g2"', group, GROUP_RESOURCE_SCHEMA), true);
    assert.equal(matches('members[type eq "Group" and value eq "u1"]', group, GROUP_RESOURCE_SCHEMA), false);
    assert.equal(matches('members pr', { displayName: 'Empty', members: [] }, GROUP_RESOURCE_SCHEMA), false);
  });

  void test("a user's derived groups can be filtered", () => {
    assert.equal(
      matches('groups.value eq "g1"', { userName: 'a', groups: [{ value: 'g1', display: 'One' }] }),
      true,
    );
  });
});

void describe('evaluateFilter: presence', () => {
  const cases: [string, ScimResource, boolean][] = [
    ['title pr', { title: 'x' }, true],
    ['title pr', { title: '' }, false],
    ['title pr', { title: null }, false],
    ['title pr', {}, false],
    ['emails pr', { emails: [] }, false],
    ['emails pr', { emails: [{ value: 'a@b' }] }, true],
    ['emails pr', { emails: [{ value: '', type: null }] }, false],
    ['emails.value pr', { emails: [{ type: 'work' }, { value: 'a@b' }] }, true],
    ['emails.value pr', { emails: [{ type: 'work' }] }, false],
    ['name pr', { name: { givenName: '' } }, false],
    ['name pr', { name: { givenName: 'B' } }, true],
    ['name.givenName pr', { name: {} }, false],
    ['active pr', { active: false }, true],
    ['meta.created pr', { meta: { created: '2010-01-23T04:56:22Z' } }, true],
  ];
  for (const [text, resource, expected] of cases) {
    void test(`${text} on ${JSON.stringify(resource)} is ${expected}`, () =>
      assert.equal(matches(text, resource), expected));
  }
});

void describe('evaluateFilter: types', () => {
  void test('dateTimes compare chronologically across offsets and to seven fractional digits', () => {
    const r = { meta: { lastModified: '2015-10-10T14:38:21.8617979-07:00' } };
    assert.equal(matches('meta.lastModified eq "2015-10-10T21:38:21.8617979Z"', r), true);
    assert.equal(matches('meta.lastModified gt "2015-10-10T21:38:21.8617978Z"', r), true);
    assert.equal(matches('meta.lastModified lt "2015-10-10T21:38:21.861798Z"', r), true);
    assert.equal(matches('meta.lastModified gt "2015-10-10T14:38:21-07:00"', r), true);
    assert.equal(
      matches('meta.Created gt "2015-01-01T00:00:00Z"', { meta: { created: '2014-12-31T23:59:59+01:00' } }),
      false,
    );
    assert.equal(
      matches('meta.lastModified gt "2000-01-01T00:00:00Z"', { meta: { lastModified: 'garbage' } }),
      false,
    );
  });

  void test('parseDateTime accepts xsd:dateTime and refuses impossible dates', () => {
    assert.deepEqual(parseDateTime('1970-01-01T00:00:00.0000001Z'), { epochMs: 0, subMsNanos: 100 });
    assert.deepEqual(parseDateTime('1970-01-01T01:00:00+01:00'), { epochMs: 0, subMsNanos: 0 });
    assert.deepEqual(parseDateTime('1970-01-01T00:00:00'), { epochMs: 0, subMsNanos: 0 });
    for (const bad of [
      '2015-02-30T00:00:00Z',
      '2015-13-01T00:00:00Z',
      '2015-01-01T24:00:00Z',
      '2015-01-01',
      'x',
      '2015-01-01T00:00:00+15:00',
    ]) {
      assert.equal(parseDateTime(bad), undefined, bad);
    }
  });

  void test('booleans compare for equality, also when the client sends them as strings', () => {
    assert.equal(matches('active eq true', bjensen), true);
    assert.equal(matches('active eq "True"', bjensen), true);
    assert.equal(matches('active eq "false"', bjensen), false);
    assert.equal(matches('active ne false', bjensen), true);
    assert.equal(matches('active eq false', { userName: 'x', active: false }), true);
  });

  const counters: ResourceSchema = {
    ...USER_RESOURCE_SCHEMA,
    extensions: [
      {
        id: 'urn:example:params:scim:schemas:extension:counters:1.0:User',
        name: 'Counters',
        description: 'Numbers for tests',
        attributes: [numberAttribute('logins', 'integer'), numberAttribute('score', 'decimal')],
      },
    ],
  };
  const counted = {
    'urn:example:params:scim:schemas:extension:counters:1.0:User': { logins: 12, score: 2.5 },
  };

  void test('numbers compare numerically, not as text', () => {
    assert.equal(matches('logins gt 9', counted, counters), true);
    assert.equal(matches('logins eq 12', counted, counters), true);
    assert.equal(matches('logins le "12"', counted, counters), true);
    assert.equal(matches('score lt 10', counted, counters), true);
    assert.equal(matches('score ge 2.5', counted, counters), true);
    assert.equal(matches('score gt 2.5', counted, counters), false);
  });

  void test('ne is the negation of eq, including for unassigned and multi-valued attributes', () => {
    assert.equal(matches('title ne "x"', {}), true);
    assert.equal(matches('emails.value ne "babs@jensen.org"', bjensen), false);
    assert.equal(matches('emails.value ne "nobody@example.com"', bjensen), true);
  });

  void test('eq null means unassigned and ne null means assigned', () => {
    assert.equal(matches('title eq null', {}), true);
    assert.equal(matches('title eq null', { title: '' }), true);
    assert.equal(matches('title eq null', bjensen), false);
    assert.equal(matches('title ne null', bjensen), true);
  });

  void test('unquoted numbers against string attributes compare as their text', () => {
    assert.equal(matches('employeeNumber eq 701984', bjensen), true);
  });
});

void describe('evaluateFilter: where values live', () => {
  void test('meta sub-attributes read from resource.meta', () => {
    assert.equal(matches('meta.resourceType eq "User"', bjensen), true);
    assert.equal(matches('meta.resourceType eq "user"', bjensen), true);
    assert.equal(
      matches(
        'meta.location eq "HTTPS://EXAMPLE.COM/v2/Users/2819c223-7f76-453a-919d-413861904646"',
        bjensen,
      ),
      false,
    );
    assert.equal(matches('meta.version eq "W/\\"a330bc54f0671c9\\""', bjensen), true);
  });

  void test('extension attributes read from the object under their URN, qualified or short', () => {
    assert.equal(matches(`${URN.enterpriseUser}:employeeNumber eq "701984"`, bjensen), true);
    assert.equal(matches(`${URN.enterpriseUser.toLowerCase()}:EMPLOYEENUMBER eq "701984"`, bjensen), true);
    assert.equal(matches('department eq "tour operations"', bjensen), true);
    assert.equal(
      matches(`${URN.enterpriseUser}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, bjensen),
      true,
    );
    assert.equal(matches('employeeNumber eq "701984"', { employeeNumber: '701984' }), false);
  });

  void test('inherited properties of the resource are never read', () => {
    const hostile = JSON.parse(
      '{"__proto__": {"title": "x"}, "name": {"__proto__": {"givenName": "y"}}}',
    ) as ScimResource;
    assert.equal(matches('title pr', hostile), false);
    assert.equal(matches('name.givenName pr', hostile), false);
    assert.equal(evaluateFilter(parsed('toString pr'), {}, USER_RESOURCE_SCHEMA), false);
    assert.equal(evaluateFilter(parsed('constructor eq "Object"'), {}, USER_RESOURCE_SCHEMA), false);
  });

  void test('values of the wrong JSON type in a resource never match', () => {
    assert.equal(matches('active eq true', { active: 'true' }), false);
    assert.equal(matches('userName eq "1"', { userName: 1 }), false);
    assert.equal(matches('emails.value eq "a"', { emails: 'a' }), false);
  });

  void test('password never matches, even when a resource carries one', () => {
    assert.equal(evaluateFilter(parsed('password pr'), { password: 'secret' }, USER_RESOURCE_SCHEMA), false);
    assert.equal(
      evaluateFilter(parsed('password eq "secret"'), { password: 'secret' }, USER_RESOURCE_SCHEMA),
      false,
    );
  });
});

void describe('validateFilter', () => {
  void test('valid filters come back unchanged', () => {
    for (const text of [
      'userName eq "a"',
      'emails[type eq "work" and value co "@x"]',
      `${URN.enterpriseUser}:manager.value eq "x"`,
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      'name.familyName co "O\'Malley"',
      'id eq "x" or externalId eq "y"',
      'not (active eq true)',
      'x509Certificates.value eq "MIID"',
    ]) {
      const f = parsed(text);
      const result = validateFilter(f, USER_RESOURCE_SCHEMA);
      assert.ok(result.ok, text);
      assert.equal(result.value, f, text);
    }
  });

  void test('coerces string booleans, numeric text and unquoted numbers as clients send them', () => {
    assert.deepEqual(validated('active eq "True"'), parsed('active eq true'));
    assert.deepEqual(validated('emails[primary eq "FALSE"]'), parsed('emails[primary eq false]'));
    assert.deepEqual(validated('externalId eq 12345'), parsed('externalId eq "12345"'));
    assert.deepEqual(validated('title eq true'), parsed('title eq "true"'));
  });

  const refusals: [string, RegExp, ResourceSchema?][] = [
    ['nope eq "x"', /unknown attribute 'nope'/],
    ['schemas eq "x"', /unknown attribute 'schemas'/],
    ['valueOf pr', /unknown attribute 'valueOf'/],
    ['name.constructor pr', /'name' has no sub-attribute 'constructor'/],
    ['toString eq "x"', /unknown attribute 'toString'/],
    ['name.nope eq "x"', /'name' has no sub-attribute 'nope'/],
    ['userName.value eq "x"', /'userName' has no sub-attributes/],
    ['userName[value eq "x"]', /'userName' is not complex/],
    ['emails[nope eq "x"]', /'emails' has no sub-attribute 'nope'/],
    ['emails[value.x eq "x"]', /relative/],
    [`emails[${URN.user}:type eq "x"]`, /relative/],
    ['password eq "x"', /'password' cannot be used in a filter/],
    ['password pr', /'password' cannot be used in a filter/],
    ['PASSWORD sw "a"', /'password' cannot be used in a filter/],
    ['active gt true', /only eq and ne apply to the boolean attribute 'active'/],
    ['active co "t"', /only eq and ne/],
    ['emails[primary lt true]', /only eq and ne/],
    ['active eq "yes"', /'active' is boolean/],
    ['active eq 1', /'active' is boolean/],
    ['x509Certificates.value gt "A"', /'gt' does not apply to the binary attribute 'value'/],
    ['x509Certificates.value eq 5', /is binary/],
    ['meta.lastModified gt 5', /is a dateTime/],
    ['meta.lastModified gt "yesterday"', /is a dateTime/],
    ['meta.created co "2011"', /'co' does not apply to the dateTime/],
    ['name eq "Barbara"', /'name' is complex: compare one of its sub-attributes, e.g. 'name.formatted'/],
    ['meta pr and meta eq "x"', /'meta' is complex/],
    ['title gt null', /cannot compare 'title' with null/],
    [`${URN.enterpriseUser}:userName eq "x"`, /unknown attribute/],
    ['urn:example:unknown:1.0:User:userName eq "x"', /unknown attribute/],
    ['members eq "x"', /unknown attribute 'members'/],
    ['userName eq "x"', /unknown attribute 'userName'/, GROUP_RESOURCE_SCHEMA],
    [`${URN.enterpriseUser}:manager eq "x"`, /unknown attribute/, GROUP_RESOURCE_SCHEMA],
  ];
  for (const [text, message, schema] of refusals) {
    void test(`refuses ${text}${schema ? ' on Groups' : ''}`, () =>
      assert.match(invalid(text, schema), message));
  }

  void test('refuses shapes the parser never builds but other code might', () => {
    const nested: Filter = {
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: {
        kind: 'valuePath',
        path: { attribute: 'value' },
        filter: { kind: 'present', path: { attribute: 'x' } },
      },
    };
    assert.equal(validateFilter(nested, USER_RESOURCE_SCHEMA).ok, false);
    const afterSub: Filter = {
      kind: 'valuePath',
      path: { attribute: 'emails', subAttribute: 'value' },
      filter: { kind: 'present', path: { attribute: 'type' } },
    };
    assert.equal(validateFilter(afterSub, USER_RESOURCE_SCHEMA).ok, false);
    assert.equal(evaluateFilter(nested, bjensen, USER_RESOURCE_SCHEMA), false);
    assert.equal(evaluateFilter(afterSub, bjensen, USER_RESOURCE_SCHEMA), false);
  });

  void test('error messages cap long names', () => {
    const error = invalid(`${'a'.repeat(300)} eq "x"`);
    assert.ok(error.length < 120, error);
  });
});

void describe('evaluateFilter properties', () => {
  const names = [
    'userName',
    'emails',
    'emails.value',
    'emails.type',
    'emails.primary',
    'active',
    'title',
    'meta.lastModified',
    'name',
    'name.givenName',
    'password',
    'nope',
    'employeeNumber',
    'manager',
    'manager.value',
    'x509Certificates.value',
  ];
  const atom = fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...names),
        fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'),
        fc.constantFrom(
          '"bjensen@example.com"',
          '"work"',
          'true',
          '"True"',
          '5',
          'null',
          '"2011-05-13T04:42:34Z"',
          '"B"',
        ),
      )
      .map(([p, op, v]) => `${p} ${op} ${v}`),
    fc.constantFrom(...names).map((p) => `${p} pr`),
    fc.constantFrom(
      'emails[type eq "work"]',
      'emails[value co "example" and primary eq true]',
      'emails[type eq "home"].value pr',
      'manager[value pr]',
      'userName[value pr]',
    ),
  );
  const filterText = fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      atom,
      fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([a, k, b]) => `(${a}) ${k} (${b})`),
      tie('f').map((a) => `not (${a})`),
    ),
  })).f;
  const resourceArb = fc.constantFrom<ScimResource>(
    bjensen,
    {},
    { emails: [{ value: null }] },
    { emails: 'x', name: 5, active: 'yes' },
  );

  void test('evaluation and validation never throw, whatever the filter and resource', () => {
    fc.assert(
      fc.property(filterText, resourceArb, (text, resource) => {
        const f = parsed(text);
        validateFilter(f, USER_RESOURCE_SCHEMA);
        evaluateFilter(f, resource, USER_RESOURCE_SCHEMA);
      }),
      { numRuns: 1000 },
    );
  });

  void test('a valid filter and its negation never agree', () => {
    fc.assert(
      fc.property(filterText, resourceArb, (text, resource) => {
        const result = validateFilter(parsed(text), USER_RESOURCE_SCHEMA);
        if (!result.ok) return;
        const negated: Filter = { kind: 'not', filter: result.value };
        assert.notEqual(
          evaluateFilter(result.value, resource, USER_RESOURCE_SCHEMA),
          evaluateFilter(negated, resource, USER_RESOURCE_SCHEMA),
        );
      }),
      { numRuns: 1000 },
    );
  });

  void test('validation is idempotent', () => {
    fc.assert(
      fc.property(filterText, (text) => {
        const once = validateFilter(parsed(text), USER_RESOURCE_SCHEMA);
        if (!once.ok) return;
        const twice = validateFilter(once.value, USER_RESOURCE_SCHEMA);
        assert.ok(twice.ok);
        assert.equal(twice.value, once.value);
      }),
      { numRuns: 500 },
    );
  });
});

function numberAttribute(name: string, type: 'integer' | 'decimal'): AttributeDefinition {
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
  };
}
