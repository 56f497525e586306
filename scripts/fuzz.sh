#!/usr/bin/env bash
# The long run of the response fuzzer (tests/PgWire.Tests/Faults/ResponseFuzzTests.cs), by hand, not in CI.
#   scripts/fuzz.sh [cases per workload, default 333334] [first seed, default 1]
# The three workloads (buffered, streaming, ADO.NET) run as three processes at once; each prints its cases, time,
# the count of each outcome and the heap before, at its peak and after. A failure lists its seeds; one reproduces
# with PGWIRE_FUZZ_SEED=<seed minus the workload's offset, see SeedBase> PGWIRE_FUZZ_CASES=1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGWIRE_FUZZ_CASES="${1:-333334}"
export PGWIRE_FUZZ_SEED="${2:-1}"
dotnet build tests/PgWire.Tests -c Release -v q >/dev/null
for workload in buffered streaming ado.net; do
  dotnet test tests/PgWire.Tests -c Release --no-build \
    --filter "FullyQualifiedName~ResponseFuzzTests&DisplayName~$workload" \
    --logger "console;verbosity=detailed" 2>&1 | grep -E "cases in|seed [0-9]+:|Passed!|Failed!" &
done
wait
