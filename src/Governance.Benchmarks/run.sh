#!/usr/bin/env bash
# The ledger benchmark of docs/performance.md, in one run, against 127.0.0.1 only, bounded in time (about 4 minutes):
#  (a) approval-check requests/s and p99 with wrk (closed loop, as many as it serves), against GET /health of the same host as
#      the floor; then the check's p99 at a fixed offered rate of half its own measured maximum (open loop, hey -q);
#  (b) ledger command appends/s against raw Npgsql single-row inserts into the same database, 1 and 8 writers.
# Run it with ./gov bench (which starts the project-local PostgreSQL), or with GOVERNANCE_DB set.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${GOVERNANCE_DB:?set GOVERNANCE_DB or run ./gov bench}"
for tool in wrk hey jq; do command -v $tool >/dev/null || { apt-get update -qq && apt-get install -y -qq $tool >/dev/null; }; done
seconds="${BENCH_SECONDS:-10}"
dotnet build -c Release -nologo -v q src/Governance.Benchmarks >/dev/null
dotnet build -c Release -nologo -v q src/Governance.Api >/dev/null
bench="dotnet src/Governance.Benchmarks/bin/Release/net10.0/Governance.Benchmarks.dll"

db=$($bench reset-db "$GOVERNANCE_DB")
echo "== (b) command appends vs raw inserts, ${seconds}s each"
appends1=$($bench appends "$db" "$seconds" 1)
appends8=$($bench appends "$db" "$seconds" 8)
echo "$appends1"; echo "$appends8"

echo "== (a) approval check vs empty endpoint"
read -r model version digest < <($bench seed-check "$db")
data=$(mktemp -d)
port=5090
ASPNETCORE_ENVIRONMENT=Development Governance__DataFolder="$data" GOVERNANCE_DB="$db" Logging__LogLevel__Default=Warning \
  dotnet src/Governance.Api/bin/Release/net10.0/Governance.Api.dll --urls "http://127.0.0.1:$port" >"$data/api.log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true; wait $api 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
secret=$(jq -r '.clients[] | select(.clientId=="governance-pipeline") | .secret' "$data/development-credentials.json")
token=$(curl -s "http://127.0.0.1:$port/connect/token" -d grant_type=client_credentials -d client_id=governance-pipeline -d client_secret="$secret" -d scope=approvals:read | jq -r .access_token)
check="http://127.0.0.1:$port/api/v1/approvals/check?model=$model&version=$version&digest=$digest&environment=production"
[ "$(curl -s -H "Authorization: Bearer $token" "$check" | jq -r .decision)" = allowed ] || { echo "the seeded check is not allowed"; exit 1; }

load() { wrk -t2 -c32 -d"${seconds}s" --latency "$@"; }
# Each endpoint warmed up for 10 s first: with 3 s warm-ups the JIT was still recompiling hot code during the first measured
# run (the floor's), which then varied from 5,800 to 23,000 requests/s between runs.
load -d10s "http://127.0.0.1:$port/health" >/dev/null
load -d10s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me" >/dev/null
load -d10s -H "Authorization: Bearer $token" "$check" >/dev/null
floor=$(load "http://127.0.0.1:$port/health")
me=$(load -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me")
checked=$(load -H "Authorization: Bearer $token" "$check")
rps() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
p99() { awk '$1=="99%" {print $2}' <<<"$1"; }
non2xx() { awk '/Non-2xx/ {print $5}' <<<"$1"; }
echo "floor  GET /health:            $(rps "$floor") req/s, p99 $(p99 "$floor"), non-2xx: $(non2xx "$floor")"
echo "auth   GET /api/v1/me (token validation, no ledger read): $(rps "$me") req/s, p99 $(p99 "$me"), non-2xx: $(non2xx "$me")"
echo "check  GET /api/v1/approvals/check: $(rps "$checked") req/s, p99 $(p99 "$checked"), non-2xx: $(non2xx "$checked")"
awk -v c="$(rps "$checked")" -v f="$(rps "$floor")" 'BEGIN { printf "ratio check/floor: %.3f (target >= 0.60)\n", c / f }'
# Open loop at half the check's measured maximum: 16 workers, each paced at its share of the rate (hey -q is per worker).
workers=16
rate=$(awk -v c="$(rps "$checked")" 'BEGIN { printf "%d", c / 2 }')
paced=$(hey -z "${seconds}s" -c $workers -q "$(awk -v r="$rate" -v w=$workers 'BEGIN { printf "%d", r / w }')" \
  -H "Authorization: Bearer $token" "$check")
answered=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$paced")
p99paced=$(awk '/99% in/ {printf "%.2f", $3 * 1000}' <<<"$paced")
statuses=$(awk '/Status code distribution/ {on=1; next} on && NF {printf "%s ", $0} on && !NF {on=0}' <<<"$paced")
echo "check at half load, open loop: $rate req/s offered ($workers workers, hey -q), $answered answered, p99 ${p99paced} ms" \
  "(target <= 5 ms), statuses: $statuses"
# The same offered rate against the empty endpoint: the p99 the machine and the generator give a request that does nothing.
pacedFloor=$(hey -z "${seconds}s" -c $workers -q "$(awk -v r="$rate" -v w=$workers 'BEGIN { printf "%d", r / w }')" \
  "http://127.0.0.1:$port/health")
echo "floor at the same offered rate: $(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$pacedFloor") answered," \
  "p99 $(awk '/99% in/ {printf "%.2f", $3 * 1000}' <<<"$pacedFloor") ms"

echo "ratio appends/raw: 1 writer $(jq .ratio <<<"$appends1"), 8 writers $(jq .ratio <<<"$appends8") (target >= 0.50)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(psql --version 2>/dev/null | head -1), wrk -t2 -c32 -d${seconds}s"
# The revocation run starts two nodes of its own, on a fresh database, with the single node of (a) stopped.
kill $api 2>/dev/null; wait $api 2>/dev/null || true
db=$($bench reset-db "$GOVERNANCE_DB")
echo "revocation propagation across two API nodes (revoked through A, time until B's check denies): $($bench revocation "$db" 50)"
