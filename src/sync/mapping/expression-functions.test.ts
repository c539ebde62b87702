// Every function of the mapping language with normal, empty, not-visible and bad arguments, and the
// load-time checks of names, arities, fields and literal arguments.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALEX, compileErrorOf, errorOf, personWith, valueOf } from './testing/people.ts';

// A person with nothing visible but the id, and one with every optional field explicitly empty.
const HIDDEN = personWith({
  firstName: undefined,
  lastName: undefined,
  preferredName: undefined,
  workEmail: undefined,
  status: undefined,
  hireDate: undefined,
  department: undefined,
  costCenters: undefined,
  supervisorId: undefined,
});
const EMPTY = personWith({
  firstName: null,
  lastName: '',
  preferredName: null,
  workEmail: null,
  hireDate: null,
  department: null,
  costCenters: [],
  supervisorId: null,
});

void describe('references', () => {
  void test('read text, numbers, org names and ids, cost centres and custom attributes', () => {
    assert.equal(valueOf('[firstName]'), 'Alexander');
    assert.equal(valueOf('[weeklyWorkingHours]'), 40);
    assert.equal(valueOf('[department]'), 'Engineering');
    assert.equal(valueOf('[department.name]'), 'Engineering');
    assert.equal(valueOf('[department.id]'), '281521');
    assert.deepEqual(valueOf('[costCenters]'), ['R&D', 'Platform']);
    assert.deepEqual(valueOf('[costCenters.percentage]'), [60, 40]);
    assert.equal(valueOf('[customAttributes.Nickname]'), 'Lex');
    assert.equal(valueOf('[customAttributes.nickname]'), 'Lex');
    assert.deepEqual(valueOf('[customAttributes.Languages]'), ['English', 'German']);
  });

  void test('keep not visible apart from empty', () => {
    assert.equal(valueOf('[firstName]', HIDDEN), undefined);
    assert.equal(valueOf('[firstName]', EMPTY), null);
    assert.equal(valueOf('[department]', HIDDEN), undefined);
    assert.equal(valueOf('[department]', EMPTY), null);
    assert.equal(valueOf('[customAttributes.Missing]'), undefined);
    assert.equal(valueOf('[customAttributes.Empty]'), null);
  });

  void test('read an org known by id only as not visible by name', () => {
    const person = personWith({ department: { id: '7' } });
    assert.equal(valueOf('[department]', person), undefined);
    assert.equal(valueOf('[department.id]', person), '7');
    assert.equal(
      valueOf(
        '[costCenters]',
        personWith({
          costCenters: [
            { id: '1', name: 'A', percentage: 50 },
            { id: '2', percentage: 50 },
          ],
        }),
      ),
      undefined,
    );
  });

  void test('are checked against the person fields when the mapping loads', () => {
    const error = compileErrorOf('Join(" ", [firstName], [lastNmae])');
    assert.match(
      error.message,
      /unknown field 'lastNmae' \(did you mean 'lastName'\?\); known fields: sourceId, firstName/,
    );
    assert.equal(error.position, 24);
    assert.match(compileErrorOf('[department.code]').message, /has the parts id, name, not 'code'/);
    assert.match(compileErrorOf('[firstName.x]').message, /has no parts/);
    assert.match(compileErrorOf('[customAttributes]').message, /customAttributes\.Nickname/);
  });
});

