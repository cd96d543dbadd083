// Invoice rules: validation (every problem of an input at once, in the input's order), defaults
// (date, currency and rate, payment terms), credit notes, unique numbers, money that must fit a
// bigint, attributions kept in step with the amount, currency and rate, deletion with what belongs
// to the invoice, and idempotent archiving. Each write is one transaction on the scoped client;
// nothing is written when any error exists.
//
// Lock order (shared with src/domain/invoice-attributions.ts): an invoice before its credit notes,
// invoices before deals, deals before attributions. Every write locks the rows it changes with a
// guarded UPDATE before it reads them (see src/domain/expenses.ts on why).
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import { Prisma, type Invoice } from '../generated/prisma/client.js';
import { amountCredited, creditNoteWithTax, formatPercent, invoiceMoney, isValidPercent, overflowingFields, type InvoiceMoneyField } from '../money/invoice-money.js';
import { fitsInt64, formatRate, isCurrencyCode, rateText, toDefault } from '../money/money.js';
import { attributedTotal, deleteAttributionsOfInvoice, exceedsInvoice, rewriteInvoiceAttributions } from './invoice-attributions.js';
import { creditSumsByInvoice, INVOICE_TYPES, invoiceStatusOf, invoiceTypeOf, todayUtc, type InvoiceType } from './invoice-status.js';
import { globalId } from './kit/global-id.js';
import { day, instant, LIVE, liveRef, moneySet, ref, type Payload } from './kit/shown.js';
import { inCalendar, LAST_DAY_ISO } from './kit/dates.js';
import {
  at,
  blank,
  changed,
  checkOptionalText,
  fail,
  fieldAfter,
  given,
  inInputOrder,
  invalid,
  isBlank,
  MESSAGES,
  notFound,
  ok,
  optionalText,
  type Result,
  type UserError,
} from './kit/result.js';
import { lockInvoices } from './kit/locks.js';
import { checkMoney, rateUnlessInvalid } from './kit/rates.js';
import { cleanTags } from './kit/tags.js';
import { transact } from './kit/transaction.js';
import { chargeWork } from './kit/work.js';
import { binEntry, type Deleted } from './recycle-bin.js';
import { checkDefaultCurrency } from './organizations.js';
import { live, refuse, type BinRules } from './kit/bin-rules.js';
import type { Viewer } from './viewer.js';
import { withEvent } from '../changes/outbox.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface InvoiceInput {
  companyId?: number | null;
  /** Creating only: a credit note's type and invoice are fixed for life. */
  invoiceType?: InvoiceType | null;
  parentInvoiceId?: number | null;
  number?: string | null;
  subject?: string | null;
  invoicedOn?: Date | null;
  paymentTerms?: number | null;
  payOn?: Date | null;
  sentOn?: Date | null;
  deliveryOn?: Date | null;
  paidOn?: Date | null;
  finalizedOn?: Date | null;
  discount?: string | null;
  tax1Name?: string | null;
  tax1Value?: string | null;
  tax2Name?: string | null;
  tax2Value?: string | null;
  note?: string | null;
  footer?: string | null;
  purchaseOrderNumber?: string | null;
  tagList?: string[] | null;
  currency?: string | null;
  exchangeRate?: string | null;
  amount?: bigint | null;
  amountPaid?: bigint | null;
  amountWrittenOff?: bigint | null;
}

/** The input's fields in the order errors are reported. */
const FIELDS = [
  'id', 'companyId', 'invoiceType', 'parentInvoiceId', 'number', 'subject', 'invoicedOn', 'paymentTerms', 'payOn', 'sentOn',
  'deliveryOn', 'paidOn', 'finalizedOn', 'discount', 'tax1Name', 'tax1Value', 'tax2Name', 'tax2Value', 'note', 'footer',
  'purchaseOrderNumber', 'tagList', 'currency', 'exchangeRate', 'amount', 'amountPaid', 'amountWrittenOff',
] as const satisfies ReadonlyArray<keyof InvoiceInput | 'id'>;

