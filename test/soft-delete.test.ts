// The soft-delete service, for every model that can be deleted: the row disappears from the scoped
// client, keeps its data with who and when for the recycle bin, comes back on restore, and another
// organization can neither delete nor restore it. Concurrent deletes of one row: exactly one wins.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scopedClient } from '../src/db/scope.js';
import { restore, softDelete, type SoftDeletable } from '../src/domain/kit/soft-delete.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
});
afterAll(() => t.close());

/** A fresh row of each deletable model in `tenant`. */
const make: Record<SoftDeletable, (tenant: Tenant) => Promise<number>> = {
  company: async (x) => (await x.db.company.create({ data: { organizationId: x.organizationId, name: 'Doomed' } })).id,
  project: async (x) =>
    (await x.db.project.create({ data: { organizationId: x.organizationId, companyId: x.companies.acme, name: 'Doomed', number: 9 } }))
      .id,
  deal: async (x) =>
    (
      await x.db.deal.create({
        data: {
          organizationId: x.organizationId,
          companyId: x.companies.acme,
          name: 'Doomed',
          number: 9,
          date: new Date('2021-04-15'),
          currency: 'USD',
          exchangeRate: '1',
          exchangeDate: new Date('2021-04-15'),
        },
      })
    ).id,
  serviceType: async (x) => (await x.db.serviceType.create({ data: { organizationId: x.organizationId, name: 'Doomed' } })).id,
  expense: (x) => x.expense({ name: 'Doomed' }),
  contract: async (x) =>
    (
      await x.db.contract.create({
        data: {
          organizationId: x.organizationId,
          templateId: x.deals.usd,
          intervalId: 1,
          nextOccurrenceOn: new Date('2031-02-01'),
          anchorOn: new Date('2031-02-01'),
        },
      })
    ).id,
  invoice: async (x) =>
    (
      await x.db.invoice.create({
        data: {
          organizationId: x.organizationId,
          companyId: x.companies.acme,
          creatorId: x.personId,
          invoicedOn: new Date('2021-04-15'),
          currency: 'USD',
          exchangeRate: '1',
          exchangeDate: new Date('2021-04-15'),
        },
      })
    ).id,
};

type Row = { id: number; deletedAt: Date | null; deleterId: number | null } | null;
const raw = (model: SoftDeletable, id: number): Promise<Row> =>
  (t.db.prisma[model] as unknown as { findUnique(a: object): Promise<Row> }).findUnique({ where: { id } });
const visible = async (tenant: Tenant, model: SoftDeletable, id: number) =>
  (await (tenant.db[model] as unknown as { count(a: object): Promise<number> }).count({ where: { id } })) === 1;

describe.each(Object.keys(make) as SoftDeletable[])('%s', (model) => {
  test('delete hides it and records who and when; restore brings it back', async () => {
    const id = await make[model](a);
    const before = Date.now();
    expect(await softDelete(a.db, model, id, a.viewer, 'Thing')).toEqual({ ok: true, value: { id } });
    expect(await visible(a, model, id)).toBe(false);
    const deleted = await raw(model, id);
    expect(deleted?.deleterId).toBe(a.personId);
    expect(deleted?.deletedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Deleting again: it is not there any more.
    const again = await softDelete(a.db, model, id, a.viewer, 'Thing');
    expect(again).toEqual({ ok: false, errors: [{ field: ['input', 'id'], message: 'Thing not found', code: 'NOT_FOUND' }] });

    const bin = scopedClient(t.db.prisma, { organizationId: a.organizationId, includeDeleted: true });
    expect(await restore(bin, model, id, 'Thing')).toEqual({ ok: true, value: { id } });
    expect(await visible(a, model, id)).toBe(true);
    expect(await raw(model, id)).toMatchObject({ deletedAt: null, deleterId: null });
    // Restoring what is not deleted is NOT_FOUND, and changes nothing.
    expect((await restore(bin, model, id, 'Thing')).ok).toBe(false);
  });

  test("another organization can neither delete nor restore it", async () => {
    const id = await make[model](a);
    expect((await softDelete(b.db, model, id, b.viewer, 'Thing')).ok).toBe(false);
    expect(await visible(a, model, id)).toBe(true);
    await softDelete(a.db, model, id, a.viewer, 'Thing');
    const otherBin = scopedClient(t.db.prisma, { organizationId: b.organizationId, includeDeleted: true });
    expect((await restore(otherBin, model, id, 'Thing')).ok).toBe(false);
    expect(await raw(model, id)).toMatchObject({ deleterId: a.personId });
  });
});

test('the database refuses a deleter on a row that is not deleted, and a deleter from another organization', async () => {
  const id = await make.company(a);
  await expect(t.db.prisma.company.update({ where: { id }, data: { deleterId: a.personId } })).rejects.toThrow();
  await expect(
    t.db.prisma.company.update({ where: { id }, data: { deletedAt: new Date(), deleterId: b.personId } }),
  ).rejects.toThrow();
  expect(await raw('company', id)).toMatchObject({ deletedAt: null, deleterId: null });
});

test('twenty concurrent deletes of one row: exactly one succeeds', async () => {
  const id = await make.expense(a);
  const results = await Promise.all(Array.from({ length: 20 }, () => softDelete(a.db, 'expense', id, a.viewer, 'Expense')));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
  expect(results.filter((r) => !r.ok)).toHaveLength(19);
});

test('restoring an expense whose position was taken meanwhile is a CONFLICT, not an internal error', async () => {
  const id = await make.expense(a);
  const { position, dealId } = await a.db.expense.findUniqueOrThrow({ where: { id } });
  await softDelete(a.db, 'expense', id, a.viewer, 'Expense');
  await a.expense({ name: 'Usurper', dealId, currency: 'EUR', position });
  const bin = scopedClient(t.db.prisma, { organizationId: a.organizationId, includeDeleted: true });
  expect(await restore(bin, 'expense', id, 'Expense')).toEqual({
    ok: false,
    errors: [{ field: ['input', 'id'], message: 'cannot be restored: its place is taken by a live record', code: 'CONFLICT' }],
  });
  expect((await raw('expense', id))?.deletedAt).not.toBeNull();
});
