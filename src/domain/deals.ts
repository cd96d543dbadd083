// Deal rules: validation (every problem of an input at once), numbering, closing and sales status,
// currency changes carried into the deal's expenses, and deletion with what belongs to the deal.
// Each write is one transaction on the scoped client; nothing is written when any error exists.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { Deal, Prisma } from '../generated/prisma/client.js';
import { reexpressExpense } from '../money/expense-amounts.js';
import { reexpressPrice } from '../money/service-amounts.js';
import { formatRate, rateText } from '../money/money.js';
import { SALES_STATUSES, salesStatusOf, type SalesStatus } from './sales-statuses.js';
import { dealInvoicing, dealMoney, dealProfitMargin, dealTime, invoicedSumsByDeal, sumsByDeal } from './deal-totals.js';
import { globalId } from './kit/global-id.js';
import { day, instant, LIVE, liveRef, moneySet, ref, type Payload } from './kit/shown.js';
import {
  at,
  blank,
  changed,
  checkText,
  fail,
  given,
  invalid,
  inInputOrder,
  notFound,
  ok,
  type Result,
  type UserError,
} from './kit/result.js';
import { rewriteDealAttributions } from './invoice-attributions.js';
import { binEntry, stampChildren, type Deleted } from './recycle-bin.js';
import { checkDefaultCurrency } from './organizations.js';
import { DEAL } from './bin-items.js';
import { live, refuse, type BinRules } from './kit/bin-rules.js';
import { checkMoney, rateUnlessInvalid } from './kit/rates.js';
import { cleanTags } from './kit/tags.js';
import { transact } from './kit/transaction.js';
import { lockDealExpenses, lockDealServices } from './kit/locks.js';
import { chargeWork } from './kit/work.js';
import type { Viewer } from './viewer.js';
import { withEvent } from '../changes/outbox.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface DealInput {
  name?: string | null;
  companyId?: number | null;
  projectId?: number | null;
  responsibleId?: number | null;
  dealStatusId?: number | null;
  budget?: boolean | null;
  date?: Date | null;
  endDate?: Date | null;
  probability?: number | null;
  timeApproval?: boolean | null;
  expenseApproval?: boolean | null;
  salesStatus?: SalesStatus | null;
  closed?: boolean | null;
  deliveredOn?: Date | null;
  tagList?: string[] | null;
  currency?: string | null;
  exchangeRate?: string | null;
  budgetTotal?: bigint | null;
}

/** The input's fields in the order errors are reported. */
const FIELDS = [
  'id', 'name', 'companyId', 'projectId', 'responsibleId', 'dealStatusId', 'budget', 'date', 'endDate', 'probability',
  'timeApproval', 'expenseApproval', 'salesStatus', 'closed', 'deliveredOn', 'tagList', 'currency', 'exchangeRate', 'budgetTotal',
] as const satisfies ReadonlyArray<keyof DealInput | 'id'>;

const MAX_NAME = 255;
/** As for expenses: far above any real budget, and safe from overflow once multiplied by a rate. */
const MAX_CENTS = 10n ** 15n;

const today = (): Date => new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);

interface Current {
  id: number;
  companyId: number;
  projectId: number | null;
  endDate: Date | null;
  budget: boolean;
  date: Date;
  currency: string;
  exchangeRate: string;
}

/**
 * Checks the fields present in `input` (all required ones when creating), against the deal as it
 * is (`current`) for rules that span fields. Ids are looked up through the scoped client: another
 * organization's id is simply not found.
 */
