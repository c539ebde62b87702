// Bearer tokens: issue (the plaintext is returned once and never stored), list, revoke, and verify
// a presented token for one connection. Only HMAC-SHA-256(token-hash key, token) is kept.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { systemClock, toTimestamp, type Clock } from '../core/clock.ts';
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { SCIM_ENDPOINT_APPS, hasScimEndpoint } from '../core/connection.ts';
import { TOKEN_PREFIX, isTokenFormat, type ApiToken } from '../core/token.ts';
import type { Database, TokenTable } from './database-types.ts';

export type NewToken =
  | {
      readonly kind: 'scim';
      readonly connectionId: string;
      readonly name?: string;
      /** Lifetime from now; unset means the token does not expire. */
      readonly expiresInMs?: number;
    }
  | { readonly kind: 'admin'; readonly name?: string; readonly expiresInMs?: number };

export interface IssuedToken {
  /** The bearer token. Shown once: only its keyed hash is stored. */
  readonly token: string;
  readonly record: ApiToken;
}

export interface VerifiedToken {
  readonly tokenId: string;
  /** ISO-8601 UTC, or null for a token that never expires. */
  readonly expiresAt: string | null;
}

export interface TokenRepository {
  /**
   * @throws NotFoundError `connection_not_found` for a SCIM token of an unknown connection
   * @throws InvalidInputError `token_name_invalid`, `token_expiry_invalid`
   */
  create(input: NewToken): Promise<IssuedToken>;
  get(id: string): Promise<ApiToken | null>;
  /** Tokens newest first, optionally those of one connection. Never includes hashes. */
  list(filter?: { readonly connectionId?: string }): Promise<readonly ApiToken[]>;
  /** Revokes a token; revoking a revoked token keeps its first revocation time. @throws NotFoundError */
  revoke(id: string): Promise<ApiToken>;
  /**
   * Checks a presented SCIM token for `connectionId`: resolves to the token id, or null when the
   * token is malformed, unknown, of another connection, an admin token, expired or revoked. The
   * lookup is by keyed hash, so response time does not depend on how much of a guess was right.
   */
  verify(token: string, connectionId: string): Promise<VerifiedToken | null>;
  /** As `verify`, for admin tokens. */
  verifyAdmin(token: string): Promise<VerifiedToken | null>;
}

export interface TokenRepositoryDependencies {
  readonly db: Kysely<Database>;
  /** The token-hash key derived from the root key (`deriveKeys(root).tokenHash`). */
  readonly tokenHashKey: Buffer;
  readonly clock?: Clock;
}

const MAX_NAME_LENGTH = 200;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** last_used_at is written at most this often per token, so verification rarely writes. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function createTokenRepository(deps: TokenRepositoryDependencies): TokenRepository {
  const { db, tokenHashKey } = deps;
  const clock = deps.clock ?? systemClock;
  const hash = (token: string): string =>
    createHmac('sha256', tokenHashKey).update(token, 'utf8').digest('hex');

  async function verifyKind(
    token: string,
    accepts: (row: Selectable<TokenTable>) => boolean,
  ): Promise<VerifiedToken | null> {
    if (typeof token !== 'string' || !isTokenFormat(token)) return null;
    const presented = hash(token);
    const row = await db
      .selectFrom('tokens')
      .selectAll()
      .where('token_hash', '=', presented)
      .executeTakeFirst();
    if (!row) return null;
    // The database matched on the hash already; comparing again in constant time costs nothing
    // and does not rely on how the database compares strings.
    if (!timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(presented, 'hex'))) return null;
    if (!accepts(row)) return null;
    const now = clock.now();
    const nowText = toTimestamp(now);
    if (row.revoked_at !== null) return null;
    if (row.expires_at !== null && row.expires_at <= nowText) return null;
    const staleBefore = toTimestamp(new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
    if (row.last_used_at === null || row.last_used_at < staleBefore) {
      await db
        .updateTable('tokens')
        .set({ last_used_at: nowText })
        .where('id', '=', row.id)
        // Another request may have written it meanwhile; the condition keeps it to one write.
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
        .execute();
    }
    return { tokenId: row.id, expiresAt: row.expires_at };
  }

  return {
    async create(input) {
      const name = input.name ?? (input.kind === 'scim' ? `${input.connectionId} token` : 'admin token');
      if (name.trim() === '' || name.length > MAX_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
        throw new InvalidInputError(
          'token_name_invalid',
          `a token name must be 1 to ${MAX_NAME_LENGTH} characters without control characters`,
        );
      }
      if (
        input.expiresInMs !== undefined &&
        (!Number.isSafeInteger(input.expiresInMs) || input.expiresInMs <= 0)
      ) {
        throw new InvalidInputError('token_expiry_invalid', 'a token lifetime must be a positive duration');
      }
      const now = clock.now();
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const row: Selectable<TokenTable> = {
        id: newId(clock),
        connection_id: input.kind === 'scim' ? input.connectionId : null,
        kind: input.kind,
        name,
        token_hash: hash(token),
        created_at: toTimestamp(now),
        expires_at:
          input.expiresInMs === undefined ? null : toTimestamp(new Date(now.getTime() + input.expiresInMs)),
        last_used_at: null,
        revoked_at: null,
      };
      await db.transaction().execute(async (trx) => {
        if (input.kind === 'scim') {
          const connection = await trx
            .selectFrom('connections')
            .select(['id', 'app'])
            .where('id', '=', input.connectionId)
            .executeTakeFirst();
          if (!connection) {
            throw new NotFoundError(
              'connection_not_found',
              `no connection has id "${input.connectionId}"; create it first with roster connection add`,
            );
          }
          if (!hasScimEndpoint(connection.app)) {
            throw new InvalidInputError(
              'connection_without_scim',
              `connection "${input.connectionId}" (app ${connection.app}) has no SCIM endpoint, so it takes no tokens; ` +
                `only ${SCIM_ENDPOINT_APPS.join(' and ')} connections do`,
            );
          }
        }
        await trx.insertInto('tokens').values(row).execute();
      });
      return { token, record: toApiToken(row) };
    },

    async get(id) {
      const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toApiToken(row) : null;
    },

    async list(filter = {}) {
      let query = db.selectFrom('tokens').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
      if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
      return (await query.execute()).map(toApiToken);
    },

    async revoke(id) {
      const now = toTimestamp(clock.now());
      await db
        .updateTable('tokens')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) {
        throw new NotFoundError('token_not_found', `no token has id "${id}"; roster token list shows them`);
      }
      return toApiToken(row);
    },

    verify(token, connectionId) {
      return verifyKind(token, (row) => row.kind === 'scim' && row.connection_id === connectionId);
    },

    verifyAdmin(token) {
      return verifyKind(token, (row) => row.kind === 'admin');
    },
  };
}

function toApiToken(row: Selectable<TokenTable>): ApiToken {
  return Object.freeze({
    id: row.id,
    kind: row.kind,
    connectionId: row.connection_id,
    name: row.name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  });
}
