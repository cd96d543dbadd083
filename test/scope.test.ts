// The tenant scope at the data layer, exercised directly on the Prisma client: it must hold for
// every operation, nested relations and counts, and inside interactive transactions.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scopeArgs, scopedClient, ScopeViolation } from '../src/db/scope.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { execute, startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

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

describe('the scoped client', () => {
  test('is built once per organization and visibility, and never shared across them', async () => {
    const p = t.db.prisma;
    const aClient = scopedClient(p, { organizationId: a.organizationId });
    expect(scopedClient(p, { organizationId: a.organizationId })).toBe(aClient);
    expect(scopedClient(p, { organizationId: a.organizationId, includeDeleted: false })).toBe(aClient);
    expect(scopedClient(p, { organizationId: b.organizationId })).not.toBe(aClient);
    expect(scopedClient(p, { organizationId: a.organizationId, includeDeleted: true })).not.toBe(aClient);
    // The reused clients keep their own scope: each sees only its organization's expenses.
    const seen = async (organizationId: number) =>
      new Set((await scopedClient(p, { organizationId }).expense.findMany({ select: { organizationId: true } })).map((e) => e.organizationId));
    expect(await seen(a.organizationId)).toEqual(new Set([a.organizationId]));
    expect(await seen(b.organizationId)).toEqual(new Set([b.organizationId]));
  });
});

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

  test("a unique lookup by another organization's id finds nothing, also where the id is the scope key", async () => {
    expect(await a.db.organization.findUnique({ where: { id: b.organizationId } })).toBeNull();
    await expect(a.db.organization.findUniqueOrThrow({ where: { id: b.organizationId } })).rejects.toThrow();
    expect(await a.db.organization.findUnique({ where: { id: a.organizationId } })).toMatchObject({ id: a.organizationId });
    expect(await a.db.company.findUnique({ where: { organizationId_id: { organizationId: b.organizationId, id: b.companies.acme } } })).toBeNull();
    const Node = parse('query ($id: ID!) { node(id: $id) { id } }') as TypedDocumentNode<{ node: { id: string } | null }, { id: string }>;
    const other = await execute(t.app, Node, { id: gid('Organization', b.organizationId) }, { token: a.token });
    expect(other.body.data?.node).toBeNull();
    const own = await execute(t.app, Node, { id: gid('Organization', a.organizationId) }, { token: a.token });
    expect(own.body.data?.node?.id).toBe(gid('Organization', a.organizationId));
  });

  test('a unique where stays plain equality (batchable) unless a key collides; then the scope is ANDed', () => {
    const scope = { organizationId: 7 };
    expect(scopeArgs('Expense', 'findUnique', { where: { id: 1 } }, scope).where).toEqual({ id: 1, organizationId: 7, deletedAt: null });
    expect(scopeArgs('Organization', 'findUnique', { where: { id: 7 } }, scope).where).toEqual({ id: 7 });
    expect(scopeArgs('Organization', 'findUnique', { where: { id: 9 } }, scope).where).toEqual({ id: 9, AND: [{ id: 7 }] });
    expect(scopeArgs('Expense', 'update', { where: { id: 1, organizationId: 8 }, data: {} }, scope).where).toEqual({
      id: 1,
      organizationId: 8,
      AND: [{ organizationId: 7, deletedAt: null }],
    });
  });

  test('filters across to-many relations only see the organization; every() ignores rows outside it', async () => {
    // A person in two organizations, with an expense in each (own tenants: the counts above stay put).
    const c = await createTenant(t.db.prisma);
    const d = await createTenant(t.db.prisma);
    const shared = await c.member();
    await t.db.prisma.membership.create({ data: { organizationId: d.organizationId, personId: shared.personId } });
    await t.db.prisma.expense.update({ where: { id: await c.expense({ name: 'shared C' }) }, data: { creatorId: shared.personId } });
    await t.db.prisma.expense.update({ where: { id: await d.expense({ name: 'shared D' }) }, data: { creatorId: shared.personId } });
    const people = (where: object) =>
      c.db.person.findMany({ where: { id: shared.personId, ...where }, select: { id: true } }).then((r) => r.map((p) => p.id));
    expect(await people({ createdExpenses: { some: { name: 'shared D' } } })).toEqual([]);
    expect(await people({ createdExpenses: { some: { name: 'shared C' } } })).toEqual([shared.personId]);
    expect(await people({ createdExpenses: { none: { name: 'shared D' } } })).toEqual([shared.personId]);
    expect(await people({ createdExpenses: { every: { name: { not: 'shared D' } } } })).toEqual([shared.personId]);
    expect(await people({ createdExpenses: { every: { name: 'shared C' } } })).toEqual([shared.personId]);
    expect(await people({ OR: [{ memberships: { some: { organizationId: d.organizationId } } }] })).toEqual([]);
    const viaToOne = await c.db.membership.count({
      where: { person: { is: { memberships: { some: { organizationId: d.organizationId } } } } },
    });
    expect(viaToOne).toBe(0);
  });

  test('ordering across to-one relations works; by a to-many count or with a cursor it is refused', async () => {
    const byDeal = await a.db.expense.findMany({ orderBy: [{ deal: { name: 'asc' } }, { id: 'asc' }] });
    expect(byDeal.length).toBeGreaterThan(0);
    await expect(a.db.deal.findMany({ orderBy: { expenses: { _count: 'desc' } } })).rejects.toThrow(ScopeViolation);
    await expect(a.db.expense.findMany({ cursor: { id: aExpense }, take: 1 })).rejects.toThrow(/cursor/);
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
  test('creates are stamped with the organization; naming another organization is refused', async () => {
    const company = await a.db.company.create({ data: { name: 'Stamped' } as never });
    expect(company.organizationId).toBe(a.organizationId);
    await expect(a.db.company.create({ data: { organizationId: b.organizationId, name: 'Sneaky' } })).rejects.toThrow(
      ScopeViolation,
    );
    expect(await t.db.prisma.company.count({ where: { name: 'Sneaky' } })).toBe(0);
  });

  test('organizationId is never written by an update, and nested relation writes are refused', async () => {
    await expect(
      a.db.company.updateMany({ where: { id: a.companies.acme }, data: { organizationId: a.organizationId } }),
    ).rejects.toThrow(/organizationId cannot be changed/);
    await expect(
      a.db.project.update({ where: { id: a.projects.website }, data: { company: { connect: { id: a.companies.globex } } } }),
    ).rejects.toThrow(/nested relation writes/);
    await expect(
      a.db.organization.update({ where: { id: a.organizationId }, data: { id: a.organizationId } }),
    ).rejects.toThrow(ScopeViolation);
    const renamed = await a.db.organization.update({ where: { id: a.organizationId }, data: { name: 'Renamed' } });
    expect(renamed.id).toBe(a.organizationId);
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
    // Absent from the scoped client's type, and refused at run time for code that casts it away.
    // @ts-expect-error raw SQL is not part of ScopedClient
    void a.db.$queryRaw;
    const untyped = a.db as unknown as PrismaClient;
    await expect(untyped.$queryRaw`SELECT 1`).rejects.toThrow(ScopeViolation);
    await expect(untyped.$executeRawUnsafe('DELETE FROM expenses')).rejects.toThrow(ScopeViolation);
    expect(() => untyped.$extends({})).toThrow(ScopeViolation);
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
  test('a transaction client cannot open another transaction, nor reach raw SQL', async () => {
    await expect(
      a.db.$transaction(async (tx) => (tx as unknown as PrismaClient).$transaction(async () => 1)),
    ).rejects.toThrow(ScopeViolation);
    await expect(a.db.$transaction(async (tx) => (tx as unknown as PrismaClient).$queryRaw`SELECT 1`)).rejects.toThrow(
      ScopeViolation,
    );
  });

  test('the transaction client carries the scope, and a failure rolls everything back', async () => {
    await expect(
      a.db.$transaction(async (tx) => {
        expect(await tx.expense.findUnique({ where: { id: bExpense } })).toBeNull();
        expect(await tx.expense.count()).toBe(1);
        const created = await tx.company.create({ data: { organizationId: a.organizationId, name: 'In tx' } });
        expect(created.organizationId).toBe(a.organizationId);
        await expect(tx.company.updateMany({ data: { organizationId: b.organizationId } })).rejects.toThrow(ScopeViolation);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await t.db.prisma.company.count({ where: { name: 'In tx' } })).toBe(0);
  });
});

describe('database guards, whatever the client', () => {
  const TENANT_TABLES = ['companies', 'projects', 'deals', 'service_types', 'expenses', 'memberships'];

  test.each(TENANT_TABLES)('UPDATE %s SET organization_id is refused by a trigger', async (table) => {
    await expect(
      t.db.prisma.$executeRawUnsafe(`UPDATE "${table}" SET organization_id = $1 WHERE organization_id = $2`, b.organizationId, a.organizationId),
    ).rejects.toThrow(/organization_id of .* is immutable/);
  });

  test('the unscoped client cannot move a row either; other columns still update', async () => {
    // A row nothing references, so that only the trigger stands in the way.
    const lone = await t.db.prisma.company.create({ data: { organizationId: a.organizationId, name: 'Lone' } });
    await expect(
      t.db.prisma.company.update({ where: { id: lone.id }, data: { organizationId: b.organizationId } }),
    ).rejects.toThrow(/immutable/);
    const renamed = await t.db.prisma.company.update({ where: { id: lone.id }, data: { name: 'Still lone', organizationId: a.organizationId } });
    expect(renamed).toMatchObject({ organizationId: a.organizationId, name: 'Still lone' });
  });

  test('a referenced key cannot be updated (ON UPDATE RESTRICT, no cascade)', async () => {
    const fresh = 2_000_000_000;
    await expect(t.db.prisma.organization.update({ where: { id: a.organizationId }, data: { id: fresh } })).rejects.toThrow();
    await expect(t.db.prisma.company.update({ where: { id: a.companies.acme }, data: { id: fresh } })).rejects.toThrow();
    await expect(t.db.prisma.person.update({ where: { id: a.personId }, data: { id: fresh } })).rejects.toThrow();
    await expect(t.db.prisma.$executeRawUnsafe('UPDATE deals SET id = $1 WHERE id = $2', fresh, a.deals.eur)).rejects.toThrow();
    expect(await t.db.prisma.organization.count({ where: { id: a.organizationId } })).toBe(1);
    expect(await t.db.prisma.company.count({ where: { id: a.companies.acme } })).toBe(1);
  });

  test('every foreign key restricts updates, and every table with organization_id has the trigger', async () => {
    const cascading = await t.db.scripts.query<{ conname: string }>(
      // Ours only: the webhook queue's pg-boss keeps its own tables in its own schema.
      "SELECT conname FROM pg_constraint WHERE contype = 'f' AND confupdtype <> 'r' AND connamespace = 'public'::regnamespace ORDER BY conname",
    );
    expect(cascading).toEqual([]);
    const unguarded = await t.db.scripts.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
        WHERE c.table_schema = 'public' AND c.column_name = 'organization_id'
          AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = format('%I', c.table_name)::regclass
                          AND g.tgfoid = '"organization_id_immutable"'::regproc)
        ORDER BY 1`,
    );
    expect(unguarded).toEqual([]);
  });
});
