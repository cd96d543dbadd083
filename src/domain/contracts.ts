// Contract rules: a contract turns its template deal into a new budget every period (see
// recurrence.ts for the calendar). Create/update validation reports every problem of an input at
// once with the reference's messages; creating makes the template itself the budget of its own
// period, as the reference's POST answers; generation creates the budgets of the periods up to a day.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { Contract, Deal, Expense } from '../generated/prisma/client.js';
import { earlier, inCalendar, LAST_DAY, LAST_DAY_ISO } from './kit/dates.js';
import { at, blank, fail, fieldAfter, given, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { chargeWork, reserveWork } from './kit/work.js';
import { lockDeal } from './kit/locks.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { DEAL, dealPlace } from './bin-items.js';
import { live, refuse, type BinRules } from './kit/bin-rules.js';
import {
  addYears,
  INTERVAL_IDS,
  intervalName,
  isIntervalId,
  isoDay,
  periodFits,
  periodHolding,
  toDay,
  upcomingPeriods,
  type IntervalId,
  type IntervalName,
  type Period,
  type Schedule,
} from './recurrence.js';
import type { Viewer } from './viewer.js';
import { recordEvent, withEvent } from '../changes/outbox.js';
import { asBudget, dealShows, presentDeal, presentDeals } from './deals.js';
import { globalId } from './kit/global-id.js';
import { day, instant, ref, type Payload } from './kit/shown.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface ContractInput {
  templateId?: number | null;
  interval?: IntervalName | null;
  intervalId?: number | null;
  nextOccurrenceOn?: Date | null;
  endsOn?: Date | null;
  copyExpenses?: boolean | null;
}

/** The reference's detail for a template that is not a deal of the organization. */
export const TEMPLATE_INVALID = 'attribute is invalid';
/** How far ahead one generation may reach, and how many periods of one contract it may create. */
export const MAX_YEARS_AHEAD = 10;
export const MAX_PERIODS_PER_RUN = 500;
/**
 * The most rows one generateContractOccurrences call may write across all its contracts: a budget,
 * its event and each copied expense are a row each (a weekly contract copying 5 expenses: 7 rows a
 * week). The operator's CLI has no such cap (GENERATE_WITHOUT_ROW_CAP).
 */
export const MAX_ROWS_PER_CALL = 500;

export interface GenerateLimits {
  /** Rows one call may write across all contracts; a plan above it is refused on `until`. */
  maxRows: number;
}

export const API_GENERATE_LIMITS: GenerateLimits = { maxRows: MAX_ROWS_PER_CALL };
export const GENERATE_WITHOUT_ROW_CAP: GenerateLimits = { maxRows: Number.POSITIVE_INFINITY };
/** At most this many upcoming periods are shown at once. */
export const MAX_UPCOMING = 100;

const INTERVAL_CHOICES = '1 (monthly), 2 (bi-weekly), 3 (weekly), 4 (annual), 5 (semiannual) or 6 (quarterly)';

const after = (a: Date, b: Date) => a.getTime() > b.getTime();

interface Checked {
  errors: UserError[];
  /** The interval the input sets, when it sets one without errors. */
  intervalId?: number;
  /** The template deal, when the input names a live one. */
  template?: TemplateDeal;
}

/** What creating reads of the template deal, to make it the budget of its period. */
const TEMPLATE_DEAL = { id: true, date: true, contractId: true, salesStatusId: true, closedAt: true } as const;
type TemplateDeal = Pick<Deal, keyof typeof TEMPLATE_DEAL>;

/** A deal that already belongs to a live contract (a template made a budget, or a generated budget) starts no other. */
export const TEMPLATE_TAKEN = 'is already a budget of a contract';

/**
 * Checks the fields present in `input` (all of them on create, when `existing` is null), and the
 * combinations they make with the stored ones. Errors come in the input's field order.
 */
