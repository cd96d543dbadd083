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
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this purchase order.' }),
    number: t.exposeString('number', { nullable: true, description: "The order's number as given, up to 255 characters; null when it has none." }),
    subject: t.exposeString('subject', { nullable: true, description: 'Its subject line; null when there is none.' }),
    note: t.exposeString('note', { nullable: true, description: 'A free-text note, up to 10000 characters; null when there is none.' }),
    issuedOn: t.expose('issuedOn', { type: 'Date', description: 'The day it was issued. Also the day of the exchange rate.' }),
    deliveryOn: t.expose('deliveryOn', { type: 'Date', nullable: true, description: 'The day delivery is expected; null when not given.' }),
    sentOn: t.expose('sentOn', { type: 'Date', nullable: true, description: 'The day it was sent to the vendor; null until then (no mutation of this API sets it yet).' }),
    receivedOn: t.expose('receivedOn', {
      type: 'Date',
      nullable: true,
      description: 'The day what was ordered arrived; null until then (no mutation of this API sets it yet).',
    }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code of `totalCost` and `totalReceived` as entered.' }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      select: { exchangeRate: true },
      resolve: (order) => formatRate(order.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', { type: 'Date', description: 'The day `exchangeRate` applies to: `issuedOn`.' }),
    totalCost: t.field(money('totalCost', 'What the order costs, as entered.')),
    totalReceived: t.field(money('totalReceived', 'What has been received of it.')),
    // Deleting the deal takes its orders along: a live order never points at a deal in the bin.
    deal: t.relation('deal', { description: 'The budget (deal) it is for.' }),
    vendor: t.relation('vendor', { description: 'The company it is ordered from.' }),
    creator: t.relation('creator', { description: 'Who created it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the order was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
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
      number: ops('string', { nullable: true, description: 'On the number; orders without one match only `notEq` and `notContains`.' }),
      subject: ops('string', { nullable: true, description: 'On the subject; orders without one match only `notEq` and `notContains`.' }),
      currency: ops('string', { description: 'On the ISO 4217 code of its currency.' }),
      totalCost: ops('bigint', { description: "On the total cost in the order's currency, in minor units." }),
      issuedOn: ops('date', { description: 'On the day it was issued.' }),
      deliveryOn: ops('date', { nullable: true, description: 'On the expected delivery day; `isNull: true` for orders without one.' }),
      createdAt: ops('datetime', { description: 'On when it was created.' }),
    },
  },
  sorts: {
    ISSUED_ON: sortBy('date', 'issuedOn', 'By the day it was issued.'),
    DELIVERY_ON: sortBy('date', 'deliveryOn', { nullable: true, description: 'By the expected delivery day; orders without one come last.' }),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.'),
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
    dealId: t.id({ description: 'The live budget (deal) it is for. Required: left out or null is `BLANK`.' }),
    vendorId: t.id({ description: 'The company it is ordered from. Required: left out or null is `BLANK`.' }),
    subject: t.string({ description: 'The subject line, at most 255 characters. Optional; blank or null stores none.' }),
    number: t.string({ description: 'The order number, at most 255 characters (not checked for uniqueness). Optional; blank or null stores none.' }),
    note: t.string({ description: 'A free-text note, at most 10000 characters. Optional; blank or null stores none.' }),
    issuedOn: t.field({ type: 'Date', description: 'Default (also for null): today (UTC). Also the day of the exchange rate.' }),
    deliveryOn: t.field({ type: 'Date', description: 'The day delivery is expected. Optional.' }),
    currency: t.string({ description: "ISO 4217 code of `totalCost`. Default (also for null or blank): the deal's." }),
    exchangeRate: t.string({
      description:
        "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\". 1 for the organization's " +
        "currency (where it must be 1); the deal's rate for the deal's currency; required for any other.",
    }),
    totalCost: t.field({ type: 'BigInt', description: 'What the order costs, in minor units of `currency`, 0 to 10^15. Default (also for null): 0.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

const toDomainInput = domainInput<PurchaseOrderInput>({ dealId: 'Deal', vendorId: 'Company' });

builder.mutationFields((t) => ({
  createPurchaseOrder: t.field({
    type: payloadType('CreatePurchaseOrderPayload', 'PurchaseOrder', 'The result of `createPurchaseOrder`.'),
    description: 'Orders from a vendor for a budget, in any currency at a rate stored on the order.',
    args: { input: t.arg({ type: CreatePurchaseOrderInput, required: true, description: 'The new purchase order.' }) },
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
    vendorId: t.id({ description: 'The company it is ordered from. Null is `BLANK`.' }),
    subject: t.string({ description: 'At most 255 characters; blank or null clears it.' }),
    number: t.string({ description: 'At most 255 characters; blank or null clears it.' }),
    note: t.string({ description: 'At most 10000 characters; blank or null clears it.' }),
    issuedOn: t.field({ type: 'Date', description: 'The day it was issued, also the day of the exchange rate. Null is `BLANK`.' }),
    deliveryOn: t.field({ type: 'Date', description: 'The day delivery is expected. Null clears it.' }),
    currency: t.string({ description: "ISO 4217 code; null puts the order back in the deal's currency." }),
    exchangeRate: t.string({
      description:
        "Units of the organization's default currency per unit of `currency`, e.g. \"1.25\". Left out, the stored rate stays while the " +
        "currency does; otherwise (or null) it is 1 for the organization's currency (where it must be 1), the deal's rate for the deal's " +
        'currency, and required for any other.',
    }),
    totalCost: t.field({ type: 'BigInt', description: 'In minor units of `currency`, 0 to 10^15. Null is `BLANK`.' }),
  }),
});

builder.mutationFields((t) => ({
  updatePurchaseOrder: t.field({
    type: payloadType('UpdatePurchaseOrderPayload', 'PurchaseOrder', 'The result of `updatePurchaseOrder`.'),
    description: "Changes a purchase order's vendor, texts, days, currency, rate or total cost.",
    args: { input: t.arg({ type: UpdatePurchaseOrderInput, required: true, description: 'The purchase order and what to change.' }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updatePurchaseOrder(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'PurchaseOrder'), toDomainInput(input))),
  }),
}));
