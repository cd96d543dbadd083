// GraphQL over WebSocket (issue 26): the `graphql-transport-ws` protocol of the graphql-ws library,
// on the HTTP server's own port and path (/graphql), beside SSE. The protocol (messages, ids, close
// codes) is graphql-ws's `makeServer`, over `ws` sockets. Every operation then runs through Yoga's
// per-operation pipeline (`getResultForParams`: onParams, parse, validate, context, execute,
// onExecutionResult), not only through `getEnveloped` as Yoga's recipe does: so trusted documents,
// variable limits, cost charging and refunds, idempotency, authentication per operation, slots and
// revocation are the very code HTTP runs.
//
// What differs from HTTP is only what a socket has and a request has not:
// - A socket authenticates once, in `connection_init`: `{ authorization: 'Bearer <token>', 'x-tenant': ... }`
//   in its payload (browsers cannot set headers on a WebSocket), or else the upgrade request's own
//   `Authorization` / `X-Tenant` headers. A missing or bad token, or a tenant refused, closes the socket
//   with 4403 and the reason; each operation then authenticates again, as each HTTP request does.
// - Failed authentications count against the client's address as on HTTP (src/limits/rate-limit.ts's
//   gate); an address over the limit is closed with 4429.
// - A person holds at most `perPerson` sockets on an instance (SUBSCRIPTIONS_PER_PERSON: a socket
//   carries many subscriptions, so more sockets than subscriptions is never needed): one more, 4429.
// - A message larger than the HTTP body limit closes the socket with 1009 (ws); a malformed or unknown
//   message with 4400 (graphql-ws). Neither is logged as an error: they are the client's.
// - Once a token is found revoked (an operation's UNAUTHENTICATED), the socket's subscriptions end as
//   SSE's do (a last message with the error, then `complete`), and the socket is closed with 4403.
//
// useServer (graphql-ws/use/ws) is not used: it writes its errors to the console (a client's
// oversized message prints a stack trace into the JSON log), which the 20 lines of glue below do not.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, parse, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type Context as ProtocolContext, type SubscribePayload } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { schema } from '../schema/index.js';
import { withLogFields } from '../observability/log-context.js';
import { operationLabeler, outcomeOf } from './observability.js';
import { LIMITS, withComplexityCodes } from './limits.js';
import { maskError } from './errors.js';
import { socketSettings, type App } from './app.js';

export interface WebSocketOptions {
  /** How often an idle socket is pinged; one that does not answer within as long is dropped (ms). */
  keepAliveMs?: number;
  /** How long a socket may stay open before its `connection_init` (ms). */
  connectionInitWaitMs?: number;
}

export interface WebSocketService {
  /** For the HTTP server's `upgrade` event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sockets open now. */
  readonly open: number;
  /**
   * Graceful stop: no new sockets or operations; queries and mutations in flight finish (at most
   * `timeoutMs`), then every socket is closed with 1001 (clients reconnect, to another instance).
   * Subscriptions end before, when the event bus closes (src/main/server.ts), with `complete`.
   */
  close(timeoutMs?: number): Promise<void>;
  /** Drops every socket at once (the shutdown deadline). */
  terminate(): void;
}

/** What a socket holds once its `connection_init` was accepted. */
interface SocketState {
  /** `Authorization` and `X-Tenant`, as every operation of the socket sends them. */
  credentials?: Headers;
  organizationId?: number;
  /** Gives the person's socket back; called once, when the socket closes. */
  release?: () => void;
  /** Why the socket's token no longer works, once an operation found out. */
  revoked?: string;
}

interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
  state: SocketState;
}

/** What `onSubscribe` hands to `execute`/`subscribe`: the operation as the client sent it. */
interface Operation {
  payload: SubscribePayload & { documentId?: unknown };
  extra: Extra;
}

/**
 * graphql-ws wants a document to tell subscriptions from the rest; both go through `run`, which has
 * Yoga parse the real one (or find a trusted document by its id).
 */
