// Prepared statements (src/db/prepared.ts): on PostgreSQL every distinct SQL text gets one name, so
// each connection parses it once; the set of names is bounded; PREPARED_STATEMENTS=false turns them off
// (a pooler in transaction mode). The whole suite on PostgreSQL runs with them on.
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';
import { MAX_NAMED, statementNames } from '../src/db/prepared.js';
import { openTestDatabase } from './helpers/database.js';

const query = (sql: string) => ({ sql, args: [], argTypes: [] });

describe('statement names', () => {
  test('a text is named from its second run, with one name that stays', () => {
    const name = statementNames();
    expect(name(query('SELECT 1'))).toBeUndefined();
    const a = name(query('SELECT 1'));
    expect(a).toMatch(/^g/);
    name(query('SELECT 2'));
    const b = name(query('SELECT 2'));
    expect(b).toMatch(/^g/);
    expect(b).not.toBe(a);
    expect(name(query('SELECT 1'))).toBe(a);
    expect(name(query('SELECT 2'))).toBe(b);
  });

  test('past the bound a text runs unnamed, and the named ones keep their names', () => {
    const name = statementNames(2);
    const twice = (sql: string) => (name(query(sql)), name(query(sql)));
    const first = twice('SELECT 1');
    twice('SELECT 2');
    expect(twice('SELECT 3')).toBeUndefined();
    expect(name(query('SELECT 1'))).toBe(first);
    expect(MAX_NAMED).toBeGreaterThanOrEqual(100);
  });

  test('forget names every text afresh', () => {
    const name = statementNames();
    name(query('SELECT 1'));
    const before = name(query('SELECT 1'));
    name.forget();
    expect(name(query('SELECT 1'))).toBeUndefined();
    const after = name(query('SELECT 1'));
    expect(after).toMatch(/^g/);
    expect(after).not.toBe(before);
  });

  test('PREPARED_STATEMENTS is on by default and turned off by false', () => {
    expect(loadConfig({}).PREPARED_STATEMENTS).toBe(true);
    expect(loadConfig({ PREPARED_STATEMENTS: 'false' }).PREPARED_STATEMENTS).toBe(false);
    expect(() => loadConfig({ PREPARED_STATEMENTS: 'sometimes' })).toThrow(/PREPARED_STATEMENTS/);
  });

  test("PLAN_CACHE_MODE is PostgreSQL's own (auto) by default; only its three values are taken", () => {
    expect(loadConfig({}).PLAN_CACHE_MODE).toBe('auto');
    expect(loadConfig({ PLAN_CACHE_MODE: 'force_generic_plan' }).PLAN_CACHE_MODE).toBe('force_generic_plan');
    expect(() => loadConfig({ PLAN_CACHE_MODE: 'generic; DROP TABLE x' })).toThrow(/PLAN_CACHE_MODE/);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('on PostgreSQL', () => {
  // The pool holds one connection after a single query, so the next statement runs on it and sees
  // what it has prepared. A text is prepared from its second run.
  const prepared = async (preparedStatements?: boolean) => {
    const db = await openTestDatabase(preparedStatements === undefined ? {} : { preparedStatements });
    try {
      for (let i = 0; i < 2; i++) await db.prisma.organization.findMany({ where: { id: -1 } });
      const rows = await db.prisma.$queryRawUnsafe<{ statement: string }[]>('SELECT statement FROM pg_prepared_statements');
      return rows.map((row) => row.statement);
    } finally {
      await db.close();
    }
  };

  test('PLAN_CACHE_MODE reaches every connection of the pool; auto leaves the server default', async () => {
    const mode = async (planCacheMode?: 'auto' | 'force_generic_plan') => {
      const db = await openTestDatabase(planCacheMode ? { planCacheMode } : {});
      try {
        const [row] = await db.prisma.$queryRawUnsafe<{ plan_cache_mode: string }[]>('SHOW plan_cache_mode');
        const [inTx] = await db.prisma.$transaction((tx) => tx.$queryRawUnsafe<{ plan_cache_mode: string }[]>('SHOW plan_cache_mode'));
        return [row!.plan_cache_mode, inTx!.plan_cache_mode];
      } finally {
        await db.close();
      }
    };
    expect(await mode('force_generic_plan')).toEqual(['force_generic_plan', 'force_generic_plan']);
    expect(await mode()).toEqual(['auto', 'auto']);
  });

  test("Prisma's statements are prepared once per connection", async () => {
    const statements = await prepared();
    expect(statements.filter((sql) => sql.includes('FROM "public"."organizations"'))).toHaveLength(1);
  });

  test("a statement whose result type a migration changed fails once, then is prepared anew", async () => {
    const db = await openTestDatabase();
    const table = `prepared_${process.pid}_${Date.now()}`;
    try {
      await db.prisma.$executeRawUnsafe(`CREATE TABLE ${table} (x int)`);
      await db.prisma.$executeRawUnsafe(`INSERT INTO ${table} VALUES (7)`);
      // In a transaction: a failed statement outside one costs its connection (pg's pool drops it),
      // which hides the stale plan; a transaction's connection goes back to the pool and keeps it.
      const read = () => db.prisma.$transaction((tx) => tx.$queryRawUnsafe<{ x: unknown }[]>(`SELECT x FROM ${table}`));
      expect(await read()).toEqual([{ x: 7 }]);
      expect(await read()).toEqual([{ x: 7 }]); // its second run: prepared now
      await db.prisma.$executeRawUnsafe(`ALTER TABLE ${table} ALTER COLUMN x TYPE bigint`);
      await expect(read()).rejects.toThrow(/cached plan must not change result type/);
      expect(await read()).toEqual([{ x: 7n }]);
      expect(await read()).toEqual([{ x: 7n }]);
    } finally {
      await db.prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS ${table}`);
      await db.close();
    }
  });

  test('with preparedStatements false nothing is prepared', async () => {
    expect(await prepared(false)).toEqual([]);
  });
});
