// How the admin API answers failures: registered errors keep their code with the fitting status,
// Fastify's own body and parsing errors become request_invalid or request_too_large, and anything
// unexpected is a 500 internal_error naming the request id (the cause goes to the log only).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RequestError,
  TaskReadBackError,
  isRosterError,
} from '../../core/errors.ts';
import type { AdminErrorBody } from './types.ts';

export interface AdminFailure {
  readonly status: number;
  readonly body: AdminErrorBody;
}

function failure(
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): AdminFailure {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
}

/** The status and body for anything a route or Fastify threw. */
export function toAdminFailure(error: unknown, requestId: string): AdminFailure {
  if (error instanceof RequestError) return failure(error.status, error.code, error.message);
  if (error instanceof TaskReadBackError) {
    return failure(
      409,
      error.code,
      error.message,
      error.observed === null ? undefined : { observed: error.observed },
    );
  }
  if (error instanceof InvalidInputError) return failure(400, error.code, error.message);
  if (error instanceof NotFoundError) return failure(404, error.code, error.message);
  if (error instanceof ConflictError) return failure(409, error.code, error.message);
  if (!isRosterError(error)) {
    const status = (error as Partial<FastifyError> | null)?.statusCode;
    if (status === 413) {
      return failure(
        413,
        'request_too_large',
        'the request body is too large for the admin API; send only the fields listed in docs/admin-api.md',
      );
    }
    if (status === 415) {
      return failure(415, 'request_invalid', 'send the body as JSON with Content-Type: application/json');
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return failure(
        status,
        'request_invalid',
        `the request body is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  return failure(500, 'internal_error', `internal error (request id ${requestId})`);
}

/** A 400 listing every problem of a parsed query or body: where, and what to send instead. */
export function invalidRequest(where: 'path' | 'query' | 'body', error: z.ZodError): RequestError {
  const problems = error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  return new RequestError('request_invalid', 400, problems.join('; '));
}

export function sendAdminFailure(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body } = toAdminFailure(error, request.id);
  if (status >= 500) request.log.error({ err: error }, 'admin request failed');
  return reply.code(status).header('cache-control', 'no-store').send(body);
}
