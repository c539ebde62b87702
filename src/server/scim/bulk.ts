// SCIM Bulk (RFC 7644 §3.7): operations in order, `bulkId:` cross-references resolved as the
// resources they name are created (forward references are deferred), `failOnErrors` honoured.
import { ScimError, badRequest } from '../../scim/errors.ts';
import { URN } from '../../scim/schema.ts';
import type { ScimResourceType } from '../../store/scim-repository.ts';
import {
  createResource,
  deleteResource,
  ENDPOINT_OF,
  patchResource,
  replaceResource,
  type EndpointContext,
  type ScimOutcome,
} from './endpoints.ts';

const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
type BulkMethod = (typeof METHODS)[number];

interface BulkOperation {
  readonly index: number;
  readonly method: BulkMethod;
  readonly path: string;
  readonly bulkId?: string;
  readonly version?: string;
  readonly data?: unknown;
}

const BULK_REF = /^bulkId:(.+)$/;

export async function runBulk(
  ctx: EndpointContext,
  body: unknown,
  limits: { readonly maxOperations: number },
): Promise<ScimOutcome> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('invalidSyntax', 'a BulkRequest is a JSON object with "schemas" and "Operations"');
  const request = body as Record<string, unknown>;
  const schemas = request['schemas'];
  if (!Array.isArray(schemas) || !schemas.includes(URN.bulkRequest))
    throw badRequest('invalidSyntax', `"schemas" must contain "${URN.bulkRequest}"`);
  const rawOps = request['Operations'] ?? request['operations'];
  if (!Array.isArray(rawOps) || rawOps.length === 0)
    throw badRequest('invalidSyntax', '"Operations" must be a non-empty array');
  if (rawOps.length > limits.maxOperations)
    throw new ScimError(
      413,
      `a BulkRequest may hold at most ${limits.maxOperations} operations (got ${rawOps.length})`,
    );
  const failOnErrors = request['failOnErrors'];
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1))
    throw badRequest('invalidValue', '"failOnErrors" must be a positive integer');

  const operations = rawOps.map((raw, index) => parseOperation(raw, index));
  const seen = new Set<string>();
  for (const op of operations) {
    if (op.bulkId === undefined) continue;
    if (seen.has(op.bulkId)) throw badRequest('invalidValue', `bulkId '${op.bulkId}' is used twice`);
    seen.add(op.bulkId);
  }

  const created = new Map<string, string>(); // bulkId → resource id
  const failedBulkIds = new Set<string>();
  const results = new Map<number, Record<string, unknown>>();
  let errors = 0;
  let pending = operations;

  const run = async (op: BulkOperation): Promise<void> => {
    try {
      const outcome = await execute(ctx, op, created);
      if (op.method === 'POST' && op.bulkId && outcome.location) {
        created.set(op.bulkId, outcome.location.slice(outcome.location.lastIndexOf('/') + 1));
      }
      results.set(op.index, {
        method: op.method,
        ...(op.bulkId ? { bulkId: op.bulkId } : {}),
        ...(outcome.location ? { location: outcome.location } : {}),
        ...(outcome.version ? { version: outcome.version } : {}),
        status: String(outcome.status),
      });
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      errors++;
      if (op.bulkId) failedBulkIds.add(op.bulkId);
      results.set(op.index, {
        method: op.method,
        ...(op.bulkId ? { bulkId: op.bulkId } : {}),
        status: String(error.status),
        response: error.toBody(),
      });
    }
  };

  while (pending.length > 0) {
    const deferred: BulkOperation[] = [];
    let progressed = false;
    for (const op of pending) {
      if (typeof failOnErrors === 'number' && errors >= failOnErrors) break;
      const refs = referencesOf(op);
      const failedRef = refs.find((r) => failedBulkIds.has(r) || !seen.has(r));
      if (failedRef !== undefined) {
        errors++;
        if (op.bulkId) failedBulkIds.add(op.bulkId);
        results.set(
          op.index,
          errorResult(op, 409, `bulkId '${failedRef}' does not name a resource created in this request`),
        );
        progressed = true;
        continue;
      }
      if (refs.some((r) => !created.has(r))) {
        deferred.push(op);
        continue;
      }
      await run(op);
      progressed = true;
    }
    if (typeof failOnErrors === 'number' && errors >= failOnErrors) break;
    if (!progressed) {
      // Only circular references are left (RFC 7644 §3.7.1): they cannot be resolved.
      for (const op of deferred) {
        errors++;
        results.set(op.index, errorResult(op, 409, 'circular bulkId references cannot be resolved'));
      }
      break;
    }
    pending = deferred;
  }

  return {
    status: 200,
    body: {
      schemas: [URN.bulkResponse],
      Operations: [...results.entries()].sort(([a], [b]) => a - b).map(([, r]) => r),
    },
  };
}

