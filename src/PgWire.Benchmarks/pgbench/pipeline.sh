#!/usr/bin/env bash
# libpq's side of issue 5's pipeline comparison: pgbench in pipeline mode running
#   SELECT id, name FROM bench_users LIMIT $1   with 10, 5, 1 repeated, 999 queries per pipeline,
# on one connection, and printing queries per second (pgbench's transactions per second x 999).
#
# Usage: bash src/PgWire.Benchmarks/pgbench/pipeline.sh [seconds] [clients]
# With PGHOST (and PGPORT, PGUSER, PGDATABASE) set, runs against that server; otherwise starts a throwaway local
# cluster (as the postgres OS user when run as root) and removes it afterwards. Needs pgbench, initdb, pg_ctl and psql
# from the PostgreSQL binaries (PG_BIN, default /usr/lib/postgresql/15/bin).
set -euo pipefail
SECONDS_TO_RUN=${1:-10}
CLIENTS=${2:-1}
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d)
chmod 755 "$WORK"

as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -z "${PGHOST:-}" ]; then
  DATA="$WORK/data"
  mkdir -p "$DATA"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$WORK"; fi
  as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
  PORT=$(( 20000 + RANDOM % 20000 ))
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$WORK/log" -w -o "-p $PORT -k $WORK -c listen_addresses=''" start >/dev/null
  trap 'as_owner "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
  export PGHOST="$WORK" PGPORT="$PORT" PGUSER=postgres PGDATABASE=postgres
else
  trap 'rm -rf "$WORK"' EXIT
fi

"$BIN/psql" -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE IF NOT EXISTS bench_users (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO bench_users SELECT g, 'user ' || g FROM generate_series(1, 1000) g ON CONFLICT DO NOTHING;
ANALYZE bench_users;
SQL

SCRIPT="$WORK/pipeline.sql"
{
  echo '\set a 10'
  echo '\set b 5'
  echo '\set c 1'
  echo '\startpipeline'
  for _ in $(seq 333); do
    echo 'SELECT id, name FROM bench_users LIMIT :a;'
    echo 'SELECT id, name FROM bench_users LIMIT :b;'
    echo 'SELECT id, name FROM bench_users LIMIT :c;'
  done
  echo '\endpipeline'
} > "$SCRIPT"
chmod 644 "$SCRIPT"

OUT=$("$BIN/pgbench" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_TO_RUN" -f "$SCRIPT" 2>&1)
TPS=$(echo "$OUT" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
if [ -z "$TPS" ]; then echo "$OUT"; exit 1; fi
echo "$OUT" | grep -E '^(number of clients|duration|number of transactions actually processed|latency average|tps)'
awk -v tps="$TPS" 'BEGIN { printf "libpq pipeline mode: %.0f queries/s (999 queries per pipeline)\n", tps * 999 }'
