// The README's configuration table documents exactly the variables loadConfig reads, with their defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { ENVIRONMENT_VARIABLES } from './environment-variables.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const rows = new Map(
  [...readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]),
);

void describe('documented environment variables', () => {
  void it('appear in the README configuration table with their defaults, and nothing else does', () => {
    assert.deepEqual([...rows.keys()].sort(), ENVIRONMENT_VARIABLES.map((v) => v.name).sort());
    for (const variable of ENVIRONMENT_VARIABLES) {
      assert.ok(rows.get(variable.name)?.includes(variable.defaultValue), `${variable.name} default`);
    }
  });

  void it('are the variables loadConfig reads', () => {
    const changed = {
      PORT: '1',
      HOST: '10.0.0.1',
      ROSTER_DATA_DIR: '/x',
      DATABASE_URL: 'postgres://db/x',
      ROSTER_PUBLIC_URL: 'https://x.example',
      ROSTER_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
      ROSTER_RATE_LIMIT_RPS: '3',
      LOG_LEVEL: 'warn',
      ROSTER_SCIM_MAX_RESULTS: '7',
      ROSTER_SCIM_BULK_MAX_OPERATIONS: '8',
      ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES: '2048',
      ROSTER_MAX_BODY_BYTES: '4096',
    };
    assert.deepEqual(Object.keys(changed).sort(), ENVIRONMENT_VARIABLES.map((v) => v.name).sort());
    const defaults = JSON.stringify(loadConfig({}));
    // Each variable alone changes the configuration: none is documented but ignored.
    for (const [name, value] of Object.entries(changed)) {
      const env: NodeJS.ProcessEnv = { [name]: value };
      if (name === 'DATABASE_URL') env['ROSTER_SECRET_KEY'] = changed.ROSTER_SECRET_KEY;
      assert.notEqual(JSON.stringify(loadConfig(env)), defaults, name);
    }
  });
});
