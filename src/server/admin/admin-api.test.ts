// The admin API over a real listener on SQLite and PostgreSQL: only active admin tokens get in (a
// SCIM token never does), tasks are listed, shown, completed (after an agreeing read-back where the
// task expects one) and cancelled with the token as the journaled actor, connections come without
// secrets, and bad or oversized input gets a JSON error saying what to fix.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createAuditLog, type AuditLog } from '../../store/audit-log.ts';
import { createConnectionRepository } from '../../store/connection-repository.ts';
import { deriveKeys } from '../../store/root-key.ts';
import { createSecretBox } from '../../store/secret-box.ts';
import { createSyncRepository } from '../../store/sync-repository.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../store/testing/test-database.ts';
import { createTokenRepository } from '../../store/token-repository.ts';
import type { ReadBackResolvers } from '../../tasks/read-back.ts';
import { TaskRepository } from '../../tasks/task-repository.ts';
import type { NewTask } from '../../tasks/task.ts';
import { buildApp } from '../app.ts';
import { createAuthenticator } from '../auth.ts';
import { ADMIN_BODY_LIMIT_BYTES } from './routes.ts';

const keys = deriveKeys(Buffer.alloc(32, 7));
const HOUR = 3_600_000;

interface Response {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read by path in assertions
  readonly body: any;
  readonly text: string;
}

function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    connectionId: 'acme',
    kind: 'grant_login',
    title: 'Grant Personio login access to Ada',
    checklist: ['Enable login access'],
    accountId: 'acc-ada',
    personId: 'person-ada',
    dedupeKey: `k-${Math.random()}`,
    actor: 'token:scim',
    ...overrides,
  };
}

