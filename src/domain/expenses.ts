// Expense rules: validation (every problem of an input at once, with the reference's messages),
// derived money, approval and rejection. Each write runs in one transaction on the scoped client
// and returns the expense or the complete list of user errors; nothing is written when any exists.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import { Prisma, type Expense } from '../generated/prisma/client.js';
import { expenseMoneyColumns, expenseMoneySet, reexpressExpense } from '../money/expense-amounts.js';
import { fitsInt64, formatRate, isOneRate, rateText, type RateLike } from '../money/money.js';
import {
  at,
  blank,
  changed,
  checkText,
  fail,
  given,
  invalid,
  MESSAGES,
  notFound,
  ok,
  type Result,
  type UserError,
} from './kit/result.js';
import { lockDeal, lockDeals, LOCKED_DEAL } from './kit/locks.js';
import { checkMoney } from './kit/rates.js';
import { day, instant, moneySet, ref, type Payload } from './kit/shown.js';
import { globalId } from './kit/global-id.js';
import { transact } from './kit/transaction.js';
import { approve, reject, unapprove, type Transitions } from './kit/transition.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { DEAL, dealMoney, dealPlace } from './bin-items.js';
import { dealMoneyOf, lastIfTaken, refuse, type BinRules } from './kit/bin-rules.js';
import type { Viewer } from './viewer.js';
import { withEvent } from '../changes/outbox.js';

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
  /** Whether it has been invoiced (a client exporting to accounting marks it); null leaves it as it is. */
  invoiced?: boolean | null;
}


const MAX_NAME = 255;
/** Far above any real list of expenses on one deal, and far below int4: a next position always fits. */
const MAX_POSITION = 1_000_000;
/** 10^15 minor units: far above any real expense, and safe from overflow once multiplied by a rate. */
const MAX_CENTS = 10n ** 15n;


interface Related {
  deal: { id: number; currency: string; exchangeRate: RateLike; lastExpensePosition: number } | null;
  errors: UserError[];
}

/** The deal as a create locked and read it, and whether that statement found the service type too. */
interface Locked {
  deal: Awaited<ReturnType<typeof lockDeal>>;
  serviceTypeFound: boolean;
}

/**
 * Checks the fields present in `input` (`required`: none may be blank) and reads what it names.
 * `locked`: what the caller's lock read already (`lockForCreate`); the rest is read here.
 */
