// When the server runs a sync: a full pass after start-up, incremental runs every `everyMs`, a full
// read every `fullEveryMs`, and future-dated work when it falls due.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SyncRecord } from '../../store/sync-repository.ts';
import { dueRun } from './sync-scheduler.ts';

const started = new Date('2026-11-28T10:00:00.000Z');

function sync(overrides: Partial<SyncRecord>): SyncRecord {
  return {
    id: 'hr',
    source: 'personio',
    target: 'dir',
    mapping: null,
    scope: null,
    everyMs: 30_000,
    fullEveryMs: 6 * 3_600_000,
    settings: {},
    watermark: 'w',
    lastFullReadAt: '2026-11-28T10:00:05.000Z',
    lastRunAt: '2026-11-28T10:00:05.000Z',
    lastStatus: 'applied',
    heldHash: null,
    heldReason: null,
    approvedHash: null,
    nextDueAt: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-28T10:00:05.000Z',
    ...overrides,
  };
}

void test('a sync that has not run since the server started gets a full pass at once', () => {
  assert.deepEqual(
    dueRun(sync({ lastRunAt: '2026-11-28T09:59:00.000Z' }), new Date('2026-11-28T10:00:01Z'), started),
    {
      trigger: 'startup',
      forceFull: true,
    },
  );
  assert.deepEqual(
    dueRun(sync({ lastRunAt: null, lastFullReadAt: null }), new Date('2026-11-28T10:00:01Z'), started),
    {
      trigger: 'startup',
      forceFull: true,
    },
  );
});

void test('incremental runs come every everyMs and not before', () => {
  assert.equal(dueRun(sync({}), new Date('2026-11-28T10:00:20.000Z'), started), null);
  assert.deepEqual(dueRun(sync({}), new Date('2026-11-28T10:00:35.000Z'), started), {
    trigger: 'schedule',
    forceFull: false,
  });
});

void test('a full read comes when the last one is older than fullEveryMs', () => {
  const now = new Date('2026-11-28T16:01:00.000Z');
  assert.deepEqual(dueRun(sync({ lastRunAt: '2026-11-28T16:00:00.000Z' }), now, started), {
    trigger: 'schedule',
    forceFull: true,
  });
});

void test('future-dated work runs when it falls due, once', () => {
  const due = sync({ nextDueAt: '2026-11-28T10:00:10.000Z' });
  assert.deepEqual(dueRun(due, new Date('2026-11-28T10:00:11.000Z'), started), {
    trigger: 'due',
    forceFull: true,
  });
  const ranAfter = sync({ nextDueAt: '2026-11-28T10:00:10.000Z', lastRunAt: '2026-11-28T10:00:12.000Z' });
  assert.equal(dueRun(ranAfter, new Date('2026-11-28T10:00:13.000Z'), started), null);
});
