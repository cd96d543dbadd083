// A deal's money and time, computed from its rows when asked for (docs/money.md, "Deals"):
//
// - servicesRevenue = Σ live billable services' totals (price × quantity; not NOT_BILLABLE ones)
// - workCost        = Σ live time entries' work cost (minutes × the person's cost rate, kept on the entry)
// - expense         = Σ live expenses' cost          (amount.normalized, amount.default)
// - expenseBillable = Σ live expenses' billable      (billableAmount, billableAmount.default)
// - revenue         = servicesRevenue + expenseBillable
// - cost            = workCost + expense
// - profit          = revenue − cost;  profitMargin = profit ÷ revenue in per cent
// - budgetTotal     = the agreed budget entered on the deal
// - budgetUsed      = billable time at its hourly service's price + expenseBillable
// - budgetRemaining = budgetTotal − budgetUsed
// - invoiced        = Σ live invoice attributions to it;  pendingInvoicing = revenue − invoiced
// - workedTime, billableTime (minutes of its time entries), budgetedTime (its hourly services' quantities)
//
// The original and normalized forms are in the deal's currency. The default forms add values that
// were each converted once: the stored default values of expenses and time entries, and each
// service's (each time entry's) value in the deal's currency × the deal's rate, rounded -- the same
// values the database adds up for the REVENUE/COST/PROFIT sort keys (migration
// 20261207010000_deal_money_complete). Work cost exists in the default currency; its deal-currency
// form converts the deal's sum once.
//
// One statement computes every figure but invoicing for a page of deals (or for the deals of a page
// of projects); the invoiced family is a second one, made only when asked for.
import { Prisma } from '../generated/prisma/client.js';
import { organizationSql, type ScopedClient, type ScopedTx } from '../db/scope.js';
import { between, sameForms, toDefault, type MoneySet, type RateLike } from '../money/money.js';
import { profitMargin } from '../money/work-cost.js';

/** Sums over one deal's live services, time entries and expenses. */
export interface DealSums {
  dealId: number;
  projectId: number | null;
  /** expenses */
  cost: bigint;
  costDefault: bigint;
  billable: bigint;
  billableDefault: bigint;
  /** services */
  servicesRevenue: bigint;
  servicesRevenueDefault: bigint;
  budgetedMinutes: number;
  /** time entries */
  workCostDefault: bigint;
  workedMinutes: number;
  billableMinutes: number;
  timeUsed: bigint;
  timeUsedDefault: bigint;
}

/** A deal with no rows to sum. */
export const noSums = (dealId: number): DealSums => ({
  dealId,
  projectId: null,
  cost: 0n,
  costDefault: 0n,
  billable: 0n,
  billableDefault: 0n,
  servicesRevenue: 0n,
  servicesRevenueDefault: 0n,
  budgetedMinutes: 0,
  workCostDefault: 0n,
  workedMinutes: 0,
  billableMinutes: 0,
  timeUsed: 0n,
  timeUsedDefault: 0n,
});

type Db = ScopedClient | ScopedTx;

/** Sums are numeric in SQL (bigint sums can exceed a bigint); they come back as text, exactly. */
type Row = { [K in keyof DealSums]: K extends 'dealId' ? number : K extends 'projectId' ? number | null : string };

/**
 * The sums of the deals `which` selects, in one statement. Raw SQL: a service's value counts only
 * when it is billable, and each row is converted before it is added, which Prisma's groupBy cannot
 * say. Every table is narrowed to the organization by the statement itself (organizationSql).
 */
