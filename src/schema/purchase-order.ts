// The PurchaseOrder type: an order to a vendor for a budget, with its list (also as
// `Deal.purchaseOrders`) and its create/delete mutations. Rules in src/domain/purchase-orders.ts,
// money in src/money/purchase-order-money.ts.
import { createPurchaseOrder, deletePurchaseOrder, updatePurchaseOrder, type PurchaseOrderInput } from '../domain/purchase-orders.js';
import { formatRate } from '../money/money.js';
import { purchaseOrderMoney, type PurchaseOrderMoneyField } from '../money/purchase-order-money.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { idsIn, listField, ops, relatedListField, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { MoneySetRef } from './money.js';

const MONEY_COLUMNS = { currency: true, exchangeRate: true, totalCost: true, totalReceived: true } as const;

const money = (field: PurchaseOrderMoneyField, description: string) => ({
  type: MoneySetRef,
  description: `${description} Original and normalized in the order's currency; default converted at its rate, rounded once.`,
  select: MONEY_COLUMNS,
  resolve: (
    order: { currency: string; exchangeRate: { toFixed(): string }; totalCost: bigint; totalReceived: bigint },
    _args: object,
    ctx: Context,
  ) => purchaseOrderMoney(order, ctx.viewer.organization.defaultCurrency)[field],
});

