#!/usr/bin/env bash
# Regenerates man/*.1 from each tool's --help (ArgumentParser's generate-manual plugin).
# The date is pinned so the pages change only when the help does.
set -euo pipefail
cd "$(dirname "$0")/.."
DATE="${MAN_DATE:-2026-11-25}"
swift package ${SCRATCH:+--scratch-path "$SCRATCH"} generate-manual --configuration debug --date "$DATE" >&2
for tool in ocpp-serve ocpp-ctl ocpp-sim ocpp-report; do
  cp "${SCRATCH:-.build}/plugins/GenerateManual/outputs/$tool/$tool.1" "man/$tool.1"
done
