// Leases: a named row in the database that at most one holder owns until it expires, so the CLI,
// the server and several server processes never run the same work (one sync) twice at once.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { systemClock, toTimestamp, type Clock } from '../core/clock.ts';
import { LeaseLostError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from './database-types.ts';

/** Who holds a lease now, as stored. */
export interface LeaseState {
  readonly name: string;
  readonly holder: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}

/**
 * Takes the lease `name` for `holder` until `now + ttlMs`, in one statement: inserts it, takes over
 * an expired one, or extends it when `holder` already holds it (a retried acquire whose answer was
 * lost). Resolves to false while another holder's lease has not expired.
 *
 * Expiry compares instants from the callers' clocks: keep `ttlMs` far above the clock skew between
 * machines. A lease at its exact expiry instant belongs to nobody (holders stop, others wait).
 */
export async function acquireLease(
  db: Kysely<Database>,
  name: string,
  holder: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  checkTtl(ttlMs);
  const row = await db
    .insertInto('leases')
    .values({
      name,
      holder,
      acquired_at: toTimestamp(now),
      expires_at: toTimestamp(new Date(now.getTime() + ttlMs)),
    })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet((eb) => ({
          holder: eb.ref('excluded.holder'),
          acquired_at: eb.ref('excluded.acquired_at'),
          expires_at: eb.ref('excluded.expires_at'),
        }))
        // The condition is evaluated on the row as locked by the upsert, on both dialects, so two
        // contenders for an expired lease cannot both see it expired and both win.
        .where((eb) =>
          eb.or([
            eb('leases.expires_at', '<', eb.ref('excluded.acquired_at')),
            eb('leases.holder', '=', eb.ref('excluded.holder')),
          ]),
        ),
    )
    .returning('holder')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Extends the lease to `now + ttlMs` if `holder` still holds it. Resolves to false when another
 * holder took it over or it was released. A lease past its expiry that nobody took over is still
 * the holder's, and renewing it is safe: taking over changes the holder in the same row.
 */
export async function renewLease(
  db: Kysely<Database>,
  name: string,
  holder: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  checkTtl(ttlMs);
  const result = await db
    .updateTable('leases')
    .set({ expires_at: toTimestamp(new Date(now.getTime() + ttlMs)) })
    .where('name', '=', name)
    .where('holder', '=', holder)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives the lease up; only its holder can. Resolves to false when `holder` did not hold it. */
export async function releaseLease(db: Kysely<Database>, name: string, holder: string): Promise<boolean> {
  const result = await db
    .deleteFrom('leases')
    .where('name', '=', name)
    .where('holder', '=', holder)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The lease as stored (possibly expired), or null when nobody holds or held it since release. */
export async function readLease(db: Kysely<Database>, name: string): Promise<LeaseState | null> {
  const row = await db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
  return row
    ? { name: row.name, holder: row.holder, acquiredAt: row.acquired_at, expiresAt: row.expires_at }
    : null;
}

/**
 * A holder name unique to this attempt, readable in `leases.holder`: the label, host and process,
 * and a random suffix so two attempts in one process never count as the same holder.
 */
export function newLeaseHolder(label: string): string {
  return `${label}@${hostname()}:${process.pid}:${newId().slice(-12)}`;
}

export interface WithLeaseOptions {
  /** How often to renew while `work` runs; default a third of the ttl. Must be below the ttl. */
  readonly renewEveryMs?: number;
  readonly clock?: Clock;
}

export type LeaseOutcome<T> =
  | { readonly acquired: true; readonly value: T }
  | {
      readonly acquired: false;
      /** The lease as it stood when acquiring failed; null if it was released meanwhile. */
      readonly heldBy: LeaseState | null;
    };

/**
 * Runs `work` while holding the lease: acquires it (or resolves to `{ acquired: false }` at once
 * when someone else holds it), renews it every `renewEveryMs`, and releases it when `work`
 * settles. If the lease is lost meanwhile — another holder took it over, it was removed, or no
 * renewal succeeded for a whole ttl — `signal` aborts with a LeaseLostError; `work` should stop at its next step. Once `work`
 * has settled, withLease then rejects with that LeaseLostError, whatever `work` returned, because
 * another holder may have run beside it.
 *
 * @throws LeaseLostError `lease_lost`
 */
export async function withLease<T>(
  db: Kysely<Database>,
  name: string,
  holder: string,
  ttlMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  options: WithLeaseOptions = {},
): Promise<LeaseOutcome<T>> {
  checkTtl(ttlMs);
  const clock = options.clock ?? systemClock;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  if (!Number.isSafeInteger(renewEveryMs) || renewEveryMs < 1 || renewEveryMs >= ttlMs) {
    throw new RangeError(`renewEveryMs must be a positive integer below the ttl (${ttlMs} ms)`);
  }

  const acquiredAt = clock.now();
  if (!(await acquireLease(db, name, holder, ttlMs, acquiredAt))) {
    return { acquired: false, heldBy: await readLease(db, name) };
  }

  const controller = new AbortController();
  // The instant until which this holder's own renewals prove the lease valid.
  let validUntil = acquiredAt.getTime() + ttlMs;
  let renewTimer: NodeJS.Timeout | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> = Promise.resolve();
  let isStopped = false;

  const lose = (why: string) => {
    if (controller.signal.aborted) return;
    controller.abort(
      new LeaseLostError(`lost the lease "${name}" (${why}); another process may run the same work now`),
    );
  };

  // Renewals that fail with an error (a database blip) are retried on the next tick; what ends the
  // lease is reaching `validUntil` without a successful renewal, even when a renewal hangs.
  const watchExpiry = () => {
    const remaining = validUntil - clock.now().getTime();
    if (remaining <= 0) return lose('it expired before a renewal succeeded');
    expiryTimer = setTimeout(watchExpiry, remaining);
  };

  const renew = async () => {
    const now = clock.now();
    try {
      if (await renewLease(db, name, holder, ttlMs, now)) validUntil = now.getTime() + ttlMs;
      else lose('another holder took it over, or it was removed');
    } catch {
      // Retried on the next tick; the expiry watch decides when it is too late.
    }
  };

  const scheduleRenewal = () => {
    // Chained timeouts, not an interval: a slow renewal never overlaps the next one.
    renewTimer = setTimeout(() => {
      renewing = renew().then(() => {
        if (!isStopped && !controller.signal.aborted) scheduleRenewal();
      });
    }, renewEveryMs);
  };
  scheduleRenewal();
  watchExpiry();

  let settled: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    settled = { ok: true, value: await work(controller.signal) };
  } catch (error) {
    settled = { ok: false, error };
  }
  isStopped = true;
  clearTimeout(renewTimer);
  clearTimeout(expiryTimer);
  await renewing;

  try {
    // Only deletes the row while this holder still has it, so it is safe after a loss too.
    await releaseLease(db, name, holder);
  } catch {
    // An unreleased lease only delays the next holder until it expires.
  }
  if (controller.signal.aborted) throw controller.signal.reason as LeaseLostError;
  if (!settled.ok) throw settled.error;
  return { acquired: true, value: settled.value };
}

/** The lease functions bound to one database and clock, as the Store exposes them. */
export interface Leases {
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  renew(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<boolean>;
  read(name: string): Promise<LeaseState | null>;
  withLease<T>(
    name: string,
    holder: string,
    ttlMs: number,
    work: (signal: AbortSignal) => Promise<T>,
    options?: { readonly renewEveryMs?: number },
  ): Promise<LeaseOutcome<T>>;
}

export function createLeases(deps: { readonly db: Kysely<Database>; readonly clock?: Clock }): Leases {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  return {
    acquire: (name, holder, ttlMs) => acquireLease(db, name, holder, ttlMs, clock.now()),
    renew: (name, holder, ttlMs) => renewLease(db, name, holder, ttlMs, clock.now()),
    release: (name, holder) => releaseLease(db, name, holder),
    read: (name) => readLease(db, name),
    withLease: (name, holder, ttlMs, work, options = {}) =>
      withLease(db, name, holder, ttlMs, work, { ...options, clock }),
  };
}

function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new RangeError(`a lease ttl must be a positive whole number of milliseconds, not ${ttlMs}`);
  }
}