/** Short texts (a number, a subject, a tax's name) and long ones (a note, a footer). */
const SHORT_TEXTS = ['number', 'subject', 'tax1Name', 'tax2Name', 'purchaseOrderNumber'] as const;
const LONG_TEXTS = ['note', 'footer'] as const;
const MAX_SHORT = 255;
const MAX_LONG = 10_000;
const PERCENTS = ['discount', 'tax1Value', 'tax2Value'] as const;
const MONEY = ['amount', 'amountPaid', 'amountWrittenOff'] as const;
/** Ten years: any real payment term, and a pay-on date that always exists. */
const MAX_PAYMENT_TERMS = 3650;
/** As for every entered amount: far above any real invoice, and safe from overflow once taxed. */
const MAX_CENTS = 10n ** 15n;
const DAY_MS = 86_400_000;

/** The partial unique index on (organization_id, number) WHERE number IS NOT NULL AND deleted_at IS NULL. */
const NUMBER_INDEX = 'invoices_live_number_key';
const taken = (): UserError => ({ field: at('number'), message: 'has already been taken', code: 'TAKEN' });

function isNumberConflict(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return false;
  return JSON.stringify(error.meta ?? {}).includes(NUMBER_INDEX) || error.message.includes(NUMBER_INDEX);
}

/**
 * One write in `transact()`. A number taken by a concurrent write slips past the lookup in
 * `check` (nothing locks a number that is not used yet): the unique index is the last word, and
 * its violation is the same user error. The transaction was rolled back by then.
 */
async function write<T>(db: ScopedClient, run: (tx: ScopedTx) => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await transact(db, run);
  } catch (error) {
    if (isNumberConflict(error)) return fail(taken());
    throw error;
  }
}

const addDays = (day: Date, days: number): Date => new Date(day.getTime() + days * DAY_MS);

/**
 * The pay-on date derived from the terms must be a date the API can show (src/domain/kit/dates.ts):
 * `invoicedOn: "9999-12-31", paymentTerms: 3650` is a user error on the field that moved it there
 * (the terms when given, else the invoice date), not a year-10009 date. Same rule as create and
 * update apply: the date follows the terms when `payOn` is not given.
 */
function derivedPayOnProblem(input: InvoiceInput, current: Current | null): UserError | null {
  const creating = current === null;
  const follows = creating ? input.payOn == null : !given(input, 'payOn') && (given(input, 'paymentTerms') || given(input, 'invoicedOn'));
  const invoicedOn = creating ? (input.invoicedOn ?? todayUtc()) : fieldAfter(input, current.invoice, 'invoicedOn');
  const terms = fieldAfter(input, current?.invoice ?? null, 'paymentTerms');
  if (!follows || invoicedOn == null || terms == null || inCalendar(addDays(invoicedOn, terms))) return null;
  return invalid(
    creating || given(input, 'paymentTerms') ? 'paymentTerms' : 'invoicedOn',
    `would put the payment date (invoicedOn + paymentTerms) after ${LAST_DAY_ISO}`,
  );
}

/** The invoice a credit note credits, as `check` needs it. */
interface Parent {
  id: number;
  invoiceTypeId: number;
  companyId: number;
  currency: string;
  exchangeRate: string;
}

/** The invoice as it is, for an update. */
interface Current {
  invoice: Invoice;
  parent: Parent | null;
  /** Whether it has live credit notes (an invoice's company and currency are then theirs too). */
  hasCreditNotes: boolean;
}

interface Checked {
  errors: UserError[];
  parent: Parent | null;
}

/**
 * Checks the fields present in `input` (all required ones when creating), against the invoice as
 * it is (`current`) for rules that span fields. Ids are looked up through the scoped client:
 * another organization's id is simply not found.
 */
