// `npm run bench`: load benchmarks over HTTP on a large generated data set. Not part of the tests
// (timings depend on the machine); it prints latency percentiles and throughput per scenario and
// flags those above their target.
//
//   npm run bench -- [--scale 100000] [--seconds 10] [--concurrency 8] [--only <words of a scenario's name, or "export">]
//                    [--before <checkout> [--rounds 3] [--warmup 5]]
// Uses DATABASE_URL when set, otherwise a PGlite folder of its own (BENCH_DATA_DIR, default .data/bench),
// and generates the data set once (it is reused while its size matches).
//
// `--before <checkout>`: another checkout of the gateway (e.g. `git worktree add --detach ../before
// <commit>`, then `npm ci && npm run generate` in it) served from this same process on the same
// database (DATABASE_URL; migrated by this checkout, whose migrations must only add to its), and each
// scenario runs in alternating rounds, before / after: one run, one machine state, one data set.
// Each side first serves `--warmup` seconds of the scenario that are not counted: a cold process
// spends the first thousand requests compiling (CPU per write fell from 11 to 4 ms over the first
// 1 400 writes), which decided short rounds more than the code did.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { generate } from '../src/cli/generate.js';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { newToken } from '../src/auth/tokens.js';
import { createLogger } from '../src/observability/logger.js';
import { startTracing } from '../src/observability/tracing.js';
import { createApp } from '../src/http/app.js';
import { startExportService } from '../src/http/bulk-exports.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    // Only the scenarios whose name contains this (case-insensitive), and no overhead rounds.
    only: { type: 'string' },
    before: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5' },
  },
});
const scale = Number(values.scale);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const url = process.env.DATABASE_URL || undefined;
const dataDir = process.env.BENCH_DATA_DIR ?? '.data/bench';
if (!url) await mkdir(dataDir, { recursive: true });
const db = await openDatabase({ url, dataDir });
await migrate(db.scripts);

const marker = `bench ${scale}`;
let organization = await db.prisma.organization.findFirst({ where: { name: { startsWith: 'Scale org 1 ' } }, orderBy: { id: 'desc' } });
const existing = organization ? await db.prisma.expense.count({ where: { organizationId: organization.id } }) : 0;
if (!organization || existing !== Math.ceil(scale / 2)) {
  console.log(`Generating ${scale} expenses (${marker})...`);
  const { organizationIds } = await generate(db.prisma, { expenses: scale, organizations: 2, dealsPerOrganization: 500, progress: true });
  organization = await db.prisma.organization.findUniqueOrThrow({ where: { id: organizationIds[0]! } });
}
const member = await db.prisma.membership.findFirstOrThrow({ where: { organizationId: organization.id } });
const { token, tokenHash } = newToken();
await db.prisma.apiToken.create({ data: { personId: member.personId, name: 'bench', tokenHash } });
const someDeal = await db.prisma.deal.findFirstOrThrow({ where: { organizationId: organization.id } });
const someExpense = await db.prisma.expense.findFirstOrThrow({ where: { organizationId: organization.id }, orderBy: { id: 'desc' } });
// The write scenario's expenses go to these deals in turn, and are erased after the run (the data set
// is reused while its expense count matches).
const writeDeals = await db.prisma.deal.findMany({ where: { organizationId: organization.id }, select: { id: true }, take: 50 });
const writeServiceType = await db.prisma.serviceType.findFirstOrThrow({ where: { organizationId: organization.id } });
const BENCH_WRITE = 'bench write';

// The scenarios run without the rate limiter (one token would run out) and without tracing; the
// overhead of each is measured on its own below, in the same run.
const logger = createLogger('warn');
const app = createApp({ prisma: db.prisma, logger, rateLimit: { enabled: false } });

/** Serves an app on a free port; returns its /graphql URL and how to stop it. */
async function serve(handler: ReturnType<typeof createApp>) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, close: () => server.close() };
}
const main = await serve(app);
let endpoint = main.url;