void describe('the checker', () => {
  void test('resolves function names in any case to their canonical spelling', () => {
    assert.equal(valueOf('toupper(join("-", "a", "b"))'), 'A-B');
    assert.equal(valueOf('TOLOWER("ÄB")'), 'äb');
  });

  void test('names an unknown function and the closest known one', () => {
    const error = compileErrorOf('Lft([firstName], 2)');
    assert.match(error.message, /unknown function 'Lft' \(did you mean Left\?\)/);
    assert.equal(error.position, 1);
  });

  void test('checks the number of arguments', () => {
    assert.match(compileErrorOf('Left([firstName])').message, /Left\(\) takes 2 arguments, got 1/);
    assert.match(
      compileErrorOf('ToLower("a", "de", "x")').message,
      /ToLower\(\) takes 1 to 2 arguments, got 3/,
    );
    assert.match(compileErrorOf('Coalesce()').message, /Coalesce\(\) takes 1 or more arguments, got 0/);
    assert.match(compileErrorOf('Switch([status], "x", "active")').message, /takes 4 or more/);
    assert.match(
      compileErrorOf('Switch([status], "x", "active", "a", "leave")').message,
      /a key without a value/,
    );
  });

  void test('checks literal arguments before any person is seen', () => {
    const error = compileErrorOf('Left([firstName], "3")');
    assert.equal(error.message, 'Left() needs a number as its second argument, got "3"');
    assert.equal(error.position, 19);
    assert.match(
      compileErrorOf('FormatDateTime([hireDate], "yyyy-MM-dd", "dd.MM.yyyy", "Europe/Berln")').message,
      /time zone "Europe\/Berln"/,
    );
    assert.match(compileErrorOf('DateAdd("fortnight", 1, [hireDate])').message, /interval "fortnight"/);
    assert.match(
      compileErrorOf('IIF("yes", 1, 2)').message,
      /IIF\(\) needs true or false as its first argument/,
    );
  });

  void test('allows SelectUniqueValue only as the whole expression', () => {
    assert.match(
      compileErrorOf('ToLower(SelectUniqueValue("a", "b"))').message,
      /must be the whole expression/,
    );
  });
});

void describe('Join', () => {
  void test('joins values with the separator, flattening lists and skipping empty ones', () => {
    assert.equal(valueOf('Join(" ", [firstName], [lastName])'), 'Alexander Bergmann');
    assert.equal(valueOf('Join(", ", [costCenters], "x")'), 'R&D, Platform, x');
    assert.equal(valueOf('Join(".", "a", null, "", "b")'), 'a.b');
    assert.equal(valueOf('Join("-", 1, true)'), '1-true');
    assert.equal(valueOf('Join(", ")'), '');
  });

  void test('gives no visible value when every value is not visible, and text when some are empty', () => {
    assert.equal(valueOf('Join(" ", [firstName], [lastName])', HIDDEN), undefined);
    assert.equal(valueOf('Join(" ", [firstName], [lastName])', EMPTY), '');
    assert.equal(valueOf('Join(" ", [firstName], [position])', HIDDEN), 'CTO');
  });

  void test('takes a null separator as none and refuses a list as separator', () => {
    assert.equal(valueOf('Join(null, "a", "b")'), 'ab');
    assert.match(
      errorOf('Join([costCenters], "a")'),
      /Join\(\) needs a single value as its first argument, got a list of 2 values/,
    );
  });
});

void describe('Switch', () => {
  void test('picks the value of the matching key, else the default', () => {
    assert.equal(valueOf('Switch([status], "?", "active", "A", "leave", "L")'), 'A');
    assert.equal(valueOf('Switch([status], "?", "leave", "L")'), '?');
    assert.equal(valueOf('Switch([weeklyWorkingHours], "part", 40, "full")'), 'full');
    assert.equal(valueOf('Switch([weeklyWorkingHours], "part", "40", "full")'), 'full');
  });

  void test('compares keys exactly and evaluates only the chosen value', () => {
    assert.equal(valueOf('Switch([status], "?", "ACTIVE", "A")'), '?');
    assert.equal(valueOf('Switch([status], Left("x", [firstName]), "active", "A")'), 'A');
  });

  void test('gives no visible value for a source that is not visible, the default for null', () => {
    assert.equal(valueOf('Switch([status], "?", "active", "A")', HIDDEN), undefined);
    assert.equal(valueOf('Switch([firstName], "?", "x", "A")', EMPTY), '?');
    assert.equal(valueOf('Switch([firstName], "?", null, "none")', EMPTY), 'none');
  });

  void test('refuses a list as source', () => {
    assert.match(
      errorOf('Switch([costCenters], "?", "R&D", "A")'),
      /Switch\(\) needs a single value as its first argument/,
    );
  });
});

