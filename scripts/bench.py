#!/usr/bin/env python3
"""Server figures for BENCHMARKS.md: ocpp-serve (release, SQLite in a temp folder, pinned to core 0) under load
from ocpp-sim (pinned to core 1). Run through scripts/bench.sh, which builds first.

  scripts/bench.sh [--quick] [--skip NAME...]

Prints one table: server CPU per message, RSS per idle charger, connect+boot time, round trips at fixed rates, the
highest rate with p99 under 10 ms, group-commit batch size and commit time, and the ocpp-ctl round trip.
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

BIN = os.environ.get("BIN", ".build/release")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PIN = shutil.which("taskset") is not None and os.cpu_count() and os.cpu_count() >= 2


def pinned(core, argv):
    return (["taskset", "-c", str(core)] + argv) if PIN else argv


class Server:
    def __init__(self, *extra, socket=False):
        self.dir = tempfile.mkdtemp(prefix="ocpp-bench-")
        self.socket = os.path.join(self.dir, "ctl.sock") if socket else "none"
        argv = [f"{BIN}/ocpp-serve", "--listen", "127.0.0.1:0", "--db", os.path.join(self.dir, "ocpp.sqlite"), "--socket", self.socket,
                "--unknown-tags", "accept", "--log-level", "notice", *extra]
        self.err = open(os.path.join(self.dir, "serve.log"), "w+")
        self.proc = subprocess.Popen(pinned(0, argv), stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on port (\d+)", line)
        if not m:
            raise SystemExit(f"ocpp-serve did not start: {line!r}")
        self.port = int(m.group(1))
        self.url = f"ws://127.0.0.1:{self.port}/ocpp"
        if socket:
            for _ in range(100):
                if os.path.exists(self.socket):
                    break
                time.sleep(0.05)
        time.sleep(0.5)

    def cpu_micros(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1_000_000 / CLK_TCK

    def rss_kib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        """SIGTERM; returns the store writer's figures from its last log line."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.err.seek(0)
        figures = {}
        for line in self.err:
            if "writer drained" in line:
                figures = dict(re.findall(r"(\w+)=(\d+)", line))
        shutil.rmtree(self.dir, ignore_errors=True)
        return {k: int(v) for k, v in figures.items()}


def sim(server, *args, during=None):
    """Runs ocpp-sim to completion (pinned to core 1); `during(seconds_elapsed)` is polled once a second."""
    argv = [f"{BIN}/ocpp-sim", "--url", server.url, "--json", "--log-level", "error", *args]
    out = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(pinned(1, argv), stdout=out, stderr=subprocess.DEVNULL, text=True)
    start = time.time()
    while proc.poll() is None:
        time.sleep(1)
        if during:
            during(time.time() - start)
    out.seek(0)
    return json.load(out)


def load_run(rate, seconds, chargers=500, server_args=()):
    """Server CPU per answered message at a fixed offered rate, measured after the fleet booted."""
    server = Server(*server_args)
    marks = {}

    def during(elapsed):
        if elapsed >= 3 and "cpu0" not in marks:
            marks["cpu0"], marks["t0"] = server.cpu_micros(), time.time()
        marks["cpu1"], marks["t1"] = server.cpu_micros(), time.time()

    report = sim(server, "--chargers", str(chargers), "--rate", str(rate), "--duration", str(seconds), during=during)
    writer = server.stop()
    answered = report["messages"]["answered"]
    window = marks["t1"] - marks["t0"]
    # Messages answered inside the CPU window, assuming the steady rate the run achieved after boot.
    achieved = answered / report["wallSeconds"]
    cpu_per_msg = (marks["cpu1"] - marks["cpu0"]) / max(achieved * window, 1)
    return {"rate": rate, "achieved": achieved, "cpu": cpu_per_msg, "lat": report["latencyMs"], "writer": writer,
            "errors": report["messages"]["callErrors"] + report["messages"]["timeouts"] + report["messages"]["invalidAnswers"]}


def idle_run(chargers, seconds):
    server = Server()
    baseline = server.rss_kib()
    samples = []
    report = sim(server, "--chargers", str(chargers), "--scenario", "idle", "--duration", str(seconds), "--connect-concurrency", "256",
                 during=lambda e: samples.append(server.rss_kib()) if e > seconds - 4 else None)
    server.stop()
    loaded = max(samples) if samples else server.rss_kib()
    return {"booted": report["booted"], "bootSeconds": report["allBootedSeconds"], "perCharger": (loaded - baseline) / chargers,
            "baseline": baseline}


