// The Expense type with its queries and mutations. Resolvers translate GraphQL shapes (global
// ids, input objects, payloads) and call src/domain; the rules live there.
import { GraphQLError } from 'graphql';
import type { Expense } from '../generated/prisma/client.js';
import {
  expenseOrderBy,
  expenseTotals,
  expenseWhere,
  type ExpenseFilter,
  type ExpenseSortField,
  type ExpenseTotals,
} from '../domain/expense-queries.js';
import {
  approveExpense,
  createExpense,
  deleteExpense,
  rejectExpense,
  unapproveExpense,
  updateExpense,
  type ExpenseInput,
} from '../domain/expenses.js';
import type { Result, UserError } from '../domain/result.js';
import { formatRate } from '../money/money.js';
import { builder } from './builder.js';
import { UserErrorRef } from './errors.js';
import { BigIntOperators, DateOperators, DateTimeOperators, SortDirection, StringOperators } from './filters.js';
import { databaseId, filterIds, inputId } from './ids.js';
import { MoneySetRef, MoneyTotalRef, type MoneySetShape } from './money.js';
import { pageSizeOptions } from './pagination.js';

const ApprovalStatus = builder.enumType('ExpenseApprovalStatus', {
  description: 'Where an expense stands in approval.',
  values: {
    APPROVED: { description: 'Approved.' },
    NOT_APPROVED: { description: 'Neither approved nor rejected: awaiting a decision.' },
    REJECTED: { description: 'Rejected, with a reason.' },
  } as const,
});

const PaymentStatus = builder.enumType('ExpensePaymentStatus', {
  description: 'Whether an expense has been paid.',
  values: { PAID: { description: 'Has a `paidOn` date.' }, UNPAID: { description: 'Has no `paidOn` date.' } } as const,
});

function moneySet(
  e: Expense,
  defaultCurrency: string,
  original: [bigint, string],
  defaultCents: bigint,
  normalizedCents: bigint,
): MoneySetShape {
  return {
    original: { cents: original[0], currency: original[1] },
    default: { cents: defaultCents, currency: defaultCurrency },
    normalized: { cents: normalizedCents, currency: e.normalizedCurrency },
  };
}

