import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  describePersonioError,
  parseAttributeList,
  parseAuthResponse,
  parseEmployeesPage,
  parseWriteReply,
} from './v1-envelope.ts';
import type { V1Attribute, V1Employee } from './v1-envelope.ts';

// The spec's own list example (personio-personnel-data-api-oa3.yaml, GET /company/employees), trimmed.
const SPEC_PAGE = {
  success: true,
  metadata: { total_elements: 2, current_page: 0, total_pages: 3 },
  offset: 0,
  limit: 20,
  data: [
    {
      type: 'Employee',
      attributes: {
        id: { label: 'ID', value: 1, type: 'integer', universal_id: 'id' },
        first_name: { label: 'First name', value: 'Alexander', type: 'standard', universal_id: 'first_name' },
        hire_date: {
          label: 'Hire date',
          value: '2014-11-09T00:00:00+01:00',
          type: 'date',
          universal_id: 'hire_date',
        },
        supervisor: {
          label: 'Supervisor',
          value: {
            type: 'Employee',
            attributes: { id: { label: 'ID', value: 2, type: 'integer', universal_id: 'id' } },
          },
          type: 'standard',
          universal_id: 'supervisor',
        },
        fix_salary: {
          label: 'Fix salary',
          value: 3000,
          type: 'decimal',
          universal_id: 'fix_salary',
          currency: 'EUR',
        },
        dynamic_24407: { label: 'Titel', value: 'Dr', universal_id: null, type: 'standard' },
      },
    },
  ],
};

