// `roster token create|list|revoke`: bearer tokens for SCIM clients, shown once and stored hashed.
import { Command } from 'commander';
import { tokenStatus, type ApiToken } from '../../core/token.ts';
import { withStore, type CliContext } from '../context.ts';
import { parseDuration } from '../duration.ts';
import { createOutput, formatTable } from '../output.ts';

function describeToken(token: ApiToken, now: Date) {
  return { ...token, status: tokenStatus(token, now) };
}

export function tokenCommand(context: CliContext): Command {
  const command = new Command('token').description('create, list and revoke bearer tokens');

  command
    .command('create')
    .description('create a bearer token and print it, alone, on stdout (it is shown only once)')
    .argument('[connection]', 'the connection the token may reach')
    .option('--name <name>', 'what the token is for, e.g. okta')
    .option('--expires-in <duration>', 'lifetime such as 30m, 12h, 90d, 8w or 1y (default: no expiry)')
    .option('--admin', 'create an admin token, bound to no connection')
    .option('--json', 'print the token and its metadata as one JSON document')
    .action(
      async (
        connection: string | undefined,
        options: { name?: string; expiresIn?: string; admin?: boolean; json?: boolean },
        self: Command,
      ) => {
        if (options.admin === true && connection !== undefined) {
          self.error('error: give either a connection or --admin, not both', {
            exitCode: 2,
            code: 'roster.usage',
          });
        }
        if (options.admin !== true && connection === undefined) {
          self.error('error: missing argument: connection (or --admin for an admin token)', {
            exitCode: 2,
            code: 'roster.usage',
          });
        }
        const expiresInMs = options.expiresIn === undefined ? undefined : parseDuration(options.expiresIn);
        const output = createOutput(context.streams, options.json === true);
        await withStore(context, async (store) => {
          const common = {
            ...(options.name === undefined ? {} : { name: options.name }),
            ...(expiresInMs === undefined ? {} : { expiresInMs }),
          };
          const issued =
            connection === undefined
              ? await store.tokens.create({ kind: 'admin', ...common })
              : await store.tokens.create({ kind: 'scim', connectionId: connection, ...common });
          output.result(
            { token: issued.token, ...describeToken(issued.record, new Date()) },
            () => issued.token,
          );
          if (!output.isJson) {
            const scope =
              connection === undefined
                ? `admin token ${issued.record.id}`
                : `token ${issued.record.id} for connection ${connection}`;
            const expiry =
              issued.record.expiresAt === null ? 'never expires' : `expires ${issued.record.expiresAt}`;
            output.note(`Created ${scope} (${expiry}). It is shown only once: store it now.`);
          }
        });
      },
    );

  command
    .command('list')
    .description('list tokens (never the tokens themselves)')
    .option('--connection <id>', 'only tokens of this connection')
    .option('--json', 'print the tokens as one JSON array')
    .action(async (options: { connection?: string; json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      await withStore(context, async (store) => {
        const now = new Date();
        const tokens = await store.tokens.list(
          options.connection === undefined ? {} : { connectionId: options.connection },
        );
        output.result(
          tokens.map((t) => describeToken(t, now)),
          () =>
            tokens.length === 0
              ? ''
              : formatTable(
                  ['ID', 'KIND', 'CONNECTION', 'NAME', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'],
                  tokens.map((t) => [
                    t.id,
                    t.kind,
                    t.connectionId,
                    t.name,
                    tokenStatus(t, now),
                    t.createdAt,
                    t.expiresAt,
                    t.lastUsedAt,
                  ]),
                ),
        );
        if (tokens.length === 0 && !output.isJson)
          output.note('No tokens. Create one with `roster token create <connection>`.');
      });
    });

  command
    .command('revoke')
    .description('revoke a token; clients using it get 401 from then on')
    .argument('<id>', 'token id, as `roster token list` shows it')
    .option('--json', 'print the revoked token as one JSON document')
    .action(async (id: string, options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      await withStore(context, async (store) => {
        const token = await store.tokens.revoke(id);
        output.result(describeToken(token, new Date()), () => `Revoked token ${token.id}.`);
      });
    });

  return command;
}
