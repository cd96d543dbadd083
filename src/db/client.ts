// Opens the one database the process uses: embedded PGlite in a folder by default, or PostgreSQL
// when a connection string is given. Both speak the same SQL, so one schema and one set of
// migrations serve both. PostgreSQL may come with read replicas (streaming standbys of the same
// database): a client of their own each, which src/http/replicas.ts routes queries to.
import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { lockDirectory, type DirectoryLock } from './lock.js';
import { countStatements, type StatementCounter } from './statements.js';
import { isStalePlan, statementNames } from './prepared.js';

/**
 * Runs migration scripts (many statements at once), which Prisma's prepared statements cannot. It does
 * not carry the statement timeout: migrations and maintenance (VACUUM, EXPLAIN ANALYZE) may take long.
 */
export interface ScriptRunner {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `work` holding the session-level advisory lock `lockId`, on a session of its own that it is
   * given (a lock and its unlock must run on one session). On PostgreSQL that session is a connection
   * opened for it and closed right after the unlock (closing also ends the lock should the unlock
   * fail): no idle connection is left behind once the lock is released.
   */
  locked<T>(lockId: number, work: (session: Omit<ScriptRunner, 'locked'>) => Promise<T>): Promise<T>;
}

export interface Database {
  kind: 'pglite' | 'postgres';
  /** The primary: every write, authentication, migrations. */
  prisma: PrismaClient;
  scripts: ScriptRunner;
  statements: StatementCounter;
  /** Read replicas (`replicaUrls`), in the order given; always empty on PGlite. */
  replicas: DatabaseReplica[];
  /** PGlite only: the data folder as a tar (`fromDump` of another database opens a copy). */
  dump?(): Promise<Blob>;
  /** The request pool's connections now (PostgreSQL); PGlite has no pool. For /metrics. */
  pool?(): { total: number; idle: number; waiting: number; max: number };
  /** Closes the client and the connections (and releases the folder's lock). Safe to call twice. */
  close(): Promise<void>;
}

/** A read replica: its own client and pool, with the primary's statement timeout. */
export interface DatabaseReplica {
  /** `replica N (host:port/database)`, for logs: never the URL's credentials. */
  name: string;
  prisma: PrismaClient;
  /** Its statements, counted like the primary's. */
  statements: StatementCounter;
  /**
   * Calls `listener` with each failure of its connections (a refused connection, a dropped idle
   * one, a failed statement...); the client's caller gets the failure all the same.
   * src/http/replicas.ts listens to notice a replica going down. Returns the unsubscribe.
   */
  onFailure(listener: (error: unknown) => void): () => void;
  /** One `SELECT pg_is_in_recovery()` on the pool, outside Prisma and the statement count: is it a standby? */
  ping(): Promise<{ inRecovery: boolean }>;
  /** Closed with the database: pings fail from then on. */
  readonly closed: boolean;
}

/**
 * How long a replica's pool waits for a new connection before the statement fails: an unreachable
 * replica (a host that drops packets) then costs a query this long, not forever, before it is
 * taken out of rotation and the query runs on the primary.
 */
export const REPLICA_CONNECT_TIMEOUT_MS = 3_000;

/** What `statementTimeoutMs` is when not given (STATEMENT_TIMEOUT_MS's default too). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/**
 * Prisma's other error formats capture a stack trace (`new Error()`) on every model call to point
 * at the calling line should the query fail: 3 % of a write's CPU, for messages that reach only the
 * logs (clients see masked errors), whose own stack already says where.
 */
const PRISMA_ERROR_FORMAT = 'minimal';

