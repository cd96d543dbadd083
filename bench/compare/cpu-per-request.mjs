#!/usr/bin/env node
// CPU per request, side by side: loads A and B alternately (like run-pair.mjs) and reads, around each
// round, the CPU time (utime + stime from /proc/<pid>/stat) of the server process of that side and of
// every PostgreSQL backend connected to the database. Only one side is loaded at a time, so the
// backend CPU of a round belongs to that side. Less noisy than req/s on a shared machine: it counts
// work, not waiting. Linux only. PostgreSQL backends are read from pg_stat_activity (needs the right to
// see them, e.g. a superuser) and from /proc (same machine). --user keeps only the backends of that
// database role (run.sh's servers connect as their own role, so other clients of the database are left out).
// Usage: node cpu-per-request.mjs pairs.json --only "<pair name>" --pid-a PID --pid-b PID
//          [--db perf_gw] [--user ROLE] [--rounds 3] [--duration 5] [--connections 32] [--warmup 3]
import autocannon from "autocannon";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: "string" }, "pid-a": { type: "string" }, "pid-b": { type: "string" },
    db: { type: "string", default: "perf_gw" }, user: { type: "string" }, rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "5" }, connections: { type: "string", default: "32" },
    warmup: { type: "string", default: "3" },
    "pg-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
  },
});
const pair = JSON.parse(readFileSync(positionals[0], "utf8")).find((p) => p.name === o.only);
if (!pair) throw new Error(`no pair named ${o.only}`);
const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux
const cpuTicks = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]); // fields 14 and 15: utime, stime
  } catch { return null; }
};
const admin = new pg.Client({ connectionString: o["pg-url"] });
await admin.connect();
const backends = async () =>
  (await admin.query("select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and ($2::text is null or usename = $2)",
    [o.db, o.user ?? null])).rows.map((r) => r.pid);
const request = (s) => ({
  url: s.url, method: "POST",
  headers: { "content-type": "application/json", ...s.headers },
  body: JSON.stringify({ query: s.query, variables: s.variables ?? {} }),
});
const load = (s, duration) => autocannon({ ...request(s), connections: Number(o.connections), duration });

// One side: autocannon runs lead + duration + 0.5 s; CPU is read at lead (pipeline already full) and at
// lead + duration, and only responses inside that window are counted, so requests in flight at either
// end do not skew the per-request figure. Then a pause lets the side drain before the other one.
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
async function measured(side, pid) {
  const lead = 2, dur = Number(o.duration);
  const inst = load(side, lead + dur + 0.5);
  let counting = false, n = 0, bad = 0, before, after, pids;
  inst.on("response", (_client, status) => { if (counting) { n++; if (status !== 200) bad++; } });
  const t0 = setTimeout(async () => {
    pids = await backends();
    before = { s: cpuTicks(pid), pg: pids.map(cpuTicks) }; counting = true;
  }, lead * 1000);
  const t1 = setTimeout(() => { counting = false; after = { s: cpuTicks(pid), pg: pids.map(cpuTicks) }; }, (lead + dur) * 1000);
  const res = await inst;
  clearTimeout(t0); clearTimeout(t1);
  await sleep(2);
  // backends that ended inside the window (null afterwards) are left out
  const pgTicks = pids.reduce((t, _p, i) => (before.pg[i] != null && after.pg[i] != null ? t + after.pg[i] - before.pg[i] : t), 0);
  return { rps: n / dur, n, server: ((after.s - before.s) * TICK_MS) / n, pg: (pgTicks * TICK_MS) / n,
           bad: bad + res.errors + res.timeouts };
}

console.log(`== ${pair.name}  (CPU ms per request; c=${o.connections}, ${o.duration}s rounds)`);
if (Number(o.warmup) > 0) { await load(pair.a, Number(o.warmup)); await sleep(2); await load(pair.b, Number(o.warmup)); await sleep(2); }
const rows = [];
for (let r = 1; r <= Number(o.rounds); r++) {
  const a = await measured(pair.a, Number(o["pid-a"]));
  const b = await measured(pair.b, Number(o["pid-b"]));
  rows.push({ a, b });
  const f = (x) => x.toFixed(2);
  console.log(`  round ${r}  A ${a.rps.toFixed(0)} req/s server ${f(a.server)} ms pg ${f(a.pg)} ms` +
    `   B ${b.rps.toFixed(0)} req/s server ${f(b.server)} ms pg ${f(b.pg)} ms` + (a.bad + b.bad ? `  !! errors ${a.bad + b.bad}` : ""));
}
const med = (xs) => { const s = [...xs].sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const m = (k, f) => med(rows.map((r) => r[k][f]));
console.log(`  median  A server ${m("a", "server").toFixed(2)} ms + pg ${m("a", "pg").toFixed(2)} ms | ` +
  `B server ${m("b", "server").toFixed(2)} ms + pg ${m("b", "pg").toFixed(2)} ms | ` +
  `server A/B ${(m("a", "server") / m("b", "server")).toFixed(2)}, total A/B ${((m("a", "server") + m("a", "pg")) / (m("b", "server") + m("b", "pg"))).toFixed(2)}`);
await admin.end();
