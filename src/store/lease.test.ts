// Leases against SQLite and PostgreSQL: one holder at a time, even among concurrent contenders and
// database instances; expired leases are taken over; withLease renews, releases and reports a loss;
// a killed holder's lease expires.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LeaseLostError } from '../core/errors.ts';
import { createManualClock } from '../core/testing/manual-clock.ts';
import { openDatabase, type OpenDatabase } from './database.ts';
import {
  acquireLease,
  createLeases,
  newLeaseHolder,
  readLease,
  releaseLease,
  renewLease,
  withLease,
} from './lease.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from './testing/test-database.ts';

const child = fileURLToPath(new URL('./lease-child.ts', import.meta.url));
const T0 = new Date('2026-05-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

for (const dialect of DIALECTS) {
  void describe(`leases on ${dialect}`, { timeout: 120_000 }, () => {
    let test: TestDatabase;
    let second: OpenDatabase;

    function openSecond(): Promise<OpenDatabase> {
      return test.databaseUrl === null
        ? openDatabase({ databaseUrl: null, dataDir: test.dataDir })
        : openDatabase({
            databaseUrl: test.databaseUrl,
            dataDir: test.dataDir,
            postgresSchema: test.postgresSchema!,
            poolSize: 5,
          });
    }

    before(async () => {
      test = await openTestDatabase(dialect);
      second = await openSecond();
    });
    after(async () => {
      await second?.close();
      await test?.close();
    });
    beforeEach(async () => {
      await test.db.deleteFrom('leases').execute();
    });

    void it('lets one holder hold a lease until it releases it', async () => {
      assert.equal(await acquireLease(test.db, 'sync:a', 'alice', 1000, at(0)), true);
      assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, at(10)), false);
      assert.deepEqual(await readLease(test.db, 'sync:a'), {
        name: 'sync:a',
        holder: 'alice',
        acquiredAt: at(0).toISOString(),
        expiresAt: at(1000).toISOString(),
      });
      // Other names are independent.
      assert.equal(await acquireLease(test.db, 'sync:b', 'bob', 1000, at(10)), true);
      assert.equal(await releaseLease(test.db, 'sync:a', 'bob'), false);
      assert.equal((await readLease(test.db, 'sync:a'))?.holder, 'alice');
      assert.equal(await releaseLease(test.db, 'sync:a', 'alice'), true);
      assert.equal(await readLease(test.db, 'sync:a'), null);
      assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, at(20)), true);
    });

    void it('lets the holder acquire again, extending its lease, as a retried acquire would', async () => {
      assert.equal(await acquireLease(test.db, 'sync:a', 'alice', 1000, at(0)), true);
      assert.equal(await acquireLease(test.db, 'sync:a', 'alice', 1000, at(500)), true);
      assert.equal((await readLease(test.db, 'sync:a'))?.expiresAt, at(1500).toISOString());
    });

    void it('lets another holder take over only after the lease expired', async () => {
      assert.equal(await acquireLease(test.db, 'sync:a', 'alice', 1000, at(0)), true);
      assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, at(999)), false);
      // At its expiry instant the lease belongs to nobody: the holder stops, others still wait.
      assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, at(1000)), false);
      assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, at(1001)), true);
      assert.deepEqual(await readLease(test.db, 'sync:a'), {
        name: 'sync:a',
        holder: 'bob',
        acquiredAt: at(1001).toISOString(),
        expiresAt: at(2001).toISOString(),
      });
      assert.equal(await renewLease(test.db, 'sync:a', 'alice', 1000, at(1002)), false);
      assert.equal(await releaseLease(test.db, 'sync:a', 'alice'), false);
      assert.equal((await readLease(test.db, 'sync:a'))?.holder, 'bob');
    });

    void it('keeps a renewed lease from being taken over', async () => {
      assert.equal(await acquireLease(test.db, 'sync:a', 'alice', 1000, at(0)), true);
      assert.equal(await renewLease(test.db, 'sync:a', 'alice', 1000, at(900)), true);
      assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, at(1500)), false);
      assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, at(1901)), true);
      assert.equal(await renewLease(test.db, 'sync:a', 'nobody', 1000, at(0)), false);
    });

    void it('gives a free lease to exactly one of many concurrent contenders on two database instances', async () => {
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, n) =>
            acquireLease(n % 2 === 0 ? test.db : second.db, `race:${round}`, `holder-${n}`, 1000, at(0)),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results.join(',')}`);
        const winner = results.indexOf(true);
        assert.equal((await readLease(test.db, `race:${round}`))?.holder, `holder-${winner}`);
      }
    });

    void it('gives an expired lease to exactly one of many concurrent contenders on two database instances', async () => {
      for (let round = 0; round < 5; round++) {
        assert.equal(await acquireLease(test.db, 'expired', `old-${round}`, 1000, at(round * 10_000)), true);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, n) =>
            acquireLease(
              n % 2 === 0 ? test.db : second.db,
              'expired',
              `holder-${round}-${n}`,
              1000,
              at(round * 10_000 + 5000 + n),
            ),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results.join(',')}`);
        assert.equal(
          (await readLease(test.db, 'expired'))?.holder,
          `holder-${round}-${results.indexOf(true)}`,
        );
      }
    });

    void it('refuses a ttl that is not a positive whole number of milliseconds', async () => {
      await assert.rejects(acquireLease(test.db, 'x', 'a', 0, at(0)), RangeError);
      await assert.rejects(renewLease(test.db, 'x', 'a', 1.5, at(0)), RangeError);
      await assert.rejects(
        withLease(test.db, 'x', 'a', 100, async () => 1, { renewEveryMs: 100 }),
        RangeError,
      );
    });

    void it('binds the lease functions to a clock for the store', async () => {
      const clock = createManualClock(T0);
      const leases = createLeases({ db: test.db, clock });
      assert.equal(await leases.acquire('sync:a', 'alice', 1000), true);
      clock.advance(800);
      assert.equal(await leases.renew('sync:a', 'alice', 1000), true);
      assert.equal((await leases.read('sync:a'))?.expiresAt, at(1800).toISOString());
      clock.advance(1001);
      assert.deepEqual(await leases.withLease('sync:a', 'bob', 1000, async () => 'ran'), {
        acquired: true,
        value: 'ran',
      });
      assert.equal(await leases.release('sync:a', 'alice'), false);
    });

    void it('names holders uniquely per attempt, readably', () => {
      const a = newLeaseHolder('cli');
      assert.match(a, new RegExp(`^cli@.+:${process.pid}:[0-9a-f]{12}$`));
      assert.notEqual(newLeaseHolder('cli'), a);
    });

    void describe('withLease', () => {
      void it('runs the work, returns its value and releases the lease', async () => {
        const outcome = await withLease(test.db, 'sync:a', 'alice', 1000, async () => {
          assert.equal((await readLease(test.db, 'sync:a'))?.holder, 'alice');
          return 42;
        });
        assert.deepEqual(outcome, { acquired: true, value: 42 });
        assert.equal(await readLease(test.db, 'sync:a'), null);
      });

      void it('does not run the work while another holder has the lease, and says who has it', async () => {
        assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 60_000, new Date()), true);
        let isRun = false;
        const outcome = await withLease(test.db, 'sync:a', 'alice', 1000, async () => {
          isRun = true;
        });
        assert.equal(isRun, false);
        assert.equal(outcome.acquired, false);
        assert.ok(!outcome.acquired);
        assert.equal(outcome.heldBy?.holder, 'bob');
      });

      void it('releases the lease when the work fails, and passes the failure on', async () => {
        await assert.rejects(
          withLease(test.db, 'sync:a', 'alice', 1000, async () => {
            throw new Error('source read failed');
          }),
          /source read failed/,
        );
        assert.equal(await readLease(test.db, 'sync:a'), null);
      });

      void it('renews the lease while work outlasts its ttl, so nobody takes it over meanwhile', async () => {
        let renewedTo = '';
        const outcome = await withLease(
          test.db,
          'sync:a',
          'alice',
          400,
          async (signal) => {
            for (let i = 0; i < 8; i++) {
              await sleep(100);
              assert.equal(await acquireLease(second.db, 'sync:a', 'bob', 400, new Date()), false);
            }
            renewedTo = (await readLease(test.db, 'sync:a'))?.expiresAt ?? '';
            return signal.aborted;
          },
          { renewEveryMs: 80 },
        );
        assert.deepEqual(outcome, { acquired: true, value: false });
        assert.ok(renewedTo > new Date(Date.now() - 400).toISOString(), renewedTo);
        assert.equal(await readLease(test.db, 'sync:a'), null);
      });

      void it('aborts the work and fails with lease_lost when another holder takes the lease over', async () => {
        let abortedWith: unknown;
        await assert.rejects(
          withLease(
            test.db,
            'sync:a',
            'alice',
            60_000,
            async (signal) => {
              // A holder whose clock is far ahead (or who waited out the ttl) takes over.
              assert.equal(
                await acquireLease(second.db, 'sync:a', 'bob', 60_000, new Date(Date.now() + 120_000)),
                true,
              );
              await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
              abortedWith = signal.reason;
              return 'finished anyway';
            },
            { renewEveryMs: 30 },
          ),
          (error: unknown) =>
            error instanceof LeaseLostError &&
            error.code === 'lease_lost' &&
            /another holder took it over/.test(error.message),
        );
        assert.ok(abortedWith instanceof LeaseLostError);
        // The new holder keeps its lease: the loser's release did not remove it.
        assert.equal((await readLease(test.db, 'sync:a'))?.holder, 'bob');
      });

      void it('fails with lease_lost when the lease row is removed under it', async () => {
        await assert.rejects(
          withLease(
            test.db,
            'sync:a',
            'alice',
            60_000,
            async (signal) => {
              await second.db.deleteFrom('leases').execute();
              await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
            },
            { renewEveryMs: 30 },
          ),
          LeaseLostError,
        );
      });

      void it('fails with lease_lost when the database stays unreachable until the lease expires', async () => {
        const doomed = await openSecond();
        let isClosed = false;
        await assert.rejects(
          withLease(
            doomed.db,
            'sync:a',
            'alice',
            300,
            async (signal) => {
              await doomed.close();
              isClosed = true;
              await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
            },
            { renewEveryMs: 50 },
          ),
          (error: unknown) =>
            error instanceof LeaseLostError && /expired before a renewal/.test(error.message),
        );
        assert.ok(isClosed);
        // Nobody released it, so it expires by itself and can then be taken over: strictly after its
        // expiry instant, which is when the loss was reported.
        await sleep(10);
        assert.equal(await acquireLease(test.db, 'sync:a', 'bob', 1000, new Date()), true);
      });
    });

    void it('lets a killed holder’s lease expire, and not before', async () => {
      const ttlMs = 1500;
      const proc = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          child,
          test.databaseUrl ?? test.dataDir,
          test.postgresSchema ?? '-',
          'sync:crash',
          'crashing-holder',
          String(ttlMs),
          '200',
        ],
        { stdio: 'pipe' },
      );
      let stderr = '';
      proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        proc.on('close', (_, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('held')) resolve();
        });
        void exited.then(() => reject(new Error(`the holder exited before holding the lease:\n${stderr}`)));
      });
      // Longer than the ttl: the child's renewals keep the lease from expiring.
      await sleep(ttlMs + 500);
      assert.equal(await acquireLease(test.db, 'sync:crash', 'successor', ttlMs, new Date()), false);

      proc.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      const killedAt = Date.now();
      assert.equal(await acquireLease(test.db, 'sync:crash', 'successor', ttlMs, new Date()), false);
      let isAcquired = false;
      while (!isAcquired && Date.now() - killedAt < ttlMs * 3) {
        await sleep(100);
        isAcquired = await acquireLease(test.db, 'sync:crash', 'successor', ttlMs, new Date());
      }
      assert.ok(isAcquired, 'the successor got the lease once it expired');
      assert.equal((await readLease(test.db, 'sync:crash'))?.holder, 'successor');
    });
  });
}
