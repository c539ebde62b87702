// The company generator: deterministic for a seed, exactly N profiles, and the invariants and
// edge cases a sync must meet (forest of supervisors, unique emails, leavers, rehires, …).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Company, type Employee } from './company.ts';
import { EmulatorClock } from './emulator-clock.ts';
import { TIME_ZONE_ATTRIBUTE, generateCompany } from './generator.ts';
import { utcDateOf } from './personio-time.ts';
import { SeededRandom } from './seeded-random.ts';
import { TEST_NOW } from './testing/http.ts';

const generate = (seed: number, employees: number): ReturnType<typeof generateCompany> =>
  generateCompany({ seed, employees, now: TEST_NOW });

void describe('the company generator', () => {
  const company = generate(1, 200);
  const employees = company.employees;
  const byId = new Map(employees.map((e) => [e.id, e]));
  const today = utcDateOf(TEST_NOW);

  void test('the same seed gives the same company, another seed a different one', () => {
    assert.deepStrictEqual(generate(1, 200), company);
    assert.deepStrictEqual(generate(7, 50), generate(7, 50));
    assert.notDeepStrictEqual(
      generate(2, 200).employees.map((e) => e.email),
      employees.map((e) => e.email),
    );
  });

  void test('the company has exactly the number of profiles asked for, with unique ids', () => {
    for (const size of [0, 1, 2, 5, 19, 20, 31, 200, 1000]) {
      const generated = generate(3, size).employees;
      assert.equal(generated.length, size, `size ${size}`);
      assert.equal(new Set(generated.map((e) => e.id)).size, size);
    }
  });

  void test('supervisors exist and form a forest: no cycles, nobody supervises themselves', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const generated = generate(seed, 300).employees;
      const ids = new Map(generated.map((e) => [e.id, e]));
      for (const employee of generated) {
        const seen = new Set<number>();
        let current: Employee | undefined = employee;
        while (current && current.supervisorId !== null) {
          assert.ok(!seen.has(current.id), `cycle through ${current.id} (seed ${seed})`);
          seen.add(current.id);
          assert.ok(ids.has(current.supervisorId), `supervisor ${current.supervisorId} exists`);
          current = ids.get(current.supervisorId);
        }
      }
      const roots = generated.filter((e) => e.supervisorId === null);
      assert.ok(roots.length > 1, 'a forest, not a single tree');
    }
  });

  void test('emails are unique among active profiles, and across all profiles as Personio enforces', () => {
    const active = employees.filter((e) => e.status !== 'inactive' && e.email !== '');
    assert.equal(new Set(active.map((e) => e.email.toLowerCase())).size, active.length);
    const all = employees.filter((e) => e.email !== '');
    assert.equal(new Set(all.map((e) => e.email.toLowerCase())).size, all.length);
  });

  void test('it plants pre-hires, leavers with past and future dates, people on leave and without email', () => {
    const preHires = employees.filter((e) => e.status === 'onboarding');
    assert.ok(preHires.length > 0);
    for (const e of preHires) assert.ok(e.hireDate !== null && e.hireDate > today);
    const pastLeavers = employees.filter((e) => e.status === 'inactive');
    assert.ok(pastLeavers.length > 0);
    for (const e of pastLeavers) assert.ok(e.terminationDate !== null && e.terminationDate < today);
    const futureLeavers = employees.filter((e) => e.status !== 'inactive' && e.terminationDate !== null);
    assert.ok(futureLeavers.length > 0);
    for (const e of futureLeavers) assert.ok(e.terminationDate !== null && e.terminationDate >= today);
    assert.ok(
      employees.some((e) => e.lastWorkingDay !== null && e.lastWorkingDay < (e.terminationDate ?? '')),
    );
    assert.ok(employees.some((e) => e.status === 'leave'));
    const withoutEmail = employees.filter((e) => e.email === '');
    assert.ok(withoutEmail.length > 0);
    assert.ok(withoutEmail.every((e) => e.status === 'active'));
    assert.ok(employees.some((e) => e.employmentType === 'external' && e.contractEndDate !== null));
  });

  void test('rehires are a new profile with the email; the old one is inactive with name_xxxxx@domain', () => {
    const mangled = employees.filter((e) => /_[a-z0-9]{5}@/.test(e.email));
    assert.ok(mangled.length >= 2);
    for (const old of mangled) {
      assert.equal(old.status, 'inactive');
      const original = old.email.replace(/_[a-z0-9]{5}@/, '@');
      const current = employees.find((e) => e.email === original);
      assert.ok(current, `the rehired profile carries ${original}`);
      assert.notEqual(current.id, old.id);
      assert.ok(current.id > old.id || current.createdAt > old.createdAt);
      assert.equal(current.firstName, old.firstName);
      assert.equal(current.lastName, old.lastName);
      assert.notEqual(current.status, 'inactive');
      assert.ok(old.lastModifiedAt >= current.createdAt, 'the rewrite touched the old profile');
    }
    assert.ok(
      employees.some((e) => e.terminationType === 'Change of legal entity'),
      'one rehire is a move between legal entities',
    );
  });

  void test('names include umlauts, ø, é, ł and Chinese characters', () => {
    const names = employees.map((e) => `${e.firstName} ${e.lastName}`).join(' ');
    for (const pattern of [/[äöü]/i, /ø/i, /é/i, /ł/i, /\p{Script=Han}/u]) assert.match(names, pattern);
    for (const e of employees.filter((x) => x.email !== ''))
      assert.match(e.email, /^[a-z0-9._-]+@[a-z0-9.-]+$/);
  });

  void test('several legal entities and offices in several time zones, recorded on each person', () => {
    const entities = new Set(employees.map((e) => e.subcompanyId));
    assert.ok(entities.size >= 4);
    const zones = new Set(company.offices.map((o) => o.timeZone));
    assert.ok(zones.size >= 5);
    for (const e of employees) {
      const office = company.offices.find((o) => o.id === e.officeId);
      assert.ok(office);
      if (!/_[a-z0-9]{5}@/.test(e.email)) assert.equal(e.custom[TIME_ZONE_ATTRIBUTE], office.timeZone);
    }
  });

  void test('some supervisors have left, as happens when reports are not reassigned', () => {
    const dangling = employees.filter(
      (e) => e.supervisorId !== null && byId.get(e.supervisorId)?.status === 'inactive',
    );
    assert.ok(dangling.length > 0);
  });

  void test('statuses agree with the dates: the nightly jobs have nothing to do at generation time', () => {
    const clock = new EmulatorClock(() => new Date(TEST_NOW));
    const state = new Company(generate(1, 200), clock, new SeededRandom(9));
    const before = state.list().map((e) => [e.id, e.status, e.lastModifiedAt]);
    state.runScheduledTransitions();
    assert.deepEqual(
      state.list().map((e) => [e.id, e.status, e.lastModifiedAt]),
      before,
    );
    for (const e of employees) {
      assert.ok(e.createdAt <= TEST_NOW && e.lastModifiedAt <= TEST_NOW && e.createdAt <= e.lastModifiedAt);
    }
  });
});