void describe('IIF', () => {
  void test('picks a branch by a condition and evaluates only that one', () => {
    assert.equal(valueOf('IIF(Equals([status], "active"), "yes", "no")'), 'yes');
    assert.equal(valueOf('IIF(false, Left("x", [firstName]), "no")'), 'no');
  });

  void test('reads a null condition as false and a not visible one as not visible', () => {
    assert.equal(valueOf('IIF(null, "yes", "no")'), 'no');
    assert.equal(valueOf('IIF(IsPresent([workEmail]), "yes", "no")', HIDDEN), undefined);
  });

  void test('refuses a condition that is not true or false', () => {
    assert.match(
      errorOf('IIF([firstName], 1, 2)'),
      /IIF\(\) needs true or false as its first argument, got "Alexander"; compare with Equals/,
    );
  });
});

void describe('Coalesce', () => {
  void test('gives the first value that is not empty', () => {
    assert.equal(valueOf('Coalesce([preferredName], [firstName])'), 'Alex');
    assert.equal(
      valueOf('Coalesce([preferredName], [firstName])', personWith({ preferredName: null })),
      'Alexander',
    );
    assert.deepEqual(valueOf('Coalesce("", null, [costCenters])'), ['R&D', 'Platform']);
  });

  void test('gives null when nothing has a value and not visible when nothing is visible', () => {
    assert.equal(valueOf('Coalesce([preferredName], [firstName])', EMPTY), null);
    assert.equal(valueOf('Coalesce([preferredName], [firstName])', HIDDEN), undefined);
  });

  void test('stops at the first value, so later arguments cannot fail', () => {
    assert.equal(valueOf('Coalesce("a", Left("x", [firstName]))'), 'a');
  });
});

void describe('ToLower, ToUpper, PCase', () => {
  void test('change case, with an optional culture', () => {
    assert.equal(valueOf('ToLower("ÄÖÜ Straße")'), 'äöü straße');
    assert.equal(valueOf('ToUpper("straße")'), 'STRASSE');
    assert.equal(valueOf('ToUpper("istanbul", "tr")'), 'İSTANBUL');
    assert.equal(valueOf('ToLower(42)'), '42');
  });

  void test('capitalise each word, hyphenated ones too', () => {
    assert.equal(valueOf('PCase("JEAN-LUC o\'neil  van DER berg")'), "Jean-Luc O'neil  Van Der Berg");
    assert.equal(valueOf('PCase("ÅSA ÉLODIE")'), 'Åsa Élodie');
  });

  void test('pass null and not visible through', () => {
    assert.equal(valueOf('ToLower([firstName])', EMPTY), null);
    assert.equal(valueOf('ToUpper([firstName])', HIDDEN), undefined);
    assert.equal(valueOf('PCase([firstName])', EMPTY), null);
    assert.equal(valueOf('PCase("")'), '');
  });

  void test('refuse lists and unknown cultures', () => {
    assert.match(errorOf('ToLower([costCenters])'), /ToLower\(\) needs a single value as its first argument/);
    assert.match(compileErrorOf('ToLower("a", "not a culture!")').message, /does not know the culture/);
    assert.match(errorOf('PCase([customAttributes.Languages])'), /PCase\(\) needs a single value/);
  });
});

