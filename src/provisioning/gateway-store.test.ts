// The gateway's outbox and links on SQLite and PostgreSQL: one claimant per row even among concurrent
// workers, writes to one resource in order, retry delays and expired leases, and the race between an
// in-time refusal and the acknowledgement of a write whose budget ran out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../core/testing/manual-clock.ts';
import {
  DIALECTS,
  addTestConnections,
  openTestDatabase,
  type TestDatabase,
} from '../store/testing/test-database.ts';
import { GatewayStore } from './gateway-store.ts';

const T0 = new Date('2026-11-01T09:00:00.000Z');

for (const dialect of DIALECTS) {
  void describe(`Personio gateway store on ${dialect}`, { timeout: 60_000 }, () => {
    let database: TestDatabase;
    const clock = createManualClock(T0);
    let store: GatewayStore;
    let n = 0;
    const enqueue = (resourceId: string) =>
      store.enqueue(store.db, {
        connectionId: 'p',
        resourceType: 'User',
        resourceId,
        operation: 'update',
        desired: { userName: resourceId },
        before: null,
        requestedBy: 'token-1',
        idempotencyKey: `${resourceId}:${n++}`,
      });

    before(async () => {
      database = await openTestDatabase(dialect);
      await addTestConnections(database.db, ['p'], 'personio', T0.toISOString());
      store = new GatewayStore(database.db, clock);
    });
    after(() => database.close());

    void test('a repeated idempotency key inserts nothing and answers the first row', async () => {
      const row = {
        connectionId: 'p',
        resourceType: 'User' as const,
        resourceId: 'r0',
        operation: 'create' as const,
        desired: {},
        before: null,
        requestedBy: 't',
        idempotencyKey: 'same',
      };
      const first = await store.enqueue(store.db, row);
      assert.equal(await store.enqueue(store.db, row), first);
      assert.equal((await store.list('p')).filter((r) => r.resourceId === 'r0').length, 1);
      assert.ok(await store.claim(first, 'w', 1_000));
      assert.ok(await store.finish(first, 'w', 'applied', {}));
    });

    void test('of many concurrent claims of one row exactly one wins', async () => {
      const id = await enqueue('r1');
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.claim(id, `worker-${i}`, 60_000)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const row = await store.get(id);
      assert.equal(row?.status, 'applying');
      assert.equal(row?.attempts, 1);
    });

    void test('a row whose worker died is claimable once its lease ran out, and the old worker cannot finish it', async () => {
      const id = await enqueue('r2');
      assert.ok(await store.claim(id, 'dead', 10_000));
      assert.equal(await store.claim(id, 'alive', 10_000), false);
      clock.advance(10_001);
      assert.ok((await store.due(50)).some((r) => r.id === id));
      assert.ok(await store.claim(id, 'alive', 10_000));
      assert.equal(await store.finish(id, 'dead', 'applied', {}), false, 'the lease was lost');
      assert.ok(await store.finish(id, 'alive', 'applied', { ok: true }));
      assert.equal((await store.get(id))?.status, 'applied');
    });

    void test('writes to one resource come due one after another, in order', async () => {
      const first = await enqueue('r3');
      const second = await enqueue('r3');
      const due = (await store.due(50)).filter((r) => r.resourceId === 'r3').map((r) => r.id);
      assert.deepEqual(due, [first]);
      assert.ok(await store.claim(first, 'w', 1_000));
      assert.equal(
        (await store.due(50)).some((r) => r.id === second),
        false,
        'not while the first is applying',
      );
      await store.finish(first, 'w', 'applied', {});
      assert.deepEqual(
        (await store.due(50)).filter((r) => r.resourceId === 'r3').map((r) => r.id),
        [second],
      );
      assert.deepEqual(
        (await store.unfinishedOf('p', 'r3', Number.MAX_SAFE_INTEGER)).map((r) => r.id),
        [second],
      );
    });

    void test('a row put back for later is not due before its time', async () => {
      const id = await enqueue('r4');
      assert.ok(await store.claim(id, 'w', 1_000));
      await store.retryLater(id, 'w', new Date(clock.now().getTime() + 5_000), 'Personio answered 503');
      assert.equal(
        (await store.due(50)).some((r) => r.id === id),
        false,
      );
      assert.equal(await store.claim(id, 'w', 1_000), false);
      clock.advance(5_000);
      assert.ok(await store.claim(id, 'w', 1_000));
      assert.equal((await store.get(id))?.attempts, 2);
      assert.equal((await store.get(id))?.lastError, 'Personio answered 503');
    });

    void test('a refusal after the acknowledgement is not in time; one before it is', async () => {
      const late = await enqueue('r5');
      assert.ok(await store.claim(late, 'w', 1_000));
      assert.ok(await store.acknowledge(late));
      assert.equal(await store.rejectInTime(late, 'w', 'refused'), false);
      const early = await enqueue('r6');
      assert.ok(await store.claim(early, 'w', 1_000));
      assert.ok(await store.rejectInTime(early, 'w', 'refused'));
      assert.equal(await store.acknowledge(early), false, 'a finished row cannot be acknowledged any more');
      assert.deepEqual(
        (await store.unreverted()).map((r) => r.id),
        [early],
      );
      await store.markReverted(early);
      assert.deepEqual(await store.unreverted(), []);
    });

    void test('links keep their fields across partial updates and are found by employee', async () => {
      await store.upsertLink(store.db, 'p', 'res-1', {
        state: 'pending',
        origin: 'idp',
        claimedBy: 'token-1',
      });
      await store.upsertLink(store.db, 'p', 'res-1', { employeeId: '42', state: 'linked' });
      const link = await store.link(store.db, 'p', 'res-1');
      assert.deepEqual(
        {
          employeeId: link?.employeeId,
          state: link?.state,
          claimedBy: link?.claimedBy,
          origin: link?.origin,
        },
        { employeeId: '42', state: 'linked', claimedBy: 'token-1', origin: 'idp' },
      );
      assert.equal((await store.linkByEmployee(store.db, 'p', '42'))?.resourceId, 'res-1');
      await store.upsertLink(store.db, 'p', 'res-1', { state: 'unlinked' });
      assert.equal(
        await store.linkByEmployee(store.db, 'p', '42'),
        undefined,
        "an unlinked account is nobody's link",
      );
    });
  });
}
