// `npm start`: take the port, then open the database, migrate, seed the demo on first run and serve
// /graphql. The port comes first so that a second start on a taken port fails before it touches the
// database (and revokes the running server's demo token); until the database is ready, requests get
// 503. On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (at most
// SHUTDOWN_TIMEOUT_MS), close idle keep-alive connections and WebSockets (1001, after their
// subscriptions completed), close the database, exit 0 (1 when the deadline cut requests). A second
// signal exits at once.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { hostname } from 'node:os';
import { loadConfigOrExit, webhookSettings } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { DatabaseLockedError } from '../db/lock.js';
import { migrate } from '../db/migrate.js';
import { DEMO_EMAIL, seedDemo } from '../domain/demo.js';
import { createToken, revokeTokens } from '../auth/tokens.js';
import { chooseLogFormat, createLogger } from '../observability/logger.js';
import { createMetrics, webhookMetrics } from '../observability/metrics.js';
import { connectRedis } from '../limits/rate-limit.js';
import { startTracing } from '../observability/tracing.js';
import { loadPersistedDocuments, type PersistedDocuments } from '../http/trusted-documents.js';
import { createApp } from '../http/app.js';
import { serveWebSockets, type WebSocketService } from '../http/websocket.js';
import { createEventBus } from '../changes/pubsub.js';
import { startDelivery, type DeliveryService } from '../webhooks/queue.js';

/** Before demo tokens were per instance, every start rotated this one name. */
const LEGACY_DEMO_TOKEN_NAME = 'demo (printed by npm start)';
/**
 * Start-up (migrations, the demo seed, the demo token) runs under this advisory lock, so that
 * instances starting at once take turns: the second finds the schema migrated and the demo seeded.
 */
const STARTUP_LOCK = 72707370;
/** After the deadline has cut the connections, how long closing the database may still take. */
const FORCED_EXIT_GRACE_MS = 3_000;
/**
 * `npm start` forwards SIGINT/SIGTERM to the server, and Ctrl-C in a terminal also signals the server
 * directly: a signal this soon after the first is the same request, not a second one.
 */
const SAME_SIGNAL_WINDOW_MS = 1_000;

const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL, chooseLogFormat(config.LOG_FORMAT, process.stdout.isTTY === true));
// Tracing patches http and pg in place, so it may start after they are imported; off without an endpoint.
const tracing = await startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: config.OTEL_SERVICE_NAME }).catch(
  (error: unknown) => {
    console.error(`OTEL_EXPORTER_OTLP_ENDPOINT: tracing cannot start: ${(error as Error).message}`);
    process.exit(1);
  },
);

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const starting: Handler = (_request, response) => {
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  response.end(JSON.stringify({ errors: [{ message: 'The server is starting; try again in a moment.' }] }));
};

let handler: Handler = starting;
// GraphQL over WebSocket on the same port and path (src/http/websocket.ts), once the app is ready.
let sockets: WebSocketService | undefined;
const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
  if (sockets && !closing) return sockets.handleUpgrade(request, socket, head);
  socket.on('error', () => socket.destroy());
  socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
};
let closing = false;
let firstSignalAt = 0;
const server = createServer((request, response) => {
  // A response sent while shutting down closes its kept-alive connection, and says so to the client.
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (closing && !this.headersSent) this.setHeader('connection', 'close');
    return writeHead.apply(this, args);
  } as typeof writeHead;
  handler(request, response);
});

// 1. The port. Nothing has touched the database yet, so a failure here changes nothing.
try {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  console.error(
    e.code === 'EADDRINUSE'
      ? `Port ${config.PORT} on ${config.HOST} is already in use: set PORT to another one.`
      : `Cannot serve on ${config.HOST}:${config.PORT}: ${e.message}`,
  );
  process.exit(1);
}
server.on('error', (error) => logger.error({ err: error }, 'server error'));
server.on('upgrade', upgrade);

process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

