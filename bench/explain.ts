// `npx tsx bench/explain.ts`: the plan PostgreSQL uses for the SQL the gateway really sends, per list
// order, at scale. Not part of the tests. For every list of the schema and every order it offers
// (each sort field ASC and DESC, and the default order) it sends through the app, as a client would:
//   (a) the first page (`first: 30`) with `totalCount`,
//   (b) a deep page: 30 rows after a cursor from the middle of the list (reached by paging with
//       `first: 200`),
// and for expenses (c) `totalCount` + `aggregates` over a few filters, and (d) `groupedAggregates`
// (`--generic`, PostgreSQL only: each first and deep page is also run as a named prepared statement 8
// times on a connection of its own under `plan_cache_mode` auto and force_generic_plan, to see whether a
// generic plan makes any order slower: PLAN_CACHE_MODE, docs/operations.md)
// of expenses and deals in the shapes reports ask for (`--groups`: only those). The statements Prisma sends
// through the driver adapter are captured with their arguments (src/db/statements.ts) and replayed
// under `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)` through the same pool, with the same parameters.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gateway_explain npx tsx bench/explain.ts \
//     [--scale 100000] [--org 1|2|small] [--small-organizations 50] [--small-size 200] [--depth 0.5] [--repeat 3] [--out .data/explain-plans-100000.txt] [--only expenses]
//     [--no-vacuum] [--groups]
//
// Prints, per order, the plan's top nodes, whether a Sort or a Seq Scan appears, how many rows the
// list's main scan read and threw away, and the execution time; writes every plan in full (with its
// SQL and parameters) to --out. Uses DATABASE_URL when set, otherwise a PGlite folder like
// bench/run.ts (BENCH_DATA_DIR); the data set is generated once and reused while its size matches.
import { mkdir, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  getNamedType,
  type GraphQLField,
} from 'graphql';
import { generate } from '../src/cli/generate.js';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import type { StatementEntry } from '../src/db/statements.js';
import { schema } from '../src/schema/index.js';
import { newToken } from '../src/auth/tokens.js';
import { createLogger } from '../src/observability/logger.js';
import { createApp } from '../src/http/app.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '100000' },
    depth: { type: 'string', default: '0.5' },
    repeat: { type: 'string', default: '3' },
    out: { type: 'string' },
    only: { type: 'string' },
    org: { type: 'string', default: '1' },
    'no-vacuum': { type: 'boolean', default: false },
    groups: { type: 'boolean', default: false },
    generic: { type: 'boolean', default: false },
    'small-organizations': { type: 'string', default: '0' },
    'small-size': { type: 'string', default: '200' },
  },
});
const scale = Number(values.scale);
const depth = Number(values.depth);
const repeat = Math.max(1, Number(values.repeat));
const outFile = values.out ?? `.data/explain-plans-${scale}.txt`;
const only = values.only ? new Set(values.only.split(',')) : null;
/**
 * Which of the generated organizations to read as: 1 or 2 (their rows sit in different id ranges), or
 * `small`: the first of `--small-organizations` (each `--small-size` expenses, 10 deals) generated
 * beside them, so that one database holds organizations of very different sizes, as a generic plan
 * (PLAN_CACHE_MODE) must serve: it is estimated for an average organization.
 */
const orgNumber = values.org === 'small' ? 0 : Number(values.org);
const smallOrganizations = Number(values['small-organizations']);
const smallSize = Number(values['small-size']);

const url = process.env.DATABASE_URL || undefined;
const dataDir = process.env.BENCH_DATA_DIR ?? '.data/bench';
if (!url) await mkdir(dataDir, { recursive: true });
const db = await openDatabase({ url, dataDir });
await migrate(db.scripts);

// ---- Data, as bench/run.ts makes it ------------------------------------------------------------