async function check(tx: ScopedTx, input: ContractInput, existing: Contract | null, today: Date): Promise<Checked> {
  const creating = existing === null;
  const errors: UserError[] = [];

  const templateGiven = creating || given(input, 'templateId');
  const templateId = fieldAfter(input, existing, 'templateId');
  // Through the scoped client: a deleted deal, or another organization's, is not found.
  const template = templateId != null ? await tx.deal.findUnique({ where: { id: templateId }, select: TEMPLATE_DEAL }) : null;
  if (templateGiven) {
    if (templateId == null) errors.push(blank('templateId'));
    else if (!template) errors.push(invalid('templateId', TEMPLATE_INVALID));
    // Creating makes the template a budget of the new contract: one that is already a budget of a
    // live contract would be taken from it. (A contract in the bin lets its budgets go.)
    else if (creating && template.contractId !== null && (await tx.contract.count({ where: { id: template.contractId } }))) {
      errors.push({ field: at('templateId'), message: TEMPLATE_TAKEN, code: 'TAKEN' });
    }
  }

  let intervalId: number | undefined;
  if (creating || given(input, 'interval') || given(input, 'intervalId')) {
    const byName = input.interval != null ? INTERVAL_IDS[input.interval] : null;
    const byId = input.intervalId ?? null;
    if (byName === null && byId === null) errors.push(blank('interval'));
    else if (byId !== null && !isIntervalId(byId)) errors.push(invalid('intervalId', `must be ${INTERVAL_CHOICES}`));
    else if (byName !== null && byId !== null && byName !== byId) {
      errors.push(invalid('intervalId', `does not match interval (${input.interval} is ${byName})`));
    } else intervalId = (byName ?? byId)!;
  }

  const nextGiven = creating || given(input, 'nextOccurrenceOn');
  const next = fieldAfter(input, existing, 'nextOccurrenceOn');
  if (nextGiven && next == null) errors.push(blank('nextOccurrenceOn'));
  else if (nextGiven && !after(next!, today)) errors.push(invalid('nextOccurrenceOn', 'must be after today'));
  else if ((nextGiven || templateGiven) && next != null && template && !after(next, template.date)) {
    errors.push(invalid('nextOccurrenceOn', "must be after the template's date"));
  }

  // The periods counted from a new anchor (the next occurrence, or the old one under a new interval)
  // must fit in the calendar: a contract starting on 9999-12-31 would have none the API can show.
  const interval = intervalId ?? existing?.intervalId;
  const anchorMoves = nextGiven || (intervalId !== undefined && intervalId !== existing?.intervalId);
  if (anchorMoves && next != null && interval !== undefined && isIntervalId(interval) && !errors.some((e) => e.field[1] === 'nextOccurrenceOn')) {
    if (!periodFits(next, interval, 0)) {
      errors.push(invalid(nextGiven ? 'nextOccurrenceOn' : input.interval != null ? 'interval' : 'intervalId', `leaves no whole period before ${LAST_DAY_ISO}`));
    }
  }

  // The template's own period, counted back from the next occurrence, must start in the calendar too.
  if (creating && template && next != null && intervalId !== undefined && isIntervalId(intervalId) && !errors.length) {
    if (!inCalendar(periodHolding(next, intervalId, template.date).startsOn)) {
      errors.push(invalid('templateId', `has its date in a period that would start before 0001-01-01`));
    }
  }

  const endsOn = fieldAfter(input, existing, 'endsOn');
  if ((creating || given(input, 'endsOn') || nextGiven) && endsOn != null && next != null && after(next, endsOn)) {
    errors.push(invalid('endsOn', 'must not be before the next occurrence'));
  }
  return { errors, intervalId, template: template ?? undefined };
}

