// v1 employee endpoints: paging arithmetic, filters, projection, whitelisting, the attribute
// envelope, create and update with the spec's errors, attributes and profile pictures.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PersonioEmulator } from './index.ts';
import {
  type Json,
  type TestClock,
  allV1Employees,
  call,
  control,
  startTestEmulator,
  v1Token,
} from './testing/http.ts';

type Emulator = PersonioEmulator & { clock: TestClock };

function attributeValue(employee: Json, key: string): Json {
  return employee.attributes[key]?.value;
}

void describe('v1 employee paging', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({ employees: 137 });
    token = await v1Token(emulator.url);
  });
  after(() => emulator.close());

  const list = (query: string): Promise<Json> =>
    call(`${emulator.url}/v1/company/employees${query}`, { token });

  void test('without limit a page holds 50 records and the metadata describes the whole list', async () => {
    const reply = await list('');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.success, true);
    assert.equal(reply.body.data.length, 50);
    assert.equal(reply.body.limit, 50);
    assert.equal(reply.body.offset, 0);
    assert.deepEqual(reply.body.metadata, { total_elements: 137, current_page: 0, total_pages: 3 });
  });

  void test('offset counts records, not pages', async () => {
    const first = await list('?limit=3&offset=0');
    const shifted = await list('?limit=3&offset=1');
    const ids = (page: Json): number[] => page.body.data.map((e: Json) => attributeValue(e, 'id'));
    assert.deepEqual(ids(shifted).slice(0, 2), ids(first).slice(1, 3));
    assert.equal(shifted.body.metadata.current_page, 0);
  });

  void test('total_pages is ceil(total/limit), current_page is offset/limit, and the last page is short', async () => {
    const last = await list('?limit=40&offset=120');
    assert.deepEqual(last.body.metadata, { total_elements: 137, current_page: 3, total_pages: 4 });
    assert.equal(last.body.data.length, 17);
    const beyond = await list('?limit=40&offset=160');
    assert.equal(beyond.status, 200);
    assert.deepEqual(beyond.body.data, []);
    assert.equal(beyond.body.metadata.total_elements, 137);
  });

  void test('walking offset += limit returns every employee exactly once, ordered by id', async () => {
    const all = await allV1Employees(emulator.url, token, 30);
    const ids = all.map((e) => attributeValue(e, 'id') as number);
    assert.equal(ids.length, 137);
    assert.equal(new Set(ids).size, 137);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
  });

  void test('a limit above 100 is refused with 400, as are a zero or non-numeric limit and offset', async () => {
    const tooBig = await list('?limit=200');
    assert.equal(tooBig.status, 400);
    assert.deepEqual(tooBig.body, {
      success: false,
      error: { code: 400, message: 'The limit may not be greater than 100.' },
    });
    assert.equal((await list('?limit=0')).status, 400);
    assert.equal((await list('?limit=ten')).status, 400);
    assert.equal((await list('?offset=-1')).status, 400);
    assert.equal((await list('?limit=100')).body.data.length, 100);
  });
});

void describe('v1 employee paging with oversized limits clamped', () => {
  void test('limit=200 serves 100 rows and reports limit 100', async () => {
    const emulator = await startTestEmulator({ employees: 150, oversizedLimit: 'clamp' });
    try {
      const token = await v1Token(emulator.url);
      const reply = await call(`${emulator.url}/v1/company/employees?limit=200`, { token });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.data.length, 100);
      assert.equal(reply.body.limit, 100);
      assert.equal(reply.body.metadata.total_pages, 2);
    } finally {
      await emulator.close();
    }
  });
});

