// v2 persons, employments and legal entities: cursor paging through `_meta.links.next.href`,
// filters and their 400s, resource shapes, whitelisting.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PersonioEmulator } from './index.ts';
import { type Json, type TestClock, call, control, startTestEmulator, v2Token } from './testing/http.ts';

type Emulator = PersonioEmulator & { clock: TestClock };

void describe('v2 persons and employments', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({ employees: 57 });
    token = await v2Token(emulator.url);
  });
  after(() => emulator.close());

  const get = (path: string): Promise<Json> => call(`${emulator.url}${path}`, { token });

  void test('the first page holds 10 persons, and following next.href visits every person once', async () => {
    const first = await get('/v2/persons');
    assert.equal(first.status, 200);
    assert.equal(first.body._data.length, 10);
    assert.equal(first.body._meta.links.self.href, `${emulator.url}/v2/persons`);
    const ids: string[] = [];
    let href: string | undefined = `${emulator.url}/v2/persons?limit=25`;
    let pages = 0;
    while (href) {
      const reply: Json = await call(href, { token });
      ids.push(...reply.body._data.map((p: Json) => p.id as string));
      const next: string | undefined = reply.body._meta.links.next?.href;
      // next.href carries the cursor alone; the limit has to be sent again.
      if (next) assert.match(next, /^http:\/\/127\.0\.0\.1:\d+\/v2\/persons\?cursor=cur_[A-Za-z0-9_-]+$/);
      href = next ? `${next}&limit=25` : undefined;
      pages++;
    }
    assert.equal(pages, 3);
    assert.equal(ids.length, 57);
    assert.equal(new Set(ids).size, 57);
  });

  void test('filters are not carried in next.href: following it bare drops them', async () => {
    const filtered = await get('/v2/persons?status=INACTIVE&limit=2');
    assert.ok(filtered.body._data.every((p: Json) => p.status === 'INACTIVE'));
    const next = filtered.body._meta.links.next.href as string;
    assert.ok(!next.includes('status') && !next.includes('limit'));
    const bare = await call(next, { token });
    assert.ok(
      bare.body._data.some((p: Json) => p.status === 'ACTIVE'),
      'the bare next page is unfiltered',
    );
    const again = await call(`${next}&status=INACTIVE&limit=2`, { token });
    assert.ok(again.body._data.length > 0);
    assert.ok(again.body._data.every((p: Json) => p.status === 'INACTIVE'));
  });

  void test('limit outside 1..50, a bad cursor, a bad date or an unknown operator answer 400 problem+json', async () => {
    for (const query of [
      'limit=0',
      'limit=51',
      'cursor=nope',
      'created_at.lt=wrong-date-format',
      'status=LEAVE',
    ]) {
      const reply = await get(`/v2/persons?${query}`);
      assert.equal(reply.status, 400, query);
      assert.match(reply.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(reply.body.errors[0].detail, 'Provided request parameters are invalid.');
    }
    const encoding = await get('/v2/persons?id.nooperator=1');
    assert.equal(encoding.status, 400);
    assert.equal(encoding.body.errors[0].detail, 'Provided filter encoding is invalid.');
  });

  void test('filters by id, email, name, status and updated_at combine with AND', async () => {
    const hired = await control(emulator.url, 'POST', '/employees', {
      first_name: '明',
      last_name: '王',
      email: 'ming.wang@nordlicht.example',
      preferred_name: 'Ming Wang',
    });
    const byEmail = await get('/v2/persons?email=ming.wang@nordlicht.example,nobody@x.example');
    assert.deepEqual(
      byEmail.body._data.map((p: Json) => p.id),
      [String(hired.id)],
    );
    const byName = await get(
      `/v2/persons?first_name=${encodeURIComponent('明')}&last_name=${encodeURIComponent('王')}`,
    );
    assert.deepEqual(
      byName.body._data.map((p: Json) => p.id),
      [String(hired.id)],
    );
    const none = await get(`/v2/persons?id=${hired.id}&status=INACTIVE`);
    assert.deepEqual(none.body._data, []);
    const later = await get('/v2/persons?updated_at.gt=2026-11-28T11:59:59Z&limit=50');
    assert.ok(later.body._data.some((p: Json) => p.id === String(hired.id)));
    const earlier = await get('/v2/persons?updated_at.lt=2026-11-28T11:59:59Z&limit=50');
    assert.ok(!earlier.body._data.some((p: Json) => p.id === String(hired.id)));
  });

  void test("a person's updated_at moves with person fields only, not with employment changes", async () => {
    const hired = await control(emulator.url, 'POST', '/employees', { first_name: 'Up', last_name: 'Dated' });
    const before = (await get(`/v2/persons/${hired.id}`)).body.updated_at as string;
    emulator.clock.advance(60_000);
    await control(emulator.url, 'PATCH', `/employees/${hired.id}`, { department: 'Finance' });
    assert.equal((await get(`/v2/persons/${hired.id}`)).body.updated_at, before);
    const employments = await get(`/v2/persons/${hired.id}/employments`);
    assert.notEqual(employments.body._data[0].updated_at, before);
    emulator.clock.advance(60_000);
    await control(emulator.url, 'PATCH', `/employees/${hired.id}`, { preferred_name: 'Uppy' });
    assert.notEqual((await get(`/v2/persons/${hired.id}`)).body.updated_at, before);
  });

  void test('a person has string ids, upper-case enums, lower-case custom attribute types and employment ids', async () => {
    const page = await get('/v2/persons?limit=50');
    for (const person of page.body._data) {
      assert.match(person.id, /^\d+$/);
      assert.ok(['ACTIVE', 'INACTIVE'].includes(person.status));
      assert.ok(['MALE', 'FEMALE', 'DIVERSE', 'UNSPECIFIED'].includes(person.gender));
      assert.match(person.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.equal(person.employments.length, 1);
      assert.match(
        person.employments[0].id,
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      assert.equal(
        person._meta.links.employments.href,
        `${emulator.url}/v2/persons/${person.id}/employments`,
      );
      const languages = person.custom_attributes.find((c: Json) => c.id === 'dynamic_1310549');
      assert.equal(languages.type, 'string_list');
      assert.ok(Array.isArray(languages.value));
    }
  });

  void test('employments carry ids for related objects, plain dates, and termination with last_working_date', async () => {
    const leaver = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Lea',
      last_name: 'Ving',
      hire_date: '2022-02-01',
      termination_date: '2026-12-31',
      last_working_day: '2026-12-15',
      terminated_at: '2026-10-30',
      termination_type: 'Resignation by employee',
      department: 'Sales',
      office: 'London',
      legal_entity: 'Nordlicht UK Ltd',
    });
    const list = await get(`/v2/persons/${leaver.id}/employments`);
    assert.equal(list.status, 200);
    assert.equal(list.body._data.length, 1);
    assert.equal(list.body._meta.links.next, undefined);
    const employment = list.body._data[0];
    assert.equal(employment.id, leaver.employment_id);
    assert.equal(employment.status, 'ACTIVE');
    assert.equal(employment.employment_start_date, '2022-02-01');
    assert.equal(employment.person.id, String(leaver.id));
    assert.deepEqual(employment.termination, {
      termination_date: '2026-12-31',
      last_working_date: '2026-12-15',
      terminated_at: '2026-10-30',
      type: 'EMPLOYEE',
      reason: '',
    });
    assert.ok(employment.org_units.some((u: Json) => u.type === 'department' && /^\d+$/.test(u.id)));
    assert.match(employment.office.id, /^\d+$/);
    assert.equal(employment.legal_entity.id, '7041');
    const single = await get(`/v2/persons/${leaver.id}/employments/${leaver.employment_id}`);
    assert.deepEqual(single.body, employment);
    assert.equal(
      (await get(`/v2/persons/${leaver.id}/employments/00000000-0000-4000-8000-000000000000`)).status,
      404,
    );
  });

  void test('unknown persons are 404 problem+json with common.resource_not_found', async () => {
    for (const path of ['/v2/persons/1', '/v2/persons/abc', '/v2/persons/1/employments']) {
      const reply = await get(path);
      assert.equal(reply.status, 404, path);
      assert.match(reply.body.errors[0].type, /#common\.resource_not_found$/);
    }
  });

  void test('legal entities list with cursor paging and filters, and read one by one', async () => {
    const list = await get('/v2/legal-entities?limit=2');
    assert.equal(list.body._data.length, 2);
    assert.ok(list.body._meta.links.next.href.includes('cursor=cur_'));
    const german = await get('/v2/legal-entities?country=DE');
    assert.deepEqual(
      german.body._data.map((l: Json) => l.name),
      ['Nordlicht Software GmbH'],
    );
    const one = await get('/v2/legal-entities/7052');
    assert.equal(one.body.name, 'Nordlicht Inc.');
    assert.equal(one.body.country, 'US');
    assert.equal((await get('/v2/legal-entities/1')).status, 404);
  });
});

void describe('v2 whitelisting', () => {
  void test('attributes hidden from the credential are absent from persons and employments', async () => {
    const emulator = await startTestEmulator({
      employees: 10,
      hiddenAttributes: ['email', 'dynamic_21827', 'supervisor', 'termination_date'],
    });
    try {
      const token = await v2Token(emulator.url);
      const persons = await call(`${emulator.url}/v2/persons?limit=50`, { token });
      for (const person of persons.body._data) {
        assert.ok(!('email' in person));
        assert.ok(!person.custom_attributes.some((c: Json) => c.id === 'dynamic_21827'));
        const employments = await call(`${emulator.url}/v2/persons/${person.id}/employments`, { token });
        const employment = employments.body._data[0];
        assert.ok(
          !('supervisor' in employment) &&
            !('termination' in employment) &&
            !('employment_end_date' in employment),
        );
      }
    } finally {
      await emulator.close();
    }
  });
});
