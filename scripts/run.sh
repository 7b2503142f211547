#!/usr/bin/env bash
# Builds the toolkit and runs the main job: today, the real charger traces replayed through the Shared protocol
# module (ocpp-serve and ocpp-sim arrive with issues 4 and 6, and this script will start them on SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build >&2
bin="$(swift build --show-bin-path)"
for tool in ocpp-serve ocpp-ctl ocpp-sim ocpp-report; do
  echo "$tool $("$bin/$tool" --version)"
done
echo "--- replaying ../shared/ocpp/traces/*.jsonl through the protocol module (lenient mode)"
"$bin/ocpp-bench" --replay ../shared/ocpp/traces/*.jsonl
