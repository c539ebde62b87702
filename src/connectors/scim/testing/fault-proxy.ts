// Test support: an HTTP proxy on 127.0.0.1:0 in front of a real SCIM server that records every request
// and, per request, forwards it, answers it itself, rewrites the answer, forwards it and then drops the
// connection (the server acts; the client never hears), holds the answer back, or drops it unsent.
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type ProxyAction =
  | {
      readonly kind: 'forward';
      /** Rewrites the server's JSON answer. */
      readonly rewrite?: (body: unknown) => unknown;
      /** Holds the server's answer back this long (the server has acted already). */
      readonly delayMs?: number;
    }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: unknown;
    }
  | { readonly kind: 'forward_then_drop' }
  | { readonly kind: 'drop' };

export type ProxyRule = (request: ProxiedRequest, index: number) => ProxyAction | Promise<ProxyAction>;

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the upstream's paths work under it. */
  readonly origin: string;
  readonly requests: ProxiedRequest[];
  /** Replaces the rule; the default forwards everything. */
  setRule(rule: ProxyRule): void;
  close(): Promise<void>;
}

const FORWARD: ProxyRule = () => ({ kind: 'forward' });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function forward(upstream: URL, request: ProxiedRequest): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 502,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body === '' ? undefined : request.body);
  });
}

function send(response: ServerResponse, status: number, headers: IncomingHttpHeaders, body: Buffer): void {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  out['content-length'] = String(body.length);
  response.writeHead(status, out);
  response.end(body);
}

export async function startFaultProxy(
  upstreamOrigin: string,
  initial: ProxyRule = FORWARD,
): Promise<FaultProxy> {
  const upstream = new URL(upstreamOrigin);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let rule = initial;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const proxied: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(proxied);
      const handle = async (): Promise<void> => {
        const action = await rule(proxied, requests.length - 1);
        switch (action.kind) {
          case 'drop':
            req.socket.destroy();
            return;
          case 'forward_then_drop':
            await forward(upstream, proxied);
            req.socket.destroy();
            return;
          case 'respond': {
            const body =
              action.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(action.body));
            send(
              res,
              action.status,
              {
                ...(action.body === undefined ? {} : { 'content-type': 'application/scim+json' }),
                ...action.headers,
              },
              body,
            );
            return;
          }
          case 'forward': {
            const answer = await forward(upstream, proxied);
            if (action.delayMs !== undefined)
              await new Promise((resolve) => setTimeout(resolve, action.delayMs));
            if (res.destroyed) return;
            if (action.rewrite === undefined || answer.body.length === 0) {
              send(res, answer.status, answer.headers, answer.body);
              return;
            }
            const rewritten = action.rewrite(JSON.parse(answer.body.toString('utf8')));
            send(res, answer.status, answer.headers, Buffer.from(JSON.stringify(rewritten)));
            return;
          }
        }
      };
      handle().catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    setRule: (next) => {
      rule = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