async function check(tx: ScopedTx, input: DealInput, current: Current | null): Promise<UserError[]> {
  const errors: UserError[] = [];
  const creating = current === null;
  const needs = (key: keyof DealInput) => creating || given(input, key);

  if (needs('name')) checkText(errors, 'name', input.name, MAX_NAME);
  if (needs('companyId') && input.companyId == null) errors.push(blank('companyId'));
  if (input.probability != null && (input.probability < 0 || input.probability > 100)) {
    errors.push(invalid('probability', 'must be between 0 and 100'));
  }
  if (input.budgetTotal != null && (input.budgetTotal < 0n || input.budgetTotal > MAX_CENTS)) {
    errors.push(invalid('budgetTotal', `must be between 0 and ${MAX_CENTS}`));
  }
  if (input.tagList != null) cleanTags(input.tagList, errors);
  if (given(input, 'date') && input.date === null) errors.push(blank('date'));
  const date = input.date ?? current?.date ?? today();
  const endDate = input.endDate;
  if (endDate != null && endDate < date) errors.push(invalid('endDate', "must not be before the deal's date"));
  else if (input.date != null && endDate === undefined && current?.endDate && current.endDate < input.date) {
    errors.push(invalid('date', "must not be after the deal's end date"));
  }
  const budget = input.budget ?? current?.budget ?? false;
  if (budget && input.salesStatus != null) errors.push(invalid('salesStatus', 'budgets have no sales status'));
  if (given(input, 'budget') && input.budget === null) errors.push(blank('budget'));

  // Creating, a missing currency is the organization's; updating, `null` cannot clear it.
  checkMoney(errors, input, input.currency !== undefined && !(creating && input.currency === null));

  const companyId = input.companyId ?? current?.companyId;
  // A new company must also be the company of the project the deal keeps.
  const projectId = input.projectId !== undefined ? input.projectId : input.companyId != null ? current?.projectId : null;
  // One after the other: a transaction is one connection, and pg refuses overlapping queries on one.
  const company = input.companyId != null ? await tx.company.findUnique({ where: { id: input.companyId }, select: { archivedAt: true } }) : null;
  const project = projectId != null ? await tx.project.findUnique({ where: { id: projectId }, select: { companyId: true } }) : null;
  const responsible = input.responsibleId != null ? await tx.person.findUnique({ where: { id: input.responsibleId }, select: { id: true } }) : null;
  const status = input.dealStatusId != null ? await tx.dealStatus.findUnique({ where: { id: input.dealStatusId }, select: { id: true } }) : null;
  if (input.companyId != null && !company) errors.push(notFound(at('companyId'), 'Company'));
  // An archived company stays on the deals that have it; a new or changed choice cannot be one.
  else if (company?.archivedAt && input.companyId !== current?.companyId) errors.push(invalid('companyId', 'is archived'));
  if (input.projectId != null && !project) errors.push(notFound(at('projectId'), 'Project'));
  else if (project && companyId != null && project.companyId !== companyId) {
    errors.push(
      input.projectId !== undefined
        ? invalid('projectId', "must be a project of the deal's company")
        : invalid('companyId', "must be the company of the deal's project (change or clear projectId too)"),
    );
  }
  if (input.responsibleId != null && !responsible) errors.push(notFound(at('responsibleId'), 'Person'));
  if (input.dealStatusId != null && !status) errors.push(notFound(at('dealStatusId'), 'Deal status'));
  return inInputOrder(errors, FIELDS);
}

/** Sales status and closing: a won or lost deal is closed, reopening it (OPEN) opens it; budgets close with `closed`. */
function pipeline(input: DealInput, budget: boolean, existing: Pick<Deal, 'salesStatusId' | 'closedAt'> | null, now: Date) {
  const data: Partial<Pick<Deal, 'salesStatusId' | 'salesStatusUpdatedAt' | 'closedAt'>> = {};
  // A new deal, or a budget turned into a deal, enters the pipeline as OPEN.
  const status = budget ? null : (input.salesStatus ?? (existing?.salesStatusId != null ? undefined : 'OPEN'));
  let closedAt = existing?.closedAt ?? null;
  if (budget && existing?.salesStatusId != null) {
    // A deal turned into a budget leaves the pipeline.
    data.salesStatusId = null;
    data.salesStatusUpdatedAt = now;
  } else if (status !== undefined && status !== null && SALES_STATUSES[status] !== existing?.salesStatusId) {
    data.salesStatusId = SALES_STATUSES[status];
    data.salesStatusUpdatedAt = now;
    closedAt = status === 'OPEN' ? null : (closedAt ?? now);
  }
  if (input.closed != null) closedAt = input.closed ? (closedAt ?? now) : null;
  if (closedAt !== (existing?.closedAt ?? null)) data.closedAt = closedAt;
  return data;
}

