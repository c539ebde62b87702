// The admin API under /api/v1: tasks (list, show, complete, cancel), connections without secrets,
// a summary of syncs and the audit log, for admin tokens only. Each change is journaled with the
// admin token as the actor.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONNECTION_ID_PATTERN } from '../../core/connection.ts';
import { NotFoundError, RequestError } from '../../core/errors.ts';
import type { AuditEntry, AuditLog } from '../../store/audit-log.ts';
import type { ConnectionRepository } from '../../store/connection-repository.ts';
import type { SyncRepository } from '../../store/sync-repository.ts';
import type { TokenRepository } from '../../store/token-repository.ts';
import { READ_BACKS } from '../../tasks/read-back-registry.ts';
import { resolveReadBack, type ReadBackResolvers } from '../../tasks/read-back.ts';
import { MAX_NOTE_LENGTH, TASK_STATES, isOverdue, type Task } from '../../tasks/task.ts';
import { MAX_TASK_LIST_LIMIT, type TaskRepository } from '../../tasks/task-repository.ts';
import { invalidRequest, sendAdminFailure } from './admin-errors.ts';
import type {
  AuditEntryBody,
  AuditPageBody,
  ConnectionListBody,
  SyncListBody,
  SyncSummaryBody,
  TaskBody,
  TaskPageBody,
} from './types.ts';

export interface AdminRoutesOptions {
  readonly tokens: Pick<TokenRepository, 'verifyAdmin'>;
  readonly tasks: TaskRepository;
  readonly connections: Pick<ConnectionRepository, 'get' | 'list' | 'readSecrets'>;
  readonly syncs: Pick<SyncRepository, 'list' | 'listRuns'>;
  readonly audit: Pick<AuditLog, 'list'>;
  /** External base URL without a trailing slash, for connections' SCIM base URLs. */
  readonly publicUrl: string;
  /** Read-backs by app for completing tasks with an expectation; default: the ones Roster ships. */
  readonly readBacks?: ReadBackResolvers;
  /** "Now" for `isOverdue`; defaults to the wall clock. */
  readonly now?: () => Date;
}

/** Admin requests carry a note or a reason at most; a larger body is a mistake or an attack. */
export const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

// RFC 6750 §2.1: the scheme is case-insensitive; the token is one b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const connectionId = z
  .string()
  .regex(CONNECTION_ID_PATTERN, 'a connection id (lower-case letters, digits, hyphens)');
