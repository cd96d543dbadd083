// Operator commands: `npm run cli -- <command>`. They use the same configuration as the server
// (DATABASE_URL, or the PGlite folder DATA_DIR).
//
// Errors: a mistake the operator can fix (a bad option, an unknown email, a locked database folder,
// a wrong setting) is one line on stderr and exit code 1. Anything else is one line too, with a hint;
// the stack trace only with --verbose or DEBUG set.
// The commands' own modules (the demo's seed, contracts, the bin, the generator, the event bus) are
// imported when their command runs, not here: `token list` loads none of them (issue 25: about a second).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { DatabaseLockedError } from '../db/lock.js';
import { migrate } from '../db/migrate.js';
import { isCurrencyCode } from '../money/money.js';
import { parseDay } from '../domain/recurrence.js';
import { OperatorError } from '../domain/kit/errors.js';
import { addMember, createOrganization } from './organizations.js';
import { DEMO_EMAIL } from '../domain/demo-person.js';
import { demoToken } from '../auth/demo-token.js';
import { createToken, listTokens, revokeTokenById, revokeTokensByName, type TokenInfo } from '../auth/tokens.js';

export interface CliOptions {
  /** Where normal output and errors go; the process's stdout and stderr by default. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** The environment (settings, DEBUG); process.env by default, which also reads a .env file. */
  env?: NodeJS.ProcessEnv;
  /** An open, migrated database to use instead of the configured one (tests); it is not closed. */
  database?: Database;
}

// ---- Argument parsers: the form of a value, checked before the database is opened ---------------

const INT4_MAX = 2 ** 31 - 1;
const MAX_TEXT = 255;

