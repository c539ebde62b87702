import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttributePath, CompareOperator, Filter, FilterValue, PatchPath } from './filter-ast.ts';
import { parseAttributePath, parseFilter, parsePatchPath } from './filter-parser.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** `name`, `name.sub`, `urn:…:name.sub` → AttributePath, the way the parser splits it. */
function path(text: string): AttributePath {
  const colon = text.startsWith('urn:') ? text.lastIndexOf(':') : -1;
  const uri = colon === -1 ? undefined : text.slice(0, colon);
  const [attribute = '', subAttribute] = text.slice(colon + 1).split('.');
  return {
    ...(uri !== undefined ? { uri } : {}),
    attribute,
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  };
}
const cmp = (p: string, op: CompareOperator, value: FilterValue): Filter => ({
  kind: 'compare',
  path: path(p),
  op,
  value,
});
const pr = (p: string): Filter => ({ kind: 'present', path: path(p) });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const vp = (p: string, filter: Filter): Filter => ({ kind: 'valuePath', path: path(p), filter });

function parsed(text: string): Filter {
  const result = parseFilter(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error}`);
  return result.value;
}

function rejected(text: string, options?: Parameters<typeof parseFilter>[1]): string {
  const result = parseFilter(text, options);
  assert.equal(result.ok, false, `${text} should be rejected`);
  return result.ok ? '' : result.error;
}

void describe('parseFilter: the RFC 7644 §3.4.2.2 examples', () => {
  const examples: [string, Filter][] = [
    ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
    ['name.familyName co "O\'Malley"', cmp('name.familyName', 'co', "O'Malley")],
    ['userName sw "J"', cmp('userName', 'sw', 'J')],
    [`${CORE_USER}:userName sw "J"`, cmp(`${CORE_USER}:userName`, 'sw', 'J')],
    ['title pr', pr('title')],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
    ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
    ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
    [
      'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
      cmp('schemas', 'eq', ENTERPRISE),
    ],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'eq', 'Employee'),
        or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
      ),
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'ne', 'Employee'),
        not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
      ),
    ],
    [
      'userType eq "Employee" and (emails.type eq "work")',
      and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work')),
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(
        cmp('userType', 'eq', 'Employee'),
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      ),
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
        vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
      ),
    ],
  ];
  for (const [text, expected] of examples) {
    void test(`parses ${text}`, () => assert.deepEqual(parsed(text), expected));
  }
});

void describe('parseFilter: precedence and grouping', () => {
  void test('and binds tighter than or on either side', () => {
    assert.deepEqual(
      parsed('a eq 1 or b eq 2 and c eq 3'),
      or(cmp('a', 'eq', 1), and(cmp('b', 'eq', 2), cmp('c', 'eq', 3))),
    );
    assert.deepEqual(
      parsed('a eq 1 and b eq 2 or c eq 3'),
      or(and(cmp('a', 'eq', 1), cmp('b', 'eq', 2)), cmp('c', 'eq', 3)),
    );
  });

  void test('chains of the same operator fold to the left', () => {
    assert.deepEqual(parsed('a pr and b pr and c pr'), and(and(pr('a'), pr('b')), pr('c')));
    assert.deepEqual(parsed('a pr or b pr or c pr'), or(or(pr('a'), pr('b')), pr('c')));
  });

  void test('parentheses override precedence and may be redundant', () => {
    assert.deepEqual(parsed('(a pr or b pr) and c pr'), and(or(pr('a'), pr('b')), pr('c')));
    assert.deepEqual(parsed('a pr and (b pr and c pr)'), and(pr('a'), and(pr('b'), pr('c'))));
    assert.deepEqual(parsed('((((a pr))))'), pr('a'));
  });

  void test('not applies to the parenthesised filter only and binds tighter than and', () => {
    assert.deepEqual(parsed('not (a pr) and b pr'), and(not(pr('a')), pr('b')));
    assert.deepEqual(parsed('not(a pr)'), not(pr('a')));
    assert.deepEqual(parsed('not (not (a pr))'), not(not(pr('a'))));
  });

  void test('an attribute called not is still an attribute when no parenthesis follows', () => {
    assert.deepEqual(parsed('not pr'), pr('not'));
    assert.deepEqual(parsed('not eq "x" and and pr'), and(cmp('not', 'eq', 'x'), pr('and')));
  });
});

void describe('parseFilter: case, whitespace and literals', () => {
  void test('operators, logical words and literals are case-insensitive; names keep their case', () => {
    assert.deepEqual(
      parsed('USERNAME EQ "x" AND active Eq TRUE Or NOT (title PR)'),
      or(and(cmp('USERNAME', 'eq', 'x'), cmp('active', 'eq', true)), not(pr('title'))),
    );
    assert.deepEqual(parsed('DisplayName eq "BobIsAmazing"'), cmp('DisplayName', 'eq', 'BobIsAmazing'));
    assert.deepEqual(parsed('name.FamilyName eq "x"'), cmp('name.FamilyName', 'eq', 'x'));
  });

  void test('every comparison operator is accepted', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const) {
      assert.deepEqual(parsed(`title ${op.toUpperCase()} "x"`), cmp('title', op, 'x'));
    }
  });

  void test('runs of spaces, tabs and newlines separate tokens', () => {
    assert.deepEqual(
      parsed('  userName \t eq\n"x"   and\r\ntitle  pr  '),
      and(cmp('userName', 'eq', 'x'), pr('title')),
    );
  });

  void test('JSON string escapes all decode', () => {
    assert.deepEqual(
      parsed(String.raw`title eq "q\" b\\ s\/ \b\f\n\r\t \u00e9\u00C9 \ud83d\ude00"`),
      cmp('title', 'eq', 'q" b\\ s/ \b\f\n\r\t éÉ 😀'),
    );
    assert.deepEqual(parsed('title eq ""'), cmp('title', 'eq', ''));
    assert.deepEqual(parsed('title eq "a)b]c(d[e and f"'), cmp('title', 'eq', 'a)b]c(d[e and f'));
  });

  void test('true, false, null and JSON numbers are literals', () => {
    assert.deepEqual(parsed('active eq false'), cmp('active', 'eq', false));
    assert.deepEqual(parsed('manager eq null'), cmp('manager', 'eq', null));
    assert.deepEqual(parsed('n eq -12.5e+2'), cmp('n', 'eq', -1250));
    assert.deepEqual(parsed('n gt 0'), cmp('n', 'gt', 0));
    assert.deepEqual(parsed('n eq "12"'), cmp('n', 'eq', '12'));
  });

  void test('unquoted values that are not literals are strings up to a space, parenthesis or bracket', () => {
    assert.deepEqual(parsed('externalId eq jyoung'), cmp('externalId', 'eq', 'jyoung'));
    assert.deepEqual(parsed('userName eq bob@example.com'), cmp('userName', 'eq', 'bob@example.com'));
    assert.deepEqual(parsed('(externalId eq jyoung)'), cmp('externalId', 'eq', 'jyoung'));
    assert.deepEqual(parsed('emails[type eq work]'), vp('emails', cmp('type', 'eq', 'work')));
    assert.deepEqual(parsed('id eq 0123'), cmp('id', 'eq', '0123'));
    assert.deepEqual(
      parsed('externalId eq 5f3c-41ab and userName eq x'),
      and(cmp('externalId', 'eq', '5f3c-41ab'), cmp('userName', 'eq', 'x')),
    );
  });

  void test('a plus sign is not a space here: the HTTP layer decodes query strings', () => {
    assert.deepEqual(parsed('userName eq a+b'), cmp('userName', 'eq', 'a+b'));
    assert.ok(!parseFilter('userName+eq+"a"').ok);
  });
});

void describe('parseFilter: attribute paths', () => {
  void test('URN-qualified names split at the last colon, keeping the dots of the URN', () => {
    assert.deepEqual(parsed(`${ENTERPRISE}:employeeNumber eq "701984"`), {
      kind: 'compare',
      path: { uri: ENTERPRISE, attribute: 'employeeNumber' },
      op: 'eq',
      value: '701984',
    });
    assert.deepEqual(parsed(`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`), {
      kind: 'compare',
      path: { uri: ENTERPRISE, attribute: 'manager', subAttribute: 'value' },
      op: 'eq',
      value: '26118915-6090-4610-87e4-49d8ca9f808d',
    });
  });

  void test('$ref is a valid attribute name', () => {
    assert.deepEqual(parsed('members.$ref pr'), pr('members.$ref'));
  });

  void test('value paths take relative paths and any filter inside the brackets', () => {
    assert.deepEqual(
      parsed('emails[type eq "work" and primary eq true]'),
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true))),
    );
    assert.deepEqual(
      parsed('emails[not (type eq "work") or (value pr)]'),
      vp('emails', or(not(cmp('type', 'eq', 'work')), pr('value'))),
    );
    assert.deepEqual(parsed(`${ENTERPRISE}:manager[value eq "x"]`), {
      kind: 'valuePath',
      path: { uri: ENTERPRISE, attribute: 'manager' },
      filter: cmp('value', 'eq', 'x'),
    });
  });

  void test('the lenient value path with a trailing comparison means one element satisfying both', () => {
    assert.deepEqual(
      parsed('emails[type eq "work"].value eq "user@contoso.com"'),
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'user@contoso.com'))),
    );
    assert.deepEqual(
      parsed('emails[type eq "work"].value pr'),
      vp('emails', and(cmp('type', 'eq', 'work'), pr('value'))),
    );
    assert.deepEqual(
      parsed('emails[type eq "work" or type eq "home"].value eq x and active eq true'),
      and(
        vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('value', 'eq', 'x'))),
        cmp('active', 'eq', true),
      ),
    );
  });
});

void describe('parseFilter: what real clients send', () => {
  const shapes: [string, Filter][] = [
    // Entra: matching attribute probes, externalId, the work-email value path, groups by name.
    ['userName eq "ryan@contoso.com"', cmp('userName', 'eq', 'ryan@contoso.com')],
    ['externalId eq "5f3c-41ab"', cmp('externalId', 'eq', '5f3c-41ab')],
    ['displayName eq "Group1DisplayName"', cmp('displayName', 'eq', 'Group1DisplayName')],
    [
      'userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"',
      cmp('userName', 'eq', 'Test_User_dfeef4c5-5681-4387-b016-bdf221e82081'),
    ],
    [
      'emails[type eq "work"].value eq "Test_User_6f2c@testuser.com"',
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'Test_User_6f2c@testuser.com'))),
    ],
    ['DisplayName eq "BobIsAmazing"', cmp('DisplayName', 'eq', 'BobIsAmazing')],
    [
      'meta.Created gt "2015-10-10T14:38:21.8617979-07:00"',
      cmp('meta.Created', 'gt', '2015-10-10T14:38:21.8617979-07:00'),
    ],
    // Okta: userName lookups, including the case-insensitivity probe.
    ['userName eq "Runscope419Yuunj@atko.com"', cmp('userName', 'eq', 'Runscope419Yuunj@atko.com')],
    ['userName eq "runscope419yuunj@ATKO.com"', cmp('userName', 'eq', 'runscope419yuunj@ATKO.com')],
    ['id eq "00u1abcd"', cmp('id', 'eq', '00u1abcd')],
  ];
  for (const [text, expected] of shapes) {
    void test(`parses ${text}`, () => assert.deepEqual(parsed(text), expected));
  }
});

void describe('parseFilter: garbage is rejected with a position', () => {
  const garbage = [
    'userName eq',
    'userName eq ',
    'userName xx "a"',
    'userName',
    'userName "a"',
    'eq "a"',
    '(userName eq "a"',
    'userName eq "a")',
    '((a pr) and b pr',
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    'emails]',
    'emails[]',
    'emails[type eq "work"] eq "x"',
    'emails[type eq "work"].value',
    'emails[type eq "work"].',
    'emails.value[type eq "work"]',
    'emails[addresses[type eq "a"]]',
    'userName eq "a" junk',
    'userName eq "a" and',
    'userName eq "a" or or b pr',
    'and',
    'not a pr',
    'not (a pr',
    '()',
    '',
    '   ',
    'userName eq "unterminated',
    'userName eq "bad \\x escape"',
    'userName eq "bad \\u12 escape"',
    'userName eq "raw\ncontrol"',
    'a.b.c pr',
    '1abc pr',
    'user name eq "x"',
    'urn:x:userName pr',
    'urn:ietf:params:scim:schemas:core:2.0:User: pr',
    'n eq 1e400',
    'userName eq (x)',
    'userName eq "a" "b"',
    'title pr pr',
  ];
  for (const text of garbage) {
    void test(`rejects ${JSON.stringify(text)}`, () => {
      const error = rejected(text);
      assert.ok(error.length > 0);
    });
  }

  void test('errors say what is wrong and where', () => {
    assert.equal(
      rejected('userName xx "a"'),
      "invalid filter at character 10: expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'userName', found 'xx'",
    );
    assert.equal(
      rejected('userName eq'),
      "invalid filter at character 12: expected a value after 'eq', found end of input",
    );
    assert.equal(
      rejected('(a pr'),
      "invalid filter at character 6: expected ')' to close the '(' opened at character 1, found end of input",
    );
    assert.equal(
      rejected('a pr junk'),
      "invalid filter at character 6: unexpected 'junk'; expected 'and', 'or' or the end",
    );
    assert.equal(rejected(''), 'filter is empty');
  });

  void test('errors never echo more than a short excerpt of the input', () => {
    const secret = 'x'.repeat(500);
    for (const text of [
      `1${secret} eq "a"`,
      `userName ${secret} "a"`,
      `userName eq "a" ${secret}`,
      `userName eq "${secret}`,
      `${secret}.a.b pr`,
    ]) {
      const error = rejected(text);
      assert.ok(error.length < 200, error);
      assert.ok(!error.includes('x'.repeat(41)), error);
    }
  });
});

