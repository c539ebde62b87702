// Push notifications from HR sources: `POST /webhooks/personio/<connection>` with the connection's
// static token. A verified delivery triggers an immediate run of every sync reading from that
// connection; the body itself is never trusted beyond "this person changed" (the run re-reads).
import type { FastifyPluginAsync } from 'fastify';

export interface WebhookRoutesOptions {
  /**
   * Verifies a delivery for a connection with its connector. Resolves to the person that changed, or
   * null when the connection is unknown, takes no webhooks, or the delivery is not authentic.
   */
  readonly verify: (
    connectionId: string,
    headers: Readonly<Record<string, string | undefined>>,
    body: unknown,
  ) => Promise<{ readonly sourceId: string } | null>;
  /** Starts runs of the syncs reading from this connection; answers how many. */
  readonly notify: (connectionId: string) => Promise<number>;
}

export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, options) => {
  app.post<{ Params: { app: string; connection: string } }>(
    '/webhooks/:app/:connection',
    { bodyLimit: 64 * 1024 },
    async (request, reply) => {
      // Checked before the token: a body of the wrong shape says nothing about a connection, and a
      // sender with the right token learns why instead of being told its token is wrong.
      if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body))
        return reply.code(400).send({
          error: {
            code: 'invalid_request',
            message: 'a webhook delivery is a JSON object, such as Personio’s {"event_name", "payload", …}',
          },
        });
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers))
        headers[name] = Array.isArray(value) ? value.join(',') : value;
      const notification = await options.verify(request.params.connection, headers, request.body);
      // One answer for unknown connections and bad tokens alike: nothing to learn by probing.
      if (notification === null)
        return reply.code(401).send({
          error: { code: 'webhook_refused', message: 'unknown connection or invalid webhook token' },
        });
      const syncs = await options.notify(request.params.connection);
      // Personio waits 3 s for an acknowledgement: answer at once, the run happens in the background.
      return reply.code(202).send({ accepted: true, syncs });
    },
  );
};