// The checkout to compare with: its own modules (Prisma client included) on the same database.
const beforeDir = values.before ? path.resolve(values.before) : undefined;
if (beforeDir && !url) throw new Error('--before needs DATABASE_URL: two PGlite instances cannot share one folder');
const before = beforeDir ? await serveBefore(beforeDir) : undefined;
async function serveBefore(dir: string) {
  // The first of `files` that the checkout has (folders were renamed in issue 23).
  const from = (...files: string[]) => import(pathToFileURL(path.join(dir, files.find((f) => existsSync(path.join(dir, f))) ?? files[0]!)).href);
  const [{ openDatabase: openBefore }, { createApp: createBefore }, { createLogger: loggerBefore }] = await Promise.all([
    from('src/db/client.ts'),
    from('src/http/app.ts', 'src/server/yoga.ts'),
    from('src/observability/logger.ts', 'src/server/logger.ts'),
  ]);
  const beforeDb = await openBefore({ url });
  const served = await serve(createBefore({ prisma: beforeDb.prisma, logger: loggerBefore('warn'), rateLimit: { enabled: false } }));
  return { ...served, close: async () => (served.close(), await beforeDb.close()) };
}

const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');
interface Scenario {
  name: string;
  targetP95Ms: number;
  query: string;
  variables?: Record<string, unknown>;
  /** A write's per-request values: `"$KEY$"` in `variables` becomes a fresh idempotency key and
   * `"$DEAL$"` the next of these deals' ids, in the load generator (bench/load-worker.mjs). */
  perRequest?: { deals: string[] };
}
const scenarios: Scenario[] = [
  {
    name: '200 expenses, nested deal/company/service type/creator, by date',
    targetP95Ms: 300,
    query: `query($f: Int) { expenses(first: $f, orderBy: [{ field: DATE, direction: DESC }]) { totalCount nodes { name amount { default { cents currency } } deal { name company { name } } serviceType { name } creator { name } } } }`,
    variables: { f: 200 },
  },
  {
    name: 'aggregates over a filtered set (approved, one year)',
    targetP95Ms: 300,
    query: `query { expenses(first: 1, filter: { approvalStatus: APPROVED, dateAfter: "2025-01-01", dateBefore: "2025-12-31" }) { totalCount aggregates { totalAmount { default { cents } } totalProfit { default { cents } } } } }`,
  },
  {
    name: '30 expenses of one deal, sorted by profit',
    targetP95Ms: 150,
    query: `query($d: ID!) { expenses(filter: { dealIds: [$d] }, orderBy: [{ field: PROFIT, direction: DESC }]) { nodes { name profit { default { cents } } } } }`,
    variables: { d: gid('Deal', someDeal.id) },
  },
  {
    name: 'one expense by id',
    targetP95Ms: 50,
    query: `query($id: ID!) { expense(id: $id) { name amount { original { cents currency } } deal { name } } }`,
    variables: { id: gid('Expense', someExpense.id) },
  },
  {
    // Writes of one organization run side by side (events are ordered by commit position, with no
    // lock on the organization: src/changes/outbox.ts): the key's claim, the expense, its event with
    // its webhook fan-out, the key's result, in one transaction (test/statements.test.ts).
    name: 'createExpense with an idempotency key, one organization, 50 deals in turn',
    targetP95Ms: 150,
    query: `mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id } userErrors { code } } }`,
    variables: {
      input: {
        idempotencyKey: '$KEY$', name: BENCH_WRITE, dealId: '$DEAL$',
        serviceTypeId: gid('ServiceType', writeServiceType.id), amount: 1250, currency: 'USD', date: '2026-01-15',
      },
    },
    perRequest: { deals: writeDeals.map((deal) => gid('Deal', deal.id)) },
  },
];

