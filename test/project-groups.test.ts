// Totals of projects (`projects { aggregates groupedAggregates }`): a project's money is its live
// deals' (services, time, expenses), so its totals are computed per project inside the grouping
// statement. Expected sums are made here from the projects' own `revenue`/`cost`/`profit` fields,
// themselves checked against the deals' own fields; the amounts are chosen so that conversions round.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDeal, deleteDeal } from '../src/domain/deals.js';
import { createProject, deleteProject } from '../src/domain/projects.js';
import { graphql } from './generated/index.js';
import type { ProjectFilter, ProjectGroupBy, ReadProjectGroupsQueryVariables } from './generated/graphql.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { addPerson, createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { service, timeEntry } from './helpers/records.js';

const Totals = graphql(`
  query ReadProjectTotals($filter: ProjectFilter) {
    projects(filter: $filter) {
      totalCount
      aggregates { totalRevenue { cents currency } totalCost { cents currency } totalProfit { cents currency } }
    }
  }
`);

const AggregatesOnly = graphql(`
  query ReadProjectAggregatesOnly {
    projects { aggregates { totalRevenue { cents } totalProfit { cents } } }
  }
`);

const Groups = graphql(`
  query ReadProjectGroups(
    $filter: ProjectFilter
    $groupBy: [ProjectGroupBy!]!
    $having: ProjectGroupHaving
    $orderBy: [ProjectGroupOrder!]
    $first: Int
    $after: String
  ) {
    projects(filter: $filter, first: 0) {
      groupedAggregates(groupBy: $groupBy, having: $having, orderBy: $orderBy, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor }
        nodes {
          keys { company { name } createdAt }
          count
          aggregates { totalRevenue { cents currency } totalCost { cents currency } totalProfit { cents currency } }
        }
      }
    }
  }
`);

const LeanGroups = graphql(`
  query ReadProjectGroupsLean {
    projects { groupedAggregates(groupBy: [{ field: CREATED_AT, bucket: QUARTER }]) { nodes { keys { createdAt } count aggregates { totalProfit { cents } } } } }
  }
`);

const Rows = graphql(`
  query ReadProjectRowsForTotals($filter: ProjectFilter) {
    projects(filter: $filter, first: 200) {
      nodes {
        databaseId name createdAt company { name }
        revenue { default { cents currency } } cost { default { cents } } profit { default { cents } }
      }
    }
  }
`);