def ctl_round_trip(count):
    server = Server(socket=True)
    proc = subprocess.Popen(pinned(1, [f"{BIN}/ocpp-sim", "--url", server.url, "--prefix", "CTL", "--scenario", "idle", "--speed", "1000",
                                        "--log-level", "error"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctl = [f"{BIN}/ocpp-ctl", "--socket", server.socket]
    times = []
    deadline = time.time() + 60
    while len(times) < count and time.time() < deadline:
        t = time.perf_counter()
        status = subprocess.run(ctl + ["reset", "CTL0001"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        elapsed = (time.perf_counter() - t) * 1000
        if status == 0:
            times.append(elapsed)
        time.sleep(0.1)  # the charger reboots (5 simulated seconds = 5 ms) and reconnects
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    server.stop()
    times.sort()
    return {"n": len(times), "p50": times[len(times) // 2] if times else 0, "p99": times[min(len(times) - 1, int(len(times) * 0.99))] if times else 0}


def metrics_cost(rounds, seconds):
    """What the metrics cost per message: saturation runs alternating --metrics on and off (medians of `rounds`)."""
    figures = {"on": [], "off": []}
    for i in range(rounds):
        for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):
            r = load_run(50000, seconds, server_args=("--metrics", mode))
            figures[mode].append((r["cpu"], r["achieved"]))
            print(f"    metrics {mode}: {r['cpu']:.2f} µs/msg, {r['achieved']:.0f} msg/s, {r['errors']} errors", file=sys.stderr, flush=True)
    on = statistics.median(c for c, _ in figures["on"])
    off = statistics.median(c for c, _ in figures["off"])
    print(f"CPU per message, median of {rounds}: metrics on {on:.2f} µs, off {off:.2f} µs, difference {on - off:+.2f} µs")
    print(f"answered per second, median: on {statistics.median(a for _, a in figures['on']):.0f}, off {statistics.median(a for _, a in figures['off']):.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs, 2 000 instead of 10 000 chargers")
    parser.add_argument("--skip", nargs="*", default=[], help="parts to skip: load idle steps ctl")
    parser.add_argument("--metrics-cost", type=int, metavar="ROUNDS", help="only: CPU per message with --metrics on and off, back to back")
    args = parser.parse_args()
    if args.metrics_cost:
        metrics_cost(args.metrics_cost, 8 if args.quick else 15)
        return
    seconds = 8 if args.quick else 15
    rows = []

    def row(name, value, aim=""):
        rows.append((name, value, aim))
        print(f"  {name}: {value}", file=sys.stderr, flush=True)

    if "load" not in args.skip:
        for rate in (1000, 5000):
            r = load_run(rate, seconds)
            w = r["writer"]
            row(f"round trip p50 / p99 / max at {rate} msg/s offered ({r['achieved']:.0f} answered/s, {r['errors']} errors)",
                f"{r['lat']['p50']} / {r['lat']['p99']} / {r['lat']['max']} ms", "p99 < 10 ms at 5 000 msg/s" if rate == 5000 else "")
            row(f"server CPU per message at {rate} msg/s offered", f"{r['cpu']:.0f} µs", "< 25 µs at saturation")
            if w.get("batches"):
                row(f"SQLite group commit at {rate} msg/s: operations per batch (mean / largest), commit time per batch",
                    f"{w['committed'] / w['batches']:.1f} / {w['largestBatch']}, {w['commitMicrosPerBatch'] / 1000:.2f} ms")
        r = load_run(50000, seconds)
        row(f"saturation: messages answered per second (50 000 offered)", f"{r['achieved']:.0f}")
        row("server CPU per message at saturation", f"{r['cpu']:.0f} µs", "< 25 µs")
    if "steps" not in args.skip:
        best = 0
        for rate in (250, 500, 1000, 2000, 3000, 5000, 8000):
            r = load_run(rate, max(6, seconds // 2))
            print(f"    {rate} msg/s: p99 {r['lat']['p99']} ms", file=sys.stderr, flush=True)
            if r["lat"]["p99"] >= 10 or r["errors"] or r["achieved"] < rate * 0.9:
                break
            best = rate
        row("highest offered rate with p99 under 10 ms (steps 250 … 8 000)", f"{best} msg/s" if best else "none of the steps")
    if "idle" not in args.skip:
        for n in (1000, 2000 if args.quick else 10000):
            r = idle_run(n, 20 if n <= 2000 else 40)
            row(f"server RSS per idle connected charger at {n} chargers", f"{r['perCharger']:.1f} KiB", "< 16 KiB")
            row(f"connect + boot of {n} chargers ({r['booted']} booted)", f"{r['bootSeconds']:.2f} s" if r["bootSeconds"] else "not all booted",
                "10 000 in < 10 s" if n >= 10000 else "")
    if "ctl" not in args.skip:
        r = ctl_round_trip(30 if args.quick else 100)
        row(f"ocpp-ctl reset round trip against a simulated charger (process start included, n={r['n']})",
            f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms")
    print("| Figure | Value | Aim |")
    print("|---|---|---|")
    for name, value, aim in rows:
        print(f"| {name} | {value} | {aim} |")


if __name__ == "__main__":
    main()
