// `roster emulate personio|entra`: local vendor APIs for demos and trying connectors without a tenant.
import { Command, InvalidArgumentError } from 'commander';
import { configOf, type CliContext } from '../context.ts';
import { createOutput } from '../output.ts';
import { waitForShutdownSignal } from '../shutdown.ts';

function integerIn(min: number, max: number) {
  return (value: string): number => {
    const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}

interface EmulateOptions {
  port: number;
  host: string;
  employees: number;
  seed: number;
  clientId: string;
  clientSecret: string;
  latencyMs: number;
  rateLimits: boolean;
  json?: boolean;
}

export function emulateCommand(context: CliContext): Command {
  const command = new Command('emulate').description('run emulators of vendor APIs');
  command
    .command('personio')
    .description('run a Personio API emulator (v1 and v2, OAuth client credentials) until SIGTERM or SIGINT')
    .option('--port <port>', 'TCP port; 0 picks a free one', integerIn(0, 65535), 9100)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--employees <n>', 'number of generated employees', integerIn(0, 1_000_000), 200)
    .option(
      '--seed <n>',
      'seed of the generated company (same seed, same company)',
      integerIn(0, 2 ** 31 - 1),
      1,
    )
    .option('--client-id <id>', 'accepted API client id', 'demo-client')
    .option('--client-secret <secret>', 'accepted API client secret', 'demo-secret')
    .option('--latency-ms <ms>', 'delay added to every API call', integerIn(0, 600_000), 0)
    .option('--no-rate-limits', "do not enforce Personio's rate limits (no 429s)")
    .option('--json', 'print one JSON document with the URL once the emulator is ready')
    .action(async (options: EmulateOptions) => {
      const output = createOutput(context.streams, options.json === true);
      const { createLogger } = await import('../../server/logger.ts');
      const logger = createLogger({ level: (await configOf(context)).logLevel });
      // Loaded on demand: the emulator is not part of the server and need not load with every command.
      const { startPersonioEmulator } = await import('../../../emulators/personio/index.ts');
      const emulator = await startPersonioEmulator({
        port: options.port,
        host: options.host,
        employees: options.employees,
        seed: options.seed,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        latencyMs: options.latencyMs,
        rateLimits: options.rateLimits,
        logger: (line) => logger.info(line),
      });
      output.result(
        {
          url: emulator.url,
          port: emulator.port,
          employees: options.employees,
          seed: options.seed,
          clientId: options.clientId,
        },
        () => `Personio emulator listening on ${emulator.url} (client id ${options.clientId})`,
      );
      await waitForShutdownSignal(logger);
      await emulator.close();
      logger.flush();
    });
  command
    .command('entra')
    .description(
      'run an Entra ID API-driven inbound provisioning emulator (token, bulkUpload, provisioning logs) until SIGTERM or SIGINT',
    )
    .option('--port <port>', 'TCP port; 0 picks a free one', integerIn(0, 65535), 9200)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option(
      '--processing-delay-ms <ms>',
      'time before an upload shows in the logs',
      integerIn(0, 600_000),
      200,
    )
    .option('--no-rate-limits', 'do not enforce the documented limits (no 429s)')
    .option('--json', 'print one JSON document with the URL and identifiers once the emulator is ready')
    .action(
      async (options: {
        port: number;
        host: string;
        processingDelayMs: number;
        rateLimits: boolean;
        json?: boolean;
      }) => {
        const output = createOutput(context.streams, options.json === true);
        const { createLogger } = await import('../../server/logger.ts');
        const logger = createLogger({ level: (await configOf(context)).logLevel });
        const { startEntraEmulator } = await import('../../../emulators/entra/index.ts');
        const emulator = await startEntraEmulator({
          port: options.port,
          host: options.host,
          processingDelayMs: options.processingDelayMs,
          rateLimits: options.rateLimits,
          logger: (line) => logger.info(line),
        });
        // The client secret is the emulator's fixed test value, printed so a connection can be made.
        const settings = {
          tenantId: emulator.tenantId,
          clientId: emulator.clientId,
          servicePrincipalId: emulator.servicePrincipalId,
          jobId: emulator.jobId,
          loginUrl: emulator.url,
          graphUrl: emulator.url,
        };
        output.result(
          { url: emulator.url, port: emulator.port, settings, clientSecret: emulator.clientSecret },
          () =>
            `Entra emulator listening on ${emulator.url}\nsettings: ${JSON.stringify(settings)}\nsecrets: ${JSON.stringify({ clientSecret: emulator.clientSecret })}`,
        );
        await waitForShutdownSignal(logger);
        await emulator.close();
        logger.flush();
      },
    );
  return command;
}
