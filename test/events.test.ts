// The outbox (issue 13): every meaningful change records one event in its own transaction -- its
// type, the actor, the object's global id and the object as the API shows it -- and a change that
// rolls back leaves none. Listeners hear of events only once their transaction has committed.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { fail, ok } from '../src/domain/kit/result.js';
import { transact } from '../src/domain/kit/transaction.js';
import { presentById } from '../src/domain/presenters.js';
import { onEventsCommitted, recordEvent, type CommittedEvent } from '../src/changes/outbox.js';
import { graphql } from './generated/index.js';
import { as, data, execute, startApp, type TestApp } from './helpers/app.js';
import { on } from './helpers/contracts.js';
import { createTenant, gid, type Tenant, twoTenants } from './helpers/fixtures.js';
import { eventsReadable } from './helpers/events.js';
import { ApproveExpense, CreateExpense, DeleteAttribution, DeleteDeal, DeleteExpense } from './helpers/mutations.js';

const UpdateExpense = graphql(`
  mutation EventsUpdateExpense($input: UpdateExpenseInput!) { updateExpense(input: $input) { expense { id } userErrors { code } } }
`);
const Unapprove = graphql(`
  mutation EventsUnapprove($input: UnapproveExpenseInput!) { unapproveExpense(input: $input) { userErrors { code } } }
`);
const Reject = graphql(`
  mutation EventsReject($input: RejectExpenseInput!) { rejectExpense(input: $input) { userErrors { code } } }
`);
const Restore = graphql(`
  mutation EventsRestore($input: RestoreDeletedItemInput!) { restoreDeletedItem(input: $input) { userErrors { code } } }
`);
const Purge = graphql(`
  mutation EventsPurge($input: PurgeDeletedItemInput!) { purgeDeletedItem(input: $input) { userErrors { code } } }
`);
const CreateInvoice = graphql(`
  mutation EventsCreateInvoice($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id databaseId } userErrors { code } } }
`);
const Archive = graphql(`
  mutation EventsArchive($input: ArchiveInvoiceInput!) { archiveInvoice(input: $input) { userErrors { code } } }
`);
const Unarchive = graphql(`
  mutation EventsUnarchive($input: UnarchiveInvoiceInput!) { unarchiveInvoice(input: $input) { userErrors { code } } }
`);
const CreateAttribution = graphql(`
  mutation EventsCreateAttribution($input: CreateInvoiceAttributionInput!) {
    createInvoiceAttribution(input: $input) { invoiceAttribution { id databaseId } userErrors { code } }
  }
`);
const UpdateAttribution = graphql(`
  mutation EventsUpdateAttribution($input: UpdateInvoiceAttributionInput!) { updateInvoiceAttribution(input: $input) { userErrors { code } } }
`);
const CreateDeal = graphql(`
  mutation EventsCreateDeal($input: CreateDealInput!) { createDeal(input: $input) { deal { id databaseId } userErrors { code } } }
`);
const UpdateDeal = graphql(`
  mutation EventsUpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { userErrors { code } } }
`);
const CreateContract = graphql(`
  mutation EventsCreateContract($input: CreateContractInput!) { createContract(input: $input) { contract { id databaseId } userErrors { code } } }
`);
const UpdateContract = graphql(`
  mutation EventsUpdateContract($input: UpdateContractInput!) { updateContract(input: $input) { userErrors { code } } }
`);
const Generate = graphql(`
  mutation EventsGenerate($input: GenerateContractOccurrencesInput!) {
    generateContractOccurrences(input: $input) { createdBudgets { id } userErrors { code } }
  }
`);
const CreateTask = graphql(`
  mutation EventsCreateTask($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code } } }
`);

