// Money totals over a filtered list, in one statement that also counts the rows. Amounts in
// different currencies are never added together: the sums are grouped by the currencies involved,
// and a form is null when the rows do not share exactly one currency in it. PostgreSQL sums bigint
// into numeric, handed back as bigint: exact for any number of rows.
import type { Money } from '../../money/money.js';
import type { Where } from './conditions.js';

/** Which columns hold one money field's forms. The default form is in the organization's currency. */
export interface MoneyTotalSpec {
  original: { sum: string; currency: string };
  default: string;
  normalized: { sum: string; currency: string };
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

type Group = Record<string, unknown> & { _sum: Record<string, bigint | number | null>; _count: { _all: number } };

/** What computes the totals: a Prisma `groupBy` of the scoped client. */
export type GroupBy = (args: {
  by: string[];
  where: Where;
  _sum: Record<string, true>;
  _count: { _all: true };
}) => Promise<Group[]>;

export async function moneyTotals<Name extends string>(
  groupBy: GroupBy,
  where: Where,
  specs: Record<Name, MoneyTotalSpec>,
  defaultCurrency: string,
): Promise<Totals<Name>> {
  const entries = Object.entries(specs) as Array<[Name, MoneyTotalSpec]>;
  const currencies = [...new Set(entries.flatMap(([, s]) => [s.original.currency, s.normalized.currency]))];
  const sums = [...new Set(entries.flatMap(([, s]) => [s.original.sum, s.default, s.normalized.sum]))];
  const groups = await groupBy({
    by: currencies,
    where,
    _sum: Object.fromEntries(sums.map((c) => [c, true])) as Record<string, true>,
    _count: { _all: true },
  });
  const sum = (column: string) => groups.reduce((total, g) => total + BigInt(g._sum[column] ?? 0), 0n);
  const only = (column: string) => {
    const values = new Set(groups.map((g) => g[column] as string));
    return values.size === 1 ? [...values][0]! : null;
  };
  const money = (cents: bigint, currency: string | null): Money | null => (currency ? { cents, currency } : null);
  const totals = Object.fromEntries(
    entries.map(([name, s]) => [
      name,
      {
        original: money(sum(s.original.sum), only(s.original.currency)),
        default: { cents: sum(s.default), currency: defaultCurrency },
        normalized: money(sum(s.normalized.sum), only(s.normalized.currency)),
      },
    ]),
  ) as Record<Name, MoneyTotals>;
  return { count: groups.reduce((n, g) => n + g._count._all, 0), money: totals };
}
