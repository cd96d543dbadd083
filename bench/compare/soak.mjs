#!/usr/bin/env node
// Memory under a long load: one side of one pair at --connections for --minutes, in slices of
// --slice seconds, the server's RSS read from /proc after each slice. Flat means: after the warm
// phase (--warm minutes, the first figure reported) RSS grows by no more than a few percent until the
// end (the second figure). run.sh runs it as the `soak` step on pair b, c = 32.
// Usage: node soak.mjs pairs.json --only <pair name words> --pid <server pid> [--minutes 15] [--warm 5]
//                      [--slice 30] [--connections 32] [--side a]
import autocannon from "autocannon";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: "string" },
    pid: { type: "string" },
    minutes: { type: "string", default: "15" },
    warm: { type: "string", default: "5" },
    slice: { type: "string", default: "30" },
    connections: { type: "string", default: "32" },
    side: { type: "string", default: "a" },
  },
});
const pair = JSON.parse(readFileSync(positionals[0], "utf8")).find((p) => p.name.includes(o.only));
if (!pair || !o.pid) throw new Error("usage: node soak.mjs pairs.json --only <pair> --pid <server pid> [...]");
const s = pair[o.side];
const rssMiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${o.pid}/status`, "utf8"))[1]) / 1024;
const slices = Math.round((Number(o.minutes) * 60) / Number(o.slice));
const warmSlices = Math.round((Number(o.warm) * 60) / Number(o.slice));
console.log(`soak: ${pair.name} (side ${o.side}), c=${o.connections}, ${o.minutes} min in ${o.slice} s slices; RSS of pid ${o.pid} at start ${rssMiB().toFixed(1)} MiB`);
const samples = [];
for (let i = 1; i <= slices; i++) {
  const r = await autocannon({
    url: s.url, method: "POST", connections: Number(o.connections), duration: Number(o.slice),
    headers: { "content-type": "application/json", ...s.headers }, body: JSON.stringify({ query: s.query, variables: s.variables }),
  });
  const rss = rssMiB();
  samples.push(rss);
  console.log(`  ${((i * Number(o.slice)) / 60).toFixed(1).padStart(5)} min  ${r.requests.average.toFixed(0).padStart(6)} req/s  non-2xx ${r.non2xx}  RSS ${rss.toFixed(1)} MiB`);
}
const atWarm = samples[warmSlices - 1];
const atEnd = samples.at(-1);
const peakAfterWarm = Math.max(...samples.slice(warmSlices - 1));
console.log(`RSS after ${o.warm} min: ${atWarm.toFixed(1)} MiB; after ${o.minutes} min: ${atEnd.toFixed(1)} MiB (${(((atEnd - atWarm) / atWarm) * 100).toFixed(1)} %); highest in between ${peakAfterWarm.toFixed(1)} MiB`);