void describe('parseFilter: limits', () => {
  void test('100,000 opening parentheses give an error, not a stack overflow', () => {
    const error = rejected('('.repeat(100_000), { maxLength: Number.POSITIVE_INFINITY });
    assert.match(error, /nests deeper than 64 levels/);
    assert.match(
      rejected(`${'('.repeat(100_000)}a pr${')'.repeat(100_000)}`, { maxLength: 1e9, maxDepth: 1e9 }),
      /nests deeper/,
    );
    assert.match(rejected('not ('.repeat(100_000), { maxLength: 1e9 }), /nests deeper/);
  });

  void test('nesting up to maxDepth is accepted and one more level is not', () => {
    assert.ok(parseFilter(`${'('.repeat(64)}a pr${')'.repeat(64)}`).ok);
    assert.match(rejected(`${'('.repeat(65)}a pr${')'.repeat(65)}`), /deeper than 64/);
    assert.ok(parseFilter('((a pr))', { maxDepth: 2 }).ok);
    assert.match(rejected('emails[(type pr)]', { maxDepth: 1 }), /deeper than 1 /);
  });

  void test('text longer than maxLength is refused before parsing', () => {
    assert.equal(rejected(`userName eq "${'a'.repeat(9000)}"`), 'filter is longer than 8192 characters');
    assert.ok(parseFilter(`userName eq "${'a'.repeat(9000)}"`, { maxLength: 10_000 }).ok);
  });

  void test('long and-chains within the length limit parse without recursion trouble', () => {
    const text = Array.from({ length: 600 }, (_, i) => `a${i} pr`).join(' and ');
    assert.ok(parseFilter(text).ok);
  });

  void test('non-string input is an error value, not a throw', () => {
    assert.equal(parseFilter(undefined as unknown as string).ok, false);
    assert.equal(parsePatchPath(42 as unknown as string).ok, false);
  });
});

