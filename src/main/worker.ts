// `npm run worker`: webhook delivery only, for deployments that run it apart from the gateway
// instances (set WEBHOOK_DELIVERY=off on those). Any number of workers may run against one
// PostgreSQL database: the queue and the deliveries' guarded claims keep them from sending one
// attempt twice. Same settings as `npm start` (DATABASE_URL, WEBHOOK_*). On SIGTERM/SIGINT: stop
// taking jobs, let the running attempts finish (at most SHUTDOWN_TIMEOUT_MS), close the database,
// exit 0. A second signal exits at once.
import { exportSettings, loadConfigOrExit, webhookSettings } from '../config.js';
import { startExportService } from '../http/bulk-exports.js';
import { connectRedis, useRateLimit } from '../limits/rate-limit.js';
import type { ExportService } from '../exports/queue.js';
import { openDatabase, type Database } from '../db/client.js';
import { DatabaseLockedError } from '../db/lock.js';
import { migrate } from '../db/migrate.js';
import { startDelivery, type DeliveryService } from '../webhooks/queue.js';
import { chooseLogFormat, createLogger } from '../observability/logger.js';
import { printBanner } from '../observability/banner.js';

const config = loadConfigOrExit();
const logFormat = chooseLogFormat(config.LOG_FORMAT, process.stdout.isTTY === true);
const logger = createLogger(config.LOG_LEVEL, logFormat);
const settings = webhookSettings(config);

let db: Database | undefined;
let delivery: DeliveryService | undefined;
let exportService: ExportService | undefined;
const exportsSettings = exportSettings(config);
// Exports' rows are charged to their tokens' buckets: the gateways' buckets are reached through the
// Redis they share; without it a worker's own buckets would be nobody's, so nothing is charged.
const redis = config.RATE_LIMIT_ENABLED && config.REDIS_URL ? connectRedis(config.REDIS_URL, logger) : undefined;
const charge = redis
  ? useRateLimit({ points: config.RATE_LIMIT_POINTS, restoreRate: config.RATE_LIMIT_RESTORE_RATE, redis, keyPrefix: config.RATE_LIMIT_KEY_PREFIX, logger }).charge
  : undefined;
let stopping = false;
let firstSignalAt = 0;
/**
 * `npm run worker` forwards SIGINT/SIGTERM, and Ctrl-C (or a signal to the process group) also
 * reaches the worker directly: a signal this soon after the first is the same request.
 */
const SAME_SIGNAL_WINDOW_MS = 1_000;

process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

async function stop(signal: NodeJS.Signals) {
  if (stopping) {
    if (Date.now() - firstSignalAt < SAME_SIGNAL_WINDOW_MS) return;
    logger.warn({ signal }, 'second signal: exiting without waiting for deliveries');
    process.exit(1);
  }
  stopping = true;
  firstSignalAt = Date.now();
  logger.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'stopping: finishing the attempts under way');
  let failed = false;
  try {
    await delivery?.stop(config.SHUTDOWN_TIMEOUT_MS);
    await exportService?.stop(config.SHUTDOWN_TIMEOUT_MS);
    await redis?.quit().catch(() => redis.disconnect());
  } catch (error) {
    logger.error({ err: error }, 'stopping webhook delivery failed');
    failed = true;
  }
  await db?.close().catch((error: unknown) => {
    logger.error({ err: error }, 'closing the database failed');
    failed = true;
  });
  logger.info('stopped');
  process.exit(failed ? 1 : 0);
}

try {
  db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
    preparedStatements: config.PREPARED_STATEMENTS,
    planCacheMode: config.PLAN_CACHE_MODE,
    owner: 'the webhook worker (npm run worker)',
  });
  // Like every start: a worker may come up before any gateway instance has migrated.
  await migrate(db.scripts);
  if (!stopping) {
    delivery = await startDelivery({ ...settings, prisma: db.prisma, scripts: db.scripts, connectionString: config.DATABASE_URL, logger });
    // The worker runs bulk exports too: any number of processes may, each export's lease decides which.
    exportService = await startExportService({
      ...exportsSettings,
      prisma: db.prisma,
      scripts: db.scripts,
      connectionString: config.DATABASE_URL,
      logger,
      publicUrl: config.PUBLIC_URL?.replace(/\/+$/, ''),
      webhookPolicy: settings.policy,
      charge,
    });
    printBanner(logger, logFormat, 'webhook worker ready', [
      { label: 'Webhook worker', key: 'concurrency', value: `${settings.concurrency} endpoints at once` },
      {
        label: 'Bulk exports',
        key: 'bulkExports',
        value: `${exportsSettings.concurrency} at once; ${charge ? "rows charged to the tokens' buckets in Redis" : 'rows not charged to tokens (RATE_LIMIT_ENABLED with REDIS_URL charges them)'}`,
      },
      { label: 'Database', key: 'database', value: config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.DATA_DIR}` },
    ]);
  }
} catch (error) {
  // The embedded database can be opened by one process only: with PGlite the gateway delivers itself.
  if (error instanceof DatabaseLockedError) console.error(`${error.message}\nWith the embedded database, the gateway delivers webhooks itself (WEBHOOK_DELIVERY=inline).`);
  else {
    logger.error({ err: error }, 'start failed');
    console.error(`Cannot start: ${(error as Error).message}`);
  }
  await db?.close().catch(() => undefined);
  process.exit(1);
}
