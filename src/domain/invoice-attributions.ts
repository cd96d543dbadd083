// Invoice attribution rules: a part of an invoice's amount attributed to a budget (a deal).
//
// - `amount` is required ("can't be blank", as the reference) and is in the invoice's currency:
//   the currency follows the invoice, and is rewritten with it.
// - The attributions of an invoice may not exceed its amount: their sum has the invoice amount's
//   sign and at most its size (a credit note's attributions are negative). The reference's example
//   attributes 2 × 10000 to an invoice whose amount is 0 (its line items are not in the example);
//   here an invoice's amount is entered, and attributing more than it bills would make every
//   budget's `invoiced` wrong, so it is refused (docs/money.md).
// - Enforced under concurrent writes by the invoice's row lock: every write that changes what is
//   attributed to an invoice, or its amount, locks the invoice first, then reads the sum.
// - Lock order: invoice, then deals (in id order), then attributions; expenses before their deal
//   (src/domain/expenses.ts). updateDeal (expenses, deal, attributions) keeps it too.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { InvoiceAttribution } from '../generated/prisma/client.js';
import { attributionMoneyColumns, attributionMoneySet, exceedsInvoice } from '../money/attribution-amounts.js';
import { fitsInt64, rateText } from '../money/money.js';
import { at, blank, fail, given, inInputOrder, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { lockDeals, lockInvoices } from './kit/locks.js';
import { transact } from './kit/transaction.js';
import { chargeWork } from './kit/work.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { DEAL } from './bin-items.js';
import { live, refuse, type BinRules } from './kit/bin-rules.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { day, instant, moneySet, ref, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';

export interface AttributionInput {
  invoiceId?: number | null;
  dealId?: number | null;
  amount?: bigint | null;
  dateFrom?: Date | null;
  dateTo?: Date | null;
}

const FIELDS = ['id', 'invoiceId', 'dealId', 'amount', 'dateFrom', 'dateTo'] as const;
/** As for every entered amount: far above any real one, safe from overflow once multiplied by a rate. */
const MAX_CENTS = 10n ** 15n;

export { exceedsInvoice };

/** The sum of an invoice's live attributions, in its currency. */
export async function attributedTotal(tx: ScopedTx, invoiceId: number, except?: number): Promise<bigint> {
  const { _sum } = await tx.invoiceAttribution.aggregate({
    where: { invoiceId, ...(except !== undefined && { id: { not: except } }) },
    _sum: { amount: true },
  });
  return BigInt(_sum.amount ?? 0);
}

const tooLarge = (field: string) =>
  invalid(field, 'is too large: converted with the exchange rates it exceeds the largest amount that can be stored');

const fits = (c: { amountDefault: bigint; amountNormalized: bigint }) => fitsInt64(c.amountDefault) && fitsInt64(c.amountNormalized);

export async function createInvoiceAttribution(db: ScopedClient, viewer: Viewer, input: AttributionInput): Promise<Result<InvoiceAttribution>> {
  return transact(db, async (tx) => {
    const errors: UserError[] = [];
    if (input.invoiceId == null) errors.push(blank('invoiceId'));
    if (input.dealId == null) errors.push(blank('dealId'));
    checkValues(input, true, errors);
    // Invoice, then deal: the lock order. Locks on rows out of scope match nothing.
    const invoiceLocked = input.invoiceId != null && (await lockInvoices(tx, [input.invoiceId]));
    if (input.dealId != null) await lockDeals(tx, [input.dealId]);
    const invoice = invoiceLocked ? await tx.invoice.findUnique({ where: { id: input.invoiceId! } }) : null;
    const deal = input.dealId != null ? await tx.deal.findUnique({ where: { id: input.dealId }, select: { id: true, currency: true, exchangeRate: true } }) : null;
    if (input.invoiceId != null && !invoice) errors.push(notFound(at('invoiceId'), 'Invoice'));
    if (input.dealId != null && !deal) errors.push(notFound(at('dealId'), 'Deal'));
    if (errors.length || !invoice || !deal) return fail(...inInputOrder(errors, FIELDS));

    const amount = input.amount!;
    if (wrongSign(invoice.amount, amount)) return fail(signError(invoice.amount));
    const attributed = (await attributedTotal(tx, invoice.id)) + amount;
    if (exceedsInvoice(invoice.amount, attributed)) return fail(exceeds(invoice.amount, attributed - amount));
    const columns = attributionMoneyColumns(amount, money(invoice), money(deal));
    if (!fits(columns)) return fail(tooLarge('amount'));
    const attribution = await tx.invoiceAttribution.create({
      data: {
        organizationId: invoice.organizationId,
        invoiceId: invoice.id,
        dealId: deal.id,
        amount,
        dateFrom: input.dateFrom ?? null,
        dateTo: input.dateTo ?? null,
        ...columns,
      },
    });
    return ok(await withEvent(tx, viewer, 'invoice_attribution.created', 'InvoiceAttribution', attribution, presentInvoiceAttribution));
  });
}

export async function updateInvoiceAttribution(
  db: ScopedClient,
  viewer: Viewer,
  id: number,
  input: AttributionInput,
): Promise<Result<InvoiceAttribution>> {
  return transact(db, async (tx) => {
    // Read to learn its invoice and deal, lock them in order, then lock and read it again: it may
    // have changed (or gone) meanwhile.
    const first = await tx.invoiceAttribution.findUnique({ where: { id }, select: { invoiceId: true, dealId: true } });
    if (!first) return fail(notFound(at('id'), 'Invoice attribution'));
    const errors: UserError[] = [];
    if (given(input, 'invoiceId') && input.invoiceId == null) errors.push(blank('invoiceId'));
    if (given(input, 'dealId') && input.dealId == null) errors.push(blank('dealId'));
    checkValues(input, false, errors);
    const invoiceId = input.invoiceId ?? first.invoiceId;
    const dealId = input.dealId ?? first.dealId;
    await lockInvoices(tx, [first.invoiceId, invoiceId]);
    await lockDeals(tx, [first.dealId, dealId]);
    const { count } = await tx.invoiceAttribution.updateMany({ where: { id, invoiceId: first.invoiceId }, data: { updatedAt: new Date() } });
    if (count !== 1) return fail(notFound(at('id'), 'Invoice attribution'));
    const existing = (await tx.invoiceAttribution.findUnique({ where: { id } }))!;

    const invoice = await tx.invoice.findUnique({ where: { id: invoiceId } });
    const deal = await tx.deal.findUnique({ where: { id: dealId }, select: { id: true, currency: true, exchangeRate: true } });
    if (input.invoiceId != null && !invoice) errors.push(notFound(at('invoiceId'), 'Invoice'));
    if (input.dealId != null && !deal) errors.push(notFound(at('dealId'), 'Deal'));
    const dateFrom = given(input, 'dateFrom') ? (input.dateFrom ?? null) : existing.dateFrom;
    const dateTo = given(input, 'dateTo') ? (input.dateTo ?? null) : existing.dateTo;
    if (dateFrom && dateTo && dateTo < dateFrom && !errors.some((e) => e.field[1] === 'dateTo')) {
      errors.push(invalid('dateTo', 'must not be before dateFrom'));
    }
    if (errors.length || !invoice || !deal) return fail(...inInputOrder(errors, FIELDS));

    const amount = input.amount ?? existing.amount;
    if (wrongSign(invoice.amount, amount)) return fail(signError(invoice.amount));
    const others = await attributedTotal(tx, invoice.id, id);
    if (exceedsInvoice(invoice.amount, others + amount)) return fail(exceeds(invoice.amount, others));
    const columns = attributionMoneyColumns(amount, money(invoice), money(deal));
    if (!fits(columns)) return fail(tooLarge('amount'));
    const attribution = await tx.invoiceAttribution.update({
      where: { id },
      data: { invoiceId: invoice.id, dealId: deal.id, amount, dateFrom, dateTo, ...columns },
    });
    return ok(await withEvent(tx, viewer, 'invoice_attribution.updated', 'InvoiceAttribution', attribution, presentInvoiceAttribution));
  });
}

/** Soft delete, like every deletable record. */
export function deleteInvoiceAttribution(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'invoiceAttribution', id);
}

