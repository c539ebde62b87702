// Every v1 response shape held against Personio's published OpenAPI schemas (copied into ./openapi),
// plus the labels, types and universal ids of the spec's own example employee.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PersonioEmulator } from './index.ts';
import { OpenApiDocument, type SchemaError } from './openapi/schema-check.ts';
import {
  type Json,
  type TestClock,
  allV1Employees,
  call,
  control,
  startTestEmulator,
  v1Token,
  v2Token,
} from './testing/http.ts';

const personnel = new OpenApiDocument('personio-personnel-data-api-oa3.yaml');
const auth = new OpenApiDocument('personio-auth-api.yaml');
const commonV2 = new OpenApiDocument('common-components-v2.json');
const schema = (name: string): string => `#/components/schemas/${name}`;

const RELATIONS = [
  'supervisor',
  'office',
  'department',
  'team',
  'subcompany',
  'holiday_calendar',
  'work_schedule',
];

/**
 * The two defects of the published schemas, tolerated and nothing else: `EmployeesResponse` is
 * `allOf: [Response, …]` and `Response.data` says `type: object` while the list's `data` is an array
 * (as the spec's own example shows); relation values (`supervisor`, `office`, `team`, …) are typed
 * `object` without `nullable`, while Personio answers `value: null` for an empty relation.
 */
function isKnownDefect(error: SchemaError): boolean {
  if (error.path === '/data' && error.message === 'expected object, got array') return true;
  const relation = /^(?:\/data(?:\/\d+)?)?\/attributes\/([a-z_]+)\/value$/.exec(error.path);
  return (
    relation !== null &&
    RELATIONS.includes(relation[1] ?? '') &&
    error.message === 'expected object, got null'
  );
}

function assertConforms(value: unknown, document: OpenApiDocument, name: string): void {
  const errors = document.validate(value, schema(name)).filter((e) => !isKnownDefect(e));
  assert.deepEqual(errors, [], `${name}: ${JSON.stringify(errors.slice(0, 5))}`);
}