function errorResult(op: BulkOperation, status: number, detail: string): Record<string, unknown> {
  return {
    method: op.method,
    ...(op.bulkId ? { bulkId: op.bulkId } : {}),
    status: String(status),
    response: new ScimError(status, detail).toBody(),
  };
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const where = `Operations[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw badRequest('invalidSyntax', `${where} must be an object`);
  const op = raw as Record<string, unknown>;
  const method = typeof op['method'] === 'string' ? op['method'].toUpperCase() : undefined;
  if (!method || !(METHODS as readonly string[]).includes(method))
    throw badRequest('invalidValue', `${where}.method must be one of ${METHODS.join(', ')}`);
  const path = op['path'];
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw badRequest(
      'invalidValue',
      `${where}.path must be a resource path such as "/Users" or "/Groups/{id}"`,
    );
  const bulkId = op['bulkId'];
  if (bulkId !== undefined && typeof bulkId !== 'string')
    throw badRequest('invalidValue', `${where}.bulkId must be a string`);
  if (method === 'POST' && bulkId === undefined)
    throw badRequest('invalidValue', `${where}: POST needs a bulkId`);
  const version = op['version'];
  if (version !== undefined && typeof version !== 'string')
    throw badRequest('invalidValue', `${where}.version must be a string`);
  return {
    index,
    method: method as BulkMethod,
    path,
    ...(bulkId !== undefined ? { bulkId } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(op['data'] !== undefined ? { data: op['data'] } : {}),
  };
}

/** Every `bulkId:x` in the path or anywhere in the data. */
function referencesOf(op: BulkOperation): string[] {
  const refs = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 64) return;
    if (typeof value === 'string') {
      const match = BULK_REF.exec(value);
      if (match?.[1]) refs.add(match[1]);
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, depth + 1));
    else if (typeof value === 'object' && value !== null)
      Object.values(value).forEach((v) => visit(v, depth + 1));
  };
  for (const segment of op.path.split('/')) visit(segment, 0);
  visit(op.data, 0);
  return [...refs];
}

function substitute(value: unknown, created: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    const match = BULK_REF.exec(value);
    return match?.[1] && created.has(match[1]) ? created.get(match[1]) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, created));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, created)]));
  return value;
}

async function execute(
  ctx: EndpointContext,
  op: BulkOperation,
  created: ReadonlyMap<string, string>,
): Promise<ScimOutcome> {
  const path = op.path
    .split('/')
    .map((s) => substitute(s, created) as string)
    .join('/');
  const match = /^\/(Users|Groups)(?:\/([^/]+))?$/i.exec(path);
  if (!match?.[1]) throw new ScimError(404, `'${op.path.slice(0, 80)}' is not a Users or Groups path`);
  const type: ScimResourceType = match[1].toLowerCase() === 'users' ? 'User' : 'Group';
  const id = match[2];
  const data = substitute(op.data, created);
  const noProjection = {};
  switch (op.method) {
    case 'POST':
      if (id) throw badRequest('invalidPath', `POST goes to /${ENDPOINT_OF[type]}, not to one resource`);
      return stripBody(await createResource(ctx, type, data, noProjection));
    case 'PUT':
      if (!id) throw badRequest('invalidPath', 'PUT needs a resource id in the path');
      return stripBody(await replaceResource(ctx, type, id, data, noProjection, op.version));
    case 'PATCH':
      if (!id) throw badRequest('invalidPath', 'PATCH needs a resource id in the path');
      // RFC 7644 §3.7.3: every successful result carries the resource's location, 204s included.
      return {
        ...stripBody(
          await patchResource(ctx, type, id, data, noProjection, { ifMatch: op.version, wantsBody: false }),
        ),
        location: `${ctx.baseUrl}/${ENDPOINT_OF[type]}/${id}`,
      };
    case 'DELETE':
      if (!id) throw badRequest('invalidPath', 'DELETE needs a resource id in the path');
      return deleteResource(ctx, type, id, op.version);
  }
}

/** Bulk results carry location and version, not the resource (RFC 7644 §3.7.3 examples). */
function stripBody(outcome: ScimOutcome): ScimOutcome {
  const { body: _body, ...rest } = outcome;
  return rest;
}
