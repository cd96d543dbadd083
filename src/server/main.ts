// `npm start`: open the database, migrate, seed the demo on first run, serve /graphql.
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { DEMO_EMAIL, seedDemo } from '../cli/seed.js';
import { createToken, revokeTokens } from '../cli/tokens.js';
import { createLogger } from './logger.js';
import { createApp } from './yoga.js';

const DEMO_TOKEN_NAME = 'demo (printed by npm start)';

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
if (!config.DATABASE_URL) await mkdir(config.DATA_DIR, { recursive: true });
const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
const applied = await migrate(db.scripts);
logger.info({ backend: db.kind, applied }, applied.length ? 'migrations applied' : 'database up to date');

let demoToken: string | undefined;
if (config.SEED_DEMO) {
  const { created, organizationId } = await seedDemo(db.prisma);
  if (created) logger.info({ organizationId }, 'demo organization seeded');
  // Tokens are stored only as hashes, so each start rotates a fresh demo token it can print.
  await revokeTokens(db.prisma, DEMO_EMAIL, DEMO_TOKEN_NAME);
  demoToken = await createToken(db.prisma, DEMO_EMAIL, DEMO_TOKEN_NAME);
}

const app = createApp({ prisma: db.prisma, logger, graphiqlToken: demoToken });
const server = createServer(app);
server.on('error', async (error: NodeJS.ErrnoException) => {
  console.error(
    error.code === 'EADDRINUSE'
      ? `Port ${config.PORT} on ${config.HOST} is already in use: set PORT to another one.`
      : `Cannot serve on ${config.HOST}:${config.PORT}: ${error.message}`,
  );
  await db.close();
  process.exit(1);
});
server.listen(config.PORT, config.HOST, () => {
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}/graphql`;
  console.log(`\nGraphiQL:   ${url}`);
  console.log(`Database:   ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.DATA_DIR}`}`);
  if (demoToken) console.log(`Demo token: ${demoToken}\n            (Authorization: Bearer <token>; pre-filled in GraphiQL)\n`);
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'shutting down');
  server.close();
  server.closeIdleConnections();
  await db.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
