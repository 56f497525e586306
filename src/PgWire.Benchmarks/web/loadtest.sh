#!/usr/bin/env bash
# The PG2-style web benchmark: samples/WebApi built twice (PgWire; Npgsql tuned, -p:Driver=Npgsql), each serving
# GET /items (100 rows x 9 columns to JSON) from a pool of POOL connections, driven by wrk at 1, 16 and 64 concurrent
# connections. Prints requests/s and p50/p99 latency per driver and concurrency, best of ROUNDS rounds with the
# drivers alternating. By hand, like the benchmarks (wrk: apt-get install -y wrk):
#   bash src/PgWire.Benchmarks/web/loadtest.sh [seconds per run, default 10] [rounds, default 2]
# Uses PGWIRE_BENCH_CONNECTION when set; otherwise starts a throwaway PostgreSQL (as the postgres OS user when root).
# PGWIRE_EXTRA adds connection string settings to the PgWire app only (for example PGWIRE_EXTRA="Multiplexing=true"),
# NPGSQL_EXTRA to the Npgsql app only. DELAY_MS puts the server behind a proxy adding that one-way delay in both
# directions (PgWire.Benchmarks --proxy: a database on another host), so that the pool, not the CPU, is the limit.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
seconds=${1:-10}
rounds=${2:-2}
pool=${POOL:-8}
# WEB_PATH=/items/json measures each driver's best way to answer JSON (Npgsql: objects + JsonSerializer; PgWire:
# PgRowSet.WriteJson) instead of objects for both (/items, the default).
path=${WEB_PATH:-/items}
work=$(mktemp -d)
chmod 755 "$work"
app_pid=""
proxy_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  if [ -f "$work/pg/data/postmaster.pid" ]; then run_pg pg_ctl -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }

bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$bindir/$*"; else "$bindir/$@"; fi; }
if [ -n "${PGWIRE_BENCH_CONNECTION:-}" ]; then
  connection=$PGWIRE_BENCH_CONNECTION
else
  port=$((20000 + RANDOM % 20000))
  mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  run_pg initdb -D "$work/pg/data" -A trust -U postgres >/dev/null
  run_pg pg_ctl -D "$work/pg/data" -o "'-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200'" -l "$work/pg/log" start >/dev/null
  connection="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
fi

if [ -n "${DELAY_MS:-}" ]; then
  dotnet build -c Release "$root/src/PgWire.Benchmarks" --nologo -v quiet >/dev/null
  target_host=$(sed -nE 's/.*(^|;)Host=([^;]*).*/\2/p' <<<"$connection")
  target_port=$(sed -nE 's/.*(^|;)Port=([^;]*).*/\2/p' <<<"$connection")
  mkfifo "$work/proxy-in"
  dotnet "$root/src/PgWire.Benchmarks/bin/Release/net10.0/PgWire.Benchmarks.dll" --proxy "$target_host" "${target_port:-5432}" "$DELAY_MS" \
    <"$work/proxy-in" >"$work/proxy.out" 2>&1 &
  proxy_pid=$!
  exec 3>"$work/proxy-in"   # the proxy runs until this closes (or it is killed)
  for _ in $(seq 1 60); do grep -q PROXY_PORT "$work/proxy.out" 2>/dev/null && break; sleep 0.5; done
  proxy_port=$(sed -n 's/^PROXY_PORT=//p' "$work/proxy.out")
  [ -n "$proxy_port" ] || { echo "the latency proxy did not start:"; cat "$work/proxy.out"; exit 1; }
  connection=$(sed -E "s/(^|;)Host=[^;]*/\1Host=127.0.0.1/; s/(^|;)Port=[^;]*/\1Port=$proxy_port/" <<<"$connection")
  grep -q "Port=$proxy_port" <<<"$connection" || connection="$connection;Port=$proxy_port"
  echo "through a proxy adding $DELAY_MS ms each way (port $proxy_port)"
fi

for driver in PgWire Npgsql; do
  dotnet publish "$root/samples/WebApi" -c Release -p:Driver=$driver --artifacts-path "$work/artifacts-$driver" -o "$work/$driver" --nologo -v quiet
done

start_app() {
  local extra=""
  if [ "$1" = PgWire ]; then extra=${PGWIRE_EXTRA:-}; else extra=${NPGSQL_EXTRA:-}; fi
  PGWIRE_CONNECTION="$connection" WEBAPI_EXTRA="$extra" WEBAPI_TELEMETRY=off WEBAPI_POOL_SIZE=$pool Logging__LogLevel__Default=Warning \
    ASPNETCORE_URLS=http://127.0.0.1:5099 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 "$work/$1/WebApi" >"$work/$1.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:5099/health && return 0; sleep 0.5; done
  echo "the $1 app did not start:"; cat "$work/$1.log"; exit 1
}
stop_app() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""; }

# One wrk run: "requests/s p50_ms p99_ms".
measure() {
  local c=$1 threads=$(( $1 < 2 ? 1 : 2 ))
  wrk -t$threads -c"$c" -d3s http://127.0.0.1:5099$path >/dev/null   # warm-up
  wrk -t$threads -c"$c" -d"${seconds}s" --latency http://127.0.0.1:5099$path | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 } /Non-2xx/ { bad = $NF }
    END { if (bad > 0) { print "ERROR: " bad " non-2xx responses"; exit 1 } printf "%.0f %.2f %.2f\n", rps, p50, p99 }'
}

declare -A best
for ((round = 1; round <= rounds; round++)); do
  order=(PgWire Npgsql); (( round % 2 == 0 )) && order=(Npgsql PgWire)
  for driver in "${order[@]}"; do
    start_app "$driver"
    for c in 1 16 64; do
      result=$(measure "$c")
      echo "round $round $driver c=$c: $result req/s p50 ms p99 ms"
      prev=${best[$driver,$c]:-"0 0 0"}
      if [ "${result%% *}" -gt "${prev%% *}" ]; then best[$driver,$c]=$result; fi
    done
    stop_app
  done
done

echo
echo "| connections | PgWire req/s | Npgsql tuned req/s | ratio | PgWire p50 / p99 (ms) | Npgsql p50 / p99 (ms) |"
echo "|---|---|---|---|---|---|"
for c in 1 16 64; do
  read -r pr p50 p99 <<<"${best[PgWire,$c]}"
  read -r nr n50 n99 <<<"${best[Npgsql,$c]}"
  printf '| %s | %s | %s | %.2f | %s / %s | %s / %s |\n' "$c" "$pr" "$nr" "$(bc -l <<<"$pr / $nr")" "$p50" "$p99" "$n50" "$n99"
done