async function sums(db: Db, which: (org: Prisma.Sql) => Prisma.Sql): Promise<DealSums[]> {
  const sql = organizationSql(db);
  const org = Prisma.sql`${sql.organizationId}::int4`;
  // A service's revenue and the value of billable time on it count when it is billable and not
  // priced NOT_BILLABLE (3); time is valued at the price of services counted in hours (unit 1).
  const rows = await sql.$queryRaw<Row[]>`
    WITH picked AS (
      SELECT id, project_id, exchange_rate FROM deals WHERE organization_id = ${org} AND ${which(org)}
    ), e AS (
      SELECT x.deal_id, sum(x.amount_normalized) AS cost, sum(x.amount_default) AS cost_default,
             sum(x.billable_amount) AS billable, sum(x.billable_amount_default) AS billable_default
        FROM expenses x JOIN picked p ON p.id = x.deal_id
       WHERE x.organization_id = ${org} AND x.deleted_at IS NULL
       GROUP BY x.deal_id
    ), s AS (
      SELECT v.deal_id,
             sum(CASE WHEN v.billable AND v.pricing_type_id <> 3 THEN round(v.price * v.quantity) ELSE 0 END) AS revenue,
             sum(service_revenue_default(v, p.exchange_rate)) AS revenue_default,
             sum(CASE WHEN v.unit_id = 1 THEN round(v.quantity * 60) ELSE 0 END) AS budgeted
        FROM services v JOIN picked p ON p.id = v.deal_id
       WHERE v.organization_id = ${org} AND v.deleted_at IS NULL
       GROUP BY v.deal_id
    ), valued AS (
      SELECT v.deal_id, t.time, t.billable_time, t.work_cost_default, p.exchange_rate,
             CASE WHEN v.unit_id = 1 AND v.billable AND v.pricing_type_id <> 3
                  THEN round(t.billable_time::numeric * v.price / 60) ELSE 0 END AS used
        FROM time_entries t
        JOIN services v ON v.organization_id = t.organization_id AND v.id = t.service_id
        JOIN picked p ON p.id = v.deal_id
       WHERE t.organization_id = ${org} AND t.deleted_at IS NULL AND v.deleted_at IS NULL
    ), w AS (
      SELECT deal_id, sum(time) AS worked, sum(billable_time) AS billable_minutes, sum(work_cost_default) AS work_cost_default,
             sum(used) AS used, sum(round(used * exchange_rate)) AS used_default
        FROM valued GROUP BY deal_id
    )
    SELECT p.id AS "dealId", p.project_id AS "projectId",
           coalesce(e.cost, 0)::text AS cost, coalesce(e.cost_default, 0)::text AS "costDefault",
           coalesce(e.billable, 0)::text AS billable, coalesce(e.billable_default, 0)::text AS "billableDefault",
           coalesce(s.revenue, 0)::text AS "servicesRevenue", coalesce(s.revenue_default, 0)::text AS "servicesRevenueDefault",
           coalesce(s.budgeted, 0)::text AS "budgetedMinutes",
           coalesce(w.work_cost_default, 0)::text AS "workCostDefault", coalesce(w.worked, 0)::text AS "workedMinutes",
           coalesce(w.billable_minutes, 0)::text AS "billableMinutes",
           coalesce(w.used, 0)::text AS "timeUsed", coalesce(w.used_default, 0)::text AS "timeUsedDefault"
      FROM picked p
      LEFT JOIN e ON e.deal_id = p.id
      LEFT JOIN s ON s.deal_id = p.id
      LEFT JOIN w ON w.deal_id = p.id`;
  return rows.map((r) => ({
    dealId: Number(r.dealId),
    projectId: r.projectId === null ? null : Number(r.projectId),
    cost: BigInt(r.cost),
    costDefault: BigInt(r.costDefault),
    billable: BigInt(r.billable),
    billableDefault: BigInt(r.billableDefault),
    servicesRevenue: BigInt(r.servicesRevenue),
    servicesRevenueDefault: BigInt(r.servicesRevenueDefault),
    budgetedMinutes: Number(r.budgetedMinutes),
    workCostDefault: BigInt(r.workCostDefault),
    workedMinutes: Number(r.workedMinutes),
    billableMinutes: Number(r.billableMinutes),
    timeUsed: BigInt(r.timeUsed),
    timeUsedDefault: BigInt(r.timeUsedDefault),
  }));
}