for (const dialect of DIALECTS) {
  void describe(`admin API on ${dialect}`, { timeout: 120_000 }, () => {
    let test: TestDatabase;
    let app: FastifyInstance;
    let base: string;
    let tasks: TaskRepository;
    let audit: AuditLog;
    let adminToken: string;
    let adminTokenId: string;
    let scimToken: string;
    let revokedAdmin: string;
    let readBackAgrees = false;

    async function request(
      method: string,
      path: string,
      options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
    ): Promise<Response> {
      const token = options.token === undefined ? adminToken : options.token;
      const headers: Record<string, string> = { ...options.headers };
      if (token !== null) headers['authorization'] = `Bearer ${token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    }

    before(async () => {
      test = await openTestDatabase(dialect);
      const connections = createConnectionRepository({ db: test.db, secretBox: createSecretBox(keys) });
      const tokens = createTokenRepository({ db: test.db, tokenHashKey: keys.tokenHash });
      audit = createAuditLog({ db: test.db, dialect });
      tasks = new TaskRepository({ db: test.db, audit });
      const syncs = createSyncRepository({ db: test.db });
      await connections.create({ id: 'acme', app: 'directory' });
      await connections.create({
        id: 'hr',
        app: 'personio',
        settings: { clientId: 'client-1' },
        secrets: { clientSecret: 'papi-super-secret' },
      });
      const admin = await tokens.create({ kind: 'admin', name: 'ops' });
      adminToken = admin.token;
      adminTokenId = admin.record.id;
      scimToken = (await tokens.create({ kind: 'scim', connectionId: 'acme' })).token;
      const revoked = await tokens.create({ kind: 'admin', name: 'old' });
      await tokens.revoke(revoked.record.id);
      revokedAdmin = revoked.token;
      await syncs.create({
        id: 'hr-to-acme',
        source: 'hr',
        target: 'acme',
        everyMs: 30_000,
        fullEveryMs: 6 * HOUR,
      });
      const run = await syncs.startRun('hr-to-acme', 'manual', 'full');
      await syncs.finishRun(run, { status: 'applied', planHash: 'abc', counts: { create: 2 }, error: null });

      const readBacks: ReadBackResolvers = {
        directory: () =>
          Promise.resolve(() =>
            Promise.resolve({ agrees: readBackAgrees, observed: `loginAccess = ${String(readBackAgrees)}` }),
          ),
      };
      app = await buildApp({
        db: test.db,
        dialect,
        publicUrl: 'https://roster.example.com',
        authenticate: createAuthenticator(tokens),
        limits: {
          maxResults: 100,
          bulkMaxOperations: 10,
          bulkMaxPayloadBytes: 1 << 20,
          maxBodyBytes: 1 << 20,
        },
        maxBodyBytes: 1 << 20,
        rateLimitRps: 0,
        admin: { tokens, tasks, connections, syncs, audit, readBacks },
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      assert.ok(address !== null && typeof address === 'object');
      base = `http://127.0.0.1:${address.port}/api/v1`;
    });
    after(async () => {
      await app?.close();
      await test?.close();
    });

    void it('lets in only active admin tokens, never a SCIM token, and hides even unknown routes', async () => {
      const [none, scim, revoked, garbage, unknownAnonymous, unknown] = await Promise.all([
        request('GET', '/tasks', { token: null }),
        request('GET', '/tasks', { token: scimToken }),
        request('GET', '/tasks', { token: revokedAdmin }),
        request('GET', '/tasks', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, token: null }),
        request('GET', '/nothing-here', { token: null }),
        request('GET', '/nothing-here'),
      ]);
      for (const response of [none, scim, revoked, garbage, unknownAnonymous]) {
        assert.equal(response.status, 401, response.text);
        assert.equal(response.body.error.code, 'admin_token_required');
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
      assert.match(scim.body.error.message, /SCIM token never works here/);
      assert.match(none.body.error.message, /roster token create --admin/);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'route_not_found');
      // And the other way round: an admin token is no SCIM token.
      const scimWithAdmin = await fetch(`${base.replace('/api/v1', '')}/scim/v2/acme/Users`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(scimWithAdmin.status, 401);
    });

    void it('lists tasks by state and connection, page by page, and shows one with whether it is overdue', async () => {
      const late = await tasks.open(
        newTask({ connectionId: 'hr', dueAt: new Date(Date.now() - HOUR).toISOString() }),
      );
      const later = await tasks.open(newTask({ connectionId: 'hr' }));
      const first = await request('GET', '/tasks?connection=hr&state=open&limit=1');
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.tasks.length, 1);
      assert.equal(first.body.tasks[0].id, late.id);
      assert.equal(first.body.tasks[0].isOverdue, true);
      assert.equal(typeof first.body.nextCursor, 'string');
      const second = await request(
        'GET',
        `/tasks?connection=hr&state=open&limit=1&cursor=${first.body.nextCursor}`,
      );
      assert.deepEqual(
        second.body.tasks.map((t: { id: string; isOverdue: boolean }) => [t.id, t.isOverdue]),
        [[later.id, false]],
      );
      assert.equal(second.body.nextCursor, null);

      const shown = await request('GET', `/tasks/${late.id}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body.checklist, ['Enable login access']);
      assert.equal(shown.headers.get('cache-control'), 'no-store');
      const missing = await request('GET', '/tasks/no-such-task');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'task_not_found');
    });

    void it('completes a task with the admin token as the journaled actor, once', async () => {
      const task = await tasks.open(newTask());
      const done = await request('POST', `/tasks/${task.id}/complete`, { body: { note: 'login enabled' } });
      assert.equal(done.status, 200, done.text);
      assert.equal(done.body.state, 'done');
      assert.equal(done.body.evidence.completedBy, `admin-token:${adminTokenId}`);
      assert.equal(done.body.evidence.note, 'login enabled');
      const again = await request('POST', `/tasks/${task.id}/complete`, { body: { note: 'again' } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'task_not_open');
      const journal = await audit.list({ action: 'task.completed', connectionId: 'acme', limit: 1000 });
      const entry = journal.find((e) => (e.content as { taskId?: string }).taskId === task.id);
      assert.equal(entry?.actor, `admin-token:${adminTokenId}`);
    });

    void it('completes a task with an expectation only when the read-back of its app agrees', async () => {
      const task = await tasks.open(newTask({ expectation: { attribute: 'loginAccess', value: true } }));
      readBackAgrees = false;
      const refused = await request('POST', `/tasks/${task.id}/complete`, { body: { note: 'done' } });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.body.error.code, 'task_read_back_disagrees');
      assert.deepEqual(refused.body.error.details, { observed: 'loginAccess = false' });
      assert.equal((await tasks.get(task.id))?.state, 'open');
      readBackAgrees = true;
      const done = await request('POST', `/tasks/${task.id}/complete`, { body: { note: 'done' } });
      assert.equal(done.status, 200, done.text);

      // The personio app has no read-back registered in this server.
      const unprovable = await tasks.open(
        newTask({ connectionId: 'hr', expectation: { attribute: 'loginAccess', value: true } }),
      );
      const unavailable = await request('POST', `/tasks/${unprovable.id}/complete`, {
        body: { note: 'done' },
      });
      assert.equal(unavailable.status, 409);
      assert.equal(unavailable.body.error.code, 'task_read_back_unavailable');
    });

    void it('cancels a task with a reason', async () => {
      const task = await tasks.open(newTask());
      const cancelled = await request('POST', `/tasks/${task.id}/cancel`, { body: { reason: 'not needed' } });
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.body.state, 'cancelled');
      assert.equal(cancelled.body.cancelReason, 'not needed');
    });

    void it('answers bad input with 400 saying what to fix, and an oversized body with 413', async () => {
      const task = await tasks.open(newTask());
      const cases = await Promise.all([
        request('POST', `/tasks/${task.id}/cancel`, { body: {} }),
        request('POST', `/tasks/${task.id}/complete`, { body: { note: 'x', extra: 1 } }),
        request('POST', `/tasks/${task.id}/complete`, { body: { note: '   ' } }),
        request('POST', `/tasks/${task.id}/complete`, { body: '{"note":' }),
        request('POST', `/tasks/${task.id}/complete`),
        request('GET', '/tasks?limit=0'),
        request('GET', '/tasks?state=pending'),
        request('GET', '/tasks?connection=Not_An_Id'),
        request('GET', '/tasks?colour=blue'),
        request('GET', '/audit?after=-1'),
      ]);
      const [
        noReason,
        extraKey,
        blankNote,
        malformed,
        noBody,
        zeroLimit,
        badState,
        badConnection,
        unknownParam,
        badAfter,
      ] = cases;
      for (const response of cases) {
        assert.equal(response.status, 400, response.text);
        assert.equal(response.body.error.code, 'request_invalid', response.text);
      }
      assert.match(noReason?.body.error.message, /body\.reason/);
      assert.match(extraKey?.body.error.message, /extra/);
      assert.match(blankNote?.body.error.message, /body\.note/);
      assert.match(malformed?.body.error.message, /not valid JSON/);
      assert.match(noBody?.body.error.message, /send a JSON object/);
      assert.match(zeroLimit?.body.error.message, /query\.limit: at least 1/);
      assert.match(badState?.body.error.message, /query\.state/);
      assert.match(badConnection?.body.error.message, /query\.connection/);
      assert.match(unknownParam?.body.error.message, /colour/);
      assert.match(badAfter?.body.error.message, /query\.after/);

      const badCursor = await request('GET', '/tasks?cursor=garbage');
      assert.equal(badCursor.status, 400);
      assert.equal(badCursor.body.error.code, 'task_invalid');

      const huge = await request('POST', `/tasks/${task.id}/complete`, {
        body: { note: 'x'.repeat(ADMIN_BODY_LIMIT_BYTES) },
      });
      assert.equal(huge.status, 413);
      assert.equal(huge.body.error.code, 'request_too_large');
      assert.equal((await tasks.get(task.id))?.state, 'open');
    });

    void it('lists connections without their secrets', async () => {
      const response = await request('GET', '/connections');
      assert.equal(response.status, 200);
      assert.doesNotMatch(response.text, /papi-super-secret/);
      const hr = response.body.connections.find((c: { id: string }) => c.id === 'hr');
      assert.equal(hr.hasSecrets, true);
      assert.equal(hr.scimBaseUrl, 'https://roster.example.com/scim/v2/hr');
      assert.deepEqual(hr.settings, { clientId: 'client-1' });
    });

    void it('summarises syncs with their last run', async () => {
      const response = await request('GET', '/syncs');
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.syncs.length, 1);
      const [sync] = response.body.syncs;
      assert.equal(sync.id, 'hr-to-acme');
      assert.equal(sync.source, 'hr');
      assert.equal(sync.lastRun.status, 'applied');
      assert.deepEqual(sync.lastRun.counts, { create: 2 });
      assert.equal('mapping' in sync, false);
    });

    void it('reads the audit log by connection and person, page by page', async () => {
      await tasks.open(newTask({ connectionId: 'hr', personId: 'person-grace' }));
      await tasks.open(newTask({ connectionId: 'hr', personId: 'person-grace' }));
      const first = await request('GET', '/audit?connection=hr&person=person-grace&limit=1');
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.entries.length, 1);
      assert.equal(first.body.entries[0].action, 'task.opened');
      assert.equal(first.body.entries[0].personId, 'person-grace');
      const second = await request(
        'GET',
        `/audit?connection=hr&person=person-grace&limit=1&after=${first.body.nextAfter}`,
      );
      assert.equal(second.body.entries.length, 1);
      assert.ok(second.body.entries[0].seq > first.body.entries[0].seq);
      const third = await request(
        'GET',
        `/audit?connection=hr&person=person-grace&after=${second.body.entries[0].seq}`,
      );
      assert.deepEqual(third.body, { entries: [], nextAfter: null });
    });
  });
}
