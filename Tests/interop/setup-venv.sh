#!/usr/bin/env bash
# Create (or reuse) the Python venv that runs Tests/interop/csms.py.
#
#   Tests/interop/setup-venv.sh VENV_DIR
#
# Installs pinned versions of the PyPI packages `ocpp` (mobilityhouse/ocpp),
# `websockets` and `prometheus-client` (the reference /metrics parser). Idempotent: a marker file inside VENV_DIR records the
# pinned set, so a second run with the same pins returns at once.
# Silent on success; on failure prints the reason to stderr and exits non-zero.
set -euo pipefail

OCPP_VERSION=2.1.0
WEBSOCKETS_VERSION=17.4
JSONSCHEMA_VERSION=4.26.0   # the validator behind ocpp's schema checks
PROMETHEUS_CLIENT_VERSION=0.26.0   # its text parser checks ocpp-serve's /metrics (MetricsEndToEndTests)
PINS="ocpp==$OCPP_VERSION websockets==$WEBSOCKETS_VERSION jsonschema==$JSONSCHEMA_VERSION prometheus-client==$PROMETHEUS_CLIENT_VERSION"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 VENV_DIR" >&2
    exit 2
fi
venv=$1
marker="$venv/.ocpp-tools-interop"

# Fast path: already set up with exactly these pins.
if [ -f "$marker" ] && [ -x "$venv/bin/python" ] && [ "$(cat "$marker")" = "$PINS" ]; then
    exit 0
fi

mkdir -p "$venv"
# Serialize concurrent setups of the same venv (parallel test runs).
exec 9>"$venv/.setup.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
if [ -f "$marker" ] && [ -x "$venv/bin/python" ] && [ "$(cat "$marker")" = "$PINS" ]; then
    exit 0
fi

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-venv.sh: $python not found" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/interop-venv-setup.XXXXXX")
trap 'rm -f "$log"' EXIT

if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" >"$log" 2>&1; then
        echo "setup-venv.sh: '$python -m venv $venv' failed:" >&2
        cat "$log" >&2
        exit 1
    fi
fi

rm -f "$marker"
# shellcheck disable=SC2086
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input $PINS >"$log" 2>&1; then
    echo "setup-venv.sh: pip install $PINS into $venv failed:" >&2
    cat "$log" >&2
    exit 1
fi

if ! "$venv/bin/python" -c 'import ocpp.v16, websockets.asyncio.server, jsonschema, prometheus_client.parser' >"$log" 2>&1; then
    echo "setup-venv.sh: installed packages do not import:" >&2
    cat "$log" >&2
    exit 1
fi

printf '%s\n' "$PINS" >"$marker"
