#!/usr/bin/env bash
# Scale check: N simulated chargers (default 10 000) connect to one ocpp-serve, boot and stay connected idle.
# Prints connect+boot time, the simulator's own CPU and peak memory, and the server's RSS per connected charger.
#   scripts/bench-sim.sh [CHARGERS] [SECONDS]
# Release build; SCRATCH=DIR picks the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
chargers="${1:-10000}"
seconds="${2:-40}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
build=(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"})
"${build[@]}" --product ocpp-serve >&2
"${build[@]}" --product ocpp-sim >&2
bin="$("${build[@]}" --show-bin-path)"
work="$(mktemp -d)"
"$bin/ocpp-serve" --listen 127.0.0.1:0 --db "$work/ocpp.sqlite" --socket none --unknown-tags accept --log-level error \
  > "$work/serve.out" 2> "$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on port" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/^listening on port //p' "$work/serve.out")"
sleep 1
baseline="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
"$bin/ocpp-sim" --url "ws://127.0.0.1:$port/ocpp" --chargers "$chargers" --scenario idle --duration "$seconds" \
  --connect-concurrency 256 --log-level error --json > "$work/sim.json" &
sim=$!
# The server's RSS once every charger has booted (sampled a few seconds before the run ends).
sleep $(( seconds > 10 ? seconds - 5 : seconds / 2 ))
loaded="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
wait "$sim" || true
python3 - "$work/sim.json" "$chargers" "$baseline" "$loaded" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
chargers, baseline, loaded = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
booted = report["allBootedSeconds"]
print(f"chargers {chargers}, booted {report['booted']}" + (f", all connected and booted after {booted:.2f} s" if booted else ""))
m = report["messages"]
print(f"messages sent {m['sent']}, answered {m['answered']}, errors {m['callErrors'] + m['invalidAnswers'] + m['timeouts']}")
l = report["latencyMs"]
print(f"round trip ms: p50 {l['p50']}  p99 {l['p99']}  max {l['max']}")
print(f"simulator: CPU {report['cpuSeconds']} s over {report['wallSeconds']:.1f} s, peak RSS {report['maxRSSKiB'] / 1024:.1f} MiB "
      f"({report['maxRSSKiB'] / chargers:.1f} KiB per charger)")
print(f"server RSS: {baseline / 1024:.1f} MiB idle, {loaded / 1024:.1f} MiB with the chargers connected "
      f"({(loaded - baseline) / chargers:.1f} KiB per charger)")
PY
kill -TERM "$server"; wait "$server" || true
trap - EXIT
