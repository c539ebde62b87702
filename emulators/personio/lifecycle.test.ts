// Joiners, movers, leavers and rehires through the control API, as the public APIs then show them:
// status flips on the emulator's clock, changes `updated_since` sees and the ones it misses, the
// rehire's rewritten email, deletion.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PersonioEmulator } from './index.ts';
import {
  type Json,
  type TestClock,
  call,
  control,
  startTestEmulator,
  v1Token,
  v2Token,
} from './testing/http.ts';

type Emulator = PersonioEmulator & { clock: TestClock };

void describe('the control API and the employee lifecycle', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({ employees: 25 });
    token = await v1Token(emulator.url);
  });
  after(() => emulator.close());

  // The tests move the clock by days, so the 24 h token is fetched again when it has expired.
  const readV1 = async (id: number): Promise<Json> => {
    token = await v1Token(emulator.url);
    const reply = await call(`${emulator.url}/v1/company/employees/${id}`, { token });
    return reply.status === 200 ? reply.body.data.attributes : null;
  };
  const updatedSince = async (since: number): Promise<number[]> => {
    token = await v1Token(emulator.url);
    const iso = new Date(since).toISOString().slice(0, 19);
    const reply = await call(`${emulator.url}/v1/company/employees?limit=100&updated_since=${iso}`, {
      token,
    });
    return reply.body.data.map((e: Json) => e.attributes.id.value as number);
  };

  void test('a hire answers a top-level id; department and office are created by name, the office with its time zone', async () => {
    const hired = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Łucja',
      last_name: 'Kowalczyk',
      email: 'lucja.kowalczyk@nordlicht.example',
      department: 'Quantum Research',
      office: 'Wrocław',
      office_time_zone: 'Europe/Warsaw',
      hire_date: '2026-11-01',
      position: 'Researcher',
      gender: 'female',
      legal_entity: 'Nordlicht Polska Sp. z o.o.',
      cost_centers: ['CC 9000 Research'],
      dynamic_1310551: 'S',
    });
    assert.equal(typeof hired.id, 'number');
    assert.equal(hired.status, 'active');
    assert.equal(hired.office_time_zone, 'Europe/Warsaw');
    const attributes = await readV1(hired.id);
    assert.equal(attributes.department.value.attributes.name, 'Quantum Research');
    assert.equal(attributes.office.value.attributes.name, 'Wrocław');
    assert.equal(attributes.subcompany.value.attributes.name, 'Nordlicht Polska Sp. z o.o.');
    assert.equal(
      attributes.dynamic_1310547.value,
      'Europe/Warsaw',
      'the time zone attribute follows the office',
    );
    assert.equal(attributes.cost_centers.value[0].attributes.name, 'CC 9000 Research');
    const company = await control(emulator.url, 'GET', '/company');
    assert.ok(company.offices.some((o: Json) => o.name === 'Wrocław' && o.time_zone === 'Europe/Warsaw'));
  });

  void test('a control change bumps last_modified_at and updated_since sees it', async () => {
    const id = (await control(emulator.url, 'POST', '/employees', { first_name: 'Mo', last_name: 'Ver' }))
      .id as number;
    emulator.clock.advance(3_600_000);
    const since = emulator.clock.at;
    emulator.clock.advance(60_000);
    const changed = await control(emulator.url, 'PATCH', `/employees/${id}`, {
      department: 'Sales',
      position: 'Account Executive',
    });
    assert.deepEqual(changed.changed_attributes.sort(), ['department', 'position']);
    assert.equal((await readV1(id)).last_modified_at.value, '2026-11-28T14:01:00+01:00');
    assert.deepEqual(await updatedSince(since), [id]);
  });

  void test('a silent change bumps last_modified_at but updated_since does not see it', async () => {
    const id = (
      await control(emulator.url, 'POST', '/employees', { first_name: 'Still', last_name: 'Water' })
    ).id as number;
    emulator.clock.advance(3_600_000);
    const since = emulator.clock.at;
    emulator.clock.advance(60_000);
    await control(emulator.url, 'PATCH', `/employees/${id}?silent=true`, { position: 'Ghost' });
    const attributes = await readV1(id);
    assert.equal(attributes.position.value, 'Ghost');
    assert.equal(Date.parse(attributes.last_modified_at.value), emulator.clock.at);
    assert.deepEqual(await updatedSince(since), []);
  });

  void test('a leaver turns inactive at 00:00 UTC the day after the termination date, invisibly to updated_since', async () => {
    const id = (await control(emulator.url, 'POST', '/employees', { first_name: 'Lea', last_name: 'Ver' }))
      .id as number;
    await control(emulator.url, 'POST', '/clock', { now: '2026-12-02T10:00:00Z' });
    await control(emulator.url, 'PATCH', `/employees/${id}`, {
      termination_date: '2026-12-04',
      last_working_day: '2026-12-03',
      termination_type: 'Resignation by employee',
    });
    const since = Date.parse('2026-12-02T11:00:00Z');
    await control(emulator.url, 'POST', '/clock', { now: '2026-12-04T23:59:59Z' });
    assert.equal((await readV1(id)).status.value, 'active');
    await control(emulator.url, 'POST', '/clock', { now: '2026-12-05T00:00:00Z' });
    const attributes = await readV1(id);
    assert.equal(attributes.status.value, 'inactive');
    assert.equal(attributes.last_modified_at.value, '2026-12-05T01:00:00+01:00');
    assert.equal(attributes.termination_date.value, '2026-12-04T00:00:00+01:00');
    assert.equal(attributes.last_working_day.value, '2026-12-03T00:00:00+01:00');
    assert.ok(
      !(await updatedSince(since)).includes(id),
      'the nightly status flip is not seen by updated_since',
    );
  });

  void test('45 minutes after a termination is entered, a background job touches the profile again', async () => {
    const id = (await control(emulator.url, 'POST', '/employees', { first_name: 'Late', last_name: 'Touch' }))
      .id as number;
    const entered = Date.parse((await control(emulator.url, 'GET', '/clock')).now);
    await control(emulator.url, 'PATCH', `/employees/${id}`, { termination_date: '2027-06-30' });
    await control(emulator.url, 'POST', '/clock', { advance_ms: 60_000 });
    const since = entered + 60_000;
    assert.ok(!(await updatedSince(since)).includes(id));
    await control(emulator.url, 'POST', '/clock', { advance_ms: 45 * 60_000 });
    assert.deepEqual(await updatedSince(since), [id], 'the leaver shows up again');
    const modified = Date.parse((await readV1(id)).last_modified_at.value);
    assert.equal(modified, Math.floor((entered + 45 * 60_000) / 1000) * 1000);
  });

  void test('a backdated termination makes the profile inactive straight away', async () => {
    const id = (await control(emulator.url, 'POST', '/employees', { first_name: 'Back', last_name: 'Dated' }))
      .id as number;
    await control(emulator.url, 'PATCH', `/employees/${id}`, { termination_date: '2026-11-01' });
    assert.equal((await readV1(id)).status.value, 'inactive');
  });

  void test('a status set by hand after the flip sticks', async () => {
    const id = (
      await control(emulator.url, 'POST', '/employees', {
        first_name: 'Re',
        last_name: 'Active',
        termination_date: '2026-01-01',
      })
    ).id as number;
    assert.equal((await readV1(id)).status.value, 'inactive');
    await control(emulator.url, 'PATCH', `/employees/${id}`, { status: 'active' });
    await control(emulator.url, 'POST', '/clock', { advance_days: 2 });
    assert.equal((await readV1(id)).status.value, 'active');
  });

  void test('a pre-hire turns from onboarding to active at 06:00 UTC on the hire date', async () => {
    const clock = await control(emulator.url, 'GET', '/clock');
    const today = (clock.now as string).slice(0, 10);
    const hireDate = new Date(Date.parse(`${today}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10);
    const hired = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Pre',
      last_name: 'Hire',
      hire_date: hireDate,
    });
    assert.equal(hired.status, 'onboarding');
    await control(emulator.url, 'POST', '/clock', { now: `${hireDate}T05:59:59Z` });
    assert.equal((await readV1(hired.id)).status.value, 'onboarding');
    await control(emulator.url, 'POST', '/clock', { now: `${hireDate}T06:00:00Z` });
    assert.equal((await readV1(hired.id)).status.value, 'active');
  });

  void test('a rehire gets a new id; the old profile keeps its data with the email rewritten as name_xxxxx@domain', async () => {
    const old = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Ré',
      last_name: 'Embauché',
      email: 're.embauche@nordlicht.example',
      termination_date: '2025-06-30',
      hire_date: '2021-04-01',
    });
    assert.equal(old.status, 'inactive');
    const rehired = await control(emulator.url, 'POST', `/employees/${old.id}/rehire`, {
      department: 'Finance',
    });
    assert.notEqual(rehired.id, old.id);
    assert.equal(rehired.previous_id, old.id);
    assert.equal(rehired.email, 're.embauche@nordlicht.example');
    assert.match(rehired.previous_email_rewritten_to, /^re\.embauche_[a-z0-9]{5}@nordlicht\.example$/);
    assert.equal(rehired.status, 'active');
    assert.equal(rehired.department, 'Finance');
    assert.equal(rehired.first_name, 'Ré');
    const oldNow = await readV1(old.id);
    assert.equal(oldNow.email.value, rehired.previous_email_rewritten_to);
    assert.equal(oldNow.status.value, 'inactive');
    const byEmail = await call(`${emulator.url}/v1/company/employees?email=re.embauche@nordlicht.example`, {
      token,
    });
    assert.deepEqual(
      byEmail.body.data.map((e: Json) => e.attributes.id.value),
      [rehired.id],
    );
    const v2 = await v2Token(emulator.url);
    const persons = await call(`${emulator.url}/v2/persons?id=${old.id},${rehired.id}`, { token: v2 });
    assert.deepEqual(
      persons.body._data.map((p: Json) => [p.id, p.status]),
      [
        [String(old.id), 'INACTIVE'],
        [String(rehired.id), 'ACTIVE'],
      ],
    );
  });

  void test('a rehire under a new email leaves the old profile untouched', async () => {
    const old = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Neue',
      last_name: 'Adresse',
      email: 'neue.adresse@nordlicht.example',
      termination_date: '2025-01-31',
    });
    const rehired = await control(emulator.url, 'POST', `/employees/${old.id}/rehire`, {
      email: 'n.adresse@nordlicht.example',
    });
    assert.equal(rehired.previous_email_rewritten_to, null);
    assert.equal((await readV1(old.id)).email.value, 'neue.adresse@nordlicht.example');
  });

  void test('a deleted employee disappears from v1 and is a 404 in v2', async () => {
    const id = (await control(emulator.url, 'POST', '/employees', { first_name: 'Gone', last_name: 'Soon' }))
      .id as number;
    const deleted = await call(`${emulator.url}/_emulator/employees/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal(await readV1(id), null);
    const v2 = await v2Token(emulator.url);
    assert.equal((await call(`${emulator.url}/v2/persons/${id}`, { token: v2 })).status, 404);
  });

  void test('the control API refuses unknown attributes, bad values and duplicate emails', async () => {
    const post = (json: Json): Promise<Json> => call(`${emulator.url}/_emulator/employees`, { json });
    assert.equal((await post({ first_name: 'A', last_name: 'B', salary: 1 })).status, 400);
    assert.equal((await post({ first_name: 'A', last_name: 'B', hire_date: '01.02.2026' })).status, 400);
    assert.equal((await post({ first_name: 'A', last_name: 'B', status: 'retired' })).status, 400);
    assert.equal((await post({ first_name: 'A', last_name: 'B', supervisor_id: 7 })).status, 400);
    assert.equal((await post({ last_name: 'B' })).status, 400);
    await post({ first_name: 'Du', last_name: 'Plicate', email: 'dup@nordlicht.example' });
    const clash = await post({ first_name: 'Du', last_name: 'Plicate', email: 'DUP@nordlicht.example' });
    assert.equal(clash.status, 409);
    const forced = await post({
      first_name: 'Du',
      last_name: 'Plicate',
      email: 'dup@nordlicht.example',
      allow_duplicate_email: true,
    });
    assert.equal(forced.status, 201);
  });

  void test('people without email and supervisor cycles can be made for clients to cope with', async () => {
    const a = await control(emulator.url, 'POST', '/employees', {
      first_name: 'No',
      last_name: 'Mail',
      email: null,
    });
    assert.equal((await readV1(a.id)).email.value, '');
    const b = await control(emulator.url, 'POST', '/employees', {
      first_name: 'Cy',
      last_name: 'Cle',
      supervisor_id: a.id,
    });
    await control(emulator.url, 'PATCH', `/employees/${a.id}`, { supervisor_id: b.id });
    assert.equal((await readV1(a.id)).supervisor.value.attributes.id.value, b.id);
    assert.equal((await readV1(b.id)).supervisor.value.attributes.id.value, a.id);
  });

  void test('the clock can be read, set and advanced', async () => {
    const set = await control(emulator.url, 'POST', '/clock', { now: '2027-01-01T00:00:00Z' });
    assert.equal(set.now, '2027-01-01T00:00:00.000Z');
    const advanced = await control(emulator.url, 'POST', '/clock', { advance_ms: 1500 });
    assert.equal(advanced.now, '2027-01-01T00:00:01.500Z');
    assert.equal((await control(emulator.url, 'GET', '/clock')).now, '2027-01-01T00:00:01.500Z');
    assert.equal((await call(`${emulator.url}/_emulator/clock`, { json: {} })).status, 400);
  });
});