async function check(tx: ScopedTx, input: InvoiceInput, current: Current | null): Promise<Checked> {
  const errors: UserError[] = [];
  const creating = current === null;
  const needs = (key: keyof InvoiceInput) => creating || given(input, key);

  if (needs('companyId') && input.companyId == null) errors.push(blank('companyId'));
  const type: InvoiceType = creating ? (input.invoiceType ?? 'INVOICE') : current.invoice.invoiceTypeId === INVOICE_TYPES.CREDIT_NOTE ? 'CREDIT_NOTE' : 'INVOICE';
  if (!creating) {
    // Not in the update input; refused here too, for callers other than GraphQL.
    if (given(input, 'invoiceType')) errors.push(invalid('invoiceType', 'cannot be changed'));
    if (given(input, 'parentInvoiceId')) errors.push(invalid('parentInvoiceId', 'cannot be changed'));
  } else if (type === 'CREDIT_NOTE' && input.parentInvoiceId == null) {
    errors.push({ field: at('parentInvoiceId'), message: `${MESSAGES.blank} for a credit note`, code: 'BLANK' });
  } else if (type === 'INVOICE' && input.parentInvoiceId != null) {
    errors.push(invalid('parentInvoiceId', 'only a credit note credits an invoice (invoiceType CREDIT_NOTE)'));
  }

  for (const name of SHORT_TEXTS) checkOptionalText(errors, name, input[name], MAX_SHORT);
  for (const name of LONG_TEXTS) checkOptionalText(errors, name, input[name], MAX_LONG);
  if (!creating && given(input, 'invoicedOn') && input.invoicedOn === null) errors.push(blank('invoicedOn'));
  if (input.paymentTerms != null && (input.paymentTerms < 0 || input.paymentTerms > MAX_PAYMENT_TERMS)) {
    errors.push(invalid('paymentTerms', `must be between 0 and ${MAX_PAYMENT_TERMS}`));
  } else {
    const derived = derivedPayOnProblem(input, current);
    if (derived) errors.push(derived);
  }
  for (const name of PERCENTS) {
    const value = input[name];
    if (value != null && !isValidPercent(value)) {
      errors.push(invalid(name, 'must be a decimal number between 0 and 100 with at most 4 decimals, such as 10.5'));
    }
  }
  if (input.tagList != null) cleanTags(input.tagList, errors);

  // Creating, a missing currency is the default one; updating, `null` cannot clear it.
  checkMoney(errors, input, input.currency !== undefined && !(creating && input.currency === null));

  for (const name of MONEY) {
    const value = input[name];
    if (value == null) continue;
    if (value < -MAX_CENTS || value > MAX_CENTS) errors.push(invalid(name, `must be between -${MAX_CENTS} and ${MAX_CENTS}`));
    else if (name === 'amount' && type === 'INVOICE' && value < 0n) {
      errors.push(invalid('amount', 'must not be negative on an invoice (a credit note takes amounts off it)'));
    } else if (name === 'amount' && type === 'CREDIT_NOTE' && value > 0n) {
      errors.push(invalid('amount', 'must be negative or zero on a credit note'));
    }
  }

  // One after the other: a transaction is one connection, and pg refuses overlapping queries on one.
  const company = input.companyId != null ? await tx.company.findUnique({ where: { id: input.companyId }, select: { id: true } }) : null;
  if (input.companyId != null && !company) errors.push(notFound(at('companyId'), 'Company'));

  let parent = current?.parent ?? null;
  if (creating && type === 'CREDIT_NOTE' && input.parentInvoiceId != null) {
    parent = await lockParent(tx, input.parentInvoiceId);
    if (!parent) errors.push(notFound(at('parentInvoiceId'), 'Invoice'));
    else if (parent.invoiceTypeId === INVOICE_TYPES.CREDIT_NOTE) {
      errors.push(invalid('parentInvoiceId', 'must be an invoice, not a credit note'));
      parent = null;
    }
  }

  // A credit note shares its invoice's company and currency: what it credits is in that currency.
  const companyId = input.companyId ?? current?.invoice.companyId;
  if (parent && company && companyId !== parent.companyId) {
    errors.push(invalid('companyId', "must be the company of the credited invoice"));
  }
  if (current?.hasCreditNotes && company && input.companyId !== current.invoice.companyId) {
    errors.push(invalid('companyId', 'cannot change while the invoice has credit notes'));
  }
  const currency = input.currency?.trim();
  const validCurrency = currency && isCurrencyCode(currency);
  if (parent && validCurrency && currency !== parent.currency) {
    errors.push(invalid('currency', `must be the currency of the credited invoice (${parent.currency})`));
  }
  if (current?.hasCreditNotes && validCurrency && currency !== current.invoice.currency) {
    errors.push(invalid('currency', 'cannot change while the invoice has credit notes'));
  }

  if (input.number != null && !isBlank(input.number) && !errors.some((e) => e.field[1] === 'number')) {
    const holder = await tx.invoice.findFirst({
      where: { number: input.number.trim(), ...(current && { id: { not: current.invoice.id } }) },
      select: { id: true },
    });
    if (holder) errors.push(taken());
  }
  return { errors, parent };
}