// The clients run in a worker thread (bench/load-worker.mjs), so the servers' thread does only the
// servers' work; before 2026-12-07 they shared it, which cost every request its client's CPU too.
const load = new Worker(new URL('./load-worker.mjs', import.meta.url));
let rounds = 0;
async function run(scenario: Scenario, duration = seconds) {
  // A write starts from a vacuumed, frozen database. These machines run PostgreSQL with autovacuum
  // off, and every write updates its deal twice and key-share-locks the rows its foreign keys name:
  // under 8 writers the hot rows' version chains and multixacts pile up (pages that are always
  // pinned are never pruned), and a later round measured the database's history more than the code
  // (PostgreSQL's CPU per write tripled over a few runs; 602 -> 263 writes/s from round 1 to 3).
  if (scenario.perRequest) await db.scripts.exec('VACUUM (FREEZE, ANALYZE)');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  rounds += 1;
  const task = {
    endpoint, headers, concurrency, seconds: duration,
    template: JSON.stringify({ query: scenario.query, variables: scenario.variables }),
    deals: scenario.perRequest?.deals, keyPrefix: scenario.perRequest ? `bench-${process.pid}-${rounds}` : undefined,
  };
  // The servers' thread's CPU (not the load generator's, not PostgreSQL's): on a shared, loaded
  // machine CPU per request moves much less than requests per second.
  const cpu = process.threadCpuUsage();
  const { latencies, failures } = await new Promise<{ latencies: number[]; failures: number }>((resolve, reject) => {
    load.once('message', resolve);
    load.once('error', reject);
    load.postMessage(task);
  });
  load.removeAllListeners('error');
  const used = process.threadCpuUsage(cpu);
  latencies.sort((x, y) => x - y);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  const cpuMs = (used.user + used.system) / 1000 / Math.max(1, latencies.length);
  return { requests: latencies.length, rps: latencies.length / duration, p50: p(0.5), p95: p(0.95), p99: p(0.99), failures, cpuMs };
}

console.log(`\n${db.kind}, ${scale} expenses in 2 organizations, ${concurrency} concurrent clients, ${seconds}s per scenario\n`);
let over = 0;
const only = values.only?.toLowerCase();
const report = (r: Awaited<ReturnType<typeof run>>) =>
  `${r.requests} requests, ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`;
for (const scenario of scenarios.filter((s) => !only || s.name.toLowerCase().includes(only))) {
  if (before) {
    // Alternating rounds, so that a drift of the machine falls on both sides.
    const rps: Record<'before' | 'after', number[]> = { before: [], after: [] };
    const cpuMs: Record<'before' | 'after', number[]> = { before: [], after: [] };
    console.log(scenario.name);
    for (const side of ['before', 'after'] as const) {
      endpoint = side === 'before' ? before.url : main.url;
      const r = await run(scenario, Number(values.warmup));
      console.log(`  warm-up ${side.padEnd(6)} ${report(r)}, ${r.cpuMs.toFixed(2)} ms CPU/request (not counted)`);
    }
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const side of ['before', 'after'] as const) {
        endpoint = side === 'before' ? before.url : main.url;
        const r = await run(scenario);
        rps[side].push(r.rps);
        cpuMs[side].push(r.cpuMs);
        console.log(`  round ${round} ${side.padEnd(6)} ${report(r)}, p99 ${r.p99.toFixed(1)} ms, ${r.cpuMs.toFixed(2)} ms CPU/request, failures ${r.failures}`);
        if (r.failures > 0) over += 1;
      }
    }
    endpoint = main.url;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`  median req/s: before ${median(rps.before).toFixed(1)}, after ${median(rps.after).toFixed(1)}, ratio ${(median(rps.after) / median(rps.before)).toFixed(2)}`);
    console.log(`  median CPU ms/request (the servers' thread): before ${median(cpuMs.before).toFixed(2)}, after ${median(cpuMs.after).toFixed(2)}, ratio ${(median(cpuMs.before) / median(cpuMs.after)).toFixed(2)}`);
    continue;
  }
  const r = await run(scenario);
  const flag = r.p95 > scenario.targetP95Ms || r.failures > 0 ? 'OVER TARGET' : 'ok';
  if (flag !== 'ok') over += 1;
  console.log(
    `${scenario.name}\n  ${r.requests} requests, ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms ` +
      `(target ${scenario.targetP95Ms}), p99 ${r.p99.toFixed(1)} ms, failures ${r.failures}: ${flag}`,
  );
}

