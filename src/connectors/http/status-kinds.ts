// The default translation of HTTP statuses and transport failures into connector error kinds; a connector
// may refine it per vendor (e.g. an OAuth "invalid_client" sent as 400 is really `unauthenticated`).
import type { ConnectorErrorKind, WriteOutcome } from '../contract.ts';

/** The error kind for a non-2xx status. */
export function kindForStatus(status: number): ConnectorErrorKind {
  if (status >= 300 && status < 400) return 'invalid_request'; // redirects are never followed: wrong base URL
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
    case 410:
      return 'not_found';
    case 405:
    case 501:
    case 505:
      return 'unsupported';
    case 408:
      return 'unavailable';
    case 409:
    case 412:
    case 423:
      return 'conflict';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'unavailable' : 'invalid_request';
  }
}

/**
 * Whether a write that got this status may have been applied. 4xx are rejections before any change
 * (408 and 429 included); a 5xx may come from a gateway after the backend committed.
 */
export function outcomeForStatus(status: number): WriteOutcome {
  return status >= 500 ? 'unknown' : 'not_applied';
}

// Transport errors raised before a byte of the request left: the write was certainly not applied.
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_OUTBOUND_ADDRESS_REFUSED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

/** The `code` of an error or of any error in its cause chain. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function isNotSentError(error: unknown): boolean {
  return errorCodes(error).some((code) => NOT_SENT_CODES.has(code));
}

const TLS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

/** Transport failures that will not heal by retrying: a refused address or an untrusted certificate. */
export function isPermanentTransportError(error: unknown): boolean {
  return errorCodes(error).some((code) => code === 'ERR_OUTBOUND_ADDRESS_REFUSED' || TLS_CODES.has(code));
}
