#!/usr/bin/env node
// Writes the pair file for the agency gateway (the project) against PostGraphile 5 and the raw-SQL
// limit server (limit-server.mjs), all on the same generated database.
//   GW_TOKEN=agw_... EXPENSE_ID=49779 DEAL_ID=198 ORG_ID=1 node gateway-pairs.mjs > pairs.json   (run.sh does this)
// LEVER=1 (run.sh's BASE): only "this checkout vs base" pairs, every gateway query on GW_URL against GW2_URL.
// Env (defaults): GW_URL (http://127.0.0.1:4400/graphql), GW2_URL (http://127.0.0.1:4401/graphql, a second
// gateway for the self-pair), PG_URL (http://127.0.0.1:5778/graphql), PGAGG_URL (http://127.0.0.1:5779/graphql,
// PostGraphile + @graphile/pg-aggregates), LIMIT_URL (http://127.0.0.1:5800), FROM/TO (2025-01-01/2025-12-31).
// PostGraphile has no tenancy, so its queries carry condition { organizationId, deletedAt: null }: the
// rows the gateway's tenant scope selects. Its money is a bigint column (string), the gateway's a Money object.
// The write pair (w, when WRITE_DEAL_ID, SERVICE_TYPE_ID and PERSON_ID are set): createExpense on each side,
// one new expense per request, in a USD deal of the organization. The gateway's carries an idempotency key
// unique per request (run-pair.mjs replaces __FRESH__ in a body, and "__FRESH_N__" by a number: PostGraphile's row
// needs a position of its own in the deal, which the gateway finds itself) and does its whole write: checks, deal lock,
// position, event, key; PostGraphile's inserts the row with the money columns the gateway would compute (USD at
// rate 1 in a USD organization: every amount the same). What a user of PostGraphile would write without the rules.
const e = process.env;
const GW = e.GW_URL || "http://127.0.0.1:4400/graphql";
const GW2 = e.GW2_URL || "http://127.0.0.1:4401/graphql";
const PG = e.PG_URL || "http://127.0.0.1:5778/graphql";
const PGAGG = e.PGAGG_URL || "http://127.0.0.1:5779/graphql";
const LIMIT = e.LIMIT_URL || "http://127.0.0.1:5800";
const TOKEN = e.GW_TOKEN;
if (!TOKEN || !e.EXPENSE_ID || !e.DEAL_ID) throw new Error("set GW_TOKEN, EXPENSE_ID, DEAL_ID (and ORG_ID)");
const ORG = Number(e.ORG_ID || 1);
const FROM = e.FROM || "2025-01-01";
const TO = e.TO || "2025-12-31";
const gid = (type, id) => Buffer.from(`${type}:${id}`).toString("base64");
const auth = { authorization: `Bearer ${TOKEN}` };