void describe('Replace', () => {
  void test('replaces every occurrence of plain text', () => {
    assert.equal(valueOf('Replace("a.b.c", ".", "")'), 'abc');
    assert.equal(valueOf('Replace("1+1", "+", "\\\\+")'), '1\\+1');
    assert.equal(valueOf('Replace("(.*)+", ".*", "x")'), '(x)+');
    assert.equal(valueOf('Replace("abc", "x", "y")'), 'abc');
  });

  void test('treats a null replacement as nothing and passes a null source through', () => {
    assert.equal(valueOf('Replace("a-b", "-", null)'), 'ab');
    assert.equal(valueOf('Replace([firstName], "a", "b")', EMPTY), null);
    assert.equal(valueOf('Replace([firstName], "a", "b")', HIDDEN), undefined);
  });

  void test('refuses an empty search text and output beyond the size cap', () => {
    assert.match(
      compileErrorOf('Replace("a", "", "b")').message,
      /Replace\(\) needs non-empty text as its second argument/,
    );
    const bomb = `Replace(Replace(Replace(Replace("${'a'.repeat(100)}", "a", "${'a'.repeat(100)}"), "a", "${'a'.repeat(100)}"), "a", "aa"), "a", "aa")`;
    assert.match(errorOf(bomb), /longer than 65536 characters/);
  });
});

void describe('Left and Mid', () => {
  void test('cut by user-perceived characters', () => {
    assert.equal(valueOf('Left([firstName], 4)'), 'Alex');
    assert.equal(valueOf('Left("Zoe\\u0308 Ng", 3)'), 'Zoe\u0308');
    assert.equal(valueOf('Left("ab", 10)'), 'ab');
    assert.equal(valueOf('Left("ab", 0)'), '');
    assert.equal(valueOf('Mid("Alexander", 3, 4)'), 'exan');
    assert.equal(valueOf('Mid("Alexander", 8, 10)'), 'er');
    assert.equal(valueOf('Mid("Alexander", 20, 1)'), '');
  });

  void test('pass null and not visible through', () => {
    assert.equal(valueOf('Left([firstName], 1)', EMPTY), null);
    assert.equal(valueOf('Mid([firstName], 1, 1)', HIDDEN), undefined);
  });

  void test('refuse counts that are not whole numbers of the right size', () => {
    assert.equal(
      errorOf('Left([firstName], [firstName])'),
      'Left() needs a number as its second argument, got "Alexander"',
    );
    assert.match(
      compileErrorOf('Left("a", -1)').message,
      /whole number of 0 or more as its second argument, got -1/,
    );
    assert.match(compileErrorOf('Left("a", 1.5)').message, /whole number/);
    assert.match(
      compileErrorOf('Mid("a", 0, 1)').message,
      /Mid\(\) needs a whole number of 1 or more as its second argument/,
    );
    assert.match(
      errorOf('Left("a", [terminationDate])'),
      /Left\(\) needs a number as its second argument, got null/,
    );
  });
});

void describe('Split, Word and Item', () => {
  void test('split text into a list and pick items and words from it', () => {
    assert.deepEqual(valueOf('Split("a,b,,c", ",")'), ['a', 'b', '', 'c']);
    assert.deepEqual(valueOf('Split("", ",")'), []);
    assert.equal(valueOf('Item(Split("a,b", ","), 2)'), 'b');
    assert.equal(valueOf('Item([costCenters], 1)'), 'R&D');
    assert.equal(valueOf('Item("solo", 1)'), 'solo');
    assert.equal(valueOf('Item([costCenters], 3)'), null);
    assert.equal(valueOf('Word("Anna  Maria-Luisa Weber", 2, " -")'), 'Maria');
    assert.equal(valueOf('Word("Anna Maria", 3, " ")'), '');
  });

  void test('pass null and not visible through', () => {
    assert.equal(valueOf('Split([firstName], " ")', EMPTY), null);
    assert.equal(valueOf('Word([firstName], 1, " ")', HIDDEN), undefined);
    assert.equal(valueOf('Item([costCenters], 1)', HIDDEN), undefined);
    assert.equal(valueOf('Item([costCenters], 1)', EMPTY), null);
  });

  void test('refuse empty separators and bad positions', () => {
    assert.match(
      compileErrorOf('Split("a", "")').message,
      /Split\(\) needs non-empty text as its second argument/,
    );
    assert.match(compileErrorOf('Word("a", 0, " ")').message, /Word\(\) needs a whole number of 1 or more/);
    assert.match(
      compileErrorOf('Word("a", 1, "")').message,
      /Word\(\) needs non-empty text as its third argument/,
    );
    assert.match(
      compileErrorOf('Item([costCenters], 0)').message,
      /Item\(\) needs a whole number of 1 or more/,
    );
  });
});

