// `npm start`: take the port, then open the database, migrate, seed the demo on first run and serve
// /graphql. The port comes first so that a second start on a taken port fails before it touches the
// database (a PGlite folder in use, a demo token rotated by DEMO_TOKEN_ROTATE); until the database is ready, requests get
// 503. On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (at most
// SHUTDOWN_TIMEOUT_MS), close idle keep-alive connections and WebSockets (1001, after their
// subscriptions completed), close the database, exit 0 (1 when the deadline cut requests). A second
// signal exits at once.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { hostname } from 'node:os';
import path from 'node:path';
import { exportSettings, loadConfigOrExit, webhookSettings } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { DatabaseLockedError } from '../db/lock.js';
import { migrate } from '../db/migrate.js';
import { DEMO_EMAIL, seedDemo } from '../domain/demo.js';
import { DEMO_TOKEN_FILE, demoToken, type DemoToken } from '../auth/demo-token.js';
import { chooseLogFormat, createLogger } from '../observability/logger.js';
import { printBanner, type BannerLine } from '../observability/banner.js';
import { createMetrics, webhookMetrics } from '../observability/metrics.js';
import { connectRedis } from '../limits/rate-limit.js';
import { startTracing } from '../observability/tracing.js';
import { loadPersistedDocuments, type PersistedDocuments } from '../http/trusted-documents.js';
import { createApp, tokenChargeOf } from '../http/app.js';
import { startExportService } from '../http/bulk-exports.js';
import type { ExportService } from '../exports/queue.js';
import { serveWebSockets, type WebSocketService } from '../http/websocket.js';
import { createEventBus } from '../changes/pubsub.js';
import { startDelivery, type DeliveryService } from '../webhooks/queue.js';

/** Before the demo token was kept in the data folder, every start rotated this name (later with ` on <host>:<port>`). */
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
// JSON lines on stdout, or readable ones; the ready banner follows (a log record in JSON mode).
const logFormat = chooseLogFormat(config.LOG_FORMAT, process.stdout.isTTY === true);
const logger = createLogger(config.LOG_LEVEL, logFormat);
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
// Bulk exports in this process (BULK_EXPORTS=inline), started once the database is ready.
let exportService: ExportService | undefined;
const exportsSettings = exportSettings(config);
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
  const database = (db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
    preparedStatements: config.PREPARED_STATEMENTS,
    planCacheMode: config.PLAN_CACHE_MODE,
    owner: `the server (npm start, port ${config.PORT})`,
    replicaUrls,
  }));
  const applied = await migrate(db.scripts);
  logger.info({ backend: db.kind, applied }, applied.length ? 'migrations applied' : 'database up to date');
  if (db.replicas.length) logger.info({ replicas: db.replicas.map((r) => r.name) }, 'read replicas: queries read from them');

  let demo: DemoToken | undefined;
  if (config.SEED_DEMO) {
    // A session of its own holds the lock while the seed runs on the pool, and is closed after.
    demo = await database.scripts.locked(STARTUP_LOCK, async () => {
      const { created, organizationId } = await seedDemo(database.prisma);
      if (created) logger.info({ organizationId }, 'demo organization seeded');
      // The data folder's demo token, the same at every start until rotated (src/auth/demo-token.ts).
      // Earlier versions made one per start, under these names: the first start of this one revokes them.
      return demoToken(database.prisma, config.DATA_DIR, DEMO_EMAIL, {
        rotate: config.DEMO_TOKEN_ROTATE,
        replaces: [LEGACY_DEMO_TOKEN_NAME, `${LEGACY_DEMO_TOKEN_NAME} on ${hostname()}:${config.PORT}`],
      });
    });
    if (demo.status !== 'kept') logger.info({ status: demo.status }, demo.status === 'rotated' ? 'demo token rotated' : 'demo token created');
  }
  const demoTokenValue = demo?.token;
  const app = createApp({
    prisma: database.prisma,
    logger,
    graphiqlToken: demoTokenValue,
    graphiql: config.GRAPHIQL,
    introspection: config.INTROSPECTION,
    authCacheMs: config.AUTH_CACHE_MS,
    observability: { database: db, metricsToken: config.METRICS_TOKEN, tracing },
    persistedOperations: documents && { mode: config.PERSISTED_OPERATIONS, documents },
    readReplicas: { replicas: db.replicas, primaryStatements: db.statements },
    webhooks: { policy: webhooks.policy },
    metrics,
    events,
    subscriptionsPerPerson: config.SUBSCRIPTIONS_PER_PERSON,
    publicUrl: config.PUBLIC_URL,
    bulkExportLeaseMs: exportsSettings.leaseMs,
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
  if (exportsSettings.exports === 'inline') {
    exportService = await startExportService({
      ...exportsSettings,
      prisma: db.prisma,
      scripts: db.scripts,
      connectionString: config.DATABASE_URL,
      logger,
      publicUrl: config.PUBLIC_URL?.replace(/\/+$/, ''),
      webhookPolicy: webhooks.policy,
      // The app's own buckets: in memory, or the Redis every instance shares.
      charge: tokenChargeOf(app),
    });
  }
  return { app, demoToken: demoTokenValue };
})();