const gw = {
  a: { query: "query($id: ID!) { expense(id: $id) { name date amount { original { cents currency } } deal { name } } }",
       variables: { id: gid("Expense", e.EXPENSE_ID) } },
  b: { query: "query($f: Int) { expenses(first: $f, orderBy: [{ field: DATE, direction: DESC }]) { totalCount nodes { name date amount { original { cents currency } } deal { name company { name } } serviceType { name } creator { name } } } }",
       variables: { f: 200 } },
  n: { query: "query($f: Int) { expenses(first: $f, orderBy: [{ field: DATE, direction: DESC }]) { nodes { name date amount { original { cents currency } } deal { name company { name } } serviceType { name } creator { name } } } }",
       variables: { f: 200 } },
  c: { query: "query($d: ID!) { expenses(first: 30, filter: { dealIds: [$d] }, orderBy: [{ field: PROFIT, direction: DESC }]) { nodes { name profit { default { cents } } } } }",
       variables: { d: gid("Deal", e.DEAL_ID) } },
  d: { query: "query($from: Date!, $to: Date!) { expenses(first: 0, filter: { dateAfter: $from, dateBefore: $to }) { aggregates { totalAmount { default { cents currency } } } } }",
       variables: { from: FROM, to: TO } },
  t: { query: "{ __typename }", variables: {} },
};
const pg = {
  a: { query: "query($id: Int!) { expense(rowId: $id) { name date amount currency organizationDeal { name } } }",
       variables: { id: Number(e.EXPENSE_ID) } },
  b: { query: "query($f: Int, $o: Int!) { expenses(first: $f, condition: { organizationId: $o, deletedAt: null }, orderBy: [DATE_DESC, PRIMARY_KEY_DESC]) { totalCount nodes { name date amount currency organizationDeal { name organizationCompany { name } } organizationServiceType { name } creator { firstName lastName } } } }",
       variables: { f: 200, o: ORG } },
  n: { query: "query($f: Int, $o: Int!) { expenses(first: $f, condition: { organizationId: $o, deletedAt: null }, orderBy: [DATE_DESC, PRIMARY_KEY_DESC]) { nodes { name date amount currency organizationDeal { name organizationCompany { name } } organizationServiceType { name } creator { firstName lastName } } } }",
       variables: { f: 200, o: ORG } },
  c: { query: "query($d: Int!, $o: Int!) { expenses(first: 30, condition: { organizationId: $o, deletedAt: null, dealId: $d }, orderBy: [PROFIT_DEFAULT_DESC, PRIMARY_KEY_DESC]) { nodes { name profitDefault } } }",
       variables: { d: Number(e.DEAL_ID), o: ORG } },
  d: { query: "query($from: Date!, $to: Date!, $o: Int!) { expenses(first: 0, condition: { organizationId: $o, deletedAt: null }, filter: { date: { greaterThanOrEqualTo: $from, lessThanOrEqualTo: $to } }) { aggregates { sum { amountDefault } } } }",
       variables: { from: FROM, to: TO, o: ORG } },
  t: { query: "{ __typename }", variables: {} },
};
const names = {
  a: "a one expense by id",
  b: "b 200 expenses by date desc + totalCount + nested",
  n: "n = b without totalCount",
  c: "c 30 expenses of one deal by profit",
  d: "d sum of amount over one year",
  t: "t { __typename } (auth only)",
};
const WRITE = e.WRITE_DEAL_ID && e.SERVICE_TYPE_ID && e.PERSON_ID;
if (WRITE) {
  gw.w = { query: "mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id name } userErrors { code } } }",
           variables: { input: { idempotencyKey: "pair-__FRESH__", name: "bench pair write", dealId: gid("Deal", e.WRITE_DEAL_ID),
             serviceTypeId: gid("ServiceType", e.SERVICE_TYPE_ID), amount: 1250, currency: "USD", date: "2026-01-15" } } };
  pg.w = { query: "mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { rowId name } } }",
           variables: { input: { expense: { organizationId: ORG, dealId: Number(e.WRITE_DEAL_ID), serviceTypeId: Number(e.SERVICE_TYPE_ID),
             creatorId: Number(e.PERSON_ID), name: "bench pair write", date: "2026-01-15", currency: "USD", exchangeRate: "1",
             exchangeDate: "2026-01-15", amount: "1250", amountDefault: "1250", amountNormalized: "1250", normalizedCurrency: "USD",
             profitNormalized: "-1250", profitDefault: "-1250", position: "__FRESH_N__" } } } };
  names.w = "w createExpense (a write)";
}
const side = (url, q, headers = {}) => ({ url, headers, ...q });
const pairs = [];
if (e.LEVER) {
  // run.sh with BASE=<checkout>: one lever's effect, this checkout (GW_URL) against the other one (GW2_URL).
  for (const k of Object.keys(names)) pairs.push({ name: `${names[k]} | this checkout vs base`, a: side(GW, gw[k], auth), b: side(GW2, gw[k], auth) });
  console.log(JSON.stringify(pairs, null, 2));
  process.exit(0);
}
for (const k of ["a", "b", "n", "c", "d", "t"]) {
  pairs.push({ name: `${names[k]} | gateway vs postgraphile`, a: side(GW, gw[k], auth), b: side(k === "d" ? PGAGG : PG, pg[k]) });
  pairs.push({ name: `${names[k]} | gateway vs limit`, a: side(GW, gw[k], auth), b: side(`${LIMIT}/${k}`, gw[k]) });
}
if (WRITE) pairs.push({ name: `${names.w} | gateway vs postgraphile`, a: side(GW, gw.w, auth), b: side(PG, pg.w) });
pairs.push({ name: `${names.b} | gateway vs gateway (2nd instance)`, a: side(GW, gw.b, auth), b: side(GW2, gw.b, auth) });
pairs.push({ name: `${names.b} | gateway vs gateway (same URL)`, a: side(GW, gw.b, auth), b: side(GW, gw.b, auth) });
pairs.push({ name: `${names.b} | postgraphile vs limit`, a: side(PG, pg.b), b: side(`${LIMIT}/b`, gw.b) });
console.log(JSON.stringify(pairs, null, 2));
