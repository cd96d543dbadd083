// Opens the one database the process uses: embedded PGlite in a folder by default, or PostgreSQL
// when a connection string is given. Both speak the same SQL, so one schema and one set of
// migrations serve both.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { lockDirectory, type DirectoryLock } from './lock.js';
import { countStatements, type StatementCounter } from './statements.js';

/**
 * Runs migration scripts (many statements at once), which Prisma's prepared statements cannot. It does
 * not carry the statement timeout: migrations and maintenance (VACUUM, EXPLAIN ANALYZE) may take long.
 */
export interface ScriptRunner {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database {
  kind: 'pglite' | 'postgres';
  prisma: PrismaClient;
  scripts: ScriptRunner;
  statements: StatementCounter;
  /** The request pool's connections now (PostgreSQL); PGlite has no pool. For /metrics. */
  pool?(): { total: number; idle: number; waiting: number; max: number };
  /** Closes the client and the connections (and releases the folder's lock). Safe to call twice. */
  close(): Promise<void>;
}

/** What `statementTimeoutMs` is when not given (STATEMENT_TIMEOUT_MS's default too). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

export interface DatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite folder, or `memory://` for a throw-away database. */
  dataDir?: string;
  /**
   * Longest a statement sent through `prisma` may run, in ms; 0 for no limit. PostgreSQL cancels it
   * (`statement_timeout` on every pooled connection); the scripts runner is exempt. PGlite accepts the
   * setting but never enforces it (no timer interrupts in its WebAssembly build), so it is not set there.
   */
  statementTimeoutMs?: number;
  /** Who opens a PGlite folder, named to a second process that tries to open it (e.g. "server (npm start)"). */
  owner?: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 0) throw new Error(`statementTimeoutMs must be an integer >= 0, not ${timeout}`);
  return options.url
    ? openPostgres(options.url, timeout)
    : openPGlite(options.dataDir ?? 'memory://', options.owner ?? 'a gateway process');
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

async function openPGlite(dataDir: string, owner: string): Promise<Database> {
  const folder = folderOf(dataDir);
  let lock: DirectoryLock | undefined;
  if (folder) {
    await mkdir(folder, { recursive: true });
    // Before PGlite touches the folder: a second process must not open (and so damage) it.
    lock = lockDirectory(folder, owner);
  }
  let lite: PGlite;
  try {
    lite = await PGlite.create(dataDir);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const counted = countStatements(new PrismaPGlite(lite));
  const prisma = new PrismaClient({ adapter: counted.factory });
  return {
    kind: 'pglite',
    prisma,
    statements: counted.counter,
    scripts: {
      exec: async (sql) => {
        await lite.exec(sql);
      },
      query: async <T>(sql: string, params?: unknown[]) => (await lite.query<T>(sql, params)).rows,
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

async function openPostgres(url: string, statementTimeoutMs: number): Promise<Database> {
  // statement_timeout is sent as a startup parameter of every connection (a `statement_timeout` or
  // `options` parameter in the URL wins over it).
  const pool = new pg.Pool({ connectionString: url, max: 10, ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}) });
  // Scripts get their own single connection without the timeout, so that a migration is never cut
  // and its session-level advisory lock and unlock run on one session.
  // idleTimeoutMillis 0: the session is never closed while idle, which would drop a lock it holds
  // (start-up holds one while the demo seed runs on the other pool).
  const scriptPool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  const counted = countStatements(new PrismaPg(pool));
  const prisma = new PrismaClient({ adapter: counted.factory });
  return {
    kind: 'postgres',
    prisma,
    statements: counted.counter,
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }),
    scripts: {
      exec: async (sql) => {
        await scriptPool.query(sql);
      },
      query: async <T>(sql: string, params?: unknown[]) =>
        (await scriptPool.query(sql, params as unknown[])).rows as T[],
    },
    close: once(async () => {
      await prisma.$disconnect();
      await Promise.all([pool.end().catch(() => undefined), scriptPool.end().catch(() => undefined)]);
    }),
  };
}
