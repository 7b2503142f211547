#!/usr/bin/env bash
# The limit model under load: N simulated DC wallboxes (default 1 000) in one group, one session each; then one
# change that moves every share (a grid limit on the group's total). Prints the server CPU that re-balance cost
# (shares, plans, the CALLs and their answers, the command log), the CALLs sent and the time until all were answered,
# and the pure part of it from ocpp-bench --limits.
#   scripts/bench-limits.sh [CHARGERS]
# Release build; SCRATCH=DIR picks the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
chargers="${1:-1000}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
build=(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"})
for product in ocpp-serve ocpp-ctl ocpp-sim ocpp-bench; do "${build[@]}" --product "$product" >&2; done
bin="$("${build[@]}" --show-bin-path)"
work="$(mktemp -d)"
"$bin/ocpp-serve" --listen 127.0.0.1:0 --db "$work/ocpp.sqlite" --socket "$work/ctl.sock" --unknown-tags accept --log-level error \
  > "$work/serve.out" 2> "$work/serve.log" &
server=$!
trap 'kill "$server" "${sim:-}" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on port" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/^listening on port //p' "$work/serve.out")"
ctl=("$bin/ocpp-ctl" --socket "$work/ctl.sock")
# Vehicles arrive 60-90 s after boot (time to put the chargers in the group) and charge for hours.
cat > "$work/scenario.yaml" <<'YAML'
name: depot
arrivalGap: [60, 90]
startSoC: [5, 10]
targetSoC: [100, 100]
vehicles: [etron]
dwell: [0, 0]
earlyLeaveChance: 0
idTags: []
YAML
"$bin/ocpp-sim" --url "ws://127.0.0.1:$port/ocpp" --chargers "$chargers" --prefix BAL --profile dc24 --no-quirks \
  --scenario "$work/scenario.yaml" --connect-concurrency 256 --log-level error --json > "$work/sim.json" &
sim=$!
count() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$work/ocpp.sqlite" "$1"; }
until [ "$(count "SELECT count(*) FROM chargers")" -ge "$chargers" ]; do sleep 1; done
"${ctl[@]}" group add depot --capacity "$(( chargers * 11 ))" --unit kW >/dev/null
"${ctl[@]}" group assign depot $(seq -f "BAL%04g" 1 "$chargers") >/dev/null
"${ctl[@]}" agent add grid --priority 80 >/dev/null
echo "waiting for $chargers sessions to start and settle..." >&2
until [ "$(count "SELECT count(*) FROM transactions WHERE stop_ms IS NULL")" -ge "$chargers" ]; do sleep 2; done
sleep 15
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
calls() { count "SELECT count(*) FROM commands WHERE action = 'SetChargingProfile' AND answered_ms IS NOT NULL"; }
before_calls="$(calls)"
before_cpu="$(cpu)"
start="$(date +%s.%N)"
"${ctl[@]}" limit set group:depot --agent grid --hard --max "$(( chargers * 10 ))" --unit kW >/dev/null
until [ "$(( $(calls) - before_calls ))" -ge "$chargers" ]; do sleep 0.2; done
end="$(date +%s.%N)"
after_cpu="$(cpu)"
ticks="$(getconf CLK_TCK)"
python3 - "$chargers" "$before_cpu" "$after_cpu" "$ticks" "$start" "$end" "$(( $(calls) - before_calls ))" <<'PY'
import sys
n, before, after, ticks, start, end, calls = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
print(f"re-balance of a {n}-charger group, every share lowered: {calls} SetChargingProfile CALLs answered after {end - start:.2f} s; "
      f"server CPU {(after - before) * 1000 / ticks:.0f} ms ({(after - before) * 1000 / ticks / max(calls, 1) * 1000:.0f} us per CALL, with its logging)")
PY
"$bin/ocpp-bench" --limits "$chargers"
kill "$sim" 2>/dev/null || true
kill -TERM "$server"; wait "$server" || true
trap - EXIT
