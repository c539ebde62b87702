// The reconciler's engine: runs a sync (read, scope, map, correlate, plan, guard, apply, journal) and
// opens the connections it works on.
export { SYNC_RUN_OUTCOMES, loadMapping, newRunHolder, runSync } from './run-sync.ts';
export type {
  AppliedOperation,
  SyncEngineDependencies,
  SyncProgress,
  SyncRunOptions,
  SyncRunOutcome,
  SyncRunResult,
} from './run-sync.ts';
export { createConnectionOpener, silentConnectorLogger } from './open-connection.ts';
export type { ConnectionOpenerDependencies, OpenConnection } from './open-connection.ts';
export { parseSyncSettings, syncSettingsSchema } from './sync-settings.ts';
export type { SyncSettings } from './sync-settings.ts';
