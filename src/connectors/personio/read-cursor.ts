// The opaque cursors and watermarks the Personio connector hands out: versioned, base64url JSON, validated
// when they come back (they are persisted by the engine, so they may come from an older process or be
// corrupted), and never carrying personal data.
import { z } from 'zod';
import { ConnectorError } from '../contract.ts';

export const READ_CURSOR_MODES = ['full', 'changes', 'accounts'] as const;
export type ReadCursorMode = (typeof READ_CURSOR_MODES)[number];

const isoInstant = z.iso.datetime();

const readCursorSchema = z
  .object({
    v: z.literal(1),
    mode: z.enum(READ_CURSOR_MODES),
    /** Record offset of the next page. */
    offset: z.number().int().min(0).max(10_000_000),
    /** total_elements when paging started (or restarted); a change means the listing moved underneath. */
    total: z.number().int().min(0).max(10_000_000).nullable(),
    /** When this read started (becomes the next watermark). */
    startedAt: isoInstant,
    /** The updated_since value of a changes read, fixed for all its pages. */
    since: z.string().max(32).nullable(),
    /** Carried into the watermark so the full-read schedule survives incremental reads. */
    lastFullReadAt: isoInstant.nullable(),
    /** How often this read restarted from the first page because the listing changed. */
    restarts: z.number().int().min(0).max(100),
  })
  .strict();
export type ReadCursor = z.output<typeof readCursorSchema>;

const watermarkSchema = z
  .object({
    v: z.literal(1),
    /** Start of the read that produced this watermark; the next changes read asks from here (minus overlap). */
    readStartedAt: isoInstant,
    /** Start of the last complete full read. */
    lastFullReadAt: isoInstant.nullable(),
  })
  .strict();
export type Watermark = z.output<typeof watermarkSchema>;

const CURSOR_PREFIX = 'pc1.';
const WATERMARK_PREFIX = 'pw1.';

function encode(prefix: string, value: unknown): string {
  return prefix + Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decode<T>(prefix: string, text: unknown, schema: z.ZodType<T>): T | null {
  if (typeof text !== 'string' || !text.startsWith(prefix) || text.length > 2048) return null;
  const body = text.slice(prefix.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export function encodeReadCursor(cursor: ReadCursor): string {
  return encode(CURSOR_PREFIX, cursor);
}

/** Decodes a cursor this connector issued for `mode`; anything else is `invalid_request`. */
export function decodeReadCursor(text: string, mode: ReadCursorMode): ReadCursor {
  const cursor = decode(CURSOR_PREFIX, text, readCursorSchema);
  if (cursor === null) {
    throw new ConnectorError(
      'invalid_request',
      'the cursor is not one this Personio connector issued; restart the read',
    );
  }
  if (cursor.mode !== mode) {
    throw new ConnectorError(
      'invalid_request',
      `the cursor belongs to a ${cursor.mode} read, not a ${mode} read`,
    );
  }
  return cursor;
}

export function encodeWatermark(watermark: Watermark): string {
  return encode(WATERMARK_PREFIX, watermark);
}

/** Decodes a watermark; null when it is not one this connector issued. */
export function decodeWatermark(text: string): Watermark | null {
  return decode(WATERMARK_PREFIX, text, watermarkSchema);
}

/**
 * `updated_since` for a changes read: the previous read's start minus the overlap, as a wall-clock time
 * without zone. Personio does not say which zone it reads that in; UTC is the safe choice: if Personio
 * reads it as Berlin time (ahead of UTC) the window only starts earlier, never later.
 */
export function updatedSinceFor(readStartedAt: string, overlapMinutes: number): string {
  const ms = Date.parse(readStartedAt) - overlapMinutes * 60_000;
  return new Date(ms).toISOString().slice(0, 19);
}
