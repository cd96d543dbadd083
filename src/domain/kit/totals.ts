// Money totals over a filtered list, in one statement that also counts the rows. Amounts in
// different currencies are never added together: the sums are grouped by the currencies involved,
// and a form is null when the rows do not share exactly one currency in it. PostgreSQL sums bigint
// into numeric, handed back as bigint: exact for any number of rows.
import type { Money } from '../../money/money.js';
import type { Where } from './conditions.js';

/**
 * Which columns hold one money field's forms. The default form is in the organization's currency.
 * A total with only a default column (a deal's revenue, kept on its row in that currency alone) is
 * a plain amount: it has no original or normalized form.
 */
export interface MoneyTotalSpec {
  original?: { sum: string; currency: string };
  default: string;
  normalized?: { sum: string; currency: string };
  /**
   * `minutes`: not money but a sum of minutes (time worked), kept in `default`'s place: summed and
   * compared the same way, shown as a whole number.
   */
  unit?: 'minutes';
}

/** A sum as Prisma returns it (bigint, number, or Decimal for numeric columns) as a bigint, exactly. */
export function exactSum(value: unknown): bigint {
  if (value == null) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'object' && 'toFixed' in value) return BigInt((value as { toFixed(): string }).toFixed());
  return BigInt(value as number | string);
}

export interface MoneyTotals {
  original: Money | null;
  default: Money;
  normalized: Money | null;
}

export interface Totals<Name extends string> {
  count: number;
  money: Record<Name, MoneyTotals>;
}

type Group = Record<string, unknown> & { _sum?: Record<string, unknown>; _count: { _all: number } };

/** The forms of a money total a request can ask for. */
export type MoneyForm = 'original' | 'default' | 'normalized';

/** What computes the totals: Prisma's `groupBy` and `aggregate` of the scoped client. */
export interface Aggregator {
  groupBy(args: { by: string[]; where: Where; _sum?: Record<string, true>; _count: { _all: true } }): Promise<Group[]>;
  aggregate(args: { where: Where; _sum?: Record<string, true>; _count: { _all: true } }): Promise<Group>;
}

/**
 * The totals and the row count in one statement. Only the `wanted` totals and forms are summed
 * (all of them when not given), and rows are grouped only by the currencies of the wanted original
 * and normalized forms: a request for default forms alone is one plain aggregate, with no grouping.
 * A form that was not wanted is absent from the result (its resolver is never reached).
 */
export async function moneyTotals<Name extends string>(
  db: Aggregator,
  where: Where,
  specs: Record<Name, MoneyTotalSpec>,
  defaultCurrency: string,
  wanted?: Partial<Record<Name, ReadonlySet<MoneyForm>>>,
): Promise<Totals<Name>> {
  const plan = sumPlan(specs, wanted);
  const groups = plan.currencies.length
    ? await db.groupBy({ by: plan.currencies, where, ...plan.summed, _count: { _all: true } })
    : [await db.aggregate({ where, ...plan.summed, _count: { _all: true } })];
  return totalsOf(plan, groups, defaultCurrency);
}

/**
 * The same totals for many sets at once, one per value of `key` (e.g. the expenses of each of a
 * page's deals): one grouped statement whatever the number of keys. Keys without rows get zero
 * totals and a count of 0.
 */
export async function moneyTotalsBy<Name extends string, Key extends string | number>(
  db: Aggregator,
  key: string,
  keys: readonly Key[],
  where: Where,
  specs: Record<Name, MoneyTotalSpec>,
  defaultCurrency: string,
  wanted?: Partial<Record<Name, ReadonlySet<MoneyForm>>>,
): Promise<Map<Key, Totals<Name>>> {
  const plan = sumPlan(specs, wanted);
  const groups = await db.groupBy({
    by: [key, ...plan.currencies],
    where: { AND: [where, { [key]: { in: [...keys] } }] },
    ...plan.summed,
    _count: { _all: true },
  });
  const byKey = new Map<Key, Group[]>(keys.map((k) => [k, []]));
  for (const group of groups) byKey.get(group[key] as Key)?.push(group);
  return new Map([...byKey].map(([k, g]) => [k, totalsOf(plan, g, defaultCurrency)]));
}

interface SumPlan<Name extends string> {
  entries: ReadonlyArray<readonly [Name, MoneyTotalSpec, ReadonlySet<MoneyForm>]>;
  currencies: string[];
  summed: { _sum?: Record<string, true> };
}

function sumPlan<Name extends string>(
  specs: Record<Name, MoneyTotalSpec>,
  wanted?: Partial<Record<Name, ReadonlySet<MoneyForm>>>,
): SumPlan<Name> {
  const all: ReadonlySet<MoneyForm> = new Set(['original', 'default', 'normalized']);
  const entries = (Object.entries(specs) as Array<[Name, MoneyTotalSpec]>)
    .map(([name, spec]) => [name, spec, wanted ? wanted[name] : all] as const)
    // A total selected with no form (only `__typename`) is still an object, with nothing summed.
    .filter((entry): entry is readonly [Name, MoneyTotalSpec, ReadonlySet<MoneyForm>] => entry[2] !== undefined);
  const currencies = new Set<string>();
  const sums = new Set<string>();
  for (const [, spec, forms] of entries) {
    if (forms.has('original') && spec.original) (currencies.add(spec.original.currency), sums.add(spec.original.sum));
    if (forms.has('default')) sums.add(spec.default);
    if (forms.has('normalized') && spec.normalized) (currencies.add(spec.normalized.currency), sums.add(spec.normalized.sum));
  }
  // Prisma refuses an empty `_sum`: leave it out when nothing is summed (only the count is wanted).
  const summed = sums.size ? { _sum: Object.fromEntries([...sums].map((c) => [c, true])) as Record<string, true> } : {};
  return { entries, currencies: [...currencies], summed };
}

function totalsOf<Name extends string>(plan: SumPlan<Name>, groups: readonly Group[], defaultCurrency: string): Totals<Name> {
  const sum = (column: string) => groups.reduce((total, g) => total + exactSum(g._sum?.[column]), 0n);
  const only = (column: string) => {
    const values = new Set(groups.map((g) => g[column] as string));
    return values.size === 1 ? [...values][0]! : null;
  };
  const money = (cents: bigint, currency: string | null): Money | null => (currency ? { cents, currency } : null);
  const totals = Object.fromEntries(
    plan.entries.map(([name, s, forms]) => [
      name,
      {
        ...(forms.has('original') && s.original && { original: money(sum(s.original.sum), only(s.original.currency)) }),
        ...(forms.has('default') && { default: { cents: sum(s.default), currency: defaultCurrency } }),
        ...(forms.has('normalized') && s.normalized && { normalized: money(sum(s.normalized.sum), only(s.normalized.currency)) }),
      },
    ]),
  ) as Record<Name, MoneyTotals>;
  return { count: groups.reduce((n, g) => n + g._count._all, 0), money: totals };
}
