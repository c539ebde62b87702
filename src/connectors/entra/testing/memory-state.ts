// An in-memory connection state (the shape of `services.state`), for tests that open the connector
// without a database. Values are copied through JSON, as the database stores them.
import type { ConnectorStateService, StateEntry } from '../connector-state.ts';

export interface MemoryState extends ConnectorStateService {
  readonly entries: Map<string, string>;
}

export function createMemoryState(): MemoryState {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async (key) => {
      const text = entries.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    },
    put: async (list: readonly StateEntry[]) => {
      for (const { key, value } of list) entries.set(key, JSON.stringify(value));
    },
    delete: async (key) => entries.delete(key),
    list: async (prefix = '') =>
      [...entries]
        .filter(([key]) => key.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, text]) => ({ key, value: JSON.parse(text) as unknown })),
  };
}