const PLACEHOLDER = parse('{ __typename }');

/** A close reason is at most 123 bytes (RFC 6455). */
function reasonOf(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let cut = text.slice(0, 120);
  while (Buffer.byteLength(`${cut}...`) > 123) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/** A `connection_init` payload's value for `name`, whatever its case; undefined when absent. */
function param(params: Readonly<Record<string, unknown>>, name: string): unknown {
  const key = Object.keys(params).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : params[key];
}

class BadParams extends Error {}

/** The upgrade request's Host when it is a plain host[:port], else localhost (it only names where the socket came in). */
const hostOf = (request: IncomingMessage): string => {
  const host = request.headers.host;
  return host && /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(host) ? host : 'localhost';
};

/** The socket's credentials: from `connection_init`'s payload, else from the upgrade request's headers. */
function credentialsOf(params: Readonly<Record<string, unknown>>, request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const name of ['authorization', 'x-tenant']) {
    const given = param(params, name);
    if (given !== undefined && given !== null && typeof given !== 'string' && typeof given !== 'number') {
      throw new BadParams(`connection_init: \`${name}\` must be a string.`);
    }
    const value = given ?? request.headers[name];
    if (typeof value === 'string' || typeof value === 'number') headers.set(name, String(value));
  }
  return headers;
}

/** An operation's result as Yoga answers it over HTTP: coded complexity errors, no internal extensions. */
function formatted(result: ExecutionResult): ExecutionResult & { errors?: GraphQLFormattedError[] } {
  const coded = withComplexityCodes(result);
  const out: Record<string, unknown> = { ...coded };
  if (coded.errors) {
    out.errors = coded.errors.map((error) => {
      const { extensions, ...rest } = error instanceof GraphQLError ? error.toJSON() : (error as GraphQLFormattedError);
      const { http: _http, unexpected: _unexpected, ...kept } = extensions ?? {};
      return Object.keys(kept).length ? { ...rest, extensions: kept } : rest;
    });
  }
  return out as ExecutionResult & { errors?: GraphQLFormattedError[] };
}

const hasCode = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }, code: string) =>
  result.errors?.some((e) => e.extensions?.code === code) ?? false;