export async function createContract(
  db: ScopedClient,
  viewer: Viewer,
  input: ContractInput,
  now: Date = new Date(),
): Promise<Result<Contract>> {
  return transact(db, async (tx) => {
    // The template's lock before it is read: of concurrent creates on one deal, the first makes it
    // its budget, and the others, waiting here, then read it as taken (TEMPLATE_TAKEN).
    if (input.templateId != null) await lockDeal(tx, input.templateId);
    const { errors, intervalId, template } = await check(tx, input, null, toDay(now));
    if (errors.length) return fail(...errors);
    const contract = await tx.contract.create({
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        templateId: input.templateId!,
        intervalId: intervalId!,
        nextOccurrenceOn: input.nextOccurrenceOn!,
        anchorOn: input.nextOccurrenceOn!,
        endsOn: input.endsOn ?? null,
        copyExpenses: input.copyExpenses ?? false,
      },
    });
    await withEvent(tx, viewer, 'contract.created', 'Contract', contract, presentContract);
    await makeFirstBudget(tx, viewer, contract, template!, now);
    return ok(contract);
  });
}

/**
 * The template becomes the contract's budget of the period that holds its date (counted back from
 * the next occurrence: `2017/01` for a template of 1 January and a contract from 1 February), as the
 * reference's POST answers: `contract` set, `budget` true (out of the pipeline, as updateDeal turns a
 * deal into a budget), the period's `suffix` and `endDate`. Its date, number and money stay. The
 * periods generated later start on or after the next occurrence, after the template's date, so no
 * live budget of the contract shares its date (deals_live_contract_date_key).
 */
async function makeFirstBudget(tx: ScopedTx, viewer: Viewer, contract: Contract, template: TemplateDeal, now: Date): Promise<void> {
  const p = periodHolding(contract.anchorOn, contract.intervalId as IntervalId, template.date);
  const deal = await tx.deal.update({
    where: { id: template.id },
    include: dealShows,
    data: { contractId: contract.id, suffix: p.suffix, endDate: p.endsOn, ...asBudget(template, now) },
  });
  await withEvent(tx, viewer, 'deal.updated', 'Deal', deal, (d, v) => presentDeal(tx, d, v));
}

export async function updateContract(
  db: ScopedClient,
  viewer: Viewer,
  id: number,
  input: ContractInput,
  now: Date = new Date(),
): Promise<Result<Contract>> {
  return transact(db, async (tx) => {
    // The row's lock, then its latest committed state (as updateExpense): a generation running
    // now finishes first, and ours is checked against the contract it left.
    const { count } = await tx.contract.updateMany({ where: { id }, data: { updatedAt: new Date() } });
    const existing = count === 1 ? await tx.contract.findUnique({ where: { id } }) : null;
    if (!existing) return fail(notFound(at('id'), 'Contract'));
    const { errors, intervalId } = await check(tx, input, existing, toDay(now));
    if (errors.length) return fail(...errors);

    const nextGiven = given(input, 'nextOccurrenceOn');
    const intervalChanges = intervalId !== undefined && intervalId !== existing.intervalId;
    const contract = await tx.contract.update({
      where: { id },
      data: {
        ...(given(input, 'templateId') && { templateId: input.templateId! }),
        ...(intervalId !== undefined && { intervalId }),
        // Periods count from the day a user last set; a new interval counts from the next occurrence.
        ...(nextGiven && { nextOccurrenceOn: input.nextOccurrenceOn!, anchorOn: input.nextOccurrenceOn! }),
        ...(!nextGiven && intervalChanges && { anchorOn: existing.nextOccurrenceOn }),
        ...(given(input, 'endsOn') && { endsOn: input.endsOn ?? null }),
        ...(input.copyExpenses != null && { copyExpenses: input.copyExpenses }),
      },
    });
    return ok(await withEvent(tx, viewer, 'contract.updated', 'Contract', contract, presentContract));
  });
}

/** Soft delete. Its budgets (the template among them) stay, and keep naming it as their contract. */
export function deleteContract(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'contract', id);
}

/** The periods a contract would generate next (nothing is written), stopping at its `endsOn`. */
export function upcomingOccurrences(contract: Schedule, count: number): Period[] {
  return upcomingPeriods(contract, { limit: count }).periods;
}

