// Identifier generation: UUIDv7 (RFC 9562 §5.7), time-ordered so new rows append to indexes and
// ids sort roughly by creation, random enough (74 bits) that they cannot be guessed.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A new UUIDv7 in canonical lower-case form, e.g. `019ad3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d`. */
export function newId(clock: Clock = systemClock): string {
  const bytes = randomBytes(16);
  const ms = clock.now().getTime();
  // 48-bit big-endian Unix milliseconds, then version 7 and the RFC 4122 variant.
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let hex = '';
  for (const b of bytes) hex += HEX[b];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a canonical lower-case UUID of any version. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
