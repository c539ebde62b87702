// `roster serve`: the SCIM server, on SQLite in ROSTER_DATA_DIR or on PostgreSQL, until SIGTERM/SIGINT.
import { createServer } from 'node:net';
import { Command } from 'commander';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { SyncScheduler } from '../../sync/engine/sync-scheduler.ts';
import { ENVIRONMENT_VARIABLES } from '../../config/environment-variables.ts';
import { hasScimEndpoint } from '../../core/connection.ts';
import { configOf, scimBaseUrl, type CliContext } from '../context.ts';
import { createOutput } from '../output.ts';
import { waitForShutdownSignal } from '../shutdown.ts';

export function serveCommand(context: CliContext): Command {
  const variables = ENVIRONMENT_VARIABLES.map(
    (v) => `  ${v.name.padEnd(36)} ${v.description} (default: ${v.defaultValue})`,
  );
  return new Command('serve')
    .description('run the server until SIGTERM or SIGINT; configured through environment variables')
    .option('--json', 'print one JSON document with the listening address once the server is ready')
    .addHelpText('after', `\nEnvironment:\n${variables.join('\n')}\n`)
    .action(async (options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      const config = await configOf(context);
      const [
        { urlHost },
        { buildApp },
        { createAuthenticator },
        { createLogger },
        { describePostgresUrl },
        { openStore },
      ] = await Promise.all([
        import('../../config/config.ts'),
        import('../../server/app.ts'),
        import('../../server/auth.ts'),
        import('../../server/logger.ts'),
        import('../../store/database.ts'),
        import('../../store/store.ts'),
      ]);
      const logger = createLogger({ level: config.logLevel });
      const port =
        config.port === 0 && config.isPublicUrlDerived ? await findFreePort(config.host) : config.port;
      const publicUrl = config.isPublicUrlDerived
        ? `http://${urlHost(config.host)}:${port}`
        : config.publicUrl;

      const store = await openStore({
        ...config,
        onBackgroundError: (err) => logger.error({ err }, 'idle database connection failed'),
      });
      if (store.keySource.shadowedPath !== undefined) {
        logger.warn(
          { path: store.keySource.shadowedPath },
          'ROSTER_SECRET_KEY overrides the key file in the data directory; tokens created under the file key no longer work',
        );
      }
      if (store.keySource.source === 'generated') {
        logger.warn(
          { path: store.keySource.path },
          'generated a new secret key; back it up with the database: token hashes and sealed secrets depend on it',
        );
      }
      const { engineFromStore } = await import('../../sync/engine/engine-from-store.ts');
      const { startSyncScheduler } = await import('../../sync/engine/sync-scheduler.ts');
      const engine = engineFromStore(store, { label: 'server', logger: logger.child({ part: 'connector' }) });
      // Personio connections: IdP writes are applied to Personio through an outbox (docs/connectors/personio.md).
      const { PersonioGateway } = await import('../../provisioning/index.ts');
      const { ScimRepository } = await import('../../store/scim-repository.ts');
      const gateway = new PersonioGateway({
        db: store.database.db,
        repository: new ScimRepository(store.database.db, store.database.dialect),
        connections: store.connections,
        tasks: store.tasks,
        audit: store.audit,
        openConnection: engine.openConnection,
        clock: engine.clock,
        logger: logger.child({ part: 'personio-gateway' }),
      });
      // The scheduler starts after listening; a webhook that arrives before it is served by its first tick.
      const schedulerRef: { current?: SyncScheduler } = {};
      const app = await buildApp({
        db: store.database.db,
        dialect: store.database.dialect,
        publicUrl,
        authenticate: createAuthenticator(store.tokens),
        limits: config.scimLimits,
        maxBodyBytes: config.maxBodyBytes,
        rateLimitRps: config.rateLimitRps,
        logger,
        admin: {
          tokens: store.tokens,
          tasks: store.tasks,
          connections: store.connections,
          syncs: engine.syncs,
          audit: store.audit,
        },
        scimGatewayFor: (connectionId, tokenId) => gateway.gatewayFor(connectionId, tokenId),
        webhooks: {
          verify: async (connectionId, headers, body) => {
            const connection = await store.connections.get(connectionId);
            if (connection === null) return null;
            const handle = await engine.openConnection(connectionId).catch(() => null);
            if (handle === null) return null;
            try {
              return handle.people?.parseNotification?.(headers, body) ?? null;
            } finally {
              await handle.close();
            }
          },
          notify: async (connectionId) => {
            // A person changed in Personio: refresh the connection's SCIM view at the gateway's next pass.
            gateway.importSoon(connectionId);
            const syncs = await engine.syncs.listBySource(connectionId);
            schedulerRef.current?.trigger(
              syncs.map((s) => s.id),
              'webhook',
            );
            return syncs.length;
          },
        },
      });
      try {
        await app.listen({ port, host: config.host });
      } catch (error) {
        await app.close();
        await store.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
          const { ListenError } = await import('../../core/errors.ts');
          throw new ListenError(
            code === 'EADDRINUSE'
              ? `port ${port} on ${config.host} is already in use; stop the other process or set PORT to a free port`
              : `cannot listen on ${config.host}:${port} (${code}); set HOST to an address of this machine and PORT to a port you may use`,
            { cause: error },
          );
        }
        throw error;
      }
      const connections = await store.connections.list();
      logger.info(
        {
          url: publicUrl,
          database:
            config.dialect === 'sqlite' ? config.sqliteFile : describePostgresUrl(config.databaseUrl ?? ''),
          connections: connections.length,
        },
        'Roster is listening',
      );
      if (connections.length === 0) {
        logger.info(
          'no connection yet: create one with `roster connection add <id> --app directory`, then a token with `roster token create <id>`; identity providers use <url>/scim/v2/<id>',
        );
      }
      for (const connection of connections.filter((c) => hasScimEndpoint(c.app))) {
        logger.info(
          { connection: connection.id, scimBaseUrl: scimBaseUrl({ ...config, publicUrl }, connection.id) },
          'SCIM endpoint',
        );
      }
      warnAboutWildcard(config, logger);
      // Syncs run on their schedules in the server: a full pass at start-up, then as configured.
      const scheduler = startSyncScheduler(engine, { logger: logger.child({ part: 'sync' }) });
      schedulerRef.current = scheduler;
      gateway.start();
      output.result(
        { url: publicUrl, host: config.host, port, dialect: config.dialect, connections: connections.length },
        () => `Roster is listening on ${publicUrl}`,
      );

      await waitForShutdownSignal(logger);
      await scheduler.stop();
      await app.close();
      await gateway.stop();
      await store.close();
      logger.info('stopped');
      logger.flush();
    });
}

function warnAboutWildcard(config: Config, logger: Logger): void {
  if (config.isPublicUrlDerived && (config.host === '0.0.0.0' || config.host === '::')) {
    logger.warn(
      { host: config.host },
      'HOST accepts connections from other machines, but Location headers use the loopback address; set ROSTER_PUBLIC_URL to the address clients use',
    );
  }
}

/** PORT=0 with a derived public URL: the URL must name the real port, so pick it before listening. */
function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