// Overhead of the rate limiter (in memory, a bucket too large to run out) and of tracing (spans of
// every operation and SQL statement, to an exporter that drops them), on the 200-row page: rounds
// alternate plain / limiter / limiter + tracing, and the ratios of medians are what counts.
async function overheads() {
  const page = scenarios[0]!;
  const limited = await serve(
    createApp({ prisma: db.prisma, logger, rateLimit: { enabled: true, points: 1_000_000_000, restoreRate: 1_000_000_000 } }),
  );
  const dropSpans = { export: (_spans: unknown[], done: (result: { code: number }) => void) => done({ code: 0 }), shutdown: async () => undefined };
  const rounds: Record<'plain' | 'limiter' | 'limiter + tracing', number[]> = { plain: [], limiter: [], 'limiter + tracing': [] };
  for (let round = 0; round < 3; round++) {
    endpoint = main.url;
    rounds.plain.push((await run(page)).rps);
    endpoint = limited.url;
    rounds.limiter.push((await run(page)).rps);
    const tracing = await startTracing({ exporter: dropSpans as never });
    const traced = await serve(
      createApp({
        prisma: db.prisma, logger, observability: { tracing },
        rateLimit: { enabled: true, points: 1_000_000_000, restoreRate: 1_000_000_000 },
      }),
    );
    endpoint = traced.url;
    rounds['limiter + tracing'].push((await run(page)).rps);
    traced.close();
    await tracing?.shutdown();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(rounds.plain);
  console.log(`\nOverhead on "${page.name}" (median of 3 rounds, req/s; ratio to plain):`);
  for (const [name, values] of Object.entries(rounds)) {
    console.log(`  ${name.padEnd(18)} ${median(values).toFixed(1)} req/s  ${(median(values) / base).toFixed(3)}`);
  }
  limited.close();
}
if (!only && !before) await overheads();

// A bulk export of 100 000 expenses (issue 27), run by this process's export service as the gateway
// runs it (BULK_EXPORTS=inline), then downloaded: its time, and the process's memory sampled every
// 50 ms from start to end (RSS and heap), by quarter of the rows, to show it stays flat. Its own
// organization of 100 000 expenses, generated once and reused.
const EXPORT_ROWS = 100_000;
async function exportBench() {
  let exportOrg = await db.prisma.organization.findFirst({ where: { name: { startsWith: 'Export org ' } }, orderBy: { id: 'desc' } });
  if (!exportOrg || (await db.prisma.expense.count({ where: { organizationId: exportOrg.id } })) !== EXPORT_ROWS) {
    console.log(`\nGenerating ${EXPORT_ROWS} expenses for the export...`);
    const { organizationIds } = await generate(db.prisma, { expenses: EXPORT_ROWS, organizations: 1, dealsPerOrganization: 500, progress: true, seed: 7 });
    // Renamed at once: the scenarios above look for "Scale org 1".
    exportOrg = await db.prisma.organization.update({ where: { id: organizationIds[0]! }, data: { name: `Export org (${new Date().toISOString()})` } });
  }
  const exporter = await db.prisma.membership.findFirstOrThrow({ where: { organizationId: exportOrg.id } });
  const exportToken = newToken();
  await db.prisma.apiToken.create({ data: { personId: exporter.personId, name: 'bench export', tokenHash: exportToken.tokenHash } });
  const service = await startExportService({
    prisma: db.prisma, scripts: db.scripts, connectionString: url, logger, concurrency: 1, sweepIntervalMs: 0, retentionMs: 3_600_000, pollingIntervalSeconds: 0.5,
  });
  const query = '{ expenses(orderBy: [{ field: DATE, direction: DESC }]) { nodes { id name date amount { original { cents currency } default { cents currency } } deal { name company { name } } serviceType { name } } } }';
  const samples: Array<{ rows: number; rss: number; heap: number }> = [];
  let rowsNow = 0;
  // With --expose-gc (NODE_OPTIONS), every sample follows a full collection: what is live, not garbage
  // V8 has not collected yet (it lets the heap grow while there is room).
  const gc = (globalThis as { gc?: () => void }).gc;
  const sampler = setInterval(() => {
    gc?.();
    const m = process.memoryUsage();
    samples.push({ rows: rowsNow, rss: m.rss, heap: m.heapUsed });
  }, gc ? 250 : 50);
  const mb = (n: number) => (n / 2 ** 20).toFixed(0);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${exportToken.token}` };
  const began = performance.now();
  const started = (await (
    await fetch(main.url, { method: 'POST', headers, body: JSON.stringify({ query: 'mutation($q: String!) { startBulkExport(input: { query: $q }) { bulkExport { databaseId } userErrors { message } } }', variables: { q: query } }) })
  ).json()) as { data: { startBulkExport: { bulkExport: { databaseId: number } | null; userErrors: unknown[] } } };
  const exportId = started.data.startBulkExport.bulkExport?.databaseId;
  if (!exportId) throw new Error(`startBulkExport: ${JSON.stringify(started.data.startBulkExport.userErrors)}`);
  let row = await db.prisma.bulkExport.findUniqueOrThrow({ where: { id: exportId } });
  while (row.status === 'CREATED' || row.status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 200));
    row = await db.prisma.bulkExport.findUniqueOrThrow({ where: { id: exportId } });
    rowsNow = row.rowCount;
  }
  const ran = (performance.now() - began) / 1000;
  const during = samples.splice(0);
  // The download, streamed and counted, never held whole.
  const downloadBegan = performance.now();
  const response = await fetch(main.url.replace('/graphql', `/bulk-exports/${gid('BulkExport', exportId)}`), { headers: { authorization: headers.authorization } });
  let bytes = 0;
  let lines = 0;
  for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += part.byteLength;
    for (const byte of part) if (byte === 10) lines += 1;
  }
  const downloaded = (performance.now() - downloadBegan) / 1000;
  clearInterval(sampler);
  const download = samples.splice(0);
  console.log(`\nBulk export of ${row.rowCount} expenses${gc ? ' (memory after a full GC at each sample)' : ''} (${row.status}${row.errorMessage ? `: ${row.errorMessage}` : ''}), pages of 200:`);
  console.log(`  run ${ran.toFixed(1)} s (${(row.rowCount / ran).toFixed(0)} rows/s), file ${mb(Number(row.byteCount))} MB; download ${downloaded.toFixed(1)} s, ${lines} lines, ${mb(bytes)} MB (HTTP ${response.status})`);
  const peak = (xs: typeof during, key: 'rss' | 'heap') => Math.max(...xs.map((x) => x[key]));
  for (let q = 0; q < 4; q++) {
    const part = during.filter((x) => x.rows >= (q * row.rowCount) / 4 && x.rows < ((q + 1) * row.rowCount) / 4 + (q === 3 ? 1 : 0));
    if (part.length) console.log(`  rows ${q * 25}-${(q + 1) * 25} %: peak RSS ${mb(peak(part, 'rss'))} MB, peak heap ${mb(peak(part, 'heap'))} MB (${part.length} samples)`);
  }
  console.log(`  whole run: RSS ${mb(during[0]?.rss ?? 0)} MB at start, peak ${mb(peak(during, 'rss'))} MB; download: peak RSS ${mb(peak(download, 'rss'))} MB`);
  if (row.status !== 'COMPLETED' || lines !== row.rowCount || bytes !== Number(row.byteCount)) over += 1;
  await service.stop();
  await db.prisma.bulkExport.delete({ where: { id: exportId } });
  await db.prisma.changeEvent.deleteMany({ where: { organizationId: exportOrg.id, type: 'bulk_export.finished' } });
  await db.prisma.apiToken.deleteMany({ where: { tokenHash: exportToken.tokenHash } });
}
if (!before && (!only || 'bulk export'.includes(only))) await exportBench();
await load.terminate();
main.close();
await before?.close();
await db.prisma.apiToken.deleteMany({ where: { tokenHash } });
// What the write scenario created: its expenses, their events and the keys.
const written = await db.prisma.expense.findMany({ where: { organizationId: organization.id, name: BENCH_WRITE }, select: { id: true } });
await db.prisma.changeEvent.deleteMany({ where: { organizationId: organization.id, subjectId: { in: written.map((e) => gid('Expense', e.id)) } } });
await db.prisma.idempotencyKey.deleteMany({ where: { organizationId: organization.id, key: { startsWith: 'bench-' } } });
await db.prisma.expense.deleteMany({ where: { id: { in: written.map((e) => e.id) } } });
await db.close();
process.exitCode = over > 0 ? 1 : 0;