const positiveInt = (value: string) => {
  const n = Number(value.replace(/[_\s]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('It must be a positive integer.');
  return n;
};

const id = (what: string, seeAlso: string) => (value: string) => {
  if (!/^\d{1,10}$/.test(value.trim()) || Number(value) < 1 || Number(value) > INT4_MAX) {
    throw new InvalidArgumentError(`It must be ${what} id, a positive integer (${seeAlso}).`);
  }
  return Number(value);
};

const text = (value: string) => {
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidArgumentError("It can't be blank.");
  if (trimmed.length > MAX_TEXT) throw new InvalidArgumentError(`It is too long (maximum is ${MAX_TEXT} characters).`);
  if (trimmed.includes('\u0000')) throw new InvalidArgumentError('It cannot contain the NUL character.');
  return trimmed;
};

const email = (value: string) => {
  const trimmed = value.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(trimmed) || trimmed.length > 254) {
    throw new InvalidArgumentError('It is not an email address.');
  }
  return trimmed;
};

/** Case does not matter to an operator typing it: `eur` is EUR. */
const currency = (value: string) => {
  const code = value.trim().toUpperCase();
  if (!isCurrencyCode(code)) throw new InvalidArgumentError('It is not a valid currency: use an ISO 4217 code such as EUR or USD.');
  return code;
};

/** A calendar day, as the API accepts it. */
const calendarDay = (value: string) => {
  const parsed = parseDay(value);
  if (!parsed) throw new InvalidArgumentError('It must be a calendar date, YYYY-MM-DD or DD.MM.YYYY.');
  return parsed;
};

const formatTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Columns padded to their widest cell, for `token list`. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

function tokenTable(tokens: TokenInfo[]): string {
  return table([
    ['ID', 'PERSON', 'NAME', 'CREATED', 'REVOKED'],
    ...tokens.map((t) => [String(t.id), t.email, t.name, formatTime(t.createdAt), t.revokedAt ? formatTime(t.revokedAt) : '-']),
  ]);
}

// ---- The program ---------------------------------------------------------------------------------

/** Runs one CLI invocation (`argv` without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? ((s: string) => void process.stdout.write(s));
  const stderr = options.stderr ?? ((s: string) => void process.stderr.write(s));
  const env = options.env ?? process.env;
  const print = (line: string) => stdout(`${line}\n`);

  async function withDatabase(command: string, work: (db: Database) => Promise<void>) {
    if (options.database) return work(options.database);
    const config = loadConfig(env);
    const db = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
    preparedStatements: config.PREPARED_STATEMENTS,
    planCacheMode: config.PLAN_CACHE_MODE,
      owner: `the CLI (npm run cli -- ${command})`,
    });
    try {
      await migrate(db.scripts);
      await work(db);
    } finally {
      await db.close();
    }
  }

  /**
   * Runs a command that records events (contracts generate, bin purge) so that live subscribers
   * hear of them too: with REDIS_URL set, its events are published on the instances' bus as the
   * server publishes its own (in process there is no subscriber to tell). Webhooks need nothing:
   * the delivery workers' sweep finds the events in the outbox.
   */
  async function withEvents(work: () => Promise<void>) {
    const config = loadConfig(env);
    if (!config.REDIS_URL) return work();
    const warn = (_: object, message: string) => stderr(`warning: ${message}\n`);
    const { createEventBus } = await import('../changes/pubsub.js');
    const bus = createEventBus({ redisUrl: config.REDIS_URL, channelPrefix: config.EVENTS_CHANNEL_PREFIX, logger: { info: () => undefined, warn } });
    try {
      await work();
    } finally {
      // After the publishes: Redis answers QUIT once it has taken the commands sent before it.
      await bus.close();
    }
  }

  // Built per call: commander keeps parsed values on the command objects.
  // exitOverride and configureOutput come first: subcommands copy them when they are created.
  const program = new Command('gateway')
    .description('Operator commands of the agency GraphQL gateway')
    .exitOverride()
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .option('--verbose', 'print the stack trace of an error (as does setting DEBUG)');

  program
    .command('migrate')
    .description('Apply pending migrations')
    .action(() =>
      withDatabase('migrate', async (db) => {
        // withDatabase already migrated; report what is there now.
        const rows = await db.scripts.query<{ migration_name: string }>(
          'SELECT migration_name FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY migration_name',
        );
        print(`Database is up to date (${rows.length} migrations applied).`);
      }),
    );

  program
    .command('seed')
    .description('Create the demo organization, unless it exists')
    .action(() =>
      withDatabase('seed', async (db) => {
        const { seedDemo } = await import('../domain/demo.js');
        const { created, organizationId } = await seedDemo(db.prisma);
        print(created ? `Seeded demo organization ${organizationId}.` : `Demo organization ${organizationId} already exists.`);
      }),
    );

  const org = program.command('org').description('Organizations (tenants)');
  org
    .command('create')
    .description('Create an organization and print its id')
    .requiredOption('--name <name>', 'its name (unique, ignoring case)', text)
    .option('--currency <code>', 'ISO 4217 code of its default currency', currency, 'USD')
    .action((o: { name: string; currency: string }) =>
      withDatabase('org create', async (db) => {
        const created = await createOrganization(db.prisma, o);
        print(`Created organization ${created.id} (${created.name}), default currency ${created.defaultCurrency}.`);
        print(`Add people with: npm run cli -- member add --org ${created.id} --email <email> --first-name <first> --last-name <last>`);
      }),
    );

  const member = program.command('member').description('People in organizations');
  member
    .command('add')
    .description('Add a person to an organization, creating the person when the email is new')
    .requiredOption('--email <email>', 'the person', email)
    .requiredOption('--org <id>', 'the organization id', id('an organization', 'as printed by org create'))
    .option('--first-name <name>', 'for a new person', text)
    .option('--last-name <name>', 'for a new person', text)
    .addOption(new Option('--role <role>', 'the role in the organization').choices(['member', 'admin']).default('member'))
    .action((o: { email: string; org: number; firstName?: string; lastName?: string; role: 'member' | 'admin' }) =>
      withDatabase('member add', async (db) => {
        const { person, organization, createdPerson } = await addMember(db.prisma, { ...o, organizationId: o.org });
        print(
          `Added ${person.firstName} ${person.lastName} <${person.email}> (${createdPerson ? 'new' : 'existing'} person ${person.id}) ` +
            `to organization ${organization.id} (${organization.name}) as ${o.role}.`,
        );
        print(`Create a token with: npm run cli -- token --email ${person.email} --name <label>`);
      }),
    );

  const token = program.command('token').description('API tokens: create (the default), list, revoke');
  token
    .command('create', { isDefault: true })
    .description('Create an API token for a person; it is printed once and stored only as a hash')
    .option('--email <email>', 'the person', email, DEMO_EMAIL)
    .option('--name <name>', 'a label for the token', text, 'cli')
    .action((o: { email: string; name: string }) =>
      withDatabase('token', async (db) => {
        // Only the secret on stdout, so that scripts can capture it.
        print(await createToken(db.prisma, o.email, o.name));
      }),
    );
  token
    .command('list')
    .description('List tokens (never their secrets): id, person, name, created, revoked')
    .option('--email <email>', "only this person's tokens", email)
    .action((o: { email?: string }) =>
      withDatabase('token list', async (db) => {
        const tokens = await listTokens(db.prisma, o.email);
        print(tokens.length ? tokenTable(tokens) : o.email ? `${o.email} has no tokens.` : 'No tokens.');
      }),
    );
  token
    .command('revoke')
    .description('Revoke a token by id, or the active tokens of a person with a name; it stops working within AUTH_CACHE_MS')
    .option('--id <id>', 'the token id (see token list)', id('a token', 'see token list'))
    .option('--email <email>', 'the person, with --name', email)
    .option('--name <name>', "the tokens' name, with --email", text)
    .action((o: { id?: number; email?: string; name?: string }) => {
      if (o.id !== undefined && (o.email !== undefined || o.name !== undefined)) {
        throw new OperatorError('token revoke: give either --id, or --email with --name, not both');
      }
      if (o.id === undefined && (o.email === undefined || o.name === undefined)) {
        throw new OperatorError(
          o.email === undefined && o.name === undefined
            ? 'token revoke: give --id, or --email with --name (see: npm run cli -- token list)'
            : `token revoke: ${o.email === undefined ? '--email' : '--name'} is required with ${o.email === undefined ? '--name' : '--email'}`,
        );
      }
      return withDatabase('token revoke', async (db) => {
        if (o.id !== undefined) {
          const { token: t, revoked } = await revokeTokenById(db.prisma, o.id);
          print(
            revoked
              ? `Revoked token ${t.id} (${t.name}) of ${t.email}.`
              : `Token ${t.id} (${t.name}) of ${t.email} was already revoked at ${formatTime(t.revokedAt!)}; nothing changed.`,
          );
          return;
        }
        const { revoked, alreadyRevoked } = await revokeTokensByName(db.prisma, o.email!, o.name!);
        const ids = revoked.map((t) => t.id).join(', ');
        const before = alreadyRevoked ? ` (${alreadyRevoked} already revoked before)` : '';
        print(
          revoked.length
            ? `Revoked ${revoked.length} token${revoked.length === 1 ? '' : 's'} (id ${ids}) named ${JSON.stringify(o.name)} of ${o.email}${before}.`
            : `Every token named ${JSON.stringify(o.name)} of ${o.email} was already revoked; nothing changed.`,
        );
      });
    });

  token
    .command('rotate-demo')
    .description("Revoke the demo token npm start prints (kept in DATA_DIR's demo-token file) and print a new one, which every later start prints")
    .action(() =>
      withDatabase('token rotate-demo', async (db) => {
        if (!(await db.prisma.person.findUnique({ where: { email: DEMO_EMAIL }, select: { id: true } }))) {
          throw new OperatorError('token rotate-demo: there is no demo organization here (npm run cli -- seed, or npm start with SEED_DEMO=true, creates it)');
        }
        const { DATA_DIR } = loadConfig(env);
        const { token: secret } = await demoToken(db.prisma, DATA_DIR, DEMO_EMAIL, { rotate: true });
        // Only the secret on stdout, as token create; a running server on PostgreSQL pre-fills the old one until restarted.
        print(secret);
      }),
    );

  const contracts = program.command('contracts').description('Contracts (recurring budgets)');
  contracts
    .command('generate')
    .description('Create the budgets of every contract period starting on or before --until, in every organization')
    .requiredOption('--until <date>', 'the last period start to generate (YYYY-MM-DD or DD.MM.YYYY), at most 10 years ahead', calendarDay)
    .option('--organization <id>', 'only this organization', id('an organization', 'as printed by org create'))
    .action((o: { until: Date; organization?: number }) =>
      withDatabase('contracts generate', (db) =>
        withEvents(async () => {
          const { generateContractBudgets, summaryLine } = await import('./contracts.js');
          const summary = await generateContractBudgets(db.prisma, { until: o.until, organizationId: o.organization }, print);
          print(summaryLine(summary, o.until));
        }),
      ),
    );

  const bin = program.command('bin').description('The recycle bin');
  bin
    .command('purge')
    .description('Delete for good what has been in the recycle bin longer than some days (private items too)')
    .requiredOption('--older-than <days>', 'days an item has been in the bin', (v: string) => {
      const n = positiveInt(v);
      if (n > 100_000) throw new InvalidArgumentError('It must be at most 100000 days.');
      return n;
    })
    .option('--organization <id>', 'only this organization', id('an organization', 'as printed by org create'))
    .action((o: { olderThan: number; organization?: number }) =>
      withDatabase('bin purge', (db) =>
        withEvents(async () => {
          const { purgeOldEntries, purgeSummaryLine } = await import('./recycle-bin.js');
          const summary = await purgeOldEntries(db.prisma, { olderThanDays: o.olderThan, organizationId: o.organization }, print);
          for (const r of summary.refused) print(`Organization ${r.organizationId}: entry ${r.entryId} not purged: ${r.message}.`);
          print(purgeSummaryLine(summary, o.olderThan));
        }),
      ),
    );

  program
    .command('idempotency')
    .description('Idempotency keys of create mutations')
    .command('purge')
    .description('Delete the keys older than 24 hours (they no longer answer; this only frees space)')
    .action(() =>
      withDatabase('idempotency purge', async (db) => {
        const { purgeExpiredKeys, purgeKeysLine } = await import('./idempotency.js');
        print(purgeKeysLine(await purgeExpiredKeys(db.prisma)));
      }),
    );

  program
    .command('generate')
    .description('Generate a large realistic data set for benchmarks')
    .option('--scale <n>', 'number of expenses in all', positiveInt, 100_000)
    .option('--organizations <n>', 'number of organizations', positiveInt, 2)
    .option('--deals <n>', 'deals per organization', positiveInt, 500)
    .action((o: { scale: number; organizations: number; deals: number }) =>
      withDatabase('generate', async (db) => {
        const started = Date.now();
        const { generate } = await import('./generate.js');
        const { organizationIds } = await generate(db.prisma, {
          expenses: o.scale,
          organizations: o.organizations,
          dealsPerOrganization: o.deals,
          progress: process.stdout.isTTY || env.CI !== 'true',
        });
        print(`Generated ${o.scale} expenses in organizations ${organizationIds.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
      }),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its own message (unknown option, missing value, --help).
    if (error instanceof CommanderError) return error.exitCode;
    const verbose = argv.includes('--verbose') || Boolean(env.DEBUG);
    stderr(`${errorLine(error, verbose)}\n`);
    if (verbose && error instanceof Error && error.stack) stderr(`${error.stack}\n`);
    return 1;
  }
}

/** The one line an error gets. */
function errorLine(error: unknown, verbose: boolean): string {
  if (error instanceof OperatorError || error instanceof DatabaseLockedError || error instanceof ConfigError) {
    return `error: ${error.message}`;
  }
  // Not the operator's mistake, or not one we foresaw: the gist (Prisma puts the cause on the last
  // line of a long message), and where to find the rest.
  const lines = (error instanceof Error ? error.message : String(error)).split('\n').map((l) => l.trim()).filter(Boolean);
  const gist = lines.at(-1) ?? String(error);
  return `error: ${gist}${verbose ? '' : ' (run again with --verbose for the stack trace)'}`;
}

/** Whether this file is the program (npm run cli), rather than a module a test imports runCli from. */
function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// exitCode rather than exit(): stdout is flushed before the process ends.
if (isMain()) process.exitCode = await runCli(process.argv.slice(2));
