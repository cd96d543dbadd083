// The Deal type (deals and budgets) with its queries and mutations. Resolvers translate GraphQL
// shapes and call src/domain; the rules live in src/domain/deals.ts, the money in deal-totals.ts.
import { SALES_STATUSES, salesStatusOf, type SalesStatus } from '../domain/sales-statuses.js';
import {
  dealInvoicing,
  dealMoney,
  dealProfitMargin,
  dealTime,
  invoicedSumsByDeal,
  noSums,
  sumsByDeal,
  type DealInvoicingField,
  type DealMoneyField,
  type DealSums,
  type DealTimeField,
  type InvoicedSums,
} from '../domain/deal-totals.js';
import { createDeal, deleteDeal, updateDeal, type DealInput } from '../domain/deals.js';
import { anyTag } from '../domain/kit/tags.js';
import { formatRate } from '../money/money.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { expenseList } from './expense.js';
import { invoiceAttributionList } from './invoice-attribution.js';
import { byIdField } from './kit/by-id.js';
import { byDate, byRelation, byValue } from './kit/groups.js';
import { defaultTotal, flag, idsIn, isNull, listField, ops, relatedListField, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { liveRelation } from './kit/relations.js';
import { MoneySetRef } from './money.js';

export const SalesStatusEnum = builder.enumType('SalesStatus', {
  description: "A deal's place in the sales pipeline (the REST API's `sales_status_id` 1, 2, 3). Budgets have none.",
  values: {
    OPEN: { description: 'Still being worked on (1).' },
    WON: { description: 'Won (2): the deal is closed.' },
    LOST: { description: 'Lost (3): the deal is closed.' },
  } as const,
});

/** One statement of sums (services, time entries, expenses) for every deal of the request that asks for money. */
const dealSums = (ctx: Context) => ctx.loaders.get<number, DealSums>('Deal.sums', (ids) => sumsByDeal(ctx.db, ids));

/** Likewise for the invoice attributions, asked only by `invoiced` and `pendingInvoicing`. */
const invoicedSums = (ctx: Context) =>
  ctx.loaders.get<number, InvoicedSums>('Deal.invoicedSums', (ids) => invoicedSumsByDeal(ctx.db, ids));

type MoneyColumns = { id: number; currency: string; exchangeRate: { toFixed(): string }; budgetTotal: bigint };
const MONEY_COLUMNS = { currency: true, exchangeRate: true, budgetTotal: true } as const;

const invoicing = (field: DealInvoicingField, description: string) => ({
  type: MoneySetRef,
  description,
  select: MONEY_COLUMNS,
  resolve: async (deal: MoneyColumns, _args: object, ctx: Context) => {
    // `invoiced` needs only the attributions; `pendingInvoicing` the revenue too.
    const [sums, invoiced] = await Promise.all([
      field === 'pendingInvoicing' ? dealSums(ctx).load(deal.id) : noSums(deal.id),
      invoicedSums(ctx).load(deal.id),
    ]);
    return dealInvoicing(deal, sums, invoiced, ctx.viewer.organization.defaultCurrency)[field];
  },
});

const money = (field: DealMoneyField, description: string) => ({
  type: MoneySetRef,
  description,
  select: MONEY_COLUMNS,
  resolve: async (deal: MoneyColumns, _args: object, ctx: Context) =>
    dealMoney(deal, await dealSums(ctx).load(deal.id), ctx.viewer.organization.defaultCurrency)[field],
});

const time = (field: DealTimeField, description: string) => ({
  description,
  select: { id: true },
  resolve: async (deal: { id: number }, _args: object, ctx: Context) => dealTime(await dealSums(ctx).load(deal.id))[field],
});

export const DealRef = builder.prismaNode('Deal', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description:
    'A deal or, when `budget` is true, a budget. Expenses are booked against it, and its currency is their ' +
    'normalized currency. Money and time fields are computed from its services, time entries and expenses (see docs/money.md).',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this deal or budget.' }),
    name: t.exposeString('name', { description: 'The name as shown in lists; 1 to 255 characters.' }),
    number: t.exposeInt('number', { description: 'Budgets a contract generates share their template\'s number and differ by `suffix`.' }),
    suffix: t.exposeString('suffix', { nullable: true, description: 'The period of a generated budget, e.g. `2017/01`.' }),
    budget: t.exposeBoolean('budget', { description: 'A budget (true) or a deal in the sales pipeline (false).' }),
    date: t.expose('date', { type: 'Date', description: 'The day the deal starts; not after `endDate`.' }),
    endDate: t.expose('endDate', {
      type: 'Date',
      nullable: true,
      description: "The day it ends (a generated budget's: the end of its period); null when open-ended.",
    }),
    probability: t.exposeInt('probability', { description: 'Chance of winning, 0 to 100 (per cent).' }),
    timeApproval: t.exposeBoolean('timeApproval', { description: 'Time entries on it need approval.' }),
    expenseApproval: t.exposeBoolean('expenseApproval', { description: 'Expenses on it need approval.' }),
    salesStatus: t.field({
      type: SalesStatusEnum,
      nullable: true,
      description: 'Where the deal stands in the sales pipeline; null for budgets.',
      select: { salesStatusId: true },
      resolve: (deal) => salesStatusOf(deal.salesStatusId),
    }),
    salesStatusId: t.exposeInt('salesStatusId', { nullable: true, description: 'The REST number of `salesStatus`: 1 open, 2 won, 3 lost.' }),
    salesStatusUpdatedAt: t.expose('salesStatusUpdatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When `salesStatus` was last set or cleared (a new deal: when it was created); null for a budget that never had one.',
    }),
    dealStatus: t.relation('dealStatus', { nullable: true, description: 'Its stage in the pipeline.' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'When it was closed (won, lost, or a budget marked closed).' }),
    closed: t.boolean({ description: 'Whether `closedAt` is set.', select: { closedAt: true }, resolve: (deal) => deal.closedAt !== null }),
    deliveredOn: t.expose('deliveredOn', { type: 'Date', nullable: true, description: 'The day the work was delivered; null until it is set.' }),
    tagList: t.exposeStringList('tagList', { description: 'Its tags, trimmed, without blanks or repeats; empty when it has none.' }),
    currency: t.exposeString('currency', { description: "ISO 4217 code of the deal's money: the `normalized` currency of its expenses." }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      select: { exchangeRate: true },
      resolve: (deal) => formatRate(deal.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', {
      type: 'Date',
      description: 'The day `exchangeRate` was set: the deal\'s `date` when it was created, the day of the last change of currency or rate since.',
    }),
    servicesRevenue: t.field(
      money('servicesRevenue', 'What its billable services sell: the sum of their `total` (services priced NOT_BILLABLE or not billable count 0).'),
    ),
    workCost: t.field(
      money('workCost', "What the time worked on it cost: its time entries' `workCost` (minutes at each person's cost rate), in the default currency and converted once to the deal's."),
    ),
    expense: t.field(money('expense', 'Sum of the amounts of its expenses.')),
    expenseBillable: t.field(money('expenseBillable', 'Sum of the billable amounts of its expenses.')),
    revenue: t.field(money('revenue', '`servicesRevenue` + `expenseBillable`.')),
    cost: t.field(money('cost', '`workCost` + `expense`.')),
    profit: t.field(money('profit', '`revenue` − `cost`.')),
    profitMargin: t.string({
      description: '`profit` ÷ `revenue` in per cent, in the deal\'s currency, to two decimals ("100.0", "-12.5"); "0.0" without revenue.',
      select: { exchangeRate: true },
      resolve: async (deal, _args, ctx) => dealProfitMargin(deal, await dealSums(ctx).load(deal.id)),
    }),
    budgetTotal: t.field(money('budgetTotal', 'The agreed budget.')),
    budgetUsed: t.field(
      money('budgetUsed', "How much of the budget is used: billable time at the price of its hourly services (minutes ÷ 60 × price, rounded per entry) + `expenseBillable`."),
    ),
    budgetRemaining: t.field(money('budgetRemaining', '`budgetTotal` − `budgetUsed`.')),
    invoiced: t.field(invoicing('invoiced', 'What its invoice attributions attribute to it.')),
    pendingInvoicing: t.field(invoicing('pendingInvoicing', '`revenue` − `invoiced`: negative when more is invoiced than earned so far.')),
    workedTime: t.int(time('workedTime', 'Minutes worked on it: the `time` of its time entries.')),
    billableTime: t.int(time('billableTime', 'Billable minutes: the `billableTime` of its time entries.')),
    budgetedTime: t.int(time('budgetedTime', 'Minutes budgeted: the quantities of its services counted in hours, × 60.')),
    company: t.relation('company', { description: 'The client company; it may have been archived since it was chosen.' }),
    project: liveRelation(t as never, 'project', 'Project', 'The project it belongs to.'),
    responsible: t.relation('responsible', { nullable: true, description: 'Who is responsible for it.' }),
    creator: t.relation('creator', { nullable: true, description: 'Who created it (unknown for deals made before this was recorded).' }),
    contract: liveRelation(t as never, 'contract', 'Contract', 'The contract that generated this budget.'),
    originDeal: liveRelation(t as never, 'originDeal', 'Deal', 'The deal it was copied from (a generated budget: its template).'),
    expenses: relatedListField(t as never, expenseList, {
      relation: 'expenses',
      foreignKey: 'dealId',
      description: 'Its expenses, with the filters, orders and totals of `Query.expenses`.',
    }),
    invoiceAttributions: relatedListField(t as never, invoiceAttributionList, {
      relation: 'invoiceAttributions',
      foreignKey: 'dealId',
      description: 'The parts of invoices attributed to it, with the filters, orders and totals of `Query.invoiceAttributions`.',
    }),
    lastActivityAt: t.expose('lastActivityAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Its last change, or the last change to the money of its expenses.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the deal itself last changed (see `lastActivityAt` for its expenses).' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const dealList: ListSpec = {
  type: 'Deal',
  description: 'Deals and budgets of the organization, by id unless another order is given.',
  filter: {
    description: 'Which deals to include.',
    fields: {
      budget: flag('budget', 'Budgets (true) or deals (false).'),
      companyIds: idsIn('Company', 'companyId', 'Deals of any of these companies.'),
      projectIds: idsIn('Project', 'projectId', { nullable: true, description: 'Deals of any of these projects.' }),
      responsibleIds: idsIn('Person', 'responsibleId', { nullable: true, description: 'Deals any of these people are responsible for.' }),
      dealStatusIds: idsIn('DealStatus', 'dealStatusId', { nullable: true, description: 'Deals in any of these pipeline stages.' }),
      contractIds: idsIn('Contract', 'contractId', { nullable: true, description: 'Budgets generated by any of these contracts.' }),
      salesStatus: {
        kind: 'custom',
        type: [SalesStatusEnum],
        where: (statuses: SalesStatus[]) => ({ salesStatusId: { in: statuses.map((s) => SALES_STATUSES[s]) } }),
        description: 'Deals in any of these sales statuses.',
      },
      // Open: not closed (a won or lost deal, or a budget marked closed, has `closedAt`).
      open: isNull('closedAt', 'Open (not closed) or closed.'),
      tags: { kind: 'custom', type: ['String'], where: anyTag, description: 'Deals with any of these tags.' },
      name: ops('string', { description: 'On the name.' }),
      number: ops('int', { description: 'On the deal number (budgets of one contract share theirs).' }),
      currency: ops('string', { description: 'On the ISO 4217 code of its currency.' }),
      probability: ops('int', { description: 'On the chance of winning, in per cent.' }),
      date: ops('date', { description: 'On the day it starts.' }),
      endDate: ops('date', { nullable: true, description: 'On the day it ends; `isNull: true` for open-ended ones.' }),
      closedAt: ops('datetime', { nullable: true, description: 'On when it was closed; `isNull: true` for open ones.' }),
      createdAt: ops('datetime', { description: 'On when it was created.' }),
    },
  },
  // Money sorts compare the default-currency value, the one form comparable across deals: the sums a
  // trigger keeps on the deal row (see prisma/schema.prisma), equal to `revenue` and `profit` in it.
  sorts: {
    NAME: sortBy('string', 'name', 'Alphabetically by name.'),
    NUMBER: sortBy('int', 'number', 'By deal number.'),
    DATE: sortBy('date', 'date', 'By the day it starts.'),
    REVENUE: sortBy('decimal', 'sortRevenueDefault', "By revenue in the organization's default currency."),
    PROFIT: sortBy('decimal', 'sortProfitDefault', "By profit in the organization's default currency."),
    COMPANY_NAME: sortBy('string', ['company', 'name'], "By the company's name."),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.'),
  },
  // The same sums the money sorts use: kept on the deal row by the database, equal to each deal's
  // `revenue.default`, `cost.default` and `profit.default` (services, time entries and expenses).
  totals: {
    description: "Totals over every deal matching the filter, not only the current page, in the organization's default currency.",
    fields: {
      totalRevenue: defaultTotal('sortRevenueDefault', 'Sum of `revenue.default`.'),
      totalCost: defaultTotal('sortCostDefault', 'Sum of `cost.default`.'),
      totalProfit: defaultTotal('sortProfitDefault', 'Sum of `profit.default`.'),
    },
  },
  // Keys are SQL over the deal row `r`, by field name (src/domain/kit/groups.ts).
  groups: {
    source: { table: 'deals' },
    keys: {
      DATE: byDate('date', 'The day it starts, by `bucket`.'),
      CLOSED_AT: byDate('closedAt', "When it was closed, by `bucket`, in the organization's time zone; open deals form one group.", { timestamp: true }),
      CREATED_AT: byDate('createdAt', "When it was created, by `bucket`, in the organization's time zone.", { timestamp: true }),
      COMPANY: byRelation('company', 'Company', 'r."companyId"', 'The client company.'),
      PROJECT: byRelation('project', 'Project', 'r."projectId"', 'The project; deals without one form one group.'),
      RESPONSIBLE: byRelation('responsible', 'Person', 'r."responsibleId"', 'Who is responsible for it; deals without anyone form one group.'),
      DEAL_STATUS: byRelation('dealStatus', 'DealStatus', 'r."dealStatusId"', 'Its pipeline stage; deals without one form one group.'),
      SALES_STATUS: byValue(
        'salesStatus',
        SalesStatusEnum,
        `CASE r."salesStatusId" ${Object.entries(SALES_STATUSES).map(([name, id]) => `WHEN ${id} THEN '${name}'`).join(' ')} END`,
        'Its sales status; budgets (which have none) form one group.',
      ),
      CURRENCY: byValue('currency', 'String', 'r."currency"', 'Its currency.'),
    },
  },
};

builder.queryFields((t) => ({
  deals: listField(t, dealList),
  deal: byIdField(t, 'Deal', 'One deal or budget. An unknown id, or one of another organization, is a `NOT_FOUND` error.'),
}));

// ---- Writing -------------------------------------------------------------------------------

const dealFields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  name: t.string({ description: 'The name as shown in lists, 1 to 255 characters. Required on create; on update, null or blank is `BLANK`.' }),
  companyId: t.id({
    description:
      'The client company: not archived (keeping an archived one is fine), and the company of the deal\'s project. ' +
      'Required on create; null on update is `BLANK`.',
  }),
  projectId: t.id({ description: "A project of the deal's company. Optional; null clears it." }),
  responsibleId: t.id({ description: 'Who is responsible for it: a person of the organization. Optional; null clears it.' }),
  dealStatusId: t.id({ description: 'Its stage of the pipeline (`dealStatuses`). Optional; null clears it.' }),
  budget: t.boolean({
    description: 'A budget (`true`) rather than a deal in the sales pipeline. Default false; null is `BLANK`. A deal made a budget leaves the pipeline.',
  }),
  date: t.field({ type: 'Date', description: 'The day it starts, not after `endDate`. Default: today; null is `BLANK`.' }),
  endDate: t.field({ type: 'Date', description: 'The day it ends, not before `date`. Optional; null clears it.' }),
  probability: t.int({ description: 'Chance of winning in per cent, 0 to 100. Default 100; null on update keeps it.' }),
  timeApproval: t.boolean({ description: 'Whether time entries on it need approval (recorded, not enforced here). Default false; null on update keeps it.' }),
  expenseApproval: t.boolean({ description: 'Whether expenses on it need approval (recorded, not enforced here). Default false; null on update keeps it.' }),
  salesStatus: t.field({
    type: SalesStatusEnum,
    description:
      'Deals only (default OPEN; a budget given one is `INVALID`). WON or LOST closes the deal; OPEN reopens it. Null or ' +
      'left out keeps it.',
  }),
  closed: t.boolean({ description: 'Close (true) or reopen (false), a budget in particular. Null or left out: only `salesStatus` opens or closes.' }),
  deliveredOn: t.field({ type: 'Date', description: 'The day the work was delivered. Optional; null clears it.' }),
  tagList: t.stringList({
    description: `At most 50 tags of at most 100 characters; blanks and repeats are dropped. Given, it replaces the list; null clears it.`,
  }),
  currency: t.string({
    description:
      "ISO 4217 code. Default: the organization's. Changing it re-expresses the deal's expenses' normalized and billable " +
      'amounts in the new currency, in the same transaction. Null on update is `BLANK`.',
  }),
  exchangeRate: t.string({
    description:
      "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\". 1 for the organization's " +
      'currency (where it must be 1); required for any other. Changing it recomputes the expenses\' normalized amounts. ' +
      'On update, left out or null keeps the stored rate unless `currency` changes.',
  }),
  budgetTotal: t.field({ type: 'BigInt', description: 'The agreed budget, in minor units of `currency`; 0 to 10^15. Default 0; null sets 0.' }),
});

