#!/usr/bin/env bash
# ocpp-report benchmark (issue 7): `summary --month` over a month of 10 million meter values; figures go to
# BENCHMARKS.md. Usage: scripts/bench-report.sh [DB-PATH] [METER-VALUES]   (default /tmp/ocpp-report-bench.sqlite, 10000000)
# The database is generated once (ocpp-bench --report-db: SQLite inserts in bulk) and reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${1:-/tmp/ocpp-report-bench.sqlite}"
COUNT="${2:-10000000}"
SCRATCH_ARGS=(${SCRATCH:+--scratch-path "$SCRATCH"})
swift build "${SCRATCH_ARGS[@]}" -c release --product ocpp-report >&2
REPORT="$(swift build "${SCRATCH_ARGS[@]}" -c release --show-bin-path)/ocpp-report"
if [ ! -f "$DB" ]; then
  # Generation is SQLite's work, so a debug ocpp-bench does as well as a release one.
  swift build "${SCRATCH_ARGS[@]}" --product ocpp-bench >&2
  "$(swift build "${SCRATCH_ARGS[@]}" --show-bin-path)/ocpp-bench" --report-db "$DB" --meter-values "$COUNT"
fi
ls -l "$DB"
for run in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$REPORT" --db "$DB" summary --month 2026-11 > /tmp/ocpp-report-bench-summary.csv
  end=$(date +%s.%N)
  printf 'summary --month 2026-11, run %d: %.3f s\n' "$run" "$(echo "$end - $start" | bc)"
done
start=$(date +%s.%N)
"$REPORT" --db "$DB" sessions --month 2026-11 > /tmp/ocpp-report-bench-sessions.csv
end=$(date +%s.%N)
printf 'sessions --month 2026-11: %.3f s (%d rows)\n' "$(echo "$end - $start" | bc)" "$(($(wc -l < /tmp/ocpp-report-bench-sessions.csv) - 1))"
head -3 /tmp/ocpp-report-bench-summary.csv