async function check(tx: ScopedTx, input: ExpenseInput, required: boolean, locked?: Locked): Promise<Related> {
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
  checkMoney(errors, input, needs('currency'));
  if (needs('date') && input.date == null) errors.push(blank('date'));
  if (input.position != null && (input.position < 1 || input.position > MAX_POSITION)) {
    errors.push(invalid('position', `must be between 1 and ${MAX_POSITION}`));
  }

  // Ids are looked up through the scoped client: another organization's id is simply not found.
  // One after the other: a transaction is one connection, and pg (8) warns of overlapping queries on
  // one, which its next major refuses.
  const deal =
    locked !== undefined ? locked.deal : input.dealId != null ? await tx.deal.findUnique({ where: { id: input.dealId }, select: LOCKED_DEAL }) : null;
  const serviceType =
    locked?.serviceTypeFound ? { archivedAt: null }
    : input.serviceTypeId != null ? await tx.serviceType.findUnique({ where: { id: input.serviceTypeId }, select: { archivedAt: true } })
    : null;
  const person = input.personId != null ? await tx.person.findUnique({ where: { id: input.personId }, select: { id: true } }) : null;
  if (input.dealId != null && !deal) errors.push(notFound(at('dealId'), 'Deal'));
  if (input.serviceTypeId != null && !serviceType) errors.push(notFound(at('serviceTypeId'), 'Service type'));
  // An archived type stays on the expenses that have it; a new or changed choice cannot be one.
  else if (serviceType?.archivedAt) errors.push(invalid('serviceTypeId', 'is archived'));
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

// ---- Concurrency (issue 6) --------------------------------------------------------------------
//
// Row locks first, then read: every write takes the lock of the row it will change with a guarded
// UPDATE before it reads that row, instead of reading, computing and writing back (which at READ
// COMMITTED loses concurrent updates of other fields, and computes money from a stale read).
// After the lock, READ COMMITTED gives each following statement a fresh snapshot: the read sees
// the latest committed row, and any other writer of the row waits until we commit. We chose this
// over optimistic concurrency (a version column compared in the UPDATE's where, with retries)
// because a write then never has to be redone: under contention the writers queue instead of
// failing and retrying, no column is added, and the UPDATE we wait on is the one the write makes
// anyway, only earlier. Raw SQL (SELECT ... FOR UPDATE) is refused by the scoped client; this is
// its Prisma-only equivalent.
//
// - updateExpense locks the expense (updated_at = now). Concurrent updates of one expense then
//   run one after the other, each on the row the previous one committed, so all their changes
//   survive and the derived money columns are computed from the stored inputs and deal.
// - Positions are unique among the live expenses of a deal (a partial unique index, migration
//   20261130234000_expense_concurrency). A write that allocates or claims a position on a deal
//   first locks the deal row (number = number + 0: an UPDATE that changes no value), so creates
//   and moves into one deal take their position one after the other, and the deal's currency and
//   rate, read after that lock (a create reads them in the lock's own UPDATE ... RETURNING, with the
//   deal's last position, which the database keeps: migration 20261206200000), cannot change
//   before we commit. Locks are always taken expense
//   first, then deal, never the other way round, so these writes cannot deadlock each other.
//   A plain update (same deal, no position) does not lock the deal first; when it changes money,
//   the trigger that keeps the deal's sort sums (migration 20261201040000) takes the deal's lock
//   after the expense's. updateDeal, which rewrites a deal's expenses when its currency or rate
//   changes, locks the expenses first and the deal after, the same order (src/domain/deals.ts).
//   A move locks both deals, in id order.
// - A failed validation rolls the transaction back (the lock's UPDATE must not be committed).
// - A client-given position inserts there (the reference's POST creates an expense at position 1 on
//   a deal that has one): with the deal locked, the live expenses at and after it move one down
//   (makeRoom), then the expense takes it. The unique index is the last word: a violation that slips
//   past the lock (a writer that does not take it, such as a restore) is TAKEN for a given position,
//   and is retried a few times for a default one.

/** The partial unique index on (organization_id, deal_id, position) WHERE deleted_at IS NULL. */
const POSITION_INDEX = 'expenses_live_deal_position_key';
/** Attempts of a write whose default position met a unique violation (only writers that skip the deal lock cause one). */
const POSITION_ATTEMPTS = 3;

const taken = (): UserError => ({ field: at('position'), message: 'has already been taken', code: 'TAKEN' });

function isPositionConflict(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return false;
  return JSON.stringify(error.meta ?? {}).includes(POSITION_INDEX) || error.message.includes(POSITION_INDEX);
}

/**
 * One write: a transaction whose failed result rolls it back; a position conflict on the unique
 * index is TAKEN when the client gave the position, and is tried again (a few times) otherwise.
 */
async function write<T>(
  db: ScopedClient,
  positionGiven: boolean,
  run: (tx: ScopedTx) => Promise<Result<T>>,
): Promise<Result<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Rollback of a failed result and reruns after a deadlock abort are transact()'s.
      return await transact(db, run);
    } catch (error) {
      if (!isPositionConflict(error)) throw error;
      if (positionGiven) return fail(taken());
      if (attempt >= POSITION_ATTEMPTS) throw error;
    }
  }
}

/** A position `check()` accepted: only those are looked up. */
const validPosition = (position: number | null | undefined): position is number =>
  position != null && position >= 1 && position <= MAX_POSITION;