// ---- Generation --------------------------------------------------------------------------------
//
// Each contract is generated in its own transaction: lock the contract row (a guarded UPDATE, as
// updateExpense does), read it, create the budgets of its periods up to `until`, advance
// `nextOccurrenceOn`. A concurrent run waits for the lock and then finds nothing left to do. A
// period that already has a live budget of the contract is skipped, and the partial unique index
// deals_live_contract_date_key is the last word: the insert skips whatever it refuses
// (ON CONFLICT DO NOTHING), and only the budgets actually inserted get expenses.

export interface GenerateInput {
  until?: Date | null;
  /** Only these contracts; every live contract of the organization when absent. */
  contractIds?: readonly number[] | null;
}

/** Who generates: a person (the viewer), or an operator (null: budgets keep the template's creator). */
export interface Generator {
  personId: number | null;
  /** The member's viewer, who the events name as the actor; absent for the operator. */
  actor?: Viewer;
}

export interface CreatedBudget {
  id: number;
  contractId: number;
  name: string;
  number: number;
  suffix: string;
  date: Date;
  endDate: Date;
}

export interface Generated {
  budgets: CreatedBudget[];
  /** Contracts that had periods to generate, and were advanced. */
  contractIds: number[];
  /** Contracts left alone because their template deal is deleted (when no ids were asked for). */
  skipped: Array<{ contractId: number; templateId: number }>;
}

interface Plan {
  until: Date;
  /** Contracts with periods to generate. */
  pending: number[];
  skipped: Generated['skipped'];
  /** The rows the generation will write at most: budgets, their events, copied expenses. */
  rows: number;
}

const SCHEDULE = {
  id: true,
  templateId: true,
  intervalId: true,
  anchorOn: true,
  nextOccurrenceOn: true,
  endsOn: true,
  copyExpenses: true,
} as const;

/** `until` is required, and at most MAX_YEARS_AHEAD years after today: a run's work is bounded. */
export function untilProblem(until: Date | null | undefined, now: Date = new Date()): UserError | null {
  if (until == null) return blank('until');
  // Never past the calendar's end (src/domain/kit/dates.ts), even for a clock set near it.
  const horizon = earlier(addYears(toDay(now), MAX_YEARS_AHEAD), LAST_DAY);
  return after(until, horizon)
    ? invalid('until', `must be at most ${MAX_YEARS_AHEAD} years after today (${isoDay(horizon)} at the latest)`)
    : null;
}

/**
 * Checks a generation without writing: `until` within bounds, every asked-for contract exists and
 * has its template, no contract would create more than MAX_PERIODS_PER_RUN budgets. The CLI plans
 * every organization first, so that an error anywhere writes nothing anywhere.
 */
