// Envelope encryption of secrets at rest: each secret gets a fresh AES-256-GCM data key, wrapped
// by the key-encryption key; both layers bind the row they belong to as associated data.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretUnsealableError } from '../core/errors.ts';
import type { DerivedKeys } from './root-key.ts';

/**
 * Seals and opens secrets. `aad` names where the sealed value is stored (see `secretAad`): a
 * ciphertext copied to another row, column or table fails to open.
 */
export interface SecretBox {
  /** Returns JSON text safe to store in a text column. */
  seal(plaintext: string, aad: string): string;
  /** @throws SecretUnsealableError for another key, another place, or any alteration. */
  open(sealed: string, aad: string): string;
}

/** The associated data for a sealed column value: `table:column:rowId`. */
export function secretAad(table: string, column: string, rowId: string): string {
  return `${table}:${column}:${rowId}`;
}

interface SealedPart {
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

/** Version 1 of the stored form; `kekId` says which key-encryption key wrapped `dek`. */
interface SealedRecord extends SealedPart {
  readonly v: 1;
  readonly kekId: string;
  readonly dek: SealedPart;
}

const IV_BYTES = 12;

export function createSecretBox(keys: Pick<DerivedKeys, 'secretKek' | 'secretKekId'>): SecretBox {
  return {
    seal(plaintext, aad) {
      const dek = randomBytes(32);
      try {
        const record: SealedRecord = {
          v: 1,
          kekId: keys.secretKekId,
          dek: encrypt(keys.secretKek, dek, aad),
          ...encrypt(dek, Buffer.from(plaintext, 'utf8'), aad),
        };
        return JSON.stringify(record);
      } finally {
        dek.fill(0);
      }
    },
    open(sealed, aad) {
      const record = parseRecord(sealed);
      if (record.kekId !== keys.secretKekId) {
        throw new SecretUnsealableError(
          'this secret was sealed under a different ROSTER_SECRET_KEY; start Roster with that key or store the secret again',
        );
      }
      let dek: Buffer | undefined;
      try {
        dek = decrypt(keys.secretKek, record.dek, aad);
        return decrypt(dek, record, aad).toString('utf8');
      } catch (cause) {
        throw new SecretUnsealableError(
          'this secret does not belong here or was altered (authentication failed); store it again',
          { cause },
        );
      } finally {
        dek?.fill(0);
      }
    },
  };
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): SealedPart {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    iv: iv.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
    ct: ct.toString('base64url'),
  };
}

function decrypt(key: Buffer, part: SealedPart, aad: string): Buffer {
  const iv = Buffer.from(part.iv, 'base64url');
  const tag = Buffer.from(part.tag, 'base64url');
  // A truncated tag would weaken authentication; GCM in node accepts short tags unless told.
  if (iv.length !== IV_BYTES || tag.length !== 16) throw new Error('malformed iv or tag');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(part.ct, 'base64url')), decipher.final()]);
}

function parseRecord(sealed: string): SealedRecord {
  let value: unknown;
  try {
    value = JSON.parse(sealed);
  } catch (cause) {
    throw new SecretUnsealableError('the stored secret is not a sealed record', { cause });
  }
  if (
    isObject(value) &&
    value['v'] === 1 &&
    typeof value['kekId'] === 'string' &&
    isPart(value['dek']) &&
    isPart(value)
  ) {
    return value as unknown as SealedRecord;
  }
  throw new SecretUnsealableError('the stored secret is not a sealed record of a known version');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPart(value: unknown): value is SealedPart {
  return (
    isObject(value) &&
    typeof value['iv'] === 'string' &&
    typeof value['tag'] === 'string' &&
    typeof value['ct'] === 'string'
  );
}
