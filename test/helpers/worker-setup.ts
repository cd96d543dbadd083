// Before each test file, in its worker. On PostgreSQL, a worker runs its files on a database of its
// own, cloned from the migrated one (test/helpers/global-setup.ts) the first time: files of
// different workers then run in parallel without seeing each other's queues, counts or locks.
// TEST_DATABASE_URL is pointed at the clone, so everything a test derives from it follows.
import { cloneDatabase } from './databases.js';

const base = process.env.TEST_DATABASE_URL;
if (base && !process.env.TEST_DATABASE_BASE_URL) {
  process.env.TEST_DATABASE_BASE_URL = base;
  process.env.TEST_DATABASE_URL = await cloneDatabase(base, `w${process.env.VITEST_POOL_ID ?? '1'}`);
}