/**
 * What makes `existing` a budget, as `updateDeal(input: { budget: true })` writes it: it leaves the
 * pipeline (no sales status), and keeps its `closedAt`. For a contract's template (src/domain/contracts.ts).
 */
export const asBudget = (existing: Pick<Deal, 'salesStatusId' | 'closedAt'>, now: Date) => ({
  budget: true,
  ...pipeline({ budget: true }, true, existing, now),
});

export async function createDeal(db: ScopedClient, viewer: Viewer, input: DealInput): Promise<Result<Deal>> {
  return transact(db, async (tx) => {
    const errors = await check(tx, input, null);
    const currency = input.currency?.trim() || viewer.organization.defaultCurrency;
    const rate = rateUnlessInvalid(errors, currency, input.exchangeRate, null, viewer);
    if (errors.length > 0 || rate === null) return fail(...inInputOrder(errors, FIELDS));

    // The organization's counter, incremented and read in one UPDATE: concurrent creates queue on
    // its row lock and each gets its own number.
    const { lastDealNumber: number } = await tx.organization.update({
      where: { id: viewer.organization.id },
      data: { lastDealNumber: { increment: 1 } },
      select: { lastDealNumber: true },
    });
    // That UPDATE waited for an organization update in progress: the currency checked must still be the default.
    await checkDefaultCurrency(tx, viewer, 'currency');
    const now = new Date();
    const budget = input.budget ?? false;
    const date = input.date ?? today();
    const deal = await tx.deal.create({
      include: dealShows,
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        companyId: input.companyId!,
        projectId: input.projectId ?? null,
        responsibleId: input.responsibleId ?? null,
        dealStatusId: input.dealStatusId ?? null,
        creatorId: viewer.person.id,
        name: input.name!.trim(),
        number,
        budget,
        date,
        endDate: input.endDate ?? null,
        probability: input.probability ?? 100,
        timeApproval: input.timeApproval ?? false,
        expenseApproval: input.expenseApproval ?? false,
        deliveredOn: input.deliveredOn ?? null,
        tagList: input.tagList ? cleanTags(input.tagList, []) : [],
        currency,
        exchangeRate: rate,
        exchangeDate: date,
        budgetTotal: input.budgetTotal ?? 0n,
        lastActivityAt: now,
        ...pipeline(input, budget, null, now),
      },
    });
    return ok(await withEvent(tx, viewer, 'deal.created', 'Deal', deal, (d, v) => presentDeal(tx, d, v)));
  });
}

