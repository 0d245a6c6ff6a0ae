#!/usr/bin/env bash
# Group commit's effect on command appends (docs/performance.md (b), "Group commit"), against 127.0.0.1 only, about 9 minutes:
# Governance.Benchmarks appends with 8 and 32 writers, alternating a node that writes at most 2 transactions at once (the
# default: commands that find both busy are written together) with one allowed 64 (each command in its own transaction, as
# before group commit); first on the cluster as it is, then with a synchronous streaming replica (pg_basebackup into a
# temporary folder, synchronous_standby_names='*' on the primary), where every commit waits for the replica, as on a managed
# PostgreSQL with synchronous high availability. The primary's setting is reset and the replica removed on exit.
# Run it with ./gov bench group-commit (which starts the project-local PostgreSQL); needs root (the replica runs as postgres).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${GOVERNANCE_DB:?set GOVERNANCE_DB or run ./gov bench group-commit}"
seconds="${BENCH_SECONDS:-15}"
port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$GOVERNANCE_DB")
[ -n "$port" ] || { echo "GOVERNANCE_DB names no Port"; exit 2; }
pgbin=/usr/lib/postgresql/15/bin
dotnet build -c Release -nologo -v q src/Governance.Benchmarks >/dev/null
bench="dotnet src/Governance.Benchmarks/bin/Release/net10.0/Governance.Benchmarks.dll"
primary() { runuser -u postgres -- "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAqc "$1"; }

measure() {
  for writers in 8 32; do
    for round in 1 2; do
      for committers in 2 64; do
        db=$($bench reset-db "$GOVERNANCE_DB")
        echo "$1 round $round: $($bench appends "$db" "$seconds" "$writers" "$committers")"
      done
    done
  done
}

measure "primary alone"

replica=$(mktemp -d)
chown postgres:postgres "$replica"
cleanup() {
  primary "alter system reset synchronous_standby_names" >/dev/null || true
  primary "select pg_reload_conf()" >/dev/null || true
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$replica/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$replica"
}
trap cleanup EXIT
runuser -u postgres -- "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$replica/data" -R -X stream -c fast
runuser -u postgres -- "$pgbin/pg_ctl" -D "$replica/data" -l "$replica/server.log" -w -t 60 \
  -o "-p $((port + 1)) -k $replica -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
primary "alter system set synchronous_standby_names = '*'" >/dev/null
primary "select pg_reload_conf()" >/dev/null
for _ in $(seq 1 100); do [ "$(primary "select count(*) from pg_stat_replication where sync_state = 'sync'")" = 1 ] && break; sleep 0.2; done
[ "$(primary "select count(*) from pg_stat_replication where sync_state = 'sync'")" = 1 ] || { echo "the replica is not synchronous"; exit 1; }
measure "synchronous replica"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $("$pgbin/postgres" --version)"