builder.prismaNode('Expense', {
  id: { field: 'id' },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A cost booked on a deal, possibly billable to the client, subject to approval.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    date: t.expose('date', { type: 'Date', description: 'When the cost was incurred.' }),
    payOn: t.expose('payOn', { type: 'Date', nullable: true, description: 'When it is due to be paid.' }),
    paidOn: t.expose('paidOn', { type: 'Date', nullable: true, description: 'When it was paid.' }),
    paymentStatus: t.field({
      type: PaymentStatus,
      resolve: (e) => (e.paidOn ? 'PAID' : 'UNPAID'),
    }),
    position: t.exposeInt('position', { description: 'Order among the expenses of its deal.' }),
    invoiced: t.exposeBoolean('invoiced'),
    approved: t.exposeBoolean('approved'),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true }),
    rejected: t.exposeBoolean('rejected'),
    rejectedReason: t.exposeString('rejectedReason', { nullable: true }),
    rejectedAt: t.expose('rejectedAt', { type: 'DateTime', nullable: true }),
    approvalStatus: t.field({
      type: ApprovalStatus,
      resolve: (e) => (e.approved ? 'APPROVED' : e.rejected ? 'REJECTED' : 'NOT_APPROVED'),
    }),
    reimbursable: t.exposeBoolean('reimbursable', { nullable: true }),
    reimbursedOn: t.expose('reimbursedOn', { type: 'Date', nullable: true }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code of `amount.original`.' }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      resolve: (e) => formatRate(e.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', { type: 'Date' }),
    amount: t.field({
      type: MoneySetRef,
      description: 'The cost.',
      resolve: (e, _args, ctx) =>
        moneySet(e, ctx.viewer.organization.defaultCurrency, [e.amount, e.currency], e.amountDefault, e.amountNormalized),
    }),
    billableAmount: t.field({
      type: MoneySetRef,
      description: "What the client is billed. Entered and kept in the deal's currency.",
      resolve: (e, _args, ctx) =>
        moneySet(
          e,
          ctx.viewer.organization.defaultCurrency,
          [e.billableAmount, e.normalizedCurrency],
          e.billableAmountDefault,
          e.billableAmount,
        ),
    }),
    profit: t.field({
      type: MoneySetRef,
      description: "`billableAmount` − `amount`, in the deal's currency (original and normalized) and the default one.",
      resolve: (e, _args, ctx) =>
        moneySet(
          e,
          ctx.viewer.organization.defaultCurrency,
          [e.profitNormalized, e.normalizedCurrency],
          e.profitDefault,
          e.profitNormalized,
        ),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deal: t.relation('deal'),
    serviceType: t.relation('serviceType'),
    organization: t.relation('organization'),
    creator: t.relation('creator', { description: 'Who entered it.' }),
    person: t.relation('person', { nullable: true, description: 'Whom it is for, if anyone.' }),
    approver: t.relation('approver', { nullable: true }),
    rejecter: t.relation('rejecter', { nullable: true }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

interface FilterArgs {
  dealIds?: readonly string[] | null;
  serviceTypeIds?: readonly string[] | null;
  companyIds?: readonly string[] | null;
  projectIds?: readonly string[] | null;
  personIds?: readonly string[] | null;
  and?: readonly FilterArgs[] | null;
  or?: readonly FilterArgs[] | null;
  not?: FilterArgs | null;
  [key: string]: unknown;
}

const ExpenseFilterInput = builder.inputRef<FilterArgs>('ExpenseFilter').implement({
  description:
    'Which expenses to include. All given conditions must hold; `and`, `or` and `not` combine nested filters. ' +
    'Date ranges (`dateAfter`, `dateBefore`, ...) include their end days.',
  fields: (t) => ({
    dealIds: t.idList({ description: 'Expenses of any of these deals.' }),
    serviceTypeIds: t.idList(),
    companyIds: t.idList({ description: "Expenses of any of these companies' deals." }),
    projectIds: t.idList({ description: "Expenses of any of these projects' deals." }),
    personIds: t.idList({ description: 'Expenses for any of these people.' }),
    dateAfter: t.field({ type: 'Date' }),
    dateBefore: t.field({ type: 'Date' }),
    payOnAfter: t.field({ type: 'Date' }),
    payOnBefore: t.field({ type: 'Date' }),
    paidOnAfter: t.field({ type: 'Date' }),
    paidOnBefore: t.field({ type: 'Date' }),
    status: t.field({ type: PaymentStatus, description: 'Paid (has `paidOn`) or unpaid.' }),
    approvalStatus: t.field({ type: ApprovalStatus }),
    invoiced: t.boolean(),
    reimbursable: t.boolean({ description: '`false` also matches expenses where it was never set.' }),
    name: t.field({ type: StringOperators }),
    currency: t.field({ type: StringOperators }),
    amount: t.field({ type: BigIntOperators, description: 'On the original amount, in minor units.' }),
    billableAmount: t.field({ type: BigIntOperators, description: "On the billable amount, in the deal's minor units." }),
    date: t.field({ type: DateOperators }),
    payOn: t.field({ type: DateOperators }),
    paidOn: t.field({ type: DateOperators }),
    createdAt: t.field({ type: DateTimeOperators }),
    and: t.field({ type: [ExpenseFilterInput] }),
    or: t.field({ type: [ExpenseFilterInput] }),
    not: t.field({ type: ExpenseFilterInput }),
  }),
});

function decodeFilter(filter: FilterArgs | null | undefined, path = 'filter'): ExpenseFilter | undefined {
  if (!filter) return undefined;
  return {
    ...(filter as ExpenseFilter),
    dealIds: filterIds(filter.dealIds, 'Deal', `${path}.dealIds`),
    serviceTypeIds: filterIds(filter.serviceTypeIds, 'ServiceType', `${path}.serviceTypeIds`),
    companyIds: filterIds(filter.companyIds, 'Company', `${path}.companyIds`),
    projectIds: filterIds(filter.projectIds, 'Project', `${path}.projectIds`),
    personIds: filterIds(filter.personIds, 'Person', `${path}.personIds`),
    and: filter.and?.map((f, i) => decodeFilter(f, `${path}.and[${i}]`)!),
    or: filter.or?.map((f, i) => decodeFilter(f, `${path}.or[${i}]`)!),
    not: decodeFilter(filter.not, `${path}.not`),
  };
}

/** The Prisma condition of one field's arguments, built once and shared by the page, totalCount and totals. */
const wheres = new WeakMap<object, ReturnType<typeof expenseWhere>>();
function whereOf(args: { filter?: FilterArgs | null }) {
  let where = wheres.get(args);
  if (!where) {
    where = expenseWhere(decodeFilter(args.filter));
    wheres.set(args, where);
  }
  return where;
}

const SortField = builder.enumType('ExpenseOrderField', {
  description: 'What expenses can be sorted by.',
  values: {
    NAME: {},
    DATE: {},
    PAY_ON: { description: 'Expenses without one come last.' },
    PAID_ON: { description: 'Expenses without one come last.' },
    AMOUNT: { description: "By the amount in the organization's default currency." },
    BILLABLE_AMOUNT: { description: "By the billable amount in the organization's default currency." },
    PROFIT: { description: "By the profit in the organization's default currency." },
    SERVICE_TYPE_NAME: { description: "By the service type's name." },
    CREATED_AT: {},
  } as const,
});

const ExpenseOrder = builder.inputType('ExpenseOrder', {
  description: 'One sort key. Ties are broken by the next key, and finally by id, so pages never overlap.',
  fields: (t) => ({
    field: t.field({ type: SortField, required: true }),
    direction: t.field({ type: SortDirection, defaultValue: 'ASC' }),
  }),
});

/** The totals of one connection, computed at most once however many of them are selected. */
interface AggregatesParent {
  totals: () => Promise<ExpenseTotals>;
}

const ExpenseAggregates = builder.objectRef<AggregatesParent>('ExpenseAggregates').implement({
  description: 'Totals over every expense matching the filter, not only the current page.',
  fields: (t) => ({
    totalAmount: t.field({
      type: MoneyTotalRef,
      description: 'Sum of `amount`.',
      resolve: async (parent) => (await parent.totals()).totalAmount,
    }),
    totalBillableAmount: t.field({
      type: MoneyTotalRef,
      description: 'Sum of `billableAmount`.',
      resolve: async (parent) => (await parent.totals()).totalBillableAmount,
    }),
    totalProfit: t.field({
      type: MoneyTotalRef,
      description: 'Sum of `profit`.',
      resolve: async (parent) => (await parent.totals()).totalProfit,
    }),
  }),
});

builder.queryFields((t) => ({
  expenses: t.prismaConnection(
    {
      type: 'Expense',
      cursor: 'id',
      ...pageSizeOptions,
      description: 'Expenses of the organization, filtered and sorted (by id when no order is given).',
      args: {
        filter: t.arg({ type: ExpenseFilterInput }),
        orderBy: t.arg({ type: [ExpenseOrder] }),
      },
      totalCount: (_parent, args, ctx) => ctx.db.expense.count({ where: whereOf(args) }),
      resolve: (query, _parent, args, ctx) =>
        ctx.db.expense.findMany({
          ...query,
          where: whereOf(args),
          orderBy: expenseOrderBy(
            args.orderBy?.map((o) => ({ field: o.field as ExpenseSortField, direction: o.direction ?? 'ASC' })),
          ),
        }),
    },
    {
      name: 'ExpenseConnection',
      fields: (c) => ({
        aggregates: c.field({
          type: ExpenseAggregates,
          description: 'Totals over the whole filtered set.',
          resolve: (connection, _args, ctx) => {
            const where = whereOf(connection.args as { filter?: FilterArgs });
            let totals: Promise<ExpenseTotals> | undefined;
            return {
              totals: () => (totals ??= expenseTotals(ctx.db, where, ctx.viewer.organization.defaultCurrency)),
            };
          },
        }),
      }),
    },
    { name: 'ExpenseEdge' },
  ),
  expense: t.prismaField({
    type: 'Expense',
    nullable: true,
    description: 'One expense. An unknown id, or one of another organization, is a `NOT_FOUND` error.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = databaseId(String(args.id), 'Expense');
      const expense = id === null ? null : await ctx.db.expense.findUnique({ ...query, where: { id } });
      if (!expense) {
        throw new GraphQLError(`No expense with id ${String(args.id)}.`, { extensions: { code: 'NOT_FOUND' } });
      }
      return expense;
    },
  }),
}));

// ---- Writing -------------------------------------------------------------------------------

interface Payload {
  expenseId: number | null;
  userErrors: UserError[];
}

function payloadType(name: string, description: string) {
  return builder.objectRef<Payload>(name).implement({
    description,
    fields: (t) => ({
      expense: t.prismaField({
        type: 'Expense',
        nullable: true,
        description: 'The expense as it is now; null when there are user errors.',
        resolve: (query, payload, _args, ctx) => {
          // Read the selection even when there is nothing to load: Pothos checks it was used.
          const selection = { ...query };
          return payload.expenseId === null
            ? null
            : ctx.db.expense.findUnique({ ...selection, where: { id: payload.expenseId } });
        },
      }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
    }),
  });
}

function toPayload(result: Result<{ id: number }>): Payload {
  return result.ok ? { expenseId: result.value.id, userErrors: [] } : { expenseId: null, userErrors: result.errors };
}

// Input fields are nullable on purpose: a missing value is reported as a user error with the
// reference's message, together with every other problem of the input.
const expenseFields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  name: t.string(),
  dealId: t.id({ description: 'The deal (budget) it is booked on.' }),
  serviceTypeId: t.id(),
  personId: t.id({ description: 'Whom it is for (optional).' }),
  amount: t.field({ type: 'BigInt', description: "Cost in minor units of `currency`." }),
  billableAmount: t.field({ type: 'BigInt', description: "What to bill the client, in minor units of the deal's currency. Default 0." }),
  currency: t.string({ description: 'ISO 4217 code of `amount`.' }),
  exchangeRate: t.string({
    description:
      "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\". Defaults to 1 for the " +
      "default currency and to the deal's rate for the deal's currency; required otherwise.",
  }),
  date: t.field({ type: 'Date' }),
  payOn: t.field({ type: 'Date' }),
  paidOn: t.field({ type: 'Date' }),
  position: t.int({ description: 'Defaults to after the last expense of the deal.' }),
  reimbursable: t.boolean(),
  reimbursedOn: t.field({ type: 'Date' }),
});

type RawExpenseInput = { [K in keyof ExpenseInput]?: unknown } & {
  dealId?: string | null;
  serviceTypeId?: string | null;
  personId?: string | null;
};

function toDomainInput(raw: RawExpenseInput): ExpenseInput {
  const input = { ...raw } as ExpenseInput & Record<string, unknown>;
  if ('dealId' in raw) input.dealId = inputId(raw.dealId, 'Deal');
  if ('serviceTypeId' in raw) input.serviceTypeId = inputId(raw.serviceTypeId, 'ServiceType');
  if ('personId' in raw) input.personId = inputId(raw.personId, 'Person');
  delete input.id;
  return input;
}

const CreateExpenseInput = builder.inputType('CreateExpenseInput', {
  description: 'A new expense. `name`, `dealId`, `serviceTypeId`, `amount`, `currency` and `date` are required.',
  fields: (t) => expenseFields(t),
});

const UpdateExpenseInput = builder.inputType('UpdateExpenseInput', {
  description: 'Changes to an expense: fields left out stay as they are; `null` clears an optional field.',
  fields: (t) => ({ id: t.id({ required: true }), ...expenseFields(t) }),
});

const ExpenseIdInput = (name: string, description: string) =>
  builder.inputType(name, { description, fields: (t) => ({ id: t.id({ required: true }) }) });

const RejectExpenseInput = builder.inputType('RejectExpenseInput', {
  description: 'The expense to reject, and why.',
  fields: (t) => ({
    id: t.id({ required: true }),
    reason: t.string({ description: 'Why it is rejected; required.' }),
  }),
});

const expenseId = (id: string | number) => databaseId(String(id), 'Expense') ?? -1;

builder.mutationFields((t) => ({
  createExpense: t.field({
    type: payloadType('CreateExpensePayload', 'The result of `createExpense`.'),
    args: { input: t.arg({ type: CreateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await createExpense(ctx.db, ctx.viewer, toDomainInput(input as RawExpenseInput))),
  }),
  updateExpense: t.field({
    type: payloadType('UpdateExpensePayload', 'The result of `updateExpense`.'),
    args: { input: t.arg({ type: UpdateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateExpense(ctx.db, ctx.viewer, expenseId(input.id), toDomainInput(input as RawExpenseInput))),
  }),
  deleteExpense: t.field({
    type: builder.objectRef<{ deletedExpenseId: string | null; userErrors: UserError[] }>('DeleteExpensePayload').implement({
      description: 'The result of `deleteExpense`. The expense goes to the recycle bin, from which it can be restored.',
      fields: (p) => ({
        deletedExpenseId: p.exposeID('deletedExpenseId', { nullable: true }),
        userErrors: p.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
      }),
    }),
    args: { input: t.arg({ type: ExpenseIdInput('DeleteExpenseInput', 'The expense to delete.'), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const result = await deleteExpense(ctx.db, ctx.viewer, expenseId(input.id));
      return result.ok
        ? { deletedExpenseId: String(input.id), userErrors: [] }
        : { deletedExpenseId: null, userErrors: result.errors };
    },
  }),
  approveExpense: t.field({
    type: payloadType('ApproveExpensePayload', 'The result of `approveExpense`.'),
    description: 'Approves an expense, recording who and when. Approving an approved expense is a user error.',
    args: { input: t.arg({ type: ExpenseIdInput('ApproveExpenseInput', 'The expense to approve.'), required: true }) },
    resolve: async (_root, { input }, ctx) => toPayload(await approveExpense(ctx.db, ctx.viewer, expenseId(input.id))),
  }),
  unapproveExpense: t.field({
    type: payloadType('UnapproveExpensePayload', 'The result of `unapproveExpense`.'),
    description: 'Withdraws an approval. Unapproving an expense that is not approved is a user error.',
    args: {
      input: t.arg({ type: ExpenseIdInput('UnapproveExpenseInput', 'The expense to unapprove.'), required: true }),
    },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await unapproveExpense(ctx.db, ctx.viewer, expenseId(input.id))),
  }),
  rejectExpense: t.field({
    type: payloadType('RejectExpensePayload', 'The result of `rejectExpense`.'),
    description: 'Rejects an expense with a reason, recording who and when; an approval is withdrawn.',
    args: { input: t.arg({ type: RejectExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await rejectExpense(ctx.db, ctx.viewer, expenseId(input.id), input.reason)),
  }),
}));