const toDomainInput = domainInput<DealInput>({ companyId: 'Company', projectId: 'Project', responsibleId: 'Person', dealStatusId: 'DealStatus' });

const CreateDealInput = builder.inputType('CreateDealInput', {
  description: 'A new deal or budget. `name` and `companyId` are required.',
  fields: (t) => ({ ...dealFields(t), idempotencyKey: idempotencyKeyField(t) }),
});

const UpdateDealInput = builder.inputType('UpdateDealInput', {
  description: 'Changes to a deal: fields left out stay as they are; `null` clears an optional field.',
  fields: (t) => ({ id: t.id({ required: true, description: "The deal or budget to change. An unknown id, or another organization's, is `NOT_FOUND`." }), ...dealFields(t) }),
});

const dealId = (id: string | number) => inputDatabaseId(id, 'Deal');

builder.mutationFields((t) => ({
  createDeal: t.field({
    type: payloadType('CreateDealPayload', 'Deal', 'The result of `createDeal`.'),
    description: 'Creates a deal or budget with the next number of the organization.',
    args: { input: t.arg({ type: CreateDealInput, required: true, description: 'The new deal or budget.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createDeal(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  updateDeal: t.field({
    type: payloadType('UpdateDealPayload', 'Deal', 'The result of `updateDeal`.'),
    description:
      'Changes a deal or budget. A new currency or rate is carried into its expenses, services and invoice attributions ' +
      'in the same transaction, or refused as a whole when a converted amount would not fit.',
    args: { input: t.arg({ type: UpdateDealInput, required: true, description: 'The deal and what to change.' }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateDeal(ctx.db, ctx.viewer, dealId(input.id), toDomainInput(input))),
  }),
  deleteDeal: deleteField(t, 'Deal', {
    about: 'The deal goes to the recycle bin with its expenses and the contracts it is the template of, and comes back with them when restored.',
    remove: (ctx, id) => deleteDeal(ctx.db, ctx.viewer, id),
  }),
}));
