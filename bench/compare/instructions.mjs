#!/usr/bin/env node
// Instructions per request of the gateway, counted by valgrind's callgrind: steadier than seconds (on these
// shared machines the same server's timed rounds differ by 2x in req/s and 30 % in CPU per request; its
// rounds of instructions by about 10 %, and about one round in five by 2x, when a major GC falls in it:
// compare the least and the median). For one lever at a time, when the difference is smaller than what
// timed rounds can see.
//
//   node instructions.mjs --pairs /tmp/bench-compare/pairs.json [--pair t] [--checkout /work/main ...]
//                         [--warmup 1500] [--requests 2000] [--rounds 3]
//
// Each --checkout's build (dist/, `node scripts/build.mjs` there first) is started under callgrind with
// gateway.env; one client on one keep-alive connection sends the pair's gateway query `--warmup` times,
// then `--rounds` times `--requests` more, and callgrind's counters are dumped after each (callgrind_control),
// so every dump holds exactly one round's instructions. Prints the least and the median per request.
// Slow: ~40 s to start under valgrind, then ~10 ms per request.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const { values: o } = parseArgs({
  options: {
    pairs: { type: "string", default: "/tmp/bench-compare/pairs.json" },
    pair: { type: "string", default: "t" },
    checkout: { type: "string", multiple: true, default: [join(here, "../..")] },
    warmup: { type: "string", default: "1500" },
    requests: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    port: { type: "string", default: "4700" },
    db: { type: "string", default: "postgresql://bench_compare@127.0.0.1:5432/gw_ordering_bench" },
  },
});
const pair = JSON.parse(readFileSync(o.pairs, "utf8")).find((p) => p.name.startsWith(`${o.pair} `) && p.name.endsWith("gateway vs postgraphile"));
if (!pair) throw new Error(`no pair ${o.pair} in ${o.pairs}`);
const body = JSON.stringify({ query: pair.a.query, variables: pair.a.variables ?? {} });
const env = Object.fromEntries(readFileSync(join(here, "gateway.env"), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/=(.*)/s).slice(0, 2)));
const port = Number(o.port);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const ask = (path = "/graphql") =>
  new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: path === "/graphql" ? "POST" : "GET", agent,
        headers: path === "/graphql" ? { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...pair.a.headers } : {} },
      (res) => { let text = ""; res.on("data", (c) => (text += c)); res.on("end", () => resolve({ status: res.statusCode, text })); },
    );
    req.on("error", reject);
    req.end(path === "/graphql" ? body : undefined);
  });
const requests = async (n) => { for (let i = 0; i < n; i++) { const r = await ask(); if (r.status !== 200 || r.text.includes('"errors"')) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 300)}`); } };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

const lines = [];
for (const checkout of o.checkout) {
  const out = mkdtempSync(join(tmpdir(), "callgrind-"));
  const server = spawn("valgrind", ["--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${out}/cg.%p`, "--dump-instr=no",
    join(checkout, "node_modules/.bin/node"), "dist/main/server.js"], { cwd: checkout, env: { ...process.env, ...env, DATABASE_URL: o.db, PORT: String(port) }, stdio: "ignore" });
  try {
    for (let i = 0; ; i++) {
      const r = await ask("/health").catch(() => null);
      if (r?.status === 200) break;
      if (i > 600 || server.exitCode !== null) throw new Error(`${checkout}: the server did not start under valgrind`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await requests(Number(o.warmup));
    const dump = () => execFileSync("callgrind_control", ["-d", String(server.pid)], { stdio: "ignore" });
    dump();
    const perRequest = [];
    for (let round = 0; round < Number(o.rounds); round++) {
      await requests(Number(o.requests));
      dump();
      // callgrind_control returns once the dump is asked for; the newest file is this round's.
      const files = readdirSync(out).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop()));
      const totals = /^totals: (\d+)/m.exec(readFileSync(join(out, files.at(-1)), "utf8"));
      perRequest.push(Number(totals[1]) / Number(o.requests));
    }
    lines.push(`| ${checkout} | ${(Math.min(...perRequest) / 1000).toFixed(0)}k | ${(median(perRequest) / 1000).toFixed(0)}k | ${perRequest.map((x) => (x / 1000).toFixed(0) + "k").join(", ")} |`);
  } finally {
    server.kill("SIGINT");
    await new Promise((r) => server.exitCode !== null ? r() : server.once("exit", r));
  }
}
console.log(`pair ${o.pair}: ${o.rounds} rounds of ${o.requests} requests after ${o.warmup}, one connection`);
console.log("| checkout | instructions per request: least | median | rounds |");
console.log("| --- | --- | --- | --- |");
for (const l of lines) console.log(l);