/**
 * Frees `position` on a deal for an expense to take: when a live expense other than `self` holds it,
 * every live expense of the deal at or after it moves one down. Call with the deal locked, once the
 * write is valid. `self`, when it is on this deal, first steps out to position 0 (no live expense
 * holds 0), since the update that follows places it.
 *
 * The unique index is checked row by row, so `position + 1` over the rows would collide with the
 * next row's. They go up past the deal's last position first (q + last + 1: a range no row holds),
 * then back to q + 1: in neither statement can a row land on a position another row still holds.
 * The deal's last position is read here, under the lock (an update read its deal before taking it).
 * The trigger that keeps it sees each move.
 */
async function makeRoom(tx: ScopedTx, dealId: number, position: number, self: number | null): Promise<void> {
  const holder = await tx.expense.findFirst({
    where: { dealId, position, ...(self !== null && { id: { not: self } }) },
    select: { id: true },
  });
  if (!holder) return;
  if (self !== null) await tx.expense.updateMany({ where: { id: self, dealId }, data: { position: 0 } });
  const { lastExpensePosition } = await tx.deal.findUniqueOrThrow({ where: { id: dealId }, select: { lastExpensePosition: true } });
  const away = lastExpensePosition + 1;
  await tx.expense.updateMany({ where: { dealId, position: { gte: position } }, data: { position: { increment: away } } });
  await tx.expense.updateMany({ where: { dealId, position: { gte: position + away } }, data: { position: { decrement: away - 1 } } });
}

/**
 * A create's first statement after its key: the deal's lock, and with it the deal, its last position
 * and whether the service type is there (live, of this organization), all in one UPDATE ... RETURNING.
 * When that finds nothing (a wrong id: the rare path), the deal alone is locked and `check()` reads
 * the rest, to say which reference is wrong.
 */
async function lockForCreate(tx: ScopedTx, input: ExpenseInput): Promise<Locked | undefined> {
  if (input.dealId == null) return undefined;
  if (input.serviceTypeId != null) {
    const deal = await lockDeal(tx, input.dealId, input.serviceTypeId);
    if (deal) return { deal, serviceTypeFound: true };
  }
  return { deal: await lockDeal(tx, input.dealId), serviceTypeFound: false };
}

export async function createExpense(db: ScopedClient, viewer: Viewer, input: ExpenseInput): Promise<Result<Expense>> {
  return write(db, input.position != null, async (tx) => {
    // The deal's lock before anything else is read, and the deal with it: see "Concurrency" above.
    const { deal, errors } = await check(tx, input, true, await lockForCreate(tx, input));
    if (errors.length > 0 || !deal) return fail(...errors);
    const currency = input.currency!.trim();
    const rate = resolveRate(currency, input.exchangeRate, deal, viewer);
    if (typeof rate !== 'string') return fail(rate);

    const amount = input.amount!;
    const billableAmount = input.billableAmount ?? 0n;
    const columns = money({ amount, billableAmount, currency, rate, rateGiven: input.exchangeRate != null, deal }, viewer);
    if (!columns.ok) return fail(...columns.errors);
    // After the deal's last live expense, read with the lock (kept by the database: migration
    // 20261206200000); a given position is made room for.
    if (validPosition(input.position)) await makeRoom(tx, deal.id, input.position, null);
    const position = input.position ?? deal.lastExpensePosition + 1;
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
        invoiced: input.invoiced ?? false,
        exchangeDate: input.date!,
        ...columns.value,
      },
    });
    return ok(await withEvent(tx, viewer, 'expense.created', 'Expense', expense, presentExpense));
  });
}

