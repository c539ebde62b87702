// Error bodies in the two formats the emulated endpoints use: Microsoft Graph's JSON error
// (`{ error: { code, message, innerError } }`) and the identity platform's OAuth 2.0 error
// (`{ error, error_description, error_codes, timestamp, trace_id, correlation_id }`).
import { randomUUID } from 'node:crypto';

export interface EmulatorErrorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A Graph error: https://learn.microsoft.com/graph/errors (code, message, innerError with request ids). */
export function graphError(
  status: number,
  code: string,
  message: string,
  now: Date,
  headers?: Record<string, string>,
): EmulatorErrorReply {
  const requestId = randomUUID();
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: now.toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    },
    ...(headers ? { headers } : {}),
  };
}

/** An identity platform token error; the description starts with the AADSTS code, as Entra's do. */
export function oauthError(
  status: number,
  error: string,
  aadsts: number,
  description: string,
  now: Date,
): EmulatorErrorReply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = now
    .toISOString()
    .replace('T', ' ')
    .replace(/\.(\d{3})Z$/, '.$1Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
    },
  };
}

/** The Graph error a generic 5xx or 429 fault answers with. */
export function faultError(status: number, now: Date, retryAfterSeconds: number): EmulatorErrorReply {
  if (status === 429) {
    return graphError(429, 'TooManyRequests', 'Too many requests.', now, {
      'retry-after': String(retryAfterSeconds),
    });
  }
  if (status === 503) {
    return graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', now, {
      'retry-after': String(retryAfterSeconds),
    });
  }
  if (status === 504) return graphError(504, 'UnknownError', 'Gateway timeout.', now);
  return graphError(status, 'generalException', 'An unspecified error has occurred.', now);
}
