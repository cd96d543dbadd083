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
import { byDate, byRelation, byValue } from './kit/groups.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, idInput, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { MoneySetRef, type MoneySetShape } from './money.js';

const ApprovalStatus = builder.enumType('ExpenseApprovalStatus', {
  description: 'Where an expense stands in approval.',
  values: {
    APPROVED: { description: 'Approved (`approveExpense`): `approvedAt` and `approver` say when and by whom.' },
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
    databaseId: t.exposeInt('id', { description: "The expense's numeric id, as the REST API's `/api/v2/expenses/:id` has it." }),
    name: t.exposeString('name', { description: "The expense's name as shown in lists; 1 to 255 characters." }),
    date: t.expose('date', { type: 'Date', description: 'The day the cost was incurred; also the day of its exchange rate (`exchangeDate`).' }),
    payOn: t.expose('payOn', { type: 'Date', nullable: true, description: 'The day it is due to be paid; null when no due day was set.' }),
    paidOn: t.expose('paidOn', { type: 'Date', nullable: true, description: 'The day it was paid; null while it is unpaid.' }),
    paymentStatus: t.field({
      type: PaymentStatus,
      description: '`PAID` when `paidOn` is set, `UNPAID` otherwise (the REST API\'s `status` 1 and 2).',
      select: { paidOn: true },
      resolve: (e) => expensePaymentStatus(e),
    }),
    position: t.exposeInt('position', {
      description: 'Its place among the live expenses of its deal, from 1; unique there. Deleting an expense leaves a gap.',
    }),
    invoiced: t.exposeBoolean('invoiced', {
      description: "Whether the cost has been billed on an invoice (the REST API's `invoiced`), as `createExpense` or `updateExpense` set it.",
    }),
    approved: t.exposeBoolean('approved', { description: 'Whether it is approved: `approveExpense` sets it; `unapproveExpense` and `rejectExpense` clear it.' }),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true, description: 'When it was approved; null unless `approved`.' }),
    rejected: t.exposeBoolean('rejected', { description: 'Whether it is rejected (`rejectExpense`); approving it clears this.' }),
    rejectedReason: t.exposeString('rejectedReason', { nullable: true, description: 'Why it was rejected, as given to `rejectExpense`; null unless `rejected`.' }),
    rejectedAt: t.expose('rejectedAt', { type: 'DateTime', nullable: true, description: 'When it was rejected; null unless `rejected`.' }),
    approvalStatus: t.field({
      type: ApprovalStatus,
      description: '`approved` and `rejected` in one value: `APPROVED`, `REJECTED`, or `NOT_APPROVED` while it awaits a decision.',
      select: { approved: true, rejected: true },
      resolve: (e) => expenseApprovalStatus(e),
    }),
    reimbursable: t.exposeBoolean('reimbursable', {
      nullable: true,
      description: 'Whether the cost is to be paid back to the person who laid it out; null when that was never said.',
    }),
    reimbursedOn: t.expose('reimbursedOn', { type: 'Date', nullable: true, description: 'The day it was paid back; null until then.' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code of `amount.original`.' }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      select: { exchangeRate: true },
      resolve: (e) => formatRate(e.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', { type: 'Date', description: 'The day `exchangeRate` applies to: always the expense\'s `date`.' }),
    amount: t.field({
      ...moneySetField('amount'),
      description: "The cost: `original` as entered in `currency`, `default` converted at `exchangeRate`, `normalized` in the deal's currency.",
    }),
    billableAmount: t.field({
      ...moneySetField('billableAmount'),
      description: "What the client is billed. Entered and kept in the deal's currency.",
    }),
    profit: t.field({
      ...moneySetField('profit'),
      description: "`billableAmount` − `amount`, in the deal's currency (original and normalized) and the default one.",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the expense was entered.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed, approvals and rejections included.' }),
    deal: t.relation('deal', { description: 'The deal (budget) the cost is booked on.' }),
    serviceType: t.relation('serviceType', { description: 'What kind of cost it is; it may have been archived since it was chosen.' }),
    organization: t.relation('organization', { description: 'The organization it belongs to: always the one of the request.' }),
    creator: t.relation('creator', { description: 'Who entered it.' }),
    person: t.relation('person', { nullable: true, description: 'Whom it is for, if anyone.' }),
    approver: t.relation('approver', { nullable: true, description: 'Who approved it; null unless `approved`.' }),
    rejecter: t.relation('rejecter', { nullable: true, description: 'Who rejected it; null unless `rejected`.' }),
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
      serviceTypeIds: idsIn('ServiceType', 'serviceTypeId', 'Expenses of any of these service types.'),
      companyIds: idsIn('Company', ['deal', 'companyId'], "Expenses of any of these companies' deals."),
      projectIds: idsIn('Project', ['deal', 'projectId'], "Expenses of any of these projects' deals."),
      personIds: idsIn('Person', 'personId', { nullable: true, description: 'Expenses for any of these people.' }),
      dateAfter: onOrAfter('date', 'Incurred on this day or later.'),
      dateBefore: onOrBefore('date', 'Incurred on this day or earlier.'),
      payOnAfter: onOrAfter('payOn', { nullable: true, description: 'Due on this day or later; expenses without `payOn` never match.' }),
      payOnBefore: onOrBefore('payOn', { nullable: true, description: 'Due on this day or earlier; expenses without `payOn` never match.' }),
      paidOnAfter: onOrAfter('paidOn', { nullable: true, description: 'Paid on this day or later; unpaid expenses never match.' }),
      paidOnBefore: onOrBefore('paidOn', { nullable: true, description: 'Paid on this day or earlier; unpaid expenses never match.' }),
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
        description: 'Only expenses with this `approvalStatus`.',
      },
      invoiced: flag('invoiced', 'Invoiced (`true`) or not yet (`false`).'),
      reimbursable: {
        kind: 'custom',
        type: 'Boolean',
        where: (reimbursable: boolean) =>
          reimbursable ? present('reimbursable', { reimbursable: true }) : { OR: [{ reimbursable: false }, { reimbursable: null }] },
        description: '`false` also matches expenses where it was never set.',
      },
      name: ops('string', { description: 'On the name, e.g. `{ contains: "taxi" }`.' }),
      currency: ops('string', { description: 'On the ISO 4217 code of the original amount, e.g. `{ in: ["EUR", "USD"] }`.' }),
      amount: ops('bigint', { description: 'On the original amount, in minor units.' }),
      billableAmount: ops('bigint', { description: "On the billable amount, in the deal's minor units." }),
      date: ops('date', { description: 'On the day the cost was incurred.' }),
      payOn: ops('date', { nullable: true, description: 'On the due day; `isNull: true` for expenses without one.' }),
      paidOn: ops('date', { nullable: true, description: 'On the day it was paid; `isNull: true` for unpaid expenses.' }),
      createdAt: ops('datetime', { description: 'On when the expense was entered.' }),
    },
  },
  // Money sorts compare the default-currency value, the one form comparable across currencies.
  sorts: {
    NAME: sortBy('string', 'name', 'Alphabetically by name.'),
    DATE: sortBy('date', 'date', 'By the day the cost was incurred.'),
    PAY_ON: sortBy('date', 'payOn', { nullable: true, description: 'By the due day; expenses without one come last.' }),
    PAID_ON: sortBy('date', 'paidOn', { nullable: true, description: 'By the day paid; unpaid expenses come last.' }),
    AMOUNT: sortBy('bigint', 'amountDefault', "By the amount in the organization's default currency."),
    BILLABLE_AMOUNT: sortBy('bigint', 'billableAmountDefault', "By the billable amount in the organization's default currency."),
    PROFIT: sortBy('bigint', 'profitDefault', "By the profit in the organization's default currency."),
    // A copy of the service type's name kept on the expense by the database (see schema.prisma).
    SERVICE_TYPE_NAME: sortBy('string', 'serviceTypeName', "By the service type's name."),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when the expense was entered.'),
  },
  // The SQL of each key is over the expense row `r`, by field name (src/domain/kit/groups.ts); `d` is its deal.
  // Approval statuses are worked out as expenseApprovalStatus does.
  groups: {
    source: {
      table: 'expenses',
      joins: { d: 'LEFT JOIN "public"."deals" AS d ON d.organization_id = r."organizationId" AND d.id = r."dealId"' },
    },
    keys: {
      DATE: byDate('date', 'The day the cost was incurred, by `bucket`.'),
      PAID_ON: byDate('paidOn', 'The day it was paid, by `bucket`; unpaid expenses form the group without one.'),
      CREATED_AT: byDate('createdAt', "When the expense was entered, by `bucket`, in the organization's time zone.", { timestamp: true }),
      DEAL: byRelation('deal', 'Deal', 'r."dealId"', 'The deal (budget) it is booked on.'),
      COMPANY: byRelation('company', 'Company', 'd.company_id', "The company of the expense's deal.", 'd'),
      PROJECT: byRelation('project', 'Project', 'd.project_id', "The project of the expense's deal; expenses of deals without one form one group.", 'd'),
      SERVICE_TYPE: byRelation('serviceType', 'ServiceType', 'r."serviceTypeId"', 'What kind of cost it is.'),
      PERSON: byRelation('person', 'Person', 'r."personId"', 'Whom it is for; expenses for no one form one group.'),
      CREATOR: byRelation('creator', 'Person', 'r."creatorId"', 'Who entered it.'),
      APPROVAL_STATUS: byValue(
        'approvalStatus',
        ApprovalStatus,
        `CASE WHEN r."approved" THEN 'APPROVED' WHEN r."rejected" THEN 'REJECTED' ELSE 'NOT_APPROVED' END`,
        'Where it stands in approval.',
      ),
      PAYMENT_STATUS: byValue('paymentStatus', PaymentStatus, `CASE WHEN r."paidOn" IS NULL THEN 'UNPAID' ELSE 'PAID' END`, 'Paid or unpaid.'),
      CURRENCY: byValue('currency', 'String', 'r."currency"', 'The currency of `amount.original`.'),
    },
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
  name: t.string({
    description: "The expense's name as shown in lists, 1 to 255 characters. Required on create; on update, null or blank is `BLANK`.",
  }),
  dealId: t.id({
    description:
      'The deal (budget) it is booked on. Required on create; on update, another deal moves the expense there (after its ' +
      'last expense unless `position` is given), and null is `BLANK`.',
  }),
  serviceTypeId: t.id({
    description:
      'What kind of cost it is: a service type of the organization that is not archived (`INVALID` "is archived"; keeping ' +
      'the one it has is fine). Required on create; null on update is `BLANK`.',
  }),
  personId: t.id({ description: 'Whom the cost is for: a person of the organization. Optional; null clears it.' }),
  amount: t.field({
    type: 'BigInt',
    description: 'The cost in minor units of `currency` (12500 is 125.00), 0 to 10^15. Required on create; null on update is `BLANK`.',
  }),
  billableAmount: t.field({
    type: 'BigInt',
    description: "What to bill the client, in minor units of the deal's currency, 0 to 10^15. Left out on create, or null, it is 0.",
  }),
  currency: t.string({
    description: 'ISO 4217 code of `amount`, e.g. `EUR`. Required on create; null or blank on update is `BLANK`, an unknown code `INVALID_CURRENCY`.',
  }),
  exchangeRate: t.string({
    description:
      "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\": a plain decimal greater " +
      'than 0 with at most 10 digits before and 10 after the point. Defaults to 1 for the default currency (where ' +
      "it must be 1) and to the deal's rate for the deal's currency; required otherwise. On update, left out or null " +
      'keeps the stored rate unless the currency or the deal changes; then it is chosen again as on create.',
  }),
  date: t.field({
    type: 'Date',
    description: 'The day the cost was incurred, also the day of its exchange rate. Required on create; null on update is `BLANK`.',
  }),
  payOn: t.field({ type: 'Date', description: 'The day it is due to be paid. Optional; null clears it.' }),
  paidOn: t.field({ type: 'Date', description: 'The day it was paid, which makes it `PAID`. Optional; null clears it (`UNPAID`).' }),
  position: t.int({
    description:
      "Its place among the deal's live expenses, 1 to 1 000 000: the expenses at and after it move one down (a place past " +
      'the end is taken as it is). Left out or null: after the last expense of the deal on create or on a move to another ' +
      'deal, unchanged otherwise.',
  }),
  reimbursable: t.boolean({ description: 'Whether the cost is to be paid back to whoever laid it out. Optional; null clears it.' }),
  reimbursedOn: t.field({ type: 'Date', description: 'The day it was paid back. Optional; null clears it.' }),
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
  fields: (t) => ({ id: t.id({ required: true, description: "The expense to change. An unknown id, or another organization's, is `NOT_FOUND`." }), ...expenseFields(t) }),
});

