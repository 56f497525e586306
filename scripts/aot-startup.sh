#!/usr/bin/env bash
# NativeAOT size and start-up, PgWire against Npgsql's slim builder: publishes both programs in
# src/PgWire.Benchmarks/aot-startup (one query of 100 rows x 3 columns), then runs each N times (default 20), alternating,
# against PGWIRE_CONNECTION, and prints the binary sizes and the median and p90 wall time per run (process start to exit).
# By hand, like the benchmarks: PGWIRE_CONNECTION=... bash scripts/aot-startup.sh [runs]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs=${1:-20}
: "${PGWIRE_CONNECTION:?set PGWIRE_CONNECTION to a server's connection string}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
linker=()
command -v clang >/dev/null 2>&1 || linker=(-p:CppCompilerAndLinker="$(basename "$(ls /usr/bin/clang-[0-9]* | sort -V | tail -1)")")
for app in PgWireAot NpgsqlAot; do
  dotnet publish "$root/src/PgWire.Benchmarks/aot-startup/$app" -c Release -r linux-x64 "${linker[@]}" -o "$out/$app" --nologo -v quiet
done
# Npgsql takes a libpq-style or Npgsql-style string; both programs read the same one.
for app in PgWireAot NpgsqlAot; do "$out/$app/$app" >/dev/null; done   # warm the server and the page cache
declare -A times
for ((i = 0; i < runs; i++)); do
  for app in PgWireAot NpgsqlAot; do
    start=$(date +%s%N); "$out/$app/$app" >/dev/null; end=$(date +%s%N)
    times[$app]+="$(( (end - start) / 1000 )) "
  done
done
printf '%-10s %12s %14s %12s\n' program "size (bytes)" "median (ms)" "p90 (ms)"
for app in PgWireAot NpgsqlAot; do
  sorted=($(tr ' ' '\n' <<<"${times[$app]}" | grep -v '^$' | sort -n))
  n=${#sorted[@]}
  printf '%-10s %12s %14.1f %12.1f\n' "$app" "$(stat -c %s "$out/$app/$app")" "$(bc -l <<<"${sorted[$((n / 2))]} / 1000")" "$(bc -l <<<"${sorted[$((n * 9 / 10))]} / 1000")"
done
