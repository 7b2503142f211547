#!/usr/bin/env bash
# Release-mode hot-path benchmark; figures go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ocpp-bench >&2
"$(swift build -c release --show-bin-path)/ocpp-bench" "$@"
