#!/usr/bin/env node
// The per-request floor, layer by layer: `{ __typename }` (pair t) answered by servers that each add one
// layer of the gateway's stack, so that what pair t costs can be split into what HTTP, graphql-js, Yoga and
// the gateway's own plugins (authentication, logging, metrics, limits) each take. Every server is pinned to
// CPU 0 and loaded from CPU 1 (autocannon, 32 connections), in alternating rounds; CPU per request is read
// from /proc (user + system time of the server's process over the round, divided by its requests).
//
//   taskset -c 1 node floor.mjs --pairs /tmp/bench-compare/pairs.json [--rounds 5] [--duration 4] [--layers "..."]
//
// Layers (each a process of its own):
//   http        node:http: read the body, JSON.parse it, send a fixed answer (no GraphQL at all)
//   graphql-js  node:http + graphql-js on the gateway's schema: parse and validate cached by text, execute
//   yoga        Yoga's defaults on the gateway's schema (no plugins of ours, no authentication)
//   yoga-lean   the same with Yoga's options as the gateway sets them (no body-size counting stream, no multipart)
//   gateway     the bench's gateway (dist/main/server.js with gateway.env), with the pair file's token;
//               gateway+NAME=VALUE[+NAME=VALUE]: the same with more settings (e.g. gateway+LOG_LEVEL=error);
//               gateway@<checkout>: another checkout's build (`node scripts/build.mjs` there first)
//   postgraphile  PostGraphile 5 as run.sh starts it (its pair t side)
// --pairs: run.sh's pair file (token and PostGraphile's address are read from pair t); run.sh's servers need
// not be running: this script starts its own, on ports from 4600.
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const ANSWER = JSON.stringify({ data: { __typename: "Query" } });