void describe('parsePatchPath', () => {
  const paths: [string, PatchPath][] = [
    ['userName', { path: path('userName') }],
    ['name.givenName', { path: path('name.givenName') }],
    ['members', { path: path('members') }],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      {
        path: path('members'),
        filter: cmp('value', 'eq', '2819c223-7f76-453a-919d-413861904646'),
      },
    ],
    [
      'emails[type eq "work"].value',
      { path: path('emails'), filter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
    ],
    [
      'addresses[type eq "work"].streetAddress',
      {
        path: path('addresses'),
        filter: cmp('type', 'eq', 'work'),
        subAttribute: 'streetAddress',
      },
    ],
    [
      'Emails[Type EQ "work" and primary eq TRUE].Value',
      {
        path: path('Emails'),
        filter: and(cmp('Type', 'eq', 'work'), cmp('primary', 'eq', true)),
        subAttribute: 'Value',
      },
    ],
    [`${ENTERPRISE}:manager`, { path: { uri: ENTERPRISE, attribute: 'manager' } }],
    [
      `${ENTERPRISE}:manager.value`,
      { path: { uri: ENTERPRISE, attribute: 'manager', subAttribute: 'value' } },
    ],
    [`${ENTERPRISE}:employeeNumber`, { path: { uri: ENTERPRISE, attribute: 'employeeNumber' } }],
    [
      `${ENTERPRISE}:manager[value eq "x:y"]`,
      { path: { uri: ENTERPRISE, attribute: 'manager' }, filter: cmp('value', 'eq', 'x:y') },
    ],
    ['members[value eq 7f4b]', { path: path('members'), filter: cmp('value', 'eq', '7f4b') }],
    // Schema-unaware: the resolver recognises the bare URN, the parser just splits it.
    [
      ENTERPRISE,
      { path: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attribute: 'User' } },
    ],
  ];
  for (const [text, expected] of paths) {
    void test(`parses ${text}`, () => {
      const result = parsePatchPath(text);
      assert.ok(result.ok, result.ok ? '' : result.error);
      assert.deepEqual(result.value, expected);
    });
  }

  const bad = [
    '',
    ' ',
    'name.givenName.x',
    'emails[type eq "work"',
    'emails[type eq "work"].',
    'emails[type eq "work"].value.x',
    'emails[type eq "work"]x',
    'emails.value[type eq "work"]',
    'members[value eq "a"] junk',
    'members[emails[type pr]]',
    '__proto__.x.y',
    'a b',
    '"quoted"',
    `${ENTERPRISE}:`,
    'urn:',
  ];
  for (const text of bad) {
    void test(`rejects ${JSON.stringify(text)}`, () => assert.equal(parsePatchPath(text).ok, false));
  }
});

void describe('parseAttributePath', () => {
  void test('parses plain, dotted and URN-qualified paths as sortBy and attributes use them', () => {
    assert.deepEqual(parseAttributePath('userName'), { ok: true, value: path('userName') });
    assert.deepEqual(parseAttributePath(' name.familyName '), { ok: true, value: path('name.familyName') });
    assert.deepEqual(parseAttributePath(`${ENTERPRISE}:manager.value`), {
      ok: true,
      value: { uri: ENTERPRISE, attribute: 'manager', subAttribute: 'value' },
    });
  });

  void test('refuses value filters, operators and junk', () => {
    for (const text of ['', 'emails[type eq "work"]', 'userName eq "x"', 'a.b.c', '(userName)', 'urn:']) {
      assert.equal(parseAttributePath(text).ok, false, text);
    }
  });
});