// The large pair's first organization: the newest 'Scale org 1' of the right size (small ones share the name).
const sizes = await db.prisma.expense.groupBy({ by: ['organizationId'], _count: { _all: true } });
const sizeOf = new Map(sizes.map((g) => [g.organizationId, g._count._all]));
const candidates = await db.prisma.organization.findMany({ where: { name: { startsWith: 'Scale org ' } }, orderBy: { id: 'desc' } });
let organization = candidates.find((o) => o.name.startsWith('Scale org 1 ') && sizeOf.get(o.id) === Math.ceil(scale / 2));
if (!organization) {
  console.log(`Generating ${scale} expenses...`);
  const { organizationIds } = await generate(db.prisma, { expenses: scale, organizations: 2, dealsPerOrganization: 500, progress: true });
  organization = await db.prisma.organization.findUniqueOrThrow({ where: { id: organizationIds[0]! } });
}
const small = candidates.filter((o) => sizeOf.get(o.id) === smallSize);
if (small.length < smallOrganizations) {
  console.log(`Generating ${smallOrganizations - small.length} organizations of ${smallSize} expenses...`);
  const made = await generate(db.prisma, { expenses: (smallOrganizations - small.length) * smallSize, organizations: smallOrganizations - small.length, dealsPerOrganization: 10, seed: 7 });
  small.push(...(await db.prisma.organization.findMany({ where: { id: { in: made.organizationIds } } })));
}
if (orgNumber === 0) {
  organization = small[0] ?? (() => { throw new Error('--org small needs --small-organizations'); })();
} else if (orgNumber !== 1) {
  const stamp = / \((\w+)\)$/.exec(organization.name)?.[1];
  organization = await db.prisma.organization.findFirstOrThrow({ where: { name: `Scale org ${orgNumber} (${stamp})` } });
}
// VACUUM too, unless told not to: freshly generated rows have no visibility map yet (and autovacuum may
// be off), which makes index-only scans look expensive and plans differ from a settled table's.
await db.scripts.exec(values['no-vacuum'] ? 'ANALYZE' : 'VACUUM ANALYZE');
const member = await db.prisma.membership.findFirstOrThrow({ where: { organizationId: organization.id } });
const { token, tokenHash } = newToken();
await db.prisma.apiToken.create({ data: { personId: member.personId, name: 'explain', tokenHash } });
// One client asking for many large shapes in a row: the per-token rate limit would throttle it.
const logger = createLogger('warn');
const app = createApp({ prisma: db.prisma, logger, rateLimit: { enabled: false, logger } });

type Json = Record<string, unknown>;

async function gql(query: string, variables: Json = {}): Promise<{ data: Json; entries: StatementEntry[]; ms: number }> {
  db.statements.reset();
  const started = performance.now();
  const response = await app.fetch('http://explain/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-tenant': String(organization!.id) },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: Json; errors?: unknown };
  const ms = performance.now() - started;
  if (!response.ok || json.errors) throw new Error(`GraphQL request failed: ${JSON.stringify(json.errors ?? response.status)}\n${query}`);
  return { data: json.data!, entries: db.statements.entries.map((e) => ({ ...e, args: [...e.args] })), ms };
}

// ---- The lists and their orders, read off the schema ---------------------------------------------

interface ListInfo {
  field: string;
  table: string;
  orderType: string | null;
  orderFields: string[];
}

const MODEL_TABLES: Record<string, string> = {
  Expense: 'expenses',
  Deal: 'deals',
  Company: 'companies',
  Project: 'projects',
  ServiceType: 'service_types',
  Person: 'people',
};

const lists: ListInfo[] = Object.values(schema.getQueryType()!.getFields())
  .filter((f: GraphQLField<unknown, unknown>) => getNamedType(f.type).name.endsWith('Connection'))
  .map((f) => {
    const model = getNamedType(f.type).name.replace(/Connection$/, '');
    const orderArg = f.args.find((a) => a.name === 'orderBy');
    const orderInput = orderArg ? (getNamedType(orderArg.type) as GraphQLInputObjectType) : null;
    const orderEnum = orderInput ? (getNamedType(orderInput.getFields().field!.type) as GraphQLEnumType) : null;
    return {
      field: f.name,
      table: MODEL_TABLES[model] ?? model,
      orderType: orderArg ? String(orderArg.type) : null,
      orderFields: orderEnum ? orderEnum.getValues().map((v) => v.name) : [],
    };
  })
  .filter((l) => !values.groups && (!only || only.has(l.field)));