export const PurchaseOrderRef = builder.prismaNode('PurchaseOrder', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'An order to a vendor (a company) for a budget. Its total cost is entered in its own currency.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    number: t.exposeString('number', { nullable: true }),
    subject: t.exposeString('subject', { nullable: true }),
    note: t.exposeString('note', { nullable: true }),
    issuedOn: t.expose('issuedOn', { type: 'Date', description: 'Also the day of the exchange rate.' }),
    deliveryOn: t.expose('deliveryOn', { type: 'Date', nullable: true }),
    sentOn: t.expose('sentOn', { type: 'Date', nullable: true }),
    receivedOn: t.expose('receivedOn', { type: 'Date', nullable: true }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code.' }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      select: { exchangeRate: true },
      resolve: (order) => formatRate(order.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', { type: 'Date' }),
    totalCost: t.field(money('totalCost', 'What the order costs, as entered.')),
    totalReceived: t.field(money('totalReceived', 'What has been received of it.')),
    // Deleting the deal takes its orders along: a live order never points at a deal in the bin.
    deal: t.relation('deal', { description: 'The budget (deal) it is for.' }),
    vendor: t.relation('vendor', { description: 'The company it is ordered from.' }),
    creator: t.relation('creator', { description: 'Who created it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const purchaseOrderList: ListSpec = {
  type: 'PurchaseOrder',
  description: 'Purchase orders of the organization, by issue date unless another order is given.',
  filter: {
    description: 'Which purchase orders to include.',
    fields: {
      dealIds: idsIn('Deal', 'dealId', 'Orders for any of these deals.'),
      vendorIds: idsIn('Company', 'vendorId', 'Orders from any of these vendors.'),
      number: ops('string', { nullable: true }),
      subject: ops('string', { nullable: true }),
      currency: ops('string'),
      totalCost: ops('bigint', { description: "On the total cost in the order's currency, in minor units." }),
      issuedOn: ops('date'),
      deliveryOn: ops('date', { nullable: true }),
      createdAt: ops('datetime'),
    },
  },
  sorts: {
    ISSUED_ON: sortBy('date', 'issuedOn'),
    DELIVERY_ON: sortBy('date', 'deliveryOn', { nullable: true, description: 'Orders without one come last.' }),
    CREATED_AT: sortBy('datetime', 'createdAt'),
  },
  defaultOrder: [{ field: 'ISSUED_ON', direction: 'ASC' }],
};

builder.queryFields((t) => ({
  purchaseOrders: listField(t, purchaseOrderList),
}));

builder.prismaObjectFields('Deal', (t) => ({
  purchaseOrders: relatedListField(t as never, purchaseOrderList, {
    relation: 'purchaseOrders',
    foreignKey: 'dealId',
    description: 'Its purchase orders, with the filters, orders and paging of `Query.purchaseOrders`.',
  }),
}));

// ---- Writing -------------------------------------------------------------------------------

const CreatePurchaseOrderInput = builder.inputType('CreatePurchaseOrderInput', {
  description: 'A new purchase order. `dealId` and `vendorId` are required.',
  fields: (t) => ({
    dealId: t.id({ description: 'The budget (deal) it is for.' }),
    vendorId: t.id({ description: 'The company it is ordered from.' }),
    subject: t.string({ description: 'At most 255 characters.' }),
    number: t.string({ description: 'At most 255 characters.' }),
    note: t.string({ description: 'At most 10000 characters.' }),
    issuedOn: t.field({ type: 'Date', description: 'Default: today (UTC). Also the day of the exchange rate.' }),
    deliveryOn: t.field({ type: 'Date' }),
    currency: t.string({ description: "ISO 4217 code. Default: the deal's." }),
    exchangeRate: t.string({
      description:
        "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\". 1 for the organization's " +
        "currency (where it must be 1); the deal's rate for the deal's currency; required for any other.",
    }),
    totalCost: t.field({ type: 'BigInt', description: 'In minor units of `currency`, 0 to 10^15. Default 0.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

const toDomainInput = domainInput<PurchaseOrderInput>({ dealId: 'Deal', vendorId: 'Company' });

builder.mutationFields((t) => ({
  createPurchaseOrder: t.field({
    type: payloadType('CreatePurchaseOrderPayload', 'PurchaseOrder', 'The result of `createPurchaseOrder`.'),
    args: { input: t.arg({ type: CreatePurchaseOrderInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(
        await idempotent(ctx, info, input, (fields) => createPurchaseOrder(ctx.db, ctx.viewer, toDomainInput(fields))),
      ),
  }),
  deletePurchaseOrder: deleteField(t, 'PurchaseOrder', {
    about: 'The order goes to the recycle bin, from which it can be restored.',
    remove: (ctx, id) => deletePurchaseOrder(ctx.db, ctx.viewer, id),
  }),
}));

const UpdatePurchaseOrderInput = builder.inputType('UpdatePurchaseOrderInput', {
  description:
    'Changes to a purchase order, with the checks of `createPurchaseOrder`: fields left out stay as they are; `null` clears an ' +
    'optional field. It stays with its budget (deal).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The purchase order to change.' }),
    vendorId: t.id({ description: 'The company it is ordered from. Not null.' }),
    subject: t.string({ description: 'At most 255 characters; blank or null clears it.' }),
    number: t.string({ description: 'At most 255 characters; blank or null clears it.' }),
    note: t.string({ description: 'At most 10000 characters; blank or null clears it.' }),
    issuedOn: t.field({ type: 'Date', description: 'Not null. Also the day of the exchange rate.' }),
    deliveryOn: t.field({ type: 'Date', description: 'Null clears it.' }),
    currency: t.string({ description: "ISO 4217 code; null puts the order back in the deal's currency." }),
    exchangeRate: t.string({
      description:
        "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\". Left out, the stored rate stays while the " +
        "currency does; otherwise (or null) it is 1 for the organization's currency (where it must be 1), the deal's rate for the deal's " +
        'currency, and required for any other.',
    }),
    totalCost: t.field({ type: 'BigInt', description: 'In minor units of `currency`, 0 to 10^15. Not null.' }),
  }),
});

builder.mutationFields((t) => ({
  updatePurchaseOrder: t.field({
    type: payloadType('UpdatePurchaseOrderPayload', 'PurchaseOrder', 'The result of `updatePurchaseOrder`.'),
    description: "Changes a purchase order's vendor, texts, days, currency, rate or total cost.",
    args: { input: t.arg({ type: UpdatePurchaseOrderInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updatePurchaseOrder(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'PurchaseOrder'), toDomainInput(input))),
  }),
}));
