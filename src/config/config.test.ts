// loadConfig: defaults, validation that lists every bad variable with a fix, and immutability.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../core/errors.ts';
import { loadConfig } from './config.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected a ConfigError');
}

void describe('loadConfig', () => {
  void it('applies every documented default to an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, './data');
    assert.equal(config.sqliteFile, 'data/roster.db');
    assert.equal(config.databaseUrl, null);
    assert.equal(config.dialect, 'sqlite');
    assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(config.isPublicUrlDerived, true);
    assert.equal(config.secretKey, null);
    assert.equal(config.rateLimitRps, 0);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.maxBodyBytes, 10 * 1024 * 1024);
    assert.deepEqual(config.scimLimits, {
      maxResults: 1000,
      bulkMaxOperations: 1000,
      bulkMaxPayloadBytes: 10 * 1024 * 1024,
      maxBodyBytes: 10 * 1024 * 1024,
    });
  });

  void it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      ROSTER_DATA_DIR: '/var/lib/roster',
      DATABASE_URL: 'postgresql://roster:pw@db:5432/roster',
      ROSTER_PUBLIC_URL: 'https://id.example.com/roster/',
      ROSTER_SECRET_KEY: KEY,
      ROSTER_RATE_LIMIT_RPS: '25',
      LOG_LEVEL: 'DEBUG',
      ROSTER_SCIM_MAX_RESULTS: '200',
      ROSTER_SCIM_BULK_MAX_OPERATIONS: '50',
      ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES: '2048',
      ROSTER_MAX_BODY_BYTES: '4096',
    });
    assert.equal(config.port, 9000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/var/lib/roster');
    assert.equal(config.dialect, 'postgres');
    assert.equal(config.databaseUrl, 'postgresql://roster:pw@db:5432/roster');
    assert.equal(config.publicUrl, 'https://id.example.com/roster');
    assert.equal(config.isPublicUrlDerived, false);
    assert.equal(config.secretKey, KEY);
    assert.equal(config.rateLimitRps, 25);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.scimLimits.maxResults, 200);
    assert.equal(config.scimLimits.bulkMaxOperations, 50);
    assert.equal(config.scimLimits.bulkMaxPayloadBytes, 2048);
    assert.equal(config.maxBodyBytes, 4096);
    assert.equal(config.scimLimits.maxBodyBytes, 4096);
  });

  void it('treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: ' ', LOG_LEVEL: '' });
    assert.equal(config.port, 8080);
    assert.equal(config.dialect, 'sqlite');
    assert.equal(config.logLevel, 'info');
  });

  void it('derives a reachable public URL from a wildcard or IPv6 bind address', () => {
    assert.equal(loadConfig({ HOST: '0.0.0.0', PORT: '81' }).publicUrl, 'http://127.0.0.1:81');
    assert.equal(loadConfig({ HOST: '::' }).publicUrl, 'http://[::1]:8080');
    assert.equal(loadConfig({ HOST: '::1' }).publicUrl, 'http://[::1]:8080');
  });

  void it('lists every invalid variable at once, each with a fix', () => {
    const error = configError({
      PORT: 'eighty',
      HOST: 'bad host',
      DATABASE_URL: 'mysql://x@y/z',
      ROSTER_PUBLIC_URL: 'ftp://example.com',
      ROSTER_SECRET_KEY: 'c2hvcnQ=',
      ROSTER_RATE_LIMIT_RPS: '-1',
      LOG_LEVEL: 'loud',
      ROSTER_SCIM_MAX_RESULTS: '0',
      ROSTER_SCIM_BULK_MAX_OPERATIONS: '1.5',
      ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES: '10MiB',
      ROSTER_MAX_BODY_BYTES: '12',
    });
    assert.equal(error.code, 'config_invalid');
    assert.deepEqual(error.issues.map((i) => i.variable).sort(), [
      'DATABASE_URL',
      'HOST',
      'LOG_LEVEL',
      'PORT',
      'ROSTER_MAX_BODY_BYTES',
      'ROSTER_PUBLIC_URL',
      'ROSTER_RATE_LIMIT_RPS',
      'ROSTER_SCIM_BULK_MAX_OPERATIONS',
      'ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES',
      'ROSTER_SCIM_MAX_RESULTS',
      'ROSTER_SECRET_KEY',
    ]);
    for (const issue of error.issues) {
      assert.ok(issue.problem.length > 0);
      assert.ok(issue.fix.length > 0, `${issue.variable} has a fix`);
      assert.ok(error.message.includes(issue.variable));
    }
  });

  void it('requires ROSTER_SECRET_KEY with DATABASE_URL, even when other variables are also invalid', () => {
    const error = configError({ DATABASE_URL: 'postgres://db/roster', PORT: '99999' });
    assert.deepEqual(error.issues.map((i) => i.variable).sort(), ['PORT', 'ROSTER_SECRET_KEY']);
    assert.match(error.message, /openssl rand -base64 32/);
  });

  void it('never repeats a secret key or database URL in its messages', () => {
    const error = configError({
      DATABASE_URL: 'mysql://admin:hunter2@db/roster',
      ROSTER_SECRET_KEY: 'not-the-real-key-but-secret',
    });
    assert.doesNotMatch(error.message, /hunter2/);
    assert.doesNotMatch(error.message, /not-the-real-key-but-secret/);
  });

  void it('accepts a url-safe base64 key and stores it canonically', () => {
    const raw = Buffer.alloc(32, 0xfb);
    const config = loadConfig({ ROSTER_SECRET_KEY: raw.toString('base64url') });
    assert.equal(config.secretKey, raw.toString('base64'));
  });

  void it('returns a frozen object', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.scimLimits));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  void it('ignores variables it does not know', () => {
    assert.doesNotThrow(() => loadConfig({ PATH: '/bin', HOME: '/root', UNRELATED: 'x' }));
  });
});