/**
 * Locks a credit note's invoice and reads it: a concurrent change of its currency, or its deletion,
 * waits for us (or we for it, and then see the result). Out of scope or deleted: null.
 */
async function lockParent(tx: ScopedTx, id: number): Promise<Parent | null> {
  if (!(await lockInvoices(tx, [id]))) return null;
  const row = await tx.invoice.findUnique({
    where: { id },
    select: { id: true, invoiceTypeId: true, companyId: true, currency: true, exchangeRate: true },
  });
  return row && { ...row, exchangeRate: rateText(row.exchangeRate) };
}

/**
 * For a credit note that comes back without going through create (a restore), with its invoice
 * locked: it must still share the invoice's company and currency (the invoice may have changed
 * them while it had no live credit note), and what the invoice shows as credited must still fit.
 * Explicit `deletedAt: null`: the bin's client sees deleted rows. Null when the rules hold, else why not.
 */
export async function creditNoteHolds(tx: ScopedTx, noteId: number): Promise<string | null> {
  const note = await tx.invoice.findFirstOrThrow({
    where: { id: noteId, deletedAt: null },
    select: { companyId: true, currency: true, amount: true, tax1Value: true, tax2Value: true, parentInvoiceId: true },
  });
  if (note.parentInvoiceId === null) return null;
  const parent = await tx.invoice.findFirstOrThrow({
    where: { id: note.parentInvoiceId, deletedAt: null },
    select: { id: true, invoiceTypeId: true, companyId: true, currency: true, exchangeRate: true },
  });
  if (parent.companyId !== note.companyId) return 'the credited invoice has another company now';
  if (parent.currency !== note.currency) return `the credited invoice is in ${parent.currency} now, the credit note in ${note.currency}`;
  const credited = await tx.invoice.findMany({
    where: { parentInvoiceId: parent.id, deletedAt: null, id: { not: noteId } },
    select: { amount: true, tax1Value: true, tax2Value: true },
  });
  const fitsAll = await creditFits(tx, { ...parent, exchangeRate: rateText(parent.exchangeRate) }, creditNoteWithTax(note), noteId, credited);
  return fitsAll ? null : 'what the credited invoice shows as credited would exceed the largest amount that can be stored';
}

const tooLarge = (field: string) =>
  invalid(field, 'is too large: with its taxes, converted with the exchange rate, it exceeds the largest amount that can be stored');

/** Where an overflowing money field is reported: on the rate when one was given, else on what was entered. */
function overflowErrors(fields: InvoiceMoneyField[], rateGiven: boolean): UserError[] {
  const entered = new Set(fields.map((f): string => (f === 'amountPaid' || f === 'amountWrittenOff' ? f : 'amount')));
  return rateGiven ? [tooLarge('exchangeRate')] : [...entered].map(tooLarge);
}

/**
 * A credit note changes what its invoice shows as credited: that must fit a bigint too, in the
 * invoice's currency and converted at the invoice's rate. `others` is the invoice's other credit notes.
 */
