// Expense rules: validation (every problem of an input at once, with the reference's messages),
// derived money, approval and rejection. Each write runs in one transaction on the scoped client
// and returns the expense or the complete list of user errors; nothing is written when any exists.
import type { ScopedClient } from '../db/scope.js';
import type { ScopedTx } from '../db/transaction.js';
import type { Expense } from '../generated/prisma/client.js';
import { expenseMoneyColumns } from '../money/expense-amounts.js';
import { fitsInt64, isCurrencyCode, isOneRate, isValidRate, rateText, type RateLike } from '../money/money.js';
import {
  at,
  blank,
  checkText,
  fail,
  given,
  invalid,
  isBlank,
  MESSAGES,
  notFound,
  ok,
  type Result,
  type UserError,
} from './kit/result.js';
import { softDelete } from './kit/soft-delete.js';
import type { Viewer } from './viewer.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface ExpenseInput {
  name?: string | null;
  dealId?: number | null;
  serviceTypeId?: number | null;
  personId?: number | null;
  amount?: bigint | null;
  billableAmount?: bigint | null;
  currency?: string | null;
  exchangeRate?: string | null;
  date?: Date | null;
  payOn?: Date | null;
  paidOn?: Date | null;
  position?: number | null;
  reimbursable?: boolean | null;
  reimbursedOn?: Date | null;
}


const MAX_NAME = 255;
const MAX_REASON = 1000;
/** Far above any real list of expenses on one deal, and far below int4: a next position always fits. */
const MAX_POSITION = 1_000_000;
/** 10^15 minor units: far above any real expense, and safe from overflow once multiplied by a rate. */
const MAX_CENTS = 10n ** 15n;


interface Related {
  deal: { id: number; currency: string; exchangeRate: RateLike } | null;
  errors: UserError[];
}

/** Checks the fields present in `input`; `required` names those that may not be blank. */
async function check(tx: ScopedTx, input: ExpenseInput, required: boolean): Promise<Related> {
  const errors: UserError[] = [];
  const needs = (key: keyof ExpenseInput) => required || given(input, key);

  if (needs('name')) checkText(errors, 'name', input.name, MAX_NAME);
  if (needs('dealId') && input.dealId == null) errors.push(blank('dealId'));
  if (needs('serviceTypeId') && input.serviceTypeId == null) errors.push(blank('serviceTypeId'));
  for (const key of ['amount', 'billableAmount'] as const) {
    const value = input[key];
    if (key === 'amount' && needs(key) && value == null) errors.push(blank(key));
    else if (value != null && (value < 0n || value > MAX_CENTS)) {
      errors.push(invalid(key, `must be between 0 and ${MAX_CENTS}`));
    }
  }
  if (needs('currency')) {
    // The reference reports both for a missing currency: it is blank, and blank is no currency.
    if (isBlank(input.currency)) errors.push(blank('currency'));
    if (isBlank(input.currency) || !isCurrencyCode(input.currency!.trim())) {
      errors.push({ field: at('currency'), message: MESSAGES.invalidCurrency, code: 'INVALID_CURRENCY' });
    }
  }
  if (input.exchangeRate != null && !isValidRate(input.exchangeRate)) {
    errors.push(invalid('exchangeRate', 'must be a positive decimal number such as 1.25, with at most 10 digits before and 10 after the point'));
  }
  if (needs('date') && input.date == null) errors.push(blank('date'));
  if (input.position != null && (input.position < 1 || input.position > MAX_POSITION)) {
    errors.push(invalid('position', `must be between 1 and ${MAX_POSITION}`));
  }

  // Ids are looked up through the scoped client: another organization's id is simply not found.
  const [deal, serviceType, person] = await Promise.all([
    input.dealId != null
      ? tx.deal.findUnique({ where: { id: input.dealId }, select: { id: true, currency: true, exchangeRate: true } })
      : null,
    input.serviceTypeId != null ? tx.serviceType.findUnique({ where: { id: input.serviceTypeId }, select: { id: true } }) : null,
    input.personId != null ? tx.person.findUnique({ where: { id: input.personId }, select: { id: true } }) : null,
  ]);
  if (input.dealId != null && !deal) errors.push(notFound(at('dealId'), 'Deal'));
  if (input.serviceTypeId != null && !serviceType) errors.push(notFound(at('serviceTypeId'), 'Service type'));
  if (input.personId != null && !person) errors.push(notFound(at('personId'), 'Person'));
  return { deal, errors };
}

