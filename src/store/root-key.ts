// The root secret key and the sub-keys derived from it: where it comes from (ROSTER_SECRET_KEY, or
// on SQLite a key file generated once with mode 0600) and how each purpose gets its own key (HKDF).
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretKeyError } from '../core/errors.ts';

export const ROOT_KEY_BYTES = 32;
export const KEY_FILE_NAME = 'secret.key';

export interface RootKeyOptions {
  /** ROSTER_SECRET_KEY as base64, or null when unset. */
  readonly secretKey: string | null;
  readonly dataDir: string;
  /** A postgres:// URL; with one, the key must come from the environment. */
  readonly databaseUrl: string | null;
}

export interface RootKey {
  readonly key: Buffer;
  /** `environment`; `file` for an existing key file; `generated` when this call created it. */
  readonly source: 'environment' | 'file' | 'generated';
  /** The key file's path when the key came from one. */
  readonly path?: string;
  /**
   * A key file that ROSTER_SECRET_KEY overrides. Tokens created under the file's key stop working,
   * so start-up warns about it.
   */
  readonly shadowedPath?: string;
}

/**
 * Finds the root key: ROSTER_SECRET_KEY when set; otherwise, on SQLite only, `<dataDir>/secret.key`,
 * generated when missing. Two processes starting together end up with the same key: the file is
 * written completely under a temporary name and then linked into place, which fails if another
 * process got there first, and that process's key is used.
 *
 * @throws SecretKeyError `secret_key_insecure` when the key file is readable by group or others
 *   (it may have leaked: fix the mode, consider rotating); `secret_key_invalid` when the key is
 *   missing where required, malformed, or the file cannot be read or written.
 */
export async function resolveRootKey(options: RootKeyOptions): Promise<RootKey> {
  if (options.secretKey !== null) {
    const key = decodeKey(options.secretKey, 'ROSTER_SECRET_KEY');
    const path = join(options.dataDir, KEY_FILE_NAME);
    const hasFile =
      options.databaseUrl === null &&
      (await stat(path).then(
        () => true,
        () => false,
      ));
    return hasFile ? { key, source: 'environment', shadowedPath: path } : { key, source: 'environment' };
  }
  if (options.databaseUrl !== null) {
    throw new SecretKeyError(
      'secret_key_invalid',
      'ROSTER_SECRET_KEY is required with DATABASE_URL so every instance shares one key; generate one with `openssl rand -base64 32`.',
    );
  }
  const path = join(options.dataDir, KEY_FILE_NAME);
  const existing = await readKeyFile(path);
  if (existing) return { key: existing, source: 'file', path };

  const key = randomBytes(ROOT_KEY_BYTES);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    // O_EXCL + mode 0600 at creation: the key is never readable by others, not even briefly.
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const winner = await readKeyFile(path);
      if (!winner) throw error;
      return { key: winner, source: 'file', path };
    }
    await syncDirectory(options.dataDir);
    return { key, source: 'generated', path };
  } catch (cause) {
    if (cause instanceof SecretKeyError) throw cause;
    throw new SecretKeyError(
      'secret_key_invalid',
      `cannot create the key file ${path}: ${(cause as Error).message}. Check that ROSTER_DATA_DIR is writable, or set ROSTER_SECRET_KEY.`,
      { cause },
    );
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function readKeyFile(path: string): Promise<Buffer | null> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SecretKeyError(
      'secret_key_invalid',
      `cannot read the key file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  // POSIX permission bits mean nothing on Windows, where ACLs guard the file instead.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new SecretKeyError(
      'secret_key_insecure',
      `the key file ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${path}\`, and rotate the key if others may have read it.`,
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SecretKeyError(
      'secret_key_invalid',
      `cannot read the key file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return decodeKey(text.trim(), path);
}

function decodeKey(base64: string, origin: string): Buffer {
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
  if (key.length !== ROOT_KEY_BYTES) {
    throw new SecretKeyError(
      'secret_key_invalid',
      `${origin} does not hold ${ROOT_KEY_BYTES} bytes in base64; generate a key with \`openssl rand -base64 32\`.`,
    );
  }
  return key;
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the new directory entry durable, so a crash right after start cannot lose the key.
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the file itself is already synced.
  }
}

/** Purpose-bound keys derived from the root key; no key is ever used for two purposes. */
export interface DerivedKeys {
  /** HMAC-SHA-256 key for bearer token hashes. */
  readonly tokenHash: Buffer;
  /** Key-encryption key that wraps each sealed secret's data key. */
  readonly secretKek: Buffer;
  /** A public fingerprint of the KEK, stored with each sealed secret to tell "wrong key" apart. */
  readonly secretKekId: string;
}

const HKDF_SALT = Buffer.from('roster/v1');

export function deriveKeys(rootKey: Buffer): DerivedKeys {
  if (rootKey.length !== ROOT_KEY_BYTES) {
    throw new SecretKeyError('secret_key_invalid', `the root key must be ${ROOT_KEY_BYTES} bytes`);
  }
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', rootKey, HKDF_SALT, info, 32));
  const secretKek = derive('secret-kek');
  return Object.freeze({
    tokenHash: derive('token-hash'),
    secretKek,
    secretKekId: createHash('sha256').update('roster kek id').update(secretKek).digest('hex').slice(0, 16),
  });
}
