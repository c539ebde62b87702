// The read-back of a Personio connection's tasks: what Personio shows now, compared with what a task
// expects. Today that is the work email of a `change_email` task (Personio's API shows no login access
// or roles). Registered for `personio` in the task read-backs, so a person marking such a task done is
// checked against Personio, as the gateway's own import checks it.
import { systemClock } from '../core/clock.ts';
import { createHttpClientFactory } from '../connectors/http/http-client.ts';
import { openConnector } from '../connectors/registry.ts';
import { silentConnectorLogger } from '../sync/engine/open-connection.ts';
import type { ReadBackFactory } from '../tasks/read-back.ts';

export const personioReadBack: ReadBackFactory = async (context) => {
  const { connection } = context;
  const secrets = (await context.readSecrets()) ?? {};
  return async (task) => {
    const expectation = task.expectation;
    if (expectation === null || expectation.attribute !== 'email' || typeof expectation.value !== 'string')
      return { agrees: false, observed: `Personio's API cannot show ${expectation?.attribute ?? 'this'}` };
    if (task.personId === null) return { agrees: false, observed: 'the task names no Personio employee' };
    const http = createHttpClientFactory({ clock: systemClock, logger: silentConnectorLogger });
    const handle = openConnector('personio', connection.settings, secrets, {
      connectionId: connection.id,
      clock: systemClock,
      logger: silentConnectorLogger,
      http,
    });
    try {
      const person = await handle.people?.getPerson(task.personId);
      if (!person) return { agrees: false, observed: `Personio has no employee ${task.personId}` };
      const email = person.workEmail ?? null;
      return {
        agrees: email !== null && email.toLowerCase() === expectation.value.toLowerCase(),
        observed: email === null ? 'Personio shows no work email' : `Personio shows the work email ${email}`,
      };
    } finally {
      await handle.close();
    }
  };
};
