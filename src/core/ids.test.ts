// Ids are UUIDv7: well-formed, unique, and ordered by creation time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUuid, newId } from './ids.ts';
import { createManualClock } from './testing/manual-clock.ts';

void describe('newId', () => {
  void it('produces a canonical version 7 UUID with the RFC variant', () => {
    const id = newId();
    assert.ok(isUuid(id));
    assert.equal(id[14], '7');
    assert.ok('89ab'.includes(id[19] ?? ''));
  });

  void it('never repeats across many calls', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId()));
    assert.equal(ids.size, 10_000);
  });

  void it('sorts ids from a later millisecond after ids from an earlier one', () => {
    const clock = createManualClock();
    const first = newId(clock);
    clock.advance(1);
    const second = newId(clock);
    assert.ok(first < second);
  });

  void it('encodes the creation time in the first 48 bits', () => {
    const clock = createManualClock(new Date('2026-11-28T12:00:00.000Z'));
    const hex = newId(clock).replace(/-/g, '').slice(0, 12);
    assert.equal(parseInt(hex, 16), Date.parse('2026-11-28T12:00:00.000Z'));
  });
});