const ChangeEvents = graphql(`
  query EventsLog($first: Int, $after: String, $last: Int, $filter: ChangeEventFilter) {
    changeEvents(first: $first, after: $after, last: $last, filter: $filter) {
      edges { cursor node { id type subjectId actor { databaseId } payload } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

const heard: CommittedEvent[][] = [];
const stop = onEventsCommitted((events) => heard.push([...events]));
afterAll(() => stop());
afterEach(() => {
  heard.length = 0;
});

/** The organization's events after `after` (an event id), oldest first. */
async function eventsOf(tenant: Tenant, after = 0n) {
  return t.db.prisma.changeEvent.findMany({ where: { organizationId: tenant.organizationId, id: { gt: after } }, orderBy: { id: 'asc' } });
}

async function lastEventId(tenant: Tenant): Promise<bigint> {
  const last = await t.db.prisma.changeEvent.findFirst({ where: { organizationId: tenant.organizationId }, orderBy: { id: 'desc' } });
  return last?.id ?? 0n;
}

/** The bin entry of an object. */
async function entryOf(tenant: Tenant, itemId: number) {
  return t.db.prisma.deletedItem.findFirstOrThrow({ where: { organizationId: tenant.organizationId, itemId, recoveredAt: null }, orderBy: { id: 'desc' } });
}

describe('expenses', () => {
  test('createExpense records expense.created: actor, global id, and the expense as the API shows it', async () => {
    const a = await createTenant(t.db.prisma);
    const before = await lastEventId(a);
    const created = await data(
      t.app,
      CreateExpense,
      {
        input: {
          name: 'Taxi', dealId: gid('Deal', a.deals.usd), serviceTypeId: gid('ServiceType', a.serviceTypes.travel),
          amount: 1250, currency: 'USD', date: '2021-03-01',
        },
      },
      as(a),
    );
    const id = created.createExpense.expense!.id;
    const events = await eventsOf(a, before);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ type: 'expense.created', actorId: a.personId, subjectId: id, organizationId: a.organizationId });
    // The payload is the API's shape: global ids, money sets, related nodes as { id }, dates as the API writes them.
    expect(event!.payload).toMatchObject({
      id,
      name: 'Taxi',
      date: '2021-03-01',
      approved: false,
      deal: { id: gid('Deal', a.deals.usd) },
      serviceType: { id: gid('ServiceType', a.serviceTypes.travel) },
      amount: { original: { cents: 1250, currency: 'USD' } },
    });
    // Listeners heard it once, after the commit, with the same content.
    const mine = heard.flat().filter((e) => e.organizationId === a.organizationId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: event!.id, type: 'expense.created', subjectId: id, webhookIds: [] });
    expect(mine[0]!.payload).toEqual(event!.payload);
  });

  test('update, approve, unapprove and reject each record theirs; a refused transition records nothing', async () => {
    const a = await createTenant(t.db.prisma);
    const expense = await a.expense({ name: 'Hotel' });
    const id = gid('Expense', expense);
    const before = await lastEventId(a);
    await data(t.app, UpdateExpense, { input: { id, name: 'Hotel (2 nights)' } }, as(a));
    await data(t.app, ApproveExpense, { input: { id } }, as(a));
    const again = await data(t.app, ApproveExpense, { input: { id } }, as(a));
    expect(again.approveExpense.userErrors).toEqual([{ code: 'ALREADY_APPROVED' }]);
    await data(t.app, Unapprove, { input: { id } }, as(a));
    await data(t.app, Reject, { input: { id, reason: 'No receipt' } }, as(a));
    const events = await eventsOf(a, before);
    expect(events.map((e) => e.type)).toEqual(['expense.updated', 'expense.approved', 'expense.unapproved', 'expense.rejected']);
    expect(events.every((e) => e.subjectId === id)).toBe(true);
    expect(events[0]!.payload).toMatchObject({ name: 'Hotel (2 nights)' });
    expect(events[1]!.payload).toMatchObject({ approved: true, approver: { id: gid('Person', a.personId) } });
    expect(events[3]!.payload).toMatchObject({ rejected: true, rejectedReason: 'No receipt', approved: false });
  });

  test('a create with user errors records nothing', async () => {
    const a = await createTenant(t.db.prisma);
    const before = await lastEventId(a);
    const result = await data(t.app, CreateExpense, { input: { name: '', dealId: gid('Deal', a.deals.usd) } }, as(a));
    expect(result.createExpense.userErrors.length).toBeGreaterThan(0);
    expect(await eventsOf(a, before)).toEqual([]);
    expect(heard.flat().filter((e) => e.organizationId === a.organizationId)).toEqual([]);
  });
});

describe('the recycle bin', () => {
  test('delete shows the bin entry, restore the object back, purge the entry as it was', async () => {
    const a = await createTenant(t.db.prisma);
    const expense = await a.expense({ name: 'Lunch' });
    const id = gid('Expense', expense);
    const before = await lastEventId(a);

    await data(t.app, DeleteExpense, { input: { id } }, as(a));
    const entry = await entryOf(a, expense);
    await data(t.app, Restore, { input: { id: gid('DeletedItem', entry.id) } }, as(a));
    await data(t.app, DeleteExpense, { input: { id } }, as(a));
    const second = await entryOf(a, expense);
    await data(t.app, Purge, { input: { id: gid('DeletedItem', second.id) } }, as(a));

    const events = await eventsOf(a, before);
    expect(events.map((e) => [e.type, e.subjectId])).toEqual([
      ['expense.deleted', id],
      ['expense.restored', id],
      ['expense.deleted', id],
      ['expense.purged', id],
    ]);
    expect(events[0]!.payload).toMatchObject({ id: gid('DeletedItem', entry.id), itemType: 'EXPENSE', name: 'Lunch', itemId: id });
    expect(events[1]!.payload).toMatchObject({ id, name: 'Lunch' });
    expect(events[3]!.payload).toMatchObject({ id: gid('DeletedItem', second.id), itemType: 'EXPENSE', name: 'Lunch' });
    // The purge's event outlives what it describes.
    expect(await t.db.prisma.expense.findUnique({ where: { id: expense } })).toBeNull();
  });

  test('a private task tells no one: neither its creation nor its delete records an event', async () => {
    const a = await createTenant(t.db.prisma);
    const before = await lastEventId(a);
    const created = await data(t.app, CreateTask, { input: { projectId: gid('Project', a.projects.website), title: 'Secret', private: true } }, as(a));
    expect(created.createTask.userErrors).toEqual([]);
    const open = await data(t.app, CreateTask, { input: { projectId: gid('Project', a.projects.website), title: 'Open' } }, as(a));
    const events = await eventsOf(a, before);
    expect(events.map((e) => [e.type, e.subjectId])).toEqual([['task.created', open.createTask.task!.id]]);
  });
});

describe('invoices and attributions', () => {
  test('created, archived, unarchived; a repeated archive changes nothing and records nothing', async () => {
    const a = await createTenant(t.db.prisma);
    const before = await lastEventId(a);
    const created = await data(
      t.app,
      CreateInvoice,
      { input: { companyId: gid('Company', a.companies.acme), number: '2021/1', amount: 10000, invoicedOn: '2021-01-24' } },
      as(a),
    );
    const id = created.createInvoice.invoice!.id;
    await data(t.app, Archive, { input: { id } }, as(a));
    await data(t.app, Archive, { input: { id } }, as(a));
    await data(t.app, Unarchive, { input: { id } }, as(a));
    await data(t.app, Unarchive, { input: { id } }, as(a));
    const events = await eventsOf(a, before);
    expect(events.map((e) => e.type)).toEqual(['invoice.created', 'invoice.archived', 'invoice.unarchived']);
    expect(events[0]!.payload).toMatchObject({ id, number: '2021/1', archived: false });
    expect(events[1]!.payload).toMatchObject({ archived: true });

    const attribution = await data(
      t.app,
      CreateAttribution,
      { input: { invoiceId: id, budgetId: gid('Deal', a.deals.usd), amount: 4000 } },
      as(a),
    );
    const attributionId = attribution.createInvoiceAttribution.invoiceAttribution!.id;
    await data(t.app, UpdateAttribution, { input: { id: attributionId, amount: 5000 } }, as(a));
    await data(t.app, DeleteAttribution, { input: { id: attributionId } }, as(a));
    const more = await eventsOf(a, events.at(-1)!.id);
    expect(more.map((e) => [e.type, e.subjectId])).toEqual([
      ['invoice_attribution.created', attributionId],
      ['invoice_attribution.updated', attributionId],
      ['invoice_attribution.deleted', attributionId],
    ]);
    expect(more[1]!.payload).toMatchObject({ amount: { original: { cents: 5000 } } });
  });
});

describe('deals and contracts', () => {
  // The clock is fixed: a contract's next occurrence must be after today, and generation reaches
  // at most 10 years ahead, so literal dates would stop working when their year comes.
  test('deal created, updated, deleted; contract created, updated; each generated budget recorded', () => on('2030-06-01', async () => {
    const a = await createTenant(t.db.prisma);
    const before = await lastEventId(a);
    const deal = await data(t.app, CreateDeal, { input: { name: 'Retainer', companyId: gid('Company', a.companies.acme), budget: true, date: '2030-12-01' } }, as(a));
    const dealId = deal.createDeal.deal!.id;
    await data(t.app, UpdateDeal, { input: { id: dealId, name: 'Retainer 2031' } }, as(a));
    const contract = await data(
      t.app,
      CreateContract,
      { input: { templateId: dealId, intervalId: 1, nextOccurrenceOn: '2031-01-01' } },
      as(a),
    );
    expect(contract.createContract.userErrors).toEqual([]);
    const contractId = contract.createContract.contract!.id;
    await data(t.app, UpdateContract, { input: { id: contractId, endsOn: '2031-12-31' } }, as(a));
    const generated = await data(t.app, Generate, { input: { contractIds: [contractId], until: '2031-03-15' } }, as(a));
    const budgets = generated.generateContractOccurrences.createdBudgets.map((b) => b.id);
    expect(budgets).toHaveLength(3);
    await data(t.app, DeleteDeal, { input: { id: dealId } }, as(a));

    const events = await eventsOf(a, before);
    expect(events.map((e) => [e.type, e.subjectId])).toEqual([
      ['deal.created', dealId],
      ['deal.updated', dealId],
      ['contract.created', contractId],
      // The template became the contract's first budget.
      ['deal.updated', dealId],
      ['contract.updated', contractId],
      ...budgets.map((b) => ['contract.occurrence_generated', b]),
      ['deal.deleted', dealId],
    ]);
    expect(events[3]!.payload).toMatchObject({ id: dealId, budget: true, suffix: '2030/12', contract: { id: contractId } });
    expect(events[5]!.payload).toMatchObject({ id: budgets[0], budget: true, contract: { id: contractId } });
  }));
});

describe('rolled back, never recorded', () => {
  test('a transaction that records an event and then fails, or throws, leaves no event and tells no listener', async () => {
    const a = await createTenant(t.db.prisma);
    const expense = await a.expense({ name: 'Kept' });
    const before = await lastEventId(a);
    heard.length = 0;

    const failed = await transact(a.db, async (tx) => {
      await recordEvent(tx, a.viewer, 'expense.updated', { node: 'Expense', id: expense }, (v) => presentById(tx, v, 'Expense', expense));
      await tx.expense.update({ where: { id: expense }, data: { name: 'Changed' } });
      return fail({ field: ['input'], message: 'no', code: 'INVALID' });
    });
    expect(failed.ok).toBe(false);
    await expect(
      transact(a.db, async (tx) => {
        await recordEvent(tx, a.viewer, 'expense.updated', { node: 'Expense', id: expense }, (v) => presentById(tx, v, 'Expense', expense));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(await eventsOf(a, before)).toEqual([]);
    expect(heard).toEqual([]);
    expect((await a.db.expense.findUniqueOrThrow({ where: { id: expense } })).name).toBe('Kept');

    // And the same write committed records it, heard once.
    const committed = await transact(a.db, async (tx) => {
      await recordEvent(tx, a.viewer, 'expense.updated', { node: 'Expense', id: expense }, (v) => presentById(tx, v, 'Expense', expense));
      return ok(null);
    });
    expect(committed.ok).toBe(true);
    expect(await eventsOf(a, before)).toHaveLength(1);
    expect(heard.flat().map((e) => e.type)).toEqual(['expense.updated']);
  });

  test('20 concurrent approvals, then 20 concurrent deletes, of one expense record one event each', async () => {
    // On PostgreSQL the requests really overlap: the losers must answer a user error and record nothing.
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'Raced' });
    const before = await lastEventId(a);
    const input = { input: { id: gid('Expense', id) } };
    const approvals = await Promise.all(Array.from({ length: 20 }, () => data(t.app, ApproveExpense, input, as(a))));
    expect(approvals.filter((r) => r.approveExpense.userErrors.length === 0)).toHaveLength(1);
    expect(new Set(approvals.flatMap((r) => r.approveExpense.userErrors.map((e) => e.code)))).toEqual(new Set(['ALREADY_APPROVED']));
    const deletes = await Promise.all(Array.from({ length: 20 }, () => data(t.app, DeleteExpense, input, as(a))));
    expect(deletes.filter((r) => r.deleteExpense.userErrors.length === 0)).toHaveLength(1);
    expect((await eventsOf(a, before)).map((e) => e.type)).toEqual(['expense.approved', 'expense.deleted']);
  });

  test('recordEvent outside a transaction is refused', async () => {
    const a = await createTenant(t.db.prisma);
    await expect(recordEvent(a.db as never, a.viewer, 'expense.updated', { node: 'Expense', id: 1 }, () => null)).rejects.toThrow(/inside the change's transaction/);
  });

  test('events are the organization’s own: another organization records none of them', async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const beforeB = await lastEventId(b);
    await a.expense({ name: 'Only A' });
    expect(await eventsOf(b, beforeB)).toEqual([]);
    const ofA = await eventsOf(a);
    expect(ofA.map((e) => e.type)).toContain('expense.created');
    expect(ofA.every((e) => e.organizationId === a.organizationId)).toBe(true);
  });
});

describe('the event log (Query.changeEvents)', () => {
  test('oldest first, paged by cursor, filtered by type and subject; another organization sees none of it', async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const ids = [await a.expense({ name: 'One' }), await a.expense({ name: 'Two' }), await a.expense({ name: 'Three' })];
    await data(t.app, ApproveExpense, { input: { id: gid('Expense', ids[1]!) } }, as(a));
    // The log shows events up to the oldest transaction still running on the server (any database's:
    // the files' tests run beside this one): a CI run once read it before the approval was past it.
    await eventsReadable(t.db.prisma, a.organizationId);

    const first = (await data(t.app, ChangeEvents, { first: 2 }, as(a))).changeEvents;
    expect(first.edges.map((e) => [e.node.type, e.node.subjectId])).toEqual([
      ['EXPENSE_CREATED', gid('Expense', ids[0]!)],
      ['EXPENSE_CREATED', gid('Expense', ids[1]!)],
    ]);
    expect(first.edges[0]!.node.actor).toEqual({ databaseId: a.personId });
    expect(first.edges[0]!.node.payload).toMatchObject({ id: gid('Expense', ids[0]!), name: 'One' });
    expect(first.pageInfo.hasNextPage).toBe(true);
    // Catching up: what came after the last cursor seen.
    const rest = (await data(t.app, ChangeEvents, { first: 10, after: first.pageInfo.endCursor }, as(a))).changeEvents;
    expect(rest.edges.map((e) => e.node.type)).toEqual(['EXPENSE_CREATED', 'EXPENSE_APPROVED']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const newest = (await data(t.app, ChangeEvents, { last: 1 }, as(a))).changeEvents;
    expect(newest.edges.map((e) => e.node.type)).toEqual(['EXPENSE_APPROVED']);

    const approvals = (await data(t.app, ChangeEvents, { filter: { types: ['EXPENSE_APPROVED'] } }, as(a))).changeEvents;
    expect(approvals.edges.map((e) => e.node.subjectId)).toEqual([gid('Expense', ids[1]!)]);
    const ofTwo = (await data(t.app, ChangeEvents, { filter: { subjectIds: [gid('Expense', ids[1]!)] } }, as(a))).changeEvents;
    expect(ofTwo.edges.map((e) => e.node.type)).toEqual(['EXPENSE_CREATED', 'EXPENSE_APPROVED']);
    // Only the id as issued: another spelling (no padding, or a trailing character) is a mistake, not the same object.
    const issued = gid('Expense', ids[1]!);
    const sloppy = issued.endsWith('=') ? issued.replace(/=+$/, '') : `${issued}0`;
    const refused = await execute(t.app, ChangeEvents, { filter: { subjectIds: [sloppy] } }, as(a));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // B sees nothing of A's, not even by naming A's objects or using A's cursor.
    expect((await data(t.app, ChangeEvents, { first: 50 }, as(b))).changeEvents.edges).toEqual([]);
    expect((await data(t.app, ChangeEvents, { filter: { subjectIds: [gid('Expense', ids[0]!)] } }, as(b))).changeEvents.edges).toEqual([]);
    const forged = await execute(t.app, ChangeEvents, { first: 5, after: first.pageInfo.endCursor }, as(b));
    expect(forged.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(forged.body.data ?? null).toBeNull();
  });

  test('bad filters are BAD_USER_INPUT naming the argument', async () => {
    const a = await createTenant(t.db.prisma);
    const bad = await execute(t.app, ChangeEvents, { filter: { subjectIds: ['nope'] } }, as(a));
    expect(bad.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(bad.body.errors?.[0]?.message).toContain('filter.subjectIds[0]');
    const many = await execute(t.app, ChangeEvents, { filter: { subjectIds: Array.from({ length: 501 }, (_, i) => gid('Expense', i + 1)) } }, as(a));
    expect(many.status).toBe(200);
    expect(many.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a page of 40 events with their actors costs as many statements as a page of 4', async () => {
    const a = await createTenant(t.db.prisma);
    const other = await a.member();
    for (let i = 0; i < 40; i++) await a.expense({ name: `E${i}` });
    await t.db.prisma.changeEvent.updateMany({ where: { organizationId: a.organizationId, id: { gt: 0n } }, data: { actorId: other.personId } });
    await eventsReadable(t.db.prisma, a.organizationId);
    const count = async (first: number) => {
      t.db.statements.reset();
      const page = (await data(t.app, ChangeEvents, { first }, as(a))).changeEvents;
      expect(page.edges).toHaveLength(first);
      expect(page.edges.every((e) => e.node.actor?.databaseId === other.personId)).toBe(true);
      return t.db.statements.log.length;
    };
    expect(await count(40)).toBe(await count(4));
  });
});