export interface DatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite folder, or `memory://` for a throw-away database. */
  dataDir?: string;
  /**
   * PGlite only: start from this dump of a data folder (`PGlite.dumpDataDir`) instead of an empty
   * cluster. Creating a cluster costs seconds of CPU; the test suite migrates one and loads it per file.
   */
  fromDump?: Blob;
  /**
   * Longest a statement sent through `prisma` may run, in ms; 0 for no limit. PostgreSQL cancels it
   * (`statement_timeout` on every pooled connection); the scripts runner is exempt. PGlite accepts the
   * setting but never enforces it (no timer interrupts in its WebAssembly build), so it is not set there.
   */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL only: name each distinct statement so that every connection parses it once
   * (src/db/prepared.ts; PREPARED_STATEMENTS). Default true.
   */
  preparedStatements?: boolean;
  /**
   * PostgreSQL only: `plan_cache_mode` of every connection of the pools (PLAN_CACHE_MODE). `auto`
   * (default) leaves PostgreSQL's own choice between custom and generic plans.
   */
  planCacheMode?: 'auto' | 'force_generic_plan' | 'force_custom_plan';
  /** Who opens a PGlite folder, named to a second process that tries to open it (e.g. "server (npm start)"). */
  owner?: string;
  /**
   * postgres:// URLs of read replicas of `url`'s database (DATABASE_REPLICA_URLS). Ignored on PGlite
   * (nothing to replicate from); a replica need not be reachable when the database is opened.
   */
  replicaUrls?: readonly string[];
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 0) throw new Error(`statementTimeoutMs must be an integer >= 0, not ${timeout}`);
  return options.url
    ? openPostgres(options.url, timeout, options.replicaUrls ?? [], options.preparedStatements ?? true, options.planCacheMode ?? 'auto')
    : openPGlite(options.dataDir ?? 'memory://', options.owner ?? 'a gateway process', options.fromDump);
}

/** The folder of a PGlite data dir on disk, or undefined for `memory://` and other non-file stores. */
function folderOf(dataDir: string): string | undefined {
  if (dataDir.startsWith('file://')) return dataDir.slice('file://'.length);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) ? undefined : dataDir;
}

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

async function openPGlite(dataDir: string, owner: string, fromDump?: Blob): Promise<Database> {
  const folder = folderOf(dataDir);
  let lock: DirectoryLock | undefined;
  if (folder) {
    await mkdir(folder, { recursive: true });
    // Before PGlite touches the folder: a second process must not open (and so damage) it.
    lock = lockDirectory(folder, owner);
  }
  // Loaded here, not at the top: a process on PostgreSQL (the CLI above all) does not pay for PGlite.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  let lite: PGlite;
  try {
    lite = await PGlite.create(dataDir, fromDump ? { loadDataDir: fromDump } : {});
  } catch (error) {
    lock?.release();
    throw error;
  }
  const counted = countStatements(new PrismaPGlite(lite));
  const prisma = new PrismaClient({ adapter: counted.factory, errorFormat: PRISMA_ERROR_FORMAT });
  const session = {
    exec: async (sql: string) => {
      await lite.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await lite.query<T>(sql, params)).rows,
  };
  return {
    kind: 'pglite',
    prisma,
    statements: counted.counter,
    replicas: [],
    dump: () => lite.dumpDataDir('none'),
    scripts: {
      ...session,
      // PGlite has one session; the lock still keeps this process's own start-up steps in order.
      locked: async (lockId, work) => {
        await lite.exec(`SELECT pg_advisory_lock(${lockId})`);
        try {
          return await work(session);
        } finally {
          await lite.exec(`SELECT pg_advisory_unlock(${lockId})`);
        }
      },
    },
    close: once(async () => {
      try {
        await prisma.$disconnect();
        await lite.close();
      } finally {
        lock?.release();
      }
    }),
  };
}

