// Configuration comes from the environment only; .env.example lists every setting.
import dotenv from 'dotenv';
import { z } from 'zod';
import { DEFAULT_SUBSCRIPTIONS_PER_PERSON } from './changes/slots.js';
import type { WebhookSettings } from './webhooks/settings.js';
import { AddressPolicy } from './webhooks/url-guard.js';

/** A yes/no setting: true, false, 1 or 0. */
const flag = () => z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const settings = z.object({
  /** `production` turns GraphiQL and introspection off unless GRAPHIQL / INTROSPECTION say otherwise. */
  NODE_ENV: z.string().default('development'),
  /** GraphiQL at GET /graphql: on by default, off by default with NODE_ENV=production. */
  GRAPHIQL: flag().optional(),
  /**
   * Introspection (`__schema`, `__type`; `__typename` always works) and field suggestions in error
   * messages: on by default, off by default with NODE_ENV=production.
   */
  INTROSPECTION: flag().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  /** Folder of the embedded PGlite database; ignored when DATABASE_URL is set. */
  DATA_DIR: z.string().default('./.data'),
  /** A PostgreSQL connection string; when set, the embedded database is not used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /**
   * Read replicas of DATABASE_URL's database (PostgreSQL streaming standbys), comma-separated: queries
   * run on them (round robin), mutations and authentication on the primary. Ignored without DATABASE_URL.
   */
  DATABASE_REPLICA_URLS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const urls = v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      for (const [index, url] of urls.entries()) {
        if (!/^postgres(ql)?:\/\//.test(url)) {
          // The message must not echo the URL: it may hold a password.
          ctx.addIssue({ code: 'custom', message: `each URL must start with postgres:// or postgresql:// (item ${index + 1})` });
          return z.NEVER;
        }
      }
      return urls;
    }),
  /** Seed the demo organization on first start and print the data folder's demo token on every start. */
  SEED_DEMO: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** Revoke the demo token kept in DATA_DIR and print a new one at this start (as `npm run cli -- token rotate-demo`). */
  DEMO_TOKEN_ROTATE: flag().default(false),
  /** On SIGTERM/SIGINT, how long in-flight requests may take to finish before they are cut (exit code 1). */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Longest an SQL statement of a request may run (PostgreSQL cancels it); 0 for no limit. Migrations are exempt. */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /**
   * Named (prepared) statements on PostgreSQL: each distinct statement is parsed once per connection.
   * `false` behind a pooler in transaction mode that cannot keep them (PgBouncer before 1.21).
   */
  PREPARED_STATEMENTS: flag().default(true),
  /**
   * PostgreSQL's `plan_cache_mode` for the gateway's connections: `auto` (PostgreSQL's default) or
   * `force_generic_plan` (plan each prepared statement once per connection; 1.14-1.19x on list pages,
   * docs/operations.md) or `force_custom_plan`.
   */
  PLAN_CACHE_MODE: z.enum(['auto', 'force_generic_plan', 'force_custom_plan']).default('auto'),
  /**
   * How long a valid token's person and organizations are cached in memory (ms), 0 for never. A
   * revocation made by another process (the CLI, another instance) takes effect within this bound.
   */
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** Cost-based rate limiting per API token (docs/rate-limits.md); `false` turns it off. */
  RATE_LIMIT_ENABLED: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** The most points a token's bucket holds; also the most one operation may cost. */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(1).default(1000),
  /** Points per second a bucket regains on average: the bucket refills all at once every POINTS / RESTORE_RATE seconds. */
  RATE_LIMIT_RESTORE_RATE: z.coerce.number().positive().default(50),
  /** Failed authentications one client address may make per window before its requests get 429. */
  RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(1).default(20),
  /** That window, in seconds. */
  RATE_LIMIT_AUTH_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /**
   * Redis shared by every instance: the rate limiter's buckets, and the live events subscriptions hear
   * (an event committed by one instance reaches subscribers of all). Per process when unset.
   */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /** Prefix of the limiter's Redis keys: instances sharing buckets use the same one. */
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('gateway:ratelimit'),
  /** Prefix of the live events' Redis channels (`<prefix>:<organization id>`): one per deployment. */
  EVENTS_CHANNEL_PREFIX: z.string().min(1).max(200).default('gateway:events'),
  /** Live subscriptions one person may hold open on one instance (each is an open response and socket). */
  SUBSCRIPTIONS_PER_PERSON: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_SUBSCRIPTIONS_PER_PERSON),
  /**
   * How many reverse proxies in front of the gateway append the client's address to X-Forwarded-For:
   * 0 (or false) uses the socket's address and ignores the header; true is 1.
   */
  TRUST_PROXY: z
    .string()
    .default('0')
    .transform((v, ctx) => {
      const value = v.trim().toLowerCase();
      if (value === 'false' || value === '') return 0;
      if (value === 'true') return 1;
      if (/^\d{1,2}$/.test(value)) return Number(value);
      ctx.addIssue({ code: 'custom', message: 'must be true, false or a number of proxies (0-99)' });
      return z.NEVER;
    }),
  /**
   * Trusted documents (docs/api.md, "Trusted documents"): `allow` runs the web app's persisted documents by id and any query;
   * `only` runs the persisted documents and nothing else.
   */
  PERSISTED_OPERATIONS: z.enum(['allow', 'only']).default('allow'),
  /** When set, /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; open otherwise (the operator's network). */
  METRICS_TOKEN: z.string().min(1).optional(),
  /** An OTLP/HTTP collector (e.g. http://127.0.0.1:4318): traces are sent there; off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** The service name on the traces. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  // ---- Webhooks (docs/events.md, "Webhooks") ----
  /** `inline`: the gateway process delivers webhooks; `off`: a separate `npm run worker` process does. */
  WEBHOOK_DELIVERY: z.enum(['inline', 'off']).default('inline'),
  /**
   * Private or reserved addresses webhooks may point at anyway, comma-separated: CIDR ranges
   * (`10.1.0.0/16`), single addresses, or host names (`receiver.internal`: any address it resolves to).
   */
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const entries = v
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      try {
        new AddressPolicy(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
      return entries;
    }),
  /** Attempts per delivery before it is marked failed. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** Delay before the first retry (ms); each further retry doubles it (jitter +-20 %). */
  WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(10_000),
  /** One delivery attempt's deadline (ms): connect, send, and the response's status line. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Deliveries failed in a row (each after all its attempts) that disable an endpoint. */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).default(5),
  /** Endpoints one process delivers to at once. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** Attempts one organization may have in flight at once, across every delivering process (fairness between organizations). */
  WEBHOOK_ORGANIZATION_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  /** An attempt that takes this long (ms), even a successful one, marks its endpoint slow: it then gets a smaller share of delivery. */
  WEBHOOK_SLOW_MS: z.coerce.number().int().min(10).max(120_000).default(2_000),
  /** How often (ms) endpoints with a due delivery are looked for (catches events of other processes). */
  WEBHOOK_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  // ---- Bulk exports (docs/api.md, "Bulk exports") ----
  /** `inline`: the gateway process runs bulk exports; `off`: a separate `npm run worker` process does. */
  BULK_EXPORTS: z.enum(['inline', 'off']).default('inline'),
  /** Exports one process runs at once. */
  BULK_EXPORT_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** How long a completed export's file can be downloaded, in hours; then it is deleted. */
  BULK_EXPORT_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24),
  /** Rows per page of an export (each page is one transaction and one chunk of the file). */
  BULK_EXPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(200).default(200),
  /** How long a run may go without writing a page before another process takes its export over (s). */
  BULK_EXPORT_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** How often exports to run (new ones, ones whose process stopped) and expired files are looked for (ms). */
  BULK_EXPORT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** The gateway's address as clients reach it (`https://api.example.com`), for the URLs it hands out; the request's own when unset. */
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` lines, `pretty` (pino-pretty) lines, or `auto`: pretty when stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

const schema = settings.transform((c) => {
  const production = c.NODE_ENV === 'production';
  return { ...c, GRAPHIQL: c.GRAPHIQL ?? !production, INTROSPECTION: c.INTROSPECTION ?? !production };
});

export type Config = z.infer<typeof schema>;

/** A setting is wrong: its message names each setting and why, and is meant for the operator as is. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The oldest Node.js line the gateway runs on: the LTS it is built and tested with (package.json's engines). */
export const MIN_NODE_MAJOR = 24;

/**
 * Refuses a Node.js older than MIN_NODE_MAJOR (Node 20 is past its end of life). `npm install` brings a
 * pinned Node 24 (the `node` development dependency) that the npm scripts run, whatever the system's
 * Node is; an install without development dependencies needs Node 24 on the system, or the image.
 */
export function checkRuntime(version: string = process.versions.node): void {
  const major = Number(version.split('.')[0]);
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new ConfigError(
      `This gateway needs Node.js ${MIN_NODE_MAJOR} or later; this is Node.js ${version}. ` +
        'Run it through npm (`npm start`, `npm run cli`), which uses the Node.js that `npm install` put in node_modules, or use the container image.',
    );
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  checkRuntime();
  // A .env file, when present, fills in what the environment leaves unset.
  if (env === process.env) dotenv.config({ quiet: true });
  // An empty setting is an unset one (a .env file's `REDIS_URL=`).
  const optional = ['DATABASE_URL', 'REDIS_URL', 'METRICS_TOKEN', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'GRAPHIQL', 'INTROSPECTION'] as const;
  const parsed = schema.safeParse({ ...env, ...Object.fromEntries(optional.map((name) => [name, env[name]?.trim() || undefined])) });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * The configuration of a process that starts (the server, the webhook worker), or exit 1 with the
 * message: a wrong setting is the operator's to fix; the message names it, a stack trace would only hide it.
 */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/** The webhook settings of a process, from its configuration. */
export function webhookSettings(config: Config): WebhookSettings {
  return {
    delivery: config.WEBHOOK_DELIVERY,
    policy: new AddressPolicy(config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES),
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
    concurrency: config.WEBHOOK_CONCURRENCY,
    organizationConcurrency: config.WEBHOOK_ORGANIZATION_CONCURRENCY,
    slowMs: config.WEBHOOK_SLOW_MS,
    sweepIntervalMs: config.WEBHOOK_SWEEP_INTERVAL_MS,
  };
}

/** The bulk export settings of a process (src/exports/queue.ts), from its configuration. */
export function exportSettings(config: Config) {
  return {
    exports: config.BULK_EXPORTS,
    concurrency: config.BULK_EXPORT_CONCURRENCY,
    retentionMs: config.BULK_EXPORT_RETENTION_HOURS * 3_600_000,
    pageSize: config.BULK_EXPORT_PAGE_SIZE,
    leaseMs: config.BULK_EXPORT_LEASE_SECONDS * 1000,
    sweepIntervalMs: config.BULK_EXPORT_SWEEP_INTERVAL_MS,
  };
}
