// A migrated database on the suite's backend, for tests that need one of their own beside an app:
// on PostgreSQL the worker's database (test/helpers/worker-setup.ts), on PGlite a fresh in-memory
// copy of the cluster the run migrated once (test/helpers/global-setup.ts).
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/db/client.js';

let template: Promise<Blob> | undefined;

/** The migrated PGlite cluster's dump, read once per worker. */
const pgliteTemplate = () => (template ??= readFile(inject('pgliteTemplate')).then((bytes) => new Blob([bytes])));

export async function openTestDatabase(options: Omit<DatabaseOptions, 'url' | 'dataDir' | 'fromDump'> = {}): Promise<Database> {
  const url = process.env.TEST_DATABASE_URL;
  return url ? openDatabase({ ...options, url }) : openDatabase({ ...options, dataDir: 'memory://', fromDump: await pgliteTemplate() });
}

let shared: Promise<Database> | undefined;

/**
 * The database an app of a test file runs on. On PGlite, one per worker, shared by its files one
 * after the other (the suite's files all make their own organizations, as they must on PostgreSQL,
 * where they share a database too): its `close` leaves it open for the next file. On PostgreSQL, a
 * client of its own on the worker's database.
 */
export async function appDatabase(): Promise<Database> {
  if (process.env.TEST_DATABASE_URL) return openTestDatabase();
  shared ??= openTestDatabase();
  const db = await shared;
  return { ...db, close: async () => undefined };
}

/**
 * Fills the PGlite folder `dir` with a copy of the migrated cluster, for a process the test starts
 * (`npm start`, the CLI, the worker): it opens a folder that exists in about a second, where an empty
 * one costs it a new cluster and every migration.
 */
export async function migratedFolder(dir: string): Promise<string> {
  const db = await openDatabase({ dataDir: dir, fromDump: await pgliteTemplate(), owner: 'the test preparing it' });
  await db.close();
  return dir;
}