export async function updateDeal(db: ScopedClient, viewer: Viewer, id: number, input: DealInput): Promise<Result<Deal>> {
  const money = given(input, 'currency') || given(input, 'exchangeRate');
  return transact(db, async (tx) => {
    const now = new Date();
    // Locks in the order every write keeps: expenses before their deal (the trigger that keeps a
    // deal's sums takes the deal's lock after an expense's). A currency or rate change rewrites
    // the deal's expenses, so it locks them first; the deal's lock then makes expense writers
    // that start later wait, and the read after it is the latest committed deal.
    if (money) {
      await lockDealExpenses(tx, id);
      // Its services too (their revenue converts at the deal's rate): a service's writer takes the
      // service, then the deal (src/domain/kit/locks.ts, lockDealServices).
      await lockDealServices(tx, id);
    }
    const { count } = await tx.deal.updateMany({ where: { id }, data: { updatedAt: now } });
    const existing = count === 1 ? await tx.deal.findUnique({ where: { id } }) : null;
    if (!existing) return fail(notFound(at('id'), 'Deal'));

    const current: Current = {
      id,
      companyId: existing.companyId,
      projectId: existing.projectId,
      endDate: existing.endDate,
      budget: existing.budget,
      date: existing.date,
      currency: existing.currency,
      exchangeRate: rateText(existing.exchangeRate),
    };
    const errors = await check(tx, input, current);
    const currency = input.currency?.trim() ?? existing.currency;
    // Keep the stored rate when only other fields change; a new currency needs its own rate.
    const resolved = money ? rateUnlessInvalid(errors, currency, input.exchangeRate, currency === existing.currency ? current.exchangeRate : null, viewer) : null;
    const rate = resolved ?? current.exchangeRate;
    if (errors.length > 0) return fail(...inInputOrder(errors, FIELDS));

    const changesMoney = currency !== existing.currency || rate !== current.exchangeRate;
    if (changesMoney) {
      const rewritten = await rewriteExpenses(tx, id, { currency: existing.currency, exchangeRate: current.exchangeRate }, { currency, exchangeRate: rate });
      if (!rewritten.ok) return rewritten;
      // Its services, locked above (before the deal), get their prices re-expressed.
      const services = await rewriteServices(tx, id, { currency: existing.currency, exchangeRate: current.exchangeRate }, { currency, exchangeRate: rate });
      if (!services.ok) return services;
      // Attributions after the deal: the lock order of src/domain/invoice-attributions.ts.
      const attributions = await rewriteDealAttributions(tx, id, { currency, exchangeRate: rate }, currency !== existing.currency ? 'currency' : 'exchangeRate');
      if (!attributions.ok) return attributions;
    }
    const budget = input.budget ?? existing.budget;
    const deal = await tx.deal.update({
      where: { id },
      include: dealShows,
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(given(input, 'companyId') && { companyId: input.companyId! }),
        ...changed(input, ['projectId', 'responsibleId', 'dealStatusId', 'endDate', 'deliveredOn']),
        ...(given(input, 'budget') && { budget }),
        ...(given(input, 'date') && { date: input.date! }),
        ...(given(input, 'probability') && input.probability != null && { probability: input.probability }),
        ...(given(input, 'timeApproval') && input.timeApproval != null && { timeApproval: input.timeApproval }),
        ...(given(input, 'expenseApproval') && input.expenseApproval != null && { expenseApproval: input.expenseApproval }),
        ...(given(input, 'tagList') && { tagList: input.tagList ? cleanTags(input.tagList, []) : [] }),
        ...(given(input, 'budgetTotal') && { budgetTotal: input.budgetTotal ?? 0n }),
        ...(changesMoney && { currency, exchangeRate: rate, exchangeDate: now }),
        ...pipeline(input, budget, existing, now),
        lastActivityAt: now,
      },
    });
    return ok(await withEvent(tx, viewer, 'deal.updated', 'Deal', deal, (d, v) => presentDeal(tx, d, v)));
  });
}

/**
 * Carries a deal's new currency or rate into its live expenses, as if each were written again
 * on the deal: normalized amounts, billable amounts (re-expressed when the currency changes),
 * their default forms and profit. Refused when a converted amount would not fit a bigint.
 */
async function rewriteExpenses(
  tx: ScopedTx,
  dealId: number,
  before: { currency: string; exchangeRate: string },
  after: { currency: string; exchangeRate: string },
): Promise<Result<null>> {
  const expenses = await tx.expense.findMany({
    where: { dealId },
    select: { id: true, amount: true, currency: true, exchangeRate: true, billableAmount: true },
  });
  const updates = [];
  for (const e of expenses) {
    const data = reexpressExpense({ ...e, exchangeRate: rateText(e.exchangeRate) }, before, after);
    if (!data) {
      const field = before.currency !== after.currency ? 'currency' : 'exchangeRate';
      return fail(invalid(field, 'would make the converted amount of one of its expenses too large to store'));
    }
    updates.push({ id: e.id, data });
  }
  for (const { id, data } of updates) await tx.expense.update({ where: { id }, data });
  return ok(null);
}

