#!/usr/bin/env node
// Stronger than run-pair's item count: for every pair of the pair file (gateway-pairs.mjs), asks
// both sides once and compares the answers field by field after mapping both to one shape
// (PostGraphile's bigint strings and firstName/lastName vs the gateway's Money objects and name).
// Usage: node content-check.mjs pairs.json   (exit 1 when any pair differs)
import { readFileSync } from "node:fs";
const pairs = JSON.parse(readFileSync(process.argv[2] || "pairs.json", "utf8"));
let fresh = 0;
const post = async (s) => {
  const body = JSON.stringify({ query: s.query, variables: s.variables ?? {} })
    .replaceAll("__FRESH__", `check-${process.pid}-${Date.now()}-${++fresh}`)
    .replaceAll('"__FRESH_N__"', String(900_000_000 + Math.floor(Math.random() * 100_000_000)));
  const r = await fetch(s.url, { method: "POST", headers: { "content-type": "application/json", ...s.headers }, body });
  const j = await r.json();
  if (j.errors) throw new Error(`${s.url}: ${JSON.stringify(j.errors)}`);
  return j.data;
};
const gw = {
  a: (d) => { const x = d.expense; return [x.name, x.date, String(x.amount.original.cents), x.amount.original.currency, x.deal.name]; },
  b: (d) => [d.expenses.totalCount, d.expenses.nodes.map((n) => [n.name, n.date, String(n.amount.original.cents), n.amount.original.currency,
    n.deal.name, n.deal.company.name, n.serviceType.name, n.creator.name])],
  n: (d) => gw.b({ expenses: { totalCount: null, nodes: d.expenses.nodes } }),
  c: (d) => d.expenses.nodes.map((n) => [n.name, String(n.profit.default.cents)]),
  d: (d) => String(d.expenses.aggregates.totalAmount.default.cents),
  t: (d) => d.__typename,
  w: (d) => [d.createExpense.userErrors.length, d.createExpense.expense.name],
};
const pg = {
  a: (d) => { const x = d.expense; return [x.name, x.date, x.amount, x.currency, x.organizationDeal.name]; },
  b: (d) => [d.expenses.totalCount, d.expenses.nodes.map((n) => [n.name, n.date, n.amount, n.currency,
    n.organizationDeal.name, n.organizationDeal.organizationCompany.name, n.organizationServiceType.name, `${n.creator.firstName} ${n.creator.lastName}`])],
  n: (d) => pg.b({ expenses: { totalCount: null, nodes: d.expenses.nodes } }),
  c: (d) => d.expenses.nodes.map((n) => [n.name, n.profitDefault]),
  d: (d) => d.expenses.aggregates.sum.amountDefault,
  t: (d) => d.__typename,
  w: (d) => [0, d.createExpense.expense.name],
};
const isPostGraphile = (side) => /rowId|condition:/.test(side.query);
let bad = 0;
for (const p of pairs) {
  const k = p.name[0];
  const [A, B] = await Promise.all([post(p.a), post(p.b)]);
  const na = (isPostGraphile(p.a) ? pg : gw)[k](A), nb = (isPostGraphile(p.b) ? pg : gw)[k](B);
  const same = JSON.stringify(na) === JSON.stringify(nb);
  if (!same) bad++;
  console.log(`${same ? "same  " : "DIFFER"}  ${p.name}`);
}
process.exit(bad ? 1 : 0);
