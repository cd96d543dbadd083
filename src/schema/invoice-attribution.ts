// The InvoiceAttribution type: the part of an invoice's amount attributed to a budget. Rules in
// src/domain/invoice-attributions.ts, money in src/money/attribution-amounts.ts.
import {
  createInvoiceAttribution,
  deleteInvoiceAttribution,
  updateInvoiceAttribution,
  type AttributionInput,
} from '../domain/invoice-attributions.js';
import type { Result } from '../domain/kit/result.js';
import { attributionMoneySet } from '../money/attribution-amounts.js';
import { builder } from './builder.js';
import { byIdField } from './kit/by-id.js';
import { byDate, byRelation, byValue } from './kit/groups.js';
import { idsIn, listField, moneyTotal, ops, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { MoneySetRef } from './money.js';

export const InvoiceAttributionRef = builder.prismaNode('InvoiceAttribution', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  description: "A part of an invoice's amount attributed to a budget: it counts as `invoiced` on the budget.",
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this attribution.' }),
    invoice: t.relation('invoice', { description: 'The invoice (or credit note) whose amount it attributes.' }),
    budget: t.relation('deal', { description: 'The budget (deal) it is attributed to.' }),
    amount: t.field({
      type: MoneySetRef,
      description: "In the invoice's currency (original), the organization's (default) and the budget's (normalized).",
      select: { amount: true, currency: true, amountDefault: true, amountNormalized: true, normalizedCurrency: true },
      resolve: (a, _args, ctx) => attributionMoneySet(a, ctx.viewer.organization.defaultCurrency),
    }),
    dateFrom: t.expose('dateFrom', { type: 'Date', nullable: true, description: 'The start of the period it covers.' }),
    dateTo: t.expose('dateTo', { type: 'Date', nullable: true, description: 'The end of the period it covers.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: "When it last changed, also when its invoice's or budget's currency or rate rewrote its amounts.",
    }),
  }),
});

export const invoiceAttributionList: ListSpec = {
  type: 'InvoiceAttribution',
  description: 'Invoice attributions of the organization, by id unless another order is given.',
  filter: {
    description: 'Which attributions to include.',
    fields: {
      invoiceIds: idsIn('Invoice', 'invoiceId', 'Attributions of any of these invoices.'),
      budgetIds: idsIn('Deal', 'dealId', 'Attributions to any of these budgets.'),
      dateFrom: ops('date', { nullable: true, description: 'On the start of the period it covers; `isNull: true` for those without one.' }),
      dateTo: ops('date', { nullable: true, description: 'On the end of the period it covers; `isNull: true` for those without one.' }),
      amount: ops('bigint', { description: "On the amount in the invoice's currency, in minor units." }),
      createdAt: ops('datetime', { description: 'On when it was created.' }),
    },
  },
  sorts: {
    DATE_FROM: sortBy('date', 'dateFrom', { nullable: true, description: 'By the start of the period covered; attributions without one come last.' }),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.'),
  },
  // Keys are SQL over the attribution `r` (by field name) and its budget `d` (src/domain/kit/groups.ts).
  groups: {
    source: {
      table: 'invoice_attributions',
      joins: { d: 'LEFT JOIN "public"."deals" AS d ON d.organization_id = r."organizationId" AND d.id = r."dealId"' },
    },
    keys: {
      DATE_FROM: byDate('dateFrom', 'The start of the period it covers, by `bucket`; attributions without one form one group.'),
      CREATED_AT: byDate('createdAt', "When it was created, by `bucket`, in the organization's time zone.", { timestamp: true }),
      INVOICE: byRelation('invoice', 'Invoice', 'r."invoiceId"', 'The invoice (or credit note) whose amount it attributes.'),
      BUDGET: byRelation('budget', 'Deal', 'r."dealId"', 'The budget (deal) it is attributed to.'),
      COMPANY: byRelation('company', 'Company', 'd.company_id', "The company of the attribution's budget.", 'd'),
      PROJECT: byRelation('project', 'Project', 'd.project_id', "The project of the attribution's budget; budgets without one form one group.", 'd'),
      CURRENCY: byValue('currency', 'String', 'r."currency"', "The invoice's currency, that of `amount.original`."),
    },
  },
  totals: {
    description: 'Totals over every attribution matching the filter, not only the current page.',
    fields: {
      totalAmount: moneyTotal('amount', 'Sum of `amount`.'),
    },
  },
};

