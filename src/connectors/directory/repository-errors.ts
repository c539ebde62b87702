// Translates what Roster's SCIM repository throws into connector error kinds: the SCIM layer's errors by
// status, anything else (the database going away) as unavailable; and yields to the event loop per call.
import { setImmediate as nextTurn } from 'node:timers/promises';
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

/** Runs `body`, translating anything it throws, then gives the event loop a turn. */
export async function translated<T>(operation: string, isWrite: boolean, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toConnectorError(error, operation, isWrite);
  } finally {
    // SQLite calls never wait on I/O: without this, a sync run's thousands of directory calls run
    // back to back as microtasks and the server answers nothing (SCIM, /healthz, webhooks that must
    // be acknowledged within 3 s) until the run ends — 40 s for a first sync of 4,000 accounts.
    await nextTurn();
  }
}
