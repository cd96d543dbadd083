// GraphQL over WebSocket for tests: an app served on a free port with its WebSocket transport (as
// `npm start` serves it), and the real graphql-ws client over `ws` sockets, read frame by frame with
// deadlines as the SSE helper reads streams.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import type { App } from '../../src/http/app.js';
import { serveWebSockets, type WebSocketOptions, type WebSocketService } from '../../src/http/websocket.js';

export interface Listening {
  /** `ws://127.0.0.1:<port>/graphql` */
  wsUrl: string;
  /** `http://127.0.0.1:<port>/graphql` */
  httpUrl: string;
  server: Server;
  sockets: WebSocketService;
  close(): Promise<void>;
}

/** `app` on a free port of 127.0.0.1, HTTP and WebSockets on one server, as src/main/server.ts serves it. */
export async function listen(app: App, options?: WebSocketOptions): Promise<Listening> {
  const server = createServer(app);
  const sockets = serveWebSockets(app, options);
  server.on('upgrade', sockets.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    httpUrl: `http://127.0.0.1:${port}/graphql`,
    server,
    sockets,
    async close() {
      await sockets.close(1000);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Closed {
  closed: number;
  reason: string;
}

export type Frame = { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; extensions?: Record<string, unknown> };

export interface Connection {
  client: Client;
  /** Resolves once the socket closed, with its close code and reason. */
  closed: Promise<Closed>;
  subscribe(query: string, variables?: Record<string, unknown>, extra?: Record<string, unknown>): WsSubscription;
  /** One query or mutation over the socket: its one result. */
  request(query: string, variables?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<Frame>;
  dispose(): Promise<void>;
}

export interface WsSubscription {
  /** The next result; `done` after `complete`; the close when the socket closed under it. Rejects after `ms`. */
  next(ms?: number): Promise<Frame | 'done' | Closed>;
  /** Nothing arrives within `ms`. */
  quiet(ms: number): Promise<void>;
  /** Sends `complete` (the client stops listening). */
  stop(): void;
}

/** A graphql-ws client whose socket sends `headers` on its upgrade request (a browser cannot; Node clients can). */
const withHeaders = (headers: Record<string, string>) =>
  class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };

/**
 * A graphql-ws client connected at once (not lazy), never retrying: `closed` tells how the server
 * ended it. `connectionParams` is the `connection_init` payload.
 */
export function connect(url: string, connectionParams?: Record<string, unknown>, options: { headers?: Record<string, string> } & Partial<ClientOptions> = {}): Connection {
  let onClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  const { headers, ...rest } = options;
  const client = createClient({
    url,
    webSocketImpl: headers ? withHeaders(headers) : WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    ...rest,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ closed: code, reason: String(reason) });
      },
    },
  });

  function subscribe(query: string, variables?: Record<string, unknown>, extra: Record<string, unknown> = {}): WsSubscription {
    const frames: Array<Frame | 'done' | Closed> = [];
    let wake: (() => void) | undefined;
    const push = (frame: Frame | 'done' | Closed) => {
      frames.push(frame);
      wake?.();
    };
    const stop = client.subscribe(
      { query, variables, ...extra },
      {
        next: (value) => push(value as Frame),
        complete: () => push('done'),
        error: (error) => {
          if (error && typeof error === 'object' && 'code' in error) {
            push({ closed: (error as { code: number }).code, reason: String((error as { reason?: string }).reason ?? '') });
          } else if (Array.isArray(error)) {
            push({ errors: error as Frame['errors'] });
          } else {
            push({ errors: [{ message: String((error as Error)?.message ?? error) }] });
          }
        },
      },
    );

    async function next(ms = 5_000): Promise<Frame | 'done' | Closed> {
      const deadline = Date.now() + ms;
      while (frames.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`nothing within ${ms} ms`);
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
        wake = undefined;
      }
      return frames.shift()!;
    }

    return {
      next,
      async quiet(ms) {
        const frame = await next(ms).catch(() => undefined);
        if (frame !== undefined) throw new Error(`expected nothing, got ${JSON.stringify(frame)}`);
      },
      stop,
    };
  }

  return {
    client,
    closed,
    subscribe,
    async request(query, variables, extra) {
      const sub = subscribe(query, variables, extra);
      const frame = await sub.next();
      if (frame === 'done' || 'closed' in frame) throw new Error(`expected a result, got ${JSON.stringify(frame)}`);
      return frame;
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}
