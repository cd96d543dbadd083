// Purchase order rules: an order to a vendor (a company) for a budget (deal), its total cost entered
// in its own currency. Validation reports every problem of an input at once, in the input's order;
// nothing is written when there is any. Currency and rate follow the invoices' rules
// (src/domain/kit/rates.ts), with the deal's currency as the default and the deal's rate kept for it.
//
// Concurrency: a create locks its deal before it reads it (src/domain/kit/locks.ts): a deal delete
// racing it either waits and takes the new order with it, or has gone first and we find no deal;
// and the deal's currency and rate cannot change before we commit.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { PurchaseOrder } from '../generated/prisma/client.js';
import { MAX_ORDER_CENTS, overflowingFields, purchaseOrderMoney } from '../money/purchase-order-money.js';
import { formatRate, rateText, type RateLike } from '../money/money.js';
import { todayUtc } from './invoice-status.js';
import { lockDeals } from './kit/locks.js';
import { checkMoney, resolveRate } from './kit/rates.js';
import { at, blank, fail, given, inInputOrder, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { DEAL, dealPlace } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { checkOptionalText, MAX_LONG_TEXT, optionalText } from './kit/result.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { day, instant, moneySet, ref, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
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

/** What an order always has: an update may not clear them. */
const REQUIRED_ON_UPDATE = ['vendorId', 'issuedOn', 'totalCost'] as const;

/**
 * Checks the fields `input` gives (every required one when `creating`); createPurchaseOrder and
 * updatePurchaseOrder share it, and `orderMoney` after it.
 */
function check(input: PurchaseOrderInput, creating: boolean): UserError[] {
  const errors: UserError[] = [];
  if (creating) {
    if (input.dealId == null) errors.push(blank('dealId'));
    if (input.vendorId == null) errors.push(blank('vendorId'));
  } else {
    // An order stays with its budget: it is that deal's cost, and its currency defaults to the deal's.
    if (given(input, 'dealId')) errors.push(invalid('dealId', 'cannot be changed: a purchase order stays with its budget'));
    for (const key of REQUIRED_ON_UPDATE) if (given(input, key) && input[key] === null) errors.push(blank(key));
  }
  checkOptionalText(errors, 'subject', input.subject, MAX_SHORT);
  checkOptionalText(errors, 'number', input.number, MAX_SHORT);
  checkOptionalText(errors, 'note', input.note, MAX_LONG_TEXT);
  // Left out or null, the currency is the deal's; given, it must be a code.
  checkMoney(errors, input, input.currency != null);
  const cost = input.totalCost;
  if (cost != null && (cost < 0n || cost > MAX_ORDER_CENTS)) errors.push(invalid('totalCost', `must be between 0 and ${MAX_ORDER_CENTS}`));
  return errors;
}

/** The live vendor an input names (another organization's is not found). */
async function checkVendor(tx: ScopedTx, errors: UserError[], vendorId: number | null | undefined): Promise<void> {
  if (vendorId != null && !(await tx.company.findUnique({ where: { id: vendorId }, select: { id: true } }))) {
    errors.push(notFound(at('vendorId'), 'Company'));
  }
}

/**
 * The order's currency, rate and total cost as a write leaves them (`existing` null for a create),
 * after `check` found the currency and rate well formed. The currency is the deal's when the input
 * leaves it out on a create or gives null; the rate follows the invoices' rules (resolveRate): as
 * given, 1 for the organization's currency, the stored rate while the currency stays, the deal's for
 * the deal's currency, otherwise required. The default form must fit a bigint.
 */
function orderMoney(
  input: PurchaseOrderInput,
  existing: PurchaseOrder | null,
  deal: { currency: string; exchangeRate: RateLike },
  viewer: Viewer,
): Result<{ currency: string; exchangeRate: string; totalCost: bigint }> {
  const currency = existing === null || given(input, 'currency') ? input.currency?.trim() || deal.currency : existing.currency;
  const totalCost = input.totalCost ?? existing?.totalCost ?? 0n;
  let rate: Result<string>;
  if (existing !== null && !given(input, 'currency') && !given(input, 'exchangeRate')) rate = { ok: true, value: rateText(existing.exchangeRate) };
  else {
    const kept = existing !== null && !given(input, 'exchangeRate') && currency === existing.currency ? rateText(existing.exchangeRate) : null;
    rate = resolveRate(currency, input.exchangeRate, kept ?? (currency === deal.currency ? rateText(deal.exchangeRate) : null), viewer);
  }
  if (!rate.ok) return rate;
  // Reported on the rate when one was given, else on the amount (on the currency when only it changed).
  if (overflowingFields({ currency, exchangeRate: rate.value, totalCost, totalReceived: existing?.totalReceived ?? 0n }).length) {
    const field = input.exchangeRate != null ? 'exchangeRate' : existing === null || input.totalCost != null ? 'totalCost' : 'currency';
    return fail(invalid(field, 'is too large: converted with the exchange rate, the total cost exceeds the largest amount that can be stored'));
  }
  return { ok: true, value: { currency, exchangeRate: rate.value, totalCost } };
}

const moneyProblem = (errors: UserError[]) => errors.some((e) => e.field[1] === 'currency' || e.field[1] === 'exchangeRate');

export async function createPurchaseOrder(db: ScopedClient, viewer: Viewer, input: PurchaseOrderInput): Promise<Result<PurchaseOrder>> {
  const checked = check(input, true);
  return transact(db, async (tx) => {
    const errors = [...checked];
    // The deal's lock before it is read (see the top of this file).
    const deal =
      input.dealId != null && (await lockDeals(tx, [input.dealId]))
        ? await tx.deal.findUnique({ where: { id: input.dealId }, select: { currency: true, exchangeRate: true } })
        : null;
    if (input.dealId != null && !deal) errors.push(notFound(at('dealId'), 'Deal'));
    await checkVendor(tx, errors, input.vendorId);
    if (!deal || moneyProblem(errors)) return fail(...inInputOrder(errors, FIELDS));

    const money = orderMoney(input, null, deal, viewer);
    if (!money.ok) errors.push(...money.errors);
    if (errors.length || !money.ok) return fail(...inInputOrder(errors, FIELDS));

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
        exchangeDate: issuedOn,
        ...money.value,
      },
    });
    return ok(await withEvent(tx, viewer, 'purchase_order.created', 'PurchaseOrder', order, presentPurchaseOrder));
  });
}