/** `host:port/database` of a connection string: what logs may show of it (no user, no password). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || ''}`;
  } catch {
    return 'an unparsable URL';
  }
}

function openReplica(
  url: string,
  index: number,
  settings: ReturnType<typeof sessionSettings>,
  names: { options: ConstructorParameters<typeof PrismaPg>[1]; onError(error: unknown): void },
): { replica: DatabaseReplica; close(): Promise<void> } {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS,
    ...settings,
  });
  // An idle connection the replica drops (a restart, a failover) is an 'error' event of the pool;
  // unheard, it would end the process. Prisma's adapter listens too, but only once it connected.
  const listeners = new Set<(error: unknown) => void>();
  const failed = (error: unknown) => {
    names.onError(error);
    for (const listener of listeners) listener(error);
  };
  pool.on('error', failed);
  let closed = false;
  const counted = countStatements(new PrismaPg(pool, names.options), { onError: failed });
  const prisma = new PrismaClient({ adapter: counted.factory, errorFormat: PRISMA_ERROR_FORMAT });
  const replica: DatabaseReplica = {
    name: `replica ${index + 1} (${describeUrl(url)})`,
    prisma,
    statements: counted.counter,
    onFailure(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async ping() {
      const { rows } = await pool.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
      return { inRecovery: rows[0]!.in_recovery };
    },
    get closed() {
      return closed;
    },
  };
  return {
    replica,
    close: async () => {
      closed = true;
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** A pool's startup settings: the statement timeout, and the plan cache mode unless PostgreSQL's own. */
function sessionSettings(statementTimeoutMs: number, planCacheMode: NonNullable<DatabaseOptions['planCacheMode']>) {
  return {
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
    ...(planCacheMode !== 'auto' && { options: `-c plan_cache_mode=${planCacheMode}` }),
  };
}

async function openPostgres(
  url: string,
  statementTimeoutMs: number,
  replicaUrls: readonly string[],
  prepared: boolean,
  planCacheMode: NonNullable<DatabaseOptions['planCacheMode']>,
): Promise<Database> {
  // One set of names per pool: each adapter forgets its names when PostgreSQL refuses a stale one.
  const named = () => {
    const names = prepared ? statementNames() : undefined;
    return {
      options: names ? { statementNameGenerator: names } : {},
      onError: (error: unknown) => (names && isStalePlan(error) ? names.forget() : undefined),
    };
  };
  // statement_timeout is sent as a startup parameter of every connection (a `statement_timeout` or
  // `options` parameter in the URL wins over it).
  const pool = new pg.Pool({ connectionString: url, max: 10, ...sessionSettings(statementTimeoutMs, planCacheMode) });
  // Scripts get their own connection without the timeout, so that a migration is never cut. It is
  // closed after 10 s idle (pg's default): no lock lives on it, locked sections have a session each.
  const scriptPool = new pg.Pool({ connectionString: url, max: 1 });
  const ownNames = named();
  const counted = countStatements(new PrismaPg(pool, ownNames.options), { onError: ownNames.onError });
  const prisma = new PrismaClient({ adapter: counted.factory, errorFormat: PRISMA_ERROR_FORMAT });
  const replicas = replicaUrls.map((replicaUrl, index) => openReplica(replicaUrl, index, sessionSettings(statementTimeoutMs, planCacheMode), named()));
  return {
    kind: 'postgres',
    prisma,
    statements: counted.counter,
    replicas: replicas.map((r) => r.replica),
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }),
    scripts: {
      exec: async (sql) => {
        await scriptPool.query(sql);
      },
      query: async <T>(sql: string, params?: unknown[]) =>
        (await scriptPool.query(sql, params as unknown[])).rows as T[],
      locked: async (lockId, work) => {
        // Without the statement timeout, as the scripts: waiting for the lock may take long.
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        // A dropped connection is an 'error' event: the running statement fails with it, and unheard it would end the process.
        client.on('error', () => undefined);
        try {
          await client.query(`SELECT pg_advisory_lock(${lockId})`);
          try {
            return await work({
              exec: async (sql) => {
                await client.query(sql);
              },
              query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params as unknown[])).rows as T[],
            });
          } finally {
            await client.query(`SELECT pg_advisory_unlock(${lockId})`).catch(() => undefined);
          }
        } finally {
          // Closing the session releases the lock even when the unlock failed.
          await client.end().catch(() => undefined);
        }
      },
    },
    close: once(async () => {
      try {
        await prisma.$disconnect();
      } finally {
        await Promise.all([
          pool.end().catch(() => undefined),
          scriptPool.end().catch(() => undefined),
          ...replicas.map((r) => r.close()),
        ]);
      }
    }),
  };
}
