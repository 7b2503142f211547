#!/usr/bin/env bash
# The whole test suite (what CI runs through .ci/run): `swift test`, at most OCPP_TEST_WIDTH tests at a time.
# Most tests start real servers, simulators and PostgreSQL; all at once (Swift Testing's default) load two cores so
# far that timing-bound checks fail for load, not for bugs. Extra arguments go to `swift test` (e.g. --filter X).
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift test --experimental-maximum-parallelization-width "${OCPP_TEST_WIDTH:-6}" "$@"