if (process.argv[2] === "serve") {
  const [, , , layer, port, root] = process.argv;
  const fromRoot = createRequire(join(root, "package.json"));
  const readBody = (req) => new Promise((resolve) => { const parts = []; req.on("data", (c) => parts.push(c)); req.on("end", () => resolve(Buffer.concat(parts).toString())); });
  const send = (res, body) => { res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) }); res.end(body); };
  let handler;
  if (layer === "http") {
    handler = async (req, res) => { JSON.parse(await readBody(req)); send(res, ANSWER); };
  } else {
    const graphql = await import(pathToFileURL(fromRoot.resolve("graphql")).href);
    const { schema } = await import(pathToFileURL(join(root, "dist/schema/index.js")).href);
    if (layer === "graphql-js") {
      const documents = new Map();
      handler = async (req, res) => {
        const { query, variables } = JSON.parse(await readBody(req));
        let document = documents.get(query);
        if (!document) {
          document = graphql.parse(query);
          const errors = graphql.validate(schema, document);
          if (errors.length) throw errors[0];
          documents.set(query, document);
        }
        send(res, JSON.stringify(await graphql.execute({ schema, document, variableValues: variables, contextValue: {} })));
      };
    } else if (layer === "yoga" || layer === "yoga-lean") {
      const { createYoga } = await import(pathToFileURL(fromRoot.resolve("graphql-yoga")).href);
      // yoga-lean: Yoga as src/http/app.ts sets it up (no body-size stream, no multipart), without the gateway's plugins.
      const lean = layer === "yoga-lean" ? { maxRequestBodySize: false, multipart: false } : {};
      handler = createYoga({ schema, graphiql: false, landingPage: false, logging: false, ...lean });
    } else throw new Error(`unknown layer ${layer}`);
  }
  http.createServer(handler).listen(Number(port), "127.0.0.1", () => console.log("listening"));
} else {
  const { values: o } = parseArgs({
    options: {
      root: { type: "string", default: join(here, "../..") },
      pairs: { type: "string", default: "/tmp/bench-compare/pairs.json" },
      rounds: { type: "string", default: "5" },
      duration: { type: "string", default: "4" },
      layers: { type: "string", default: "http graphql-js yoga yoga-lean gateway postgraphile" },
      db: { type: "string", default: "postgresql://bench_compare@127.0.0.1:5432/gw_ordering_bench" },
    },
  });
  const pair = JSON.parse(readFileSync(o.pairs, "utf8")).find((p) => p.name.startsWith("t ") && p.name.endsWith("gateway vs postgraphile"));
  const node = join(o.root, "node_modules/.bin/node");
  const env = Object.fromEntries(readFileSync(join(here, "gateway.env"), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const servers = [];
  const start = (layer, port) => {
    let child;
    if (layer.startsWith("gateway")) {
      // gateway+NAME=VALUE+...: the bench's gateway with more settings (one lever at a time).
      // gateway@<checkout>: another checkout's build (its dist/ and node_modules), for a lever's before and after.
      const [name, ...settings] = layer.split("+");
      const extra = Object.fromEntries(settings.map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
      const root = name.includes("@") ? name.slice(name.indexOf("@") + 1) : o.root;
      child = spawn("taskset", ["-c", "0", join(root, "node_modules/.bin/node"), "dist/main/server.js"], { cwd: root, env: { ...process.env, ...env, ...extra, DATABASE_URL: o.db, PORT: String(port) }, stdio: "ignore" });
    } else if (layer === "postgraphile") {
      child = spawn("taskset", ["-c", "0", join(here, "node_modules/.bin/node"), "node_modules/postgraphile/dist/cli-run.js", "-C", "graphile.config.mjs"], {
        cwd: here, env: { ...process.env, DATABASE_URL: o.db, PG_SCHEMA: "public", PORT: String(port), PG_IGNORE_INDEXES: "1", PG_FILTER: "1" }, stdio: "ignore" });
    } else {
      child = spawn("taskset", ["-c", "0", node, fileURLToPath(import.meta.url), "serve", layer, String(port), o.root], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit"] });
    }
    servers.push(child);
    return { layer, port, pid: child.pid, headers: layer.startsWith("gateway") ? pair.a.headers : {} };
  };
  const cpuOf = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10; }; // ms (USER_HZ 100)
  const stop = () => servers.forEach((s) => s.kill("SIGINT"));
  process.on("exit", stop);
  try {
    const sides = o.layers.split(" ").map((layer, i) => start(layer, 4600 + i));
    for (const side of sides) {
      for (let i = 0; ; i++) {
        const res = await fetch(`http://127.0.0.1:${side.port}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...side.headers }, body: JSON.stringify({ query: "{ __typename }" }) }).catch(() => null);
        if (res?.status === 200) { const text = await res.text(); if (text !== ANSWER) throw new Error(`${side.layer} answered ${text}`); break; }
        if (i > 300) throw new Error(`${side.layer} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const results = new Map(sides.map((s) => [s.layer, []]));
    const load = (side, duration) => autocannon({ url: `http://127.0.0.1:${side.port}/graphql`, method: "POST", connections: 32, duration,
      headers: { "content-type": "application/json", ...side.headers }, body: JSON.stringify({ query: "{ __typename }" }) });
    for (const side of sides) await load(side, 2); // warm-up
    for (let round = 0; round < Number(o.rounds); round++) {
      for (const side of sides) {
        const cpu0 = cpuOf(side.pid);
        const r = await load(side, Number(o.duration));
        const cpu = cpuOf(side.pid) - cpu0;
        if (r.non2xx || r.errors) throw new Error(`${side.layer}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        results.get(side.layer).push({ rps: r.requests.average, cpuUs: (1000 * cpu) / r.requests.total });
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
    const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
    // The machine's neighbours slow whole rounds (the same server: 1 300 to 3 700 req/s): the least CPU per
    // request of the rounds is the least disturbed figure.
    console.log(`| layer | req/s (median of ${o.rounds}) | CPU µs per request: least / median | rounds req/s |`);
    console.log("| --- | --- | --- | --- |");
    for (const [layer, rs] of results) {
      const cpu = rs.map((r) => r.cpuUs);
      console.log(`| ${layer} | ${median(rs.map((r) => r.rps)).toFixed(0)} | ${Math.min(...cpu).toFixed(0)} / ${median(cpu).toFixed(0)} | ${rs.map((r) => r.rps.toFixed(0)).join(", ")} |`);
    }
  } finally {
    stop();
  }
}
