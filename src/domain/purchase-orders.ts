// Purchase order rules: an order to a vendor (a company) for a budget (deal), its total cost entered
// in its own currency. Validation reports every problem of an input at once, in the input's order;
// nothing is written when there is any. Currency and rate follow the invoices' rules
// (src/domain/kit/rates.ts), with the deal's currency as the default and the deal's rate kept for it.
//
// Concurrency: a create locks its deal before it reads it (src/domain/kit/locks.ts): a deal delete
// racing it either waits and takes the new order with it, or has gone first and we find no deal;
// and the deal's currency and rate cannot change before we commit.
import type { ScopedClient } from '../db/scope.js';
import type { PurchaseOrder } from '../generated/prisma/client.js';
import { MAX_ORDER_CENTS, overflowingFields, purchaseOrderMoney } from '../money/purchase-order-money.js';
import { formatRate, rateText } from '../money/money.js';
import { todayUtc } from './invoice-status.js';
import { lockDeals } from './kit/locks.js';
import { checkMoney, resolveRate } from './kit/rates.js';
import { at, blank, fail, inInputOrder, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { DEAL, dealPlace } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { checkOptionalText, MAX_LONG_TEXT, optionalText } from './kit/result.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { day, instant, moneySet, ref, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';

/** Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface PurchaseOrderInput {
  dealId?: number | null;
  vendorId?: number | null;
  subject?: string | null;
  number?: string | null;
  note?: string | null;
  issuedOn?: Date | null;
  deliveryOn?: Date | null;
  currency?: string | null;
  exchangeRate?: string | null;
  totalCost?: bigint | null;
}

const FIELDS = ['dealId', 'vendorId', 'subject', 'number', 'note', 'issuedOn', 'deliveryOn', 'currency', 'exchangeRate', 'totalCost'] as const;

const MAX_SHORT = 255;

function check(input: PurchaseOrderInput): UserError[] {
  const errors: UserError[] = [];
  if (input.dealId == null) errors.push(blank('dealId'));
  if (input.vendorId == null) errors.push(blank('vendorId'));
  checkOptionalText(errors, 'subject', input.subject, MAX_SHORT);
  checkOptionalText(errors, 'number', input.number, MAX_SHORT);
  checkOptionalText(errors, 'note', input.note, MAX_LONG_TEXT);
  // Left out or null, the currency is the deal's; given, it must be a code.
  checkMoney(errors, input, input.currency != null);
  const cost = input.totalCost;
  if (cost != null && (cost < 0n || cost > MAX_ORDER_CENTS)) errors.push(invalid('totalCost', `must be between 0 and ${MAX_ORDER_CENTS}`));
  return errors;
}

export async function createPurchaseOrder(db: ScopedClient, viewer: Viewer, input: PurchaseOrderInput): Promise<Result<PurchaseOrder>> {
  const checked = check(input);
  return transact(db, async (tx) => {
    const errors = [...checked];
    // The deal's lock before it is read (see the top of this file).
    const deal =
      input.dealId != null && (await lockDeals(tx, [input.dealId]))
        ? await tx.deal.findUnique({ where: { id: input.dealId }, select: { currency: true, exchangeRate: true } })
        : null;
    if (input.dealId != null && !deal) errors.push(notFound(at('dealId'), 'Deal'));
    if (input.vendorId != null && !(await tx.company.findUnique({ where: { id: input.vendorId }, select: { id: true } }))) {
      errors.push(notFound(at('vendorId'), 'Company'));
    }
    const currencyOrRateWrong = errors.some((e) => e.field[1] === 'currency' || e.field[1] === 'exchangeRate');
    if (!deal || currencyOrRateWrong) return fail(...inInputOrder(errors, FIELDS));

    const currency = input.currency?.trim() || deal.currency;
    const dealRate = rateText(deal.exchangeRate);
    const rate = resolveRate(currency, input.exchangeRate, currency === deal.currency ? dealRate : null, viewer);
    if (!rate.ok) errors.push(...rate.errors);
    else {
      const totalCost = input.totalCost ?? 0n;
      // The default form must fit a bigint: reported on the rate when one was given, else on the amount.
      if (overflowingFields({ currency, exchangeRate: rate.value, totalCost, totalReceived: 0n }).length) {
        errors.push(
          invalid(
            input.exchangeRate != null ? 'exchangeRate' : 'totalCost',
            'is too large: converted with the exchange rate, the total cost exceeds the largest amount that can be stored',
          ),
        );
      }
    }
    if (errors.length || !rate.ok) return fail(...inInputOrder(errors, FIELDS));

    const issuedOn = input.issuedOn ?? todayUtc();
    const order = await tx.purchaseOrder.create({
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        dealId: input.dealId!,
        vendorId: input.vendorId!,
        creatorId: viewer.person.id,
        subject: optionalText(input.subject),
        number: optionalText(input.number),
        note: optionalText(input.note),
        issuedOn,
        deliveryOn: input.deliveryOn ?? null,
        currency,
        exchangeRate: rate.value,
        exchangeDate: issuedOn,
        totalCost: input.totalCost ?? 0n,
      },
    });
    return ok(await withEvent(tx, viewer, 'purchase_order.created', 'PurchaseOrder', order, presentPurchaseOrder));
  });
}

export function deletePurchaseOrder(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'purchaseOrder', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** A purchase order as the API shows it (src/schema/purchase-order.ts) to `viewer`, for its events. */
export function presentPurchaseOrder(o: PurchaseOrder, viewer: Viewer): Payload {
  const money = purchaseOrderMoney(o, viewer.organization.defaultCurrency);
  return {
    id: globalId('PurchaseOrder', o.id),
    databaseId: o.id,
    number: o.number,
    subject: o.subject,
    note: o.note,
    issuedOn: day(o.issuedOn),
    deliveryOn: day(o.deliveryOn),
    sentOn: day(o.sentOn),
    receivedOn: day(o.receivedOn),
    currency: o.currency,
    exchangeRate: formatRate(o.exchangeRate),
    exchangeDate: day(o.exchangeDate),
    totalCost: moneySet(money.totalCost),
    totalReceived: moneySet(money.totalReceived),
    deal: ref('Deal', o.dealId),
    vendor: ref('Company', o.vendorId),
    creator: ref('Person', o.creatorId),
    createdAt: instant(o.createdAt),
    updatedAt: instant(o.updatedAt),
  };
}

/**
 * What the recycle bin knows of a purchase order (src/domain/kit/bin-rules.ts): its budget and
 * vendor must be live for it to come back.
 */
export const purchaseOrderBin: BinRules = {
  itemTypes: ['purchase_order'],
  what: 'Purchase order',
  describe: async (tx, id) => {
    const order = await tx.purchaseOrder.findUnique({ where: { id }, select: { subject: true, deal: { select: DEAL } } });
    return order && { itemType: 'purchase_order', name: order.subject ?? 'Purchase Order', location: dealPlace(order.deal) };
  },
  parents: [
    { model: 'deal', key: 'dealId', what: 'budget' },
    { model: 'company', key: 'vendorId', what: 'vendor' },
  ],
};
