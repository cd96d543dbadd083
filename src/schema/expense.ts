// The Expense type with its queries and mutations. Resolvers translate GraphQL shapes (global
// ids, input objects, payloads) and call src/domain; the rules live there.
import { present } from '../domain/kit/conditions.js';
import {
  approveExpense,
  createExpense,
  deleteExpense,
  expenseApprovalStatus,
  expensePaymentStatus,
  rejectExpense,
  unapproveExpense,
  updateExpense,
  type ExpenseInput,
} from '../domain/expenses.js';
import { EXPENSE_MONEY_COLUMNS, expenseMoneySet, type ExpenseMoneyField } from '../money/expense-amounts.js';
import { formatRate } from '../money/money.js';
import { builder } from './builder.js';
import { byIdField } from './kit/by-id.js';
import { flag, idsIn, listField, moneyTotal, onOrAfter, onOrBefore, ops, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, idInput, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { MoneySetRef, type MoneySetShape } from './money.js';

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

/** A money field in its three forms (src/money/expense-amounts.ts); only its columns are loaded. */
const moneySetField = (field: ExpenseMoneyField) => ({
  type: MoneySetRef,
  select: Object.fromEntries([...EXPENSE_MONEY_COLUMNS[field], 'normalizedCurrency'].map((c) => [c, true])) as Record<string, true>,
  resolve: (e: Record<string, unknown>, _args: object, ctx: { viewer: { organization: { defaultCurrency: string } } }): MoneySetShape =>
    expenseMoneySet(e as never, field, ctx.viewer.organization.defaultCurrency),
});

export const ExpenseRef = builder.prismaNode('Expense', {
  id: { field: 'id' },
  // Select mode: a row loads only the columns the query's fields need (a list of names does not
  // build 36 columns of BigInt, Date and Decimal objects per row).
  select: { id: true },
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
      select: { paidOn: true },
      resolve: (e) => expensePaymentStatus(e),
    }),
    position: t.exposeInt('position', { description: 'Order among the expenses of its deal.' }),
    invoiced: t.exposeBoolean('invoiced', { description: 'Whether it has been invoiced, as `createExpense` or `updateExpense` set it.' }),
    approved: t.exposeBoolean('approved'),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true }),
    rejected: t.exposeBoolean('rejected'),
    rejectedReason: t.exposeString('rejectedReason', { nullable: true }),
    rejectedAt: t.expose('rejectedAt', { type: 'DateTime', nullable: true }),
    approvalStatus: t.field({
      type: ApprovalStatus,
      select: { approved: true, rejected: true },
      resolve: (e) => expenseApprovalStatus(e),
    }),
    reimbursable: t.exposeBoolean('reimbursable', { nullable: true }),
    reimbursedOn: t.expose('reimbursedOn', { type: 'Date', nullable: true }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code of `amount.original`.' }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      select: { exchangeRate: true },
      resolve: (e) => formatRate(e.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', { type: 'Date' }),
    amount: t.field({
      ...moneySetField('amount'),
      description: 'The cost.',
    }),
    billableAmount: t.field({
      ...moneySetField('billableAmount'),
      description: "What the client is billed. Entered and kept in the deal's currency.",
    }),
    profit: t.field({
      ...moneySetField('profit'),
      description: "`billableAmount` − `amount`, in the deal's currency (original and normalized) and the default one.",
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

export const expenseList: ListSpec = {
  type: 'Expense',
  description: 'Expenses of the organization, filtered and sorted (by id when no order is given).',
  filter: {
    description: 'Which expenses to include. Date ranges (`dateAfter`, `dateBefore`, ...) include their end days.',
    fields: {
      dealIds: idsIn('Deal', 'dealId', 'Expenses of any of these deals.'),
      serviceTypeIds: idsIn('ServiceType', 'serviceTypeId'),
      companyIds: idsIn('Company', ['deal', 'companyId'], "Expenses of any of these companies' deals."),
      projectIds: idsIn('Project', ['deal', 'projectId'], "Expenses of any of these projects' deals."),
      personIds: idsIn('Person', 'personId', { nullable: true, description: 'Expenses for any of these people.' }),
      dateAfter: onOrAfter('date'),
      dateBefore: onOrBefore('date'),
      payOnAfter: onOrAfter('payOn', { nullable: true }),
      payOnBefore: onOrBefore('payOn', { nullable: true }),
      paidOnAfter: onOrAfter('paidOn', { nullable: true }),
      paidOnBefore: onOrBefore('paidOn', { nullable: true }),
      status: {
        kind: 'custom',
        type: PaymentStatus,
        where: (status: 'PAID' | 'UNPAID') => ({ paidOn: status === 'PAID' ? { not: null } : null }),
        description: 'Paid (has `paidOn`) or unpaid.',
      },
      approvalStatus: {
        kind: 'custom',
        type: ApprovalStatus,
        // NOT_APPROVED means awaiting a decision: neither approved nor rejected (as expenseApprovalStatus).
        where: (status: 'APPROVED' | 'NOT_APPROVED' | 'REJECTED') =>
          ({ APPROVED: { approved: true }, NOT_APPROVED: { approved: false, rejected: false }, REJECTED: { rejected: true } })[status],
      },
      invoiced: flag('invoiced'),
      reimbursable: {
        kind: 'custom',
        type: 'Boolean',
        where: (reimbursable: boolean) =>
          reimbursable ? present('reimbursable', { reimbursable: true }) : { OR: [{ reimbursable: false }, { reimbursable: null }] },
        description: '`false` also matches expenses where it was never set.',
      },
      name: ops('string'),
      currency: ops('string'),
      amount: ops('bigint', { description: 'On the original amount, in minor units.' }),
      billableAmount: ops('bigint', { description: "On the billable amount, in the deal's minor units." }),
      date: ops('date'),
      payOn: ops('date', { nullable: true }),
      paidOn: ops('date', { nullable: true }),
      createdAt: ops('datetime'),
    },
  },
  // Money sorts compare the default-currency value, the one form comparable across currencies.
  sorts: {
    NAME: sortBy('string', 'name'),
    DATE: sortBy('date', 'date'),
    PAY_ON: sortBy('date', 'payOn', { nullable: true, description: 'Expenses without one come last.' }),
    PAID_ON: sortBy('date', 'paidOn', { nullable: true, description: 'Expenses without one come last.' }),
    AMOUNT: sortBy('bigint', 'amountDefault', "By the amount in the organization's default currency."),
    BILLABLE_AMOUNT: sortBy('bigint', 'billableAmountDefault', "By the billable amount in the organization's default currency."),
    PROFIT: sortBy('bigint', 'profitDefault', "By the profit in the organization's default currency."),
    // A copy of the service type's name kept on the expense by the database (see schema.prisma).
    SERVICE_TYPE_NAME: sortBy('string', 'serviceTypeName', "By the service type's name."),
    CREATED_AT: sortBy('datetime', 'createdAt'),
  },
  // Billable amounts and profit are kept in the deal's currency (see money/expense-amounts.ts).
  totals: {
    description: 'Totals over every expense matching the filter, not only the current page.',
    fields: {
      totalAmount: moneyTotal('amount', 'Sum of `amount`.'),
      totalBillableAmount: {
        original: { sum: 'billableAmount', currency: 'normalizedCurrency' },
        default: 'billableAmountDefault',
        normalized: { sum: 'billableAmount', currency: 'normalizedCurrency' },
        description: 'Sum of `billableAmount`.',
      },
      totalProfit: {
        original: { sum: 'profitNormalized', currency: 'normalizedCurrency' },
        default: 'profitDefault',
        normalized: { sum: 'profitNormalized', currency: 'normalizedCurrency' },
        description: 'Sum of `profit`.',
      },
    },
  },
};

builder.queryFields((t) => ({
  expenses: listField(t, expenseList),
  expense: byIdField(t, 'Expense', 'One expense. An unknown id, or one of another organization, is a `NOT_FOUND` error.'),
}));

// ---- Writing -------------------------------------------------------------------------------

// Input fields are nullable on purpose: a missing value is reported as a user error with the
// reference's message, together with every other problem of the input.
const expenseFields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  name: t.string({ description: 'At most 255 characters.' }),
  dealId: t.id({ description: 'The deal (budget) it is booked on.' }),
  serviceTypeId: t.id(),
  personId: t.id({ description: 'Whom it is for (optional).' }),
  amount: t.field({ type: 'BigInt', description: "Cost in minor units of `currency`." }),
  billableAmount: t.field({ type: 'BigInt', description: "What to bill the client, in minor units of the deal's currency. Default 0." }),
  currency: t.string({ description: 'ISO 4217 code of `amount`.' }),
  exchangeRate: t.string({
    description:
      "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\": a plain decimal greater " +
      'than 0 with at most 10 digits before and 10 after the point. Defaults to 1 for the default currency (where ' +
      "it must be 1) and to the deal's rate for the deal's currency; required otherwise.",
  }),
  date: t.field({ type: 'Date' }),
  payOn: t.field({ type: 'Date' }),
  paidOn: t.field({ type: 'Date' }),
  position: t.int({ description: 'From 1 to 1 000 000. Defaults to after the last expense of the deal.' }),
  reimbursable: t.boolean(),
  reimbursedOn: t.field({ type: 'Date' }),
  invoiced: t.boolean({
    description:
      'Whether it has been invoiced: a client that exports expenses to accounting marks them. Default false; on an update, ' +
      'null (or left out) keeps it as it is. Nothing else sets it yet (invoice attributions are to deals, not expenses).',
  }),
});

const toDomainInput = domainInput<ExpenseInput>({ dealId: 'Deal', serviceTypeId: 'ServiceType', personId: 'Person' });

const CreateExpenseInput = builder.inputType('CreateExpenseInput', {
  description: 'A new expense. `name`, `dealId`, `serviceTypeId`, `amount`, `currency` and `date` are required.',
  fields: (t) => ({ ...expenseFields(t), idempotencyKey: idempotencyKeyField(t) }),
});

const UpdateExpenseInput = builder.inputType('UpdateExpenseInput', {
  description: 'Changes to an expense: fields left out stay as they are; `null` clears an optional field.',
  fields: (t) => ({ id: t.id({ required: true }), ...expenseFields(t) }),
});

const RejectExpenseInput = builder.inputType('RejectExpenseInput', {
  description: 'The expense to reject, and why.',
  fields: (t) => ({
    id: t.id({ required: true }),
    reason: t.string({ description: 'Why it is rejected; required, at most 1000 characters.' }),
  }),
});

const expenseId = (id: string | number) => inputDatabaseId(id, 'Expense');
const payload = (name: string, description: string) => payloadType(name, 'Expense', description);

builder.mutationFields((t) => ({
  createExpense: t.field({
    type: payload('CreateExpensePayload', 'The result of `createExpense`.'),
    args: { input: t.arg({ type: CreateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createExpense(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  updateExpense: t.field({
    type: payload('UpdateExpensePayload', 'The result of `updateExpense`.'),
    args: { input: t.arg({ type: UpdateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateExpense(ctx.db, ctx.viewer, expenseId(input.id), toDomainInput(input))),
  }),
  deleteExpense: deleteField(t, 'Expense', {
    about: 'The expense goes to the recycle bin, from which it can be restored.',
    remove: (ctx, id) => deleteExpense(ctx.db, ctx.viewer, id),
  }),
  approveExpense: t.field({
    type: payload('ApproveExpensePayload', 'The result of `approveExpense`.'),
    description: 'Approves an expense, recording who and when. Approving an approved expense is a user error.',
    args: { input: t.arg({ type: idInput('ApproveExpenseInput', 'The expense to approve.'), required: true }) },
    resolve: async (_root, { input }, ctx) => toPayload(await approveExpense(ctx.db, ctx.viewer, expenseId(input.id))),
  }),
  unapproveExpense: t.field({
    type: payload('UnapproveExpensePayload', 'The result of `unapproveExpense`.'),
    description: 'Withdraws an approval. Unapproving an expense that is not approved is a user error.',
    args: {
      input: t.arg({ type: idInput('UnapproveExpenseInput', 'The expense to unapprove.'), required: true }),
    },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await unapproveExpense(ctx.db, ctx.viewer, expenseId(input.id))),
  }),
  rejectExpense: t.field({
    type: payload('RejectExpensePayload', 'The result of `rejectExpense`.'),
    description: 'Rejects an expense with a reason, recording who and when; an approval is withdrawn.',
    args: { input: t.arg({ type: RejectExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await rejectExpense(ctx.db, ctx.viewer, expenseId(input.id), input.reason)),
  }),
}));