async function creditFits(
  tx: ScopedTx,
  parent: Parent,
  noteWithTax: bigint,
  except: number | null,
  known?: ReadonlyArray<Parameters<typeof amountCredited>[0][number]>,
): Promise<boolean> {
  const others =
    known ??
    (await tx.invoice.findMany({
      where: { parentInvoiceId: parent.id, ...(except !== null && { id: { not: except } }) },
      select: { amount: true, tax1Value: true, tax2Value: true },
    }));
  const credited = amountCredited(others) - noteWithTax;
  return fitsInt64(credited) && fitsInt64(toDefault(credited, parent.exchangeRate));
}

/** The scalar columns an input sets (trimmed texts, cleaned tags); money, dates and ids are the caller's. */
function textColumns(input: InvoiceInput) {
  return {
    ...Object.fromEntries(
      [...SHORT_TEXTS, ...LONG_TEXTS].filter((name) => given(input, name)).map((name) => [name, optionalText(input[name])]),
    ),
    ...Object.fromEntries(PERCENTS.filter((name) => given(input, name)).map((name) => [name, input[name] ?? null])),
    ...(given(input, 'tagList') && { tagList: input.tagList ? cleanTags(input.tagList, []) : [] }),
  };
}

export async function createInvoice(db: ScopedClient, viewer: Viewer, input: InvoiceInput): Promise<Result<Invoice>> {
  return write(db, async (tx) => {
    const { errors, parent } = await check(tx, input, null);
    const currency = input.currency?.trim() || parent?.currency || viewer.organization.defaultCurrency;
    const rate = rateUnlessInvalid(errors, currency, input.exchangeRate, parent && currency === parent.currency ? parent.exchangeRate : null, viewer);
    if (errors.length > 0 || rate === null) return fail(...inInputOrder(errors, FIELDS));

    const type = input.invoiceType ?? 'INVOICE';
    const money = {
      currency,
      exchangeRate: rate,
      amount: input.amount ?? 0n,
      amountPaid: input.amountPaid ?? 0n,
      amountWrittenOff: input.amountWrittenOff ?? 0n,
      tax1Value: input.tax1Value ?? null,
      tax2Value: input.tax2Value ?? null,
    };
    // A new invoice has no credit notes yet: nothing credited.
    const overflow = overflowingFields(money, 0n);
    if (overflow.length) return fail(...inInputOrder(overflowErrors(overflow, input.exchangeRate != null), FIELDS));
    if (parent && !(await creditFits(tx, parent, creditNoteWithTax(money), null))) return fail(tooLarge('amount'));

    const invoicedOn = input.invoicedOn ?? todayUtc();
    const invoice = await tx.invoice.create({
      include: invoiceShows,
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        companyId: input.companyId!,
        creatorId: viewer.person.id,
        parentInvoiceId: parent?.id ?? null,
        invoiceTypeId: INVOICE_TYPES[type],
        ...textColumns(input),
        invoicedOn,
        paymentTerms: input.paymentTerms ?? null,
        payOn: input.payOn ?? (input.paymentTerms != null ? addDays(invoicedOn, input.paymentTerms) : null),
        sentOn: input.sentOn ?? null,
        deliveryOn: input.deliveryOn ?? null,
        paidOn: input.paidOn ?? null,
        finalizedOn: input.finalizedOn ?? null,
        ...money,
        exchangeDate: invoicedOn,
      },
    });
    // Its insert waited for an organization update in progress: the currency checked must still be the default.
    await checkDefaultCurrency(tx, viewer, 'currency');
    return ok(await withEvent(tx, viewer, 'invoice.created', 'Invoice', invoice, (i, v) => presentInvoice(tx, i, v)));
  });
}

