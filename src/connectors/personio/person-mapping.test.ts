import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MappingConfig } from './person-mapping.ts';
import {
  OrgNames,
  currentEmployment,
  mapV1Employee,
  mapV2Person,
  toCalendarDate,
  toCustomValue,
  toInstant,
} from './person-mapping.ts';
import { PERSON_FIELDS } from './settings.ts';
import type { V1Attribute, V1Employee } from './v1-envelope.ts';
import { parseEmployment, parsePerson } from './v2-resources.ts';

function envelope(value: unknown, type = 'standard', universalId: string | null = null): V1Attribute {
  return { label: 'x', value, type, universalId };
}

function employee(id: string, attributes: Record<string, V1Attribute>): V1Employee {
  return {
    id,
    attributes: new Map([['id', envelope(Number(id), 'integer', 'id')], ...Object.entries(attributes)]),
  };
}

const config: MappingConfig = {
  fields: new Set(PERSON_FIELDS),
  customAttributes: { title: 'dynamic_24407', languages: 'dynamic_3', anniversary: 'dynamic_33400' },
  officeTimeZones: { Munich: 'Europe/Berlin', '131047': 'Europe/London' },
  defaultTimeZone: 'UTC',
  timeZoneAttribute: 'dynamic_9',
};

const FULL = employee('1', {
  first_name: envelope('Alexander'),
  last_name: envelope('Bergmann'),
  preferred_name: envelope('Alex'),
  email: envelope('alexander.bergmann@demo.com'),
  status: envelope('active'),
  position: envelope('CTO'),
  supervisor: envelope({ type: 'Employee', attributes: { id: envelope(2, 'integer', 'id') } }),
  employment_type: envelope('external'),
  weekly_working_hours: envelope('40'),
  hire_date: envelope('2014-11-09T00:00:00+01:00', 'date'),
  contract_end_date: envelope(null, 'date'),
  termination_date: envelope('2026-03-31T00:00:00+02:00', 'date'),
  last_working_day: envelope('2026-03-20T00:00:00+01:00', 'date'),
  created_at: envelope('2017-05-23T09:49:03+02:00', 'date'),
  last_modified_at: envelope('2020-11-18T17:33:55+01:00', 'date'),
  subcompany: envelope({ type: 'Subcompany', attributes: { id: 7033, name: 'CS Demo GmbH' } }),
  office: envelope({ type: 'Office', attributes: { id: 131014, name: 'Munich' } }),
  department: envelope({ type: 'Department', attributes: { id: 281521, name: 'Customer Support' } }),
  team: envelope(null),
  cost_centers: envelope([
    { type: 'CostCenter', attributes: { id: 82957, name: 'Cost center 1', percentage: 100 } },
  ]),
  fix_salary: envelope(3000, 'decimal', 'fix_salary'),
  dynamic_24407: envelope('Dr'),
  dynamic_3: envelope('English,German', 'tags'),
  dynamic_33400: envelope('2021-01-01', 'date'),
});

