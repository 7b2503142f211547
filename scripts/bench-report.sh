#!/usr/bin/env bash
# ocpp-report benchmark (issues 7 and 18): `summary --month` over a month of 10 million meter values; figures go to
# BENCHMARKS.md. Usage: scripts/bench-report.sh [DB] [METER-VALUES]   (default /tmp/ocpp-report-bench.sqlite, 10000000)
#   DB: an SQLite path; a postgres://user@host:port/db URL (an empty database is filled, a filled one reused); or `pg`:
#   a throwaway PostgreSQL cluster from Debian's binaries in /tmp/ocpp-report-bench-pg on 127.0.0.1:55432 (trust auth),
#   started if not running and left running for later runs (stop: scripts/bench-report.sh pg-stop).
# The database is generated once (ocpp-bench --report-db: the database inserts in bulk) and reused by later runs.
# Both engines hold the same rows: the outputs land in /tmp/ocpp-report-bench-{summary,sessions}-ENGINE.csv, and once
# both exist they are compared byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${1:-/tmp/ocpp-report-bench.sqlite}"
COUNT="${2:-10000000}"
SCRATCH_ARGS=(${SCRATCH:+--scratch-path "$SCRATCH"})
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
PG_DIR=/tmp/ocpp-report-bench-pg
PG_PORT=55432
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "$DB" = pg-stop ]; then
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop
  exit 0
fi
if [ "$DB" = pg ]; then
  if [ ! -d "$PG_DIR/data" ]; then
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  fi
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    # Settings: PostgreSQL 15's defaults but for a larger shared_buffers (256 MB; the default 128 MB is meant for
    # small machines) and no parallel workers (the machine has two cores, shared).
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
      "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_parallel_workers_per_gather=0" start >/dev/null
  fi
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'report_bench'" | grep -q 1 \
    || "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE report_bench"
  DB="postgres://postgres@127.0.0.1:$PG_PORT/report_bench"
fi

swift build "${SCRATCH_ARGS[@]}" -c release --product ocpp-report >&2
REPORT="$(swift build "${SCRATCH_ARGS[@]}" -c release --show-bin-path)/ocpp-report"
generate() {
  # Generation is the database's work, so a debug ocpp-bench does as well as a release one.
  swift build "${SCRATCH_ARGS[@]}" --product ocpp-bench >&2
  "$(swift build "${SCRATCH_ARGS[@]}" --show-bin-path)/ocpp-bench" --report-db "$DB" --meter-values "$COUNT"
}
case "$DB" in
  postgres://* | postgresql://*)
    ENGINE=postgres
    rows="$("$PG_BIN/psql" "$DB" -Atqc "SELECT count(*) FROM meter_values" 2>/dev/null || echo 0)"
    [ "$rows" -gt 0 ] || generate
    "$PG_BIN/psql" "$DB" -Atqc "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))"
    ;;
  *)
    ENGINE=sqlite
    [ -f "$DB" ] || generate
    ls -l "$DB"
    ;;
esac
for run in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$REPORT" --db "$DB" summary --month 2026-11 > "/tmp/ocpp-report-bench-summary-$ENGINE.csv"
  end=$(date +%s.%N)
  printf '%s: summary --month 2026-11, run %d: %.3f s\n' "$ENGINE" "$run" "$(echo "$end - $start" | bc)"
done
start=$(date +%s.%N)
"$REPORT" --db "$DB" sessions --month 2026-11 > "/tmp/ocpp-report-bench-sessions-$ENGINE.csv"
end=$(date +%s.%N)
printf '%s: sessions --month 2026-11: %.3f s (%d rows)\n' "$ENGINE" "$(echo "$end - $start" | bc)" \
  "$(($(wc -l < "/tmp/ocpp-report-bench-sessions-$ENGINE.csv") - 1))"
head -3 "/tmp/ocpp-report-bench-summary-$ENGINE.csv"
for report in summary sessions; do
  if [ -f "/tmp/ocpp-report-bench-$report-sqlite.csv" ] && [ -f "/tmp/ocpp-report-bench-$report-postgres.csv" ]; then
    if cmp -s "/tmp/ocpp-report-bench-$report-sqlite.csv" "/tmp/ocpp-report-bench-$report-postgres.csv"; then
      echo "$report: SQLite and PostgreSQL outputs are identical"
    else
      echo "$report: SQLite and PostgreSQL outputs DIFFER"
    fi
  fi
done