export async function updateInvoice(db: ScopedClient, viewer: Viewer, id: number, input: InvoiceInput): Promise<Result<Invoice>> {
  return write(db, async (tx) => {
    const now = new Date();
    // A credit note's invoice is locked before the note (the lock order); which invoice that is
    // never changes, so it can be read before any lock.
    const first = await tx.invoice.findUnique({ where: { id }, select: { parentInvoiceId: true } });
    const parent = first?.parentInvoiceId != null ? await lockParent(tx, first.parentInvoiceId) : null;
    // Lock, then read: the read sees the latest committed invoice and no other writer changes it
    // before we commit.
    const { count } = first ? await tx.invoice.updateMany({ where: { id }, data: { updatedAt: now } }) : { count: 0 };
    const existing = count === 1 ? await tx.invoice.findUnique({ where: { id } }) : null;
    if (!existing) return fail(notFound(at('id'), 'Invoice'));

    const notes = await tx.invoice.findMany({ where: { parentInvoiceId: id }, select: { amount: true, tax1Value: true, tax2Value: true } });
    const { errors } = await check(tx, input, { invoice: existing, parent, hasCreditNotes: notes.length > 0 });
    const currentRate = rateText(existing.exchangeRate);
    const currency = input.currency?.trim() || existing.currency;
    // Keep the stored rate when the currency stays; a new currency needs its own rate.
    const resolved =
      given(input, 'currency') || given(input, 'exchangeRate')
        ? rateUnlessInvalid(errors, currency, input.exchangeRate, currency === existing.currency ? currentRate : null, viewer)
        : null;
    const rate = resolved ?? currentRate;
    if (errors.length > 0) return fail(...inInputOrder(errors, FIELDS));

    const money = {
      currency,
      exchangeRate: rate,
      amount: input.amount ?? existing.amount,
      amountPaid: input.amountPaid ?? existing.amountPaid,
      amountWrittenOff: input.amountWrittenOff ?? existing.amountWrittenOff,
      tax1Value: fieldAfter(input, existing, 'tax1Value') ?? null,
      tax2Value: fieldAfter(input, existing, 'tax2Value') ?? null,
    };
    const changesRate = currency !== existing.currency || !sameRate(rate, currentRate);
    const overflow = overflowingFields(money, amountCredited(notes));
    if (overflow.length) return fail(...inInputOrder(overflowErrors(overflow, changesRate && input.exchangeRate != null), FIELDS));
    if (parent && !(await creditFits(tx, parent, creditNoteWithTax(money), id))) return fail(tooLarge('amount'));

    // What is attributed to budgets may not exceed the amount (src/domain/invoice-attributions.ts).
    if (money.amount !== existing.amount) {
      const attributed = await attributedTotal(tx, id);
      if (exceedsInvoice(money.amount, attributed)) {
        return fail(invalid('amount', `is less than what is attributed to budgets (${attributed})`));
      }
    }
    if (changesRate) {
      // Invoice (locked above), then the budgets and attributions: the lock order.
      const rewritten = await rewriteInvoiceAttributions(tx, id, { currency, exchangeRate: rate }, currency !== existing.currency ? 'currency' : 'exchangeRate');
      if (!rewritten.ok) return rewritten;
    }

    const invoicedOn = input.invoicedOn ?? existing.invoicedOn;
    const paymentTerms = fieldAfter(input, existing, 'paymentTerms') ?? null;
    // A pay-on date follows its terms when they, or the invoice date, change and it is not given.
    const payOnFollows = !given(input, 'payOn') && paymentTerms !== null && (given(input, 'paymentTerms') || given(input, 'invoicedOn'));
    const invoice = await tx.invoice.update({
      where: { id },
      include: invoiceShows,
      data: {
        ...(given(input, 'companyId') && { companyId: input.companyId! }),
        ...textColumns(input),
        ...(given(input, 'invoicedOn') && { invoicedOn }),
        ...(given(input, 'paymentTerms') && { paymentTerms }),
        ...changed(input, ['payOn', 'sentOn', 'deliveryOn', 'paidOn', 'finalizedOn']),
        ...(payOnFollows && { payOn: addDays(invoicedOn, paymentTerms) }),
        ...(given(input, 'amount') && { amount: money.amount }),
        ...(given(input, 'amountPaid') && { amountPaid: money.amountPaid }),
        ...(given(input, 'amountWrittenOff') && { amountWrittenOff: money.amountWrittenOff }),
        ...(changesRate && { currency, exchangeRate: rate, exchangeDate: todayUtc() }),
        updatedAt: now,
      },
    });
    return ok(await withEvent(tx, viewer, 'invoice.updated', 'Invoice', invoice, (i, v) => presentInvoice(tx, i, v)));
  });
}