/**
 * The rate to the default currency: as given; 1 for the default currency itself; the deal's own
 * rate for the deal's currency. Otherwise the caller must give it -- we have no rate source to guess from.
 */
function resolveRate(
  currency: string,
  givenRate: string | null | undefined,
  deal: { currency: string; exchangeRate: RateLike },
  viewer: Viewer,
): string | UserError {
  if (givenRate != null) return givenRate;
  if (currency === viewer.organization.defaultCurrency) return '1';
  if (currency === deal.currency) return rateText(deal.exchangeRate);
  return {
    field: at('exchangeRate'),
    message: `${MESSAGES.blank} when the currency is neither the organization's (${viewer.organization.defaultCurrency}) nor the deal's (${deal.currency})`,
    code: 'BLANK',
  };
}

/**
 * The stored money columns of an expense: what was entered, and everything derived from it; or
 * the user error when the rate contradicts the currency or a derived amount would not fit the
 * database's bigint (reported on the rate when one was given, else on the amount).
 */
function money(
  m: {
    amount: bigint;
    billableAmount: bigint;
    currency: string;
    rate: string;
    rateGiven: boolean;
    deal: { currency: string; exchangeRate: RateLike };
  },
  viewer: Viewer,
) {
  const own = viewer.organization.defaultCurrency;
  if (m.rateGiven && m.currency === own && !isOneRate(m.rate)) {
    return fail(invalid('exchangeRate', `must be 1 for the organization's own currency (${own})`));
  }
  const derived = expenseMoneyColumns({
    amount: m.amount,
    billableAmount: m.billableAmount,
    currency: m.currency,
    exchangeRate: m.rate,
    deal: { currency: m.deal.currency, exchangeRate: rateText(m.deal.exchangeRate) },
  });
  const tooLarge = (field: string) =>
    invalid(field, 'is too large: converted with the exchange rates it exceeds the largest amount that can be stored');
  const errors: UserError[] = [];
  if (![derived.amountDefault, derived.amountNormalized, derived.profitNormalized, derived.profitDefault].every(fitsInt64)) {
    errors.push(tooLarge(m.rateGiven ? 'exchangeRate' : 'amount'));
  }
  if (!fitsInt64(derived.billableAmountDefault)) errors.push(tooLarge('billableAmount'));
  if (errors.length) return fail(...errors);
  return ok({ currency: m.currency, exchangeRate: m.rate, amount: m.amount, billableAmount: m.billableAmount, ...derived });
}

export async function createExpense(db: ScopedClient, viewer: Viewer, input: ExpenseInput): Promise<Result<Expense>> {
  return db.$transaction(async (tx) => {
    const { deal, errors } = await check(tx, input, true);
    if (errors.length > 0 || !deal) return fail(...errors);
    const currency = input.currency!.trim();
    const rate = resolveRate(currency, input.exchangeRate, deal, viewer);
    if (typeof rate !== 'string') return fail(rate);

    const amount = input.amount!;
    const billableAmount = input.billableAmount ?? 0n;
    const columns = money({ amount, billableAmount, currency, rate, rateGiven: input.exchangeRate != null, deal }, viewer);
    if (!columns.ok) return columns;
    const position =
      input.position ??
      ((await tx.expense.aggregate({ where: { dealId: deal.id }, _max: { position: true } }))._max.position ?? 0) + 1;
    const expense = await tx.expense.create({
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        name: input.name!.trim(),
        dealId: deal.id,
        serviceTypeId: input.serviceTypeId!,
        personId: input.personId ?? null,
        creatorId: viewer.person.id,
        date: input.date!,
        payOn: input.payOn ?? null,
        paidOn: input.paidOn ?? null,
        position,
        reimbursable: input.reimbursable ?? null,
        reimbursedOn: input.reimbursedOn ?? null,
        exchangeDate: input.date!,
        ...columns.value,
      },
    });
    return ok(expense);
  });
}