void describe('v1 responses against the official OpenAPI schemas', () => {
  let emulator: PersonioEmulator & { clock: TestClock };
  let token: string;
  let complete: number;
  before(async () => {
    emulator = await startTestEmulator({ employees: 120 });
    token = await v1Token(emulator.url);
    const boss = await control(emulator.url, 'POST', '/employees', { first_name: 'Chef', last_name: 'In' });
    complete = (
      await control(emulator.url, 'POST', '/employees', {
        first_name: 'Vollständig',
        last_name: 'Ausgefüllt',
        email: 'voll@nordlicht.example',
        supervisor_id: boss.id,
        team: 'Platform',
        office: 'Berlin',
        department: 'Engineering',
        legal_entity: 'Nordlicht Software GmbH',
        cost_centers: [{ name: 'CC 1000 Engineering', percentage: 100 }],
        termination_date: '2027-03-31',
        contract_end_date: '2027-03-31',
        profile_picture: true,
      })
    ).id as number;
  });
  after(() => emulator.close());

  void test('POST /v1/auth matches AuthenticationTokenResponse', async () => {
    const reply = await call(`${emulator.url}/v1/auth`, {
      json: { client_id: 'demo-client', client_secret: 'demo-secret' },
    });
    assert.deepEqual(auth.validate(reply.body, schema('AuthenticationTokenResponse')), []);
  });

  void test('an employee with every relation set matches EmployeeResponse without any exception', async () => {
    const reply = await call(`${emulator.url}/v1/company/employees/${complete}`, { token });
    assert.deepEqual(personnel.validate(reply.body, schema('EmployeeResponse')), []);
  });

  void test('every page of GET /company/employees matches EmployeesResponse', async () => {
    for (let offset = 0; offset < 125; offset += 50) {
      const reply = await call(`${emulator.url}/v1/company/employees?limit=50&offset=${offset}`, { token });
      assertConforms(reply.body, personnel, 'EmployeesResponse');
    }
  });

  void test('every single employee matches EmployeeResponse', async () => {
    const all = await allV1Employees(emulator.url, token);
    for (const employee of all) {
      const reply = await call(`${emulator.url}/v1/company/employees/${employee.attributes.id.value}`, {
        token,
      });
      assertConforms(reply.body, personnel, 'EmployeeResponse');
    }
  });

  void test('projected and updated_since lists match EmployeesResponse', async () => {
    for (const query of [
      '?attributes[]=first_name&attributes[]=supervisor&attributes[]=dynamic_24407',
      '?updated_since=2026-01-01',
      '?updated_since=2026-01-01T00:00:00&attributes[]=status',
      '?email=voll@nordlicht.example',
    ]) {
      const reply = await call(`${emulator.url}/v1/company/employees${query}`, { token });
      assert.equal(reply.status, 200, query);
      assertConforms(reply.body, personnel, 'EmployeesResponse');
    }
  });

  void test('404, 401 and 403 bodies match their schemas and the spec examples', async () => {
    const missing = await call(`${emulator.url}/v1/company/employees/7`, { token });
    assertConforms(missing.body, personnel, 'Employee404ErrorResponse');
    const example = personnel.document as Json;
    const notFoundExample =
      example.paths['/company/employees/{employee_id}'].get.responses['404'].content['application/json']
        .examples.response.value;
    assert.deepEqual(missing.body, notFoundExample);
    const unauthorized = await call(`${emulator.url}/v1/company/employees`);
    assertConforms(unauthorized.body, personnel, 'ErrorResponse');
    assert.deepEqual(unauthorized.body, example.components.examples['401UnauthorizedErrorExample'].value);
    const forbidden = await call(`${emulator.url}/v1/company/employees`, { token: 'papi-nope' });
    assert.deepEqual(forbidden.body, example.components.examples['403ForbiddenErrorExample'].value);
  });

  void test('create and update answers match EmployeeCreated/Update(d|Error)Response', async () => {
    const created = await call(`${emulator.url}/v1/company/employees`, {
      token,
      json: { employee: { email: 'neu@nordlicht.example', first_name: 'Neu', last_name: 'Person' } },
    });
    assertConforms(created.body, personnel, 'EmployeeCreatedResponse');
    const rejected = await call(`${emulator.url}/v1/company/employees`, {
      token,
      json: {
        employee: { email: 'neu2@nordlicht.example', first_name: 'N', last_name: 'P', supervisor_id: 1 },
      },
    });
    assertConforms(rejected.body, personnel, 'EmployeeCreationErrorResponse');
    const example = (personnel.document as Json).paths['/company/employees'].post.responses['422'].content[
      'application/json'
    ].examples.response.value;
    assert.deepEqual(rejected.body, example);
    const updated = await call(`${emulator.url}/v1/company/employees/${created.body.data.id}`, {
      method: 'PATCH',
      token,
      json: { employee: { position: 'Developer' } },
    });
    assertConforms(updated.body, personnel, 'EmployeeUpdatedResponse');
    const refused = await call(`${emulator.url}/v1/company/employees/${created.body.data.id}`, {
      method: 'PATCH',
      token,
      json: { employee: { supervisor_id: 1 } },
    });
    assert.equal(refused.status, 422);
    assertConforms(refused.body, personnel, 'EmployeeUpdateErrorResponse');
  });

  void test("attribute labels, types and universal ids are those of the spec's example employee", async () => {
    const example = (personnel.document as Json).paths['/company/employees/{employee_id}'].get.responses[
      '200'
    ].content['application/json'].examples.response.value.data.attributes as Record<string, Json>;
    const reply = await call(`${emulator.url}/v1/company/employees/${complete}`, { token });
    const ours = reply.body.data.attributes as Record<string, Json>;
    for (const [key, envelope] of Object.entries(example)) {
      if (key === 'vacation_day_balance') continue; // removed from the API in May 2024
      assert.ok(key in ours, `${key} is served`);
      assert.equal(ours[key].label, envelope.label, `${key} label`);
      assert.equal(ours[key].type, envelope.type, `${key} type`);
      assert.equal(ours[key].universal_id, envelope.universal_id, `${key} universal_id`);
      assert.equal('currency' in ours[key], 'currency' in envelope, `${key} currency`);
    }
  });

  void test('the attributes endpoint has the shape of the spec example', async () => {
    const reply = await call(`${emulator.url}/v1/company/employees/attributes`, { token });
    const example = (personnel.document as Json).paths['/company/employees/attributes'].get.responses['200']
      .content['application/json'].examples.response.value;
    assert.equal(reply.body.success, example.success);
    const keys = (item: Json): string[] => Object.keys(item).sort();
    for (const item of reply.body.data) assert.deepEqual(keys(item), keys(example.data[0]));
  });
});

void describe('v2 responses against the common v2 components', () => {
  let emulator: PersonioEmulator & { clock: TestClock };
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({ employees: 20 });
    token = await v2Token(emulator.url);
  });
  after(() => emulator.close());

  void test('problem bodies match ErrorResponse', async () => {
    for (const path of ['/v2/persons/1', '/v2/persons?limit=0', '/v2/legal-entities/1']) {
      const reply = await call(`${emulator.url}${path}`, { token });
      assert.deepEqual(commonV2.validate(reply.body, schema('ErrorResponse')), [], path);
    }
  });

  void test('pagination links match MetaObject and custom attributes match CustomAttribute except the lower-case type quirk', async () => {
    const reply = await call(`${emulator.url}/v2/persons?limit=5`, { token });
    assert.deepEqual(commonV2.validate(reply.body._meta, schema('MetaObject')), []);
    for (const person of reply.body._data) {
      for (const attribute of person.custom_attributes) {
        const errors = commonV2
          .validate(attribute, schema('CustomAttribute'))
          .filter((e) => !(e.path === '/type' && e.message.includes('is not one of')));
        assert.deepEqual(errors, []);
        // Personio's own examples write "string"; the schema says "STRING".
        assert.equal(attribute.type, attribute.type.toLowerCase());
      }
    }
  });
});
