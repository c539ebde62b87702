// Mapping files: YAML and JSON, extends, every problem with its line and key, and target paths.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { URN } from '../../scim/schema.ts';
import type { Mapping, MappingFileResult } from './mapping-file.ts';
import {
  builtInMapping,
  formatMappingFileError,
  parseMappingFile,
  parseMappingObject,
} from './mapping-file.ts';
import { resolveTargetPath } from './target-path.ts';

function mapping(result: MappingFileResult): Mapping {
  if (!result.ok) throw new Error(result.errors.map(formatMappingFileError).join('\n'));
  return result.value;
}

function problems(result: MappingFileResult): string[] {
  if (result.ok) throw new Error('the mapping was accepted');
  return result.errors.map(formatMappingFileError);
}

function targets(m: Mapping): string[] {
  return m.attributes.map((a) => a.target.text);
}

void describe('parseMappingFile', () => {
  void test('reads targets, expressions and options from YAML', () => {
    const m = mapping(
      parseMappingFile(`attributes:
  userName: "[workEmail]"
  displayName:
    expression: Join(" ", [firstName], [lastName])
    applyOn: create
    default: New colleague
  urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: "[department]"
  emails[type eq "work"].value: "[workEmail]"
`),
    );
    assert.deepEqual(targets(m), [
      'userName',
      'displayName',
      `${URN.enterpriseUser}:department`,
      'emails[type eq "work"].value',
    ]);
    const [userName, displayName] = m.attributes;
    assert.equal(userName?.isRequired, true);
    assert.equal(userName?.applyOn, 'always');
    assert.equal(displayName?.applyOn, 'create');
    assert.equal(displayName?.defaultValue, 'New colleague');
    assert.equal(displayName?.expression.expression.kind, 'call');
  });

  void test('reads the same mapping from JSON', () => {
    const m = mapping(
      parseMappingFile(
        '{"attributes": {"userName": "[workEmail]", "title": {"expression": "[position]", "required": true}}}',
      ),
    );
    assert.deepEqual(targets(m), ['userName', 'title']);
    assert.equal(m.attributes[1]?.isRequired, true);
  });

  void test('reads an unquoted [reference], which YAML takes for a list, as the expression it is', () => {
    const m = mapping(
      parseMappingFile('attributes:\n  userName: [workEmail]\n  title:\n    expression: [position]\n'),
    );
    assert.deepEqual(
      m.attributes.map((a) => a.expression.text),
      ['[workEmail]', '[position]'],
    );
  });

  void test('starts from a built-in mapping, overriding and removing attributes', () => {
    const m = mapping(
      parseMappingFile(`extends: personio
attributes:
  employeeNumber: "[customAttributes.EmployeeNumber]"
  title: null
  userType: "[employmentType]"
`),
    );
    const base = targets(builtInMapping('personio'));
    assert.deepEqual(targets(m), [...base.filter((t) => t !== 'title'), 'userType']);
    const employeeNumber = m.attributes.find((a) => a.target.text === `${URN.enterpriseUser}:employeeNumber`);
    assert.equal(employeeNumber?.expression.text, '[customAttributes.EmployeeNumber]');
  });

  void test('lists every problem with its line and key', () => {
    const errors = problems(
      parseMappingFile(`attributes:
  userName: "[workEmail]"
  titel: "[position]"
  displayName:
    expression: Join(" ", [firstName], [lastNme])
    aplyOn: create
  emails: "[workEmail]"
  active:
    expression: "true"
    default: "yes"
  nickName: Left([firstName], "2")
  id: "[sourceId]"
  groups[type eq "x"].value: "[team]"
  name: "[firstName]"
  UserName: "[workEmail]"
`),
    );
    assert.deepEqual(errors, [
      "line 3 (attributes › titel): 'titel' is not an attribute of the SCIM User schema or its enterprise extension (did you mean 'title'?)",
      `line 5 (attributes › displayName › expression): at character 24 of the expression: [lastNme]: unknown field 'lastNme' (did you mean 'lastName'?); known fields: sourceId, firstName, lastName, preferredName, workEmail, status, hireDate, terminationDate, lastWorkingDay, contractEndDate, position, employmentType, weeklyWorkingHours, department, team, office, legalEntity, supervisorId, costCenters, timeZone, timeZoneSource, createdAt, lastModifiedAt, customAttributes.<name>`,
      "line 6 (attributes › displayName › aplyOn): unknown key 'aplyOn'",
      `line 7 (attributes › emails): 'emails' holds several values; map one of them with a value path such as emails[type eq "work"].value`,
      'line 10 (attributes › active › default): the default needs true or false, got "yes"',
      'line 11 (attributes › nickName): at character 19 of the expression: Left() needs a number as its second argument, got "2"',
      "line 12 (attributes › id): 'id' is read-only in SCIM; the target sets it",
      'line 13 (attributes › groups[type eq "x"].value): \'groups[type eq "x"].value\' is read-only in SCIM; the target sets it',
      "line 14 (attributes › name): 'name' is complex; map its sub-attributes, such as name.formatted",
      "line 15 (attributes › UserName): maps the same attribute as 'userName'",
    ]);
  });

  void test('reports YAML syntax errors with their position', () => {
    const result = parseMappingFile('attributes:\n  userName: "[workEmail]\n');
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.errors[0]?.line !== undefined, true);
      assert.match(result.errors[0]?.message ?? '', /quote|end|scalar/i);
    }
    assert.match(
      problems(parseMappingFile('attributes:\n  userName: a\n  userName: b\n'))[0] ?? '',
      /unique/i,
    );
  });

  void test('refuses unknown top-level keys, unknown bases and files that are not objects', () => {
    assert.deepEqual(problems(parseMappingFile('atributes:\n  userName: "[workEmail]"\n')), [
      'line 1 (attributes): is required',
      "line 1 (atributes): unknown key 'atributes'",
    ]);
    assert.match(
      problems(parseMappingFile('extends: workday\nattributes: {}\n'))[0] ?? '',
      /line 1 \(extends\): Invalid input: expected "personio"/,
    );
    assert.match(problems(parseMappingFile('- userName\n'))[0] ?? '', /an object with 'attributes'/);
    assert.match(problems(parseMappingFile(''))[0] ?? '', /an object with 'attributes'/);
  });

  void test('requires userName, always', () => {
    assert.deepEqual(problems(parseMappingFile('attributes:\n  title: "[position]"\n')), [
      'line 2 (attributes): must map userName: every SCIM User has one',
    ]);
    assert.match(
      problems(
        parseMappingFile('attributes:\n  userName:\n    expression: "[workEmail]"\n    required: false\n'),
      )[0] ?? '',
      /userName is always required/,
    );
    assert.match(
      problems(parseMappingFile('extends: personio\nattributes:\n  userName: null\n'))[0] ?? '',
      /must map userName/,
    );
  });

  void test('refuses removals without a base and defaults or unique selection for the manager', () => {
    assert.match(
      problems(parseMappingFile('attributes:\n  userName: "[workEmail]"\n  title: null\n'))[0] ?? '',
      /null removes an attribute inherited with extends/,
    );
    assert.match(
      problems(parseMappingFile('extends: personio\nattributes:\n  userType: null\n'))[0] ?? '',
      /not in the 'personio' mapping/,
    );
    assert.match(
      problems(
        parseMappingFile(
          'extends: personio\nattributes:\n  manager:\n    expression: "[supervisorId]"\n    default: "1"\n',
        ),
      )[0] ?? '',
      /a manager has no default/,
    );
    assert.match(
      problems(
        parseMappingFile('extends: personio\nattributes:\n  manager: SelectUniqueValue([supervisorId])\n'),
      )[0] ?? '',
      /reference to another person/,
    );
  });

  void test('refuses values that are neither text nor options', () => {
    assert.match(
      problems(parseMappingFile('attributes:\n  userName: 42\n'))[0] ?? '',
      /line 2 \(attributes › userName\): must be an expression/,
    );
  });

  void test('expands a few YAML aliases but not an alias bomb', () => {
    const ok = parseMappingFile('x: &e "[workEmail]"\nattributes:\n  userName: *e\n');
    assert.match(problems(ok)[0] ?? '', /unknown key 'x'/);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `a${i}: &a${i} [${Array(9)
          .fill(i === 1 ? '*a' : `*a${i - 1}`)
          .join(',')}]`,
      );
    const result = parseMappingFile(bomb.join('\n'));
    assert.equal(result.ok, false);
  });

  void test('refuses text over the size cap and non-text', () => {
    assert.match(problems(parseMappingFile(' '.repeat(1_000_001)))[0] ?? '', /longer than/);
    assert.match(problems(parseMappingFile(7 as unknown as string))[0] ?? '', /must be text/);
  });
});

