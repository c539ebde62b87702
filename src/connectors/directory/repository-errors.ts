// Translates what Roster's SCIM repository throws into connector error kinds: the SCIM layer's errors by
// status, anything else (the database going away) as unavailable.
import { ConnectorError } from '../contract.ts';
import { ScimError } from '../../scim/errors.ts';

/**
 * `isWrite` says whether the failed call may have changed something: a database error during a write
 * (a lost connection at commit) leaves its outcome unknown, so a create is settled by reading back.
 */
export function toConnectorError(error: unknown, operation: string, isWrite: boolean): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (error instanceof ScimError) {
    const message = `directory ${operation}: ${error.message}`;
    const options = {
      cause: error,
      status: error.status,
      ...(error.scimType ? { details: { scimType: error.scimType } } : {}),
    };
    if (error.status === 404) return new ConnectorError('not_found', message, options);
    if (error.status === 409 || error.status === 412) return new ConnectorError('conflict', message, options);
    if (error.status >= 400 && error.status < 500)
      return new ConnectorError('invalid_request', message, options);
    return new ConnectorError('unavailable', message, {
      ...options,
      outcome: isWrite ? 'unknown' : 'not_applied',
    });
  }
  return new ConnectorError('unavailable', `directory ${operation}: the database failed; retry later`, {
    cause: error,
    outcome: isWrite ? 'unknown' : 'not_applied',
  });
}

/** Runs `body`, translating anything it throws. */
export async function translated<T>(operation: string, isWrite: boolean, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toConnectorError(error, operation, isWrite);
  }
}
