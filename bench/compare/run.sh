#!/bin/bash
# This checkout of the gateway (the project root, ../..) side by side with PostGraphile 5 (the anchor) and a
# raw-SQL limit server, on one generated PostgreSQL database, in one run. Servers pinned to CPU 0, load
# generator to CPU 1, PostgreSQL unpinned. Everything it starts is stopped by PID on exit, failure included.
# Adapted from the team's shared harness (gateway-vs-anchors.sh); see README.md.
#
#   bash bench/compare/run.sh          # from the project root; all steps (~70 min); results in $OUT
# The root's node_modules must exist (`npm ci` there first). This folder's own package (PostGraphile,
# autocannon, pg, Node 24 from the npm registry) is installed with `npm ci` when its node_modules is missing.
#
# Env (defaults):
#   DB=perf_gw                            on 127.0.0.1:5432 as postgres (trust); reused when it has >= 100 000
#                                         expenses, else created, migrated and generated (100k expenses, 2 orgs)
#   DB_ROLE=bench_compare                 the role the servers connect as (created, superuser, when missing):
#                                         statement and CPU counts keep to this role's connections, so other
#                                         clients of the same database (another bench) are left out
#   GW_NODE=node_modules/.bin/node        the gateway's runtime: the project's pinned Node 24 (PostGraphile runs on
#                                         this folder's own pinned Node, the same version)
#   ROUNDS=5 DURATION=5 WARMUP=5 GAP=2 CONCURRENCIES="32 1"   run-pair.mjs settings (alternating A/B rounds,
#                                         a pause after each load so that one side's leftover requests finish first)
#   CPU_ROUNDS=3 CPU_DURATION=5 PROFILE_SECONDS=15        cpu-per-request.mjs rounds, length of the profiled load
#   PROFILE_PAIR=b                               the pair the profile step loads (its letter: a, b, n, c, d, t)
#   STEPS="statements pairs rss cpu profile"     which measurements to run; also `soak` (RSS over SOAK_MINUTES=15
#                                         of pair b at c=32, first read after SOAK_WARM=5: soak.txt)
#   ONLY="createExpense"                  only the pairs whose name contains this (pairs step)
#   BASE=<checkout>                       a lever's measurement: the second gateway runs this other checkout of the
#                                         project (built with its own scripts/build.mjs) and the pair file holds
#                                         only "this checkout vs BASE" for every gateway query (a, b, n, c, d, t, w)
#   OUT=/tmp/bench-compare                results: pairs.json (the pair file), statements.txt, pairs-c<N>.{txt,json},
#                                         tables.md, rss.txt, cpu.txt, profile.txt, cli.log (stderr of
#                                         the project's CLI), *.log of each server
#   GW_PORT=4400 GW2_PORT=4401 GW_PROF_PORT=4402   gateway, second instance, profiled
#   PG_PORT=5778 PGAGG_PORT=5779 LIMIT_PORT=5800                     PostGraphile, PostGraphile + pg-aggregates, limit
set -euo pipefail
CALLER=$PWD
cd "$(dirname "$0")"
BENCH=$PWD
GW_DIR=$(cd ../.. && pwd)
NBENCH=$BENCH/node_modules/.bin/node
DB=${DB:-perf_gw}
DB_ROLE=${DB_ROLE:-bench_compare}
DBURL=postgresql://postgres@127.0.0.1:5432/$DB        # the project's CLI
SRVURL=postgresql://$DB_ROLE@127.0.0.1:5432/$DB       # every server
OUT=${OUT:-/tmp/bench-compare}
ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-5}; WARMUP=${WARMUP:-5}; GAP=${GAP:-2}
CONCURRENCIES=${CONCURRENCIES:-"32 1"}
CPU_ROUNDS=${CPU_ROUNDS:-3}; CPU_DURATION=${CPU_DURATION:-5}; PROFILE_SECONDS=${PROFILE_SECONDS:-15}; PROFILE_PAIR=${PROFILE_PAIR:-b}
STEPS=${STEPS:-"statements pairs rss cpu profile"}
GW_NODE=${GW_NODE:-$GW_DIR/node_modules/.bin/node}
GW_PORT=${GW_PORT:-4400}; GW2_PORT=${GW2_PORT:-4401}; GW_PROF_PORT=${GW_PROF_PORT:-4402}
PG_PORT=${PG_PORT:-5778}; PGAGG_PORT=${PGAGG_PORT:-5779}; LIMIT_PORT=${LIMIT_PORT:-5800}
export PGHOST=127.0.0.1 PGUSER=postgres
case $OUT in /*) ;; *) OUT=$CALLER/$OUT ;; esac   # absolute: node requires $PAIRS by path
PAIRS=$OUT/pairs.json
mkdir -p "$OUT"
has() { [[ " $STEPS " == *" $1 "* ]]; }
q() { psql -d "$DB" -Atc "$1"; }

# ---- install (once) --------------------------------------------------------------------------
if [ ! -d "$GW_DIR/node_modules" ]; then
  echo "no node_modules in $GW_DIR: install the project first (cd $GW_DIR && npm ci), then run this again" >&2; exit 1
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
[ -x "$NBENCH" ] || { echo "$NBENCH is missing: remove $BENCH/node_modules and run again (npm ci installs it)" >&2; exit 1; }
gwcli() { # stderr to $OUT/cli.log; on failure say why (on stderr: callers capture stdout)
  (cd "$GW_DIR" && DATABASE_URL=$DBURL npm run -s cli -- "$@" 2>>"$OUT/cli.log") ||
    { echo "the project's CLI failed: npm run cli -- $*  (last lines of $OUT/cli.log:)" >&2; tail -5 "$OUT/cli.log" >&2; return 1; }; }

# ---- database --------------------------------------------------------------------------------
if [ "$(psql -d postgres -Atc "select count(*) from pg_database where datname = '$DB'")" = 0 ]; then
  createdb "$DB"
fi
gwcli migrate
if [ "$(q "select count(*) from expenses")" -lt 100000 ]; then
  # A database that another process is generating right now is left alone (not generated twice).
  rows() { q "select (select count(*) from organizations) + (select count(*) from people) + (select count(*) from deals) + (select count(*) from expenses)"; }
  n=$(rows); sleep 10
  if [ "$(rows)" != "$n" ]; then
    echo "$DB is being filled by another process ($(q "select count(*) from expenses") expenses so far): run again when it has 100000, or set DB" >&2; exit 1
  fi
  gwcli generate --scale 100000 --organizations 2
  q "vacuum analyze" >/dev/null
fi
ORG=$(q "select min(id) from organizations where name like 'Scale org 1 %'")
EMAIL=$(q "select p.email from memberships m join people p on p.id = m.person_id where m.organization_id = $ORG order by p.id limit 1")
EXPENSE_ID=$(q "select max(id) from expenses where organization_id = $ORG and deleted_at is null")
DEAL_ID=$(q "select deal_id from expenses where organization_id = $ORG group by deal_id order by count(*) desc, deal_id limit 1")
# The write pair: a USD deal (the organization's currency is USD), a service type and a member of the organization.
WRITE_DEAL_ID=$(q "select min(id) from deals where organization_id = $ORG and currency = 'USD' and deleted_at is null")
SERVICE_TYPE_ID=$(q "select min(id) from service_types where organization_id = $ORG and deleted_at is null")
PERSON_ID=$(q "select min(person_id) from memberships where organization_id = $ORG")
TOKEN=$(gwcli token --email "$EMAIL" --name bench | tail -1)
echo "org $ORG, member $EMAIL, expense $EXPENSE_ID, deal $DEAL_ID ($(q "select count(*) from expenses where deal_id = $DEAL_ID") expenses)"
# The servers' own role; it never logs statements except during the statements step, whatever the database says.
if [ "$(psql -d postgres -Atc "select count(*) from pg_roles where rolname = '$DB_ROLE'")" = 0 ]; then
  psql -d postgres -qc "CREATE ROLE \"$DB_ROLE\" LOGIN SUPERUSER"
fi
[ "$DB_ROLE" = postgres ] || psql -d postgres -qc "ALTER ROLE \"$DB_ROLE\" SET log_statement = 'none'"

# ---- servers ---------------------------------------------------------------------------------
PIDS=()
cleanup() {
  local p i
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for i in $(seq 150); do   # the gateway finishes in-flight requests first; at most 15 s, then KILL
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && break; p=; done
    [ -z "${p:-}" ] && break; sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -d postgres -Atc "ALTER ROLE \"$DB_ROLE\" IN DATABASE \"$DB\" RESET log_statement" >/dev/null 2>&1 || true
  # The write pair's rows (content check, statements, load) go again, with their events and keys: the data
  # set stays the generated one. No long transaction: one open for minutes holds back every change-log
  # reader of the cluster (a CI run that followed a bench timed out on it). The events in one statement,
  # analyzed first and with a hash join (on a fresh database's stale statistics it ran as a nested loop for
  # minutes); the expenses one by one, each its own transaction, lowest position of its deal first: deleting
  # a deal's highest position makes its trigger look for the next one, past every row this same
  # transaction deleted, and 34 000 rows in one DELETE ran for minutes that way.
  q "analyze change_events; analyze expenses; set enable_nestloop = off;
     delete from change_events where subject_id in (select encode(convert_to('Expense:' || id, 'UTF8'), 'base64') from expenses where name = 'bench pair write');
     delete from idempotency_keys where key like 'pair-%' or key like 'check-%' or key like 'statements-%'" >/dev/null 2>&1 || true
  echo "select format('delete from expenses where id = %s', id) from expenses where name = 'bench pair write' order by deal_id, position \\gexec" \
    | psql -d "$DB" -Atq >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM
# The gateway runs compiled (dist/, what `npm start` runs); built here once, not by each start.
(cd "$GW_DIR" && "$GW_NODE" scripts/build.mjs --if-stale)
if [ -n "${BASE:-}" ]; then
  BASE=$(cd "$CALLER" && cd "$BASE" && pwd)
  [ -f "$BASE/scripts/build.mjs" ] || { echo "BASE=$BASE is not a checkout of the project with scripts/build.mjs" >&2; exit 1; }
  (cd "$BASE" && "$GW_NODE" scripts/build.mjs --if-stale)
fi
# Each start line execs down to node, so $! is the server's own PID.
start_gw() { # port node [node options...]; the checkout in $dir (default this one)
  local port=$1 node=$2 from=${dir:-$GW_DIR}; shift 2
  # The settings of gateway.env (no rate limiter, no in-process webhook delivery: why is written there;
  # test/bench-gateway.test.ts starts a server with the same file).
  (cd "$from" && exec env $(grep -v '^#' "$BENCH/gateway.env" | xargs) DATABASE_URL=$SRVURL PORT=$port \
    taskset -c 0 "$node" "$@" dist/main/server.js) >"$OUT/gw-$port.log" 2>&1 &
  PIDS+=($!); eval "GW_PID_$port=$!"
}
start_pg() { # port config [env...]
  local port=$1 config=$2; shift 2
  (exec env DATABASE_URL=$SRVURL PG_SCHEMA=public PORT=$port PG_IGNORE_INDEXES=1 PG_FILTER=1 "$@" \
    taskset -c 0 "$NBENCH" node_modules/postgraphile/dist/cli-run.js -C "$config") >"$OUT/pg-$port.log" 2>&1 &
  PIDS+=($!)
}
wait_port() { # until it answers, and not with 503 (the gateway's "starting"); fails at once when a server exited
  local i=0 code p; while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$1${2:-/graphql}" || true)
    [ "$code" != 000 ] && [ "$code" != 503 ] && return 0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { echo "a server exited (port taken?), see $OUT/*.log" >&2; exit 1; }; done
    i=$((i + 1)); [ $i -lt 300 ] || { echo "server on :$1 did not start (see $OUT)"; exit 1; }; sleep 0.2; done; }
for p in $GW_PORT $GW2_PORT $GW_PROF_PORT $PG_PORT $PGAGG_PORT $LIMIT_PORT; do  # a server left over would be measured instead
  if (: <>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "port $p is already in use: stop what listens there first, or set the *_PORT variables"; exit 1; fi; done
start_gw "$GW_PORT" "$GW_NODE"
dir=${BASE:-} start_gw "$GW2_PORT" "$GW_NODE"
start_pg "$PG_PORT" graphile.config.mjs PG_EXPORT_SDL="$OUT/postgraphile.graphql"; PG_PID=$!
start_pg "$PGAGG_PORT" graphile-agg.config.mjs; PGAGG_PID=$!
DATABASE_URL=$SRVURL PORT=$LIMIT_PORT ORG=$ORG taskset -c 0 "$NBENCH" limit-server.mjs >"$OUT/limit-$LIMIT_PORT.log" 2>&1 & PIDS+=($!); LIMIT_PID=$!
for p in $GW_PORT $GW2_PORT $PG_PORT $PGAGG_PORT; do wait_port "$p"; done; wait_port "$LIMIT_PORT" /t
for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { echo "a server exited (port taken?), see $OUT/*.log"; exit 1; }; done
GW_PID=$(eval echo "\$GW_PID_$GW_PORT"); GW2_PID=$(eval echo "\$GW_PID_$GW2_PORT")
echo "pids: gateway $GW_PID (2nd $GW2_PID), postgraphile $PG_PID, postgraphile+aggregates $PGAGG_PID, limit $LIMIT_PID"
echo "gateway: $GW_DIR ($(git -C "$GW_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')), runtime $("$GW_NODE" -v); anchor runtime $("$NBENCH" -v)"

GW_URL=http://127.0.0.1:$GW_PORT/graphql GW2_URL=http://127.0.0.1:$GW2_PORT/graphql PG_URL=http://127.0.0.1:$PG_PORT/graphql \
  PGAGG_URL=http://127.0.0.1:$PGAGG_PORT/graphql LIMIT_URL=http://127.0.0.1:$LIMIT_PORT \
  GW_TOKEN=$TOKEN EXPENSE_ID=$EXPENSE_ID DEAL_ID=$DEAL_ID ORG_ID=$ORG \
  WRITE_DEAL_ID=$WRITE_DEAL_ID SERVICE_TYPE_ID=$SERVICE_TYPE_ID PERSON_ID=$PERSON_ID LEVER=${BASE:+1} node gateway-pairs.mjs > "$PAIRS"
node content-check.mjs "$PAIRS"

# ---- SQL statements per request (log_statement = all for the servers' role, briefly) -----------
no_backends() { local i=0; until [ "$(psql -d postgres -Atc "select count(*) from pg_stat_activity where datname = '$DB' and usename = '$DB_ROLE'")" = 0 ]; do
  i=$((i + 1)); [ $i -lt 60 ] || { echo "pools did not go idle"; return 1; }; sleep 1; done; }
if has statements; then
  PG_LOG=${PG_LOG:-$(ls -t /var/log/postgresql/*.log | head -1)}   # log_line_prefix must contain %u@%d (Debian's does)
  psql -d postgres -Atc "ALTER ROLE \"$DB_ROLE\" IN DATABASE \"$DB\" SET log_statement = 'all'" >/dev/null
  no_backends  # pools drop idle connections after 10 s; new ones get the setting
  node -e '
    const pairs = require(process.argv[2]); const seen = new Set(); const sides = [];
    for (const p of pairs) for (const s of [p.a, p.b]) { const k = s.url + s.query; if (!seen.has(k)) { seen.add(k); sides.push({ name: p.name.split(" | ")[0], ...s }); } }
    require("fs").writeFileSync(process.argv[1], JSON.stringify(sides));' "$OUT/sides.json" "$PAIRS"
  node -e '
    const fs = require("fs");
    const [sidesFile, log, who, limitPort, pgPorts, gw2Port] = process.argv.slice(1); const sides = JSON.parse(fs.readFileSync(sidesFile, "utf8"));
    let fresh = 0;  // a write side (__FRESH__ in its body) gets a new idempotency key per request: a write, not a replay
    const send = (s) => fetch(s.url, { method: "POST", headers: { "content-type": "application/json", ...s.headers }, body: JSON.stringify({ query: s.query, variables: s.variables }).replaceAll("__FRESH__", `statements-${process.pid}-${++fresh}`).replaceAll("\"__FRESH_N__\"", String(950_000_000 + fresh)) }).then((r) => r.text());
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      for (const s of sides) await send(s);            // connect the pools first: connection set-up is not counted
      await sleep(500);
      for (const s of sides) {
        const before = fs.statSync(log).size;
        for (let i = 0; i < 3; i++) await send(s);
        await sleep(700);
        const fd = fs.openSync(log, "r"); const buf = Buffer.alloc(fs.statSync(log).size - before); fs.readSync(fd, buf, 0, buf.length, before); fs.closeSync(fd);
        const lines = buf.toString().split("\n").filter((l) => l.includes(" " + who + " ") && /LOG:  (statement|execute)/.test(l));
        const port = new URL(s.url).port;
        const server = port === limitPort ? "limit" : pgPorts.split(",").includes(port) ? "postgraphile" : port === gw2Port ? "gateway (2nd)" : "gateway";
        console.log(`${(lines.length / 3).toFixed(1).padStart(5)} statements/request  ${server.padEnd(13)}  ${s.name}`);
      }
    })();' "$OUT/sides.json" "$PG_LOG" "$DB_ROLE@$DB" "$LIMIT_PORT" "$PG_PORT,$PGAGG_PORT" "$GW2_PORT" | tee "$OUT/statements.txt"
  psql -d postgres -Atc "ALTER ROLE \"$DB_ROLE\" IN DATABASE \"$DB\" RESET log_statement" >/dev/null
  no_backends
fi

# ---- side-by-side throughput -----------------------------------------------------------------
if has pairs; then
  for c in $CONCURRENCIES; do
    echo; echo "######## c = $c"; rm -f "$OUT/pairs-c$c.json"
    taskset -c 1 node run-pair.mjs "$PAIRS" --rounds "$ROUNDS" --duration "$DURATION" --warmup "$WARMUP" \
      --gap "$GAP" --connections "$c" --vacuum "$DBURL" --out "$OUT/pairs-c$c.json" ${ONLY:+--only "$ONLY"} | tee "$OUT/pairs-c$c.txt" || echo "(run-pair reported a problem, see above)"
  done
  node -e '
    const fs = require("fs"); const [out, ...cs] = process.argv.slice(1); const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : "n/a"); let md = "";
    for (const c of cs) {
      const file = `${out}/pairs-c${c}.json`; if (!fs.existsSync(file)) continue;
      md += `\nc=${c}\n| query | sides | A req/s | A p50/p99 ms | B req/s | B p50/p99 ms | A/B median (per-round range) |\n|---|---|---|---|---|---|---|\n`;
      for (const p of JSON.parse(fs.readFileSync(file, "utf8"))) {
        const rs = p.rounds.map((r) => r.ratio).filter(Number.isFinite);   // null: a round without answers
        md += `| ${p.name} | ${Math.round(p.a.rps)} | ${p.a.p50}/${p.a.p99} | ${Math.round(p.b.rps)} | ${p.b.p50}/${p.b.p99} | **${f(p.ratio)}** (${f(Math.min(...rs))}–${f(Math.max(...rs))}) |\n`;
      }
    }
    fs.writeFileSync(`${out}/tables.md`, md.trimStart());' "$OUT" $CONCURRENCIES
fi

# ---- memory after the load -------------------------------------------------------------------
rss() { awk -v who="$2" '/^VmRSS|^VmHWM/ { printf "%s %s %d MiB  ", who, $1, $2 / 1024 } END { print "" }' "/proc/$1/status"; }
if has rss; then
  { rss "$GW_PID" "gateway:$GW_PORT"; rss "$GW2_PID" "gateway:$GW2_PORT"; rss "$PG_PID" "postgraphile:$PG_PORT";
    rss "$PGAGG_PID" "postgraphile+agg:$PGAGG_PORT"; rss "$LIMIT_PID" "limit:$LIMIT_PORT"; } | tee "$OUT/rss.txt"
fi

# ---- memory under a long load: pair b at c = 32 for SOAK_MINUTES (not in the default STEPS) ----
if has soak; then
  name=$(node -e 'console.log(require(process.argv[1]).find((p) => p.name.startsWith("b 200")).name)' "$PAIRS")
  taskset -c 1 node soak.mjs "$PAIRS" --only "$name" --pid "$GW_PID" --minutes "${SOAK_MINUTES:-15}" --warm "${SOAK_WARM:-5}" | tee "$OUT/soak.txt"
fi

# ---- CPU time per request: server process + PostgreSQL backends -------------------------------
if has cpu; then
  for k in "a one expense" "b 200 expenses" "n = b without" "c 30 expenses" "d sum of amount" "t { __typename }"; do
    for vs in postgraphile limit; do
      name=$(node -e 'const [k, vs] = process.argv.slice(1); console.log(require(process.argv[3]).find((p) => p.name.startsWith(k) && p.name.endsWith("gateway vs " + vs)).name)' "$k" "$vs" "$PAIRS")
      pidb=$LIMIT_PID; [ "$vs" = postgraphile ] && { pidb=$PG_PID; [[ "$k" == d* ]] && pidb=$PGAGG_PID; }
      taskset -c 1 node cpu-per-request.mjs "$PAIRS" --only "$name" --pid-a "$GW_PID" --pid-b "$pidb" --db "$DB" --user "$DB_ROLE" \
        --rounds "$CPU_ROUNDS" --duration "$CPU_DURATION" --connections 32
    done
  done | tee "$OUT/cpu.txt"
fi

# ---- where the gateway's time goes: --cpu-prof under pair PROFILE_PAIR (b), c = 32 --------------------------
if has profile; then
  rm -rf "$OUT/prof"; t0=$(date +%s.%N)
  start_gw "$GW_PROF_PORT" "$GW_NODE" --cpu-prof --cpu-prof-dir="$OUT/prof"; PROF_PID=$!
  wait_port "$GW_PROF_PORT"
  taskset -c 1 node -e '
    const autocannon = require("autocannon"); const p = require(process.argv[2]).find((p) => p.name.startsWith(process.argv[4] + " ") && p.name.endsWith("gateway vs postgraphile"));
    const opts = { url: process.argv[3], method: "POST", headers: { "content-type": "application/json", ...p.a.headers }, body: JSON.stringify({ query: p.a.query, variables: p.a.variables }), connections: 32 };
    (async () => { await autocannon({ ...opts, duration: 5 }); const r = await autocannon({ ...opts, duration: Number(process.argv[1]) }); console.log(`profiled load: ${r.requests.average} req/s, p50 ${r.latency.p50} ms`); })();' \
    "$PROFILE_SECONDS" "$PAIRS" "http://127.0.0.1:$GW_PROF_PORT/graphql" "$PROFILE_PAIR"
  skip=$(echo "$(date +%s.%N) - $t0 - $PROFILE_SECONDS" | bc)   # keep only the measured load
  kill -INT "$PROF_PID"; while kill -0 "$PROF_PID" 2>/dev/null; do sleep 0.2; done
  live=(); for p in "${PIDS[@]}"; do [ "$p" = "$PROF_PID" ] || live+=("$p"); done; PIDS=("${live[@]}")
  node cpuprofile-top.mjs "$(ls -t "$OUT"/prof/*.cpuprofile | head -1)" --top 10 --skip "$skip" | tee "$OUT/profile.txt"
fi

echo "results in $OUT"
