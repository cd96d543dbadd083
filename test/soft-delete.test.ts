// Soft delete and restore through the one recycle-bin service, for every kind of row a delete
// mutation puts in the bin: the row disappears from the scoped client, keeps its data with who and
// when, has its entry in the bin, comes back on restore, and another organization can neither
// delete nor restore it. Concurrent deletes of one row: exactly one wins.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scopedClient } from '../src/db/scope.js';
import type { ScopedClient } from '../src/db/scope.js';
import { BIN_RULES } from '../src/domain/bin-rules.js';
import { restoreDeletedItem } from '../src/domain/bin-restore.js';
import { deleteContract } from '../src/domain/contracts.js';
import { deleteDeal } from '../src/domain/deals.js';
import { deleteExpense } from '../src/domain/expenses.js';
import { deleteInvoice } from '../src/domain/invoices.js';
import type { Result } from '../src/domain/kit/result.js';
import { deleteItem } from '../src/domain/recycle-bin.js';
import type { Viewer } from '../src/domain/viewer.js';
import type { TestApp } from './helpers/app.js';
import { appWithTwoTenants, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;

beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

type Model = 'project' | 'deal' | 'expense' | 'contract' | 'invoice';

/** A fresh row of each kind in `tenant`. */
const make: Record<Model, (tenant: Tenant) => Promise<number>> = {
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

/** The service's front door per model: the generic delete, or the domain's own (deals and invoices lock first). */
const remove: Record<Model, (db: ScopedClient, viewer: Viewer, id: number) => Promise<Result<{ id: number }>>> = {
  project: (db, viewer, id) => deleteItem(db, viewer, 'project', id),
  deal: deleteDeal,
  expense: deleteExpense,
  contract: deleteContract,
  invoice: deleteInvoice,
};

type Row = { id: number; deletedAt: Date | null; deleterId: number | null } | null;
const raw = (model: Model | 'company', id: number): Promise<Row> =>
  (t.db.prisma[model] as unknown as { findUnique(a: object): Promise<Row> }).findUnique({ where: { id } });
const visible = async (tenant: Tenant, model: Model, id: number) =>
  (await (tenant.db[model] as unknown as { count(a: object): Promise<number> }).count({ where: { id } })) === 1;
/** The tenant's person's bin client, as a request has it. */
const binOf = (tenant: Tenant) => scopedClient(t.db.prisma, { organizationId: tenant.organizationId, personId: tenant.personId, includeDeleted: true });
const entryOf = (tenant: Tenant, model: Model, id: number) =>
  t.db.prisma.deletedItem.findFirst({ where: { organizationId: tenant.organizationId, itemType: { in: [...BIN_RULES[model].itemTypes] }, itemId: id }, orderBy: { id: 'desc' } });
const codes = (result: Result<unknown>) => (result.ok ? [] : result.errors.map((e) => e.code));

describe.each(Object.keys(make) as Model[])('%s', (model) => {
  test('delete hides it, records who and when and files one entry; restore brings it back', async () => {
    const id = await make[model](a);
    const before = Date.now();
    const removed = await remove[model](a.db, a.viewer, id);
    expect(await visible(a, model, id)).toBe(false);
    const deleted = await raw(model, id);
    expect(deleted?.deleterId).toBe(a.personId);
    expect(deleted?.deletedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const entry = await entryOf(a, model, id);
    expect(entry).toMatchObject({ deleterId: a.personId, stamp: deleted?.deletedAt, recoveredAt: null });
    // The delete answers the entry it filed (the payload's `deletedItem`).
    expect(removed).toEqual({ ok: true, value: { id, entryId: entry!.id } });

    // Deleting again: it is not there any more.
    const again = await remove[model](a.db, a.viewer, id);
    expect(again).toEqual({ ok: false, errors: [{ field: ['input', 'id'], message: `${BIN_RULES[model].what} not found`, code: 'NOT_FOUND' }] });

    expect((await restoreDeletedItem(binOf(a), a.viewer, entry!.id)).ok).toBe(true);
    expect(await visible(a, model, id)).toBe(true);
    expect(await raw(model, id)).toMatchObject({ deletedAt: null, deleterId: null });
    // Restoring again changes nothing.
    expect(codes(await restoreDeletedItem(binOf(a), a.viewer, entry!.id))).toEqual(['ALREADY_RESTORED']);
  });

  test('another organization can neither delete nor restore it', async () => {
    const id = await make[model](a);
    expect(codes(await remove[model](b.db, b.viewer, id))).toEqual(['NOT_FOUND']);
    expect(await visible(a, model, id)).toBe(true);
    await remove[model](a.db, a.viewer, id);
    const entry = await entryOf(a, model, id);
    expect(codes(await restoreDeletedItem(binOf(b), b.viewer, entry!.id))).toEqual(['NOT_FOUND']);
    expect(await raw(model, id)).toMatchObject({ deleterId: a.personId });
    expect((await t.db.prisma.deletedItem.findUniqueOrThrow({ where: { id: entry!.id } })).recoveredAt).toBeNull();
  });
});

test('the database refuses a deleter on a row that is not deleted, and a deleter from another organization', async () => {
  const id = (await a.db.company.create({ data: { organizationId: a.organizationId, name: 'Doomed' } })).id;
  await expect(t.db.prisma.company.update({ where: { id }, data: { deleterId: a.personId } })).rejects.toThrow();
  await expect(
    t.db.prisma.company.update({ where: { id }, data: { deletedAt: new Date(), deleterId: b.personId } }),
  ).rejects.toThrow();
  expect(await raw('company', id)).toMatchObject({ deletedAt: null, deleterId: null });
});

test('twenty concurrent deletes of one row: exactly one succeeds, with one entry', async () => {
  const id = await make.expense(a);
  const results = await Promise.all(Array.from({ length: 20 }, () => deleteExpense(a.db, a.viewer, id)));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
  expect(results.filter((r) => !r.ok)).toHaveLength(19);
  expect(await t.db.prisma.deletedItem.count({ where: { organizationId: a.organizationId, itemType: 'expense', itemId: id } })).toBe(1);
});

test('restoring an expense whose position was taken meanwhile puts it last on its deal', async () => {
  const id = await make.expense(a);
  const { position, dealId } = await a.db.expense.findUniqueOrThrow({ where: { id } });
  await deleteExpense(a.db, a.viewer, id);
  await a.expense({ name: 'Usurper', dealId, currency: 'EUR', position });
  const entry = await entryOf(a, 'expense', id);
  expect((await restoreDeletedItem(binOf(a), a.viewer, entry!.id)).ok).toBe(true);
  const last = await a.db.expense.aggregate({ where: { dealId }, _max: { position: true } });
  expect(await raw('expense', id)).toMatchObject({ deletedAt: null });
  expect((await a.db.expense.findUniqueOrThrow({ where: { id } })).position).toBe(last._max.position);
  expect(last._max.position).toBeGreaterThan(position);
});
