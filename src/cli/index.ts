// Operator commands: `npm run cli -- <command>`. They use the same configuration as the server
// (DATABASE_URL, or the PGlite folder DATA_DIR).
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { DatabaseLockedError } from '../db/lock.js';
import { migrate } from '../db/migrate.js';
import { generate } from './generate.js';
import { DEMO_EMAIL, seedDemo } from './seed.js';
import { createToken } from './tokens.js';

const positiveInt = (value: string) => {
  const n = Number(value.replace(/[_\s]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

async function withDatabase(command: string, work: (db: Database) => Promise<void>) {
  const config = loadConfig();
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
    owner: `the CLI (npm run cli -- ${command})`,
  });
  try {
    await migrate(db.scripts);
    await work(db);
  } finally {
    await db.close();
  }
}

const program = new Command('gateway').description('Operator commands of the agency GraphQL gateway');

program
  .command('migrate')
  .description('Apply pending migrations')
  .action(() =>
    withDatabase('migrate', async (db) => {
      // withDatabase already migrated; report what is there now.
      const rows = await db.scripts.query<{ migration_name: string }>(
        'SELECT migration_name FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY migration_name',
      );
      console.log(`Database is up to date (${rows.length} migrations applied).`);
    }),
  );

program
  .command('seed')
  .description('Create the demo organization, unless it exists')
  .action(() =>
    withDatabase('seed', async (db) => {
      const { created, organizationId } = await seedDemo(db.prisma);
      console.log(created ? `Seeded demo organization ${organizationId}.` : `Demo organization ${organizationId} already exists.`);
    }),
  );

program
  .command('token')
  .description('Create an API token for a person; it is printed once and stored only as a hash')
  .option('--email <email>', 'the person', DEMO_EMAIL)
  .option('--name <name>', 'a label for the token', 'cli')
  .action((options: { email: string; name: string }) =>
    withDatabase('token', async (db) => {
      console.log(await createToken(db.prisma, options.email, options.name));
    }),
  );

program
  .command('generate')
  .description('Generate a large realistic data set for benchmarks')
  .option('--scale <n>', 'number of expenses in all', positiveInt, 100_000)
  .option('--organizations <n>', 'number of organizations', positiveInt, 2)
  .option('--deals <n>', 'deals per organization', positiveInt, 500)
  .action((options: { scale: number; organizations: number; deals: number }) =>
    withDatabase('generate', async (db) => {
      const started = Date.now();
      const { organizationIds } = await generate(db.prisma, {
        expenses: options.scale,
        organizations: options.organizations,
        dealsPerOrganization: options.deals,
        progress: process.stdout.isTTY || process.env.CI !== 'true',
      });
      console.log(`Generated ${options.scale} expenses in organizations ${organizationIds.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
    }),
  );

try {
  await program.parseAsync();
} catch (error) {
  // The database folder is in use by another process: say which, without a stack trace.
  if (!(error instanceof DatabaseLockedError)) throw error;
  console.error(error.message);
  process.exit(1);
}