export async function planOccurrences(
  db: ScopedClient | ScopedTx,
  input: GenerateInput,
  now: Date = new Date(),
  limits: GenerateLimits = API_GENERATE_LIMITS,
): Promise<Result<Plan>> {
  const until = input.until;
  const bound = untilProblem(until, now);
  const idErrors: UserError[] = [];

  const asked = input.contractIds ?? null;
  const contracts = await db.contract.findMany({
    where: asked ? { id: { in: [...new Set(asked)].filter((id) => id > 0) } } : {},
    select: SCHEDULE,
    orderBy: { id: 'asc' },
  });
  const byId = new Map(contracts.map((c) => [c.id, c]));
  const templates = new Set(
    (await db.deal.findMany({ where: { id: { in: [...new Set(contracts.map((c) => c.templateId))] } }, select: { id: true } })).map((d) => d.id),
  );
  // Each id at its own index: a malformed id (-1) or an unknown one is NOT_FOUND wherever it appears.
  asked?.forEach((id, i) => {
    const field = ['input', 'contractIds', String(i)];
    const contract = byId.get(id);
    if (!contract) idErrors.push(notFound(field, 'Contract'));
    else if (!templates.has(contract.templateId)) {
      idErrors.push({ field, message: 'has no live template: its template deal was deleted', code: 'INVALID' });
    }
  });

  // Live expenses of the templates whose contracts copy them: what each budget will copy.
  const copying = [...new Set(contracts.filter((c) => c.copyExpenses && templates.has(c.templateId)).map((c) => c.templateId))];
  const copied = new Map(
    copying.length
      ? (await db.expense.groupBy({ by: ['dealId'], where: { dealId: { in: copying } }, _count: { _all: true } })).map(
          (g) => [g.dealId, g._count._all] as const,
        )
      : [],
  );

  const pending: number[] = [];
  const tooMany: number[] = [];
  const skipped: Plan['skipped'] = [];
  const work = { budgets: 0, expenses: 0 };
  for (const contract of contracts) {
    if (!templates.has(contract.templateId)) {
      skipped.push({ contractId: contract.id, templateId: contract.templateId });
      continue;
    }
    if (until == null) continue;
    const { periods, more } = upcomingPeriods(contract, { until, limit: MAX_PERIODS_PER_RUN });
    if (more) tooMany.push(contract.id);
    else if (periods.length) {
      pending.push(contract.id);
      work.budgets += periods.length;
      work.expenses += contract.copyExpenses ? periods.length * (copied.get(contract.templateId) ?? 0) : 0;
    }
  }
  const rows = 2 * work.budgets + work.expenses; // each budget has its event
  // One error per field, in input order: `until`, then the ids.
  const errors = bound ? [bound] : [];
  if (tooMany.length && !bound) {
    errors.push(
      invalid(
        'until',
        `would create more than ${MAX_PERIODS_PER_RUN} budgets in one run for contract${tooMany.length > 1 ? 's' : ''} ` +
          `${tooMany.join(', ')}: generate up to an earlier date first, then again`,
      ),
    );
  } else if (rows > limits.maxRows && !bound) {
    // Across all contracts: many small contracts add up as one large one does.
    errors.push(
      invalid(
        'until',
        `would write ${rows} rows in one call (${work.budgets} budgets, ${work.budgets} events and ${work.expenses} ` +
          `copied expenses), more than ${limits.maxRows}: generate up to an earlier date first, then again`,
      ),
    );
  }
  errors.push(...idErrors);
  if (errors.length) return fail(...errors);
  return ok({ until: until!, pending, skipped, rows });
}

/** Creates the budgets of every period starting on or before `until` (and the contract's `endsOn`). */
export async function generateOccurrences(
  db: ScopedClient,
  generator: Generator,
  input: GenerateInput,
  now: Date = new Date(),
  limits: GenerateLimits = API_GENERATE_LIMITS,
): Promise<Result<Generated>> {
  const plan = await planOccurrences(db, input, now, limits);
  if (!plan.ok) return plan;
  const { until, pending, skipped, rows } = plan.value;
  // Paid before anything is written: a caller whose bucket cannot pay writes nothing.
  await reserveWork(rows);
  const budgets: CreatedBudget[] = [];
  const contractIds: number[] = [];
  for (const contractId of pending) {
    // One contract at a time: each holds one connection, and the runs stay short.
    const result = await transact(db, (tx) => generateContract(tx, generator, contractId, until), GENERATION_TRANSACTION);
    if (!result.ok) return result;
    const outcome = result.value;
    if (outcome?.skipped) skipped.push(outcome.skipped);
    else if (outcome) {
      chargeWork(outcome.rows);
      budgets.push(...outcome.budgets);
      contractIds.push(contractId);
    }
  }
  return ok({ budgets, contractIds, skipped });
}

/**
 * A contract's run may wait for the row lock of a concurrent run, and copy up to
 * MAX_PERIODS_PER_RUN budgets with their expenses: more than Prisma's default 2 s / 5 s.
 */
const GENERATION_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

