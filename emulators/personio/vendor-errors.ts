// Error bodies as Personio writes them: v1 `{success: false, error: {code, message}}`, v2
// `application/problem+json` (common-components-v2.json), and the v2 token endpoint's OAuth 2.0 errors.
import { randomUUID } from 'node:crypto';

export interface VendorError {
  status: number;
  contentType: string;
  body: unknown;
  headers?: Record<string, string>;
}

export function v1Error(status: number, message: string, code: number = status): VendorError {
  return { status, contentType: 'application/json', body: { success: false, error: { code, message } } };
}

/** The spec's 404 example, trailing space included. */
export const V1_NOT_FOUND_MESSAGE = 'Es ist ein Problem aufgetreten ';
export const V1_MISSING_AUTH_MESSAGE = 'Authorization is not provided';
export const V1_INVALID_AUTH_MESSAGE = 'Provided authorization is not valid';

export const V2_ERROR_CODES = {
  bad_request: { title: 'Bad request', status: 400 },
  unauthorized: { title: 'Unauthorized', status: 401 },
  forbidden: { title: 'Forbidden', status: 403 },
  resource_not_found: { title: 'Resource not found', status: 404 },
  too_many_requests: { title: 'Too Many Requests', status: 429 },
  internal_server_error: { title: 'Internal Server Error', status: 500 },
  bad_gateway: { title: 'Bad Gateway', status: 502 },
  service_unavailable: { title: 'Service Unavailable', status: 503 },
  gateway_timeout: { title: 'Gateway Timeout', status: 504 },
} as const;
export type V2ErrorCode = keyof typeof V2_ERROR_CODES;

export function v2Problem(
  code: V2ErrorCode,
  detail: string,
  now: number,
  meta?: Record<string, string>,
): VendorError {
  const { title, status } = V2_ERROR_CODES[code];
  const error: Record<string, unknown> = {
    title,
    detail,
    type: `https://developer.personio.de/reference/errors#common.${code}`,
  };
  if (meta) error._meta = meta;
  return {
    status,
    contentType: 'application/problem+json',
    body: { personio_trace_id: randomUUID(), timestamp: new Date(now).toISOString(), errors: [error] },
  };
}

export const OAUTH_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
] as const;
export type OauthError = (typeof OAUTH_ERRORS)[number];

/** `/v2/auth/token` errors: all 400 in the spec's examples. */
export function oauthError(
  error: OauthError,
  description: string,
  uriSuffix: string,
  now: number,
  meta?: Record<string, unknown>,
): VendorError {
  const body: Record<string, unknown> = {
    timestamp: `${new Date(now).toISOString().slice(0, 19)}Z`,
    trace_id: randomUUID(),
    error,
    error_description: description,
    error_uri: `https://developer.personio.de/reference/errors#credentials.oauth2.${uriSuffix}`,
  };
  if (meta) body.meta = meta;
  return { status: 400, contentType: 'application/problem+json', body };
}
