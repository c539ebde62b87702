import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConnectorError } from '../contract.ts';
import type { ReadCursor } from './read-cursor.ts';
import {
  READ_CURSOR_MODES,
  decodeReadCursor,
  decodeWatermark,
  encodeReadCursor,
  encodeWatermark,
  updatedSinceFor,
} from './read-cursor.ts';

const instant = fc
  .integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString());

const cursor: fc.Arbitrary<ReadCursor> = fc.record(
  {
    v: fc.constant(1 as const),
    mode: fc.constantFrom(...READ_CURSOR_MODES),
    offset: fc.nat(1_000_000),
    total: fc.oneof(fc.nat(1_000_000), fc.constant(null)),
    startedAt: instant,
    since: fc.oneof(
      instant.map((i) => i.slice(0, 19)),
      fc.constant(null),
    ),
    lastFullReadAt: fc.oneof(instant, fc.constant(null)),
    restarts: fc.nat(100),
  },
  { noNullPrototype: true },
);

void describe('read cursors', () => {
  void test('decode(encode(cursor)) is the cursor', () => {
    fc.assert(fc.property(cursor, (c) => assert.deepEqual(decodeReadCursor(encodeReadCursor(c), c.mode), c)));
  });

  void test('are plain ASCII and short enough to persist', () => {
    fc.assert(fc.property(cursor, (c) => /^[A-Za-z0-9._-]{1,400}$/.test(encodeReadCursor(c))));
  });

  void test('anything else is refused as invalid_request, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `pc1.${Buffer.from(s).toString('base64url')}`),
        ),
        (text) => {
          try {
            decodeReadCursor(text, 'full');
            return false;
          } catch (error) {
            return error instanceof ConnectorError && error.kind === 'invalid_request';
          }
        },
      ),
    );
  });

  void test('a cursor of one kind of read is refused by another', () => {
    const text = encodeReadCursor({
      v: 1,
      mode: 'changes',
      offset: 100,
      total: 200,
      startedAt: '2026-03-02T09:00:00.000Z',
      since: '2026-03-02T08:45:00',
      lastFullReadAt: null,
      restarts: 0,
    });
    assert.throws(() => decodeReadCursor(text, 'full'), /changes read, not a full read/);
  });
});

void describe('watermarks', () => {
  void test('round-trip, and garbage decodes to null', () => {
    const watermark = { v: 1 as const, readStartedAt: '2026-03-02T09:00:00.000Z', lastFullReadAt: null };
    assert.deepEqual(decodeWatermark(encodeWatermark(watermark)), watermark);
    fc.assert(fc.property(fc.string(), (text) => decodeWatermark(text) === null));
  });

  void test('updated_since is the previous start minus the overlap, in UTC without a zone', () => {
    assert.equal(updatedSinceFor('2026-03-02T09:00:00.000Z', 15), '2026-03-02T08:45:00');
    assert.equal(updatedSinceFor('2026-03-02T00:10:00.000Z', 15), '2026-03-01T23:55:00');
  });
});