void describe('v1 employee to person', () => {
  void test('maps the spec example to camelCase fields with calendar dates as written', () => {
    const { person, unreadable } = mapV1Employee(FULL, config);
    assert.deepEqual(unreadable, []);
    assert.deepEqual(person, {
      sourceId: '1',
      firstName: 'Alexander',
      lastName: 'Bergmann',
      preferredName: 'Alex',
      workEmail: 'alexander.bergmann@demo.com',
      status: 'active',
      // Midnight Berlin is the 8th in UTC; the calendar date is the 9th, as HR entered it.
      hireDate: '2014-11-09',
      terminationDate: '2026-03-31',
      lastWorkingDay: '2026-03-20',
      contractEndDate: null,
      position: 'CTO',
      employmentType: 'external',
      weeklyWorkingHours: 40,
      department: { id: '281521', name: 'Customer Support' },
      team: null,
      office: { id: '131014', name: 'Munich' },
      legalEntity: { id: '7033', name: 'CS Demo GmbH' },
      supervisorId: '2',
      costCenters: [{ id: '82957', name: 'Cost center 1', percentage: 100 }],
      createdAt: '2017-05-23T07:49:03.000Z',
      lastModifiedAt: '2020-11-18T16:33:55.000Z',
      timeZone: 'Europe/Berlin',
      timeZoneSource: 'office',
      customAttributes: { title: 'Dr', languages: ['English', 'German'], anniversary: '2021-01-01' },
    });
  });

  void test('never carries attributes it was not configured for, such as salary', () => {
    const { person } = mapV1Employee(FULL, config);
    assert.ok(!JSON.stringify(person).includes('3000'), "!JSON.stringify(person).includes('3000')");
  });

  void test('leaves absent attributes absent (not visible) and keeps nulls (empty)', () => {
    const { person } = mapV1Employee(
      employee('5', { email: envelope(null), status: envelope('inactive') }),
      config,
    );
    assert.equal(person.workEmail, null);
    assert.equal('department' in person, false);
    assert.equal('hireDate' in person, false);
    assert.deepEqual(person.customAttributes, {});
    assert.equal(person.timeZone, 'UTC');
    assert.equal(person.timeZoneSource, 'default');
  });

  void test('reports unreadable values by key and leaves them out instead of blanking them', () => {
    const { person, unreadable } = mapV1Employee(
      employee('6', {
        hire_date: envelope('soon', 'date'),
        created_at: envelope('2020-01-01T10:00:00', 'date'),
      }),
      config,
    );
    assert.deepEqual([...unreadable].sort(), ['created_at', 'hire_date']);
    assert.equal('hireDate' in person, false);
  });

  void test('keeps an unknown status value as "unknown" instead of failing the page', () => {
    assert.equal(
      mapV1Employee(employee('7', { status: envelope('sabbatical') }), config).person.status,
      'unknown',
    );
  });

  void test('takes the time zone from the person, then the office (by name or id), then the default', () => {
    const withZone = employee('8', {
      dynamic_9: envelope('Asia/Singapore', 'list'),
      office: FULL.attributes.get('office') as V1Attribute,
    });
    assert.deepEqual(
      [
        mapV1Employee(withZone, config).person.timeZone,
        mapV1Employee(withZone, config).person.timeZoneSource,
      ],
      ['Asia/Singapore', 'person'],
    );
    const london = employee('9', {
      office: envelope({ type: 'Office', attributes: { id: 131047, name: 'London HQ' } }),
    });
    assert.equal(mapV1Employee(london, config).person.timeZone, 'Europe/London');
    const bogus = employee('10', { dynamic_9: envelope('Mars/Olympus', 'list') });
    assert.equal(mapV1Employee(bogus, config).person.timeZoneSource, 'default');
  });
});