/** `amount` is required (the reference); dates ordered; the amount within the limits of every amount. */
function checkValues(input: AttributionInput, creating: boolean, errors: UserError[]): void {
  if ((creating || given(input, 'amount')) && input.amount == null) errors.push(blank('amount'));
  else if (input.amount != null && (input.amount === 0n || input.amount > MAX_CENTS || input.amount < -MAX_CENTS)) {
    errors.push(invalid('amount', `must be between -${MAX_CENTS} and ${MAX_CENTS}, and not 0`));
  }
  if (input.dateFrom != null && input.dateTo != null && input.dateTo < input.dateFrom) {
    errors.push(invalid('dateTo', 'must not be before dateFrom'));
  }
}

/** Each attribution has the sign of its invoice: an invoice's are positive, a credit note's negative. */
const wrongSign = (invoiceAmount: bigint, amount: bigint) => (invoiceAmount >= 0n ? amount < 0n : amount > 0n);

const signError = (invoiceAmount: bigint): UserError =>
  invalid('amount', invoiceAmount >= 0n ? "must be positive, as the invoice's amount is" : "must be negative, as the credit note's amount is");

function exceeds(invoiceAmount: bigint, alreadyAttributed: bigint): UserError {
  return invalid(
    'amount',
    `would attribute more than the invoice's amount (${invoiceAmount}, of which ${alreadyAttributed} is already attributed)`,
  );
}