export async function updateExpense(
  db: ScopedClient,
  viewer: Viewer,
  id: number,
  input: ExpenseInput,
): Promise<Result<Expense>> {
  return db.$transaction(async (tx) => {
    const existing = await tx.expense.findUnique({ where: { id }, include: { deal: true } });
    if (!existing) return fail(notFound(at('id'), 'Expense'));
    const { deal: newDeal, errors } = await check(tx, input, false);
    if (errors.length > 0) return fail(...errors);

    const deal = newDeal ?? existing.deal;
    const currency = input.currency?.trim() ?? existing.currency;
    let rate = input.exchangeRate ?? rateText(existing.exchangeRate);
    if (input.exchangeRate == null && (currency !== existing.currency || deal.id !== existing.dealId)) {
      const resolved = resolveRate(currency, null, deal, viewer);
      if (typeof resolved !== 'string') return fail(resolved);
      rate = resolved;
    }
    const amount = input.amount ?? existing.amount;
    const billableAmount = given(input, 'billableAmount') ? (input.billableAmount ?? 0n) : existing.billableAmount;
    const date = input.date ?? existing.date;
    const columns = money({ amount, billableAmount, currency, rate, rateGiven: input.exchangeRate != null, deal }, viewer);
    if (!columns.ok) return columns;

    const expense = await tx.expense.update({
      where: { id },
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(given(input, 'serviceTypeId') && { serviceTypeId: input.serviceTypeId! }),
        ...(given(input, 'personId') && { personId: input.personId }),
        ...(given(input, 'payOn') && { payOn: input.payOn }),
        ...(given(input, 'paidOn') && { paidOn: input.paidOn }),
        ...(given(input, 'reimbursable') && { reimbursable: input.reimbursable }),
        ...(given(input, 'reimbursedOn') && { reimbursedOn: input.reimbursedOn }),
        ...(input.position != null && { position: input.position }),
        dealId: deal.id,
        date,
        exchangeDate: given(input, 'exchangeRate') || given(input, 'date') ? date : existing.exchangeDate,
        ...columns.value,
      },
    });
    return ok(expense);
  });
}

/** Soft delete: the row stays for the recycle bin, and the scoped client hides it everywhere. */
export function deleteExpense(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<{ id: number }>> {
  return softDelete(db, 'expense', id, viewer, 'Expense');
}

/**
 * A state change guarded in the UPDATE itself (`WHERE approved = false`), so that of two
 * concurrent approvals exactly one succeeds and the other sees ALREADY_APPROVED.
 */
async function transition(
  db: ScopedClient,
  id: number,
  guard: { approved?: boolean; rejected?: boolean },
  data: Parameters<ScopedClient['expense']['updateMany']>[0]['data'],
  refused: UserError,
): Promise<Result<Expense>> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.expense.updateMany({ where: { id, ...guard }, data });
    const expense = await tx.expense.findUnique({ where: { id } });
    if (!expense) return fail(notFound(at('id'), 'Expense'));
    return count === 1 ? ok(expense) : fail(refused);
  });
}

export function approveExpense(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Expense>> {
  return transition(
    db,
    id,
    { approved: false },
    {
      approved: true,
      approvedAt: new Date(),
      approverId: viewer.person.id,
      // Approving settles a rejection.
      rejected: false,
      rejectedAt: null,
      rejectedReason: null,
      rejecterId: null,
    },
    { field: at('id'), message: 'is already approved', code: 'ALREADY_APPROVED' },
  );
}

export function unapproveExpense(db: ScopedClient, _viewer: Viewer, id: number): Promise<Result<Expense>> {
  return transition(
    db,
    id,
    { approved: true },
    { approved: false, approvedAt: null, approverId: null },
    { field: at('id'), message: 'is not approved', code: 'NOT_APPROVED' },
  );
}

export async function rejectExpense(
  db: ScopedClient,
  viewer: Viewer,
  id: number,
  reason: string | null | undefined,
): Promise<Result<Expense>> {
  const problems: UserError[] = [];
  checkText(problems, 'reason', reason, MAX_REASON);
  if (problems.length) {
    // Still report a missing expense first-class, alongside the problem with the reason.
    const exists = await db.expense.count({ where: { id } });
    return fail(...(exists ? [] : [notFound(at('id'), 'Expense')]), ...problems);
  }
  return transition(
    db,
    id,
    { rejected: false },
    {
      rejected: true,
      rejectedAt: new Date(),
      rejectedReason: reason!.trim(),
      rejecterId: viewer.person.id,
      // A rejected expense is no longer approved.
      approved: false,
      approvedAt: null,
      approverId: null,
    },
    { field: at('id'), message: 'is already rejected', code: 'ALREADY_REJECTED' },
  );
}
