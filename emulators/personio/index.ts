// Public entry of the Personio emulator: start it on a port, get its URL, close it.
// Everything else in this folder is internal.
import { Company } from './company.ts';
import { TokenStore } from './credentials.ts';
import { EmulatorClock } from './emulator-clock.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { FaultQueue } from './faults.ts';
import { generateCompany } from './generator.ts';
import { type PersonioEmulatorOptions, resolveOptions } from './options.ts';
import { PersonioRateLimits } from './rate-limiter.ts';
import { RequestLog } from './request-log.ts';
import { SeededRandom } from './seeded-random.ts';
import { buildEmulatorApp } from './server.ts';
import { WebhookDispatcher } from './webhooks.ts';

export type { PersonioEmulatorOptions } from './options.ts';

/** A running emulator. `url` has no trailing slash; `close()` also releases hung requests. */
export interface PersonioEmulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts a Personio API emulator: v1 (`/v1/auth`, `/v1/company/employees…`), v2 (`/v2/auth/token`,
 * `/v2/persons…`, `/v2/legal-entities`, `/v2/webhooks`) and the `/_emulator` control API, over a
 * company generated from `seed` with exactly `employees` profiles. See docs/emulators/personio.md.
 */
export async function startPersonioEmulator(
  options: PersonioEmulatorOptions = {},
): Promise<PersonioEmulator> {
  const resolved = resolveOptions(options);
  const clock = new EmulatorClock(resolved.now);
  // Runtime randomness (new ids, rehire suffixes) is seeded too, apart from the generator's stream.
  const runtimeRandom = new SeededRandom(resolved.seed ^ 0x5eed_1e55);
  const company = new Company(
    generateCompany({ seed: resolved.seed, employees: resolved.employees, now: clock.now() }),
    clock,
    runtimeRandom,
  );
  const context: EmulatorContext = {
    options: resolved,
    clock,
    company,
    tokens: new TokenStore(),
    faults: new FaultQueue(),
    limits: new PersonioRateLimits(),
    requestLog: new RequestLog(),
    webhooks: new WebhookDispatcher(company, clock, runtimeRandom, {
      retryDelaysMs: resolved.webhookRetryDelaysMs,
      timeoutMs: resolved.webhookTimeoutMs,
      triesPerAttempt: 2,
      logger: resolved.logger,
    }),
    baseUrl: '',
    hungSockets: new Set(),
  };
  const app = buildEmulatorApp(context);
  await app.listen({ port: resolved.port, host: resolved.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host}:${port}`;
  context.baseUrl = url;
  resolved.logger(`Personio emulator listening on ${url} (${company.size} employees, seed ${resolved.seed})`);

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close(): Promise<void> {
      closing ??= (async () => {
        for (const socket of context.hungSockets) socket.destroy();
        context.hungSockets.clear();
        await context.webhooks.close();
        await app.close();
      })();
      return closing;
    },
  };
}