const money = (r: { currency: string; exchangeRate: { toFixed(): string } | string }) => ({
  currency: r.currency,
  exchangeRate: rateText(r.exchangeRate),
});

// ---- What other writes call --------------------------------------------------------------------

/**
 * After an invoice's currency or rate changed (its row already locked): its attributions follow.
 * Their budgets are locked first (the lock order), then each is written again. Refused as a whole
 * when a converted amount would not fit a bigint; the error goes on `field` of the invoice's input.
 */
export async function rewriteInvoiceAttributions(
  tx: ScopedTx,
  invoiceId: number,
  invoice: { currency: string; exchangeRate: string },
  field: 'currency' | 'exchangeRate',
): Promise<Result<null>> {
  const rows = await tx.invoiceAttribution.findMany({ where: { invoiceId }, select: { id: true, dealId: true, amount: true } });
  await lockDeals(tx, rows.map((r) => r.dealId));
  const deals = await tx.deal.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.dealId))] } },
    select: { id: true, currency: true, exchangeRate: true },
  });
  const dealOf = new Map(deals.map((d) => [d.id, money(d)]));
  // A deleted budget's attributions were deleted with it: only live budgets' are rewritten.
  const live = rows.filter((row) => dealOf.has(row.dealId)).map((row) => ({ ...row, invoice, deal: dealOf.get(row.dealId)! }));
  return rewriteAll(tx, live, invalid(field, 'would make the converted amount of one of its attributions too large to store'));
}

/** Writes the attributions' money columns again, or none of them when one would not fit a bigint. */
async function rewriteAll(
  tx: ScopedTx,
  rows: ReadonlyArray<{ id: number; amount: bigint; invoice: { currency: string; exchangeRate: string }; deal: { currency: string; exchangeRate: string } }>,
  tooLarge: UserError,
): Promise<Result<null>> {
  const updates = rows.map((row) => ({ id: row.id, columns: attributionMoneyColumns(row.amount, row.invoice, row.deal) }));
  if (!updates.every(({ columns }) => fits(columns))) return fail(tooLarge);
  for (const { id, columns } of updates) await tx.invoiceAttribution.update({ where: { id }, data: columns });
  return ok(null);
}

/**
 * After a deal's currency or rate changed (the deal already locked, its invoices not): the
 * normalized amounts of its attributions follow. Their invoices' rates do not change here, so the
 * invoices need no lock.
 */
export async function rewriteDealAttributions(
  tx: ScopedTx,
  dealId: number,
  deal: { currency: string; exchangeRate: string },
  field: 'currency' | 'exchangeRate',
): Promise<Result<null>> {
  const rows = await tx.invoiceAttribution.findMany({
    where: { dealId },
    select: { id: true, dealId: true, amount: true, invoice: { select: { currency: true, exchangeRate: true } } },
  });
  return rewriteAll(
    tx,
    rows.map((row) => ({ ...row, invoice: money(row.invoice), deal })),
    invalid(field, 'would make the converted amount of one of its invoice attributions too large to store'),
  );
}

/**
 * For a write that brings attributions back without going through create (a restore from the
 * recycle bin), with the invoice locked: the invoice's live attributions, the returning ones among
 * them, must still have its sign and together fit its amount, as create and update require; the
 * returning ones' money is derived again from the invoice and budget as they are now (either may
 * have changed currency or rate meanwhile). Explicit `deletedAt: null`: the bin's client sees
 * deleted rows. Null when the rules hold, else why not (the restore is then refused).
 */