void describe('v1 employee page parser', () => {
  void test('reads the spec example: ids, envelopes, totals, and keeps unknown types open', () => {
    const parsed = parseEmployeesPage(SPEC_PAGE);
    assert.ok(parsed.ok, 'parsed.ok');
    assert.equal(parsed.value.totalElements, 2);
    assert.equal(parsed.value.limit, 20);
    const [employee] = parsed.value.employees;
    assert.equal(employee?.id, '1');
    assert.deepEqual(employee?.attributes.get('dynamic_24407'), {
      label: 'Titel',
      value: 'Dr',
      type: 'standard',
      universalId: null,
    });
  });

  void test('fails a page without total_elements: completeness could not be checked', () => {
    const { metadata: _metadata, ...rest } = SPEC_PAGE;
    const parsed = parseEmployeesPage(rest);
    assert.equal(parsed.ok, false);
  });

  void test('fails a page that says success: false', () => {
    assert.equal(parseEmployeesPage({ ...SPEC_PAGE, success: false }).ok, false);
  });

  void test('fails the whole page when one row has no id', () => {
    const row = {
      type: 'Employee',
      attributes: { first_name: { label: 'x', value: 'y', type: 'standard', universal_id: null } },
    };
    const parsed = parseEmployeesPage({ ...SPEC_PAGE, data: [...SPEC_PAGE.data, row] });
    assert.ok(!parsed.ok, '!parsed.ok');
    assert.match(parsed.error, /row 1/);
  });

  void test('fails a row whose attribute is not an envelope', () => {
    const row = {
      type: 'Employee',
      attributes: { id: { label: 'ID', value: 3, type: 'integer', universal_id: 'id' }, email: 'x@y' },
    };
    assert.equal(parseEmployeesPage({ ...SPEC_PAGE, data: [row] }).ok, false);
  });

  void test('never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const parsed = parseEmployeesPage(body);
        return parsed.ok === true || typeof parsed.error === 'string';
      }),
      { numRuns: 2000 },
    );
  });

  void test('never throws on JSON-shaped bodies close to a page', () => {
    const almostPage = fc.record(
      {
        success: fc.oneof(fc.constant(true), fc.jsonValue()),
        metadata: fc.oneof(fc.record({ total_elements: fc.jsonValue() }), fc.jsonValue()),
        data: fc.oneof(
          fc.array(fc.record({ type: fc.string(), attributes: fc.dictionary(fc.string(), fc.jsonValue()) })),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(almostPage, (body) => typeof parseEmployeesPage(body).ok === 'boolean'),
      { numRuns: 2000 },
    );
  });

  // Generated envelopes, printed as Personio prints them and parsed back, give back every value.
  const attributeKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/).filter((k) => k !== 'id');
  const envelope = fc.record({
    label: fc.oneof(fc.string(), fc.constant(null)),
    value: fc.jsonValue(),
    type: fc.oneof(
      fc.constantFrom('standard', 'date', 'integer', 'decimal', 'list', 'link', 'tags', 'multiline'),
      fc.string(),
    ),
    universal_id: fc.oneof(fc.string(), fc.constant(null)),
  });
  const employee = fc.record({
    id: fc.integer({ min: 1, max: 2 ** 31 }),
    attributes: fc.dictionary(attributeKey, envelope, { maxKeys: 12 }),
  });

  void test('round-trips generated envelopes: parse(print(page)) gives back every id and value', () => {
    fc.assert(
      fc.property(fc.array(employee, { maxLength: 8 }), fc.nat(10_000), (employees, extra) => {
        const printed = JSON.stringify({
          success: true,
          metadata: { total_elements: employees.length + extra, current_page: 0, total_pages: 1 },
          offset: 0,
          limit: 100,
          data: employees.map((e) => ({
            type: 'Employee',
            attributes: {
              id: { label: 'ID', value: e.id, type: 'integer', universal_id: 'id' },
              ...e.attributes,
            },
          })),
        });
        const parsed = parseEmployeesPage(JSON.parse(printed));
        assert.ok(parsed.ok, 'parsed.ok');
        assert.equal(parsed.value.totalElements, employees.length + extra);
        assert.equal(parsed.value.employees.length, employees.length);
        for (const [index, original] of employees.entries()) {
          const back: V1Employee | undefined = parsed.value.employees[index];
          assert.equal(back?.id, String(original.id));
          for (const [key, env] of Object.entries(original.attributes)) {
            const attribute: V1Attribute | undefined = back?.attributes.get(key);
            assert.deepEqual(attribute, {
              label: env.label,
              // JSON has no -0; printing turns it into 0.
              value: JSON.parse(JSON.stringify(env.value)) as unknown,
              type: env.type,
              universalId: env.universal_id,
            });
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

void describe('other v1 bodies', () => {
  void test('auth reply: token and its lifetime, 24 h when Personio leaves it out', () => {
    assert.deepEqual(parseAuthResponse({ success: true, data: { token: 'papi-abc', expires_in: 86400 } }), {
      ok: true,
      value: { token: 'papi-abc', expiresInSeconds: 86400 },
    });
    assert.deepEqual(parseAuthResponse({ success: true, data: { token: 'papi-abc' } }), {
      ok: true,
      value: { token: 'papi-abc', expiresInSeconds: 86400 },
    });
    assert.equal(parseAuthResponse({ success: true, data: { token: '' } }).ok, false);
  });

  void test('create and update replies: the id and what Personio ignored', () => {
    assert.deepEqual(parseWriteReply({ success: true, data: { id: 81723, message: 'success' } }), {
      ok: true,
      value: { id: '81723', warnings: [] },
    });
    assert.deepEqual(
      parseWriteReply({
        success: true,
        data: { id: 12345 },
        meta: ["The department 'X' does not exist and was ignored."],
      }),
      { ok: true, value: { id: '12345', warnings: ["The department 'X' does not exist and was ignored."] } },
    );
  });

  void test('attribute list: keys, labels, universal ids and options', () => {
    const parsed = parseAttributeList({
      success: true,
      data: [
        {
          key: 'dynamic_2',
          label: 'Marital status',
          type: 'list',
          universal_id: null,
          options: ['married', 'single'],
        },
      ],
    });
    assert.deepEqual(parsed, {
      ok: true,
      value: [
        {
          key: 'dynamic_2',
          label: 'Marital status',
          type: 'list',
          universalId: null,
          options: ['married', 'single'],
        },
      ],
    });
  });

  void test('error messages from v1, v2 and OAuth bodies, with emails masked', () => {
    assert.equal(
      describePersonioError({
        success: false,
        error: { code: 404, message: 'Es ist ein Problem aufgetreten ' },
      }),
      'Es ist ein Problem aufgetreten',
    );
    assert.equal(
      describePersonioError({
        errors: [{ title: 'Not found', detail: 'The requested resource was not found.' }],
      }),
      'Not found: The requested resource was not found.',
    );
    assert.equal(
      describePersonioError({ error: 'invalid_client', error_description: 'Client authentication failed' }),
      'invalid_client: Client authentication failed',
    );
    assert.equal(
      describePersonioError({ success: false, error: { message: 'ada@example.com is taken' } }),
      '<email> is taken',
    );
    assert.equal(describePersonioError('nonsense'), undefined);
  });
});