// 2. The database, then serving.
let db: Database | undefined;
// Webhook delivery in this process (WEBHOOK_DELIVERY=inline), started once the database is ready.
let delivery: DeliveryService | undefined;
const webhooks = webhookSettings(config);
// The app's /metrics, shared with delivery in this process (its attempt counters).
const metrics = createMetrics();
// The rate limiter's buckets, shared by every instance; it connects (and reconnects) in the background.
const redis = config.RATE_LIMIT_ENABLED && config.REDIS_URL ? connectRedis(config.REDIS_URL, logger) : undefined;
// Live events for subscriptions: over Redis pub/sub when set (every instance hears every commit), else this process's own.
const events = createEventBus({ redisUrl: config.REDIS_URL, channelPrefix: config.EVENTS_CHANNEL_PREFIX, logger });
// The web app's trusted documents (npm run codegen writes them); required when they are all that runs.
let documents: PersistedDocuments | undefined;
try {
  documents = await loadPersistedDocuments();
} catch (error) {
  if (config.PERSISTED_OPERATIONS === 'only') {
    console.error(`PERSISTED_OPERATIONS=only: ${(error as Error).message}`);
    process.exit(1);
  }
}
// Read replicas serve queries (src/http/replicas.ts); PGlite has nothing to replicate from.
const replicaUrls = config.DATABASE_URL ? config.DATABASE_REPLICA_URLS : [];
if (!config.DATABASE_URL && config.DATABASE_REPLICA_URLS.length) {
  logger.warn('DATABASE_REPLICA_URLS ignored: read replicas need DATABASE_URL (the embedded PGlite has none)');
}
const startup = (async () => {
  db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
    owner: `the server (npm start, port ${config.PORT})`,
    replicaUrls,
  });
  const applied = await migrate(db.scripts);
  logger.info({ backend: db.kind, applied }, applied.length ? 'migrations applied' : 'database up to date');
  if (db.replicas.length) logger.info({ replicas: db.replicas.map((r) => r.name) }, 'read replicas: queries read from them');

  let demoToken: string | undefined;
  if (config.SEED_DEMO) {
    // The scripts runner is one dedicated session: the lock holds while the seed runs on the pool.
    await db.scripts.exec(`SELECT pg_advisory_lock(${STARTUP_LOCK})`);
    try {
      const { created, organizationId } = await seedDemo(db.prisma);
      if (created) logger.info({ organizationId }, 'demo organization seeded');
      // Tokens are stored only as hashes, so each start rotates a fresh demo token it can print: its
      // own, named after its address, so that another instance's start leaves this one's working.
      const name = `${LEGACY_DEMO_TOKEN_NAME} on ${hostname()}:${config.PORT}`;
      await revokeTokens(db.prisma, DEMO_EMAIL, LEGACY_DEMO_TOKEN_NAME);
      await revokeTokens(db.prisma, DEMO_EMAIL, name);
      demoToken = await createToken(db.prisma, DEMO_EMAIL, name);
    } finally {
      await db.scripts.exec(`SELECT pg_advisory_unlock(${STARTUP_LOCK})`);
    }
  }
  const app = createApp({
    prisma: db.prisma,
    logger,
    graphiqlToken: demoToken,
    authCacheMs: config.AUTH_CACHE_MS,
    observability: { database: db, metricsToken: config.METRICS_TOKEN, tracing },
    persistedOperations: documents && { mode: config.PERSISTED_OPERATIONS, documents },
    readReplicas: { replicas: db.replicas, primaryStatements: db.statements },
    webhooks: { policy: webhooks.policy },
    metrics,
    events,
    subscriptionsPerPerson: config.SUBSCRIPTIONS_PER_PERSON,
    rateLimit: {
      enabled: config.RATE_LIMIT_ENABLED,
      points: config.RATE_LIMIT_POINTS,
      restoreRate: config.RATE_LIMIT_RESTORE_RATE,
      authFailures: config.RATE_LIMIT_AUTH_FAILURES,
      authWindowSeconds: config.RATE_LIMIT_AUTH_WINDOW_SECONDS,
      redis,
      keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
      trustProxy: config.TRUST_PROXY,
      logger,
    },
  });
  if (webhooks.delivery === 'inline') {
    delivery = await startDelivery({
      ...webhooks,
      prisma: db.prisma,
      scripts: db.scripts,
      connectionString: config.DATABASE_URL,
      logger,
      metrics: webhookMetrics(metrics.registry),
    });
  }
  return { app, demoToken };
})();

