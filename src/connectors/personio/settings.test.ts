import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NEVER_REQUESTED_ATTRIBUTES,
  PERSON_FIELDS,
  personioSecretsSchema,
  personioSettingsSchema,
  requestedAttributes,
  sensitivityOf,
} from './settings.ts';

void describe('Personio settings', () => {
  void test('fills documented defaults', () => {
    const settings = personioSettingsSchema.parse({ clientId: 'c' });
    assert.equal(settings.baseUrl, 'https://api.personio.de');
    assert.equal(settings.pageSize, 100);
    assert.equal(settings.incrementalOverlapMinutes, 15);
    assert.equal(settings.fullReadIntervalHours, 6);
    assert.equal(settings.defaultTimeZone, 'Europe/Berlin');
    assert.equal(settings.allowEmptyFullRead, false);
  });

  void test('lists every problem at once: refused URL, page size over 100, unknown zone, bad custom key', () => {
    const parsed = personioSettingsSchema.safeParse({
      clientId: 'c',
      baseUrl: 'http://api.personio.de',
      pageSize: 200,
      officeTimeZones: { Berlin: 'Europe/Berlin', Mars: 'Mars/Olympus' },
      customAttributes: { title: 'title' },
    });
    assert.ok(!parsed.success, '!parsed.success');
    const paths = parsed.error.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['baseUrl', 'customAttributes.title', 'officeTimeZones.Mars', 'pageSize']);
  });

  void test('refuses unknown keys so a typo is not silently ignored', () => {
    assert.equal(personioSettingsSchema.safeParse({ clientId: 'c', pagesize: 50 }).success, false);
  });

  void test('keeps the client secret out of settings: it is a secret', () => {
    assert.equal(personioSettingsSchema.safeParse({ clientId: 'c', clientSecret: 's' }).success, false);
    assert.equal(personioSecretsSchema.safeParse({ clientSecret: 's' }).success, true);
  });

  void test('requests only the mapped attributes and never a sensitive one', () => {
    const settings = personioSettingsSchema.parse({
      clientId: 'c',
      personFields: ['department'],
      customAttributes: { title: 'dynamic_24407' },
    });
    assert.deepEqual(requestedAttributes(settings).sort(), [
      'department',
      'dynamic_24407',
      'email',
      'first_name',
      'last_name',
      'status',
    ]);
    const all = requestedAttributes(
      personioSettingsSchema.parse({ clientId: 'c', personFields: [...PERSON_FIELDS] }),
    );
    for (const key of all) assert.ok(!NEVER_REQUESTED_ATTRIBUTES.has(key), key);
  });

  void test('recognises pay, bank and identity attributes by key, universal id or label', () => {
    assert.notEqual(sensitivityOf({ key: 'fix_salary' }), null);
    assert.notEqual(sensitivityOf({ key: 'dynamic_21827', label: 'IBAN', universalId: 'iban' }), null);
    assert.notEqual(sensitivityOf({ key: 'dynamic_1', label: 'Bankverbindung', universalId: null }), null);
    assert.notEqual(sensitivityOf({ key: 'dynamic_2', label: 'Geburtsdatum', universalId: null }), null);
    assert.equal(sensitivityOf({ key: 'dynamic_3', label: 'T-shirt size', universalId: null }), null);
    assert.equal(sensitivityOf({ key: 'dynamic_4', label: 'Personalnummer', universalId: null }), null);
  });
});

void describe('Personio provisioning settings', () => {
  void test('a connection without a provisioning section gets the documented defaults', () => {
    const { provisioning } = personioSettingsSchema.parse({ clientId: 'c' });
    assert.equal(provisioning.writeBudgetMs, 5_000);
    assert.equal(provisioning.onHrOwnedWrite, 'ignore');
    assert.equal(provisioning.importIntervalMinutes, 15);
    assert.deepEqual(provisioning.groupRoles, {});
    assert.equal(provisioning.taskSlaHours, undefined, 'the task repository applies its own default');
  });

  void test('a typo, a bad authority and an unreadable mapping path are all reported', () => {
    const parsed = personioSettingsSchema.safeParse({
      clientId: 'c',
      provisioning: {
        writeBudget: 100,
        authority: { department: 'okta' },
        mapping: { position: 'title eq "x"' },
      },
    });
    assert.equal(parsed.success, false);
    const paths = parsed.error?.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, [
      'provisioning',
      'provisioning.authority.department',
      'provisioning.mapping.position',
    ]);
  });
});