/** The sums of many deals in one statement, in the order asked (a deal not there gets zeros). */
export async function sumsByDeal(db: Db, dealIds: readonly number[]): Promise<DealSums[]> {
  const found = await sums(db, () => Prisma.sql`id = ANY (${[...dealIds]}::int4[])`);
  const byDeal = new Map(found.map((s) => [s.dealId, s]));
  return dealIds.map((id) => byDeal.get(id) ?? noSums(id));
}

/** The sums of the live deals of many projects in one statement, grouped by project. */
export async function sumsByProject(db: Db, projectIds: readonly number[]): Promise<Map<number, DealSums[]>> {
  const found = await sums(db, () => Prisma.sql`project_id = ANY (${[...projectIds]}::int4[]) AND deleted_at IS NULL`);
  const byProject = new Map<number, DealSums[]>(projectIds.map((id) => [id, []]));
  for (const s of found) byProject.get(s.projectId!)?.push(s);
  return byProject;
}

/** Sums over one deal's live invoice attributions. */
export interface InvoicedSums {
  invoiced: bigint;
  invoicedDefault: bigint;
}

const NOTHING_INVOICED: InvoicedSums = { invoiced: 0n, invoicedDefault: 0n };

/** The invoiced sums of many deals in one grouped statement. */
export async function invoicedSumsByDeal(db: Db, dealIds: readonly number[]): Promise<InvoicedSums[]> {
  const groups = await db.invoiceAttribution.groupBy({
    by: ['dealId'],
    where: { dealId: { in: [...dealIds] } },
    _sum: { amountNormalized: true, amountDefault: true },
  });
  const byDeal = new Map(
    groups.map((g) => [g.dealId, { invoiced: BigInt(g._sum.amountNormalized ?? 0), invoicedDefault: BigInt(g._sum.amountDefault ?? 0) }]),
  );
  return dealIds.map((id) => byDeal.get(id) ?? NOTHING_INVOICED);
}

/** What the live deals of many projects invoiced, in the default currency, in one grouped statement. */
export async function invoicedByProject(db: Db, projectIds: readonly number[]): Promise<bigint[]> {
  const sql = organizationSql(db);
  const rows = await sql.$queryRaw<Array<{ projectId: number; invoiced: string }>>`
    SELECT d.project_id AS "projectId", sum(a.amount_default)::text AS invoiced
      FROM invoice_attributions a
      JOIN deals d ON d.organization_id = a.organization_id AND d.id = a.deal_id
     WHERE a.organization_id = ${sql.organizationId}::int4 AND a.deleted_at IS NULL AND d.deleted_at IS NULL
       AND d.project_id = ANY (${[...projectIds]}::int4[])
     GROUP BY d.project_id`;
  const byProject = new Map(rows.map((r) => [Number(r.projectId), BigInt(r.invoiced)]));
  return projectIds.map((id) => byProject.get(id) ?? 0n);
}

export type DealMoneyField =
  | 'servicesRevenue'
  | 'workCost'
  | 'expense'
  | 'expenseBillable'
  | 'revenue'
  | 'cost'
  | 'profit'
  | 'budgetTotal'
  | 'budgetUsed'
  | 'budgetRemaining';

export type DealInvoicingField = 'invoiced' | 'pendingInvoicing';

export type DealTimeField = 'workedTime' | 'billableTime' | 'budgetedTime';

export interface DealMoneyBasis {
  currency: string;
  exchangeRate: RateLike;
  budgetTotal: bigint;
}

const inDeal = (deal: { currency: string }, defaultCurrency: string) => (own: bigint, inDefault: bigint): MoneySet => ({
  original: { cents: own, currency: deal.currency },
  default: { cents: inDefault, currency: defaultCurrency },
  normalized: { cents: own, currency: deal.currency },
});

