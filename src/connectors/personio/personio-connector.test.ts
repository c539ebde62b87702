// The Personio connector against the Personio emulator over a real socket: reads, incremental reads,
// tokens, every fault the emulator can inject, writes and webhook notifications.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectorHandle, PeoplePage, PeopleSource, SourcePerson } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { HttpClient } from '../http/http-client.ts';
import { NEVER_REQUESTED_ATTRIBUTES } from './settings.ts';
import { WEBHOOK_TOKEN, startPersonioHarness } from './testing/emulator-harness.ts';
import type {
  EmulatorFault,
  HarnessOptions,
  PersonioHarness,
  RequestLogEntry,
} from './testing/emulator-harness.ts';

const HOUR = 3_600_000;

async function withHarness(
  options: HarnessOptions,
  run: (h: PersonioHarness) => Promise<void>,
): Promise<void> {
  const harness = await startPersonioHarness(options);
  try {
    await run(harness);
  } finally {
    await harness.close();
  }
}

function peopleOf(handle: ConnectorHandle): PeopleSource {
  assert.ok(handle.people, 'the Personio connector has a people part');
  return handle.people;
}

async function readAll(
  read: (cursor?: string) => Promise<PeoplePage>,
): Promise<{ people: SourcePerson[]; pages: number; watermark: string | null }> {
  const people: SourcePerson[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await read(cursor);
    pages += 1;
    people.push(...page.items);
    if (page.nextCursor === null) return { people, pages, watermark: page.watermark };
    assert.equal(page.watermark, null, 'only the last page carries the watermark');
    cursor = page.nextCursor;
  }
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectorError, `expected a ConnectorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

const isEmployeeList = (r: RequestLogEntry): boolean =>
  r.method === 'GET' && r.path === '/v1/company/employees';
const attributesOf = (r: RequestLogEntry): string[] => {
  const value = r.query['attributes[]'];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
};

void describe('Personio full reads', () => {
  void test('a full read lists every employee exactly once, page by page', async () => {
    await withHarness({ employees: 230 }, async (h) => {
      const { people, pages, watermark } = await readAll((c) => peopleOf(h.handle).listPeople(c));
      const expected = (await h.employees()).map((e) => String(e.id)).sort();
      // The first call learns the total; the second reads the remaining two API pages at once.
      assert.equal(pages, 2);
      assert.equal((await h.requests()).filter(isEmployeeList).length, 3);
      assert.deepEqual(people.map((p) => p.sourceId).sort(), expected);
      assert.notEqual(watermark, null);
    });
  });

  void test('asks only for the mapped attributes: every employee read names them and none is sensitive', async () => {
    await withHarness(
      { employees: 30, settings: { customAttributes: { title: 'dynamic_24407' } } },
      async (h) => {
        const people = peopleOf(h.handle);
        const { people: all, watermark } = await readAll((c) => people.listPeople(c));
        assert.ok(watermark, 'watermark');
        await readAll((c) => people.changedSince(watermark, c));
        await people.getPerson(all[0]?.sourceId ?? '');
        await h.handle.check();
        await h.handle.accounts?.listAccounts();
        const requests = await h.requests();
        const lists = requests.filter(isEmployeeList);
        assert.ok(lists.length >= 4, 'lists.length >= 4');
        for (const request of lists) {
          const attributes = attributesOf(request);
          assert.ok(
            attributes.length > 0,
            'a read without attributes[] would return every whitelisted attribute',
          );
          for (const key of attributes) assert.ok(!NEVER_REQUESTED_ATTRIBUTES.has(key), `requested ${key}`);
          assert.ok(!attributes.includes('dynamic_21827'), 'the IBAN custom attribute');
        }
        // The single-employee endpoint ignores attributes[] (it would return salaries): never used.
        assert.ok(
          !requests.some((r) => /^\/v1\/company\/employees\/\d+$/.test(r.path)),
          '!requests.some((r) => /^\\/v1\\/company\\/employees\\/\\d+$/.test(r.path))',
        );
        for (const person of all) assert.ok(!('fixSalary' in person), "!('fixSalary' in person)");
      },
    );
  });

  void test('a cursor persisted by one process resumes in another', async () => {
    await withHarness({ employees: 150 }, async (h) => {
      const first = await peopleOf(h.handle).listPeople();
      assert.ok(first.nextCursor, 'first.nextCursor');
      const persisted = JSON.parse(JSON.stringify({ cursor: first.nextCursor })) as { cursor: string };
      const restarted = h.open();
      const rest = await readAll((c) => peopleOf(restarted).listPeople(c ?? persisted.cursor));
      const ids = [...first.items, ...rest.people].map((p) => p.sourceId);
      assert.equal(new Set(ids).size, 150);
      assert.equal(ids.length, 150);
    });
  });

  void test('tolerates attributes the credential may not read: they are absent, never null', async () => {
    await withHarness(
      { employees: 20, hiddenAttributes: ['department', 'office', 'cost_centers', 'supervisor'] },
      async (h) => {
        const { people } = await readAll((c) => peopleOf(h.handle).listPeople(c));
        assert.equal(people.length, 20);
        for (const person of people) {
          assert.equal('department' in person, false);
          assert.equal('office' in person, false);
          assert.equal('supervisorId' in person, false);
          assert.equal(person.timeZoneSource, 'default');
          assert.equal(typeof person.status, 'string');
        }
        const check = await h.handle.check();
        assert.ok(
          check.warnings.some((w) => w.includes('department')),
          "check.warnings.some((w) => w.includes('department'))",
        );
      },
    );
  });

  void test('when people are hired while paging, the read restarts and misses nobody', async () => {
    await withHarness({ employees: 120 }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      const hired = await h.hire({
        first_name: 'Mid',
        last_name: 'Read',
        email: 'mid.read@nordlicht.example',
      });
      const rest = await readAll((c) => people.listPeople(c ?? first.nextCursor ?? undefined));
      const ids = new Set([...first.items, ...rest.people].map((p) => p.sourceId));
      for (const e of await h.employees()) assert.ok(ids.has(String(e.id)), `missing ${e.id}`);
      assert.ok(ids.has(String(hired.id)), 'ids.has(String(hired.id))');
      assert.ok(
        h.test.logger.entries.some((e) => e.message.includes('restarting')),
        "h.test.logger.entries.some((e) => e.message.includes('restarting'))",
      );
    });
  });

  void test('the office time zone comes from the connection map, else the default zone', async () => {
    await withHarness(
      { employees: 40, settings: { officeTimeZones: { London: 'Europe/London' }, defaultTimeZone: 'UTC' } },
      async (h) => {
        const { people } = await readAll((c) => peopleOf(h.handle).listPeople(c));
        const london = people.filter((p) => p.office?.name === 'London');
        const other = people.filter((p) => p.office && p.office.name !== 'London');
        assert.ok(london.length > 0 && other.length > 0, 'london.length > 0 && other.length > 0');
        for (const p of london) assert.deepEqual([p.timeZone, p.timeZoneSource], ['Europe/London', 'office']);
        for (const p of other) assert.deepEqual([p.timeZone, p.timeZoneSource], ['UTC', 'default']);
      },
    );
  });

  void test('refuses to read a configured custom attribute that holds bank data', async () => {
    await withHarness(
      { employees: 5, settings: { customAttributes: { bank: 'dynamic_21827' } } },
      async (h) => {
        const error = await failure(peopleOf(h.handle).listPeople());
        assert.equal(error.kind, 'invalid_request');
        assert.match(error.message, /IBAN|iban/);
        assert.equal((await h.requests()).filter(isEmployeeList).length, 0);
      },
    );
  });
});

void describe('Personio tokens', () => {
  void test('authenticates once and reuses the 24 h token across pages and reads', async () => {
    await withHarness({ employees: 230 }, async (h) => {
      await readAll((c) => peopleOf(h.handle).listPeople(c));
      await readAll((c) => peopleOf(h.handle).listPeople(c));
      const auths = (await h.requests()).filter((r) => r.path === '/v1/auth');
      assert.equal(auths.length, 1);
    });
  });

  void test('renews the token before it expires, so a read spanning its 24 h life sees no 401', async () => {
    await withHarness({ employees: 230 }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      await h.advance(24 * HOUR);
      await readAll((c) => people.listPeople(c ?? first.nextCursor ?? undefined));
      const requests = await h.requests();
      assert.equal(requests.filter((r) => r.path === '/v1/auth').length, 2);
      assert.ok(!requests.some((r) => r.status === 401), '!requests.some((r) => r.status === 401)');
    });
  });

  void test('a token that expires mid-read is refreshed once and the read continues', async () => {
    await withHarness({ employees: 230 }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      await h.fault('expired-token');
      const rest = await readAll((c) => people.listPeople(c ?? first.nextCursor ?? undefined));
      assert.equal(first.items.length + rest.people.length, 230);
      const log = (await h.requests()).filter((r) => !r.path.startsWith('/_emulator'));
      // v1 answers an expired token with 403; requests in flight with it fail alike, and one new token serves them all.
      const rejected = log.filter((r) => r.status === 403);
      assert.ok(rejected.length >= 1 && rejected.length <= 4, `${rejected.length} rejected requests`);
      assert.equal(log.filter((r) => r.path === '/v1/auth').length, 2, 'one token at the start, one refresh');
      assert.equal(log.at(-1)?.status, 200, 'the read ends with a successful page');
    });
  });

  void test('wrong credentials are unauthenticated, with a hint and without the secret', async () => {
    await withHarness({ employees: 5 }, async (h) => {
      const handle = h.open({ clientId: 'someone-else' });
      const error = await failure(peopleOf(handle).listPeople());
      assert.equal(error.kind, 'unauthenticated');
      assert.match(error.message, /client id or secret/);
      assert.ok(
        !h.test.logger.text().includes('demo-secret'),
        "!h.test.logger.text().includes('demo-secret')",
      );
    });
  });
});

void describe('Personio incremental reads', () => {
  void test('returns people changed since the watermark and plans the next read', async () => {
    await withHarness({ employees: 40 }, async (h) => {
      const people = peopleOf(h.handle);
      const full = await readAll((c) => people.listPeople(c));
      assert.ok(full.watermark, 'full.watermark');
      assert.equal(people.planRead(null).mode, 'full');
      assert.equal(people.planRead(full.watermark).mode, 'changes');
      await h.advance(HOUR);
      const target = full.people[3];
      assert.ok(target, 'target');
      await h.change(target.sourceId, { position: 'Chief Cartographer' });
      const changes = await readAll((c) => people.changedSince(full.watermark ?? '', c));
      const changed = changes.people.find((p) => p.sourceId === target.sourceId);
      assert.equal(changed?.position, 'Chief Cartographer');
      assert.ok(changes.people.length < 40, 'changes.people.length < 40');
      assert.ok(changes.watermark, 'changes.watermark');
      const query = (await h.requests()).filter(isEmployeeList).at(-1)?.query;
      // Overlap: 15 minutes before the full read started.
      assert.equal(
        query?.updated_since,
        new Date(Date.parse('2026-03-02T09:00:00Z') - 15 * 60_000).toISOString().slice(0, 19),
      );
    });
  });

  void test('a change updated_since cannot see is caught by the full read planRead schedules', async () => {
    await withHarness({ employees: 20 }, async (h) => {
      const people = peopleOf(h.handle);
      const full = await readAll((c) => people.listPeople(c));
      const target = full.people[0];
      assert.ok(target && full.watermark, 'target && full.watermark');
      await h.advance(HOUR);
      await h.change(target.sourceId, { position: 'Quietly Changed' }, { silent: true });
      const changes = await readAll((c) => people.changedSince(full.watermark ?? '', c));
      assert.equal(
        changes.people.find((p) => p.sourceId === target.sourceId),
        undefined,
      );
      assert.ok(changes.watermark, 'changes.watermark');
      assert.equal(people.planRead(changes.watermark).mode, 'changes');
      await h.advance(6 * HOUR);
      const plan = people.planRead(changes.watermark);
      assert.equal(plan.mode, 'full');
      assert.match(plan.reason, /updated_since/);
      const again = await readAll((c) => people.listPeople(c));
      assert.equal(again.people.find((p) => p.sourceId === target.sourceId)?.position, 'Quietly Changed');
    });
  });

  void test('a leaver flips to inactive at 00:00 UTC after the termination date, seen by the next full read', async () => {
    await withHarness({ employees: 20 }, async (h) => {
      const people = peopleOf(h.handle);
      const full = await readAll((c) => people.listPeople(c));
      const leaver = full.people.find((p) => p.status === 'active');
      assert.ok(leaver, 'leaver');
      // The test clock starts 2026-03-02T09:00Z; the last day is today.
      await h.change(leaver.sourceId, { termination_date: '2026-03-02', last_working_day: '2026-03-02' });
      const readStatus = async (): Promise<string | undefined> =>
        (await readAll((c) => people.listPeople(c))).people.find((p) => p.sourceId === leaver.sourceId)
          ?.status;
      await h.advance(Date.parse('2026-03-02T23:59:00Z') - h.test.clock.now().getTime());
      assert.equal(await readStatus(), 'active');
      await h.advance(2 * 60_000);
      assert.equal(await readStatus(), 'inactive');
    });
  });

  void test('a rehire is a new profile; the old profile keeps a rewritten email', async () => {
    await withHarness({ employees: 30 }, async (h) => {
      const leaver = (await h.employees()).find((e) => e.status === 'inactive' && e.email !== '');
      assert.ok(leaver, 'the generated company has leavers');
      const rehired = await h.rehire(leaver.id, { hire_date: '2026-04-01' });
      const { people } = await readAll((c) => peopleOf(h.handle).listPeople(c));
      const old = people.find((p) => p.sourceId === String(leaver.id));
      const fresh = people.find((p) => p.sourceId === String(rehired.id));
      assert.equal(fresh?.workEmail, leaver.email);
      assert.notEqual(old?.workEmail, leaver.email);
      assert.equal(old?.workEmail, rehired.previous_email_rewritten_to);
    });
  });

  void test('refuses a watermark it did not issue', async () => {
    await withHarness({ employees: 5 }, async (h) => {
      const error = await failure(peopleOf(h.handle).changedSince('yesterday'));
      assert.equal(error.kind, 'invalid_request');
    });
  });
});

void describe('Personio faults', () => {
  const recovered: ReadonlyArray<readonly [EmulatorFault, number[]]> = [
    ['429', [2000]],
    ['429-no-retry-after', [1000]],
    ['500', [250]],
    ['502', [250]],
    ['503', [250]],
    ['504', [250]],
    ['timeout', [250]],
    ['malformed-page', [250]],
  ];
  for (const [kind, waits] of recovered) {
    void test(`recovers from one ${kind} on a page by retrying after ${waits.join(', ')} ms`, async () => {
      await withHarness(
        { employees: 150, settings: { requestTimeoutMs: kind === 'timeout' ? 800 : 5_000 } },
        async (h) => {
          const people = peopleOf(h.handle);
          const first = await people.listPeople();
          await h.fault(kind, 1, 2);
          const before = h.test.sleep.calls.length;
          const rest = await readAll((c) => people.listPeople(c ?? first.nextCursor ?? undefined));
          assert.equal(first.items.length + rest.people.length, 150);
          assert.deepEqual(h.test.sleep.calls.slice(before), waits);
        },
      );
    });
  }

  void test('a persistent 429 reaches the engine as rate_limited with the wait Personio asked for', async () => {
    await withHarness({ employees: 150 }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      await h.fault('429', 10, 7);
      const error = await failure(people.listPeople(first.nextCursor ?? undefined));
      assert.equal(error.kind, 'rate_limited');
      assert.equal(error.retryAfterMs, 7000);
    });
  });

  void test('persistent timeouts fail the read as unavailable, and the same cursor works later', async () => {
    await withHarness({ employees: 150, settings: { requestTimeoutMs: 800 } }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      await h.fault('timeout', 4);
      const error = await failure(people.listPeople(first.nextCursor ?? undefined));
      assert.equal(error.kind, 'unavailable');
      const rest = await readAll((c) => people.listPeople(c ?? first.nextCursor ?? undefined));
      assert.equal(first.items.length + rest.people.length, 150);
    });
  });

  void test('a persistently malformed page fails as unavailable, never as a shorter list', async () => {
    await withHarness({ employees: 150 }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      await h.fault('malformed-page', 4);
      const error = await failure(people.listPeople(first.nextCursor ?? undefined));
      assert.equal(error.kind, 'unavailable');
      assert.match(error.message, /cut off|not valid JSON/);
    });
  });

  void test('a truncated page fails the read as unavailable; retrying the cursor completes it', async () => {
    await withHarness({ employees: 250 }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      await h.fault('truncated-page');
      const error = await failure(people.listPeople(first.nextCursor ?? undefined));
      assert.equal(error.kind, 'unavailable');
      assert.match(error.message, /incomplete/);
      const rest = await readAll((c) => people.listPeople(c ?? first.nextCursor ?? undefined));
      assert.equal(first.items.length + rest.people.length, 250);
    });
  });

  void test('an empty full listing is a failed read, not "everyone left"', async () => {
    await withHarness({ employees: 50 }, async (h) => {
      await h.handle.check();
      await h.fault('empty-list');
      const error = await failure(peopleOf(h.handle).listPeople());
      assert.equal(error.kind, 'unavailable');
      assert.match(error.message, /no employees at all/);
    });
  });

  void test('an empty page in the middle of a read fails or restarts, never ends the listing early', async () => {
    await withHarness({ employees: 250 }, async (h) => {
      const people = peopleOf(h.handle);
      const first = await people.listPeople();
      await h.fault('empty-list');
      const second = await people.listPeople(first.nextCursor ?? undefined);
      // total_elements moved from 250 to 0: the read restarts from the first page.
      assert.notEqual(second.nextCursor, null);
      const rest = await readAll((c) => people.listPeople(c ?? second.nextCursor ?? undefined));
      const ids = new Set([...first.items, ...second.items, ...rest.people].map((p) => p.sourceId));
      assert.equal(ids.size, 250);
    });
  });

  void test('an empty incremental read is normal: nobody changed', async () => {
    await withHarness({ employees: 50 }, async (h) => {
      const people = peopleOf(h.handle);
      const full = await readAll((c) => people.listPeople(c));
      await h.fault('empty-list');
      const changes = await readAll((c) => people.changedSince(full.watermark ?? '', c));
      assert.equal(changes.people.length, 0);
      assert.ok(changes.watermark, 'changes.watermark');
    });
  });
});

void describe('Personio pacing', () => {
  void test('a read larger than the 15/s burst paces itself and never meets a 429', async () => {
    // A generous timeout: the emulator renders pages one at a time, so parallel requests queue there.
    await withHarness(
      { employees: 2500, rateLimits: true, isRealTime: true, settings: { requestTimeoutMs: 20_000 } },
      async (h) => {
        const { people } = await readAll((c) => peopleOf(h.handle).listPeople(c));
        assert.equal(people.length, 2500);
        const requests = await h.requests();
        assert.equal(requests.filter(isEmployeeList).length, 25);
        assert.deepEqual(
          requests.filter((r) => r.status === 429),
          [],
        );
      },
    );
  });
});

void describe('Personio single-person refresh (v2)', () => {
  void test('reads one person through v2 and matches the v1 read of the same person', async () => {
    await withHarness(
      {
        employees: 40,
        settings: {
          customAttributes: {
            languages: 'dynamic_1310549',
            title: 'dynamic_24407',
            anniversary: 'dynamic_33400',
          },
          timeZoneAttribute: 'dynamic_1310547',
        },
      },
      async (h) => {
        const people = peopleOf(h.handle);
        const { people: all } = await readAll((c) => people.listPeople(c));
        for (const v1 of all.slice(0, 8)) {
          const v2 = await people.getPerson(v1.sourceId);
          assert.ok(v2, 'v2');
          const { lastModifiedAt: _a, ...fromV2 } = v2;
          const { lastModifiedAt: _b, ...fromV1 } = v1;
          assert.deepEqual(fromV2, fromV1);
        }
        assert.ok(
          (await h.requests()).some((r) => r.path.startsWith('/v2/persons/')),
          "(await h.requests()).some((r) => r.path.startsWith('/v2/persons/'))",
        );
      },
    );
  });

  void test('on a fresh connection, names of related objects come from one v1 lookup by email', async () => {
    await withHarness({ employees: 40 }, async (h) => {
      const { people: all } = await readAll((c) => peopleOf(h.handle).listPeople(c));
      const target = all.find((p) => p.department && typeof p.workEmail === 'string');
      assert.ok(target, 'target');
      const fresh = peopleOf(h.open());
      await h.clearRequests();
      const person = await fresh.getPerson(target.sourceId);
      assert.deepEqual(person?.department, target.department);
      assert.deepEqual(person?.office, target.office);
      const lookups = (await h.requests()).filter(isEmployeeList);
      assert.equal(lookups.length, 1);
      assert.equal(lookups[0]?.query.email, target.workEmail);
    });
  });

  void test('an unknown or deleted person is null', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      const people = peopleOf(h.handle);
      assert.equal(await people.getPerson('999999999'), null);
      assert.equal(await people.getPerson('not-a-number'), null);
      const [someone] = await h.employees();
      assert.ok(someone, 'someone');
      await h.remove(someone.id);
      assert.equal(await people.getPerson(String(someone.id)), null);
    });
  });
});

void describe('Personio webhook notifications', () => {
  const body = (event: string, payload: Record<string, string>) => ({
    company_id: 1,
    event_name: event,
    occurred_at: '2026-03-02T09:00:00Z',
    payload,
  });

  void test('a delivery with the configured token names the person to refresh', async () => {
    await withHarness({ employees: 5 }, async (h) => {
      const people = peopleOf(h.handle);
      assert.deepEqual(
        people.parseNotification?.({ authorization: WEBHOOK_TOKEN }, body('person.updated', { id: '42' })),
        {
          event: 'person.updated',
          sourceId: '42',
          occurredAt: '2026-03-02T09:00:00Z',
        },
      );
      assert.equal(
        people.parseNotification?.(
          { authorization: `Bearer ${WEBHOOK_TOKEN}` },
          body('employment.updated', { id: 'uuid', person_id: '7' }),
        )?.sourceId,
        '7',
      );
    });
  });

  void test('a delivery without the right token, or that names nobody, is refused', async () => {
    await withHarness({ employees: 5 }, async (h) => {
      const people = peopleOf(h.handle);
      assert.equal(
        people.parseNotification?.({ authorization: 'Bearer guess' }, body('person.updated', { id: '42' })),
        null,
      );
      assert.equal(people.parseNotification?.({}, body('person.updated', { id: '42' })), null);
      assert.equal(people.parseNotification?.({ authorization: WEBHOOK_TOKEN }, 'garbage'), null);
      assert.equal(
        people.parseNotification?.({ authorization: WEBHOOK_TOKEN }, body('document.created', { id: 'd' })),
        null,
      );
    });
  });
});

void describe('Personio employee writes', () => {
  const desired = {
    email: 'grace.hopper@nordlicht.example',
    attributes: { firstName: 'Grace', lastName: 'Hopper', position: 'Rear Admiral', hireDate: '2026-04-01' },
  };

  const postsOf = async (h: PersonioHarness): Promise<RequestLogEntry[]> =>
    (await h.requests()).filter((r) => r.method === 'POST' && r.path === '/v1/company/employees');

  void test('creates an employee and reports what Personio ignored', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      const result = await h.handle.accounts?.createAccount?.({
        ...desired,
        attributes: { ...desired.attributes, department: 'Department of Nowhere' },
      });
      assert.equal(result?.outcome, 'created');
      assert.equal(result?.account.email, desired.email);
      assert.equal(result?.account.attributes.position, 'Rear Admiral');
      assert.ok(
        result?.warnings.some((w) => w.includes('Department of Nowhere')),
        "result?.warnings.some((w) => w.includes('Department of Nowhere'))",
      );
      const listed = (await h.employees()).filter((e) => e.email === desired.email);
      assert.equal(listed.length, 1);
    });
  });

  void test('creating the same person again adopts the existing employee instead of duplicating', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      const first = await h.handle.accounts?.createAccount?.(desired);
      const second = await h.handle.accounts?.createAccount?.(desired);
      assert.equal(second?.outcome, 'adopted');
      assert.equal(second?.account.id, first?.account.id);
      assert.equal((await postsOf(h)).length, 1);
    });
  });

  void test('an email already used by someone else is a conflict naming the existing id', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      const existing = await h.hire({ first_name: 'Ada', last_name: 'Lovelace', email: desired.email });
      const error = await failure(h.handle.accounts?.createAccount?.(desired) ?? Promise.resolve());
      assert.equal(error.kind, 'conflict');
      assert.equal(error.details.existingId, String(existing.id));
      assert.equal((await postsOf(h)).length, 0);
    });
  });

  void test('a create whose response is lost after Personio committed it is settled by reading back', async () => {
    let isLosing = true;
    const loseCreateResponse = (client: HttpClient): HttpClient => ({
      close: () => client.close(),
      request: async (request) => {
        const response = await client.request(request);
        if (request.operation === 'v1.createEmployee' && isLosing) {
          isLosing = false;
          throw new ConnectorError('unavailable', 'Personio v1.createEmployee timed out', {
            outcome: 'unknown',
          });
        }
        return response;
      },
    });
    await withHarness({ employees: 10, decorateHttp: loseCreateResponse }, async (h) => {
      const result = await h.handle.accounts?.createAccount?.(desired);
      assert.equal(result?.outcome, 'settled_by_read_back');
      assert.equal((await postsOf(h)).length, 1);
      assert.equal((await h.employees()).filter((e) => e.email === desired.email).length, 1);
    });
  });

  void test('a create that timed out before Personio applied it is reported unknown, and the retry posts once more only after reading back', async () => {
    await withHarness({ employees: 10, settings: { requestTimeoutMs: 800 } }, async (h) => {
      await h.handle.check();
      // The look-up before posting takes the empty-list fault; the POST then hangs.
      await h.fault('empty-list');
      await h.fault('timeout');
      const error = await failure(h.handle.accounts?.createAccount?.(desired) ?? Promise.resolve());
      assert.equal(error.kind, 'unavailable');
      assert.equal(error.outcome, 'unknown');
      assert.equal((await postsOf(h)).length, 1);
      const retry = await h.handle.accounts?.createAccount?.(desired);
      assert.equal(retry?.outcome, 'created');
      assert.equal((await h.employees()).filter((e) => e.email === desired.email).length, 1);
      const log = (await h.requests()).map((r) => `${r.method} ${r.path}${r.query.email ? '?email' : ''}`);
      const secondPost = log.lastIndexOf('POST /v1/company/employees');
      assert.equal(
        log[secondPost - 1],
        'GET /v1/company/employees?email',
        'a read-back precedes the second POST',
      );
    });
  });

  void test('a 500 on the create is not retried by the client', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      await h.handle.check();
      await h.fault('empty-list');
      await h.fault('500');
      const error = await failure(h.handle.accounts?.createAccount?.(desired) ?? Promise.resolve());
      assert.equal(error.outcome, 'unknown');
      assert.equal((await postsOf(h)).length, 1);
    });
  });

  void test('updates attributes; the change shows in the next read', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      const [someone] = await h.employees();
      assert.ok(someone, 'someone');
      const result = await h.handle.accounts?.updateAccount?.(String(someone.id), {
        attributes: { position: 'Head of Cartography', office: 'Atlantis' },
      });
      assert.ok(
        result?.warnings.some((w) => w.includes('Atlantis')),
        "result?.warnings.some((w) => w.includes('Atlantis'))",
      );
      const person = (await readAll((c) => peopleOf(h.handle).listPeople(c))).people.find(
        (p) => p.sourceId === String(someone.id),
      );
      assert.equal(person?.position, 'Head of Cartography');
    });
  });

  void test('an email change is unsupported, said clearly, and nothing is sent', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      const [someone] = await h.employees();
      await h.clearRequests();
      const error = await failure(
        h.handle.accounts?.updateAccount?.(String(someone?.id), {
          attributes: { email: 'new@nordlicht.example' },
        }) ?? Promise.resolve(),
      );
      assert.equal(error.kind, 'unsupported');
      assert.match(error.message, /cannot change an employee's email/);
      assert.deepEqual(await h.requests(), []);
    });
  });

  void test('invalid changes are refused before sending; an unknown employee is not_found', async () => {
    await withHarness({ employees: 10 }, async (h) => {
      const accounts = h.handle.accounts;
      const cleared = await failure(
        accounts?.updateAccount?.('1', { attributes: { lastName: null, shoeSize: 44 } }) ?? Promise.resolve(),
      );
      assert.equal(cleared.kind, 'invalid_request');
      assert.match(cleared.message, /lastName cannot be cleared/);
      assert.match(cleared.message, /shoeSize/);
      const missing = await failure(
        accounts?.updateAccount?.('999999999', { attributes: { position: 'x' } }) ?? Promise.resolve(),
      );
      assert.equal(missing.kind, 'not_found');
    });
  });

  void test('lists employees as accounts, inactive ones as not active', async () => {
    await withHarness({ employees: 40 }, async (h) => {
      const accounts = h.handle.accounts;
      assert.ok(accounts, 'accounts');
      const all = [];
      let cursor: string | undefined;
      do {
        const page = await accounts.listAccounts(cursor);
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const employees = await h.employees();
      assert.equal(all.length, employees.length);
      for (const account of all) {
        const employee = employees.find((e) => String(e.id) === account.id);
        assert.equal(account.isActive, employee?.status !== 'inactive');
      }
    });
  });
});

void describe('Personio connection check', () => {
  void test('authenticates, counts employees and warns about sensitive attributes the credential may read', async () => {
    await withHarness({ employees: 33 }, async (h) => {
      const check = await h.handle.check();
      assert.equal(check.count, 33);
      assert.match(check.summary, /33 employees/);
      assert.ok(
        check.warnings.some((w) => w.includes('Fix salary') && w.includes('IBAN')),
        "check.warnings.some((w) => w.includes('Fix salary') && w.includes('IBAN'))",
      );
    });
  });
});
