// An acknowledged write is durable: kill -9 the real server process in the middle of a burst of
// creates, start it again on the same data dir, and every user that got a 201 is there.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const CLI = ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'main', 'cli.ts')];

function cli(dataDir: string, args: string[]): string {
  const result = spawnSync(process.execPath, [...CLI, ...args], {
    env: { ...process.env, ROSTER_DATA_DIR: dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `roster ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve'], {
    env: {
      ...process.env,
      ROSTER_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let i = 0; i < 200; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return child;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy: ${stderr}`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'roster-durability-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

void test('every user acknowledged with 201 before a kill -9 is there after a restart', async () => {
  cli(dataDir, ['connection', 'add', 'acme', '--app', 'directory']);
  const token = cli(dataDir, ['token', 'create', 'acme']);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/scim/v2/acme`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };

  for (let round = 0; round < 3; round++) {
    const server = await startServer(dataDir, port);
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (worker: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const response = await fetch(`${base}/Users`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
              userName: `r${round}-w${worker}-${i}@example.com`,
            }),
          });
          if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    while (acknowledged.length < 60) await new Promise((r) => setTimeout(r, 5));
    server.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    if (server.exitCode === null && server.signalCode === null)
      await new Promise((r) => server.once('exit', r));

    const restarted = await startServer(dataDir, port);
    try {
      for (const id of acknowledged) {
        const response = await fetch(`${base}/Users/${id}`, { headers });
        assert.equal(response.status, 200, `user ${id} acknowledged before the crash is missing`);
      }
    } finally {
      restarted.kill('SIGTERM');
      await new Promise((r) => restarted.once('exit', r));
    }
  }
});
