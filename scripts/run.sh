#!/usr/bin/env bash
# The main job: build, start ocpp-serve on an embedded SQLite database, run a fleet of scripted chargers against it
# (ocpp-bench --fleet; ocpp-sim replaces it when issue 6 lands), then show what the server stored.
#   scripts/run.sh [CHARGERS] [SAMPLES-PER-SESSION]
set -euo pipefail
cd "$(dirname "$0")/.."
chargers="${1:-50}"
samples="${2:-10}"
swift build ${SCRATCH:+--scratch-path "$SCRATCH"} >&2
bin="$(swift build ${SCRATCH:+--scratch-path "$SCRATCH"} --show-bin-path)"
work="$(mktemp -d)"
db="$work/ocpp.sqlite"

"$bin/ocpp-serve" --listen 127.0.0.1:0 --db "$db" --unknown-tags accept --log-level notice > "$work/serve.out" 2> "$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on port" "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
port="$(sed -n 's/^listening on port //p' "$work/serve.out")"
echo "ocpp-serve listening on port $port, database $db"

"$bin/ocpp-bench" --fleet "ws://127.0.0.1:$port/ocpp" --chargers "$chargers" --samples "$samples" --sample-interval 100 --server-pid "$server"

kill -TERM "$server"
wait "$server" && echo "ocpp-serve stopped cleanly (exit 0)"
trap - EXIT
echo "--- stored:"
python3 - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for label, sql in [
    ("chargers", "SELECT count(*) FROM chargers"),
    ("transactions (stopped)", "SELECT count(*) FROM transactions WHERE stop_ms IS NOT NULL"),
    ("energy kWh (meterStop - meterStart)", "SELECT round(sum(meter_stop - meter_start) / 1000.0, 3) FROM transactions"),
    ("sampled values", "SELECT count(*) FROM meter_values"),
    ("raw frames", "SELECT count(*) FROM frames"),
    ("events", "SELECT count(*) FROM events"),
]:
    print(f"{label}: {db.execute(sql).fetchone()[0]}")
PY
echo "server log: $work/serve.log"