void describe('StripSpaces, Trim and Append', () => {
  void test('remove whitespace and append a suffix', () => {
    assert.equal(valueOf('StripSpaces(" van der\\tBerg ")'), 'vanderBerg');
    assert.equal(valueOf('Trim("  a b  ")'), 'a b');
    assert.equal(valueOf('Append("alex", "@acme.example")'), 'alex@acme.example');
    assert.equal(valueOf('Append("alex", null)'), 'alex');
  });

  void test('keep an empty source empty rather than giving a bare suffix', () => {
    assert.equal(valueOf('Append([firstName], "@acme.example")', EMPTY), null);
    assert.equal(valueOf('Append([lastName], "@acme.example")', EMPTY), '');
    assert.equal(valueOf('Append([firstName], "@acme.example")', HIDDEN), undefined);
    assert.equal(valueOf('StripSpaces([firstName])', EMPTY), null);
  });

  void test('refuse lists', () => {
    assert.match(
      errorOf('Append([costCenters], "x")'),
      /Append\(\) needs a single value as its first argument/,
    );
    assert.match(errorOf('StripSpaces([costCenters])'), /StripSpaces\(\) needs a single value/);
  });
});

void describe('IsPresent, IsNullOrEmpty, Not and Equals', () => {
  void test('test for values', () => {
    assert.equal(valueOf('IsPresent([workEmail])'), true);
    assert.equal(valueOf('IsPresent([workEmail])', EMPTY), false);
    assert.equal(valueOf('IsPresent(" ")'), true);
    assert.equal(valueOf('IsPresent([costCenters])', EMPTY), false);
    assert.equal(valueOf('IsNullOrEmpty([lastName])', EMPTY), true);
    assert.equal(valueOf('IsNullOrEmpty([lastName])'), false);
  });

  void test('answer not visible for a value that is not visible', () => {
    assert.equal(valueOf('IsPresent([workEmail])', HIDDEN), undefined);
    assert.equal(valueOf('IsNullOrEmpty([workEmail])', HIDDEN), undefined);
    assert.equal(valueOf('Not(IsPresent([workEmail]))', HIDDEN), undefined);
    assert.equal(valueOf('Equals([status], "active")', HIDDEN), undefined);
  });

  void test('negate conditions, reading null as false', () => {
    assert.equal(valueOf('Not(true)'), false);
    assert.equal(valueOf('Not(null)'), true);
    assert.match(errorOf('Not([firstName])'), /Not\(\) needs true or false as its first argument/);
  });

  void test('compare numbers as numbers, lists by item and the rest as exact text', () => {
    assert.equal(valueOf('Equals([weeklyWorkingHours], 40)'), true);
    assert.equal(valueOf('Equals([weeklyWorkingHours], "40")'), true);
    assert.equal(valueOf('Equals([status], "Active")'), false);
    assert.equal(valueOf('Equals([costCenters], Split("R&D,Platform", ","))'), true);
    assert.equal(valueOf('Equals([firstName], null)', EMPTY), true);
    assert.equal(valueOf('Equals([firstName], "")', EMPTY), false);
  });
});

void describe('SelectUniqueValue outside a whole mapping', () => {
  void test('cannot be evaluated synchronously', () => {
    assert.match(errorOf('SelectUniqueValue("a")'), /needs the target to say which values are free/);
  });
});

void describe('the fixture', () => {
  void test('is a person with every field visible', () => {
    assert.equal(ALEX.sourceId, '1234');
  });
});
