// The recycle bin's entries (issue 11, first part): every delete files one entry, with the
// reference's item type, name and location, in the same transaction; what went with the object has
// none of its own; the bin lists, filters and sorts them; a private entry is only its deleter's;
// another organization sees nothing. Restoring and purging come next.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deleteExpense } from '../src/domain/expenses.js';
import { graphql } from './generated/index.js';
import { as, data, execute, startApp, type Caller, type TestApp } from './helpers/app.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { DeleteAttribution, DeleteContract, DeleteDeal, DeleteExpense, DeleteInvoice } from './helpers/mutations.js';

const Bin = graphql(`
  query BinList($filter: DeletedItemFilter, $orderBy: [DeletedItemOrder!]) {
    deletedItems(filter: $filter, orderBy: $orderBy) {
      totalCount
      nodes { id databaseId itemType itemId name location private createdAt recoveredAt deleter { databaseId } }
    }
  }
`);

const Entry = graphql(`
  query BinEntry($id: ID!) { deletedItem(id: $id) { databaseId name } }
`);

const Node = graphql(`
  query BinNode($id: ID!) { node(id: $id) { id } }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

async function budget(tenant: Tenant, name: string, projectId: number | null) {
  const deal = await tenant.db.deal.create({
    data: {
      organizationId: tenant.organizationId, companyId: tenant.companies.acme, projectId, name, number: 50, budget: true,
      date: day('2021-01-01'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-01'),
    },
  });
  return deal.id;
}

async function invoice(tenant: Tenant, number: string) {
  const row = await tenant.db.invoice.create({
    data: {
      organizationId: tenant.organizationId, companyId: tenant.companies.globex, creatorId: tenant.personId, number, amount: 5000n,
      invoicedOn: day('2021-01-24'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-24'),
    },
  });
  return row.id;
}

describe('every delete files one entry', () => {
  test("item type, name and location as the reference says them; what went with it has no entry; the deleter's other member sees it", async () => {
    const a = await createTenant(t.db.prisma);
    const inProject = await budget(a, 'Retainer', a.projects.website);
    const expenseOnIt = await a.expense({ dealId: inProject, name: 'goes along', currency: 'USD' });
    const lone = await a.expense({ name: 'Taxi' });
    const inv = await invoice(a, '2021/07');
    const attribution = await a.db.invoiceAttribution.create({
      data: {
        organizationId: a.organizationId, invoiceId: inv, dealId: a.deals.usd, amount: 1000n, currency: 'USD',
        amountDefault: 1000n, amountNormalized: 1000n, normalizedCurrency: 'USD',
      },
    });
    const contract = await a.db.contract.create({
      data: { organizationId: a.organizationId, templateId: a.deals.usd, intervalId: 1, nextOccurrenceOn: day('2031-01-01'), anchorOn: day('2031-01-01') },
    });

    const run = async (document: typeof DeleteDeal | typeof DeleteExpense, id: string) =>
      expect(JSON.stringify(await data(t.app, document as typeof DeleteDeal, { input: { id } }, as(a)))).not.toMatch(/"code"/);
    await run(DeleteExpense, gid('Expense', lone));
    await run(DeleteDeal, gid('Deal', inProject));
    await run(DeleteAttribution as never, gid('InvoiceAttribution', attribution.id));
    await run(DeleteInvoice as never, gid('Invoice', inv));
    await run(DeleteContract as never, gid('Contract', contract.id));
    await run(DeleteDeal, gid('Deal', a.deals.eur));

    const other = await a.member();
    const bin = await data(t.app, Bin, {}, { token: other.token });
    // Newest first.
    expect(bin.deletedItems.nodes.map((n) => [n.itemType, n.name, n.location])).toEqual([
      ['DEAL', 'EUR budget', 'Company: Acme'],
      ['CONTRACT', 'USD budget', 'Deal: USD budget'],
      ['INVOICE', 'Invoice - 2021/07', 'Company: Globex'],
      ['INVOICE_ATTRIBUTION', '1000 USD to USD budget', 'Invoice: 2021/07'],
      ['BUDGET', 'Retainer', 'Project: Website'],
      ['EXPENSE', 'Taxi', 'Deal: EUR budget'],
    ]);
    expect(bin.deletedItems.totalCount).toBe(6);
    const first = bin.deletedItems.nodes.at(-1)!;
    expect(first).toMatchObject({ itemId: gid('Expense', lone), private: false, recoveredAt: null, deleter: { databaseId: a.personId } });
    expect(bin.deletedItems.nodes[4]!.itemId).toBe(gid('Deal', inProject));
    // The expense that went with the budget has no entry: it comes back with the budget, under its stamp.
    const entry = await a.db.deletedItem.findFirstOrThrow({ where: { itemType: 'budget', itemId: inProject } });
    const along = await t.db.prisma.expense.findUniqueOrThrow({ where: { id: expenseOnIt } });
    expect(along.deletedAt).toEqual(entry.stamp);
    expect(await a.db.deletedItem.count({ where: { itemType: 'expense', itemId: expenseOnIt } })).toBe(0);
  });

  test('a delete that finds nothing files nothing; 10 concurrent deletes of one expense file one entry', async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'once' });
    expect((await data(t.app, DeleteExpense, { input: { id: gid('Expense', id) } }, as(b))).deleteExpense.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
    expect(await t.db.prisma.deletedItem.count({ where: { itemId: id, itemType: 'expense' } })).toBe(0);
    const results = await Promise.all(Array.from({ length: 10 }, () => deleteExpense(a.db, a.viewer, id)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await t.db.prisma.deletedItem.count({ where: { itemId: id, itemType: 'expense' } })).toBe(1);
  });
});

describe('the bin', () => {
  let a: Tenant;
  let b: Tenant;
  let other: { personId: number; token: string };

  beforeAll(async () => {
    a = await createTenant(t.db.prisma);
    b = await createTenant(t.db.prisma);
    other = await a.member();
    for (const name of ['Alpha', 'Bravo']) await deleteExpense(a.db, a.viewer, await a.expense({ name }));
    const otherViewer = { ...a.viewer, person: { ...a.viewer.person, id: other.personId } };
    await deleteExpense(a.db, otherViewer, await a.expense({ name: 'Charlie' }));
    await a.db.deletedItem.create({
      data: {
        organizationId: a.organizationId, itemType: 'page', itemId: 1, name: 'Private notes', location: 'My organization',
        deleterId: other.personId, private: true, stamp: new Date(),
      },
    });
    await a.db.deletedItem.create({
      data: {
        organizationId: a.organizationId, itemType: 'expense', itemId: 999999, name: 'Restored long ago', location: 'Deal: EUR budget',
        deleterId: a.personId, stamp: new Date(), recoveredAt: new Date(),
      },
    });
  });

  const names = async (caller: Caller, variables: object = {}) =>
    (await data(t.app, Bin, variables as never, caller)).deletedItems.nodes.map((n) => n.name);

  test('filters and sorts; restored entries are not in the bin', async () => {
    expect(await names(as(a), { orderBy: [{ field: 'NAME' }] })).toEqual(['Alpha', 'Bravo', 'Charlie']);
    expect(await names(as(a), { filter: { deleterIds: [gid('Person', other.personId)] } })).toEqual(['Charlie']);
    expect(await names(as(a), { filter: { name: { startsWith: 'br' } } })).toEqual(['Bravo']);
    expect(await names(as(a), { filter: { location: { eq: 'Deal: EUR budget' } }, orderBy: [{ field: 'NAME', direction: 'DESC' }] })).toEqual([
      'Charlie',
      'Bravo',
      'Alpha',
    ]);
    expect(await names(as(a), { filter: { itemType: ['DEAL', 'BUDGET'] } })).toEqual([]);
    expect(await names(as(a), { filter: { createdAt: { gte: new Date(Date.now() + 60_000).toISOString() } } })).toEqual([]);
    const alpha = (await data(t.app, Bin, { filter: { name: { eq: 'Alpha' } } }, as(a))).deletedItems.nodes[0]!;
    expect(await names(as(a), { filter: { ids: [alpha.id] } })).toEqual(['Alpha']);
  });

  test('a private entry is only its deleter\'s: in the list, by id and as a node', async () => {
    expect(await names({ token: other.token }, { filter: { itemType: ['PAGE'] } })).toEqual(['Private notes']);
    expect(await names(as(a), { filter: { itemType: ['PAGE'] } })).toEqual([]);
    const entry = await a.db.deletedItem.findFirstOrThrow({ where: { name: 'Private notes' } });
    const id = gid('DeletedItem', entry.id);
    expect((await data(t.app, Entry, { id }, { token: other.token })).deletedItem?.name).toBe('Private notes');
    expect((await execute(t.app, Entry, { id }, as(a))).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await data(t.app, Node, { id }, as(a))).node).toBeNull();
    expect((await data(t.app, Node, { id }, { token: other.token })).node).toEqual({ id });
  });

  test('another organization sees none of it', async () => {
    expect(await names(as(b))).toEqual([]);
    const entry = await a.db.deletedItem.findFirstOrThrow({ where: { name: 'Alpha' } });
    const id = gid('DeletedItem', entry.id);
    expect((await execute(t.app, Entry, { id }, as(b))).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await data(t.app, Node, { id }, as(b))).node).toBeNull();
    expect(await names(as(b), { filter: { deleterIds: [gid('Person', a.personId)] } })).toEqual([]);
  });
});

describe("the reference's texts, and its `created_at (date)` filter", () => {
  const DeleteProject = graphql(`mutation BinDeleteProject($input: DeleteProjectInput!) { deleteProject(input: $input) { deletedItem { itemType name location } } }`);
  const DeleteDashboard = graphql(`
    mutation BinDeleteDashboard($input: DeleteDashboardInput!) { deleteDashboard(input: $input) { deletedItem { itemType name location } } }
  `);
  const DeleteInvoiceEntry = graphql(`mutation BinDeleteInvoice($input: DeleteInvoiceInput!) { deleteInvoice(input: $input) { deletedItem { itemType name location } } }`);

  test('a project and a dashboard are located in the organization; an invoice is named "Invoice - <number>"', async () => {
    const a = await createTenant(t.db.prisma);
    const organization = a.viewer.organization.name;
    // The seed: "test project" in "My organization", "Dashboard q" in "My organization", "Invoice - 2016/01" of "Company: Client584".
    const project = await a.db.project.create({ data: { organizationId: a.organizationId, companyId: a.companies.acme, name: 'test project', number: 9 } });
    expect((await data(t.app, DeleteProject, { input: { id: gid('Project', project.id) } }, as(a))).deleteProject.deletedItem).toEqual({
      itemType: 'PROJECT', name: 'test project', location: organization,
    });
    // A dashboard of a project is located in the organization too.
    const dashboard = await a.db.dashboard.create({ data: { organizationId: a.organizationId, projectId: a.projects.website, creatorId: a.personId, name: 'Dashboard q' } });
    expect((await data(t.app, DeleteDashboard, { input: { id: gid('Dashboard', dashboard.id) } }, as(a))).deleteDashboard.deletedItem).toEqual({
      itemType: 'DASHBOARD', name: 'Dashboard q', location: organization,
    });
    const numbered = await invoice(a, '2016/01');
    expect((await data(t.app, DeleteInvoiceEntry, { input: { id: gid('Invoice', numbered) } }, as(a))).deleteInvoice.deletedItem).toEqual({
      itemType: 'INVOICE', name: 'Invoice - 2016/01', location: 'Company: Globex',
    });
    // Without a number: its subject, else its id.
    const subject = await a.db.invoice.update({ where: { id: await invoice(a, 'x') }, data: { number: null, subject: 'Retainer' } });
    expect((await data(t.app, DeleteInvoiceEntry, { input: { id: gid('Invoice', subject.id) } }, as(a))).deleteInvoice.deletedItem?.name).toBe('Invoice - Retainer');
    const bare = await a.db.invoice.update({ where: { id: await invoice(a, 'y') }, data: { number: null } });
    expect((await data(t.app, DeleteInvoiceEntry, { input: { id: gid('Invoice', bare.id) } }, as(a))).deleteInvoice.deletedItem?.name).toBe(`Invoice - #${bare.id}`);
  });

  test('createdAt takes a date: that whole day in UTC, from its first instant to the next day\'s', async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    let itemId = 0;
    const at = (name: string, createdAt: string, tenant = a) =>
      tenant.db.deletedItem.create({
        data: { organizationId: tenant.organizationId, itemType: 'expense', itemId: (itemId += 1), name, location: 'x', deleterId: tenant.personId, stamp: new Date(createdAt), createdAt: new Date(createdAt) },
      });
    await at('before', '2025-07-31T23:59:59.999Z');
    await at('first', '2025-08-01T00:00:00.000Z');
    await at('last', '2025-08-01T23:59:59.999Z');
    await at('after', '2025-08-02T00:00:00.000Z');
    // The reference's example, 06:04 in +02:00, is 04:04 UTC on the same day.
    await at('seed', '2025-08-01T06:04:59.606+02:00');
    await at('theirs', '2025-08-01T12:00:00.000Z', b);
    const names = async (createdAt: object) =>
      (await data(t.app, Bin, { filter: { createdAt }, orderBy: [{ field: 'CREATED_AT' }] }, as(a))).deletedItems.nodes.map((n) => n.name);
    expect(await names({ on: '2025-08-01' })).toEqual(['first', 'seed', 'last']);
    expect(await names({ on: '01.08.2025' })).toEqual(['first', 'seed', 'last']);
    expect(await names({ onOrAfter: '2025-08-01' })).toEqual(['first', 'seed', 'last', 'after']);
    expect(await names({ onOrBefore: '2025-08-01' })).toEqual(['before', 'first', 'seed', 'last']);
    expect(await names({ onOrAfter: '2025-08-02', onOrBefore: '2025-08-01' })).toEqual([]);
    // Beside the instants it took before, which still mean what they meant.
    expect(await names({ on: '2025-08-01', gt: '2025-08-01T00:00:00.000Z' })).toEqual(['seed', 'last']);
    expect(await names({ lt: '2025-08-01T00:00:00.000Z' })).toEqual(['before']);
    // The calendar's last day has no next one: nothing is refused.
    expect(await names({ onOrBefore: '9999-12-31' })).toHaveLength(5);
    expect(await names({ on: '9999-12-31' })).toEqual([]);
    // Not a date: the client's mistake, named.
    const bad = await execute(t.app, Bin, { filter: { createdAt: { on: '2025-08-01T00:00:00Z' } } }, as(a));
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

const Restore = graphql(`
  mutation BinRestore($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item {
        __typename
        ... on Node { id }
        ... on Deal { name expense { original { cents } } expenses { totalCount } }
        ... on Expense { name position deal { name } }
        ... on Invoice { number attributions { totalCount } }
      }
      deletedItem { recoveredAt }
      userErrors { field message code }
    }
  }
`);

const entryOf = async (tenant: Tenant, itemType: string, itemId: number) =>
  gid('DeletedItem', (await tenant.db.deletedItem.findFirstOrThrow({ where: { itemType, itemId, recoveredAt: null } })).id);

describe('restoreDeletedItem', () => {
  test('a budget comes back with exactly what went with it, totals and all; its entry leaves the bin', async () => {
    const a = await createTenant(t.db.prisma);
    const dealId = await budget(a, 'Comeback', null);
    const before = await a.expense({ dealId, name: 'deleted on its own', amount: 111n, currency: 'USD' });
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', before) } }, as(a));
    await a.expense({ dealId, name: 'went with it', amount: 1000n, currency: 'USD' });
    await a.expense({ dealId, name: 'and this', amount: 500n, currency: 'USD' });
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', dealId) } }, as(a));
    expect(await a.db.expense.count({ where: { dealId } })).toBe(0);

    const result = await data(t.app, Restore, { input: { id: await entryOf(a, 'budget', dealId) } }, as(a));
    expect(result.restoreDeletedItem.userErrors).toEqual([]);
    expect(result.restoreDeletedItem.item).toEqual({
      id: gid('Deal', dealId),
      __typename: 'Deal',
      name: 'Comeback',
      expense: { original: { cents: 1500 } },
      expenses: { totalCount: 2 },
    });
    expect(result.restoreDeletedItem.deletedItem?.recoveredAt).not.toBeNull();
    // The expense deleted before is still in the bin, with its own entry.
    expect(await a.db.deletedItem.count({ where: { itemType: 'expense', itemId: before, recoveredAt: null } })).toBe(1);
    expect((await data(t.app, Bin, { filter: { itemType: ['BUDGET'] } }, as(a))).deletedItems.totalCount).toBe(0);
    // The sort sums the database keeps came back too.
    const row = await a.db.deal.findUniqueOrThrow({ where: { id: dealId } });
    expect(row.sortCostDefault.toFixed()).toBe('1500');
  });

  test("an expense whose deal is in the bin waits for it; its place taken meanwhile, it goes last", async () => {
    const a = await createTenant(t.db.prisma);
    const dealId = await budget(a, 'Parent', null);
    const lone = await a.expense({ dealId, name: 'lone', currency: 'USD', position: 1 });
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', lone) } }, as(a));
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', dealId) } }, as(a));
    const entry = await entryOf(a, 'expense', lone);
    const early = await data(t.app, Restore, { input: { id: entry } }, as(a));
    expect(early.restoreDeletedItem).toMatchObject({
      item: null,
      userErrors: [{ field: ['input', 'id'], message: 'cannot be restored while its deal is in the recycle bin: restore that first', code: 'PARENT_DELETED' }],
    });
    // Nothing changed: the entry is still in the bin.
    expect(await a.db.deletedItem.count({ where: { itemId: lone, itemType: 'expense', recoveredAt: null } })).toBe(1);

    await data(t.app, Restore, { input: { id: await entryOf(a, 'budget', dealId) } }, as(a));
    await a.expense({ dealId, name: 'took its place', currency: 'USD', position: 1 });
    const later = await data(t.app, Restore, { input: { id: entry } }, as(a));
    expect(later.restoreDeletedItem.item).toEqual({ id: gid('Expense', lone), __typename: 'Expense', name: 'lone', position: 2, deal: { name: 'Parent' } });
  });

  test('an invoice comes back with its attributions; twice, also at once, restores once', async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 'R-1');
    await a.db.invoiceAttribution.create({
      data: {
        organizationId: a.organizationId, invoiceId: inv, dealId: a.deals.usd, amount: 1000n, currency: 'USD',
        amountDefault: 1000n, amountNormalized: 1000n, normalizedCurrency: 'USD',
      },
    });
    await data(t.app, DeleteInvoice, { input: { id: gid('Invoice', inv) } }, as(a));
    const entry = await entryOf(a, 'invoice', inv);
    const results = await Promise.all(Array.from({ length: 5 }, () => data(t.app, Restore, { input: { id: entry } }, as(a))));
    const won = results.filter((r) => r.restoreDeletedItem.userErrors.length === 0);
    expect(won).toHaveLength(1);
    expect(won[0]!.restoreDeletedItem.item).toEqual({ id: gid('Invoice', inv), __typename: 'Invoice', number: 'R-1', attributions: { totalCount: 1 } });
    for (const r of results.filter((x) => x.restoreDeletedItem.userErrors.length)) {
      expect(r.restoreDeletedItem.userErrors).toEqual([{ field: ['input', 'id'], message: 'has already been restored', code: 'ALREADY_RESTORED' }]);
    }
  });

  test("another organization's entry, or another person's private one, is not found; nothing changes", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'mine' });
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', id) } }, as(a));
    const entry = await entryOf(a, 'expense', id);
    const foreign = await data(t.app, Restore, { input: { id: entry } }, as(b));
    expect(foreign.restoreDeletedItem.userErrors).toEqual([{ field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' }]);
    const other = await a.member();
    await a.db.deletedItem.updateMany({ where: { itemId: id, itemType: 'expense' }, data: { private: true } });
    const hidden = await data(t.app, Restore, { input: { id: entry } }, { token: other.token });
    expect(hidden.restoreDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
    expect(await t.db.prisma.expense.count({ where: { id, deletedAt: null } })).toBe(0);
    expect((await data(t.app, Restore, { input: { id: entry } }, as(a))).restoreDeletedItem.userErrors).toEqual([]);
  });
});
