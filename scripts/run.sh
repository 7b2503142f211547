#!/usr/bin/env bash
# The main job: build, start ocpp-serve on an embedded SQLite database, run a fleet of simulated chargers against it
# (ocpp-sim: one charging session per charger at 600x speed, a mix of templates), then show what the server stored.
#   scripts/run.sh [CHARGERS] [SPEED]
set -euo pipefail
cd "$(dirname "$0")/.."
chargers="${1:-50}"
speed="${2:-600}"
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

# Half three-phase AC wallboxes, half DC fast chargers; each charger runs one session with a Leaf or an e-tron.
half=$(( (chargers + 1) / 2 ))
"$bin/ocpp-sim" --url "ws://127.0.0.1:$port/ocpp" --chargers "$half" --prefix AC --profile ac22 --scenario once --speed "$speed" --duration 300 &
ac=$!
if [ "$chargers" -gt 1 ]; then
  "$bin/ocpp-sim" --url "ws://127.0.0.1:$port/ocpp" --chargers "$(( chargers - half ))" --prefix DC --profile dc54 --scenario once --speed "$speed" --duration 300 || true
fi
wait "$ac" || true
echo "server RSS: $(awk '/VmRSS/ {print $2, $3}' "/proc/$server/status")"

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
