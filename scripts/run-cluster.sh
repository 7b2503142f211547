#!/usr/bin/env bash
# Several ocpp-serve nodes on one PostgreSQL (issue 18): builds, starts a throwaway PostgreSQL from Debian's packages
# (initdb in a temp directory, loopback port, trust authentication), two ocpp-serve nodes on it (A and B, each with
# its own charger port and control socket), and a simulated fleet spread over both (ocpp-sim with both URLs; a
# charger whose node is gone moves to the other). Then: a command through node A to a charger on node B, the fleet
# as each node sees it, and what the database holds.
#   scripts/run-cluster.sh [CHARGERS] [SPEED]
# Needs Debian's postgresql (apt-get install -y postgresql); runs the server as `postgres` when started as root.
set -euo pipefail
cd "$(dirname "$0")/.."
chargers="${1:-40}"
speed="${2:-600}"
pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL not installed: apt-get install -y postgresql" >&2; exit 1; }
swift build ${SCRATCH:+--scratch-path "$SCRATCH"} >&2
bin="$(swift build ${SCRATCH:+--scratch-path "$SCRATCH"} --show-bin-path)"
work="$(mktemp -d)"
chmod 755 "$work"

# PostgreSQL: initdb refuses root, so as root the cluster belongs to `postgres`.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-sync > "$work/initdb.log"
pgport=$(( 20000 + RANDOM % 20000 ))
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o "-p $pgport -k $work/pg -c listen_addresses=127.0.0.1" start > /dev/null
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop > /dev/null 2>&1 || true
}
trap cleanup EXIT
"$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -Atq -c "CREATE DATABASE ocpp" postgres
db="postgres://postgres@127.0.0.1:$pgport/ocpp"
echo "PostgreSQL on 127.0.0.1:$pgport, database $db"

# Two nodes: the same database, their own charger ports and control sockets.
for node in A B; do
  "$bin/ocpp-serve" --node-id "$node" --listen 127.0.0.1:0 --db "$db" --socket "$work/$node.sock" --unknown-tags accept \
    --log-level notice > "$work/$node.out" 2> "$work/$node.log" &
  pids+=($!)
  for _ in $(seq 1 150); do
    grep -q "listening on port" "$work/$node.out" 2>/dev/null && break
    sleep 0.1
  done
  port="$(sed -n 's/^listening on port //p' "$work/$node.out")"
  [ -n "$port" ] || { echo "node $node did not start:"; cat "$work/$node.log"; exit 1; }
  eval "port_$node=$port"
  echo "node $node: chargers on ws://127.0.0.1:$port/ocpp, control socket $work/$node.sock"
done

# The fleet: charger n on node (n mod 2); each boots and charges once.
"$bin/ocpp-sim" --url "ws://127.0.0.1:$port_A/ocpp" --url "ws://127.0.0.1:$port_B/ocpp" --chargers "$chargers" --prefix SIM \
  --profile ac22 --scenario once --speed "$speed" --duration 300 > "$work/sim.out" &
sim=$!
pids+=($sim)
for _ in $(seq 1 100); do
  [ "$("$bin/ocpp-ctl" --socket "$work/A.sock" chargers --connected --json 2>/dev/null | grep -o '"id"' | wc -l)" -ge "$chargers" ] && break
  sleep 0.2
done
echo "--- chargers as node A sees them (connected: on which node):"
"$bin/ocpp-ctl" --socket "$work/A.sock" chargers --connected | head -6
echo "--- through node A, a command to SIM0002 (connected to node B):"
"$bin/ocpp-ctl" --socket "$work/A.sock" trigger SIM0002 StatusNotification --connector 1 || true
wait "$sim" || true
cat "$work/sim.out"

for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()
echo "--- stored:"
for label_sql in \
  "chargers|SELECT count(*) FROM chargers" \
  "transactions (stopped)|SELECT count(*) FROM transactions WHERE stop_ms IS NOT NULL" \
  "energy kWh|SELECT round(sum(meter_stop - meter_start) / 1000.0, 3) FROM transactions" \
  "sampled values|SELECT count(*) FROM meter_values" \
  "commands (all nodes)|SELECT count(*) FROM commands" \
  "events|SELECT count(*) FROM events"; do
  echo "${label_sql%%|*}: $("$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -Atq -c "${label_sql#*|}" ocpp)"
done
echo "node logs: $work/A.log $work/B.log"
