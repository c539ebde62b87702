// Webhook subscriptions through /v2/webhooks and their delivery to a local receiver: dataless
// events, the static token, the acknowledgement timeout and retries.
import assert from 'node:assert/strict';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { PersonioEmulator } from './index.ts';
import { type Json, type TestClock, call, control, startTestEmulator, v2Token } from './testing/http.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: Json;
}

/** A local receiver whose answer each test decides. */
async function startReceiver(
  answer: (index: number, res: ServerResponse) => void,
): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      answer(received.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/personio`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const settle = (ms = 150): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

void describe('webhooks', () => {
  let emulator: PersonioEmulator & { clock: TestClock };
  let token: string;
  before(async () => {
    emulator = await startTestEmulator({
      employees: 10,
      webhookRetryDelaysMs: [30, 30],
      webhookTimeoutMs: 200,
    });
    token = await v2Token(emulator.url);
  });
  after(() => emulator.close());

  const subscribe = async (url: string, extra: Json = {}): Promise<Json> => {
    const reply = await call(`${emulator.url}/v2/webhooks`, {
      token,
      json: {
        url,
        description: 'roster',
        status: 'ENABLED',
        auth_type: 'TOKEN',
        token: 'Bearer static-secret-token',
        enabled_events: ['person.created', 'person.updated', 'employment.created', 'employment.updated'],
        ...extra,
      },
    });
    assert.equal(reply.status, 201, reply.text);
    return reply.body;
  };
  const unsubscribe = async (id: string): Promise<void> => {
    assert.equal((await call(`${emulator.url}/v2/webhooks/${id}`, { method: 'DELETE', token })).status, 204);
  };

  void test('a new webhook is DISABLED by default and receives nothing', async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(200).end());
    try {
      const reply = await call(`${emulator.url}/v2/webhooks`, {
        token,
        json: { url: receiver.url, token: 'Bearer x', enabled_events: ['person.created'] },
      });
      assert.equal(reply.status, 201);
      assert.equal(reply.body.status, 'DISABLED');
      assert.equal(reply.body.auth_type, 'TOKEN');
      assert.equal(reply.body.token, undefined, 'the token is never echoed');
      await control(emulator.url, 'POST', '/employees', { first_name: 'Quiet', last_name: 'Hire' });
      await settle();
      assert.equal(receiver.received.length, 0);
      await unsubscribe(reply.body.id);
    } finally {
      await receiver.close();
    }
  });

  void test('a hire delivers person.created and employment.created with ids only and the static token verbatim', async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(200).end());
    const webhook = await subscribe(receiver.url);
    try {
      const hired = await control(emulator.url, 'POST', '/employees', {
        first_name: 'Web',
        last_name: 'Hook',
      });
      await waitFor(() => receiver.received.length >= 2);
      const names = receiver.received.map((r) => r.body.event_name).sort();
      assert.deepEqual(names, ['employment.created', 'person.created']);
      for (const delivery of receiver.received) {
        assert.equal(delivery.headers.authorization, 'Bearer static-secret-token');
        assert.equal(delivery.headers['content-type'], 'application/json');
        assert.deepEqual(Object.keys(delivery.body).sort(), [
          'company_id',
          'event_name',
          'occurred_at',
          'payload',
        ]);
        assert.equal(delivery.body.occurred_at, '2026-11-28T12:00:00Z');
      }
      const person = receiver.received.find((r) => r.body.event_name === 'person.created');
      assert.deepEqual(person?.body.payload, { id: String(hired.id) });
      const employment = receiver.received.find((r) => r.body.event_name === 'employment.created');
      assert.deepEqual(employment?.body.payload, { id: hired.employment_id, person_id: String(hired.id) });
    } finally {
      await unsubscribe(webhook.id);
      await receiver.close();
    }
  });

  void test('name changes fire person.updated, department changes employment.updated', async () => {
    const hired = await control(emulator.url, 'POST', '/employees', { first_name: 'Mo', last_name: 'Ver' });
    const receiver = await startReceiver((_, res) => res.writeHead(204).end());
    const webhook = await subscribe(receiver.url);
    try {
      await control(emulator.url, 'PATCH', `/employees/${hired.id}`, { last_name: 'Vér' });
      await waitFor(() => receiver.received.length >= 1);
      await control(emulator.url, 'PATCH', `/employees/${hired.id}`, { department: 'Legal' });
      await waitFor(() => receiver.received.length >= 2);
      await settle(50);
      assert.deepEqual(
        receiver.received.map((r) => r.body.event_name),
        ['person.updated', 'employment.updated'],
      );
    } finally {
      await unsubscribe(webhook.id);
      await receiver.close();
    }
  });

  void test('a failing receiver is retried: two quick tries per attempt, one attempt per configured delay', async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(500).end());
    const webhook = await subscribe(receiver.url, { enabled_events: ['person.created'] });
    try {
      await control(emulator.url, 'POST', '/employees', { first_name: 'Re', last_name: 'Try' });
      await waitFor(() => receiver.received.length >= 6);
      await settle(200);
      assert.equal(receiver.received.length, 6, '3 attempts × 2 tries');
      const bodies = new Set(receiver.received.map((r) => JSON.stringify(r.body)));
      assert.equal(bodies.size, 1, 'every retry carries the same event');
      const deliveries = (await control(emulator.url, 'GET', '/webhook-deliveries')).deliveries.filter(
        (d: Json) => d.webhook_id === webhook.id,
      );
      assert.deepEqual(
        deliveries.map((d: Json) => [d.attempt, d.try, d.status, d.outcome]),
        [
          [1, 1, 500, 'retry'],
          [1, 2, 500, 'retry'],
          [2, 1, 500, 'retry'],
          [2, 2, 500, 'retry'],
          [3, 1, 500, 'retry'],
          [3, 2, 500, 'gave-up'],
        ],
      );
    } finally {
      await unsubscribe(webhook.id);
      await receiver.close();
    }
  });

  void test('a receiver that answers after the acknowledgement timeout counts as failed until it answers in time', async () => {
    const receiver = await startReceiver((index, res) => {
      if (index < 3) setTimeout(() => res.writeHead(200).end(), 400);
      else res.writeHead(200).end();
    });
    const webhook = await subscribe(receiver.url, { enabled_events: ['person.created'] });
    try {
      await control(emulator.url, 'POST', '/employees', { first_name: 'Slow', last_name: 'Poke' });
      await waitFor(() => receiver.received.length >= 4);
      await settle(500);
      assert.equal(receiver.received.length, 4);
      const outcomes = (await control(emulator.url, 'GET', '/webhook-deliveries')).deliveries
        .filter((d: Json) => d.webhook_id === webhook.id)
        .map((d: Json) => d.outcome);
      assert.deepEqual(outcomes, ['retry', 'retry', 'retry', 'acknowledged']);
    } finally {
      await unsubscribe(webhook.id);
      await receiver.close();
    }
  });

  void test('4xx and 501 answers are not retried', async () => {
    for (const status of [400, 410, 501]) {
      const receiver = await startReceiver((_, res) => res.writeHead(status).end());
      const webhook = await subscribe(receiver.url, { enabled_events: ['person.created'] });
      try {
        await control(emulator.url, 'POST', '/employees', { first_name: 'No', last_name: `Retry${status}` });
        await waitFor(() => receiver.received.length >= 1);
        await settle(200);
        assert.equal(receiver.received.length, 1, `status ${status}`);
      } finally {
        await unsubscribe(webhook.id);
        await receiver.close();
      }
    }
  });

  void test('subscriptions are validated: https (or loopback), known events, a token for TOKEN auth', async () => {
    const post = (json: Json): Promise<Json> => call(`${emulator.url}/v2/webhooks`, { token, json });
    const base = { token: 'Bearer t', enabled_events: ['person.created'] };
    assert.equal((await post({ ...base, url: 'http://example.com/hook' })).status, 400);
    assert.equal(
      (await post({ ...base, url: 'https://example.com/hook', enabled_events: ['person.exploded'] })).status,
      400,
    );
    assert.equal(
      (await post({ url: 'https://example.com/hook', enabled_events: ['person.created'] })).status,
      400,
    );
    const created = await post({ ...base, url: 'https://example.com/hook' });
    assert.equal(created.status, 201);
    const list = await call(`${emulator.url}/v2/webhooks`, { token });
    assert.ok(list.body._data.some((w: Json) => w.id === created.body.id));
    const patched = await call(`${emulator.url}/v2/webhooks/${created.body.id}`, {
      method: 'PATCH',
      token,
      json: { status: 'ENABLED', description: 'changed' },
    });
    assert.equal(patched.body.status, 'ENABLED');
    assert.equal(patched.body.description, 'changed');
    await unsubscribe(created.body.id);
    assert.equal((await call(`${emulator.url}/v2/webhooks/${created.body.id}`, { token })).status, 404);
  });
});

void describe('webhook retries and the emulator closing', () => {
  void test('close() stops pending retries', async () => {
    const emulator = await startTestEmulator({ employees: 3, webhookRetryDelaysMs: [60_000] });
    const receiver = await startReceiver((_, res) => res.writeHead(503).end());
    try {
      const token = await v2Token(emulator.url);
      await call(`${emulator.url}/v2/webhooks`, {
        token,
        json: { url: receiver.url, status: 'ENABLED', auth_type: 'NONE', enabled_events: ['person.created'] },
      });
      await control(emulator.url, 'POST', '/employees', { first_name: 'Clo', last_name: 'Se' });
      await waitFor(() => receiver.received.length >= 2);
      assert.equal(receiver.received[0]?.headers.authorization, undefined, 'auth_type NONE sends no token');
      const started = Date.now();
      await emulator.close();
      assert.ok(Date.now() - started < 1000);
    } finally {
      await emulator.close();
      await receiver.close();
    }
  });
});