/** Budget columns copied from the template. */
const TEMPLATE = {
  id: true,
  name: true,
  number: true,
  companyId: true,
  projectId: true,
  responsibleId: true,
  creatorId: true,
  dealStatusId: true,
  currency: true,
  exchangeRate: true,
  exchangeDate: true,
  budgetTotal: true,
  probability: true,
  timeApproval: true,
  expenseApproval: true,
  tagList: true,
} as const;

type Template = Pick<Deal, keyof typeof TEMPLATE>;

const CREATED = { id: true, contractId: true, name: true, number: true, suffix: true, date: true, endDate: true } as const;

/**
 * One contract's generation, inside its transaction. Null when the contract was deleted (or
 * finished) since the plan was made.
 */
async function generateContract(
  tx: ScopedTx,
  generator: Generator,
  contractId: number,
  until: Date,
): Promise<Result<{ budgets: CreatedBudget[]; rows: number; skipped?: undefined } | { skipped: Generated['skipped'][number] } | null>> {
  const { count } = await tx.contract.updateMany({ where: { id: contractId }, data: { updatedAt: new Date() } });
  if (count !== 1) return ok(null);
  const contract = (await tx.contract.findUnique({ where: { id: contractId } }))!;
  const template = await tx.deal.findUnique({ where: { id: contract.templateId }, select: TEMPLATE });
  if (!template) return ok({ skipped: { contractId, templateId: contract.templateId } });

  // More than the plan allowed only if the contract changed since (moved back): the first
  // MAX_PERIODS_PER_RUN periods are generated all the same, and the next run continues.
  const { periods, next } = upcomingPeriods(contract, { until, limit: MAX_PERIODS_PER_RUN });
  if (periods.length === 0) return ok(null);

  const taken = await tx.deal.findMany({
    where: { contractId, date: { in: periods.map((p) => p.startsOn) } },
    select: { date: true },
  });
  const takenDays = new Set(taken.map((d) => d.date.getTime()));
  const todo = periods.filter((p) => !takenDays.has(p.startsOn.getTime()));
  const created = todo.length
    ? await tx.deal.createManyAndReturn({
        data: todo.map((p) => budget(contract, template, p, generator)),
        skipDuplicates: true,
        select: CREATED,
      })
    : [];

  let copies = 0;
  if (contract.copyExpenses && created.length) {
    const expenses = await tx.expense.findMany({ where: { dealId: template.id }, orderBy: { position: 'asc' } });
    if (expenses.length) {
      ({ count: copies } = await tx.expense.createMany({ data: created.flatMap((b) => expenses.map((e) => expenseCopy(e, b, generator))) }));
    }
  }
  await tx.contract.update({ where: { id: contractId }, data: { nextOccurrenceOn: next } });
  // One event per budget, in date order; the contract's own move to its next period is part of them.
  const byDate = [...created].sort((a, b) => a.date.getTime() - b.date.getTime());
  // The budgets are shown together: one read of them and one grouped statement per sum, not per budget.
  let shown: Promise<Map<number, Payload>> | undefined;
  const showAll = (viewer: Viewer) =>
    (shown ??= tx.deal
      .findMany({ where: { id: { in: byDate.map((b) => b.id) } }, include: dealShows })
      .then(async (rows) => new Map((await presentDeals(tx, rows, viewer)).map((p, i) => [rows[i]!.id, p]))));
  for (const b of byDate) {
    await recordEvent(tx, generator.actor ?? null, 'contract.occurrence_generated', { node: 'Deal', id: b.id }, async (viewer) => (await showAll(viewer)).get(b.id) ?? null);
  }
  const budgets = created
    .map((b) => ({ ...b, contractId: b.contractId!, suffix: b.suffix!, endDate: b.endDate! }))
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  return ok({ budgets, rows: 2 * created.length + copies });
}

