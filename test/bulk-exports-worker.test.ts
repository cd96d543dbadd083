// A bulk export survives the death of the process that runs it (issue 27): `npm run worker` is killed
// (SIGKILL, no goodbye) in the middle of an export; a second worker takes the export over once its
// lease has lapsed and continues from the last written page: every row once, COMPLETED. PostgreSQL
// only: a PGlite folder is one process's, and there the gateway itself resumes its exports when it
// starts again (the same sweep, tested in test/bulk-exports.test.ts through the runner).
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { hashToken } from '../src/auth/tokens.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { startBulkExport } from '../src/domain/bulk-exports.js';
import { dropDatabase, siblingDatabase } from './helpers/databases.js';
import { createTenant } from './helpers/fixtures.js';
import { exitOf, SPAWN_TIMEOUT, waitFor, killLeftovers, spawnWorker } from './helpers/processes.js';

const testUrl = process.env.TEST_DATABASE_URL;
const ROWS = 300;

let databaseUrl: string;
let db: Database;
const spawned: ChildProcess[] = [];

beforeAll(async () => {
  if (!testUrl) return;
  // A database of its own: the workers' sweeps see no other test's exports.
  databaseUrl = await siblingDatabase(testUrl, 'exports');
  db = await openDatabase({ url: databaseUrl });
  await migrate(db.scripts);
});

afterEach(() => killLeftovers(spawned));

afterAll(async () => {
  if (!testUrl) return;
  await db.close();
  await dropDatabase(databaseUrl);
});

function worker() {
  return spawnWorker(
    {
      DATABASE_URL: databaseUrl,
      // One row per page, so that the export is long enough to be killed in its middle.
      BULK_EXPORT_PAGE_SIZE: '1',
      BULK_EXPORT_LEASE_SECONDS: '1',
      BULK_EXPORT_SWEEP_INTERVAL_MS: '200',
    },
    spawned,
  );
}

test.runIf(Boolean(testUrl))('a worker killed in the middle of an export: the next one continues it from its last page, every row once', { timeout: SPAWN_TIMEOUT }, async () => {
  const tenant = await createTenant(db.prisma);
  for (let i = 0; i < ROWS; i++) await tenant.expense({ name: `row ${i}`, currency: 'USD', dealId: tenant.deals.usd });
  const started = await startBulkExport(tenant.db, tenant.viewer, {
    query: '{ expenses(orderBy: [{ field: DATE, direction: DESC }]) { nodes { databaseId name } } }',
    tokenHash: hashToken(tenant.token),
    rowCost: 1,
  });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  const id = started.value.id;
  const row = () => db.prisma.bulkExport.findUniqueOrThrow({ where: { id } });

  const first = worker();
  const output1 = () => `${first.stdout()}\n${first.stderr()}`;
  await waitFor(async () => (await row()).rowCount >= 20, { what: 'the first worker to write 20 rows', exited: first.exited, output: output1 });
  process.kill(-first.child.pid!, 'SIGKILL');
  await exitOf(first.exited, 'the first worker', output1);
  const killed = await row();
  expect(killed.status).toBe('RUNNING');
  expect(killed.rowCount).toBeLessThan(ROWS);

  const second = worker();
  const output2 = () => `${second.stdout()}\n${second.stderr()}`;
  const done = await waitFor(async () => {
    const now = await row();
    return now.status !== 'RUNNING' && now.status !== 'CREATED' ? now : null;
  }, { what: 'the second worker to finish the export', exited: second.exited, output: output2 });
  expect([done.status, done.rowCount, done.totalCount]).toEqual(['COMPLETED', ROWS, ROWS]);
  expect(second.stdout()).toContain('bulk export resumed');

  // The file: every expense once, as many lines as rows, chunks without a gap.
  const chunks = await db.prisma.bulkExportChunk.findMany({ where: { exportId: id }, orderBy: { seq: 'asc' } });
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
  const ids = chunks.flatMap((c) => c.data.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { databaseId: number }).databaseId));
  expect(ids).toHaveLength(ROWS);
  expect(new Set(ids).size).toBe(ROWS);
  const expected = await db.prisma.expense.findMany({ where: { organizationId: tenant.organizationId }, select: { id: true } });
  expect(new Set(ids)).toEqual(new Set(expected.map((e) => e.id)));

  process.kill(-second.child.pid!, 'SIGTERM');
  expect(await exitOf(second.exited, 'the second worker', output2)).toBe(0);
});