void describe('v1 employee filters and projection', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({ employees: 60 });
    token = await v1Token(emulator.url);
  });
  after(() => emulator.close());

  const list = (query: string): Promise<Json> =>
    call(`${emulator.url}/v1/company/employees${query}`, { token });

  void test('email finds the employee with exactly that address and still answers a list', async () => {
    const hired = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Zoë',
      last_name: 'Ødegaard',
      email: 'zoe.odegaard@nordlicht.example',
    });
    const reply = await list('?email=zoe.odegaard@nordlicht.example');
    assert.equal(reply.body.metadata.total_elements, 1);
    assert.equal(attributeValue(reply.body.data[0], 'id'), hired.id);
    const upper = await list('?email=Zoe.Odegaard@nordlicht.example');
    assert.equal(upper.body.metadata.total_elements, 0, 'the match is case-sensitive');
  });

  void test('attributes[] projects the attributes asked for, plus id', async () => {
    const reply = await list('?limit=5&attributes[]=first_name&attributes[]=dynamic_1310547');
    for (const employee of reply.body.data) {
      assert.deepEqual(Object.keys(employee.attributes).sort(), ['dynamic_1310547', 'first_name', 'id']);
    }
  });

  void test('updated_since returns only employees changed after it; email is ignored alongside it', async () => {
    const since = '2026-11-28T12:00:00';
    emulator.clock.advance(60_000);
    const changed = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Neu',
      last_name: 'Angestellt',
    });
    const reply = await list(`?updated_since=${since}&email=nobody@nowhere.example`);
    const ids = reply.body.data.map((e: Json) => attributeValue(e, 'id'));
    assert.ok(ids.includes(changed.id));
    assert.ok(reply.body.metadata.total_elements < 60);
    assert.ok(reply.body.metadata.total_elements >= 1);
  });

  void test('updated_since with attributes[] selects only employees where those attributes changed', async () => {
    const all = await allV1Employees(emulator.url, token);
    const [a, b] = all.slice(3, 5).map((e) => attributeValue(e, 'id') as number);
    emulator.clock.advance(60_000);
    const since = new Date(emulator.clock.at).toISOString().slice(0, 19);
    emulator.clock.advance(5_000);
    await control(emulator.url, 'PATCH', `/employees/${a}`, { position: 'Chief Tea Officer' });
    await control(emulator.url, 'PATCH', `/employees/${b}`, { last_name: 'Umbenannt' });
    const byPosition = await list(`?updated_since=${since}&attributes[]=position`);
    assert.deepEqual(
      byPosition.body.data.map((e: Json) => attributeValue(e, 'id')),
      [a],
    );
    assert.deepEqual(Object.keys(byPosition.body.data[0].attributes).sort(), ['id', 'position']);
    const any = await list(`?updated_since=${since}`);
    assert.deepEqual(any.body.data.map((e: Json) => attributeValue(e, 'id')).sort(), [a, b].sort());
  });

  void test('updated_since without a zone is read as UTC, a date alone as midnight UTC, and a change in the same second is not "after"', async () => {
    emulator.clock.advance(3_600_000);
    const at = emulator.clock.at + 400;
    emulator.clock.at = at;
    const employee = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Sekunde',
      last_name: 'Genau',
    });
    const second = new Date(Math.floor(at / 1000) * 1000).toISOString().slice(0, 19);
    const ids = async (since: string): Promise<number[]> =>
      (await list(`?updated_since=${encodeURIComponent(since)}`)).body.data.map((e: Json) =>
        attributeValue(e, 'id'),
      );
    assert.ok(!(await ids(second)).includes(employee.id));
    const secondBefore = new Date(Math.floor(at / 1000) * 1000 - 1000).toISOString().slice(0, 19);
    assert.ok((await ids(secondBefore)).includes(employee.id));
    // Berlin wall time (UTC+1 in November) read as UTC is one hour later: the change is missed.
    const berlin = new Date(at - 1000 + 3_600_000).toISOString().slice(0, 19);
    assert.ok(!(await ids(berlin)).includes(employee.id));
    assert.ok((await ids(`${berlin}+01:00`)).includes(employee.id), 'an explicit offset is honoured');
    assert.ok((await ids(new Date(at).toISOString().slice(0, 10))).includes(employee.id));
  });

  void test('an unparsable updated_since is refused with 400', async () => {
    const reply = await list('?updated_since=yesterday');
    assert.equal(reply.status, 400);
    assert.equal(reply.body.success, false);
  });
});

