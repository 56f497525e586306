#!/usr/bin/env bash
# NativeAOT size and start-up, PgWire against Npgsql's slim builder: publishes both programs in
# src/PgWire.Benchmarks/aot-startup (one query of 100 rows x 3 columns), then runs each N times (default 20), alternating,
# against PGWIRE_CONNECTION, and prints the binary sizes and the median and p90 wall time per run (process start to exit).
# By hand, like the benchmarks: PGWIRE_CONNECTION=... bash scripts/aot-startup.sh [runs]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs=${1:-20}
: "${PGWIRE_CONNECTION:?set PGWIRE_CONNECTION to the connection string of a server}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
linker=()
command -v clang >/dev/null 2>&1 || linker=(-p:CppCompilerAndLinker="$(basename "$(ls /usr/bin/clang-[0-9]* | sort -V | tail -1)")")
for app in PgWireAot NpgsqlAot; do
  dotnet publish "$root/src/PgWire.Benchmarks/aot-startup/$app" -c Release -r linux-x64 "${linker[@]}" -o "$out/$app" --nologo -v quiet
done
for app in PgWireAot NpgsqlAot; do "$out/$app/$app" >/dev/null; done   # warm the server and the page cache
declare -A times
for ((i = 0; i < runs; i++)); do
  for app in PgWireAot NpgsqlAot; do
    start=$(date +%s%N); "$out/$app/$app" >/dev/null; end=$(date +%s%N)
    elapsed=$((end - start))
    times[$app]+="$((elapsed / 1000)) "
  done
done
printf '%-10s %12s %12s %12s\n' program "size (bytes)" "median (ms)" "p90 (ms)"
for app in PgWireAot NpgsqlAot; do
  size=$(stat -c %s "$out/$app/$app")
  echo "${times[$app]}" | tr -s ' ' '\n' | grep -v '^$' | sort -n \
    | awk -v app="$app" -v size="$size" '{ t[NR] = $1 } END { printf "%-10s %12d %12.1f %12.1f\n", app, size, t[int(NR / 2) + 1] / 1000, t[int(NR * 9 / 10)] / 1000 }'
done
