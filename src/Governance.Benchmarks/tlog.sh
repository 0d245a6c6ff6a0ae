#!/usr/bin/env bash
# The transparency log's benchmark of docs/performance.md (issue 13), in one run on a fresh database beside GOVERNANCE_DB
# (governance_bench, dropped and re-created): appends in batches of 1,000, sealing against them and against COPY + SHA-256,
# governance ledger verify over every event (--database, and through the API as its own process), a command's p50 with
# the sealer off/on, the sealing lag.
#   GOVERNANCE_DB=... src/Governance.Benchmarks/tlog.sh [events, default 1000000]
# The machine's load is printed before and after: the figures mean little on a loaded machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${GOVERNANCE_DB:?set GOVERNANCE_DB (a PostgreSQL connection string)}"
dotnet build -c Release -nologo -v q src/Governance.Benchmarks >/dev/null
dotnet build -c Release -nologo -v q src/Governance.Cli >/dev/null
dotnet build -c Release -nologo -v q src/Governance.Api >/dev/null
bench="dotnet src/Governance.Benchmarks/bin/Release/net10.0/Governance.Benchmarks.dll"
db=$($bench reset-db "$GOVERNANCE_DB")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
$bench tlog "$db" "${1:-1000000}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