/**
 * Changes a purchase order, with the checks of createPurchaseOrder: fields left out stay, `null`
 * clears its subject, number, note or delivery day, and puts it back in its deal's currency. It
 * stays with its budget (see `check`). Its exchange date stays its issue date. Its vendor need not
 * be a current client: an archived company is accepted, as a create accepts one.
 *
 * Concurrency: the order's lock, and with it its latest committed state. Its deal is read without a
 * lock: a deal's currency or rate change does not rewrite its orders (each keeps its own rate).
 */
export async function updatePurchaseOrder(db: ScopedClient, viewer: Viewer, id: number, input: PurchaseOrderInput): Promise<Result<PurchaseOrder>> {
  const checked = check(input, false);
  return transact(db, async (tx) => {
    const errors = [...checked];
    const [existing] = await tx.purchaseOrder.updateManyAndReturn({ where: { id }, data: { updatedAt: new Date() } });
    if (!existing) return fail(notFound(at('id'), 'Purchase order'));
    await checkVendor(tx, errors, input.vendorId);
    if (!moneyProblem(errors)) {
      const deal = await tx.deal.findUniqueOrThrow({ where: { id: existing.dealId }, select: { currency: true, exchangeRate: true } });
      const money = orderMoney(input, existing, deal, viewer);
      if (!money.ok) errors.push(...money.errors);
      else if (!errors.length) {
        const order = await tx.purchaseOrder.update({
          where: { id },
          data: {
            ...(input.vendorId != null && { vendorId: input.vendorId }),
            ...(given(input, 'subject') && { subject: optionalText(input.subject) }),
            ...(given(input, 'number') && { number: optionalText(input.number) }),
            ...(given(input, 'note') && { note: optionalText(input.note) }),
            ...(input.issuedOn != null && { issuedOn: input.issuedOn, exchangeDate: input.issuedOn }),
            ...(given(input, 'deliveryOn') && { deliveryOn: input.deliveryOn ?? null }),
            ...money.value,
          },
        });
        return ok(await withEvent(tx, viewer, 'purchase_order.updated', 'PurchaseOrder', order, presentPurchaseOrder));
      }
    }
    return fail(...inInputOrder(errors, FIELDS));
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