try {
  const { app, demoToken } = await startup;
  if (!closing) {
    handler = app;
    sockets = serveWebSockets(app);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/graphql`;
    console.log(`\nGraphiQL:   ${url}`);
    console.log(`Database:   ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.DATA_DIR}`}`);
    console.log(
      `Replicas:   ${
        replicaUrls.length
          ? `${replicaUrls.length} (DATABASE_REPLICA_URLS): queries read from them, mutations and authentication from the primary`
          : config.DATABASE_REPLICA_URLS.length
            ? 'ignored: DATABASE_REPLICA_URLS needs DATABASE_URL (PGlite has no replicas)'
            : 'none: everything runs on the primary'
      }`,
    );
    console.log(
      `Rate limit: ${
        config.RATE_LIMIT_ENABLED
          ? `${config.RATE_LIMIT_POINTS} points per token, ${config.RATE_LIMIT_RESTORE_RATE}/s, ${redis ? 'in Redis (REDIS_URL)' : 'in memory'}`
          : 'off'
      }`,
    );
    console.log(`Events:     ${events.kind === 'redis' ? 'shared by every instance through Redis (REDIS_URL)' : 'this process only (set REDIS_URL to share them)'}`);
    console.log(
      `Webhooks:   ${webhooks.delivery === 'inline' ? `delivered by this process (${webhooks.concurrency} at once)` : 'not delivered here (WEBHOOK_DELIVERY=off): run npm run worker'}`,
    );
    if (demoToken) console.log(`Demo token: ${demoToken}\n            (Authorization: Bearer <token>; pre-filled in GraphiQL)\n`);
  }
} catch (error) {
  if (error instanceof DatabaseLockedError) console.error(error.message);
  else {
    logger.error({ err: error }, 'start failed');
    console.error(`Cannot start: ${(error as Error).message}`);
  }
  server.close();
  server.closeAllConnections();
  await delivery?.stop().catch(() => undefined);
  await events.close().catch(() => undefined);
  await db?.close().catch(() => undefined);
  redis?.disconnect();
  await tracing?.shutdown().catch(() => undefined);
  process.exit(1);
}

function onSignal(signal: NodeJS.Signals) {
  if (closing) {
    if (Date.now() - firstSignalAt < SAME_SIGNAL_WINDOW_MS) return;
    logger.warn({ signal }, 'second signal: exiting without waiting for requests');
    process.exit(1); // The exit hook still releases the database folder's lock.
  }
  closing = true;
  firstSignalAt = Date.now();
  void shutdown(signal);
}

async function shutdown(signal: NodeJS.Signals) {
  logger.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: finishing in-flight requests');
  let forced = false;
  const deadline = setTimeout(() => {
    forced = true;
    logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown deadline reached: closing the remaining connections');
    server.closeAllConnections();
    // Upgraded sockets are no longer the HTTP server's connections.
    sockets?.terminate();
    setTimeout(() => process.exit(1), FORCED_EXIT_GRACE_MS);
  }, config.SHUTDOWN_TIMEOUT_MS);

  // No new connections; the callback runs once every connection has ended.
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  // Kept-alive connections between requests are closed now, and as soon as each in-flight one turns idle.
  server.closeIdleConnections();
  // Subscriptions never end by themselves: closing the bus ends their streams, so their responses finish.
  await events.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the event bus failed'));
  // WebSockets: their subscriptions have just completed; queries in flight finish, then each socket is
  // closed with 1001 (the HTTP server waits for upgraded sockets too).
  await sockets?.close(config.SHUTDOWN_TIMEOUT_MS);
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  await drained;
  clearInterval(sweep);

  // A signal during start-up: let it finish (or fail) before closing what it opened.
  await startup.catch(() => undefined);
  try {
    // Drains under way finish their attempt (or are cut at the deadline; their leases make them due again).
    await delivery?.stop(config.SHUTDOWN_TIMEOUT_MS);
    await db?.close();
  } catch (error) {
    logger.error({ err: error }, 'closing the database failed');
    forced = true;
  }
  await redis?.quit().catch(() => redis.disconnect());
  // Spans still buffered go out before the process ends.
  await tracing?.shutdown().catch(() => undefined);
  clearTimeout(deadline);
  logger.info({ forced }, 'stopped');
  process.exit(forced ? 1 : 0);
}