export async function updateExpense(
  db: ScopedClient,
  viewer: Viewer,
  id: number,
  input: ExpenseInput,
): Promise<Result<Expense>> {
  return write(db, input.position != null, async (tx) => {
    // A given position may move other expenses of the deal down (makeRoom), whose writers lock their
    // expense before the deal: its deal's lock (both deals', for a move) comes first here, or two
    // repositions would each hold an expense the other must move. Read without a lock to know which.
    if (validPosition(input.position)) {
      const current = await tx.expense.findUnique({ where: { id }, select: { dealId: true } });
      if (current) await lockDeals(tx, [current.dealId, ...(input.dealId != null ? [input.dealId] : [])]);
    }
    // The expense's lock, then its latest committed state: see "Concurrency" above. A deleted or
    // unknown expense (or one of another organization) matches nothing.
    const { count } = await tx.expense.updateMany({ where: { id }, data: { updatedAt: new Date() } });
    const existing = count === 1 ? await tx.expense.findUnique({ where: { id }, include: { deal: true } }) : null;
    if (!existing) return fail(notFound(at('id'), 'Expense'));
    const moves = input.dealId != null && input.dealId !== existing.dealId;
    const repositions = validPosition(input.position) && (moves || input.position !== existing.position);
    // A move or a new position claims a position on the target deal: its lock first. A move
    // also changes the sums the database keeps on the deal it leaves: both deals are locked, in
    // id order, so that two moves in opposite directions cannot deadlock.
    if (moves) await lockDeals(tx, [existing.dealId, input.dealId!]);
    else if (repositions) await lockDeals(tx, [existing.dealId]);
    // Keeping its service type is no choice of one: an archived type it has stays acceptable.
    const unchangedType = input.serviceTypeId != null && input.serviceTypeId === existing.serviceTypeId;
    const { deal: newDeal, errors } = await check(tx, unchangedType ? { ...input, serviceTypeId: undefined } : input, false);
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
    if (!columns.ok) return fail(...columns.errors);
    if (repositions) await makeRoom(tx, deal.id, input.position!, moves ? null : id);
    // A move without a given position goes after the last expense of the new deal (read with its
    // lock by check(), kept by the database: migration 20261206200000).
    const position = input.position ?? (moves ? deal.lastExpensePosition + 1 : undefined);

    const expense = await tx.expense.update({
      where: { id },
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(given(input, 'serviceTypeId') && { serviceTypeId: input.serviceTypeId! }),
        ...changed(input, ['personId', 'payOn', 'paidOn', 'reimbursable', 'reimbursedOn']),
        // Not null: null is no change, as for a deal's flags.
        ...(input.invoiced != null && { invoiced: input.invoiced }),
        ...(position !== undefined && { position }),
        dealId: deal.id,
        date,
        exchangeDate: given(input, 'exchangeRate') || given(input, 'date') ? date : existing.exchangeDate,
        ...columns.value,
      },
    });
    return ok(await withEvent(tx, viewer, 'expense.updated', 'Expense', expense, presentExpense));
  });
}

/** Soft delete: the row stays for the recycle bin, with its entry there, and the scoped client hides it everywhere. */
export function deleteExpense(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'expense', id);
}

/** Approval and rejection: state changes guarded in their UPDATE (src/domain/kit/transition.ts). */
const EXPENSE_TRANSITIONS: Transitions<Expense> = {
  model: 'expense',
  node: 'Expense',
  what: 'Expense',
  read: (tx, id) => tx.expense.findUnique({ where: { id } }),
  present: presentExpense,
};

