#!/usr/bin/env bash
# The soak run, by hand (not CI): 1,000 callers on a pool of 20 for 30 minutes by default, mixing point queries,
# streaming reads, pipelines, transactions, COPY and cancellations; prints throughput, p50/p99 per operation,
# errors by type, the server's connection count and the managed heap before and after.
#   scripts/soak.sh [minutes] [callers] [pool]      (PGWIRE_BENCH_CONNECTION selects a server; else a throwaway one)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project src/PgWire.Benchmarks -- --soak "${1:-30}" "${2:-1000}" "${3:-20}"
