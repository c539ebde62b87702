// applyMapping: the canonical resource, what each target came to, errors naming target and person,
// SelectUniqueValue through the mapping, and manager references.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { URN } from '../../scim/schema.ts';
import type { MappingOutcome } from './apply-mapping.ts';
import { applyMapping, resolveReferences } from './apply-mapping.ts';
import type { Mapping } from './mapping-file.ts';
import { formatMappingFileError, parseMappingFile } from './mapping-file.ts';
import { ALEX, personWith } from './testing/people.ts';

function load(yaml: string): Mapping {
  const result = parseMappingFile(yaml);
  if (!result.ok) throw new Error(result.errors.map(formatMappingFileError).join('\n'));
  return result.value;
}

function success(outcome: MappingOutcome) {
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join('\n'));
  return outcome;
}

function failures(outcome: MappingOutcome): string[] {
  if (outcome.ok) throw new Error('the mapping succeeded');
  return outcome.errors.map((e) => e.message);
}

const PHONES_AND_ADDRESSES = load(`attributes:
  userName: "[workEmail]"
  emails[type eq "work"].value: "[workEmail]"
  emails[type eq "work"].primary: "true"
  emails[type eq "other"].value: "[customAttributes.PrivateMail]"
  addresses[type eq "work"].locality: "[office]"
  addresses[type eq "work"].country: '"DE"'
  phoneNumbers[type eq "mobile" and primary eq true].value: "[customAttributes.Mobile]"
  name.givenName: "[firstName]"
  department: "[department]"
`);