const RejectExpenseInput = builder.inputType('RejectExpenseInput', {
  description: 'The expense to reject, and why.',
  fields: (t) => ({
    id: t.id({ required: true, description: "The expense to reject. An unknown id, or another organization's, is `NOT_FOUND`." }),
    reason: t.string({ description: 'Why it is rejected, shown as `rejectedReason`: required (blank is `BLANK`), at most 1000 characters.' }),
  }),
});

const expenseId = (id: string | number) => inputDatabaseId(id, 'Expense');
const payload = (name: string, description: string) => payloadType(name, 'Expense', description);

builder.mutationFields((t) => ({
  createExpense: t.field({
    type: payload('CreateExpensePayload', 'The result of `createExpense`.'),
    description: "Books a cost on a deal, at the end of its expenses unless a `position` is given. Its money is converted once, at the rate stored on it.",
    args: { input: t.arg({ type: CreateExpenseInput, required: true, description: 'The new expense.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createExpense(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  updateExpense: t.field({
    type: payload('UpdateExpensePayload', 'The result of `updateExpense`.'),
    description: 'Changes an expense, moves it to another deal or place, and recomputes its converted amounts from what it stores.',
    args: { input: t.arg({ type: UpdateExpenseInput, required: true, description: 'The expense and what to change.' }) },
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
    args: { input: t.arg({ type: idInput('ApproveExpenseInput', 'The expense to approve.'), required: true, description: 'The expense to approve.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await approveExpense(ctx.db, ctx.viewer, expenseId(input.id))),
  }),
  unapproveExpense: t.field({
    type: payload('UnapproveExpensePayload', 'The result of `unapproveExpense`.'),
    description: 'Withdraws an approval. Unapproving an expense that is not approved is a user error.',
    args: {
      input: t.arg({ type: idInput('UnapproveExpenseInput', 'The expense to unapprove.'), required: true, description: 'The expense to unapprove.' }),
    },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await unapproveExpense(ctx.db, ctx.viewer, expenseId(input.id))),
  }),
  rejectExpense: t.field({
    type: payload('RejectExpensePayload', 'The result of `rejectExpense`.'),
    description: 'Rejects an expense with a reason, recording who and when; an approval is withdrawn.',
    args: { input: t.arg({ type: RejectExpenseInput, required: true, description: 'The expense to reject, and why.' }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await rejectExpense(ctx.db, ctx.viewer, expenseId(input.id), input.reason)),
  }),
}));