void describe('v2 person to person', () => {
  const v2Person = parsePerson({
    id: '1',
    email: 'alexander.bergmann@demo.com',
    first_name: 'Alexander',
    last_name: 'Bergmann',
    preferred_name: 'Alex',
    created_at: '2017-05-23T07:49:03Z',
    updated_at: '2020-11-18T16:33:55Z',
    custom_attributes: [
      { id: 'dynamic_24407', type: 'string', value: 'Dr' },
      { id: 'dynamic_3', type: 'string_list', value: ['English', 'German'] },
      { id: 'dynamic_33400', type: 'date', value: '2021-01-01' },
      { id: 'dynamic_21827', type: 'string', value: 'DE98 8989' },
    ],
  });
  const v2Employment = parseEmployment({
    id: 'd9a3-uuid',
    status: 'ACTIVE',
    position: { title: 'CTO' },
    weekly_working_hours: 40,
    employment_start_date: '2014-11-09',
    employment_end_date: '2026-03-31',
    contract_end_date: null,
    type: 'EXTERNAL',
    created_at: '2017-05-23T07:49:03Z',
    updated_at: '2019-01-01T00:00:00Z',
    supervisor: { id: '2' },
    office: { id: '131014' },
    org_units: [{ type: 'department', id: '281521' }],
    person: { id: '1' },
    cost_centers: [{ id: '82957', weight: 100 }],
    legal_entity: { id: '7033' },
    termination: { termination_date: '2026-03-31', last_working_date: '2026-03-20', type: 'EMPLOYEE' },
  });

  void test('gives the same person as v1 once v1 has named the related objects', () => {
    assert.ok(v2Person.ok && v2Employment.ok, 'v2Person.ok && v2Employment.ok');
    const names = new OrgNames();
    const fromV1 = mapV1Employee(FULL, config, names).person;
    const readable = new Set([...FULL.attributes.keys()]);
    const fromV2 = mapV2Person(v2Person.value, v2Employment.value, config, names, readable).person;
    assert.deepEqual(fromV2, fromV1);
  });

  void test('without names, related objects carry their ids only', () => {
    assert.ok(v2Person.ok && v2Employment.ok, 'v2Person.ok && v2Employment.ok');
    const person = mapV2Person(v2Person.value, v2Employment.value, config, new OrgNames(), null).person;
    assert.deepEqual(person.department, { id: '281521' });
    assert.deepEqual(person.office, { id: '131014' });
  });

  void test('a readable related object v2 leaves out is "none"; an unreadable one stays absent', () => {
    const bare = parseEmployment({ id: 'e', status: 'ACTIVE', org_units: [] });
    assert.ok(v2Person.ok && bare.ok, 'v2Person.ok && bare.ok');
    const readable = new Set(['id', 'supervisor', 'department', 'status']);
    const person = mapV2Person(v2Person.value, bare.value, config, new OrgNames(), readable).person;
    assert.equal(person.supervisorId, null);
    assert.equal(person.department, null);
    assert.equal('office' in person, false);
    assert.equal('firstName' in person, false, 'first_name is not in the readable list');
  });

  void test('describes a person by their live employment, else the newest', () => {
    const a = { id: 'a', status: 'INACTIVE' };
    const b = { id: 'b', status: 'ONBOARDING' };
    assert.equal(currentEmployment([a, b])?.id, 'b');
    assert.equal(currentEmployment([a])?.id, 'a');
    assert.equal(currentEmployment([]), null);
  });
});

void describe('value readers', () => {
  void test('calendar dates: v1 offsets, v2 plain dates, empties, and impossible dates', () => {
    assert.equal(toCalendarDate('2020-03-01T00:00:00+01:00'), '2020-03-01');
    assert.equal(toCalendarDate('2020-03-01'), '2020-03-01');
    assert.equal(toCalendarDate(null), null);
    assert.equal(toCalendarDate(''), null);
    assert.equal(toCalendarDate('2020-02-30'), undefined);
    assert.equal(toCalendarDate(20200301), undefined);
  });

  void test('instants need a zone and come out in UTC', () => {
    assert.equal(toInstant('2017-05-23T09:49:03+02:00'), '2017-05-23T07:49:03.000Z');
    assert.equal(toInstant('2017-05-23T09:49:03'), undefined);
  });

  void test('custom values follow their declared type in v1 and v2 spelling', () => {
    assert.deepEqual(toCustomValue('a, b,,c', 'tags'), ['a', 'b', 'c']);
    assert.deepEqual(toCustomValue(['a'], 'STRING_LIST'), ['a']);
    assert.equal(toCustomValue('42', 'integer'), 42);
    assert.equal(toCustomValue('4.5', 'DOUBLE'), 4.5);
    assert.equal(toCustomValue('2021-01-01T00:00:00+01:00', 'date'), '2021-01-01');
    assert.equal(toCustomValue({ nested: true }, 'standard'), undefined);
  });
});
