// Connector state: durable key/value records a connector keeps per connection between runs (what it
// last sent where the app cannot be read back). Values are JSON; a connector sees only its own
// connection's records, through `forConnection`.
import { sql, type Kysely } from 'kysely';
import { toTimestamp, type Clock } from '../core/clock.ts';
import type { Database } from './database-types.ts';

export interface ConnectorStateTable {
  connection_id: string;
  key: string;
  /** JSON text. */
  value: string;
  updated_at: string;
}

type StateDatabase = Database & { connector_state: ConnectorStateTable };

export interface ConnectorStateEntry {
  readonly key: string;
  readonly value: unknown;
}

/** One connection's state, as handed to its connector (`ConnectorContext.services.state`). */
export interface ConnectionState {
  /** The value stored under `key`, or undefined. */
  get(key: string): Promise<unknown>;
  /** Stores every entry in one transaction; `undefined` values are refused (JSON has none). */
  put(entries: readonly ConnectorStateEntry[]): Promise<void>;
  /** False when there was nothing to delete. */
  delete(key: string): Promise<boolean>;
  /** Every entry whose key starts with `prefix`, sorted by key. */
  list(prefix?: string): Promise<readonly ConnectorStateEntry[]>;
}

export interface ConnectorStateRepository {
  forConnection(connectionId: string): ConnectionState;
}

export interface ConnectorStateRepositoryDependencies {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
}

function parse(text: string): unknown {
  return JSON.parse(text) as unknown;
}

export function createConnectorStateRepository(
  deps: ConnectorStateRepositoryDependencies,
): ConnectorStateRepository {
  // The table comes from migration 0005; it is typed here so the shared row types stay untouched.
  const db = deps.db.withTables<{ connector_state: ConnectorStateTable }>() as Kysely<StateDatabase>;
  return {
    forConnection(connectionId: string): ConnectionState {
      return {
        async get(key) {
          const row = await db
            .selectFrom('connector_state')
            .select('value')
            .where('connection_id', '=', connectionId)
            .where('key', '=', key)
            .executeTakeFirst();
          return row === undefined ? undefined : parse(row.value);
        },
        async put(entries) {
          if (entries.length === 0) return;
          const updatedAt = toTimestamp(deps.clock.now());
          const rows = entries.map((entry) => {
            const value = JSON.stringify(entry.value);
            if (value === undefined) throw new TypeError(`connector state '${entry.key}': no JSON value`);
            return { connection_id: connectionId, key: entry.key, value, updated_at: updatedAt };
          });
          await db.transaction().execute(async (tx) => {
            // Chunks keep each statement below SQLite's bound-parameter limit.
            for (let i = 0; i < rows.length; i += 200) {
              await tx
                .insertInto('connector_state')
                .values(rows.slice(i, i + 200))
                .onConflict((oc) =>
                  oc.columns(['connection_id', 'key']).doUpdateSet((eb) => ({
                    value: eb.ref('excluded.value'),
                    updated_at: eb.ref('excluded.updated_at'),
                  })),
                )
                .execute();
            }
          });
        },
        async delete(key) {
          const result = await db
            .deleteFrom('connector_state')
            .where('connection_id', '=', connectionId)
            .where('key', '=', key)
            .executeTakeFirst();
          return Number(result.numDeletedRows) > 0;
        },
        async list(prefix = '') {
          let query = db
            .selectFrom('connector_state')
            .select(['key', 'value'])
            .where('connection_id', '=', connectionId);
          // substr, not LIKE: case-sensitive and free of wildcards on both dialects.
          if (prefix !== '') query = query.where(sql<boolean>`substr(key, 1, ${prefix.length}) = ${prefix}`);
          const rows = await query.execute();
          // Sorted here: PostgreSQL would order by its collation, SQLite by code point.
          return rows
            .map((r) => ({ key: r.key, value: parse(r.value) }))
            .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        },
      };
    },
  };
}
