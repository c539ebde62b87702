// Everything the server and the CLI need from storage, opened in one call: the database (migrated),
// the root key and its derived keys, and the repositories built on them.
import { systemClock, type Clock } from '../core/clock.ts';
import { createAuditLog, type AuditLog } from './audit-log.ts';
import { createConnectionRepository, type ConnectionRepository } from './connection-repository.ts';
import { openDatabase, type DatabaseOptions, type OpenDatabase } from './database.ts';
import { createLeases, type Leases } from './lease.ts';
import { deriveKeys, resolveRootKey, type RootKey } from './root-key.ts';
import { createSecretBox } from './secret-box.ts';
import { createTokenRepository, type TokenRepository } from './token-repository.ts';
import { TaskRepository } from '../tasks/task-repository.ts';

export interface StoreOptions extends DatabaseOptions {
  /** ROSTER_SECRET_KEY as base64, or null to use (or generate) the SQLite key file. */
  readonly secretKey: string | null;
  readonly clock?: Clock;
}

export interface Store {
  readonly database: OpenDatabase;
  readonly connections: ConnectionRepository;
  readonly tokens: TokenRepository;
  readonly audit: AuditLog;
  readonly leases: Leases;
  readonly tasks: TaskRepository;
  /** Where the root key came from, for a start-up log line; never the key itself. */
  readonly keySource: Pick<RootKey, 'source' | 'path' | 'shadowedPath'>;
  close(): Promise<void>;
}

/**
 * Resolves the root key before touching the database, so a bad key stops start-up before any
 * migration runs. `Config` satisfies StoreOptions: `openStore(config)`.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const root = await resolveRootKey(options);
  const keys = deriveKeys(root.key);
  root.key.fill(0);
  const database = await openDatabase(options);
  const clock = options.clock ?? systemClock;
  const audit = createAuditLog({ db: database.db, dialect: database.dialect, clock });
  return {
    database,
    connections: createConnectionRepository({ db: database.db, secretBox: createSecretBox(keys), clock }),
    tokens: createTokenRepository({ db: database.db, tokenHashKey: keys.tokenHash, clock }),
    audit,
    leases: createLeases({ db: database.db, clock }),
    tasks: new TaskRepository({ db: database.db, audit, clock }),
    keySource: {
      source: root.source,
      ...(root.path === undefined ? {} : { path: root.path }),
      ...(root.shadowedPath === undefined ? {} : { shadowedPath: root.shadowedPath }),
    },
    close: () => database.close(),
  };
}