void describe('v1 attribute whitelisting', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({
      employees: 40,
      hiddenAttributes: ['fix_salary', 'hourly_salary', 'dynamic_21827', 'email', 'profile_picture'],
    });
    token = await v1Token(emulator.url);
  });
  after(() => emulator.close());

  void test('hidden attributes are absent (not null) from lists, single reads, supervisors and the attribute list', async () => {
    const all = await allV1Employees(emulator.url, token);
    for (const employee of all) {
      for (const key of ['fix_salary', 'hourly_salary', 'dynamic_21827', 'email', 'profile_picture']) {
        assert.ok(!(key in employee.attributes), `${key} must be absent`);
      }
      const supervisor = attributeValue(employee, 'supervisor');
      if (supervisor) assert.ok(!('email' in supervisor.attributes));
    }
    const id = attributeValue(all[0], 'id');
    const single = await call(`${emulator.url}/v1/company/employees/${id}`, { token });
    assert.ok(!('fix_salary' in single.body.data.attributes));
    const attributes = await call(`${emulator.url}/v1/company/employees/attributes`, { token });
    const keys = attributes.body.data.map((a: Json) => a.key);
    assert.ok(!keys.includes('fix_salary') && !keys.includes('dynamic_21827') && !keys.includes('email'));
    assert.ok(keys.includes('first_name'));
  });

  void test('asking for a hidden attribute in attributes[] quietly leaves it out', async () => {
    const reply = await call(
      `${emulator.url}/v1/company/employees?limit=2&attributes[]=email&attributes[]=last_name`,
      {
        token,
      },
    );
    assert.deepEqual(Object.keys(reply.body.data[0].attributes).sort(), ['id', 'last_name']);
  });

  void test('the profile picture of a hidden picture attribute is a 404', async () => {
    const all = await allV1Employees(emulator.url, token);
    const id = attributeValue(all[0], 'id');
    const reply = await call(`${emulator.url}/v1/company/employees/${id}/profile-picture/100`, { token });
    assert.equal(reply.status, 404);
  });
});

void describe('v1 employee envelope and single reads', () => {
  let emulator: Emulator;
  let token: string;
  let all: Json[];
  before(async () => {
    emulator = await startTestEmulator({ employees: 80 });
    token = await v1Token(emulator.url);
    all = await allV1Employees(emulator.url, token);
  });
  after(() => emulator.close());

  void test('every attribute is {label, value, type, universal_id}; salaries add currency', async () => {
    for (const employee of all) {
      assert.equal(employee.type, 'Employee');
      for (const [key, envelope] of Object.entries(employee.attributes as Record<string, Json>)) {
        const expected =
          key === 'fix_salary' || key === 'hourly_salary'
            ? ['currency', 'label', 'type', 'universal_id', 'value']
            : ['label', 'type', 'universal_id', 'value'];
        assert.deepEqual(Object.keys(envelope).sort(), expected, key);
      }
      assert.equal(typeof attributeValue(employee, 'weekly_working_hours'), 'string');
    }
  });

  void test('office, department, team and subcompany are {type, attributes: {id, name}}; the supervisor is a nested envelope', async () => {
    const withAll = all.find((e) => attributeValue(e, 'team') && attributeValue(e, 'supervisor'));
    assert.ok(withAll);
    for (const [key, type] of [
      ['office', 'Office'],
      ['department', 'Department'],
      ['team', 'Team'],
      ['subcompany', 'Subcompany'],
    ] as const) {
      const value = attributeValue(withAll, key);
      assert.equal(value.type, type);
      assert.deepEqual(Object.keys(value.attributes).sort(), ['id', 'name']);
      assert.equal(typeof value.attributes.id, 'number');
    }
    const supervisor = attributeValue(withAll, 'supervisor');
    assert.equal(supervisor.type, 'Employee');
    assert.deepEqual(supervisor.attributes.id.universal_id, 'id');
    assert.deepEqual(Object.keys(supervisor.attributes).sort(), ['email', 'first_name', 'id', 'last_name']);
  });

  void test('dates are midnight Berlin time with the offset of that day, timestamps Berlin time with offset', async () => {
    for (const employee of all) {
      const hire = attributeValue(employee, 'hire_date');
      assert.match(hire, /^\d{4}-\d{2}-\d{2}T00:00:00\+0[12]:00$/);
      const month = Number(hire.slice(5, 7));
      if (month === 1 || month === 12) assert.ok(hire.endsWith('+01:00'));
      if (month >= 5 && month <= 9) assert.ok(hire.endsWith('+02:00'));
      assert.match(
        attributeValue(employee, 'last_modified_at'),
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/,
      );
    }
  });

  void test('custom attributes are dynamic_<n> with universal_id null unless system-defined', async () => {
    const employee = all[0];
    assert.equal(employee.attributes.dynamic_24407.universal_id, null);
    assert.equal(employee.attributes.dynamic_21827.universal_id, 'iban');
    assert.equal(employee.attributes.dynamic_1310547.type, 'list');
    assert.match(attributeValue(employee, 'dynamic_180883'), /^\d{4}-\d{2}-\d{2}T00:00:00\+0[12]:00$/);
  });

  void test('one employee reads as {success, data}; an unknown or non-numeric id is a 404 in German', async () => {
    const id = attributeValue(all[5], 'id');
    const reply = await call(`${emulator.url}/v1/company/employees/${id}`, { token });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.success, true);
    assert.deepEqual(reply.body.data, all[5]);
    for (const bad of ['1', 'abc']) {
      const missing = await call(`${emulator.url}/v1/company/employees/${bad}`, { token });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, {
        success: false,
        error: { code: 404, message: 'Es ist ein Problem aufgetreten ' },
      });
    }
  });

  void test('the attributes endpoint lists readable attributes with list and tags options; custom-attributes is an alias', async () => {
    const reply = await call(`${emulator.url}/v1/company/employees/attributes`, { token });
    assert.equal(reply.status, 200);
    const languages = reply.body.data.find((a: Json) => a.key === 'dynamic_1310549');
    assert.equal(languages.type, 'tags');
    assert.ok(languages.options.includes('German'));
    assert.deepEqual(Object.keys(languages).sort(), ['key', 'label', 'options', 'type', 'universal_id']);
    const alias = await call(`${emulator.url}/v1/company/employees/custom-attributes`, { token });
    assert.deepEqual(alias.body, reply.body);
  });

  void test('a profile picture is a PNG when the employee has one, 404 otherwise', async () => {
    const withPicture = all.find((e) => attributeValue(e, 'profile_picture'));
    const without = all.find((e) => attributeValue(e, 'profile_picture') === null);
    assert.ok(withPicture && without);
    const url = attributeValue(withPicture, 'profile_picture');
    const png = await fetch(`${url}/64`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(png.status, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
    const none = await call(
      `${emulator.url}/v1/company/employees/${attributeValue(without, 'id')}/profile-picture/64`,
      {
        token,
      },
    );
    assert.equal(none.status, 404);
  });
});