function isStream(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * The stream as graphql-ws reads it. Not an async generator: `return()` on one waits for its pending
 * `next()`, which on an idle subscription is forever; this one passes `return()` (the client's
 * `complete`, or its socket closing) to the stream at once, so that its slot is freed.
 */
function relay(stream: AsyncIterable<ExecutionResult>): AsyncGenerator<ExecutionResult> {
  const inner = stream[Symbol.asyncIterator]();
  const relayed: AsyncGenerator<ExecutionResult> = {
    next: () => inner.next(),
    async return() {
      await inner.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await inner.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return relayed;
    },
    async [Symbol.asyncDispose]() {
      await relayed.return(undefined);
    },
  };
  return relayed;
}

export function serveWebSockets(app: App, options: WebSocketOptions = {}): WebSocketService {
  const settings = socketSettings(app);
  const { logger, metrics } = settings;
  const endpoint = app.graphqlEndpoint;
  const label = operationLabeler();
  const keepAliveMs = options.keepAliveMs ?? 12_000;
  // Sockets held per person (`<organization>:<person>`).
  const held = new Map<string, number>();
  const sockets = new Set<WebSocket>();
  let closing = false;
  // Operations waiting for their result (a query's, or a subscription's stream): shutdown lets them finish.
  let pending = 0;
  let settled: (() => void) | undefined;

  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.bodyBytes, handleProtocols: (protocols) => handleProtocols(protocols) });

  /** Runs one operation of a socket through Yoga, as an HTTP request with the socket's credentials would. */
  async function run({ payload, extra }: Operation): Promise<ExecutionResult | AsyncGenerator<ExecutionResult>> {
    const headers = new Headers(extra.state.credentials);
    headers.set('content-type', 'application/json');
    const forwarded = extra.request.headers['x-forwarded-for'];
    if (typeof forwarded === 'string') headers.set('x-forwarded-for', forwarded);
    // On the socket's host, so that URLs the API hands out (a bulk export's file) point back at it (PUBLIC_URL wins).
    const request = new Request(`http://${hostOf(extra.request)}${endpoint}`, { method: 'POST', headers });
    // Yoga's server context, as Node's adapter makes it: the client's address is read from `req`.
    const initial: Record<string, unknown> = { req: extra.request };
    const requestId = settings.assignRequestId(request);
    const started = performance.now();
    const { query, variables, operationName, extensions, documentId } = payload;
    const params = { query: query || undefined, variables: variables ?? undefined, operationName: operationName ?? undefined, extensions: extensions ?? undefined, ...(documentId !== undefined && { documentId }) };
    pending++;
    try {
      const refused = await settings.gate?.admit(request, initial);
      const result = refused
        ? { errors: [new GraphQLError(refused.message, { extensions: { code: 'THROTTLED', retryAfter: refused.retryAfter } })] }
        : await withLogFields({ requestId, organizationId: extra.state.organizationId }, () =>
            // Yoga's request handler answers what its onParams hooks throw (a trusted document
            // refused); this is the answer it gives, masked as every other error.
            (async () => app.getResultForParams({ params: params as never, request }, initial))().catch((error: unknown) => ({
              errors: [maskError(error instanceof GraphQLError ? error : new GraphQLError('wrapped', { originalError: error as Error }), requestId, logger)],
            })),
          );
      const outcome = isStream(result) ? 'ok' : outcomeOf(result, settings.operationOf(initial));
      const name = label(operationName ?? undefined);
      metrics.operations.inc({ operation: name, outcome });
      metrics.operationSeconds.observe({ operation: name, outcome }, (performance.now() - started) / 1000);
      logger.info(
        {
          requestId,
          organizationId: extra.state.organizationId,
          operation: operationName ? operationName.slice(0, 100) : 'anonymous',
          outcome,
          transport: 'websocket',
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        },
        'graphql operation',
      );
      if (!result) return { errors: [new GraphQLError('No result.')] };
      return isStream(result) ? relay(result) : result;
    } finally {
      if (--pending === 0) settled?.();
    }
  }

  const protocol = makeServer<Record<string, unknown> | undefined, Extra>({
    schema,
    connectionInitWaitTimeout: options.connectionInitWaitMs ?? 3_000,

    async onConnect(ctx: ProtocolContext<Record<string, unknown> | undefined, Extra>) {
      const { socket, request, state } = ctx.extra;
      if (closing) {
        socket.close(1001, 'The server is shutting down: connect again.');
        return false;
      }
      let credentials: Headers;
      try {
        credentials = credentialsOf(ctx.connectionParams ?? {}, request);
      } catch (error) {
        if (!(error instanceof BadParams)) throw error;
        socket.close(CloseCode.BadRequest, reasonOf(error.message));
        return false;
      }
      const asked = new Request(`http://localhost${endpoint}`, { headers: credentials });
      const refused = await settings.gate?.admit(asked, { req: request });
      if (refused) {
        socket.close(4429, reasonOf(refused.message));
        return false;
      }
      if (!credentials.has('authorization')) {
        socket.close(CloseCode.Forbidden, 'Authentication required: send { authorization: "Bearer <token>" } in the connection_init payload.');
        return false;
      }
      let viewer;
      try {
        viewer = await settings.authenticate(credentials);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        if (error.extensions.code === 'UNAUTHENTICATED') await settings.gate?.failed(asked);
        socket.close(CloseCode.Forbidden, reasonOf(error.message));
        return false;
      }
      await settings.gate?.succeeded(asked);
      const holder = `${viewer.organization.id}:${viewer.person.id}`;
      const count = held.get(holder) ?? 0;
      if (count >= settings.perPerson) {
        socket.close(4429, reasonOf(`Too many WebSocket connections: you hold ${count} on this server, the most one person may. Use one for all your subscriptions.`));
        return false;
      }
      if (socket.readyState !== socket.OPEN) return false;
      held.set(holder, count + 1);
      state.credentials = credentials;
      state.organizationId = viewer.organization.id;
      state.release = () => {
        const now = (held.get(holder) ?? 1) - 1;
        if (now > 0) held.set(holder, now);
        else held.delete(holder);
      };
      return true;
    },

    onSubscribe(ctx, _id, payload) {
      if (closing) {
        return [new GraphQLError('The server is shutting down: send it again once you are connected to another instance.', { extensions: { code: 'SHUTTING_DOWN' } })];
      }
      const operation: Operation = { payload, extra: ctx.extra };
      return { schema, document: PLACEHOLDER, rootValue: operation, contextValue: {} } satisfies ExecutionArgs;
    },
    execute: (args) => run(args.rootValue as Operation) as never,
    subscribe: (args) => run(args.rootValue as Operation) as never,

    onNext(ctx, _id, _payload, _args, result) {
      const sent = formatted(result);
      if (hasCode(sent, 'UNAUTHENTICATED')) {
        ctx.extra.state.revoked = sent.errors?.find((e) => e.extensions?.code === 'UNAUTHENTICATED')?.message ?? 'Invalid or revoked API token.';
      }
      return sent;
    },

    onComplete(ctx) {
      // The token no longer works: once the socket's last operation has ended (each saying so), the
      // socket goes too. This one's `complete` is sent right after this returns, and its entry leaves
      // `ctx.subscriptions` then: both are done by the next turn (setImmediate).
      const { state, socket } = ctx.extra;
      if (!state.revoked) return;
      const reason = reasonOf(state.revoked);
      setImmediate(() => {
        if (Object.keys(ctx.subscriptions).length === 0) socket.close(CloseCode.Forbidden, reason);
      });
    },
  });

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    sockets.add(socket);
    const state: SocketState = {};
    // ws closes the socket itself on a protocol error (1009 for a message over maxPayload, 1002, ...).
    socket.on('error', (error) => logger.info({ reason: error.message }, 'websocket closed: the client broke the protocol'));
    let pongWait: NodeJS.Timeout | undefined;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once('pong', () => clearTimeout(pongWait));
      socket.ping();
    }, keepAliveMs);
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              logger.error({ err: error }, 'websocket: a message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request, state },
    );
    socket.once('close', (code, reason) => {
      clearInterval(ping);
      clearTimeout(pongWait);
      sockets.delete(socket);
      state.release?.();
      // Ends the socket's subscriptions: their streams give their slots back.
      closed(code, reason.toString()).catch((error: unknown) => logger.error({ err: error }, 'websocket: closing failed'));
    });
  });

  function refuse(socket: Duplex, status: number, message: string) {
    const body = JSON.stringify({ errors: [{ message }] });
    socket.end(
      `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  return {
    handleUpgrade(request, socket, head) {
      socket.on('error', () => socket.destroy());
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path !== endpoint) return refuse(socket, 404, `WebSockets are served on ${endpoint} only.`);
      if (closing) return refuse(socket, 503, 'The server is shutting down.');
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },

    get open() {
      return sockets.size;
    },

    async close(timeoutMs = 10_000) {
      closing = true;
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      if (pending > 0) await Promise.race([new Promise<void>((resolve) => (settled = resolve)), deadline]);
      // graphql-ws sends each finished operation's result and `complete` in the turns after it settled.
      await new Promise((resolve) => setImmediate(resolve));
      const gone = [...sockets].map((socket) => new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1001, 'The server is shutting down: connect again.');
      }));
      // Clients answer the close frame; one that does not is dropped at the deadline.
      await Promise.race([Promise.all(gone), deadline]);
      for (const socket of sockets) socket.terminate();
      wss.close();
    },

    terminate() {
      closing = true;
      for (const socket of sockets) socket.terminate();
    },
  };
}
