// `roster demo`: the whole loop with nothing to configure — a Personio emulator with a seeded
// company, a Personio connection, a directory connection, a sync between them, and the server that
// runs it. Safe to run again on the same data directory.
import { Command } from 'commander';
import { scimBaseUrl, withStore, type CliContext } from '../context.ts';

const PERSONIO = 'personio-demo';
const DIRECTORY = 'staff';
const SYNC = 'hr';

export function demoCommand(context: CliContext, runServe: () => Promise<void>): Command {
  return new Command('demo')
    .description('start a Personio emulator, connect it to a directory with a sync, and run the server')
    .option('--emulator-port <port>', 'port of the Personio emulator', '9100')
    .option('--employees <n>', 'employees in the emulated company', '200')
    .action(async (options: { emulatorPort: string; employees: string }) => {
      const port = Number(options.emulatorPort);
      const employees = Number(options.employees);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        const { InvalidInputError } = await import('../../core/errors.ts');
        throw new InvalidInputError(
          'connection_settings_invalid',
          '--emulator-port must be a TCP port number',
        );
      }
      const { startPersonioEmulator } = await import('../../../emulators/personio/index.ts');
      const emulator = await startPersonioEmulator({ port, employees, seed: 1 });
      try {
        const token = await withStore(context, async (store, config) => {
          const { createSyncRepository } = await import('../../store/sync-repository.ts');
          if ((await store.connections.get(PERSONIO)) === null)
            await store.connections.create({
              id: PERSONIO,
              app: 'personio',
              displayName: 'Personio (emulated)',
              settings: {
                baseUrl: emulator.url,
                clientId: 'demo-client',
                timeZoneAttribute: 'dynamic_1310547',
              },
              secrets: { clientSecret: 'demo-secret' },
            });
          if ((await store.connections.get(DIRECTORY)) === null)
            await store.connections.create({
              id: DIRECTORY,
              app: 'directory',
              displayName: 'Staff directory',
            });
          const syncs = createSyncRepository({ db: store.database.db });
          if ((await syncs.get(SYNC)) === null)
            await syncs.create({
              id: SYNC,
              source: PERSONIO,
              target: DIRECTORY,
              everyMs: 30_000,
              fullEveryMs: 6 * 3_600_000,
            });
          const issued = await store.tokens.create({ kind: 'scim', connectionId: DIRECTORY, name: 'demo' });
          const base = scimBaseUrl(config, DIRECTORY);
          context.streams.stdout.write(
            [
              '',
              `SCIM URL: ${base}`,
              `Token: ${issued.token}`,
              `Personio emulator control API: ${emulator.url}/_emulator`,
              '',
              'Three things to try:',
              `  1. Hire someone, then watch the account appear within 30 s:`,
              `     curl -s -X POST ${emulator.url}/_emulator/employees -H 'content-type: application/json' \\`,
              `       -d '{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","status":"active","hire_date":"2026-01-05"}'`,
              `     curl -s -H "Authorization: Bearer ${issued.token}" '${base}/Users?filter=userName+eq+"ada@example.com"'`,
              `  2. Terminate them (PATCH ${emulator.url}/_emulator/employees/<id> with {"status":"inactive","termination_date":"2026-01-31"})`,
              `     and the account is disabled on the next run.`,
              `  3. Look at the plan: npx roster sync plan ${SYNC}   (and its history: npx roster sync history ${SYNC})`,
              '',
            ].join('\n'),
          );
          return issued.token;
        });
        void token;
        await runServe();
      } finally {
        await emulator.close();
      }
    });
}
