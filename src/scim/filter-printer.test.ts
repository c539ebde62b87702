import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AttributePath, Filter, PatchPath } from './filter-ast.ts';
import { COMPARE_OPERATORS } from './filter-ast.ts';
import { parseAttributePath, parseFilter, parsePatchPath } from './filter-parser.ts';
import { printAttributePath, printFilter, printPatchPath } from './filter-printer.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function reparsed(text: string): Filter {
  const result = parseFilter(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error}`);
  return result.value;
}

// Names include the grammar's own words, which must still round-trip as attribute names.
const nameArb = fc.oneof(
  fc.constantFrom(
    'userName',
    'emails',
    'value',
    'type',
    '$ref',
    '$REF',
    'not',
    'and',
    'or',
    'pr',
    'eq',
    'true',
    'null',
    'urn',
  ),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,6}$/),
);
const uriArb = fc.oneof(
  fc.constantFrom(ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:User', 'URN:Example:ext:1.0'),
  fc.stringMatching(/^urn:[a-z0-9][a-z0-9-]{0,4}(:[A-Za-z0-9._~%!$&'*+,;=@/-]{1,5}){1,3}$/),
);
const pathArb: fc.Arbitrary<AttributePath> = fc.record(
  { uri: uriArb, attribute: nameArb, subAttribute: nameArb },
  { requiredKeys: ['attribute'], noNullPrototype: true },
);
const pathWithoutSubArb: fc.Arbitrary<AttributePath> = fc.record(
  { uri: uriArb, attribute: nameArb },
  { requiredKeys: ['attribute'], noNullPrototype: true },
);
const valueArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const opArb = fc.constantFrom(...COMPARE_OPERATORS);

/** Filters without value paths: what may stand inside brackets. */
const innerArb: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    fc.record(
      { kind: fc.constant('compare' as const), path: pathArb, op: opArb, value: valueArb },
      { noNullPrototype: true },
    ),
    fc.record({ kind: fc.constant('present' as const), path: pathArb }, { noNullPrototype: true }),
    fc.record(
      { kind: fc.constant('and' as const), left: tie('f'), right: tie('f') },
      { noNullPrototype: true },
    ),
    fc.record(
      { kind: fc.constant('or' as const), left: tie('f'), right: tie('f') },
      { noNullPrototype: true },
    ),
    fc.record({ kind: fc.constant('not' as const), filter: tie('f') }, { noNullPrototype: true }),
  ),
})).f;

const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    fc.record(
      { kind: fc.constant('compare' as const), path: pathArb, op: opArb, value: valueArb },
      { noNullPrototype: true },
    ),
    fc.record({ kind: fc.constant('present' as const), path: pathArb }, { noNullPrototype: true }),
    fc.record(
      { kind: fc.constant('valuePath' as const), path: pathWithoutSubArb, filter: innerArb },
      { noNullPrototype: true },
    ),
    fc.record(
      { kind: fc.constant('and' as const), left: tie('f'), right: tie('f') },
      { noNullPrototype: true },
    ),
    fc.record(
      { kind: fc.constant('or' as const), left: tie('f'), right: tie('f') },
      { noNullPrototype: true },
    ),
    fc.record({ kind: fc.constant('not' as const), filter: tie('f') }, { noNullPrototype: true }),
  ),
})).f;

const patchPathArb: fc.Arbitrary<PatchPath> = fc.oneof(
  fc.record({ path: pathArb }, { noNullPrototype: true }),
  fc.record(
    { path: pathWithoutSubArb, filter: innerArb, subAttribute: nameArb },
    { requiredKeys: ['path', 'filter'], noNullPrototype: true },
  ),
);

const TOKENS = [
  'userName',
  'emails',
  'Emails',
  '.value',
  '.',
  'eq',
  'EQ',
  'ne',
  'co',
  'gt',
  'pr',
  'PR',
  'and',
  'AND',
  'or',
  'not',
  'NOT',
  '(',
  ')',
  '[',
  ']',
  ' ',
  ' ',
  '  ',
  '\t',
  '"x"',
  '"',
  '"a\\"b"',
  '\\',
  '\\u00e9',
  'true',
  'False',
  'null',
  '1',
  '-2.5e3',
  '01',
  '1e999',
  'jyoung',
  'urn:ietf:params:scim:schemas:core:2.0:User:',
  `${ENTERPRISE}:manager`,
  'urn:',
  ':',
  '$ref',
  '__proto__',
  'constructor',
];
const soupArb = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join(''));

/** Whatever parses, prints to text that parses back to the same tree, and printing is then stable. */
function assertStable(text: string): void {
  const first = parseFilter(text);
  if (!first.ok) return;
  const printed = printFilter(first.value);
  assert.deepEqual(reparsed(printed), first.value);
  assert.equal(printFilter(reparsed(printed)), printed);
}

void describe('printFilter', () => {
  void test('prints lower-case operators, JSON strings and no needless parentheses', () => {
    assert.equal(
      printFilter(
        reparsed('USERTYPE EQ "Employee" AND (emails CO "example.com" OR emails.value co example.org)'),
      ),
      'USERTYPE eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    );
    assert.equal(printFilter(reparsed('((a pr) and (b pr)) or (c pr)')), 'a pr and b pr or c pr');
    assert.equal(printFilter(reparsed('a pr or (b pr and c pr)')), 'a pr or b pr and c pr');
    assert.equal(printFilter(reparsed('not(a eq "x\\ny")')), 'not (a eq "x\\ny")');
    assert.equal(printFilter(reparsed('n eq -0')), 'n eq -0');
  });

  void test('keeps the parentheses a right-nested chain needs to round-trip', () => {
    assert.equal(printFilter(reparsed('a pr and (b pr and c pr)')), 'a pr and (b pr and c pr)');
    assert.equal(printFilter(reparsed('a pr or (b pr or c pr)')), 'a pr or (b pr or c pr)');
    assert.equal(printFilter(reparsed('(a pr or b pr) and c pr')), '(a pr or b pr) and c pr');
  });

  void test('prints the lenient value path in its bracketed form', () => {
    assert.equal(
      printFilter(reparsed('emails[type eq "work"].value eq "x"')),
      'emails[type eq "work" and value eq "x"]',
    );
    assert.equal(
      printFilter(reparsed('emails[type eq "a" or type eq "b"].value pr')),
      'emails[(type eq "a" or type eq "b") and value pr]',
    );
  });

  void test('prints URN-qualified paths whole', () => {
    assert.equal(
      printAttributePath({ uri: ENTERPRISE, attribute: 'manager', subAttribute: 'value' }),
      `${ENTERPRISE}:manager.value`,
    );
  });

  void test('parse(print(ast)) equals ast for every tree the parser can produce', () => {
    fc.assert(
      fc.property(filterArb, (ast) => {
        assert.deepEqual(reparsed(printFilter(ast)), ast);
      }),
      { numRuns: 2000 },
    );
  });

  void test('print(parse(print(ast))) equals print(ast)', () => {
    fc.assert(
      fc.property(filterArb, (ast) => {
        const printed = printFilter(ast);
        assert.equal(printFilter(reparsed(printed)), printed);
      }),
      { numRuns: 1000 },
    );
  });
});

void describe('parseFilter on arbitrary input', () => {
  void test('never throws on arbitrary strings, and what parses is stable under printing', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), assertStable), { numRuns: 2000 });
    fc.assert(fc.property(fc.string(), assertStable), { numRuns: 2000 });
  });

  void test('never throws on token soups near the grammar, and what parses is stable under printing', () => {
    fc.assert(fc.property(soupArb, assertStable), { numRuns: 5000 });
  });

  void test('never throws on mutations of printed filters', () => {
    fc.assert(
      fc.property(
        filterArb,
        fc.nat(),
        fc.nat(),
        fc.constantFrom('', '(', ')', '[', ']', '"', ' ', '.', ':', '\\'),
        (ast, at, cut, insert) => {
          const text = printFilter(ast);
          const i = at % (text.length + 1);
          assertStable(text.slice(0, i) + insert + text.slice(i + (cut % 3)));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

void describe('printAttributePath', () => {
  void test('parseAttributePath(printAttributePath(p)) equals p', () => {
    fc.assert(
      fc.property(pathArb, (p) => {
        assert.deepEqual(parseAttributePath(printAttributePath(p)), { ok: true, value: p });
      }),
      { numRuns: 1000 },
    );
  });
});

void describe('printPatchPath', () => {
  void test('prints each documented shape', () => {
    assert.equal(printPatchPath({ path: { attribute: 'members' } }), 'members');
    assert.equal(
      printPatchPath({
        path: { attribute: 'emails' },
        filter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
        subAttribute: 'value',
      }),
      'emails[type eq "work"].value',
    );
    assert.equal(
      printPatchPath({ path: { uri: ENTERPRISE, attribute: 'manager' } }),
      `${ENTERPRISE}:manager`,
    );
  });

  void test('parsePatchPath(printPatchPath(p)) equals p', () => {
    fc.assert(
      fc.property(patchPathArb, (p) => {
        const result = parsePatchPath(printPatchPath(p));
        assert.ok(result.ok, result.ok ? '' : result.error);
        assert.deepEqual(result.value, p);
        assert.equal(printPatchPath(result.value), printPatchPath(p));
      }),
      { numRuns: 2000 },
    );
  });

  void test('parsePatchPath never throws, and what parses is stable under printing', () => {
    const check = (text: string) => {
      const first = parsePatchPath(text);
      if (!first.ok) return;
      const printed = printPatchPath(first.value);
      const second = parsePatchPath(printed);
      assert.ok(second.ok);
      assert.deepEqual(second.value, first.value);
      assert.equal(printPatchPath(second.value), printed);
    };
    fc.assert(fc.property(fc.string({ unit: 'binary' }), check), { numRuns: 2000 });
    fc.assert(fc.property(soupArb, check), { numRuns: 3000 });
  });
});
