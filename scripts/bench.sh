#!/usr/bin/env bash
# Release-mode benchmarks; figures go to BENCHMARKS.md.
#   scripts/bench.sh [--quick] [--skip load|steps|idle|ctl ...]   server figures (ocpp-serve under ocpp-sim load)
#   scripts/bench.sh --frames [ocpp-bench options]                 the frame hot path (parse, validate, encode)
#   scripts/bench.sh --metrics-cost 5 [--quick]                    CPU per message with --metrics on vs off
#   scripts/bench.sh --peers [--quick]                             ocpp-serve, the Python peer and the C floor side by side (issue 19)
#   scripts/bench.sh --stores [--quick] [--rates R,R...] [--nodes]  SQLite against PostgreSQL under the same load; --nodes: one node against two (issue 18)
# SCRATCH=DIR picks the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
build=(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"})
if [ "${1:-}" = "--frames" ]; then
  shift
  "${build[@]}" --product ocpp-bench >&2
  exec "$("${build[@]}" --show-bin-path)/ocpp-bench" "$@"
fi
for product in ocpp-serve ocpp-sim ocpp-ctl; do "${build[@]}" --product "$product" >&2; done
if [ "${1:-}" = "--stores" ]; then
  shift
  BIN="$("${build[@]}" --show-bin-path)" exec python3 scripts/bench_stores.py "$@"
fi
BIN="$("${build[@]}" --show-bin-path)" exec python3 scripts/bench.py "$@"
