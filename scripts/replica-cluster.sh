#!/usr/bin/env bash
# A throw-away PostgreSQL primary and streaming standby of our own, for the read-replica test (issue 12).
#
# Usage:
#   bash scripts/replica-cluster.sh                 # builds the pair, runs test/replicas.test.ts, tears down
#   bash scripts/replica-cluster.sh <command...>    # runs <command> instead, with the variables below set
#   bash scripts/replica-cluster.sh bash            # a shell with the pair up (exit to tear it down)
#
# It uses Debian's PostgreSQL binaries (PG_BIN, default /usr/lib/postgresql/15/bin): `initdb` makes a
# primary in a temp folder (wal_level=replica, replication allowed from 127.0.0.1 without a password,
# listening on 127.0.0.1 only, on a free port, its socket in the temp folder), `pg_basebackup -R -X
# stream` copies it into a standby that streams from it, on another free port. Both run as the
# `postgres` user when the script runs as root (initdb refuses root), as the calling user otherwise.
# The machine's own cluster (5432, /etc/postgresql, /var/run/postgresql) is never touched. Whatever
# happens (failure, Ctrl-C), both servers are stopped and the temp folder is removed.
#
# The command runs with:
#   REPLICA_PRIMARY_URL   postgresql://postgres@127.0.0.1:<port>/gateway (the primary, an empty database)
#   REPLICA_STANDBY_URL   the same database on the standby (read-only: it is in recovery)
#   REPLICA_STANDBY_DATA  the standby's data folder, REPLICA_STANDBY_LOG its log, REPLICA_PG_BIN the
#                         binaries, REPLICA_PG_USER the user they run as (the test stops and restarts it)
#   REPLICA_PIDS_FILE     where the test writes the process ids of the gateways it starts: they are
#                         killed with the cluster, also when the test could not do it itself
# test/replicas.test.ts is skipped unless REPLICA_PRIMARY_URL is set. It also wants Redis on
# 127.0.0.1:6379 (REDIS_URL to change it). Takes about 15 s, a third of it the two `npm start`s.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
for tool in initdb pg_ctl pg_basebackup pg_isready psql; do
  if [ ! -x "$PG_BIN/$tool" ]; then
    echo "replica-cluster: $PG_BIN/$tool is missing (Debian: apt-get install postgresql-15; or set PG_BIN)" >&2
    exit 1
  fi
done

if [ "$(id -u)" = 0 ]; then
  PG_USER=postgres
  # From the temp folder: the postgres user may not be allowed into the checkout.
  as_pg() { (cd "$WORK" && runuser -u postgres -- "$@"); }
else
  PG_USER="$(id -un)"
  as_pg() { "$@"; }
fi

# Two ports nothing listens on (the kernel picks them; another process could take one meanwhile,
# in which case pg_ctl fails to start and the script stops).
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
PRIMARY_PORT="$(free_port)"
STANDBY_PORT="$(free_port)"
while [ "$STANDBY_PORT" = "$PRIMARY_PORT" ]; do STANDBY_PORT="$(free_port)"; done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gateway-replicas.XXXXXX")"
PRIMARY="$WORK/primary"
STANDBY="$WORK/standby"
chmod 700 "$WORK"
if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; fi
# The test writes the process ids of the gateways it starts here: killed at the end in any case.
PIDS="$WORK/gateway.pids"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -f "$PIDS" ]; then
    # Each gateway is the leader of its own process group (npm and the node it runs).
    while read -r pid; do
      [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null || true
    done <"$PIDS"
  fi
  for data in "$STANDBY" "$PRIMARY"; do
    if [ -f "$data/postmaster.pid" ]; then
      as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
    fi
  done
  if [ "$status" != 0 ]; then
    for log in "$WORK/primary.log" "$WORK/standby.log"; do
      [ -f "$log" ] && { echo "---- $log (last lines)" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "replica-cluster: primary on 127.0.0.1:$PRIMARY_PORT, standby on 127.0.0.1:$STANDBY_PORT, in $WORK"

# ---- The primary
as_pg "$PG_BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
cat >>"$PRIMARY/postgresql.conf" <<EOF

# scripts/replica-cluster.sh
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 5
max_connections = 100
fsync = off
full_page_writes = off
EOF
cat >>"$PRIMARY/pg_hba.conf" <<EOF

# scripts/replica-cluster.sh: the standby streams from 127.0.0.1 without a password
host replication postgres 127.0.0.1/32 trust
EOF
as_pg "$PG_BIN/pg_ctl" -D "$PRIMARY" -l "$WORK/primary.log" -w -t 30 start >/dev/null

# ---- The standby: a base backup that streams from the primary (-R writes standby.signal and
# primary_conninfo), on its own port.
as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$STANDBY" -R -X stream -c fast --no-sync
cat >>"$STANDBY/postgresql.conf" <<EOF

# scripts/replica-cluster.sh: the standby
port = $STANDBY_PORT
hot_standby = on
EOF
as_pg "$PG_BIN/pg_ctl" -D "$STANDBY" -l "$WORK/standby.log" -w -t 30 start >/dev/null

sql() { "$PG_BIN/psql" -X -A -t -q -h 127.0.0.1 -p "$1" -U postgres -d "${3:-postgres}" -c "$2"; }
for port in "$PRIMARY_PORT" "$STANDBY_PORT"; do
  for _ in $(seq 1 60); do "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres && break; sleep 0.5; done
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres
done
sql "$PRIMARY_PORT" 'CREATE DATABASE gateway'
# Ready when the standby is in recovery, streams, and has replayed the new database.
ready=""
for _ in $(seq 1 60); do
  if [ "$(sql "$STANDBY_PORT" 'SELECT pg_is_in_recovery()')" = t ] &&
    [ "$(sql "$PRIMARY_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] &&
    [ "$(sql "$STANDBY_PORT" "SELECT count(*) FROM pg_database WHERE datname = 'gateway'")" = 1 ]; then
    ready=yes
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "replica-cluster: the standby did not start streaming" >&2
  exit 1
fi
echo "replica-cluster: the standby streams from the primary"

export REPLICA_PRIMARY_URL="postgresql://postgres@127.0.0.1:$PRIMARY_PORT/gateway"
export REPLICA_STANDBY_URL="postgresql://postgres@127.0.0.1:$STANDBY_PORT/gateway"
export REPLICA_STANDBY_DATA="$STANDBY"
export REPLICA_STANDBY_LOG="$WORK/standby.log"
export REPLICA_PG_BIN="$PG_BIN"
export REPLICA_PG_USER="$PG_USER"
export REPLICA_PIDS_FILE="$PIDS"

if [ "$#" -gt 0 ]; then
  "$@"
else
  npx vitest run test/replicas.test.ts
fi