export async function reestablishAttributions(tx: ScopedTx, invoiceId: number, returning: ReadonlySet<number>): Promise<string | null> {
  const invoice = await tx.invoice.findFirstOrThrow({
    where: { id: invoiceId, deletedAt: null },
    select: { id: true, number: true, amount: true, currency: true, exchangeRate: true },
  });
  const rows = await tx.invoiceAttribution.findMany({
    where: { invoiceId, deletedAt: null },
    select: { id: true, amount: true, deal: { select: { currency: true, exchangeRate: true } } },
  });
  const name = `invoice ${invoice.number ?? `#${invoice.id}`}`;
  const back = rows.filter((row) => returning.has(row.id));
  if (back.some((row) => wrongSign(invoice.amount, row.amount))) {
    return `an attribution of ${name} no longer has the sign of its amount (${invoice.amount})`;
  }
  const total = rows.reduce((sum, row) => sum + row.amount, 0n);
  if (exceedsInvoice(invoice.amount, total)) {
    return `${name} would have ${total} attributed, more than its amount (${invoice.amount}); its amount has been attributed to other budgets meanwhile`;
  }
  for (const row of back) {
    const columns = attributionMoneyColumns(row.amount, money(invoice), money(row.deal));
    if (!fits(columns)) return `an attribution of ${name}, converted at today's rates, would exceed the largest amount that can be stored`;
    await tx.invoiceAttribution.update({ where: { id: row.id }, data: columns });
  }
  return null;
}

/** Soft-deletes an invoice's attributions with the invoice's own stamp (they go to the bin with it). */
export async function deleteAttributionsOfInvoice(
  tx: ScopedTx,
  invoiceId: number,
  stamp: { deletedAt: Date; deleterId: number },
): Promise<void> {
  chargeWork((await tx.invoiceAttribution.updateMany({ where: { invoiceId }, data: stamp })).count);
}

// ---- The event payload -------------------------------------------------------------------------

/** An invoice attribution as the API shows it (src/schema/invoice-attribution.ts) to `viewer`, for its events. */
export function presentInvoiceAttribution(a: InvoiceAttribution, viewer: Viewer): Payload {
  return {
    id: globalId('InvoiceAttribution', a.id),
    databaseId: a.id,
    invoice: ref('Invoice', a.invoiceId),
    budget: ref('Deal', a.dealId),
    amount: moneySet(attributionMoneySet(a, viewer.organization.defaultCurrency)),
    dateFrom: day(a.dateFrom),
    dateTo: day(a.dateTo),
    createdAt: instant(a.createdAt),
    updatedAt: instant(a.updatedAt),
  };
}

/**
 * What a restore re-establishes for invoice attributions (src/domain/kit/bin-rules.ts), alone or with
 * their budget or invoice: invoice and budget live (its `parents`); a budget's
 * attributions come back only to live invoices and an invoice's only to live budgets (the others stay
 * in the bin with what is still there); under each invoice's lock, every attribution has the invoice
 * amount's sign and together they fit the amount; their money is derived again from the invoice and
 * budget as they are now, and fits a bigint.
 */
export const invoiceAttributionBin: BinRules = {
  itemTypes: ['invoice_attribution'],
  what: 'Invoice attribution',
  describe: async (tx, id) => {
    const row = await tx.invoiceAttribution.findUnique({
      where: { id },
      select: { amount: true, currency: true, deal: { select: DEAL }, invoice: { select: { id: true, number: true } } },
    });
    return (
      row && {
        itemType: 'invoice_attribution',
        name: `${row.amount} ${row.currency} to ${row.deal.name}`,
        location: `Invoice: ${row.invoice.number ?? `#${row.invoice.id}`}`,
      }
    );
  },
  parents: [
    { model: 'invoice', key: 'invoiceId', what: 'invoice' },
    { model: 'deal', key: 'dealId', what: 'budget' },
  ],
  returnsWith: (key) => (key === 'dealId' ? { invoice: live } : { deal: live }),
  recheckReturning: async (tx, rows) => {
    const returning = new Set(rows.map((row) => row.id as number));
    for (const invoiceId of [...new Set(rows.map((row) => row.invoiceId as number))].sort((a, b) => a - b)) {
      const why = await reestablishAttributions(tx, invoiceId, returning);
      if (why) refuse(why);
    }
  },
};