/** A deal's revenue and cost, in its currency and in the default one. */
function revenueAndCost(deal: { exchangeRate: RateLike }, s: DealSums) {
  const workCost = between(s.workCostDefault, '1', deal.exchangeRate);
  return {
    workCost,
    revenue: s.servicesRevenue + s.billable,
    revenueDefault: s.servicesRevenueDefault + s.billableDefault,
    cost: workCost + s.cost,
    costDefault: s.workCostDefault + s.costDefault,
  };
}

/** Every money field of a deal from its own columns and its sums. */
export function dealMoney(deal: DealMoneyBasis, s: DealSums, defaultCurrency: string): Record<DealMoneyField, MoneySet> {
  const set = inDeal(deal, defaultCurrency);
  const budgetTotalDefault = toDefault(deal.budgetTotal, deal.exchangeRate);
  const { workCost, revenue, revenueDefault, cost, costDefault } = revenueAndCost(deal, s);
  const used = s.timeUsed + s.billable;
  const usedDefault = s.timeUsedDefault + s.billableDefault;
  return {
    servicesRevenue: set(s.servicesRevenue, s.servicesRevenueDefault),
    workCost: set(workCost, s.workCostDefault),
    expense: set(s.cost, s.costDefault),
    expenseBillable: set(s.billable, s.billableDefault),
    revenue: set(revenue, revenueDefault),
    cost: set(cost, costDefault),
    profit: set(revenue - cost, revenueDefault - costDefault),
    budgetTotal: set(deal.budgetTotal, budgetTotalDefault),
    budgetUsed: set(used, usedDefault),
    budgetRemaining: set(deal.budgetTotal - used, budgetTotalDefault - usedDefault),
  };
}

/** `profit ÷ revenue` in per cent, in the deal's currency. */
export function dealProfitMargin(deal: { exchangeRate: RateLike }, s: DealSums): string {
  const { revenue, cost } = revenueAndCost(deal, s);
  return profitMargin(revenue - cost, revenue);
}

/** Minutes worked and billable, and budgeted on its hourly services. */
export const dealTime = (s: DealSums): Record<DealTimeField, number> => ({
  workedTime: s.workedMinutes,
  billableTime: s.billableMinutes,
  budgetedTime: s.budgetedMinutes,
});

/** `invoiced` and `pendingInvoicing` (revenue − invoiced). The seed: 2 × 10000 on a deal without revenue: 20000 and −20000. */
export function dealInvoicing(
  deal: { currency: string; exchangeRate: RateLike },
  s: DealSums,
  invoiced: InvoicedSums,
  defaultCurrency: string,
): Record<DealInvoicingField, MoneySet> {
  const set = inDeal(deal, defaultCurrency);
  const { revenue, revenueDefault } = revenueAndCost(deal, s);
  return {
    invoiced: set(invoiced.invoiced, invoiced.invoicedDefault),
    pendingInvoicing: set(revenue - invoiced.invoiced, revenueDefault - invoiced.invoicedDefault),
  };
}

export type ProjectMoneyField = 'revenue' | 'cost' | 'profit' | 'invoiced' | 'pendingInvoicing';

/**
 * A project's rollups: the sums of its live deals' default forms, so every form is in the
 * organization's default currency (the reference's project shows USD in all three). `invoiced` is
 * null when the caller did not ask for invoicing (the second statement is not made).
 */
export function projectMoney(deals: readonly DealSums[], invoiced: bigint | null, defaultCurrency: string) {
  let revenue = 0n;
  let cost = 0n;
  let worked = 0;
  for (const s of deals) {
    revenue += s.servicesRevenueDefault + s.billableDefault;
    cost += s.workCostDefault + s.costDefault;
    worked += s.workedMinutes;
  }
  const set = (cents: bigint): MoneySet => sameForms({ cents, currency: defaultCurrency });
  return {
    revenue: set(revenue),
    cost: set(cost),
    profit: set(revenue - cost),
    profitMargin: profitMargin(revenue - cost, revenue),
    workedTime: worked,
    invoiced: set(invoiced ?? 0n),
    pendingInvoicing: set(revenue - (invoiced ?? 0n)),
  };
}
