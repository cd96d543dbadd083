// Opens the one database the process uses: embedded PGlite in a folder by default, or PostgreSQL
// when a connection string is given. Both speak the same SQL, so one schema and one set of
// migrations serve both.
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { countStatements, type StatementCounter } from './statements.js';

/** Runs migration scripts (many statements at once), which Prisma's prepared statements cannot. */
export interface ScriptRunner {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database {
  kind: 'pglite' | 'postgres';
  prisma: PrismaClient;
  scripts: ScriptRunner;
  statements: StatementCounter;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite folder, or `memory://` for a throw-away database. */
  dataDir?: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url) : openPGlite(options.dataDir ?? 'memory://');
}

async function openPGlite(dataDir: string): Promise<Database> {
  const lite = await PGlite.create(dataDir);
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
    close: async () => {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const counted = countStatements(new PrismaPg(pool));
  const prisma = new PrismaClient({ adapter: counted.factory });
  return {
    kind: 'postgres',
    prisma,
    statements: counted.counter,
    scripts: {
      exec: async (sql) => {
        await pool.query(sql);
      },
      query: async <T>(sql: string, params?: unknown[]) =>
        (await pool.query(sql, params as unknown[])).rows as T[],
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