void describe('applyMapping: the resource', () => {
  void test('builds canonical SCIM JSON: schemas, schema order, elements from value paths, the extension under its URN', async () => {
    const person = personWith({ customAttributes: { Mobile: '+49 170 0000000' } });
    const { resource } = success(await applyMapping(PHONES_AND_ADDRESSES, person));
    assert.deepEqual(resource, {
      schemas: [URN.user, URN.enterpriseUser],
      userName: 'alexander.bergmann@acme.example',
      name: { givenName: 'Alexander' },
      emails: [{ value: 'alexander.bergmann@acme.example', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+49 170 0000000', type: 'mobile', primary: true }],
      addresses: [{ locality: 'Munich', country: 'DE', type: 'work' }],
      [URN.enterpriseUser]: { department: 'Engineering' },
    });
    assert.deepEqual(Object.keys(resource), [
      'schemas',
      'userName',
      'name',
      'emails',
      'phoneNumbers',
      'addresses',
      URN.enterpriseUser,
    ]);
  });

  void test('leaves out an element whose own value is empty, even when primary is set', async () => {
    const person = personWith({ workEmail: 'a@acme.example', customAttributes: {} });
    const { resource, values } = success(await applyMapping(PHONES_AND_ADDRESSES, person));
    assert.deepEqual(resource['emails'], [{ value: 'a@acme.example', type: 'work', primary: true }]);
    assert.equal(resource['phoneNumbers'], undefined);
    const other = values.find((v) => v.target === 'emails[type eq "other"].value');
    assert.deepEqual(other, {
      target: 'emails[type eq "other"].value',
      state: 'unknown',
      applyOn: 'always',
      isReference: false,
    });
  });

  void test('lists the core schema alone when no enterprise attribute has a value', async () => {
    const { resource } = success(await applyMapping(PHONES_AND_ADDRESSES, personWith({ department: null })));
    assert.deepEqual(resource['schemas'], [URN.user]);
    assert.equal(resource[URN.enterpriseUser], undefined);
  });
});

void describe('applyMapping: primary values', () => {
  void test('refuses two values marked primary, and treats a filter in either order as one element', async () => {
    const twice = load(`attributes:
  userName: "[workEmail]"
  emails[type eq "work"].value: "[workEmail]"
  emails[type eq "work"].primary: "true"
  emails[primary eq true and type eq "home"].value: "[customAttributes.Nickname]"
`);
    assert.deepEqual(failures(await applyMapping(twice, ALEX)), [
      `mapping for 'emails[type eq "work"].value' failed for person 1234: 2 emails are marked primary; SCIM allows one (RFC 7643 §2.4)`,
    ]);
    const mirrored = load(`attributes:
  userName: "[workEmail]"
  emails[type eq "work" and primary eq true].value: "[workEmail]"
  emails[primary eq true and type eq "work"].display: "[firstName]"
`);
    const { resource } = success(await applyMapping(mirrored, ALEX));
    assert.deepEqual(resource['emails'], [
      { value: 'alexander.bergmann@acme.example', display: 'Alexander', type: 'work', primary: true },
    ]);
  });
});

void describe('applyMapping: what each target came to', () => {
  const mapping = load(`attributes:
  userName: "[workEmail]"
  title: "[position]"
  nickName:
    expression: "[preferredName]"
    default: "n/a"
  displayName:
    expression: Join(" ", [firstName], [lastName])
    applyOn: create
`);

  void test('says set, empty (clear it) or unknown (leave it) per target', async () => {
    const person = personWith({ position: null, preferredName: undefined });
    const { values, resource } = success(await applyMapping(mapping, person));
    assert.deepEqual(
      values.map((v) => [v.target, v.state, v.value]),
      [
        ['userName', 'set', 'alexander.bergmann@acme.example'],
        ['title', 'empty', undefined],
        ['nickName', 'unknown', undefined],
        ['displayName', 'set', 'Alexander Bergmann'],
      ],
    );
    assert.equal(Object.hasOwn(resource, 'title'), false);
    assert.equal(Object.hasOwn(resource, 'nickName'), false);
  });

  void test('writes the default for an empty value but never for a value that is not visible', async () => {
    const empty = success(await applyMapping(mapping, personWith({ preferredName: '' })));
    assert.equal(empty.resource['nickName'], 'n/a');
    const hidden = success(await applyMapping(mapping, personWith({ preferredName: undefined })));
    assert.equal(hidden.resource['nickName'], undefined);
  });

  void test('skips create-only targets when computing an update', async () => {
    const { values, resource } = success(await applyMapping(mapping, ALEX, { purpose: 'update' }));
    assert.deepEqual(
      values.map((v) => v.target),
      ['userName', 'title', 'nickName'],
    );
    assert.equal(resource['displayName'], undefined);
  });
});

void describe('applyMapping: values that no longer fit their target (edge case 18)', () => {
  const mapping = load(`attributes:
  userName: "[workEmail]"
  timezone: "[customAttributes.Zone]"
  locale: "[customAttributes.Locale]"
`);

  void test('keeps a valid time zone and language tag', async () => {
    const person = personWith({ customAttributes: { Zone: 'Asia/Singapore', Locale: 'de-DE' } });
    const { resource, warnings } = success(await applyMapping(mapping, person));
    assert.equal(resource['timezone'], 'Asia/Singapore');
    assert.equal(resource['locale'], 'de-DE');
    assert.deepEqual(warnings, []);
  });

  void test('leaves out a value that is no IANA zone or language tag, so the target keeps its own, and says so', async () => {
    const person = personWith({ customAttributes: { Zone: 'Berlin (CET)', Locale: 'German please' } });
    const { resource, values, warnings } = success(await applyMapping(mapping, person));
    assert.equal(Object.hasOwn(resource, 'timezone'), false);
    assert.equal(Object.hasOwn(resource, 'locale'), false);
    assert.deepEqual(
      values.filter((v) => v.target !== 'userName').map((v) => [v.target, v.state]),
      [
        ['timezone', 'unknown'],
        ['locale', 'unknown'],
      ],
    );
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /timezone of person .* is not an IANA time zone/);
    assert.match(warnings[1] ?? '', /locale of person .* is not a language tag/);
  });
});

void describe('applyMapping: errors', () => {
  void test('names the target and the person, and collects every failed target', async () => {
    const mapping = load(`attributes:
  userName: "[workEmail]"
  emails[type eq "work"].value: Left([workEmail], [firstName])
  active: "[firstName]"
  title: "[costCenters]"
`);
    assert.deepEqual(failures(await applyMapping(mapping, ALEX)), [
      `mapping for 'emails[type eq "work"].value' failed for person 1234: Left() needs a number as its second argument, got "Alexander"`,
      `mapping for 'active' failed for person 1234: active needs true or false, the expression gave "Alexander"`,
      `mapping for 'title' failed for person 1234: title needs one value, the expression gave a list of 2 values; pick one with Item() or combine them with Join()`,
    ]);
  });

  void test('says why a required attribute has no value', async () => {
    const mapping = load('attributes:\n  userName: Coalesce([workEmail], [customAttributes.Login])\n');
    const outcome = await applyMapping(mapping, personWith({ workEmail: null, customAttributes: {} }));
    assert.deepEqual(outcome, {
      ok: false,
      errors: [
        {
          target: 'userName',
          personId: '1234',
          reason:
            'userName is required and the expression gave no value ([workEmail] is empty, [customAttributes.Login] is not visible)',
          message:
            "mapping for 'userName' failed for person 1234: userName is required and the expression gave no value ([workEmail] is empty, [customAttributes.Login] is not visible)",
        },
      ],
    });
  });

  void test('converts text to the attribute type where that is unambiguous', async () => {
    const mapping = load(`attributes:
  userName: "[sourceId]"
  active: '"TRUE"'
  externalId: "[weeklyWorkingHours]"
`);
    const { resource } = success(await applyMapping(mapping, ALEX));
    assert.equal(resource['active'], true);
    assert.equal(resource['externalId'], '40');
    assert.equal(resource['userName'], '1234');
  });
});

void describe('applyMapping: SelectUniqueValue', () => {
  const mapping = load(`attributes:
  userName:
    expression: SelectUniqueValue(Append(ToLower([firstName]), "@acme.example"), Append(ToLower(Join(".", [firstName], [lastName])), "@acme.example"))
    applyOn: create
`);

  void test('asks the target about the target attribute and takes the first free candidate', async () => {
    const asked: string[] = [];
    const isFree = (attribute: string, value: string): boolean => {
      asked.push(`${attribute}=${value}`);
      return value !== 'alexander@acme.example';
    };
    const { resource } = success(await applyMapping(mapping, ALEX, { isFree }));
    assert.equal(resource['userName'], 'alexander.bergmann@acme.example');
    assert.deepEqual(asked, ['userName=alexander@acme.example', 'userName=alexander.bergmann@acme.example']);
  });

  void test('is not asked again when an existing account is updated', async () => {
    const isFree = (): boolean => assert.fail('isFree was called');
    const { values } = success(await applyMapping(mapping, ALEX, { isFree, purpose: 'update' }));
    assert.deepEqual(values, []);
  });

  void test('fails the person when every candidate is taken', async () => {
    const [message] = failures(await applyMapping(mapping, ALEX, { isFree: () => false }));
    assert.match(
      message ?? '',
      /^mapping for 'userName' failed for person 1234: SelectUniqueValue\(\) found every candidate taken/,
    );
  });
});

void describe('references', () => {
  const mapping = load('attributes:\n  userName: "[workEmail]"\n  manager: "[supervisorId]"\n');

  void test('carry the supervisor source id out of the resource, for the engine to resolve', async () => {
    const outcome = success(await applyMapping(mapping, ALEX));
    assert.deepEqual(outcome.references, [{ target: `${URN.enterpriseUser}:manager`, sourceId: '99' }]);
    assert.equal(outcome.resource[URN.enterpriseUser], undefined);
    assert.deepEqual(outcome.values[1], {
      target: `${URN.enterpriseUser}:manager`,
      state: 'set',
      value: '99',
      applyOn: 'always',
      isReference: true,
    });
  });

  void test('resolve to the target account id of the supervisor', async () => {
    const outcome = success(await applyMapping(mapping, ALEX));
    const { resource, unresolved } = resolveReferences(outcome.resource, outcome.references, (id) =>
      id === '99' ? 'acct-99' : undefined,
    );
    assert.deepEqual(unresolved, []);
    assert.deepEqual(resource['schemas'], [URN.user, URN.enterpriseUser]);
    assert.deepEqual(resource[URN.enterpriseUser], { manager: { value: 'acct-99' } });
    assert.equal(outcome.resource[URN.enterpriseUser], undefined, 'the original resource is unchanged');
  });

  void test('leave the manager out when the supervisor has no account in the target', async () => {
    const outcome = success(await applyMapping(mapping, ALEX));
    const { resource, unresolved } = resolveReferences(outcome.resource, outcome.references, () => undefined);
    assert.deepEqual(unresolved, outcome.references);
    assert.equal(resource[URN.enterpriseUser], undefined);
  });

  void test('say empty for no supervisor, unknown for one not visible, and drop a person supervising themself', async () => {
    const none = success(await applyMapping(mapping, personWith({ supervisorId: null })));
    assert.equal(none.values[1]?.state, 'empty');
    assert.deepEqual(none.references, []);
    const hidden = success(await applyMapping(mapping, personWith({ supervisorId: undefined })));
    assert.equal(hidden.values[1]?.state, 'unknown');
    const self = success(await applyMapping(mapping, personWith({ supervisorId: '1234' })));
    assert.equal(self.values[1]?.state, 'empty');
    assert.deepEqual(self.references, []);
    assert.deepEqual(self.warnings, [
      `person 1234 is recorded as their own supervisor; ${URN.enterpriseUser}:manager is left empty`,
    ]);
  });
});
