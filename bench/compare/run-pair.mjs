#!/usr/bin/env node
// Side-by-side GraphQL throughput: for each pair, check both answers, then run A and B
// alternately (A B A B ...) with autocannon and print req/s, p50/p99 and the A/B ratio.
// --gap <s> (default 2): a pause after every load, so that the requests still in flight when autocannon
// stops (a slow server can have ~1 s of queued work at c=32) finish before the other side's round starts
// instead of eating into it (--gap 0: no pause).
// Usage: node run-pair.mjs pairs.json [--rounds 3] [--duration 8] [--connections 32]
//                          [--warmup 5] [--gap 2] [--only <words of pair names>] [--out results.json] [--allow-mismatch]
// Pair file: [{ "name", "a": {url, headers?, query, variables?}, "b": {...} }, ...]
// A side whose body contains __FRESH__ (a write's idempotency key) gets a value of its own in every request.
// --vacuum <postgres url>: VACUUM (FREEZE, ANALYZE) that database before each pair. These machines run
// PostgreSQL with autovacuum off: the write pair's thousands of rows left dead tuples that slowed every
// pair after it (pair b on both sides: 110 and 235 req/s before the writes, 41-61 and 44-53 after).
import autocannon from "autocannon";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "8" },
    connections: { type: "string", default: "32" },
    warmup: { type: "string", default: "5" },
    gap: { type: "string", default: "2" },
    only: { type: "string" },
    vacuum: { type: "string" },
    out: { type: "string" },
    "allow-mismatch": { type: "boolean", default: false },
  },
});
if (!positionals[0]) throw new Error("usage: node run-pair.mjs pairs.json [options]");
const pairs = JSON.parse(readFileSync(positionals[0], "utf8")).filter((p) => !o.only || p.name.includes(o.only));

const median = (xs) => { const s = [...xs].sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const f = (x, d = 0) => x.toFixed(d);
let fresh = 0;
// A number of its own per request (a position in a deal), far above the generated ones, below int4's end.
let number = 100_000_000 + Math.floor(Math.random() * 800_000_000);
const freshen = (body) => body.replaceAll('"__FRESH_N__"', () => String(++number)).replaceAll("__FRESH__", () => `${process.pid}-${Date.now().toString(36)}-${++fresh}`);
const request = (s) => {
  const body = JSON.stringify({ query: s.query, variables: s.variables ?? {} });
  const base = { url: s.url, method: "POST", headers: { "content-type": "application/json", ...s.headers } };
  if (!body.includes("__FRESH")) return { ...base, body };
  // autocannon asks setupRequest for every request it sends.
  return { ...base, body: freshen(body), requests: [{ setupRequest: (req) => ({ ...req, body: freshen(body) }) }] };
};
// Total number of list items anywhere in `data` (nested lists included).
const countItems = (v) =>
  Array.isArray(v) ? v.length + v.reduce((n, x) => n + countItems(x), 0)
  : v && typeof v === "object" ? Object.values(v).reduce((n, x) => n + countItems(x), 0) : 0;

async function check(side) {
  const { url, requests: _perRequest, ...init } = request(side);
  let res, text;
  try { res = await fetch(url, init); text = await res.text(); } catch (e) { return { error: `${url}: ${e.cause?.code ?? e.message}` }; }
  let json;
  try { json = JSON.parse(text); } catch { return { error: `HTTP ${res.status}, not JSON: ${text.slice(0, 200)}` }; }
  if (res.status !== 200 || json.errors?.length || !json.data)
    return { error: `HTTP ${res.status}: ${JSON.stringify(json.errors ?? json).slice(0, 300)}` };
  return { items: countItems(json.data) };
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const load = (side, duration) =>
  autocannon({
    ...request(side),
    connections: Number(o.connections),
    duration,
    verifyBody: (body) => !body.includes('"errors":['), // GraphQL errors under load count as mismatches
  }).then(async (res) => { await sleep(Number(o.gap)); return res; });

let failed = false;
const report = [];
const vacuum = async () => {
  if (!o.vacuum) return;
  const client = new pg.Client({ connectionString: o.vacuum });
  await client.connect();
  try { await client.query("VACUUM (FREEZE, ANALYZE)"); } finally { await client.end(); }
};
for (const p of pairs) {
  console.log(`\n== ${p.name}`);
  await vacuum();
  const [ca, cb] = await Promise.all([check(p.a), check(p.b)]);
  console.log(`  check  A: ${ca.error ?? ca.items + " items"}   B: ${cb.error ?? cb.items + " items"}`);
  if (ca.error || cb.error) { failed = true; continue; }
  if (ca.items !== cb.items) {
    console.log("  !! item counts differ" + (o["allow-mismatch"] ? " (continuing, --allow-mismatch)" : "; skipping pair"));
    failed = true;
    if (!o["allow-mismatch"]) continue;
  }
  if (Number(o.warmup) > 0) { await load(p.a, Number(o.warmup)); await load(p.b, Number(o.warmup)); }
  const rounds = [];
  for (let r = 1; r <= Number(o.rounds); r++) {
    const round = {};
    for (const k of ["a", "b"]) {
      const res = await load(p[k], Number(o.duration));
      const bad = res.errors + res.timeouts + res.non2xx + res.mismatches;
      if (bad) { failed = true; console.log(`  !! ${k.toUpperCase()}: errors=${res.errors} timeouts=${res.timeouts} non2xx=${res.non2xx} graphqlErrors=${res.mismatches}`); }
      // No answer within the whole load (a stalled server or machine): the round has no ratio.
      if (!res.requests.average) { failed = true; console.log(`  !! ${k.toUpperCase()}: no answers in ${o.duration} s (${res.requests.sent} sent)`); }
      round[k] = { rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, bad };
    }
    round.ratio = round.a.rps / round.b.rps;
    rounds.push(round);
    console.log(`  round ${r}  A ${f(round.a.rps)} req/s (p50 ${round.a.p50} ms, p99 ${round.a.p99} ms)` +
      `   B ${f(round.b.rps)} req/s (p50 ${round.b.p50} ms, p99 ${round.b.p99} ms)   A/B ${f(round.ratio, 2)}`);
  }
  const med = (k, m) => median(rounds.map((r) => r[k][m]));
  const summary = {
    name: p.name, items: ca.items, connections: Number(o.connections), duration: Number(o.duration), rounds,
    a: { rps: med("a", "rps"), p50: med("a", "p50"), p99: med("a", "p99") },
    b: { rps: med("b", "rps"), p50: med("b", "p50"), p99: med("b", "p99") },
    ratio: median(rounds.map((r) => r.ratio)),
  };
  report.push(summary);
  console.log(`  median A ${f(summary.a.rps)} req/s p50 ${summary.a.p50} ms p99 ${summary.a.p99} ms | ` +
    `B ${f(summary.b.rps)} req/s p50 ${summary.b.p50} ms p99 ${summary.b.p99} ms | ` +
    `A/B per round [${rounds.map((r) => f(r.ratio, 2)).join(", ")}] median ${f(summary.ratio, 2)}`);
}
if (o.out) writeFileSync(o.out, JSON.stringify(report, null, 2));
process.exit(failed ? 1 : 0);