function budget(contract: Contract, template: Template, p: Period, generator: Generator) {
  return {
    organizationId: contract.organizationId,
    contractId: contract.id,
    originDealId: template.id,
    creatorId: generator.personId ?? template.creatorId,
    companyId: template.companyId,
    projectId: template.projectId,
    responsibleId: template.responsibleId,
    dealStatusId: template.dealStatusId,
    name: template.name,
    number: template.number,
    suffix: p.suffix,
    date: p.startsOn,
    endDate: p.endsOn,
    budget: true,
    salesStatusId: null,
    currency: template.currency,
    exchangeRate: template.exchangeRate,
    exchangeDate: template.exchangeDate,
    budgetTotal: template.budgetTotal,
    probability: template.probability,
    timeApproval: template.timeApproval,
    expenseApproval: template.expenseApproval,
    tagList: template.tagList,
  };
}

/**
 * A template expense in a new budget: the same money (the budget has the template's currency and
 * rate, so every derived column still holds) and the same rate and rate day; dated at the period
 * start; neither approved, rejected, invoiced, paid nor reimbursed.
 */
function expenseCopy(e: Expense, b: { id: number; date: Date }, generator: Generator) {
  return {
    organizationId: e.organizationId,
    dealId: b.id,
    serviceTypeId: e.serviceTypeId,
    creatorId: generator.personId ?? e.creatorId,
    personId: e.personId,
    name: e.name,
    date: b.date,
    position: e.position,
    reimbursable: e.reimbursable,
    currency: e.currency,
    exchangeRate: e.exchangeRate,
    exchangeDate: e.exchangeDate,
    amount: e.amount,
    amountDefault: e.amountDefault,
    amountNormalized: e.amountNormalized,
    billableAmount: e.billableAmount,
    billableAmountDefault: e.billableAmountDefault,
    normalizedCurrency: e.normalizedCurrency,
    profitNormalized: e.profitNormalized,
    profitDefault: e.profitDefault,
  };
}

// ---- The event payload -------------------------------------------------------------------------

/** How many upcoming occurrences the API shows by default (`upcomingOccurrences(count: 3)`). */
export const UPCOMING_BY_DEFAULT = 3;

/** A contract as the API shows it (src/schema/contract.ts), for its events; `upcomingOccurrences` with its default count. */
export function presentContract(c: Contract): Payload {
  return {
    id: globalId('Contract', c.id),
    databaseId: c.id,
    interval: intervalName(c.intervalId),
    intervalId: c.intervalId,
    nextOccurrenceOn: day(c.nextOccurrenceOn),
    endsOn: day(c.endsOn),
    copyExpenses: c.copyExpenses,
    template: ref('Deal', c.templateId),
    upcomingOccurrences: upcomingOccurrences(c, UPCOMING_BY_DEFAULT).map((p) => ({ startsOn: day(p.startsOn), endsOn: day(p.endsOn), suffix: p.suffix })),
    createdAt: instant(c.createdAt),
    updatedAt: instant(c.updatedAt),
  };
}

/**
 * What a restore of a contract re-establishes (src/domain/kit/bin-rules.ts): its template deal live
 * (its `parents`); its next occurrence after the template's date. A next
 * occurrence that passed while in the bin is not refused: generation catches up, as for any live contract.
 */
export const contractBin: BinRules = {
  itemTypes: ['contract'],
  what: 'Contract',
  describe: async (tx, id) => {
    const contract = await tx.contract.findUnique({ where: { id }, select: { template: { select: DEAL } } });
    return contract && { itemType: 'contract', name: contract.template.name, location: dealPlace(contract.template) };
  },
  detach: [{ model: 'deal', key: 'contractId' }],
  parents: [{ model: 'deal', key: 'templateId', what: 'template deal' }],
  recheck: async (tx, contract) => {
    const template = await tx.deal.findFirstOrThrow({ where: { id: contract.templateId as number, ...live }, select: { date: true } });
    if ((contract.nextOccurrenceOn as Date) <= template.date) refuse("its next occurrence is no longer after its template's date");
  },
};
