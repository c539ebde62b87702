// Runs every sync on its schedule inside the server: incremental runs every `everyMs`, a full read at
// start-up and every `fullEveryMs`, future-dated work when it falls due (the due time is stored, so it
// survives restarts), and immediate runs on a webhook. Runs are serialised per process; the lease
// keeps several processes from running one sync twice.
import type { SyncRecord } from '../../store/sync-repository.ts';
import type { SyncEngineDependencies, SyncRunResult } from './run-sync.ts';
import { runSync } from './run-sync.ts';
import type { SyncRepository, SyncTrigger } from '../../store/sync-repository.ts';

export interface SchedulerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface SyncScheduler {
  /** Asks for a run of these syncs as soon as possible (e.g. a webhook said a person changed). */
  trigger(syncIds: readonly string[], trigger: SyncTrigger): void;
  /** Resolves once the scheduler is idle: for tests and shutdown. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  readonly logger: SchedulerLogger;
  /** How often the schedule is checked. */
  readonly tickMs?: number;
  readonly onRun?: (result: SyncRunResult) => void;
}

/** Whether a sync should run now, and how. */
export function dueRun(
  sync: SyncRecord,
  now: Date,
  startedAt: Date,
): { readonly trigger: SyncTrigger; readonly forceFull: boolean } | null {
  const at = now.getTime();
  const lastRun = sync.lastRunAt === null ? null : Date.parse(sync.lastRunAt);
  const lastFull = sync.lastFullReadAt === null ? null : Date.parse(sync.lastFullReadAt);
  // A full pass at start-up: whatever happened while no server ran is seen at once.
  if (lastRun === null || lastRun < startedAt.getTime()) return { trigger: 'startup', forceFull: true };
  if (sync.nextDueAt !== null && Date.parse(sync.nextDueAt) <= at && Date.parse(sync.nextDueAt) > lastRun)
    return { trigger: 'due', forceFull: true };
  if (lastFull === null || at - lastFull >= sync.fullEveryMs) {
    if (at - lastRun >= sync.everyMs) return { trigger: 'schedule', forceFull: true };
  }
  if (at - lastRun >= sync.everyMs) return { trigger: 'schedule', forceFull: false };
  return null;
}

export function startSyncScheduler(
  deps: SyncEngineDependencies & { readonly syncs: SyncRepository },
  options: SchedulerOptions,
): SyncScheduler {
  const startedAt = deps.clock.now();
  const requested = new Map<string, SyncTrigger>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const runOne = async (sync: SyncRecord, trigger: SyncTrigger, forceFull: boolean): Promise<void> => {
    try {
      const result = await runSync(deps, sync.id, { trigger, forceFull });
      options.onRun?.(result);
      const fields = {
        sync: sync.id,
        trigger,
        outcome: result.outcome,
        mode: result.mode,
        operations: result.plan?.operations.length ?? 0,
        failed: result.applied.filter((a) => a.outcome === 'failed').length,
      };
      if (result.outcome === 'held')
        options.logger.warn(
          { ...fields, planHash: result.plan?.hash, reasons: result.guard?.reasons },
          `sync ${sync.id} is held by a guard: approve with roster sync approve ${sync.id} <hash> after reviewing roster sync plan ${sync.id}`,
        );
      else if (result.outcome === 'failed')
        options.logger.error({ ...fields, error: result.error }, 'sync run failed');
      else if (fields.operations > 0 || fields.failed > 0) options.logger.info(fields, 'sync run finished');
    } catch (error) {
      options.logger.error({ sync: sync.id, err: error }, 'sync run failed');
    }
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    let syncs: readonly SyncRecord[];
    try {
      syncs = await deps.syncs.list();
    } catch (error) {
      options.logger.error({ err: error }, 'could not read the syncs');
      return;
    }
    for (const sync of syncs) {
      if (stopped) return;
      const asked = requested.get(sync.id);
      requested.delete(sync.id);
      const due = asked ? { trigger: asked, forceFull: false } : dueRun(sync, deps.clock.now(), startedAt);
      if (due) await runOne(sync, due.trigger, due.forceFull);
    }
  };

  const tickMs = options.tickMs ?? 1000;
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = tick().finally(() => schedule(tickMs));
    }, delayMs);
    timer.unref();
  };
  schedule(0);

  return {
    trigger(syncIds, trigger) {
      for (const id of syncIds) requested.set(id, trigger);
      // Between ticks: tick now. During a tick: the next tick picks the request up.
      if (timer !== undefined && !stopped) {
        clearTimeout(timer);
        schedule(0);
      }
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