const DealRows = graphql(`
  query ReadDealRowsForProjectTotals {
    deals(first: 200) { nodes { project { databaseId } revenue { default { cents } } cost { default { cents } } profit { default { cents } } } }
  }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
/** a's projects beyond the fixture's Website (Acme) and App (Globex). */
let portal: number;
let idle: number;

const made = <T>(result: { ok: true; value: T } | { ok: false; errors: unknown }): T => {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
};

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
  const { person } = await addPerson(t.db.prisma, [a.organizationId]);
  await t.db.prisma.membership.update({
    where: { organizationId_personId: { organizationId: a.organizationId, personId: person.id } },
    data: { costRate: 3333n },
  });
  portal = made(await createProject(a.db, a.viewer, { companyId: a.companies.acme, name: 'Portal' })).id;
  // A project with no deal: its totals are zero, not absent.
  idle = made(await createProject(a.db, a.viewer, { companyId: a.companies.globex, name: 'Idle' })).id;
  // Portal's deal in GBP at 1.3, and a second one on the Website project in EUR at 1.1.
  const gbp = made(
    await createDeal(a.db, a.viewer, { name: 'Portal build', companyId: a.companies.acme, projectId: portal, currency: 'GBP', exchangeRate: '1.3', date: day('2021-05-20') }),
  ).id;
  const eur2 = made(
    await createDeal(a.db, a.viewer, { name: 'Website care', companyId: a.companies.acme, projectId: a.projects.website, currency: 'EUR', exchangeRate: '1.1', date: day('2021-06-01') }),
  ).id;

  // Amounts chosen so that each conversion rounds (EUR at 1.25 and 1.1, GBP at 1.3, 90 minutes at 33.33 an hour).
  const design = await service(a, { dealId: a.deals.eur, unit: 'HOUR', quantity: '10.5', price: 10001n });
  await service(a, { dealId: a.deals.usd, unit: 'PIECE', pricingType: 'FIXED_PRICE', quantity: '1.5', price: 20001n });
  await service(a, { dealId: gbp, unit: 'HOUR', quantity: '3', price: 777n });
  await service(a, { dealId: eur2, unit: 'PIECE', pricingType: 'FIXED_PRICE', quantity: '1', price: 3333n });
  await timeEntry(a, design, { personId: person.id, time: 90, billableTime: 45 });
  await a.expense({ dealId: a.deals.eur, amount: 10003n, currency: 'EUR', billableAmount: 333n });
  await a.expense({ dealId: gbp, amount: 9999n, currency: 'GBP', billableAmount: 1001n });
  await a.expense({ dealId: eur2, amount: 777n, currency: 'EUR', billableAmount: 0n });
  // App (Globex) loses money: its cost is more than its revenue.
  await a.expense({ dealId: a.deals.usd, amount: 54321n, currency: 'USD', billableAmount: 0n });

  // Created in different quarters (UTC): Website Q1, App and Portal Q2, Idle Q3 of 2021.
  const created = { [a.projects.website]: '2021-02-10T10:00:00Z', [a.projects.app]: '2021-05-03T10:00:00Z', [portal]: '2021-06-30T12:00:00Z', [idle]: '2021-08-01T00:00:00Z' };
  for (const [id, at] of Object.entries(created)) await a.db.project.updateMany({ where: { id: Number(id) }, data: { createdAt: new Date(at) } });

  // Organization b: money on its projects' deals that must never count in a's totals.
  await b.expense({ dealId: b.deals.usd, amount: 700000n, currency: 'USD', billableAmount: 900000n });
  await service(b, { dealId: b.deals.eur, unit: 'HOUR', quantity: '2', price: 5000n });
  await b.db.project.updateMany({ where: {}, data: { createdAt: new Date('2021-05-05T00:00:00Z') } });
});
afterAll(() => t.close());

type Row = Awaited<ReturnType<typeof rows>>[number];
async function rows(tenant: Tenant, filter?: ProjectFilter) {
  return (await data(t.app, Rows, { filter }, { token: tenant.token })).projects.nodes;
}
async function totals(tenant: Tenant, filter?: ProjectFilter) {
  return (await data(t.app, Totals, { filter }, { token: tenant.token })).projects;
}
async function groups(tenant: Tenant, variables: ReadProjectGroupsQueryVariables) {
  return (await data(t.app, Groups, variables, { token: tenant.token })).projects.groupedAggregates;
}
const by = (field: ProjectGroupBy['field'], bucket?: ProjectGroupBy['bucket']): ProjectGroupBy => ({ field, ...(bucket && { bucket }) });
const quarterOf = (instant: string) => `${instant.slice(0, 4)}-${String(Math.floor((Number(instant.slice(5, 7)) - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;

interface Sum {
  count: number;
  revenue: bigint;
  cost: bigint;
  profit: bigint;
}
const zero = (): Sum => ({ count: 0, revenue: 0n, cost: 0n, profit: 0n });
const add = (sum: Sum, row: Row): Sum => ({
  count: sum.count + 1,
  revenue: sum.revenue + BigInt(row.revenue.default.cents),
  cost: sum.cost + BigInt(row.cost.default.cents),
  profit: sum.profit + BigInt(row.profit.default.cents),
});
/** The projects as the list shows them, summed here (by `key` when given), in the order of the keys. */
function summed(list: readonly Row[], key: (row: Row) => string = () => ''): Map<string, Sum> {
  const byKey = new Map<string, Sum>();
  for (const row of list) byKey.set(key(row), add(byKey.get(key(row)) ?? zero(), row));
  return new Map([...byKey].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}
const money = (sum: Sum, currency = 'USD') => ({
  totalRevenue: { cents: Number(sum.revenue), currency },
  totalCost: { cents: Number(sum.cost), currency },
  totalProfit: { cents: Number(sum.profit), currency },
});

describe('aggregates', () => {
  test("the projects' own revenue, cost and profit, summed to the cent; those are their live deals' own", async () => {
    const list = await rows(a);
    expect(list.map((p) => p.name).sort()).toEqual(['App', 'Idle', 'Portal', 'Website']);
    // Each project's fields are the sums of its deals' default forms (as the deals list shows them).
    const deals = (await data(t.app, DealRows, {}, { token: a.token })).deals.nodes;
    for (const project of list) {
      const own = deals.filter((d) => d.project?.databaseId === project.databaseId);
      const sum = (pick: (d: (typeof own)[number]) => { default: { cents: number | string } }) => own.reduce((n, d) => n + BigInt(pick(d).default.cents), 0n);
      expect([project.revenue.default.cents, project.cost.default.cents, project.profit.default.cents].map(BigInt)).toEqual([
        sum((d) => d.revenue),
        sum((d) => d.cost),
        sum((d) => d.profit),
      ]);
    }
    const expected = summed(list).get('')!;
    // Nothing is zero by accident, and profit is revenue − cost.
    expect(expected.revenue !== 0n && expected.cost !== 0n && expected.profit === expected.revenue - expected.cost).toBe(true);
    expect(await totals(a)).toEqual({ totalCount: 4, aggregates: money(expected) });
  });

  test("the filter applies: only Acme's projects, or by name; a filter matching nothing sums to zero", async () => {
    const acme = { companyIds: [gid('Company', a.companies.acme)] };
    const acmeRows = await rows(a, acme);
    expect(acmeRows.map((p) => p.name).sort()).toEqual(['Portal', 'Website']);
    expect(await totals(a, acme)).toEqual({ totalCount: 2, aggregates: money(summed(acmeRows).get('')!) });
    const named = { name: { contains: 'app' } };
    expect(await totals(a, named)).toEqual({ totalCount: 1, aggregates: money(summed(await rows(a, named)).get('')!) });
    expect(await totals(a, { companyIds: [] })).toEqual({ totalCount: 0, aggregates: money(zero()) });
    expect(await totals(a, { name: { eq: 'nothing like it' } })).toEqual({ totalCount: 0, aggregates: money(zero()) });
  });

  test('a deleted deal no longer counts; a deleted project is neither listed nor summed nor grouped', async () => {
    const tenant = await createTenant(t.db.prisma);
    await tenant.expense({ dealId: tenant.deals.eur, amount: 1001n, currency: 'EUR', billableAmount: 2003n });
    const before = await totals(tenant);
    const dropped = made(
      await createDeal(tenant.db, tenant.viewer, { name: 'Dropped', companyId: tenant.companies.acme, projectId: tenant.projects.website, currency: 'EUR', exchangeRate: '1.25', date: day('2021-04-15') }),
    ).id;
    await tenant.expense({ dealId: dropped, amount: 4001n, currency: 'EUR', billableAmount: 9001n });
    const withDropped = await totals(tenant);
    // 9001 × 1.25 = 11251.25 and 4001 × 1.25 = 5001.25, each rounded once.
    expect(BigInt(withDropped.aggregates.totalRevenue.cents) - BigInt(before.aggregates.totalRevenue.cents)).toBe(11251n);
    expect(BigInt(withDropped.aggregates.totalCost.cents) - BigInt(before.aggregates.totalCost.cents)).toBe(5001n);
    expect(made(await deleteDeal(tenant.db, tenant.viewer, dropped))).toBeTruthy();
    expect(await totals(tenant)).toEqual(before);
    expect(await totals(tenant)).toEqual({ totalCount: 2, aggregates: money(summed(await rows(tenant)).get('')!) });

    // The Website project (with its expense) goes to the bin: only App is left, everywhere.
    expect(made(await deleteProject(tenant.db, tenant.viewer, tenant.projects.website))).toBeTruthy();
    const left = await rows(tenant);
    expect(left.map((p) => p.name)).toEqual(['App']);
    expect(await totals(tenant)).toEqual({ totalCount: 1, aggregates: money(summed(left).get('')!) });
    const grouped = await groups(tenant, { groupBy: [by('COMPANY')] });
    expect(grouped.nodes.map((n) => [n.keys.company!.name, n.count])).toEqual([['Globex', 1]]);
  });
});

describe('groups', () => {
  test('profit per company per quarter, to the cent, against the projects summed here', async () => {
    const list = await rows(a);
    const expected = summed(list, (row) => `${row.company.name}|${quarterOf(row.createdAt)}`);
    expect(expected.size).toBe(4);
    const page = await groups(a, { groupBy: [by('COMPANY'), by('CREATED_AT', 'QUARTER')] });
    expect(page.totalCount).toBe(4);
    expect(page.nodes.map((n) => [n.keys.company!.name, n.keys.createdAt, n.count, n.aggregates])).toEqual(
      [...expected].map(([key, sum]) => [...key.split('|'), sum.count, money(sum)]),
    );
    // The quarters alone: Website in Q1, App and Portal in Q2, the idle project (zero) in Q3.
    const quarters = await groups(a, { groupBy: [by('CREATED_AT', 'QUARTER')] });
    const byQuarter = summed(list, (row) => quarterOf(row.createdAt));
    expect(quarters.nodes.map((n) => [n.keys.createdAt, n.count, n.aggregates])).toEqual(
      [...byQuarter].map(([quarter, sum]) => [quarter, sum.count, money(sum)]),
    );
    expect(quarters.nodes.map((n) => n.keys.createdAt)).toEqual(['2021-01-01', '2021-04-01', '2021-07-01']);
    expect(quarters.nodes.at(-1)!.aggregates).toEqual(money(zero()));
    // Keys not grouped by are null.
    expect(quarters.nodes[0]!.keys.company).toBeNull();
  });

  test('having on the profit and the order by profit; the filter applies', async () => {
    const list = await rows(a);
    const byCompany = summed(list, (row) => row.company.name);
    // App loses money: Globex's profit is negative, Acme's positive.
    expect(byCompany.get('Globex')!.profit < 0n && byCompany.get('Acme')!.profit > 0n).toBe(true);
    const gaining = await groups(a, { groupBy: [by('COMPANY')], having: { totalProfit: { gt: 0 } } });
    expect(gaining.nodes.map((n) => [n.keys.company!.name, n.aggregates])).toEqual([['Acme', money(byCompany.get('Acme')!)]]);
    const losing = await groups(a, { groupBy: [by('COMPANY')], having: { totalProfit: { lt: 0 }, count: { eq: 2 } } });
    expect(losing.nodes.map((n) => [n.keys.company!.name, n.count])).toEqual([['Globex', 2]]);
    // A project without deals counts as zero in `having` too.
    const idleOnly = await groups(a, { groupBy: [by('CREATED_AT', 'QUARTER')], having: { totalProfit: { eq: 0 } } });
    expect(idleOnly.nodes.map((n) => [n.keys.createdAt, n.count])).toEqual([['2021-07-01', 1]]);

    const ordered = await groups(a, { groupBy: [by('COMPANY'), by('CREATED_AT', 'QUARTER')], orderBy: [{ field: 'TOTAL_PROFIT', direction: 'DESC' }] });
    const profits = ordered.nodes.map((n) => Number(n.aggregates.totalProfit.cents));
    expect(profits).toEqual([...profits].sort((x, y) => y - x));
    const expected = summed(list, (row) => `${row.company.name}|${quarterOf(row.createdAt)}`);
    expect(ordered.nodes.map((n) => `${n.keys.company!.name}|${n.keys.createdAt}`).sort()).toEqual([...expected.keys()].sort());

    const acme = await groups(a, { groupBy: [by('CREATED_AT', 'QUARTER')], filter: { companyIds: [gid('Company', a.companies.acme)] } });
    const acmeQuarters = summed(await rows(a, { companyIds: [gid('Company', a.companies.acme)] }), (row) => quarterOf(row.createdAt));
    expect(acme.nodes.map((n) => [n.keys.createdAt, n.count, n.aggregates])).toEqual([...acmeQuarters].map(([q, sum]) => [q, sum.count, money(sum)]));
  });

  test('first/after walks the groups in the order of profit, each once', async () => {
    const variables = { groupBy: [by('COMPANY'), by('CREATED_AT', 'QUARTER')], orderBy: [{ field: 'TOTAL_PROFIT' as const, direction: 'ASC' as const }] };
    const all = (await groups(a, variables)).nodes;
    const seen: typeof all = [];
    let after: string | null | undefined;
    for (let i = 0; i < 4; i++) {
      const page: Awaited<ReturnType<typeof groups>> = await groups(a, { ...variables, first: 1, after });
      expect(page.totalCount).toBe(4);
      expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
      seen.push(...page.nodes);
      after = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(all);
    expect(seen).toHaveLength(4);
  });
});

describe('tenancy', () => {
  test("another organization's projects and deals never count; its cursor is refused", async () => {
    const theirs = await rows(b);
    expect(await totals(b)).toEqual({ totalCount: 2, aggregates: money(summed(theirs).get('')!) });
    expect(BigInt((await totals(b)).aggregates.totalRevenue.cents)).toBeGreaterThan(0n);
    const grouped = await groups(b, { groupBy: [by('CREATED_AT', 'QUARTER')] });
    expect(grouped.nodes.map((n) => [n.keys.createdAt, n.count, n.aggregates])).toEqual([['2021-04-01', 2, money(summed(theirs).get('')!)]]);
    // a's Q2 holds only a's two projects, though b's are in that quarter too.
    const q2 = (await groups(a, { groupBy: [by('CREATED_AT', 'QUARTER')] })).nodes.find((n) => n.keys.createdAt === '2021-04-01')!;
    expect(q2.count).toBe(2);
    // a's company ids in b's filter match nothing.
    expect(await totals(b, { companyIds: [gid('Company', a.companies.acme)] })).toEqual({ totalCount: 0, aggregates: money(zero()) });

    const shape = { groupBy: [by('COMPANY')], first: 1 };
    const cursor = (await groups(a, shape)).pageInfo.endCursor!;
    const { body } = await execute(t.app, Groups, { ...shape, after: cursor }, { token: b.token });
    expect(body.errors!.map((error) => [error.extensions?.code, error.message])).toEqual([
      ['BAD_USER_INPUT', '`after` is not a valid cursor for these groups: it belongs to another organization.'],
    ]);
  });
});

describe('statements', () => {
  const reads = () => t.db.statements.log.filter((sql) => !/api_tokens/.test(sql));
  const kind = (sql: string) => (/^WITH g AS/.test(sql) ? 'groups' : /FROM "public"\."(\w+)"/.exec(sql)?.[1]);

  test('aggregates (with totalCount) are one statement, one SQL text whatever the organization', async () => {
    t.db.statements.reset();
    await totals(a);
    expect(reads().map(kind)).toEqual(['groups']);
    const text = reads()[0];
    t.db.statements.reset();
    await totals(b);
    expect(reads()).toEqual([text]);
    // Without totalCount, and with fewer totals: still one statement.
    t.db.statements.reset();
    await data(t.app, AggregatesOnly, {}, { token: a.token });
    expect(reads().map(kind)).toEqual(['groups']);
    // The deals' sums are read in the same statement, within the organization.
    expect(text).toMatch(/FROM "public"\."deals" AS d WHERE d\.organization_id = r\."organizationId"/);
  });

  test('groups are one statement, plus one per type of related object shown', async () => {
    t.db.statements.reset();
    const lean = await data(t.app, LeanGroups, {}, { token: a.token });
    expect(lean.projects.groupedAggregates.nodes).toHaveLength(3);
    expect(reads().map(kind)).toEqual(['groups']);
    t.db.statements.reset();
    await groups(a, { groupBy: [by('COMPANY'), by('CREATED_AT', 'QUARTER')] });
    expect(reads().map(kind)).toEqual(['groups', 'companies']);
  });
});
