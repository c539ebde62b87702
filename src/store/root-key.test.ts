// The root key: from the environment, or a key file created once with mode 0600 and refused when
// others can read it; and purpose-bound sub-keys.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretKeyError } from '../core/errors.ts';
import { KEY_FILE_NAME, deriveKeys, resolveRootKey } from './root-key.ts';

let dir: string;
let n = 0;
const freshDir = () => join(dir, `data-${n++}`);

void describe('root key', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roster-key-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('uses ROSTER_SECRET_KEY when set and writes no file', async () => {
    const dataDir = freshDir();
    const key = Buffer.alloc(32, 3);
    const root = await resolveRootKey({ secretKey: key.toString('base64'), dataDir, databaseUrl: null });
    assert.equal(root.source, 'environment');
    assert.deepEqual(root.key, key);
    await assert.rejects(stat(join(dataDir, KEY_FILE_NAME)), { code: 'ENOENT' });
  });

  void it('reports a key file that ROSTER_SECRET_KEY overrides', async () => {
    const dataDir = freshDir();
    await resolveRootKey({ secretKey: null, dataDir, databaseUrl: null });
    const root = await resolveRootKey({
      secretKey: Buffer.alloc(32, 8).toString('base64'),
      dataDir,
      databaseUrl: null,
    });
    assert.equal(root.source, 'environment');
    assert.equal(root.shadowedPath, join(dataDir, KEY_FILE_NAME));
  });

  void it('generates a key file readable only by its owner, then reuses it', async () => {
    const dataDir = freshDir();
    const first = await resolveRootKey({ secretKey: null, dataDir, databaseUrl: null });
    assert.equal(first.source, 'generated');
    assert.equal(first.path, join(dataDir, KEY_FILE_NAME));
    assert.equal(first.key.length, 32);
    const info = await stat(join(dataDir, KEY_FILE_NAME));
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal((await readFile(join(dataDir, KEY_FILE_NAME), 'utf8')).trim(), first.key.toString('base64'));
    const second = await resolveRootKey({ secretKey: null, dataDir, databaseUrl: null });
    assert.equal(second.source, 'file');
    assert.deepEqual(second.key, first.key);
  });

  void it('gives every caller the same key when several create it at once', async () => {
    const dataDir = freshDir();
    const roots = await Promise.all(
      Array.from({ length: 8 }, () => resolveRootKey({ secretKey: null, dataDir, databaseUrl: null })),
    );
    const distinct = new Set(roots.map((r) => r.key.toString('hex')));
    assert.equal(distinct.size, 1);
    assert.equal(roots.filter((r) => r.source === 'generated').length, 1);
  });

  void it('refuses a key file that its group or others can read', async () => {
    const dataDir = freshDir();
    await resolveRootKey({ secretKey: null, dataDir, databaseUrl: null });
    await chmod(join(dataDir, KEY_FILE_NAME), 0o644);
    await assert.rejects(
      resolveRootKey({ secretKey: null, dataDir, databaseUrl: null }),
      (e: unknown) =>
        e instanceof SecretKeyError && e.code === 'secret_key_insecure' && /chmod 600/.test(e.message),
    );
  });

  void it('refuses a key file that does not hold 32 bytes', async () => {
    const dataDir = freshDir();
    await resolveRootKey({ secretKey: null, dataDir, databaseUrl: null });
    await writeFile(join(dataDir, KEY_FILE_NAME), 'c2hvcnQ=\n', { mode: 0o600 });
    await assert.rejects(
      resolveRootKey({ secretKey: null, dataDir, databaseUrl: null }),
      (e: unknown) => e instanceof SecretKeyError && e.code === 'secret_key_invalid',
    );
  });

  void it('requires ROSTER_SECRET_KEY on PostgreSQL instead of generating a file', async () => {
    const dataDir = freshDir();
    await assert.rejects(
      resolveRootKey({ secretKey: null, dataDir, databaseUrl: 'postgres://db/roster' }),
      (e: unknown) => e instanceof SecretKeyError && e.code === 'secret_key_invalid',
    );
    await assert.rejects(stat(dataDir), { code: 'ENOENT' });
  });

  void it('derives different, stable sub-keys for each purpose', () => {
    const a = deriveKeys(Buffer.alloc(32, 1));
    const b = deriveKeys(Buffer.alloc(32, 1));
    const c = deriveKeys(Buffer.alloc(32, 2));
    assert.deepEqual(a.tokenHash, b.tokenHash);
    assert.notDeepEqual(a.tokenHash, a.secretKek);
    assert.notDeepEqual(a.tokenHash, c.tokenHash);
    assert.notEqual(a.secretKekId, c.secretKekId);
    assert.match(a.secretKekId, /^[0-9a-f]{16}$/);
    assert.throws(() => deriveKeys(Buffer.alloc(16)), SecretKeyError);
  });
});