/** Whether two valid rates are the same number ("1.25" and "1.2500"). */
const sameRate = (a: string, b: string): boolean => formatRate(a) === formatRate(b);

/**
 * Soft delete with what belongs to the invoice: its live credit notes and the attributions of both
 * go to the recycle bin with it, stamped with the same moment and deleter, so that the bin can
 * bring back exactly those.
 */
export async function deleteInvoice(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return transact(db, async (tx) => {
    const file = await binEntry(tx, viewer, { model: 'invoice', id });
    const stamp = { deletedAt: new Date(), deleterId: viewer.person.id };
    // The invoice first, then its credit notes: the lock order. A credit note being created waits
    // on the invoice's lock and then finds no invoice; one created before is found below.
    const { count } = await tx.invoice.updateMany({ where: { id }, data: stamp });
    if (count !== 1) return fail(notFound(at('id'), 'Invoice'));
    const notes = await tx.invoice.findMany({ where: { parentInvoiceId: id }, select: { id: true } });
    if (notes.length) chargeWork((await tx.invoice.updateMany({ where: { id: { in: notes.map((n) => n.id) } }, data: stamp })).count);
    for (const invoiceId of [id, ...notes.map((n) => n.id)]) await deleteAttributionsOfInvoice(tx, invoiceId, stamp);
    return ok({ id, entryId: await file(stamp.deletedAt) });
  });
}

/**
 * Archiving is idempotent: archiving an archived invoice (or unarchiving one that is not) succeeds
 * and changes nothing, neither `archivedAt` nor `updatedAt`. The guarded UPDATE matches only a row
 * that changes; of concurrent archives the first sets the moment and the others, waiting on its
 * row lock, then match nothing and read the same moment.
 */
