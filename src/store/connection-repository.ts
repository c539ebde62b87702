// Connections: create, read, list and remove configured app instances; their secrets are sealed
// before they reach the database and opened only on explicit request.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { systemClock, toTimestamp, type Clock } from '../core/clock.ts';
import { CONNECTION_APPS, isConnectionApp, isConnectionId, type Connection } from '../core/connection.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.ts';
import type { ConnectionTable, Database } from './database-types.ts';
import { secretAad, type SecretBox } from './secret-box.ts';

export interface NewConnection {
  readonly id: string;
  readonly app: string;
  /** Defaults to the id. */
  readonly displayName?: string;
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Sealed with AAD `connections:secrets:<id>` before it is stored. */
  readonly secrets?: Readonly<Record<string, unknown>>;
}

export interface RemovedConnection {
  readonly id: string;
  /** SCIM users and groups deleted with the connection. */
  readonly resourceCount: number;
}

export interface ConnectionRepository {
  /**
   * @throws InvalidInputError `connection_id_invalid`, `connection_app_unknown`, `connection_name_invalid`
   * @throws ConflictError `connection_exists`
   */
  create(input: NewConnection): Promise<Connection>;
  get(id: string): Promise<Connection | null>;
  /** Every connection, ordered by id. */
  list(): Promise<readonly Connection[]>;
  /**
   * Removes a connection with its tokens. A connection that still holds SCIM users or groups is
   * removed only with `force`, so nobody deletes a directory by mistyping an id.
   * @throws NotFoundError `connection_not_found`
   * @throws ConflictError `connection_not_empty`
   */
  delete(id: string, options?: { readonly force?: boolean }): Promise<RemovedConnection>;
  /**
   * Replaces the settings, and the secrets when given (sealed like `create`'s). Pass a transaction
   * to commit the change with its audit entry.
   * @throws NotFoundError `connection_not_found`
   */
  update(id: string, input: ConnectionUpdate, tx?: Transaction<Database>): Promise<Connection>;
  /** The opened secrets, or null when the connection has none. @throws NotFoundError, SecretUnsealableError */
  readSecrets(id: string): Promise<Readonly<Record<string, unknown>> | null>;
}

export interface ConnectionUpdate {
  readonly settings: Readonly<Record<string, unknown>>;
  /** Unset keeps the stored secrets. */
  readonly secrets?: Readonly<Record<string, unknown>>;
}

export interface ConnectionRepositoryDependencies {
  readonly db: Kysely<Database>;
  readonly secretBox: SecretBox;
  readonly clock?: Clock;
}

const MAX_NAME_LENGTH = 200;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function createConnectionRepository(deps: ConnectionRepositoryDependencies): ConnectionRepository {
  const { db, secretBox } = deps;
  const clock = deps.clock ?? systemClock;

  return {
    async create(input) {
      if (!isConnectionId(input.id)) {
        throw new InvalidInputError(
          'connection_id_invalid',
          `"${input.id}" is not a valid connection id: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit`,
        );
      }
      if (!isConnectionApp(input.app)) {
        throw new InvalidInputError(
          'connection_app_unknown',
          `"${input.app}" is not a known app; choose one of ${CONNECTION_APPS.join(', ')}`,
        );
      }
      const displayName = input.displayName ?? input.id;
      if (
        displayName.trim() === '' ||
        displayName.length > MAX_NAME_LENGTH ||
        CONTROL_CHARACTERS.test(displayName)
      ) {
        throw new InvalidInputError(
          'connection_name_invalid',
          `a connection name must be 1 to ${MAX_NAME_LENGTH} characters without control characters`,
        );
      }
      const now = toTimestamp(clock.now());
      const row: Selectable<ConnectionTable> = {
        id: input.id,
        app: input.app,
        display_name: displayName,
        settings: JSON.stringify(input.settings ?? {}),
        secrets:
          input.secrets === undefined
            ? null
            : secretBox.seal(JSON.stringify(input.secrets), secretAad('connections', 'secrets', input.id)),
        created_at: now,
        updated_at: now,
      };
      const result = await db
        .insertInto('connections')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
        throw new ConflictError('connection_exists', `a connection with id "${input.id}" already exists`);
      }
      return toConnection(row);
    },

    async get(id) {
      const row = await db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toConnection(row) : null;
    },

    async list() {
      const rows = await db.selectFrom('connections').selectAll().orderBy('id').execute();
      return rows.map(toConnection);
    },

    async delete(id, options = {}) {
      return db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('connections')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!existing) throw notFound(id);
        const counted = await trx
          .selectFrom('scim_resources')
          .select((eb) => eb.fn.countAll().as('count'))
          .where('connection_id', '=', id)
          .executeTakeFirstOrThrow();
        const resourceCount = Number(counted.count);
        if (resourceCount > 0 && options.force !== true) {
          throw new ConflictError(
            'connection_not_empty',
            `connection "${id}" still holds ${resourceCount} SCIM users and groups; remove it with --force to delete them too`,
          );
        }
        // Memberships reference resources, resources and tokens reference the connection; the
        // foreign keys cascade, but deleting explicitly keeps the order obvious on both dialects.
        await trx.deleteFrom('group_members').where('connection_id', '=', id).execute();
        await trx.deleteFrom('scim_resources').where('connection_id', '=', id).execute();
        await trx.deleteFrom('tokens').where('connection_id', '=', id).execute();
        await trx.deleteFrom('connections').where('id', '=', id).execute();
        return { id, resourceCount };
      });
    },

    async update(id, input, tx) {
      const run = async (trx: Transaction<Database>): Promise<Connection> => {
        const result = await trx
          .updateTable('connections')
          .set({
            settings: JSON.stringify(input.settings),
            ...(input.secrets === undefined
              ? {}
              : {
                  secrets: secretBox.seal(
                    JSON.stringify(input.secrets),
                    secretAad('connections', 'secrets', id),
                  ),
                }),
            updated_at: toTimestamp(clock.now()),
          })
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound(id);
        const row = await trx
          .selectFrom('connections')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        return toConnection(row);
      };
      return tx === undefined ? db.transaction().execute(run) : run(tx);
    },

    async readSecrets(id) {
      const row = await db
        .selectFrom('connections')
        .select('secrets')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound(id);
      if (row.secrets === null) return null;
      return JSON.parse(secretBox.open(row.secrets, secretAad('connections', 'secrets', id))) as Record<
        string,
        unknown
      >;
    },
  };
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(
    'connection_not_found',
    `no connection has id "${id}"; roster connection list shows them`,
  );
}

function toConnection(row: Selectable<ConnectionTable>): Connection {
  if (!isConnectionApp(row.app)) throw new Error(`connection ${row.id} has unknown app ${row.app}`);
  return Object.freeze({
    id: row.id,
    app: row.app,
    displayName: row.display_name,
    settings: Object.freeze(JSON.parse(row.settings) as Record<string, unknown>),
    hasSecrets: row.secrets !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}