/**
 * Carries a deal's new currency into its live services' prices (which are in the deal's currency),
 * converted as billable amounts are. A rate change alone leaves them as they are.
 */
async function rewriteServices(
  tx: ScopedTx,
  dealId: number,
  before: { currency: string; exchangeRate: string },
  after: { currency: string; exchangeRate: string },
): Promise<Result<null>> {
  if (before.currency === after.currency) return ok(null);
  const services = await tx.service.findMany({ where: { dealId }, select: { id: true, price: true, quantity: true } });
  const updates: Array<{ id: number; price: bigint }> = [];
  for (const s of services) {
    const price = reexpressPrice(s.price, s.quantity, before, after);
    if (price === null) return fail(invalid('currency', 'would make the converted price of one of its services too large'));
    updates.push({ id: s.id, price });
  }
  for (const { id, price } of updates) await tx.service.update({ where: { id }, data: { price } });
  return ok(null);
}

/**
 * Soft delete with what belongs to the deal: its live expenses, its invoice attributions and the
 * contracts it is the template of go to the recycle bin with it, stamped with the same moment and deleter, so that the
 * bin can bring back exactly those (not the ones deleted before, on their own). No live expense
 * then ever points at a deleted deal.
 */
export async function deleteDeal(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return transact(db, async (tx) => {
    const file = await binEntry(tx, viewer, { model: 'deal', id });
    const stamp = { deletedAt: new Date(), deleterId: viewer.person.id };
    // Expenses first, then the deal: the lock order of every write (see updateDeal). A create
    // that held the deal's lock before us may have added an expense since the first statement:
    // once the deal is ours (and deleted, so later creates find no deal), the second one takes it.
    await lockDealExpenses(tx, id);
    await lockDealServices(tx, id);
    chargeWork((await tx.expense.updateMany({ where: { dealId: id }, data: stamp })).count);
    const { count } = await tx.deal.updateMany({ where: { id }, data: stamp });
    if (count !== 1) return fail(notFound(at('id'), 'Deal'));
    // Its expenses (again), attributions, contracts, services and purchase orders (`dealBin.children`, below).
    await stampChildren(tx, 'deal', [id], stamp.deletedAt, stamp.deleterId);
    return ok({ id, entryId: await file(stamp.deletedAt) });
  });
}

// ---- The event payload -------------------------------------------------------------------------

/** What a deal's payload needs beyond its columns: whether its project, contract and origin are in the bin. */
export const dealShows = { project: LIVE, contract: LIVE, originDeal: LIVE } satisfies Prisma.DealInclude;

export type ShownDeal = Prisma.DealGetPayload<{ include: typeof dealShows }>;

/**
 * Deals as the API shows them (src/schema/deal.ts) to `viewer`, for their events: their money from
 * the same sums and formulas as the schema's (src/domain/deal-totals.ts), one grouped statement each.
 */
