// The arithmetic of the audit log's hash chain, pure: how content is serialised and digested, and
// how an entry's hash binds it to the entry before it. The repository (audit-log.ts) stores the results.
import { createHash, randomBytes } from 'node:crypto';

/** `prev_hash` of the first entry: no entry came before it. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

// Names the hash layout; a future layout gets a new tag, so old entries keep verifying as they are.
const HASH_LAYOUT = 'roster-audit-v1';
const SALT_BYTES = 16;

/** The fields an entry's hash covers: everything except `seq`, `content` and the hash itself. */
export interface ChainedFields {
  readonly prevHash: string;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly outcome: string;
  readonly connectionId: string | null;
  readonly syncId: string | null;
  readonly personId: string | null;
  readonly accountId: string | null;
  readonly contentDigest: string;
}

/** Stored content (the `content` column) and its digest (the `content_digest` column). */
export interface SealedContent {
  readonly text: string;
  readonly digest: string;
}

/**
 * Serialises `value` for the `content` column together with a fresh random salt, and digests the
 * result. The salt is why erasure really erases: without it, the digest of small content (one
 * e-mail address) left behind after erasure would let anyone confirm a guess of what was erased.
 * The salt lives inside the content and is erased with it.
 *
 * @throws TypeError or RangeError when `value` has no exact JSON form (see `canonicalJson`).
 */
export function sealContent(value: unknown, salt: Buffer = randomBytes(SALT_BYTES)): SealedContent {
  const text = canonicalJson({ salt: salt.toString('base64url'), value: value === undefined ? null : value });
  return { text, digest: sha256Hex(text) };
}

/** The content as appended, from the stored text; the salt is an implementation detail. */
export function openContent(text: string): unknown {
  const parsed = JSON.parse(text) as { value?: unknown };
  return parsed.value ?? null;
}

/** True when stored content still matches the digest recorded when it was appended. */
export function isContentIntact(text: string, digest: string): boolean {
  return sha256Hex(text) === digest;
}

/**
 * The hash of an entry. Each field is a JSON string or null inside one JSON array, so no two
 * different entries serialise alike (a field cannot absorb its neighbour's characters).
 */
export function hashEntry(fields: ChainedFields): string {
  return sha256Hex(
    JSON.stringify([
      HASH_LAYOUT,
      fields.prevHash,
      fields.id,
      fields.at,
      fields.actor,
      fields.action,
      fields.outcome,
      fields.connectionId,
      fields.syncId,
      fields.personId,
      fields.accountId,
      fields.contentDigest,
    ]),
  );
}

/**
 * JSON with object keys in code-unit order at every depth and no whitespace, so equal content always
 * digests alike. Values with a `toJSON` (Date) are serialised through it, as JSON.stringify does.
 * Refuses what JSON.stringify would silently alter or drop — non-finite numbers, bigint, functions,
 * Map, Set and other class instances — because the journal must record exactly what happened.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`audit content cannot hold the number ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'object') {
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return canonicalJson((json as () => unknown).call(value));
    if (Array.isArray(value)) {
      return `[${value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new TypeError(
        `audit content must be plain JSON data; got a ${value.constructor?.name ?? 'class'} instance`,
      );
    }
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  throw new TypeError(`audit content cannot hold a ${typeof value}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