void describe('v1 employee writes', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({ employees: 30 });
    token = await v1Token(emulator.url);
  });
  after(() => emulator.close());

  const create = (employee: Json): Promise<Json> =>
    call(`${emulator.url}/v1/company/employees`, { token, json: { employee } });
  const read = async (id: number): Promise<Json> =>
    (await call(`${emulator.url}/v1/company/employees/${id}`, { token })).body.data;

  void test('create answers 200 with {id, message: "success"} and the employee can be read back', async () => {
    const reply = await create({
      email: 'marta.wisniewska@nordlicht.example',
      first_name: 'Marta',
      last_name: 'Wiśniewska',
      gender: 'female',
      position: 'Recruiter',
      department: 'People & Culture',
      office: 'Kraków',
      subcompany: 'Nordlicht Polska Sp. z o.o.',
      hire_date: '2026-01-15',
      weekly_working_hours: 32,
      custom_attributes: { dynamic_1310551: 'M' },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.success, true);
    assert.equal(reply.body.data.message, 'success');
    const employee = await read(reply.body.data.id);
    assert.equal(attributeValue(employee, 'last_name'), 'Wiśniewska');
    assert.equal(attributeValue(employee, 'department').attributes.name, 'People & Culture');
    assert.equal(attributeValue(employee, 'office').attributes.name, 'Kraków');
    assert.equal(attributeValue(employee, 'status'), 'active', 'a past hire date means active');
    assert.equal(attributeValue(employee, 'weekly_working_hours'), '32');
    assert.equal(attributeValue(employee, 'dynamic_1310551'), 'M');
  });

  void test('create without a status and a future hire date makes an onboarding employee', async () => {
    const reply = await create({
      email: 'future@nordlicht.example',
      first_name: 'Fu',
      last_name: 'Ture',
      hire_date: '2027-02-01',
    });
    assert.equal(attributeValue(await read(reply.body.data.id), 'status'), 'onboarding');
  });

  void test('a form body with employee[...] fields creates an employee too', async () => {
    const reply = await call(`${emulator.url}/v1/company/employees`, {
      token,
      form: {
        'employee[email]': 'form.person@nordlicht.example',
        'employee[first_name]': 'Form',
        'employee[last_name]': 'Person',
        'employee[status]': 'active',
      },
    });
    assert.equal(reply.status, 200);
    assert.equal(attributeValue(await read(reply.body.data.id), 'email'), 'form.person@nordlicht.example');
  });

  void test('a duplicate email, a missing required field, a bad enum or an unknown supervisor is a 422', async () => {
    await create({ email: 'taken@nordlicht.example', first_name: 'A', last_name: 'B' });
    const duplicate = await create({ email: 'TAKEN@nordlicht.example', first_name: 'C', last_name: 'D' });
    assert.equal(duplicate.status, 422);
    assert.deepEqual(duplicate.body, {
      success: false,
      error: { code: 422, message: 'The email has already been taken.' },
    });
    assert.equal((await create({ first_name: 'No', last_name: 'Email' })).status, 422);
    assert.equal((await create({ email: 'x@nordlicht.example', last_name: 'Only' })).status, 422);
    assert.equal(
      (await create({ email: 'y@nordlicht.example', first_name: 'G', last_name: 'X', gender: 'x' })).status,
      422,
    );
    const supervisor = await create({
      email: 'z@nordlicht.example',
      first_name: 'S',
      last_name: 'U',
      supervisor_id: 1,
    });
    assert.equal(supervisor.status, 422);
    assert.deepEqual(supervisor.body.error, { code: 422, message: 'Supervisor with ID 1 not found' });
  });

  void test('an unknown department, office or subcompany is ignored and reported in meta', async () => {
    const reply = await create({
      email: 'meta@nordlicht.example',
      first_name: 'Me',
      last_name: 'Ta',
      department: 'Alchemy',
    });
    assert.equal(reply.status, 200);
    assert.ok(reply.body.meta.some((m: string) => m.includes('Alchemy')));
    assert.equal(attributeValue(await read(reply.body.data.id), 'department'), null);
  });

  void test('update changes what it may, ignores email (reported in meta) and leaves the status alone when the hire date moves', async () => {
    const created = await create({
      email: 'upd@nordlicht.example',
      first_name: 'Up',
      last_name: 'Date',
      hire_date: '2027-03-01',
    });
    const id = created.body.data.id;
    const reply = await call(`${emulator.url}/v1/company/employees/${id}`, {
      method: 'PATCH',
      token,
      json: {
        employee: {
          last_name: 'Datum',
          email: 'changed@nordlicht.example',
          hire_date: '2020-01-01',
          salary: 1,
        },
      },
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.data, { id });
    assert.ok(reply.body.meta.some((m: string) => m.includes("'email'")));
    assert.ok(reply.body.meta.some((m: string) => m.includes("'salary'")));
    const employee = await read(id);
    assert.equal(attributeValue(employee, 'last_name'), 'Datum');
    assert.equal(attributeValue(employee, 'email'), 'upd@nordlicht.example');
    assert.equal(attributeValue(employee, 'status'), 'onboarding');
  });

  void test('update refuses self-supervision and unknown supervisors with 422, and null unsets the supervisor', async () => {
    const a = (await create({ email: 'sa@nordlicht.example', first_name: 'S', last_name: 'A' })).body.data.id;
    const b = (await create({ email: 'sb@nordlicht.example', first_name: 'S', last_name: 'B' })).body.data.id;
    const patch = (employee: Json): Promise<Json> =>
      call(`${emulator.url}/v1/company/employees/${a}`, { method: 'PATCH', token, json: { employee } });
    assert.equal((await patch({ supervisor_id: a })).status, 422);
    assert.equal((await patch({ supervisor_id: 42 })).status, 422);
    assert.equal((await patch({ supervisor_id: b })).status, 200);
    assert.equal(attributeValue(await read(a), 'supervisor').attributes.id.value, b);
    assert.equal((await patch({ supervisor_id: null })).status, 200);
    assert.equal(attributeValue(await read(a), 'supervisor'), null);
    assert.equal((await patch({ first_name: '' })).status, 422);
  });

  void test('updating an unknown employee is a 404', async () => {
    const reply = await call(`${emulator.url}/v1/company/employees/999`, {
      method: 'PATCH',
      token,
      json: { employee: { first_name: 'Nobody' } },
    });
    assert.equal(reply.status, 404);
  });
});
