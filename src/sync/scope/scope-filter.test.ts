// Scope filters over the person: fields, dates, cost centres, custom attributes, three-valued answers
// for fields that are not visible, and errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SourcePerson } from '../../connectors/index.ts';
import { ALEX, personWith } from '../mapping/testing/people.ts';
import type { Scope, ScopeDecision } from './scope-filter.ts';
import { compileScope } from './scope-filter.ts';

function scope(text: string): Scope {
  const result = compileScope(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

function decide(text: string, person: SourcePerson = ALEX): ScopeDecision {
  return scope(text).decide(person);
}

function errorOf(text: string): string {
  const result = compileScope(text);
  if (result.ok) throw new Error(`${text} compiled`);
  return result.error;
}

void describe('compileScope: the example from the issue', () => {
  const example = 'legalEntity eq "Acme GmbH" and department ne "Board"';

  void test('takes people of the legal entity outside the board', () => {
    assert.equal(decide(example), 'in');
    assert.equal(scope(example).matches(ALEX), true);
  });

  void test('leaves out the board and other legal entities', () => {
    assert.equal(decide(example, personWith({ department: { id: '1', name: 'Board' } })), 'out');
    assert.equal(decide(example, personWith({ legalEntity: { id: '2', name: 'Acme Inc.' } })), 'out');
  });

  void test('compares text case-insensitively, as SCIM does for attributes that are not case-exact', () => {
    assert.equal(decide('legalEntity eq "ACME gmbh"'), 'in');
    assert.equal(decide('department sw "eng" and workEmail ew "@ACME.example" and firstName co "XAN"'), 'in');
  });
});

void describe('compileScope: fields', () => {
  void test('compares org records by name, or by id with .id', () => {
    assert.equal(decide('department eq "Engineering"'), 'in');
    assert.equal(decide('department.name eq "Engineering"'), 'in');
    assert.equal(decide('department.id eq "281521"'), 'in');
    assert.equal(decide('department.id eq 281521'), 'in');
    assert.equal(decide('office[id eq "131014" and name eq "Munich"]'), 'in');
  });

  void test('compares status against the known statuses only', () => {
    assert.equal(decide('status eq "active" or status eq "leave"'), 'in');
    assert.equal(decide('status ne "Active"'), 'out');
    assert.equal(
      errorOf('status eq "activ"'),
      `'status' is one of onboarding, active, leave, inactive, unknown; "activ" is not`,
    );
    assert.match(errorOf('status gt "active"'), /statuses have no order/);
  });

  void test('compares calendar dates as dates', () => {
    assert.equal(decide('hireDate lt "2015-01-01"'), 'in');
    assert.equal(decide('hireDate ge "2014-11-09" and hireDate le "2014-11-09"'), 'in');
    assert.equal(decide('hireDate gt "2014-11-09"'), 'out');
    assert.equal(decide('terminationDate pr'), 'out');
    assert.equal(decide('terminationDate eq null'), 'in');
    assert.match(
      errorOf('hireDate gt "09.11.2014"'),
      /calendar date; compare it with a date such as "2024-01-31"/,
    );
    assert.match(errorOf('hireDate gt "2023-02-29"'), /calendar date/);
    assert.match(errorOf('hireDate sw "2014"'), /'sw' compares text, and 'hireDate' is a date/);
  });

  void test('compares instants as instants, across offsets', () => {
    assert.equal(decide('createdAt gt "2017-05-23T09:00:00+02:00"'), 'in');
    assert.equal(decide('createdAt lt "2017-05-23T09:49:04+02:00"'), 'in');
    assert.match(errorOf('createdAt gt "yesterday"'), /is an instant/);
  });

  void test('compares numbers as numbers', () => {
    assert.equal(decide('weeklyWorkingHours ge 30'), 'in');
    assert.equal(decide('weeklyWorkingHours lt 30'), 'out');
    assert.match(errorOf('weeklyWorkingHours gt "30"'), /is a number; compare it with a number/);
  });

  void test('matches any cost centre, by name, id, percentage or all of them on one entry', () => {
    assert.equal(decide('costCenters eq "Platform"'), 'in');
    assert.equal(decide('costCenters.id eq "82957"'), 'in');
    assert.equal(decide('costCenters.percentage gt 50'), 'in');
    assert.equal(decide('costCenters[name eq "R&D" and percentage ge 50]'), 'in');
    assert.equal(decide('costCenters[name eq "Platform" and percentage ge 50]'), 'out');
    assert.equal(decide('costCenters ne "R&D"'), 'out');
    assert.equal(decide('costCenters ne "Sales"'), 'in');
    assert.equal(decide('costCenters pr', personWith({ costCenters: [] })), 'out');
  });

  void test('compares custom attributes by the type of their value', () => {
    assert.equal(decide('customAttributes.Nickname eq "lex"'), 'in');
    assert.equal(decide('customAttributes.Languages eq "German"'), 'in');
    assert.equal(decide('customAttributes.Shoe gt 43'), 'in');
    assert.equal(decide('customAttributes.Shoe eq "44"'), 'in');
    assert.equal(decide('customAttributes.Remote eq true'), 'in');
    assert.equal(decide('customAttributes.Empty pr'), 'out');
    assert.equal(decide('customAttributes.Empty eq null'), 'in');
  });

  void test('combines with and, or, not and parentheses', () => {
    assert.equal(decide('not (department eq "Board") and (office eq "Berlin" or office eq "Munich")'), 'in');
    assert.equal(decide('not (legalEntity eq "Acme GmbH")'), 'out');
  });
});

void describe('compileScope: fields that are not visible', () => {
  void test('answer unknown rather than out, so nobody is disabled because of an unreadable field', () => {
    const hidden = personWith({ department: undefined });
    assert.equal(decide('department eq "Engineering"', hidden), 'unknown');
    assert.equal(decide('department ne "Board"', hidden), 'unknown');
    assert.equal(decide('department pr', hidden), 'unknown');
    assert.equal(scope('department eq "Engineering"').matches(hidden), false);
  });

  void test('answer unknown for an org known by id only, when the filter needs its name', () => {
    const byId = personWith({ department: { id: '281521' } });
    assert.equal(decide('department eq "Engineering"', byId), 'unknown');
    assert.equal(decide('department.id eq "281521"', byId), 'in');
  });

  void test('follow three-valued logic: a known answer on one side can decide', () => {
    const hidden = personWith({ department: undefined });
    assert.equal(decide('legalEntity eq "Other" and department eq "Engineering"', hidden), 'out');
    assert.equal(decide('legalEntity eq "Acme GmbH" or department eq "Engineering"', hidden), 'in');
    assert.equal(decide('legalEntity eq "Acme GmbH" and department eq "Engineering"', hidden), 'unknown');
    assert.equal(decide('not (department eq "Engineering")', hidden), 'unknown');
  });

  void test('treat explicitly empty fields as empty, not unknown', () => {
    const none = personWith({ department: null });
    assert.equal(decide('department eq "Engineering"', none), 'out');
    assert.equal(decide('department ne "Board"', none), 'in');
    assert.equal(decide('department pr', none), 'out');
  });
});

void describe('compileScope: errors', () => {
  void test('names an unknown field, the closest known one and every known one', () => {
    assert.match(
      errorOf('legalEntity eq "Acme GmbH" and departmnet ne "Board"'),
      /^unknown field 'departmnet' in scope filter \(did you mean 'department'\?\); known fields: sourceId, firstName, lastName, .*legalEntity.*customAttributes\.<name>$/,
    );
  });

  void test('refuses schema URNs, unknown parts and filters on fields that are not records', () => {
    assert.match(
      errorOf('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"'),
      /without schema URNs/,
    );
    assert.match(errorOf('department.code eq "x"'), /has the parts id, name, not 'code'/);
    assert.match(
      errorOf('firstName[value eq "x"]'),
      /only department, team, office, legalEntity and costCenters take a \[filter\]/,
    );
    assert.match(errorOf('costCenters[code eq "x"]'), /has the parts id, name, percentage/);
    assert.match(errorOf('department gt null'), /compares with nothing/);
  });

  void test('passes on syntax errors from the SCIM filter parser with their position', () => {
    assert.match(
      errorOf('department eq'),
      /^invalid scope filter: at character 14: expected a value after 'eq'/,
    );
    assert.match(errorOf('department eq "x" and'), /invalid scope filter/);
  });

  void test('takes everyone for an empty filter', () => {
    assert.equal(decide(''), 'in');
    assert.equal(scope('  ').filter, null);
  });

  void test('never throws on any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 100 }),
          fc
            .array(
              fc.constantFrom(
                'department',
                'costCenters',
                '[',
                ']',
                '(',
                ')',
                ' eq ',
                ' and ',
                ' not ',
                '"x"',
                '.id',
                'pr',
                ' ',
                'null',
                '5',
              ),
              {
                maxLength: 20,
              },
            )
            .map((parts) => parts.join('')),
        ),
        (text) => {
          const result = compileScope(text);
          if (result.ok) result.value.decide(ALEX);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