export async function archiveInvoice(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Invoice>> {
  return setArchived(db, viewer, id, true);
}

export async function unarchiveInvoice(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Invoice>> {
  return setArchived(db, viewer, id, false);
}

/** A repeat that changes nothing records no event either. */
async function setArchived(db: ScopedClient, viewer: Viewer, id: number, archived: boolean): Promise<Result<Invoice>> {
  return transact(db, async (tx) => {
    const { count } = await tx.invoice.updateMany({
      where: { id, archivedAt: archived ? null : { not: null } },
      data: { archivedAt: archived ? new Date() : null },
    });
    const invoice = await tx.invoice.findUnique({ where: { id }, include: invoiceShows });
    if (!invoice) return fail(notFound(at('id'), 'Invoice'));
    return ok(count === 1 ? await withEvent(tx, viewer, archived ? 'invoice.archived' : 'invoice.unarchived', 'Invoice', invoice, (i, v) => presentInvoice(tx, i, v)) : invoice);
  });
}

// ---- The event payload -------------------------------------------------------------------------

/** What an invoice's payload needs beyond its columns: whether its parent invoice is in the bin. */
export const invoiceShows = { parentInvoice: LIVE } satisfies Prisma.InvoiceInclude;

const percent = (value: Prisma.Decimal | null) => (value === null ? null : formatPercent(value));

/**
 * An invoice as the API shows it (src/schema/invoice.ts) to `viewer`, for its events: its money by
 * the schema's formulas (src/money/invoice-money.ts), its credit notes summed by the schema's statement.
 */
export async function presentInvoice(tx: ScopedTx, i: Prisma.InvoiceGetPayload<{ include: typeof invoiceShows }>, viewer: Viewer): Promise<Payload> {
  const [credit] = await creditSumsByInvoice(tx, [i.id]);
  const money = invoiceMoney(i, credit!.credited, viewer.organization.defaultCurrency);
  return {
    id: globalId('Invoice', i.id),
    databaseId: i.id,
    number: i.number,
    subject: i.subject,
    invoiceType: invoiceTypeOf(i.invoiceTypeId),
    invoiceTypeId: i.invoiceTypeId,
    status: invoiceStatusOf(i, todayUtc()),
    invoicedOn: day(i.invoicedOn),
    sentOn: day(i.sentOn),
    payOn: day(i.payOn),
    deliveryOn: day(i.deliveryOn),
    paidOn: day(i.paidOn),
    finalizedOn: day(i.finalizedOn),
    paymentTerms: i.paymentTerms,
    discount: percent(i.discount),
    tax1Name: i.tax1Name,
    tax1Value: percent(i.tax1Value),
    tax2Name: i.tax2Name,
    tax2Value: percent(i.tax2Value),
    note: i.note,
    footer: i.footer,
    purchaseOrderNumber: i.purchaseOrderNumber,
    tagList: i.tagList,
    currency: i.currency,
    exchangeRate: formatRate(i.exchangeRate),
    exchangeDate: day(i.exchangeDate),
    credited: credit!.count > 0,
    archived: i.archivedAt !== null,
    archivedAt: instant(i.archivedAt),
    amount: moneySet(money.amount),
    amountTax: moneySet(money.amountTax),
    amountWithTax: moneySet(money.amountWithTax),
    amountPaid: moneySet(money.amountPaid),
    amountWrittenOff: moneySet(money.amountWrittenOff),
    amountUnpaid: moneySet(money.amountUnpaid),
    amountCredited: moneySet(money.amountCredited),
    company: ref('Company', i.companyId),
    creator: ref('Person', i.creatorId),
    parentInvoice: liveRef('Invoice', i.parentInvoice),
    createdAt: instant(i.createdAt),
    updatedAt: instant(i.updatedAt),
  };
}

/**
 * What a restore of an invoice re-establishes (src/domain/kit/bin-rules.ts): its company and
 * credited invoice live (its `parents`); its number, and its credit notes', not
 * taken by a live invoice (invoices_live_number_key); a credit note shares its invoice's company
 * and currency, and what the invoice shows as credited fits a bigint. Invoices are locked first.
 */
export const invoiceBin: BinRules = {
  itemTypes: ['invoice'],
  what: 'Invoice',
  describe: async (tx, id) => {
    const invoice = await tx.invoice.findUnique({ where: { id }, select: { number: true, subject: true, company: { select: { name: true } } } });
    // "Invoice - 2016/01", as the reference; an invoice without a number is named by its subject, or its id.
    return invoice && { itemType: 'invoice', name: `Invoice - ${invoice.number ?? invoice.subject ?? `#${id}`}`, location: `Company: ${invoice.company.name}` };
  },
  children: [
    { model: 'invoice', key: 'parentInvoiceId' },
    { model: 'invoiceAttribution', key: 'invoiceId' },
  ],
  parents: [
    { model: 'company', key: 'companyId', what: 'company' },
    { model: 'invoice', key: 'parentInvoiceId', what: 'invoice' },
  ],
  lockRank: 0,
  places: { invoices_live_number_key: 'its number has just been taken by another invoice' },
  placesFree: async (tx, rows) => {
    const numbers = rows.map((row) => row.number as string | null).filter((n): n is string => n !== null);
    if (numbers.length && (await tx.invoice.count({ where: { number: { in: numbers }, ...live } }))) refuse('its number is now used by another invoice');
  },
  recheck: async (tx, item) => {
    if (item.parentInvoiceId === null) return; // Not a credit note.
    const why = await creditNoteHolds(tx, item.id as number);
    if (why) refuse(why);
  },
};
