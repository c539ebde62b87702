// SCIM 2.0 HTTP routes for one connection: /scim/v2/:connection/... (RFC 7644).
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/database-types.ts';

/** Limits advertised in /ServiceProviderConfig and enforced by the routes. */
export interface ScimLimits {
  readonly maxResults: number;
  readonly bulkMaxOperations: number;
  readonly bulkMaxPayloadBytes: number;
  readonly maxBodyBytes: number;
}

export interface ScimRoutesOptions {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  /** External base URL without trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly publicUrl: string;
  /**
   * Checks a bearer token for one connection. Resolves to the token id, or null when the header is
   * missing, malformed, unknown, expired, revoked, or belongs to another connection.
   */
  readonly authenticate: (
    authorization: string | undefined,
    connectionId: string,
  ) => Promise<{ readonly tokenId: string } | null>;
  readonly limits: ScimLimits;
  /** Requests per second per token; 0 turns the limit off. */
  readonly rateLimitRps: number;
}

/** Registered under the prefix `/scim/v2/:connection`. */
export const scimRoutes: FastifyPluginAsync<ScimRoutesOptions> = async (app) => {
  app.all('/*', async (_request, reply) => reply.code(501).send({ detail: 'not implemented yet' }));
};