const plainId = z.string().min(1).max(200);
const limit = (max: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/, `a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1, `at least 1`).max(max, `at most ${max}`));

const taskListQuery = z
  .object({
    state: z.enum(TASK_STATES).optional(),
    connection: connectionId.optional(),
    account: plainId.optional(),
    cursor: z.string().min(1).max(500).optional(),
    limit: limit(MAX_TASK_LIST_LIMIT).optional(),
  })
  .strict();
const auditQuery = z
  .object({
    connection: connectionId.optional(),
    person: plainId.optional(),
    after: z
      .string()
      .regex(/^\d{1,15}$/, 'the seq of the last entry of the previous page')
      .transform(Number)
      .optional(),
    limit: limit(MAX_AUDIT_LIMIT).optional(),
  })
  .strict();
const noQuery = z.object({}).strict();
const taskParams = z.object({ id: plainId });
const text = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `required: ${what}` : `${what}, as text`) })
    .trim()
    .min(1, `${what}, not empty`)
    .max(MAX_NOTE_LENGTH, `at most ${MAX_NOTE_LENGTH} characters`);
const completeBody = z.object({ note: text('what was done') }).strict();
const cancelBody = z.object({ reason: text('why the task is not needed') }).strict();

function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'path' | 'query' | 'body',
  example?: string,
): z.output<S> {
  if (where === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new RequestError(
      'request_invalid',
      400,
      `send a JSON object with Content-Type: application/json, e.g. ${example ?? '{}'}`,
    );
  }
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw invalidRequest(where, parsed.error);
  return parsed.data;
}

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, options) => {
  const now = options.now ?? (() => new Date());
  const readBacks = options.readBacks ?? READ_BACKS;
  // Who asked, per request: the admin token's id, set by the authentication hook.
  const actors = new WeakMap<FastifyRequest, string>();
  const actorOf = (request: FastifyRequest): string => {
    const actor = actors.get(request);
    if (actor === undefined) throw new Error('admin route reached without authentication');
    return actor;
  };
  const taskBody = (task: Task): TaskBody => ({ ...task, isOverdue: isOverdue(task, now()) });
  const requireTask = async (id: string): Promise<Task> => {
    const task = await options.tasks.get(id);
    if (task === null) {
      throw new NotFoundError('task_not_found', `no task has id "${id}"; GET /api/v1/tasks lists them`);
    }
    return task;
  };

  app.setErrorHandler((error, request, reply) => sendAdminFailure(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendAdminFailure(
      request,
      reply,
      new RequestError(
        'route_not_found',
        404,
        `no admin API route for ${request.method} ${request.url.split('?')[0] ?? ''}; see docs/admin-api.md`,
      ),
    ),
  );

  // Admin tokens only, checked on every request (no reuse window: revocation takes effect at once,
  // and admin traffic is light). Unknown routes are behind the check too, so they reveal nothing.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const header = request.headers.authorization;
    const token = typeof header === 'string' && header.length <= 1024 ? BEARER.exec(header)?.[1] : undefined;
    const verified = token === undefined ? null : await options.tokens.verifyAdmin(token);
    if (verified === null) {
      reply.header('www-authenticate', 'Bearer realm="roster-admin"');
      throw new RequestError(
        'admin_token_required',
        401,
        token === undefined
          ? 'send Authorization: Bearer <admin token>; create one with `roster token create --admin`'
          : "this token is not an active admin token: a connection's SCIM token never works here; create an admin token with `roster token create --admin`",
      );
    }
    actors.set(request, `admin-token:${verified.tokenId}`);
  });

  app.get('/tasks', async (request): Promise<TaskPageBody> => {
    const query = parse(taskListQuery, request.query, 'query');
    const page = await options.tasks.list({
      state: query.state,
      connectionId: query.connection,
      accountId: query.account,
      cursor: query.cursor,
      limit: query.limit,
    });
    return { tasks: page.tasks.map(taskBody), nextCursor: page.nextCursor };
  });

  app.get('/tasks/:id', async (request): Promise<TaskBody> => {
    parse(noQuery, request.query, 'query');
    const { id } = parse(taskParams, request.params, 'path');
    return taskBody(await requireTask(id));
  });

  app.post(
    '/tasks/:id/complete',
    { bodyLimit: ADMIN_BODY_LIMIT_BYTES },
    async (request): Promise<TaskBody> => {
      const { id } = parse(taskParams, request.params, 'path');
      const body = parse(completeBody, request.body, 'body', '{"note": "login access enabled"}');
      const task = await requireTask(id);
      let readBack;
      if (task.expectation !== null && task.state === 'open') {
        const connection = await options.connections.get(task.connectionId);
        readBack =
          connection === null
            ? undefined
            : await resolveReadBack(readBacks, {
                connection,
                readSecrets: () => options.connections.readSecrets(connection.id),
              });
      }
      const done = await options.tasks.complete(id, { actor: actorOf(request), note: body.note, readBack });
      return taskBody(done);
    },
  );

  app.post('/tasks/:id/cancel', { bodyLimit: ADMIN_BODY_LIMIT_BYTES }, async (request): Promise<TaskBody> => {
    const { id } = parse(taskParams, request.params, 'path');
    const body = parse(cancelBody, request.body, 'body', '{"reason": "person left before starting"}');
    return taskBody(await options.tasks.cancel(id, { actor: actorOf(request), reason: body.reason }));
  });

  app.get('/connections', async (request): Promise<ConnectionListBody> => {
    parse(noQuery, request.query, 'query');
    const connections = await options.connections.list();
    return {
      connections: connections.map((c) => ({
        id: c.id,
        app: c.app,
        displayName: c.displayName,
        settings: c.settings,
        hasSecrets: c.hasSecrets,
        scimBaseUrl: `${options.publicUrl}/scim/v2/${c.id}`,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      })),
    };
  });

  app.get('/syncs', async (request): Promise<SyncListBody> => {
    parse(noQuery, request.query, 'query');
    const syncs = await options.syncs.list();
    const summaries = await Promise.all(
      syncs.map(async (s): Promise<SyncSummaryBody> => {
        const [run] = await options.syncs.listRuns(s.id, 1);
        return {
          id: s.id,
          source: s.source,
          target: s.target,
          scope: s.scope,
          everyMs: s.everyMs,
          fullEveryMs: s.fullEveryMs,
          lastRunAt: s.lastRunAt,
          lastStatus: s.lastStatus,
          heldReason: s.heldReason,
          nextDueAt: s.nextDueAt,
          lastRun:
            run === undefined
              ? null
              : {
                  id: run.id,
                  trigger: run.trigger,
                  mode: run.mode,
                  status: run.status,
                  counts: run.counts,
                  error: run.error,
                  startedAt: run.startedAt,
                  finishedAt: run.finishedAt,
                },
        };
      }),
    );
    return { syncs: summaries };
  });

  app.get('/audit', async (request): Promise<AuditPageBody> => {
    const query = parse(auditQuery, request.query, 'query');
    const pageSize = query.limit ?? DEFAULT_AUDIT_LIMIT;
    const entries = await options.audit.list({
      limit: pageSize,
      ...(query.connection === undefined ? {} : { connectionId: query.connection }),
      ...(query.person === undefined ? {} : { personId: query.person }),
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
    });
    const last = entries.at(-1);
    return {
      entries: entries.map(auditEntryBody),
      nextAfter: entries.length === pageSize && last !== undefined ? last.seq : null,
    };
  });
};

function auditEntryBody(entry: AuditEntry): AuditEntryBody {
  return {
    seq: entry.seq,
    id: entry.id,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    outcome: entry.outcome,
    connectionId: entry.connectionId,
    syncId: entry.syncId,
    personId: entry.personId,
    accountId: entry.accountId,
    content: entry.content,
    isErased: entry.isErased,
    hash: entry.hash,
  };
}