// ---- Statements and plans ----------------------------------------------------------------------

/** What the pg adapter does to `query.args` before handing them to the driver (see @prisma/adapter-pg mapArg). */
function toParam(arg: unknown, type: { scalarType?: string; dbType?: string; arity?: string } | undefined): unknown {
  if (arg === null || arg === undefined) return null;
  if (Array.isArray(arg) && type?.arity === 'list') return arg.map((a) => toParam(a, type));
  if (typeof arg === 'string' && type?.scalarType === 'datetime') arg = new Date(arg);
  if (arg instanceof Date) {
    const pad = (n: number, z = 2) => String(n).padStart(z, '0');
    const date = `${pad(arg.getUTCFullYear(), 4)}-${pad(arg.getUTCMonth() + 1)}-${pad(arg.getUTCDate())}`;
    if (type?.dbType === 'DATE') return date;
    const ms = arg.getUTCMilliseconds();
    return `${date} ${pad(arg.getUTCHours())}:${pad(arg.getUTCMinutes())}:${pad(arg.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ''}`;
  }
  if (typeof arg === 'bigint') return arg.toString();
  return arg;
}

const params = (e: StatementEntry) => e.args.map((a, i) => toParam(a, e.argTypes?.[i] as never));

/**
 * The median time of the last 5 of 8 runs of a statement prepared under a name on a connection of its
 * own, with `plan_cache_mode` set: from the 6th run PostgreSQL may use its generic plan under auto.
 */
async function preparedMs(entry: StatementEntry, mode: 'auto' | 'force_generic_plan'): Promise<number> {
  const client = new pg.Client({ connectionString: url, options: `-c plan_cache_mode=${mode}` });
  await client.connect();
  try {
    const times: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const started = performance.now();
      await client.query({ name: 'explain_generic', text: entry.sql, values: params(entry) });
      times.push(performance.now() - started);
    }
    const last = times.slice(3).sort((a, b) => a - b);
    return last[Math.floor(last.length / 2)]!;
  } finally {
    await client.end();
  }
}

const generic: Array<{ what: string; auto: number; generic: number }> = [];
async function compareGeneric(what: string, entry: StatementEntry | undefined) {
  if (!values.generic || !url || !entry) return;
  generic.push({ what, auto: await preparedMs(entry, 'auto'), generic: await preparedMs(entry, 'force_generic_plan') });
}

interface PlanNode {
  indent: number;
  label: string;
  details: string[];
  children: PlanNode[];
}

