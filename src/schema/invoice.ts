// The Invoice type (invoices and credit notes) with its queries and mutations. Resolvers translate
// GraphQL shapes and call src/domain; the rules live in src/domain/invoices.ts, the money in
// src/money/invoice-money.ts, statuses and credit-note sums in src/domain/invoice-status.ts.
// `Invoice.attributions` (a connection) belongs to the attribution slice (src/schema/invoice-attribution.ts).
import {
  creditSumsByInvoice,
  INVOICE_TYPES,
  invoiceStatusOf,
  invoiceTypeOf,
  statusCondition,
  todayUtc,
  type CreditSums,
  type InvoiceStatus,
  type InvoiceType,
} from '../domain/invoice-status.js';
import {
  archiveInvoice,
  createInvoice,
  deleteInvoice,
  unarchiveInvoice,
  updateInvoice,
  type InvoiceInput,
} from '../domain/invoices.js';
import { NOTHING } from '../domain/kit/conditions.js';
import { anyTag } from '../domain/kit/tags.js';
import { formatPercent, invoiceMoney, type InvoiceMoneyField } from '../money/invoice-money.js';
import { formatRate } from '../money/money.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { invoiceAttributionList } from './invoice-attribution.js';
import { byIdField } from './kit/by-id.js';
import { idsIn, listField, mentions, notNull, ops, relatedListField, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, idInput, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { liveRelation } from './kit/relations.js';
import { MoneySetRef } from './money.js';

export const InvoiceTypeEnum = builder.enumType('InvoiceType', {
  description: 'An invoice or a credit note (the REST API\'s `invoice_type_id` 1 and 2).',
  values: {
    INVOICE: { description: 'An invoice (1).' },
    CREDIT_NOTE: { description: 'A credit note (2): it credits an invoice, with a negative amount.' },
  } as const,
});

export const InvoiceStatusEnum = builder.enumType('InvoiceStatus', {
  description: 'Where an invoice stands, as of today (UTC).',
  values: {
    DRAFT: { description: 'Neither sent nor finalized, not paid.' },
    SENT: { description: 'Sent or finalized, not paid, and not past `payOn`.' },
    OVERDUE: { description: 'Sent or finalized, not paid, and `payOn` is before today.' },
    PAID: { description: 'Has a `paidOn` date.' },
  } as const,
});

/** One statement for the credit notes of every invoice of the request that asks for `credited` or `amountCredited`. */
const creditSums = (ctx: Context) =>
  ctx.loaders.get<number, CreditSums>('Invoice.creditSums', (ids) => creditSumsByInvoice(ctx.db, ids));

const MONEY_COLUMNS = {
  currency: true,
  exchangeRate: true,
  amount: true,
  amountPaid: true,
  amountWrittenOff: true,
  tax1Value: true,
  tax2Value: true,
} as const;

const money = (field: InvoiceMoneyField, description: string) => ({
  type: MoneySetRef,
  description: `${description} Original and normalized in the invoice's currency; default converted at its rate.`,
  select: MONEY_COLUMNS,
  resolve: async (
    invoice: {
      id: number;
      currency: string;
      exchangeRate: { toFixed(): string };
      amount: bigint;
      amountPaid: bigint;
      amountWrittenOff: bigint;
      tax1Value: { toFixed(): string } | null;
      tax2Value: { toFixed(): string } | null;
    },
    _args: object,
    ctx: Context,
  ) => {
    // Only amountCredited needs the credit notes: the other fields cost no statement.
    const credited = field === 'amountCredited' ? (await creditSums(ctx).load(invoice.id)).credited : 0n;
    return invoiceMoney(invoice, credited, ctx.viewer.organization.defaultCurrency)[field];
  },
});

const percent = (column: 'discount' | 'tax1Value' | 'tax2Value', description: string) => ({
  nullable: true as const,
  description: `${description} A decimal string, e.g. "10.5".`,
  select: { [column]: true } as Record<typeof column, true>,
  resolve: (invoice: Record<typeof column, { toFixed(): string } | null>) =>
    invoice[column] === null ? null : formatPercent(invoice[column]),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

export const InvoiceRef = builder.prismaNode('Invoice', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description:
    'An invoice (or a credit note) to a client company. `amount` is entered without tax; taxes, totals and what is ' +
    'unpaid are derived from it (see docs/money.md).',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this invoice.' }),
    number: t.exposeString('number', { nullable: true, description: "Unique among the organization's live invoices; null when it has none yet." }),
    subject: t.exposeString('subject', { nullable: true, description: 'Its subject line; null when there is none.' }),
    invoiceType: t.field({
      type: InvoiceTypeEnum,
      description: 'An invoice or a credit note; fixed when it is created.',
      select: { invoiceTypeId: true },
      resolve: (invoice) => invoiceTypeOf(invoice.invoiceTypeId),
    }),
    invoiceTypeId: t.exposeInt('invoiceTypeId', { description: 'The REST number of `invoiceType`: 1 invoice, 2 credit note.' }),
    status: t.field({
      type: InvoiceStatusEnum,
      description: 'Where it stands as of today (UTC), from `paidOn`, `sentOn`, `finalizedOn` and `payOn`.',
      select: { paidOn: true, sentOn: true, finalizedOn: true, payOn: true },
      resolve: (invoice) => invoiceStatusOf(invoice, todayUtc()),
    }),
    invoicedOn: t.expose('invoicedOn', { type: 'Date', description: "The invoice's date (by default the day it was created); `paymentTerms` count from it." }),
    sentOn: t.expose('sentOn', { type: 'Date', nullable: true, description: 'The day it was sent to the client; null while it is not.' }),
    payOn: t.expose('payOn', { type: 'Date', nullable: true, description: 'The day it is due to be paid; null when no due day is set.' }),
    deliveryOn: t.expose('deliveryOn', { type: 'Date', nullable: true, description: 'The day what it bills was delivered; null when not given.' }),
    paidOn: t.expose('paidOn', { type: 'Date', nullable: true, description: 'The day it was paid; set, its `status` is PAID. Null while unpaid.' }),
    finalizedOn: t.expose('finalizedOn', { type: 'Date', nullable: true, description: 'The day it was finalized; null while it is not.' }),
    paymentTerms: t.exposeInt('paymentTerms', { nullable: true, description: 'Days from `invoicedOn` to `payOn`.' }),
    discount: t.string(percent('discount', 'Discount in per cent, informative: `amount` is entered after it.')),
    tax1Name: t.exposeString('tax1Name', { nullable: true, description: 'The name of the first tax, e.g. "VAT"; null when there is none.' }),
    tax1Value: t.string(percent('tax1Value', 'The first tax, in per cent of `amount`.')),
    tax2Name: t.exposeString('tax2Name', { nullable: true, description: 'The name of the second tax; null when there is none.' }),
    tax2Value: t.string(percent('tax2Value', 'The second tax, in per cent of `amount`.')),
    note: t.exposeString('note', { nullable: true, description: 'A free-text note, up to 10000 characters; null when there is none.' }),
    footer: t.exposeString('footer', { nullable: true, description: 'The text at the foot of the invoice, up to 10000 characters; null when there is none.' }),
    purchaseOrderNumber: t.exposeString('purchaseOrderNumber', {
      nullable: true,
      description: "The client's purchase order number, to quote on the invoice; null when there is none.",
    }),
    tagList: t.exposeStringList('tagList', { description: 'Its tags, trimmed, without blanks or repeats; empty when it has none.' }),
    currency: t.exposeString('currency', { description: "ISO 4217 code of its amounts (`original` and `normalized` forms)." }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      select: { exchangeRate: true },
      resolve: (invoice) => formatRate(invoice.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', {
      type: 'Date',
      description: 'The day `exchangeRate` applies to: `invoicedOn` when it was created, the day of the last change of currency or rate since.',
    }),
    credited: t.boolean({
      description: 'Whether it has at least one credit note (not in the recycle bin).',
      resolve: async (invoice, _args, ctx) => (await creditSums(ctx).load(invoice.id)).count > 0,
    }),
    archived: t.boolean({
      description: 'Whether it is archived: lists leave it out unless their filter mentions `archived`.',
      select: { archivedAt: true },
      resolve: (invoice) => invoice.archivedAt !== null,
    }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true, description: 'When it was archived; null when it is not.' }),
    amount: t.field(money('amount', 'Without tax, as entered (negative on a credit note).')),
    amountTax: t.field(money('amountTax', '`amount` × `tax1Value` % + `amount` × `tax2Value` %, each rounded once.')),
    amountWithTax: t.field(money('amountWithTax', '`amount` + `amountTax`.')),
    amountPaid: t.field(money('amountPaid', 'What has been paid, as entered.')),
    amountWrittenOff: t.field(money('amountWrittenOff', 'What has been written off, as entered.')),
    amountUnpaid: t.field(money('amountUnpaid', '`amountWithTax` − `amountPaid` − `amountWrittenOff`.')),
    amountCredited: t.field(money('amountCredited', 'What its credit notes take off it: − the sum of their `amountWithTax`.')),
    company: t.relation('company', { description: "The client company invoiced; a credit note's is its invoice's." }),
    creator: t.relation('creator', { description: 'Who created it.' }),
    parentInvoice: liveRelation(t as never, 'parentInvoice', 'Invoice', "A credit note's invoice."),
    creditNotes: relatedListField(t as never, invoiceList, {
      relation: 'creditNotes',
      foreignKey: 'parentInvoiceId',
      description:
        'Its credit notes, with the filters, orders and paging of `Query.invoices` -- archived ones are left out ' +
        'unless the filter mentions `archived`, as there.',
    }),
    attributions: relatedListField(t as never, invoiceAttributionList, {
      relation: 'attributions',
      foreignKey: 'invoiceId',
      description: 'The parts of its amount attributed to budgets, with the filters, orders and totals of `Query.invoiceAttributions`.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const invoiceList: ListSpec = {
  type: 'Invoice',
  // Archiving files an invoice away without deleting it: lists leave it out unless asked.
  defaults: (filter) => (mentions(filter, 'archived') ? filter : { ...filter, archived: false }),
  description:
    'Invoices and credit notes of the organization, by id unless another order is given. Archived invoices are ' +
    'left out unless the filter mentions `archived` (`archived: true` lists only them, `archived: null` both).',
  filter: {
    description: 'Which invoices to include.',
    fields: {
      companyIds: idsIn('Company', 'companyId', 'Invoices to any of these companies.'),
      parentInvoiceIds: idsIn('Invoice', 'parentInvoiceId', { nullable: true, description: 'Credit notes of any of these invoices.' }),
      status: {
        kind: 'custom',
        type: [InvoiceStatusEnum],
        // Prisma reads an empty OR as no condition at all: an empty list states "nothing" outright.
        where: (statuses: InvoiceStatus[]) => {
          const today = todayUtc();
          return statuses.length === 0 ? NOTHING : { OR: statuses.map((s) => statusCondition(s, today)) };
        },
        description: 'Invoices in any of these statuses, as of today (UTC).',
      },
      archived: notNull(
        'archivedAt',
        'Archived (true) or not (false). Default when left out: false -- archived invoices are excluded. `null` includes both.',
      ),
      invoiceType: {
        kind: 'custom',
        type: InvoiceTypeEnum,
        where: (type: InvoiceType) => ({ invoiceTypeId: INVOICE_TYPES[type] }),
        description: 'Invoices or credit notes.',
      },
      tags: { kind: 'custom', type: ['String'], where: anyTag, description: 'Invoices with any of these tags.' },
      number: ops('string', { nullable: true, description: 'On the number; invoices without one match only `notEq` and `notContains`.' }),
      currency: ops('string', { description: 'On the ISO 4217 code of its currency.' }),
      invoicedOn: ops('date', { description: "On the invoice's date." }),
      sentOn: ops('date', { nullable: true, description: 'On the day it was sent; `isNull: true` for unsent ones.' }),
      payOn: ops('date', { nullable: true, description: 'On the due day; `isNull: true` for invoices without one.' }),
      paidOn: ops('date', { nullable: true, description: 'On the day it was paid; `isNull: true` for unpaid ones.' }),
      createdAt: ops('datetime', { description: 'On when it was created.' }),
    },
  },
  sorts: {
    NUMBER: sortBy('string', 'number', { nullable: true, description: 'By number, as text; invoices without a number come last.' }),
    INVOICED_ON: sortBy('date', 'invoicedOn', "By the invoice's date."),
    PAY_ON: sortBy('date', 'payOn', { nullable: true, description: 'By the due day; invoices without one come last.' }),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.'),
  },
};

builder.queryFields((t) => ({
  invoices: listField(t, invoiceList),
  invoice: byIdField(t, 'Invoice', 'One invoice or credit note (archived or not). An unknown id, or one of another organization, is a `NOT_FOUND` error.'),
}));

// ---- Writing -------------------------------------------------------------------------------

const invoiceFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => ({
  companyId: t.id({
    description:
      "The client company; a credit note's must be its invoice's, and an invoice with credit notes keeps its own. " +
      'Required on create; null on update is `BLANK`.',
  }),
  number: t.string({
    description: "At most 255 characters; unique among the organization's live invoices (else `TAKEN`). Optional; blank or null clears it.",
  }),
  subject: t.string({ description: 'The subject line, at most 255 characters. Optional; blank or null clears it.' }),
  invoicedOn: t.field({
    type: 'Date',
    description:
      "The invoice's date (a new invoice's rate applies to it; a later change of date keeps the rate's day). Default (also for " +
      'null on create): today; null on update is `BLANK`.',
  }),
  paymentTerms: t.int({
    description: 'Days from `invoicedOn` to `payOn`, 0 to 3650. When it (or `invoicedOn`) changes without `payOn`, `payOn` follows. Optional; null clears it.',
  }),
  payOn: t.field({ type: 'Date', description: 'The day it is due. Default: `invoicedOn` + `paymentTerms` when there are terms. Null clears it.' }),
  sentOn: t.field({ type: 'Date', description: 'The day it was sent, which takes it out of DRAFT. Optional; null clears it.' }),
  deliveryOn: t.field({ type: 'Date', description: 'The day what it bills was delivered. Optional; null clears it.' }),
  paidOn: t.field({ type: 'Date', description: 'Set: the invoice is PAID. Optional; null clears it.' }),
  finalizedOn: t.field({ type: 'Date', description: 'The day it was finalized, which takes it out of DRAFT. Optional; null clears it.' }),
  discount: t.string({ description: 'Per cent, 0 to 100 with at most 4 decimals, e.g. "10.5". Informative. Optional; null clears it.' }),
  tax1Name: t.string({ description: 'The first tax\'s name, at most 255 characters. Optional; blank or null clears it.' }),
  tax1Value: t.string({ description: 'Per cent of `amount`, 0 to 100 with at most 4 decimals, e.g. "25". Optional (no tax); null clears it.' }),
  tax2Name: t.string({ description: 'The second tax\'s name, at most 255 characters. Optional; blank or null clears it.' }),
  tax2Value: t.string({ description: 'Per cent of `amount`, 0 to 100 with at most 4 decimals. Optional (no tax); null clears it.' }),
  note: t.string({ description: 'A free-text note, at most 10000 characters. Optional; blank or null clears it.' }),
  footer: t.string({ description: 'The text at the foot, at most 10000 characters. Optional; blank or null clears it.' }),
  purchaseOrderNumber: t.string({ description: "The client's purchase order number, at most 255 characters. Optional; blank or null clears it." }),
  tagList: t.stringList({ description: 'At most 50 tags of at most 100 characters; blanks and repeats are dropped. Given, it replaces the list; null clears it.' }),
  currency: t.string({
    description:
      "ISO 4217 code. Default: the organization's (a credit note's: its invoice's, which it must have). Changing it " +
      "carries the new currency into the invoice's attributions; not while it has credit notes. Null on update is `BLANK`.",
  }),
  exchangeRate: t.string({
    description:
      "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\". 1 for the organization's " +
      "currency (where it must be 1); a credit note's default is its invoice's rate; required for any other. On update, " +
      'left out or null keeps the stored rate unless `currency` changes.',
  }),
  amount: t.field({
    type: 'BigInt',
    description:
      'Without tax, in minor units of `currency`, within ±10^15: not negative on an invoice, not positive on a credit note. ' +
      'Default 0; null on update keeps it.',
  }),
  amountPaid: t.field({ type: 'BigInt', description: 'What has been paid, in minor units of `currency`, within ±10^15. Default 0; null on update keeps it.' }),
  amountWrittenOff: t.field({
    type: 'BigInt',
    description: 'What has been written off, in minor units of `currency`, within ±10^15. Default 0; null on update keeps it.',
  }),
});

const toDomainInput = domainInput<InvoiceInput>({ companyId: 'Company', parentInvoiceId: 'Invoice' });

const CreateInvoiceInput = builder.inputType('CreateInvoiceInput', {
  description: 'A new invoice or credit note. `companyId` is required; a credit note also needs `parentInvoiceId`.',
  fields: (t) => ({
    invoiceType: t.field({ type: InvoiceTypeEnum, description: 'Invoice or credit note, for good. Default (also for null): INVOICE.' }),
    parentInvoiceId: t.id({
      description:
        'The invoice a credit note credits: a live invoice of the organization, not a credit note. Required for a credit ' +
        'note (`BLANK`), refused on an invoice (`INVALID`).',
    }),
    ...invoiceFields(t),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

const UpdateInvoiceInput = builder.inputType('UpdateInvoiceInput', {
  description:
    "Changes to an invoice: fields left out stay as they are; `null` clears an optional field. A credit note's type " +
    'and invoice cannot change.',
  fields: (t) => ({ id: t.id({ required: true, description: "The invoice or credit note to change. An unknown id, or another organization's, is `NOT_FOUND`." }), ...invoiceFields(t) }),
});

const invoiceId = (id: string | number) => inputDatabaseId(id, 'Invoice');

builder.mutationFields((t) => ({
  createInvoice: t.field({
    type: payloadType('CreateInvoicePayload', 'Invoice', 'The result of `createInvoice`.'),
    description: 'Creates an invoice or a credit note.',
    args: { input: t.arg({ type: CreateInvoiceInput, required: true, description: 'The new invoice or credit note.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createInvoice(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  updateInvoice: t.field({
    type: payloadType('UpdateInvoicePayload', 'Invoice', 'The result of `updateInvoice`.'),
    description:
      "Changes an invoice. A new amount may not be less than what is attributed to budgets; a new currency or rate is " +
      'carried into its attributions in the same transaction.',
    args: { input: t.arg({ type: UpdateInvoiceInput, required: true, description: 'The invoice and what to change.' }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateInvoice(ctx.db, ctx.viewer, invoiceId(input.id), toDomainInput(input))),
  }),
  deleteInvoice: deleteField(t, 'Invoice', {
    about: 'The invoice goes to the recycle bin with its credit notes and the attributions of both, and comes back with them when restored.',
    remove: (ctx, id) => deleteInvoice(ctx.db, ctx.viewer, id),
  }),
  archiveInvoice: t.field({
    type: payloadType('ArchiveInvoicePayload', 'Invoice', 'The result of `archiveInvoice`.'),
    description:
      'Archives an invoice: it stays as it is, but lists leave it out unless asked. Archiving an archived invoice ' +
      'succeeds and changes nothing (the same `archivedAt` and `updatedAt`).',
    args: { input: t.arg({ type: idInput('ArchiveInvoiceInput', 'The invoice to archive.'), required: true, description: 'The invoice to archive.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await archiveInvoice(ctx.db, ctx.viewer, invoiceId(input.id))),
  }),
  unarchiveInvoice: t.field({
    type: payloadType('UnarchiveInvoicePayload', 'Invoice', 'The result of `unarchiveInvoice`.'),
    description: 'Takes an invoice out of the archive. Unarchiving one that is not archived succeeds and changes nothing.',
    args: { input: t.arg({ type: idInput('UnarchiveInvoiceInput', 'The invoice to unarchive.'), required: true, description: 'The invoice to unarchive.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await unarchiveInvoice(ctx.db, ctx.viewer, invoiceId(input.id))),
  }),
}));
