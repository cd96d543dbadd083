// The project's migration runner must leave the database exactly as `prisma migrate deploy` would
// record it, so the two never disagree.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { migrate, readMigrations } from '../src/db/migrate.js';
import { startApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

test('every migration is recorded once, finished, with the checksum Prisma computes', async () => {
  const migrations = await readMigrations();
  expect(migrations.length).toBeGreaterThan(0);
  const rows = await t.db.scripts.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
    'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
  );
  expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
  for (const [i, m] of migrations.entries()) {
    expect(rows[i]!.checksum).toBe(createHash('sha256').update(m.sql).digest('hex'));
    expect(rows[i]!.finished_at).not.toBeNull();
    expect(rows[i]!.applied_steps_count).toBe(1);
  }
});

test('migrating again applies nothing', async () => {
  expect(await migrate(t.db.scripts)).toEqual([]);
});

test('the schema carries the money invariants as CHECK constraints', async () => {
  const checks = await t.db.scripts.query<{ conname: string }>(
    "SELECT conname FROM pg_constraint WHERE conrelid = 'expenses'::regclass AND contype = 'c' ORDER BY conname",
  );
  expect(checks.map((c) => c.conname)).toEqual(
    expect.arrayContaining(['expenses_profit_default', 'expenses_profit_normalized', 'expenses_approval_consistent']),
  );
});