function parsePlan(text: string): PlanNode {
  const lines = text.split('\n');
  const root: PlanNode = { indent: -1, label: lines[0]!.replace(/\s+\(cost=.*$/, ''), details: [], children: [] };
  const stack: PlanNode[] = [root];
  for (const line of lines.slice(1)) {
    const node = /^(\s*)->\s+(.+?)\s+\(cost=/.exec(line);
    const indent = line.length - line.trimStart().length;
    if (node) {
      const n: PlanNode = { indent: node[1]!.length, label: node[2]!, details: [], children: [] };
      while (stack.length > 1 && stack.at(-1)!.indent >= n.indent) stack.pop();
      stack.at(-1)!.children.push(n);
      stack.push(n);
    } else if (line.trim()) {
      while (stack.length > 1 && stack.at(-1)!.indent >= indent) stack.pop();
      stack.at(-1)!.details.push(line.trim());
    }
  }
  return root;
}

const walk = (n: PlanNode): PlanNode[] => [n, ...n.children.flatMap(walk)];
const shortLabel = (label: string) => label.replace(/ on (\w+)( \w+)?$/, ' on $1').replace(/^Parallel /, 'Parallel ');

/** "Limit → Index Scan using x on expenses", branching as "Hash Join (A | B)". */
function chain(n: PlanNode, budget = 6): string {
  const here = shortLabel(n.label);
  if (n.children.length === 0 || budget === 0) return here;
  if (n.children.length === 1) return `${here} → ${chain(n.children[0]!, budget - 1)}`;
  return `${here} (${n.children.map((c) => chain(c, budget - 1)).join(' ; ')})`;
}

interface Summary {
  chain: string;
  sort: string | null;
  seqScan: boolean;
  mainScan: string | null;
  indexCond: string | null;
  filter: string | null;
  rowsRead: number | null;
  rowsRemoved: number;
  buffers: string | null;
  executionMs: number;
  planningMs: number;
}

function summarize(text: string, table: string, executionMs: number): Summary {
  const root = parsePlan(text);
  const nodes = walk(root);
  const num = (node: PlanNode, re: RegExp) => node.details.map((d) => re.exec(d)).filter(Boolean).reduce((s, m) => s + Number(m![1]), 0);
  const actual = (node: PlanNode) => {
    const m = new RegExp(`${node.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\(cost=[^)]*\\) \\(actual time=[^ ]+ rows=(\\d+) loops=(\\d+)`).exec(text);
    return m ? Number(m[1]) * Number(m[2]) : 0;
  };
  const sortNode = nodes.find((n) => /^(Incremental )?Sort\b/.test(n.label));
  const sortMethod = sortNode?.details.find((d) => d.startsWith('Sort Method'))?.replace(/Sort Method: /, '') ?? null;
  const scans = nodes.filter((n) => /Scan/.test(n.label) && new RegExp(` on ${table}\\b`).test(n.label));
  const main = scans[0] ?? null;
  const removed = scans.reduce((s, n) => s + num(n, /Rows Removed by (?:Filter|Index Recheck): (\d+)/), 0);
  const heap = main?.label.startsWith('Bitmap Heap') ? main.children[0] : null;
  return {
    chain: chain(root),
    sort: sortNode ? `${sortNode.label}${sortMethod ? ` (${sortMethod})` : ''}` : null,
    seqScan: nodes.some((n) => /Seq Scan/.test(n.label)),
    mainScan: main ? shortLabel(main.label) : null,
    indexCond: (main && (main.details.find((d) => d.startsWith('Index Cond')) ?? (heap?.details.find((d) => d.startsWith('Index Cond')) ?? null))) || null,
    filter: main?.details.find((d) => d.startsWith('Filter')) ?? null,
    rowsRead: main ? scans.reduce((s, n) => s + actual(n), 0) + removed : null,
    rowsRemoved: removed,
    buffers: root.details.find((d) => d.startsWith('Buffers'))?.replace('Buffers: ', '') ?? null,
    executionMs,
    planningMs: Number(/Planning Time: ([\d.]+)/.exec(text)?.[1] ?? NaN),
  };
}

interface Explained {
  kind: string;
  sql: string;
  params: unknown[];
  plan: string;
  summary: Summary;
  times: number[];
}

async function explain(kind: string, entry: StatementEntry, table: string): Promise<Explained> {
  // A grouped statement is `WITH g AS (SELECT ...) SELECT ...`: read-only too.
  if (!/^\s*(SELECT|WITH g AS \(\s*SELECT)\b/i.test(entry.sql)) throw new Error(`Not a SELECT, refusing to EXPLAIN ANALYZE it: ${entry.sql}`);
  const p = params(entry);
  let plan = '';
  const times: number[] = [];
  for (let i = 0; i < repeat; i += 1) {
    const rows = await db.scripts.query<Record<string, string>>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${entry.sql}`, p);
    plan = rows.map((r) => Object.values(r)[0]).join('\n');
    times.push(Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1] ?? NaN));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { kind, sql: entry.sql, params: p, plan, summary: summarize(plan, table, sorted[Math.floor(sorted.length / 2)]!), times };
}

const quoted = (table: string) => new RegExp(`FROM "\\w+"\\."${table}"`);
const pageStatement = (entries: StatementEntry[], table: string) =>
  entries.find((e) => quoted(table).test(e.sql) && /\bORDER BY\b/.test(e.sql) && /\bLIMIT\b/.test(e.sql));
const countStatement = (entries: StatementEntry[], table: string) =>
  entries.find((e) => quoted(table).test(e.sql) && /\b(COUNT\(|GROUP BY)/i.test(e.sql) && !/\bLIMIT\b/.test(e.sql));

// ---- The requests ------------------------------------------------------------------------------

interface Row {
  list: string;
  order: string;
  first?: Explained;
  deep?: Explained;
  deepPosition?: number;
  total?: number;
  requestMs: { first?: number; deep?: number };
}

const report: Row[] = [];
const counts = new Map<string, Explained>();
const aggregates: Array<{ name: string; explained: Explained; requestMs: number; total: number }> = [];

function orderLabel(order: { field: string; direction: string } | null) {
  return order ? `${order.field} ${order.direction}` : '(default)';
}

for (const list of lists) {
  const orders: Array<{ field: string; direction: string } | null> = [
    null,
    ...list.orderFields.flatMap((field) => [
      { field, direction: 'ASC' },
      { field, direction: 'DESC' },
    ]),
  ];
  const varDecl = list.orderType ? `$o: ${list.orderType}, ` : '';
  const orderArg = list.orderType ? 'orderBy: $o, ' : '';
  const firstQuery = `query(${varDecl}$f: Int) { ${list.field}(${orderArg}first: $f) { totalCount edges { cursor node { databaseId } } pageInfo { hasNextPage endCursor } } }`;
  const pageQuery = `query(${varDecl}$f: Int, $a: String) { ${list.field}(${orderArg}first: $f, after: $a) { edges { cursor node { databaseId } } pageInfo { hasNextPage endCursor } } }`;
  for (const order of orders) {
    const variables = order ? { o: [order] } : {};
    const row: Row = { list: list.field, order: orderLabel(order), requestMs: {} };
    process.stdout.write(`${list.field} ${row.order}: `);

    // (a) The first page, with totalCount.
    const a = await gql(firstQuery, { ...variables, f: 30 });
    const conn = a.data[list.field] as { totalCount: number; edges: Array<{ cursor: string }> };
    row.total = conn.totalCount;
    row.requestMs.first = a.ms;
    const page = pageStatement(a.entries, list.table);
    if (!page) throw new Error(`No page statement captured for ${list.field}:\n${a.entries.map((e) => e.sql).join('\n')}`);
    row.first = await explain(`${list.field} ${row.order}: first page`, page, list.table);
    const count = countStatement(a.entries, list.table);
    if (count && !counts.has(list.field)) {
      counts.set(list.field, await explain(`${list.field}: totalCount`, count, list.table));
      await compareGeneric(`${list.field}: totalCount`, count);
    }

    // (b) A cursor from the middle of the list (paging with first: 200), then the 30 rows after it.
    const target = Math.max(0, Math.floor(conn.totalCount * depth) - 1);
    let seen = 0;
    let after: string | null = null;
    let cursor: string | null = null;
    let deepEntry: StatementEntry | undefined;
    while (cursor === null) {
      const p = await gql(pageQuery, { ...variables, f: 200, a: after });
      const c = p.data[list.field] as { edges: Array<{ cursor: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      if (target < seen + c.edges.length) cursor = c.edges[target - seen]!.cursor;
      else if (!c.pageInfo.hasNextPage || c.edges.length === 0) cursor = c.pageInfo.endCursor ?? '';
      seen += c.edges.length;
      after = c.pageInfo.endCursor;
    }
    if (cursor) {
      const b = await gql(pageQuery, { ...variables, f: 30, a: cursor });
      row.requestMs.deep = b.ms;
      row.deepPosition = target + 1;
      const deep = (deepEntry = pageStatement(b.entries, list.table));
      if (!deep) throw new Error(`No page statement captured for a deep page of ${list.field}`);
      row.deep = await explain(`${list.field} ${row.order}: 30 after row ${target + 1} of ${conn.totalCount}`, deep, list.table);
    }
    await compareGeneric(`${list.field} ${row.order}: first page`, page);
    await compareGeneric(`${list.field} ${row.order}: deep page`, deepEntry);
    report.push(row);
    console.log(
      `${row.first.summary.executionMs.toFixed(2)} ms / deep ${row.deep ? row.deep.summary.executionMs.toFixed(2) : '-'} ms ` +
        `(requests ${row.requestMs.first!.toFixed(1)} / ${row.requestMs.deep?.toFixed(1) ?? '-'} ms)  ${row.first.summary.chain}`,
    );
  }
}

// (c) Totals over filtered expenses: totalCount and aggregates come from one grouped statement.
if (lists.some((l) => l.field === 'expenses')) {
  const filters: Array<[string, Json | null]> = [
    ['no filter', null],
    ['date in one quarter (2025-04-01..2025-06-30)', { dateAfter: '2025-04-01', dateBefore: '2025-06-30' }],
    ['approved, one year (2025)', { approvalStatus: 'APPROVED', dateAfter: '2025-01-01', dateBefore: '2025-12-31' }],
  ];
  const someDeal = await db.prisma.deal.findFirstOrThrow({ where: { organizationId: organization.id } });
  filters.push(['one deal', { dealIds: [Buffer.from(`Deal:${someDeal.id}`).toString('base64')] }]);
  for (const [name, filter] of filters) {
    const r = await gql(
      `query($filter: ExpenseFilter) { expenses(filter: $filter) { totalCount aggregates { totalAmount { default { cents } } totalBillableAmount { default { cents } } totalProfit { default { cents } } } } }`,
      { filter },
    );
    const statement = countStatement(r.entries, 'expenses');
    if (!statement) throw new Error(`No grouped statement captured for aggregates (${name})`);
    const explained = await explain(`expenses aggregates + totalCount, ${name}`, statement, 'expenses');
    await compareGeneric(`expenses aggregates + totalCount, ${name}`, statement);
    aggregates.push({ name, explained, requestMs: r.ms, total: (r.data.expenses as { totalCount: number }).totalCount });
    console.log(`expenses aggregates, ${name}: ${explained.summary.executionMs.toFixed(2)} ms  ${explained.summary.chain}`);
  }
}

// (d) Grouped totals: one statement each, around the list's own statement for its rows.
const grouped: Array<{ name: string; explained: Explained; requestMs: number; groups: number }> = [];
if (values.groups || lists.some((l) => l.field === 'expenses')) {
  const shapes: Array<[string, string, string, Json]> = [
    ['expenses per month, all', 'expenses', '[{ field: DATE, bucket: MONTH }]', {}],
    ['expenses per month per company, one year', 'expenses', '[{ field: DATE, bucket: MONTH }, { field: COMPANY }]', { dateAfter: '2025-01-01', dateBefore: '2025-12-31' }],
    ['expenses per deal, count > 50, by total desc', 'expenses', '[{ field: DEAL }], having: { count: { gt: 50 } }, orderBy: [{ field: TOTAL_AMOUNT, direction: DESC }]', {}],
    ['expenses per day entered (time zone), per approval status', 'expenses', '[{ field: CREATED_AT, bucket: DAY }, { field: APPROVAL_STATUS }]', {}],
    ['deals per company per quarter', 'deals', '[{ field: COMPANY }, { field: DATE, bucket: QUARTER }]', {}],
  ];
  for (const [name, field, groupBy, filter] of shapes) {
    const filterType = field === 'expenses' ? 'ExpenseFilter' : 'DealFilter';
    const total = field === 'expenses' ? 'totalAmount { default { cents } }' : 'totalProfit { cents }';
    const r = await gql(
      `query($filter: ${filterType}) { ${field}(filter: $filter) { groupedAggregates(groupBy: ${groupBy}, first: 100) { totalCount nodes { count aggregates { ${total} } } } } }`,
      { filter },
    );
    const statement = r.entries.find((e) => /^WITH g AS/.test(e.sql));
    if (!statement) throw new Error(`No grouping statement captured (${name})`);
    const explained = await explain(`grouped: ${name}`, statement, field);
    await compareGeneric(`grouped: ${name}`, statement);
    const groups = (r.data[field] as { groupedAggregates: { totalCount: number } }).groupedAggregates.totalCount;
    grouped.push({ name, explained, requestMs: r.ms, groups });
    console.log(`grouped, ${name}: ${explained.summary.executionMs.toFixed(2)} ms (request ${r.ms.toFixed(1)} ms, ${groups} groups)  ${explained.summary.chain}`);
  }
}

// ---- Output ------------------------------------------------------------------------------------

const ms = (e?: Explained) => (e ? e.summary.executionMs.toFixed(2) : '-');
const flags = (e?: Explained) => {
  if (!e) return '-';
  const s = e.summary;
  const out: string[] = [];
  if (s.sort) out.push(`SORT ${s.sort}`);
  if (s.seqScan) out.push('SEQ SCAN');
  if (s.rowsRead !== null) out.push(`read ${s.rowsRead}${s.rowsRemoved ? `, ${s.rowsRemoved} filtered out` : ''}`);
  return out.join('; ');
};
const verdict = (e?: Explained) => {
  if (!e) return '-';
  const s = e.summary;
  if (s.sort) return 'sort';
  if (s.seqScan) return 'seq scan';
  if (!s.mainScan || !/Index/.test(s.mainScan)) return 'other';
  return s.rowsRemoved > 1000 ? 'index order, filtered' : 'index range';
};

console.log(
  `\n${db.kind}, ${scale} expenses in 2 organizations${smallOrganizations ? ` and ${small.length} of ${smallSize}` : ''}; ` +
    `organization ${organization.id} (${sizeOf.get(organization.id) ?? scale / 2} expenses); median of ${repeat} EXPLAIN ANALYZE runs\n`,
);
for (const list of lists) {
  console.log(`### ${list.field}\n`);
  console.log('| order | first page: plan | ms | deep page: plan | ms | verdict (first / deep) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of report.filter((x) => x.list === list.field)) {
    console.log(
      `| ${r.order} | ${r.first!.summary.chain}<br>${flags(r.first)} | ${ms(r.first)} | ${r.deep ? `${r.deep.summary.chain}<br>${flags(r.deep)}` : '-'} | ${ms(r.deep)} | ${verdict(r.first)} / ${verdict(r.deep)} |`,
    );
  }
  const count = counts.get(list.field);
  if (count) console.log(`\ntotalCount: ${count.summary.chain} (${flags(count)}): ${ms(count)} ms`);
  console.log('');
}
if (aggregates.length) {
  console.log('### expenses: totalCount + aggregates (one grouped statement)\n');
  console.log('| filter | rows | plan | ms |');
  console.log('|---|---|---|---|');
  for (const a of aggregates) console.log(`| ${a.name} | ${a.total} | ${a.explained.summary.chain}<br>${flags(a.explained)} | ${ms(a.explained)} |`);
}

if (generic.length) {
  console.log('\n### Prepared statements: auto against force_generic_plan (median of runs 4-8, ms)\n');
  console.log('| statement | auto | generic | generic / auto |');
  console.log('|---|---|---|---|');
  for (const g of generic) console.log(`| ${g.what} | ${g.auto.toFixed(2)} | ${g.generic.toFixed(2)} | ${(g.generic / g.auto).toFixed(2)}${g.generic > 1.5 * g.auto && g.generic - g.auto > 1 ? ' **slower**' : ''} |`);
}
if (grouped.length) {
  console.log('\n### groupedAggregates (one statement each, first: 100)\n');
  console.log('| shape | groups | plan | ms | request ms |');
  console.log('|---|---|---|---|---|');
  for (const g of grouped) console.log(`| ${g.name} | ${g.groups} | ${g.explained.summary.chain}<br>${flags(g.explained)} | ${ms(g.explained)} | ${g.requestMs.toFixed(1)} |`);
}

const all: Explained[] = [
  ...report.flatMap((r) => [r.first, r.deep].filter((e): e is Explained => !!e)),
  ...counts.values(),
  ...aggregates.map((a) => a.explained),
  ...grouped.map((g) => g.explained),
];
const text = all
  .map(
    (e) =>
      `==== ${e.kind}\n-- execution ms over ${repeat} runs: ${e.times.map((t) => t.toFixed(3)).join(', ')}\n${e.sql}\n-- params: ${JSON.stringify(e.params)}\n\n${e.plan}\n`,
  )
  .join('\n');
await mkdir(dirname(outFile), { recursive: true });
await writeFile(outFile, `${db.kind}, ${scale} expenses, organization ${organization.id}, ${new Date().toISOString()}\n\n${text}`);
console.log(`\nFull plans: ${outFile}`);

await db.prisma.apiToken.deleteMany({ where: { tokenHash } });
await db.close();
