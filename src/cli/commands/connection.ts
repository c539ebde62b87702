// `roster connection add|list|remove`: the connections identity providers provision into.
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError, NotFoundError } from '../../core/errors.ts';
import { CONNECTION_APPS, hasScimEndpoint, type Connection } from '../../core/connection.ts';
import type { Config } from '../../config/config.ts';
import { scimBaseUrl, withStore, type CliContext } from '../context.ts';
import { createOutput, formatTable } from '../output.ts';

/** A JSON or YAML file holding one object. @throws InvalidInputError `connection_settings_invalid` */
async function readObjectFile(path: string, option: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError('connection_settings_invalid', `${option}: cannot read ${path}`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new InvalidInputError(
      'connection_settings_invalid',
      `${option}: ${path} is neither JSON nor YAML`,
      {
        cause: error,
      },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidInputError('connection_settings_invalid', `${option}: ${path} must hold one object`);
  return value as Record<string, unknown>;
}

/**
 * Checks settings and secrets with the connector's own schemas, so a typo fails before anything is
 * stored. Secrets left undefined are not checked (`connection set` without `--secrets-file` keeps them).
 */
async function validateAgainstConnector(app: string, settings: unknown, secrets: unknown): Promise<void> {
  const { findConnector } = await import('../../connectors/registry.ts');
  const connector = findConnector(app);
  if (connector === undefined) return;
  const problems: string[] = [];
  const check = (what: string, schema: typeof connector.manifest.settingsSchema, value: unknown): void => {
    const parsed = schema.safeParse(value);
    // Paths and messages only: values may be secrets.
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        problems.push(`${what} ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  };
  check('settings', connector.manifest.settingsSchema, settings);
  if (secrets !== undefined) check('secrets', connector.manifest.secretsSchema, secrets);
  if (problems.length > 0)
    throw new InvalidInputError(
      'connection_settings_invalid',
      `${app} connection: ${problems.join('; ')} (see docs/connectors/${app}.md)`,
    );
}

function describeConnection(config: Config, connection: Connection) {
  return {
    ...connection,
    scimBaseUrl: hasScimEndpoint(connection.app) ? scimBaseUrl(config, connection.id) : null,
  };
}

export function connectionCommand(context: CliContext): Command {
  const command = new Command('connection').description(
    'create, list and remove connections (one per app instance)',
  );

  command
    .command('add')
    .description('create a connection; identity providers reach it at <public URL>/scim/v2/<id>')
    .argument('<id>', 'connection id: lower-case letters, digits and hyphens, e.g. acme-directory')
    .addOption(
      new Option('--app <app>', '"directory" is Roster\'s own SCIM directory')
        .choices(CONNECTION_APPS)
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'display name (default: the id)')
    .option('--settings <file>', "the app's settings as a JSON or YAML file (see docs/connectors/<app>.md)")
    .option(
      '--secrets-file <file>',
      'the app\'s secrets (e.g. {"clientSecret": "…"}) as a JSON or YAML file; stored encrypted',
    )
    .option('--json', 'print the connection as one JSON document')
    .action(
      async (
        id: string,
        options: { app: string; name?: string; settings?: string; secretsFile?: string; json?: boolean },
      ) => {
        const output = createOutput(context.streams, options.json === true);
        const settings =
          options.settings === undefined ? undefined : await readObjectFile(options.settings, '--settings');
        const secrets =
          options.secretsFile === undefined
            ? undefined
            : await readObjectFile(options.secretsFile, '--secrets-file');
        await validateAgainstConnector(options.app, settings ?? {}, secrets ?? {});
        await withStore(context, async (store, config) => {
          const connection = await store.connections.create({
            id,
            app: options.app,
            ...(options.name === undefined ? {} : { displayName: options.name }),
            ...(settings === undefined ? {} : { settings }),
            ...(secrets === undefined ? {} : { secrets }),
          });
          output.result(describeConnection(config, connection), () =>
            [
              `Created connection ${connection.id} (${connection.app}).`,
              hasScimEndpoint(connection.app)
                ? `SCIM base URL: ${scimBaseUrl(config, connection.id)}`
                : 'No SCIM endpoint: Roster writes to this app through a sync (roster sync add --to).',
            ].join('\n'),
          );
          if (!output.isJson && hasScimEndpoint(connection.app))
            output.note(`Next: create a token for it with \`roster token create ${connection.id}\`.`);
        });
      },
    );

  command
    .command('set')
    .description("replace a connection's settings (and secrets, with --secrets-file); checked like `add`")
    .argument('<id>', 'connection id')
    .requiredOption('--settings <file>', "the app's complete settings as a JSON or YAML file")
    .option('--secrets-file <file>', "replace the app's secrets (stored encrypted); without it they are kept")
    .option('--json', 'print the connection and the changed keys as one JSON document')
    .action(async (id: string, options: { settings: string; secretsFile?: string; json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      const settings = await readObjectFile(options.settings, '--settings');
      const secrets =
        options.secretsFile === undefined
          ? undefined
          : await readObjectFile(options.secretsFile, '--secrets-file');
      await withStore(context, async (store, config) => {
        const before = await store.connections.get(id);
        if (before === null) {
          throw new NotFoundError(
            'connection_not_found',
            `no connection has id "${id}"; roster connection list shows them`,
          );
        }
        await validateAgainstConnector(before.app, settings, secrets);
        const changedSettings = changedKeys(before.settings, settings);
        // Secrets are compared by nothing but their key names: values never leave the sealed column.
        const secretKeys = secrets === undefined ? null : Object.keys(secrets).sort();
        const connection = await store.database.db.transaction().execute(async (trx) => {
          const updated = await store.connections.update(
            id,
            { settings, ...(secrets === undefined ? {} : { secrets }) },
            trx,
          );
          await store.audit.append(
            {
              actor: 'cli',
              action: 'connection.settings',
              outcome: 'applied',
              connectionId: id,
              content: { changedSettings, replacedSecrets: secretKeys },
            },
            trx,
          );
          return updated;
        });
        output.result(
          { ...describeConnection(config, connection), changedSettings, replacedSecrets: secretKeys },
          () =>
            [
              changedSettings.length === 0
                ? `Settings of ${id} unchanged.`
                : `Updated settings of ${id}: ${changedSettings.join(', ')}`,
              ...(secretKeys === null
                ? []
                : [`Replaced secrets of ${id}: ${secretKeys.join(', ') || '(none)'}`]),
            ].join('\n'),
        );
      });
    });

  command
    .command('list')
    .description('list connections with their SCIM base URLs')
    .option('--json', 'print the connections as one JSON array')
    .action(async (options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      await withStore(context, async (store, config) => {
        const connections = await store.connections.list();
        output.result(
          connections.map((c) => describeConnection(config, c)),
          () =>
            connections.length === 0
              ? ''
              : formatTable(
                  ['ID', 'APP', 'NAME', 'SCIM BASE URL', 'CREATED'],
                  connections.map((c) => [
                    c.id,
                    c.app,
                    c.displayName,
                    hasScimEndpoint(c.app) ? scimBaseUrl(config, c.id) : '-',
                    c.createdAt,
                  ]),
                ),
        );
        if (connections.length === 0 && !output.isJson) {
          output.note('No connections yet. Create one with `roster connection add <id> --app directory`.');
        }
      });
    });

  command
    .command('remove')
    .description('remove a connection and its tokens')
    .argument('<id>', 'connection id')
    .option('--force', 'also delete the SCIM users and groups it holds')
    .option('--json', 'print the outcome as one JSON document')
    .action(async (id: string, options: { force?: boolean; json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      await withStore(context, async (store) => {
        const removed = await store.connections.delete(id, { force: options.force === true });
        output.result({ ...removed, removed: true }, () =>
          removed.resourceCount === 0
            ? `Removed connection ${id}.`
            : `Removed connection ${id} with ${removed.resourceCount} SCIM users and groups.`,
        );
      });
    });

  return command;
}

/**
 * The dotted paths whose values differ between two settings objects (added, removed or changed),
 * sorted; objects are compared key by key, anything else (arrays included) as a whole.
 */
export function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(before) || !isObject(after)) {
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix || '(root)'];
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (!(key in before) || !(key in after)) return [path];
    return changedKeys(before[key], after[key], path);
  });
}
