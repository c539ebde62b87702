// Wires the sync engine to an opened store: the sync repository, the audit log, leases, Roster's own
// directory and a connection opener — the same wiring for the CLI and the server.
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { ConnectorLogger } from '../../connectors/contract.ts';
import { createConnectorStateRepository } from '../../store/connector-state-repository.ts';
import { ScimRepository } from '../../store/scim-repository.ts';
import type { Store } from '../../store/store.ts';
import { createSyncRepository, type SyncRepository } from '../../store/sync-repository.ts';
import { createConnectionOpener, silentConnectorLogger } from './open-connection.ts';
import { newRunHolder, type SyncEngineDependencies, type SyncProgress } from './run-sync.ts';

export interface EngineOptions {
  /** Names the lease holder, e.g. `cli` or `server`. */
  readonly label: string;
  readonly clock?: Clock;
  readonly logger?: ConnectorLogger;
  readonly onProgress?: (progress: SyncProgress) => void;
}

export function engineFromStore(
  store: Store,
  options: EngineOptions,
): SyncEngineDependencies & { readonly syncs: SyncRepository } {
  const clock = options.clock ?? systemClock;
  const { db, dialect } = store.database;
  const directory = new ScimRepository(db, dialect, { now: () => clock.now() });
  return {
    syncs: createSyncRepository({ db, clock }),
    audit: store.audit,
    leases: store.leases,
    openConnection: createConnectionOpener({
      connections: store.connections,
      directory,
      state: createConnectorStateRepository({ db, clock }),
      clock,
      logger: options.logger ?? silentConnectorLogger,
    }),
    clock,
    holder: newRunHolder(options.label),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}