export const approveExpense = (db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Expense>> =>
  approve(db, viewer, EXPENSE_TRANSITIONS, id, 'expense.approved');

export const unapproveExpense = (db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Expense>> =>
  unapprove(db, viewer, EXPENSE_TRANSITIONS, id, 'expense.unapproved');

export const rejectExpense = (db: ScopedClient, viewer: Viewer, id: number, reason: string | null | undefined): Promise<Result<Expense>> =>
  reject(db, viewer, EXPENSE_TRANSITIONS, id, reason, 'expense.rejected');

// ---- The event payload -------------------------------------------------------------------------

/** An expense as the API shows it (src/schema/expense.ts), for its events: from the row the write holds. */
export function presentExpense(e: Expense, viewer: Viewer): Payload {
  const inDefault = viewer.organization.defaultCurrency;
  return {
    id: globalId('Expense', e.id),
    databaseId: e.id,
    name: e.name,
    date: day(e.date),
    payOn: day(e.payOn),
    paidOn: day(e.paidOn),
    paymentStatus: expensePaymentStatus(e),
    position: e.position,
    invoiced: e.invoiced,
    approved: e.approved,
    approvedAt: instant(e.approvedAt),
    rejected: e.rejected,
    rejectedReason: e.rejectedReason,
    rejectedAt: instant(e.rejectedAt),
    approvalStatus: expenseApprovalStatus(e),
    reimbursable: e.reimbursable,
    reimbursedOn: day(e.reimbursedOn),
    currency: e.currency,
    exchangeRate: formatRate(e.exchangeRate),
    exchangeDate: day(e.exchangeDate),
    amount: moneySet(expenseMoneySet(e, 'amount', inDefault)),
    billableAmount: moneySet(expenseMoneySet(e, 'billableAmount', inDefault)),
    profit: moneySet(expenseMoneySet(e, 'profit', inDefault)),
    createdAt: instant(e.createdAt),
    updatedAt: instant(e.updatedAt),
    deal: ref('Deal', e.dealId),
    serviceType: ref('ServiceType', e.serviceTypeId),
    organization: ref('Organization', e.organizationId),
    creator: ref('Person', e.creatorId),
    person: ref('Person', e.personId),
    approver: ref('Person', e.approverId),
    rejecter: ref('Person', e.rejecterId),
  };
}

export type ExpenseApprovalStatus = 'APPROVED' | 'NOT_APPROVED' | 'REJECTED';

/** Where an expense stands in approval. */
export const expenseApprovalStatus = (e: { approved: boolean; rejected: boolean }): ExpenseApprovalStatus =>
  e.approved ? 'APPROVED' : e.rejected ? 'REJECTED' : 'NOT_APPROVED';

/** Whether an expense has been paid: it has a `paidOn` date. */
export const expensePaymentStatus = (e: { paidOn: Date | null }): 'PAID' | 'UNPAID' => (e.paidOn ? 'PAID' : 'UNPAID');

/**
 * What a restore of an expense re-establishes (src/domain/kit/bin-rules.ts): its deal and service
 * type live (its `parents`); its position among the deal's live expenses free,
 * else it goes last (expenses_live_deal_position_key); its money re-expressed from the deal's
 * currency and rate when it was deleted (the entry's `basis`) to the deal's now, as updateDeal does
 * for live expenses, and still fitting a bigint.
 */
export const expenseBin: BinRules = {
  itemTypes: ['expense'],
  what: 'Expense',
  describe: async (tx, id) => {
    const expense = await tx.expense.findUnique({ where: { id }, select: { name: true, deal: { select: { ...DEAL, currency: true, exchangeRate: true } } } });
    return expense && { itemType: 'expense', name: expense.name, location: dealPlace(expense.deal), basis: dealMoney(expense.deal) };
  },
  parents: [
    { model: 'deal', key: 'dealId', what: 'deal' },
    { model: 'serviceType', key: 'serviceTypeId', what: 'service type' },
  ],
  places: { expenses_live_deal_position_key: 'its position has just been taken on its deal' },
  place: (tx, expense) => lastIfTaken(tx.expense as never, expense),
  recheck: async (tx, item, basis) => {
    const now = await dealMoneyOf(tx, item.dealId as number);
    // Entries filed before bases were kept: the deal's currency then is the expense's normalized one.
    const then = basis ?? { currency: item.normalizedCurrency as string, exchangeRate: now.exchangeRate };
    if (then.currency !== now.currency && !basis) refuse(`its deal's currency changed from ${then.currency} to ${now.currency} meanwhile`);
    const money = reexpressExpense(
      { amount: item.amount as bigint, billableAmount: item.billableAmount as bigint, currency: item.currency as string, exchangeRate: rateText(item.exchangeRate as string) },
      then,
      now,
    );
    if (!money) refuse("converted to its deal's currency and rate now, an amount would exceed the largest that can be stored");
    await tx.expense.update({ where: { id: item.id as number }, data: money! });
  },
};
