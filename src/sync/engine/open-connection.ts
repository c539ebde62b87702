// Opens a configured connection's connector: its settings and opened secrets validated by the
// connector's manifest, the one HTTP client factory (shared, so rate limits hold per connection across
// runs), and the host's services (Roster's own SCIM repository for `directory` connections; the
// connection's durable connector state, `services.state`, for every connection).
import type { Clock } from '../../core/clock.ts';
import type { ConnectorHandle, ConnectorLogger } from '../../connectors/contract.ts';
import { withDirectoryRepository, type DirectoryRepository } from '../../connectors/directory/index.ts';
import type { HttpClientFactory } from '../../connectors/http/http-client.ts';
import { createHttpClientFactory } from '../../connectors/http/http-client.ts';
import { openConnector } from '../../connectors/registry.ts';
import type { ConnectionRepository } from '../../store/connection-repository.ts';
import type { ConnectorStateRepository } from '../../store/connector-state-repository.ts';

export interface ConnectionOpenerDependencies {
  readonly connections: ConnectionRepository;
  /** Roster's own directory, for `directory` connections. */
  readonly directory: DirectoryRepository;
  /** Durable per-connection connector state, handed to each connector as `services.state`. */
  readonly state?: ConnectorStateRepository;
  readonly clock: Clock;
  readonly logger: ConnectorLogger;
  /** Defaults to one factory for the opener's lifetime. */
  readonly http?: HttpClientFactory;
}

export type OpenConnection = (connectionId: string) => Promise<ConnectorHandle>;

/** A logger that drops everything, for hosts that pass none. */
export const silentConnectorLogger: ConnectorLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentConnectorLogger,
};

export function createConnectionOpener(deps: ConnectionOpenerDependencies): OpenConnection {
  const http = deps.http ?? createHttpClientFactory({ clock: deps.clock, logger: deps.logger });
  return async (connectionId) => {
    const connection = await deps.connections.get(connectionId);
    if (connection === null) throw new Error(`no connection '${connectionId}'; see roster connection list`);
    const secrets = connection.hasSecrets ? await deps.connections.readSecrets(connectionId) : {};
    const context = withDirectoryRepository(
      {
        connectionId,
        clock: deps.clock,
        logger: deps.logger.child({ connection: connectionId }),
        http,
        ...(deps.state ? { services: { state: deps.state.forConnection(connectionId) } } : {}),
      },
      deps.directory,
    );
    return openConnector(connection.app, connection.settings, secrets ?? {}, context);
  };
}
