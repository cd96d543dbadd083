// The tenant scope at the data layer, exercised directly on the Prisma client: it must hold for
// every operation, nested relations and counts, and inside interactive transactions.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scopedClient, ScopeViolation } from '../src/db/scope.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;
let aExpense: number;
let bExpense: number;
let aDeleted: number;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
  aExpense = await a.expense({ name: 'A live' });
  aDeleted = await a.expense({ name: 'A deleted' });
  await a.db.expense.updateMany({ where: { id: aDeleted }, data: { deletedAt: new Date() } });
  bExpense = await b.expense({ name: 'B live' });
});
afterAll(() => t.close());

describe('reads', () => {
  test('lists, counts and aggregates see only the organization and no deleted rows', async () => {
    expect((await a.db.expense.findMany()).map((e) => e.id)).toEqual([aExpense]);
    expect(await a.db.expense.count()).toBe(1);
    expect((await a.db.expense.aggregate({ _sum: { amount: true } }))._sum.amount).toBe(10000n);
    const groups = await a.db.expense.groupBy({ by: ['currency'], _count: { _all: true } });
    expect(groups.map((g) => g._count._all)).toEqual([1]);
  });

  test("another organization's row is not found by unique lookups, even with an explicit organizationId", async () => {
    expect(await a.db.expense.findUnique({ where: { id: bExpense } })).toBeNull();
    expect(await a.db.expense.findFirst({ where: { id: bExpense, organizationId: b.organizationId } })).toBeNull();
    expect(await a.db.expense.findUnique({ where: { id: aDeleted } })).toBeNull();
  });

  test('nested to-many relations and relation counts are scoped too', async () => {
    const deal = await a.db.deal.findUniqueOrThrow({
      where: { id: a.deals.eur },
      include: { expenses: true, _count: { select: { expenses: true } } },
    });
    expect(deal.expenses.map((e) => e.id)).toEqual([aExpense]);
    expect(deal._count.expenses).toBe(1);
    const organization = await a.db.organization.findUniqueOrThrow({
      where: { id: a.organizationId },
      select: { expenses: { select: { id: true } }, _count: true },
    });
    expect(organization.expenses.map((e) => e.id)).toEqual([aExpense]);
    expect(organization._count.expenses).toBe(1);
  });

  test('people are visible only through a membership; organizations only the own one', async () => {
    expect(await a.db.person.findUnique({ where: { id: b.personId } })).toBeNull();
    expect((await a.db.person.findMany()).map((p) => p.id)).toEqual([a.personId]);
    expect(await a.db.organization.findMany()).toHaveLength(1);
  });

  test('the recycle-bin view includes deleted rows of the organization, still not other organizations', async () => {
    const bin = scopedClient(t.db.prisma, { organizationId: a.organizationId, includeDeleted: true });
    expect((await bin.expense.findMany({ orderBy: { id: 'asc' } })).map((e) => e.id)).toEqual([aExpense, aDeleted]);
  });
});

describe('writes', () => {
  test('creates are stamped with the organization, whatever the data says', async () => {
    const company = await a.db.company.create({ data: { organizationId: b.organizationId, name: 'Sneaky' } });
    expect(company.organizationId).toBe(a.organizationId);
  });

  test("updates and updateMany cannot reach another organization's rows", async () => {
    const before = await t.db.prisma.expense.findUniqueOrThrow({ where: { id: bExpense } });
    expect((await a.db.expense.updateMany({ where: { id: bExpense }, data: { name: 'hacked' } })).count).toBe(0);
    await expect(a.db.expense.update({ where: { id: bExpense }, data: { name: 'hacked' } })).rejects.toThrow();
    expect(await t.db.prisma.expense.findUniqueOrThrow({ where: { id: bExpense } })).toEqual(before);
  });

  test('hard deletes of soft-deleted models, raw SQL, and system models are refused', async () => {
    await expect(a.db.expense.delete({ where: { id: aExpense } })).rejects.toThrow(ScopeViolation);
    await expect(a.db.expense.deleteMany()).rejects.toThrow(ScopeViolation);
    await expect(a.db.$queryRaw`SELECT 1`).rejects.toThrow(ScopeViolation);
    await expect(a.db.$executeRawUnsafe('DELETE FROM expenses')).rejects.toThrow(ScopeViolation);
    await expect(a.db.apiToken.findMany()).rejects.toThrow(ScopeViolation);
    await expect(a.db.person.create({ data: { firstName: 'x', lastName: 'y', email: 'x@y.z' } })).rejects.toThrow(
      ScopeViolation,
    );
    expect(await t.db.prisma.expense.count({ where: { organizationId: b.organizationId } })).toBe(1);
  });

  test('the database refuses a reference into another organization even if the scope were bypassed', async () => {
    const row = await t.db.prisma.expense.findUniqueOrThrow({ where: { id: aExpense } });
    const { id: _id, ...copy } = row;
    await expect(t.db.prisma.expense.create({ data: { ...copy, dealId: b.deals.eur } })).rejects.toThrow();
  });
});

describe('inside interactive transactions', () => {
  test('the transaction client carries the scope, and a failure rolls everything back', async () => {
    await expect(
      a.db.$transaction(async (tx) => {
        expect(await tx.expense.findUnique({ where: { id: bExpense } })).toBeNull();
        expect(await tx.expense.count()).toBe(1);
        const created = await tx.company.create({ data: { organizationId: b.organizationId, name: 'In tx' } });
        expect(created.organizationId).toBe(a.organizationId);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await t.db.prisma.company.count({ where: { name: 'In tx' } })).toBe(0);
  });
});
