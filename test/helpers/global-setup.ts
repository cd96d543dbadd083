// Once per run, before any worker starts: one migrated database that every test file copies.
// - PGlite: a cluster is created and migrated once and dumped to a file; each worker loads the dump
//   (about a second) instead of each file creating a cluster (several seconds of CPU) and migrating it.
// - PostgreSQL: TEST_DATABASE_URL's database is recreated and migrated with the project's own runner
//   (the code `npm start` uses); each worker clones it (test/helpers/worker-setup.ts), so files run in
//   parallel on databases of their own.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { dropDatabases, recreateDatabase } from './databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite runs: the migrated cluster's dump (test/helpers/database.ts loads it). */
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    await recreateDatabase(url);
    const db = await openDatabase({ url });
    await migrate(db.scripts);
    await db.close();
    // The workers' clones (and what tests made beside them) go at the end; a crashed run's at the next start.
    await dropDatabases(url, 'w');
  }
  // PGlite's template in both runs: a PostgreSQL run still starts processes on PGlite folders
  // (the CLI's and npm start's defaults, test/helpers/database.ts `migratedFolder`).
  const folder = await mkdtemp(path.join(os.tmpdir(), 'gateway-test-template-'));
  const file = path.join(folder, 'migrated.tar');
  const db = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(db.scripts);
    await writeFile(file, Buffer.from(await (await db.dump!()).arrayBuffer()));
  } finally {
    await db.close();
  }
  project.provide('pgliteTemplate', file);
  return async () => {
    await rm(folder, { recursive: true, force: true });
    if (url) await dropDatabases(url, 'w');
  };
}