try {
  const { app, demoToken: token } = await startup;
  if (!closing) {
    handler = app;
    sockets = serveWebSockets(app);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/graphql`;
    const lines: BannerLine[] = [
      config.GRAPHIQL
        ? { label: 'GraphiQL', key: 'graphiql', value: url }
        : { label: 'GraphQL', key: 'graphql', value: `${url} (GraphiQL off: GRAPHIQL=false)` },
      { label: 'Introspection', key: 'introspection', value: config.INTROSPECTION ? 'on' : 'off (INTROSPECTION=false)' },
      { label: 'Database', key: 'database', value: config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.DATA_DIR}` },
      {
        label: 'Replicas',
        key: 'replicas',
        value: replicaUrls.length
          ? `${replicaUrls.length} (DATABASE_REPLICA_URLS): queries read from them, mutations and authentication from the primary`
          : config.DATABASE_REPLICA_URLS.length
            ? 'ignored: DATABASE_REPLICA_URLS needs DATABASE_URL (PGlite has no replicas)'
            : 'none: everything runs on the primary',
      },
      {
        label: 'Rate limit',
        key: 'rateLimit',
        value: config.RATE_LIMIT_ENABLED
          ? `${config.RATE_LIMIT_POINTS} points per token, ${config.RATE_LIMIT_RESTORE_RATE}/s, ${redis ? 'in Redis (REDIS_URL)' : 'in memory'}`
          : 'off',
      },
      {
        label: 'Events',
        key: 'events',
        value: events.kind === 'redis' ? 'shared by every instance through Redis (REDIS_URL)' : 'this process only (set REDIS_URL to share them)',
      },
      {
        label: 'Webhooks',
        key: 'webhooks',
        value:
          webhooks.delivery === 'inline'
            ? `delivered by this process (${webhooks.concurrency} at once)`
            : 'not delivered here (WEBHOOK_DELIVERY=off): run npm run worker',
      },
      {
        label: 'Bulk exports',
        key: 'bulkExports',
        value:
          exportsSettings.exports === 'inline'
            ? `run by this process (${exportsSettings.concurrency} at once)`
            : 'not run here (BULK_EXPORTS=off): run npm run worker',
      },
      token
        ? {
            label: 'Demo token',
            key: 'demoToken',
            value: token,
            hint: `(Authorization: Bearer <token>; pre-filled in GraphiQL; kept in ${path.join(config.DATA_DIR, DEMO_TOKEN_FILE)} until npm run cli -- token rotate-demo)`,
          }
        : {
            label: 'API tokens',
            key: 'tokens',
            value:
              'no demo token (SEED_DEMO=false): create one with npm run cli -- token --email <member email> --name <label> ' +
              '(on an empty database, first npm run cli -- org create --name <name> and member add --org <id> --email <email> --first-name <first> --last-name <last> --role admin)',
          },
    ];
    printBanner(logger, logFormat, 'serving', lines);
    if (config.GRAPHIQL && !config.INTROSPECTION) logger.warn('GraphiQL is on but introspection is off (INTROSPECTION=false): its docs and completion stay empty');
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
  await exportService?.stop().catch(() => undefined);
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
    // An export's page under way finishes; the export continues from there in the next process that runs exports.
    await exportService?.stop(config.SHUTDOWN_TIMEOUT_MS);
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
