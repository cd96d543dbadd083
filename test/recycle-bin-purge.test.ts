// Purging (issue 11): `purgeDeletedItem` erases the entry's object for good, with what went with it
// and what was deleted on its own before and cannot live without it (their entries too), and cuts
// the links of live rows that pointed at it; the operator's `bin purge --older-than` does the same
// for old entries. Only rows in the bin can ever be erased.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/index.js';
import { scopedClient, ScopeViolation } from '../src/db/scope.js';
import { graphql } from './generated/index.js';
import { as, data, startApp, type TestApp } from './helpers/app.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { DeleteContract, DeleteDeal, DeleteExpense, DeleteInvoice } from './helpers/mutations.js';

const Purge = graphql(`
  mutation BinPurge($input: PurgeDeletedItemInput!) {
    purgeDeletedItem(input: $input) { purgedDeletedItemId purgedItemId userErrors { field message code } }
  }
`);

const RestoreAfterPurge = graphql(`
  mutation BinPurgeRestore($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) { item { __typename } userErrors { field message code } }
  }
`);

const PurgeBin = graphql(`
  query BinPurgeList { deletedItems { totalCount nodes { itemType name } } }
`);

const PurgeDeal = graphql(`
  query BinPurgeDeal($id: ID!) { deal(id: $id) { name contract { id } originDeal { id } expenses { totalCount } } }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

const entryOf = async (tenant: Tenant, itemType: string, itemId: number) =>
  gid('DeletedItem', (await tenant.db.deletedItem.findFirstOrThrow({ where: { itemType, itemId, recoveredAt: null } })).id);

async function budget(tenant: Tenant, name: string, extra: { contractId?: number; originDealId?: number } = {}) {
  const deal = await tenant.db.deal.create({
    data: {
      organizationId: tenant.organizationId, companyId: tenant.companies.acme, name, number: 70, budget: true,
      date: day('2021-01-01'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-01'), ...extra,
    },
  });
  return deal.id;
}

async function invoice(tenant: Tenant, number: string, parentInvoiceId?: number) {
  const row = await tenant.db.invoice.create({
    data: {
      organizationId: tenant.organizationId, companyId: tenant.companies.globex, creatorId: tenant.personId, number,
      amount: parentInvoiceId ? -1000n : 5000n, invoiceTypeId: parentInvoiceId ? 2 : 1, parentInvoiceId,
      invoicedOn: day('2021-01-24'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-24'),
    },
  });
  return row.id;
}

const attribute = (tenant: Tenant, invoiceId: number, dealId: number, amount: bigint) =>
  tenant.db.invoiceAttribution.create({
    data: {
      organizationId: tenant.organizationId, invoiceId, dealId, amount, currency: 'USD',
      amountDefault: amount, amountNormalized: amount, normalizedCurrency: 'USD',
    },
  });

/** Rows of a table whatever their state, through the unscoped client. */
const exists = {
  deal: (id: number) => t.db.prisma.deal.count({ where: { id } }),
  expense: (id: number) => t.db.prisma.expense.count({ where: { id } }),
  invoice: (id: number) => t.db.prisma.invoice.count({ where: { id } }),
  contract: (id: number) => t.db.prisma.contract.count({ where: { id } }),
  attribution: (id: number) => t.db.prisma.invoiceAttribution.count({ where: { id } }),
};

describe('purgeDeletedItem', () => {
  test('a budget goes for good with what went with it and what was deleted on its own before; live rows lose the link', async () => {
    const a = await createTenant(t.db.prisma);
    const dealId = await budget(a, 'Doomed');
    const alone = await a.expense({ dealId, name: 'deleted on its own first', currency: 'USD' });
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', alone) } }, as(a));
    const along = await a.expense({ dealId, name: 'goes along', currency: 'USD' });
    const inv = await invoice(a, 'P-1');
    const attribution = await attribute(a, inv, dealId, 1000n);
    const contract = await a.db.contract.create({
      data: { organizationId: a.organizationId, templateId: dealId, intervalId: 1, nextOccurrenceOn: day('2031-01-01'), anchorOn: day('2031-01-01') },
    });
    // A budget the contract generated, and a copy of the template: both live on.
    const generated = await budget(a, 'Doomed 2021/01', { contractId: contract.id, originDealId: dealId });
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', dealId) } }, as(a));

    const result = await data(t.app, Purge, { input: { id: await entryOf(a, 'budget', dealId) } }, as(a));
    expect(result.purgeDeletedItem.userErrors).toEqual([]);
    expect(result.purgeDeletedItem.purgedItemId).toBe(gid('Deal', dealId));

    expect(await exists.deal(dealId)).toBe(0);
    expect(await exists.expense(along)).toBe(0);
    expect(await exists.expense(alone)).toBe(0);
    expect(await exists.attribution(attribution.id)).toBe(0);
    expect(await exists.contract(contract.id)).toBe(0);
    // The separately deleted expense's entry went too; the bin is empty.
    expect((await data(t.app, PurgeBin, {}, as(a))).deletedItems.totalCount).toBe(0);
    expect(await t.db.prisma.deletedItem.count({ where: { organizationId: a.organizationId } })).toBe(0);
    // The invoice lives on, without the attribution; the generated budget without its contract and origin.
    expect(await a.db.invoice.count({ where: { id: inv } })).toBe(1);
    const left = await data(t.app, PurgeDeal, { id: gid('Deal', generated) }, as(a));
    expect(left.deal).toEqual({ name: 'Doomed 2021/01', contract: null, originDeal: null, expenses: { totalCount: 0 } });
  });

  test('an expense purged alone leaves its budget and the rest alone; the entry cannot be restored or purged again', async () => {
    const a = await createTenant(t.db.prisma);
    const keep = await a.expense({ name: 'stays', amount: 700n });
    const gone = await a.expense({ name: 'goes', amount: 300n });
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', gone) } }, as(a));
    const entry = await entryOf(a, 'expense', gone);
    expect((await data(t.app, Purge, { input: { id: entry } }, as(a))).purgeDeletedItem.userErrors).toEqual([]);
    expect(await exists.expense(gone)).toBe(0);
    expect(await a.db.expense.count({ where: { id: keep } })).toBe(1);
    const again = await data(t.app, Purge, { input: { id: entry } }, as(a));
    expect(again.purgeDeletedItem).toEqual({
      purgedDeletedItemId: null, purgedItemId: null,
      userErrors: [{ field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' }],
    });
    const restore = await data(t.app, RestoreAfterPurge, { input: { id: entry } }, as(a));
    expect(restore.restoreDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
  });

  test('an invoice takes its credit notes and attributions; a contract only cuts the link of its budgets', async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 'P-2');
    const note = await invoice(a, 'P-2-CN', inv);
    const attribution = await attribute(a, inv, a.deals.usd, 2000n);
    await data(t.app, DeleteInvoice, { input: { id: gid('Invoice', inv) } }, as(a));
    expect((await data(t.app, Purge, { input: { id: await entryOf(a, 'invoice', inv) } }, as(a))).purgeDeletedItem.userErrors).toEqual([]);
    expect([await exists.invoice(inv), await exists.invoice(note), await exists.attribution(attribution.id)]).toEqual([0, 0, 0]);
    expect(await a.db.deal.count({ where: { id: a.deals.usd } })).toBe(1);

    const contract = await a.db.contract.create({
      data: { organizationId: a.organizationId, templateId: a.deals.usd, intervalId: 1, nextOccurrenceOn: day('2031-01-01'), anchorOn: day('2031-01-01') },
    });
    const generated = await budget(a, 'Monthly', { contractId: contract.id });
    await data(t.app, DeleteContract, { input: { id: gid('Contract', contract.id) } }, as(a));
    expect((await data(t.app, Purge, { input: { id: await entryOf(a, 'contract', contract.id) } }, as(a))).purgeDeletedItem.userErrors).toEqual([]);
    expect(await exists.contract(contract.id)).toBe(0);
    expect((await a.db.deal.findUniqueOrThrow({ where: { id: generated } })).contractId).toBeNull();
    expect(await a.db.deal.count({ where: { id: a.deals.usd } })).toBe(1);
  });

  test("another organization's entry, another person's private one, or a restored one is not found; nothing is erased", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'mine' });
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', id) } }, as(a));
    const entry = await entryOf(a, 'expense', id);
    expect((await data(t.app, Purge, { input: { id: entry } }, as(b))).purgeDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
    await a.db.deletedItem.updateMany({ where: { itemId: id, itemType: 'expense' }, data: { private: true } });
    const other = await a.member();
    expect((await data(t.app, Purge, { input: { id: entry } }, { token: other.token })).purgeDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
    expect(await exists.expense(id)).toBe(1);
    expect((await data(t.app, RestoreAfterPurge, { input: { id: entry } }, as(a))).restoreDeletedItem.userErrors).toEqual([]);
    expect((await data(t.app, Purge, { input: { id: entry } }, as(a))).purgeDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
    expect(await a.db.expense.count({ where: { id } })).toBe(1);
  });

  test('a purge racing restores of the same entry: exactly one of them wins, and the state says which', async () => {
    const a = await createTenant(t.db.prisma);
    const dealId = await budget(a, 'Contested');
    await a.expense({ dealId, name: 'child', currency: 'USD' });
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', dealId) } }, as(a));
    const entry = await entryOf(a, 'budget', dealId);
    const calls = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0
        ? data(t.app, Purge, { input: { id: entry } }, as(a)).then((r) => ({ kind: 'purge', ok: r.purgeDeletedItem.userErrors.length === 0 }))
        : data(t.app, RestoreAfterPurge, { input: { id: entry } }, as(a)).then((r) => ({ kind: 'restore', ok: r.restoreDeletedItem.userErrors.length === 0 })),
    );
    const results = await Promise.all(calls);
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    if (winners[0]!.kind === 'purge') {
      expect(await exists.deal(dealId)).toBe(0);
    } else {
      expect(await a.db.deal.count({ where: { id: dealId } })).toBe(1);
      expect(await a.db.expense.count({ where: { dealId } })).toBe(1);
    }
  });
});

describe('only rows in the bin can be erased', () => {
  test("the bin's client erases deleted rows only; the ordinary client erases nothing", async () => {
    const a = await createTenant(t.db.prisma);
    const live = await a.expense({ name: 'live' });
    const bin = scopedClient(t.db.prisma, { organizationId: a.organizationId, includeDeleted: true });
    expect((await bin.expense.deleteMany({ where: { id: live } })).count).toBe(0);
    expect(await a.db.expense.count({ where: { id: live } })).toBe(1);
    await expect(a.db.expense.deleteMany({ where: { id: live } })).rejects.toThrow(ScopeViolation);
    // Nor another organization's deleted rows.
    const b = await createTenant(t.db.prisma);
    const theirs = await b.expense({ name: 'theirs' });
    await b.db.expense.updateMany({ where: { id: theirs }, data: { deletedAt: new Date() } });
    expect((await bin.expense.deleteMany({ where: { id: theirs } })).count).toBe(0);
    expect(await exists.expense(theirs)).toBe(1);
  });
});

describe('bin purge --older-than (operator)', () => {
  test('purges entries older than the days given, private ones too, and leaves newer ones and other organizations alone', async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const old = await a.expense({ name: 'old' });
    const fresh = await a.expense({ name: 'fresh' });
    const theirs = await b.expense({ name: 'theirs' });
    for (const [tenant, id] of [[a, old], [a, fresh], [b, theirs]] as const) {
      await data(t.app, DeleteExpense, { input: { id: gid('Expense', id) } }, as(tenant));
    }
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await t.db.prisma.deletedItem.updateMany({ where: { itemType: 'expense', itemId: { in: [old, theirs] } }, data: { createdAt: longAgo, private: true } });

    const out: string[] = [];
    const code = await runCli(['bin', 'purge', '--older-than', '30', '--organization', String(a.organizationId)], {
      database: t.db, stdout: (s) => out.push(s), stderr: (s) => out.push(s),
    });
    expect(code).toBe(0);
    expect(out.join('')).toContain('Purged 1 item deleted more than 30 days ago in 1 organization.');
    expect(await exists.expense(old)).toBe(0);
    expect(await exists.expense(fresh)).toBe(1);
    expect(await exists.expense(theirs)).toBe(1);

    const bad: string[] = [];
    expect(await runCli(['bin', 'purge', '--older-than', '0'], { database: t.db, stdout: (s) => bad.push(s), stderr: (s) => bad.push(s) })).not.toBe(0);
    expect(bad.join('')).toContain('positive integer');
  });
});
