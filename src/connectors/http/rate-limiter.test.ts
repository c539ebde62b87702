import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimiter } from './rate-limiter.ts';

// p-queue paces with the global timers, so these tests run on node:test's mock timers: virtual time that
// only moves when the test ticks it. No test waits or measures wall time.
async function runFor(ms: number, step = 50): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += step) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    mock.timers.tick(step);
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
}

void describe('rate limiter', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 }));
  afterEach(() => mock.timers.reset());

  void test('starts at most the cap within any window and spaces the rest', async () => {
    const limiter = createRateLimiter({ read: { concurrency: 10, windows: [{ cap: 2, intervalMs: 1000 }] } });
    const starts: number[] = [];
    const done = Promise.all(
      Array.from({ length: 5 }, () =>
        limiter.schedule('read', async () => {
          starts.push(Date.now());
        }),
      ),
    );
    await runFor(3000);
    await done;
    assert.deepEqual(starts, [0, 0, 1000, 1000, 2000]);
  });

  void test('respects a burst window and a longer window together (Personio: 15/s and 300/min)', async () => {
    const limiter = createRateLimiter({
      read: {
        concurrency: 100,
        windows: [
          { cap: 15, intervalMs: 1000 },
          { cap: 30, intervalMs: 60_000 },
        ],
      },
    });
    const starts: number[] = [];
    const done = Promise.all(
      Array.from({ length: 40 }, () =>
        limiter.schedule('read', async () => {
          starts.push(Date.now());
        }),
      ),
    );
    await runFor(61_000, 250);
    await done;
    // Rolling-window check over every start: never more than 15 in a second or 30 in a minute.
    for (const start of starts) {
      assert.ok(
        starts.filter((s) => s >= start && s < start + 1000).length <= 15,
        'starts.filter((s) => s >= start && s < start + 1000).length <= 15',
      );
      assert.ok(
        starts.filter((s) => s >= start && s < start + 60_000).length <= 30,
        'starts.filter((s) => s >= start && s < start + 60_000).length <= 30',
      );
    }
    assert.equal(starts.filter((s) => s < 1000).length, 15);
    assert.equal(starts.filter((s) => s < 60_000).length, 30);
    assert.equal(starts.length, 40);
  });

  void test('caps concurrent requests', async () => {
    const limiter = createRateLimiter({ write: { concurrency: 2, windows: [] } });
    let running = 0;
    let peak = 0;
    const task = () =>
      limiter.schedule('write', async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => setTimeout(resolve, 100));
        running -= 1;
      });
    const done = Promise.all([task(), task(), task(), task(), task()]);
    await runFor(1000);
    await done;
    assert.equal(peak, 2);
  });

  void test('refuses an unknown bucket', () => {
    const limiter = createRateLimiter({ read: { concurrency: 1, windows: [] } });
    assert.throws(() => limiter.schedule('nope', async () => undefined), /unknown rate-limit bucket/);
  });
});
