// What every command receives: the environment to read configuration from and the output streams.
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import type { CliStreams } from './output.ts';

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly streams: CliStreams;
}

/**
 * Loads the configuration only when a command runs, so `--help` works with a broken environment.
 * Modules are imported on demand throughout the CLI: `--help` and light commands start faster.
 */
export async function configOf(context: CliContext): Promise<Config> {
  const { loadConfig } = await import('../config/config.ts');
  return loadConfig(context.env);
}

/** Runs `work` against the same database a server with this environment uses, then closes it. */
export async function withStore<T>(
  context: CliContext,
  work: (store: Store, config: Config) => Promise<T>,
): Promise<T> {
  const config = await configOf(context);
  const { openStore } = await import('../store/store.ts');
  const store = await openStore(config);
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}

/** The SCIM base URL of a connection, as an identity provider must be configured with it. */
export function scimBaseUrl(config: Config, connectionId: string): string {
  return `${config.publicUrl}/scim/v2/${connectionId}`;
}
