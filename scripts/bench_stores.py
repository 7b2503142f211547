#!/usr/bin/env python3
"""SQLite against PostgreSQL under the same load, side by side in one run (issue 18). Run through scripts/bench.sh
--stores [--quick], which builds the release binaries first.

ocpp-serve is pinned to core 0 and ocpp-sim (500 chargers, load mode) to core 1, as in bench.py. PostgreSQL (Debian's
binaries, initdb into a temp folder, fsync and synchronous_commit on, loopback) runs on core 0 beside the server, so
each engine gets the server's core: SQLite works inside the server's process, PostgreSQL in its own. Both columns
therefore give the server's CPU per message and the server-plus-database CPU per message. Runs alternate between the
engines, each rate on a fresh database.
"""
import argparse, atexit, glob, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql")
    return os.path.dirname(found[-1])


class Postgres:
    """A throwaway cluster pinned to core 0; as root its processes run as the `postgres` user."""

    def __init__(self):
        self.bin = pg_bin()
        self.dir = tempfile.mkdtemp(prefix="ocpp-bench-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = 25432 + os.getpid() % 1000
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, stdout=subprocess.DEVNULL)
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on "
                   "-c shared_buffers=256MB -c max_connections=100")
        subprocess.run(bench.pinned(0, self.as_user + [f"{self.bin}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"),
                                                       "-o", options, "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
        atexit.register(self.stop)
        self.count = 0

    def new_database(self):
        self.count += 1
        name = f"bench_{self.count}"
        subprocess.run([f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-qc",
                        f"CREATE DATABASE {name}"], check=True)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def pids(self):
        master = int(open(os.path.join(self.data, "postmaster.pid")).readline())
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                    if int(stat[1]) == master:
                        children.append(int(entry))
                except OSError:
                    pass
        return [master] + children

    def cpu_micros(self):
        """CPU of the cluster's live processes (a backend that exited inside the window is not counted)."""
        total = 0
        for pid in self.pids():
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) * 1_000_000 / bench.CLK_TCK
            except OSError:
                pass
        return total

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def run(engine, postgres, rate, seconds, chargers):
    """One load run: server CPU and database CPU per answered message, the round trips, the writer's batches."""
    db = postgres.new_database() if engine == "postgres" else None
    server = bench.Server(db=db)
    marks = {}

    def during(elapsed):
        if elapsed >= 3 and "t0" not in marks:
            marks["cpu0"], marks["db0"], marks["t0"] = server.cpu_micros(), postgres.cpu_micros() if db else 0, time.time()
        marks["cpu1"], marks["db1"], marks["t1"] = server.cpu_micros(), postgres.cpu_micros() if db else 0, time.time()

    report = bench.sim(server, "--chargers", str(chargers), "--rate", str(rate), "--duration", str(seconds), "--warmup", str(bench.WARMUP), during=during)
    writer = server.stop()
    answered = report["messages"]["answered"]
    achieved = answered / report["wallSeconds"]
    messages = max(achieved * (marks["t1"] - marks["t0"]), 1)
    server_cpu = (marks["cpu1"] - marks["cpu0"]) / messages
    db_cpu = (marks["db1"] - marks["db0"]) / messages
    errors = report["messages"]["callErrors"] + report["messages"]["timeouts"] + report["messages"]["invalidAnswers"]
    batch = writer.get("committed", 0) / max(writer.get("batches", 1), 1)
    return {"achieved": achieved, "server": server_cpu, "total": server_cpu + db_cpu, "lat": report["latencyMs"], "errors": errors,
            "batch": batch, "commitMicros": writer.get("commitMicrosPerBatch", 0)}


def node(db, core):
    """An ocpp-serve node on `db` pinned to `core` (None: not pinned); returns (process, url)."""
    argv = [f"{bench.BIN}/ocpp-serve", "--listen", "127.0.0.1:0", "--db", db, "--socket", "none", "--unknown-tags", "accept",
            "--log-level", "notice"]
    proc = subprocess.Popen(bench.pinned(core, argv) if core is not None else argv, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    port = int(line.rsplit(" ", 1)[1])
    return proc, f"ws://127.0.0.1:{port}/ocpp"


def nodes_run(postgres, count, seconds, chargers):
    """Answered msg/s at saturation with `count` nodes on one PostgreSQL, node i pinned to core i, the fleet split
    over the nodes by ocpp-sim (--url repeated), the simulator and PostgreSQL not pinned."""
    db = postgres.new_database()
    started = [node(db, i % 2) for i in range(count)]
    try:
        urls = [arg for _, url in started for arg in ("--url", url)]
        out = tempfile.TemporaryFile(mode="w+")
        subprocess.run([f"{bench.BIN}/ocpp-sim", *urls, "--json", "--log-level", "error", "--chargers", str(chargers),
                        "--rate", "50000", "--duration", str(seconds)], stdout=out, stderr=subprocess.DEVNULL, check=False)
        out.seek(0)
        report = __import__("json").load(out)
    finally:
        for proc, _ in started:
            proc.terminate()
            proc.wait(timeout=60)
    return report["messages"]["answered"] / report["wallSeconds"], report["latencyMs"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 s runs instead of 20 s")
    parser.add_argument("--rates", default="50000,5000,1000,200", help="offered msg/s, comma-separated (50000: saturation)")
    parser.add_argument("--chargers", type=int, default=500)
    parser.add_argument("--nodes", action="store_true", help="only: throughput of one node against two on one PostgreSQL")
    args = parser.parse_args()
    seconds = 10 if args.quick else 20
    postgres = Postgres()
    if args.nodes:
        print("| nodes | answered msg/s at saturation | p50 / p99 ms |")
        print("|---|---|---|")
        for count in (1, 2, 1, 2):
            rate, lat = nodes_run(postgres, count, seconds, args.chargers)
            print(f"| {count} | {rate:.0f} | {lat['p50']:.1f} / {lat['p99']:.1f} |", flush=True)
        return
    rows = []
    for rate in [int(r) for r in args.rates.split(",")]:
        results = {engine: run(engine, postgres, rate, seconds, args.chargers) for engine in ("sqlite", "postgres")}
        rows.append((rate, results))
        for engine, r in results.items():
            print(f"{engine} @ {rate}: {r['achieved']:.0f} msg/s, server {r['server']:.0f} us/msg, with database {r['total']:.0f} us/msg, "
                  f"p50/p99 {r['lat']['p50']:.2f}/{r['lat']['p99']:.2f} ms, batch {r['batch']:.1f}, commit {r['commitMicros']} us, "
                  f"errors {r['errors']}", file=sys.stderr, flush=True)
    print("| offered msg/s | engine | answered msg/s | server CPU per message | server + database CPU per message | p50 / p99 ms | "
          "operations per commit, commit time |")
    print("|---|---|---|---|---|---|---|")
    for rate, results in rows:
        label = "saturation" if rate >= 50000 else f"{rate:,}".replace(",", " ")
        for engine, r in results.items():
            print(f"| {label} | {engine} | {r['achieved']:.0f} | {r['server']:.0f} µs | {r['total']:.0f} µs | "
                  f"{r['lat']['p50']:.2f} / {r['lat']['p99']:.2f} | {r['batch']:.1f}, {r['commitMicros'] / 1000:.2f} ms |"
                  + (f" ({r['errors']} errors)" if r["errors"] else ""))


if __name__ == "__main__":
    main()