void describe('parseMappingObject', () => {
  void test('validates a mapping given as JSON data, with key paths but no lines', () => {
    assert.equal(parseMappingObject({ attributes: { userName: '[workEmail]' } }).ok, true);
    const result = parseMappingObject({
      attributes: { userName: '[workEmail]', title: { expression: '[position]', applyOn: 'sometimes' } },
    });
    assert.deepEqual(problems(result), [
      'attributes › title › applyOn: Invalid option: expected one of "create"|"always"',
    ]);
  });
});

void describe('resolveTargetPath', () => {
  void test('gives every target its canonical spelling', () => {
    const canonical = (text: string): string => {
      const result = resolveTargetPath(text);
      if (!result.ok) throw new Error(result.error);
      return result.value.text;
    };
    assert.equal(canonical('USERNAME'), 'userName');
    assert.equal(canonical('name.GIVENNAME'), 'name.givenName');
    assert.equal(canonical('urn:ietf:params:scim:schemas:core:2.0:User:title'), 'title');
    assert.equal(canonical('department'), `${URN.enterpriseUser}:department`);
    assert.equal(canonical('EMAILS[TYPE eq "work"].VALUE'), 'emails[type eq "work"].value');
    assert.equal(
      canonical('phoneNumbers[type eq "mobile" and primary eq true].value'),
      'phoneNumbers[type eq "mobile" and primary eq true].value',
    );
    assert.equal(canonical('manager'), `${URN.enterpriseUser}:manager`);
    assert.equal(canonical(`${URN.enterpriseUser}:manager.value`), `${URN.enterpriseUser}:manager`);
  });

  void test('refuses what a mapping cannot write', () => {
    const error = (text: string): string => {
      const result = resolveTargetPath(text);
      if (result.ok) throw new Error(`${text} resolved`);
      return result.error;
    };
    assert.match(error('meta.created'), /read-only/);
    assert.match(error('password'), /never mapped/);
    assert.match(error('emails[type ne "work"].value'), /may only join 'sub-attribute eq value' with 'and'/);
    assert.match(error('emails[type eq "work" or type eq "home"].value'), /may only join/);
    assert.match(error('emails[type eq "work"].type'), /both in the filter and as the target/);
    assert.match(error('emails[kind eq "work"].value'), /no sub-attribute 'kind'/);
    assert.match(error('emails[type eq "work"].colour'), /no sub-attribute 'colour'/);
    assert.match(error('title[type eq "x"].value'), /no sub-attribute 'value'|only for multi-valued/);
    assert.match(error('manager.displayName'), /map the manager as/);
    assert.match(error('name[x eq "y"'), /is not a SCIM attribute path/);
    assert.match(error('urn:example:ext:1.0:User:colour'), /is not an attribute/);
  });
});