export async function presentDeals(tx: ScopedTx, deals: readonly ShownDeal[], viewer: Viewer): Promise<Payload[]> {
  const ids = deals.map((d) => d.id);
  const sums = await sumsByDeal(tx, ids);
  const invoiced = await invoicedSumsByDeal(tx, ids);
  const inDefault = viewer.organization.defaultCurrency;
  return deals.map((d, i) => {
    const money = dealMoney(d, sums[i]!, inDefault);
    const invoicing = dealInvoicing(d, sums[i]!, invoiced[i]!, inDefault);
    const time = dealTime(sums[i]!);
    return {
      id: globalId('Deal', d.id),
      databaseId: d.id,
      name: d.name,
      number: d.number,
      suffix: d.suffix,
      budget: d.budget,
      date: day(d.date),
      endDate: day(d.endDate),
      probability: d.probability,
      timeApproval: d.timeApproval,
      expenseApproval: d.expenseApproval,
      salesStatus: salesStatusOf(d.salesStatusId),
      salesStatusId: d.salesStatusId,
      salesStatusUpdatedAt: instant(d.salesStatusUpdatedAt),
      dealStatus: ref('DealStatus', d.dealStatusId),
      closedAt: instant(d.closedAt),
      closed: d.closedAt !== null,
      deliveredOn: day(d.deliveredOn),
      tagList: d.tagList,
      currency: d.currency,
      exchangeRate: formatRate(d.exchangeRate),
      exchangeDate: day(d.exchangeDate),
      servicesRevenue: moneySet(money.servicesRevenue),
      workCost: moneySet(money.workCost),
      expense: moneySet(money.expense),
      expenseBillable: moneySet(money.expenseBillable),
      revenue: moneySet(money.revenue),
      cost: moneySet(money.cost),
      profit: moneySet(money.profit),
      profitMargin: dealProfitMargin(d, sums[i]!),
      budgetTotal: moneySet(money.budgetTotal),
      budgetUsed: moneySet(money.budgetUsed),
      budgetRemaining: moneySet(money.budgetRemaining),
      invoiced: moneySet(invoicing.invoiced),
      pendingInvoicing: moneySet(invoicing.pendingInvoicing),
      workedTime: time.workedTime,
      billableTime: time.billableTime,
      budgetedTime: time.budgetedTime,
      company: ref('Company', d.companyId),
      project: liveRef('Project', d.project),
      responsible: ref('Person', d.responsibleId),
      creator: ref('Person', d.creatorId),
      contract: liveRef('Contract', d.contract),
      originDeal: liveRef('Deal', d.originDeal),
      lastActivityAt: instant(d.lastActivityAt),
      createdAt: instant(d.createdAt),
      updatedAt: instant(d.updatedAt),
    };
  });
}

/** One deal as `presentDeals` shows it. */
export const presentDeal = async (tx: ScopedTx, deal: ShownDeal, viewer: Viewer): Promise<Payload> => (await presentDeals(tx, [deal], viewer))[0]!;

/**
 * What a restore of a deal re-establishes (src/domain/kit/bin-rules.ts): its company live (its
 * `parents`); a contract's budget takes no period that another live budget of
 * the contract holds (deals_live_contract_date_key). Deals are locked after invoices, before the rest.
 */
export const dealBin: BinRules = {
  itemTypes: ['deal', 'budget'],
  what: 'Deal',
  describe: async (tx, id) => {
    const deal = await tx.deal.findUnique({ where: { id }, select: DEAL });
    if (!deal) return null;
    const location = deal.budget && deal.project ? `Project: ${deal.project.name}` : `Company: ${deal.company.name}`;
    return { itemType: deal.budget ? 'budget' : 'deal', name: deal.name, location };
  },
  children: [
    { model: 'expense', key: 'dealId' },
    { model: 'invoiceAttribution', key: 'dealId' },
    { model: 'contract', key: 'templateId' },
    { model: 'service', key: 'dealId' },
    { model: 'purchaseOrder', key: 'dealId' },
  ],
  detach: [{ model: 'deal', key: 'originDealId' }],
  parents: [{ model: 'company', key: 'companyId', what: 'company' }],
  lockRank: 1,
  places: { deals_live_contract_date_key: 'its contract has just generated another budget for the same period' },
  place: async (tx, deal) => {
    if (deal.contractId === null) return {};
    const taken = await tx.deal.count({ where: { contractId: deal.contractId as number, date: deal.date as Date, ...live } });
    return taken ? refuse('its contract has generated another budget for the same period') : {};
  },
};