builder.queryFields((t) => ({
  invoiceAttributions: listField(t, invoiceAttributionList),
  invoiceAttribution: byIdField(t, 'InvoiceAttribution', 'One attribution. An unknown id, or one of another organization, is a `NOT_FOUND` error.'),
}));

const fields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  invoiceId: t.id({ description: 'An invoice (or credit note) of the organization. Required on create; null on update is `BLANK`.' }),
  budgetId: t.id({ description: 'A budget (deal) of the organization. Required on create; null on update is `BLANK`.' }),
  amount: t.field({
    type: 'BigInt',
    description:
      "In minor units of the invoice's currency; not 0, with the invoice's sign. An invoice's attributions may not add up " +
      'to more than its amount. Required on create; null on update is `BLANK`.',
  }),
  dateFrom: t.field({ type: 'Date', description: 'The start of the period it covers. Optional; null clears it.' }),
  dateTo: t.field({ type: 'Date', description: 'The end of the period it covers, not before `dateFrom`. Optional; null clears it.' }),
});

/** The domain's input: `budgetId` is the deal's id; errors name it `dealId`, so they are renamed back. */
const toDomainInput = domainInput<AttributionInput>({ invoiceId: 'Invoice', budgetId: { of: 'Deal', as: 'dealId' } });

const asPayload = (result: Result<{ id: number }>) =>
  toPayload(
    result.ok
      ? result
      : { ok: false, errors: result.errors.map((e) => (e.field[1] === 'dealId' ? { ...e, field: ['input', 'budgetId'], message: e.message.replace(/^Deal /, 'Budget ') } : e)) },
  );

builder.mutationFields((t) => ({
  createInvoiceAttribution: t.field({
    type: payloadType('CreateInvoiceAttributionPayload', 'InvoiceAttribution', 'The result of `createInvoiceAttribution`.'),
    description: "Attributes part of an invoice's amount to a budget, where it counts as `invoiced`.",
    args: {
      input: t.arg({
        type: builder.inputType('CreateInvoiceAttributionInput', {
          description: '`invoiceId`, `budgetId` and `amount` are required.',
          fields: (f) => ({ ...fields(f), idempotencyKey: idempotencyKeyField(f) }),
        }),
        required: true,
        description: 'The new attribution.',
      }),
    },
    resolve: async (_root, { input }, ctx, info) =>
      asPayload(await idempotent(ctx, info, input, (values) => createInvoiceAttribution(ctx.db, ctx.viewer, toDomainInput(values)))),
  }),
  updateInvoiceAttribution: t.field({
    type: payloadType('UpdateInvoiceAttributionPayload', 'InvoiceAttribution', 'The result of `updateInvoiceAttribution`.'),
    description: 'Changes an attribution: its amount, period, invoice or budget, within what the invoice bills.',
    args: {
      input: t.arg({
        type: builder.inputType('UpdateInvoiceAttributionInput', {
          description: 'Changes to an attribution: fields left out stay as they are.',
          fields: (f) => ({ id: f.id({ required: true, description: "The attribution to change. An unknown id, or another organization's, is `NOT_FOUND`." }), ...fields(f) }),
        }),
        required: true,
        description: 'The attribution and what to change.',
      }),
    },
    resolve: async (_root, { input }, ctx) =>
      asPayload(
        await updateInvoiceAttribution(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'InvoiceAttribution'), toDomainInput(input)),
      ),
  }),
  deleteInvoiceAttribution: deleteField(t, 'InvoiceAttribution', {
    what: 'attribution',
    about: 'The attribution goes to the recycle bin, from which it can be restored; its budget no longer counts it as invoiced.',
    remove: (ctx, id) => deleteInvoiceAttribution(ctx.db, ctx.viewer, id),
  }),
}));
