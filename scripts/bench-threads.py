#!/usr/bin/env python3
"""Where ocpp-serve's CPU goes per thread (issue 19): one load run as in bench.py (server pinned to core 0, ocpp-sim's
load mode on core 1, 500 chargers), then CPU per answered message, user/system time and voluntary/involuntary context
switches per message for each thread name (/proc/PID/task/*), over a window that opens 2 s after every socket is open.
`--perf FILE` records `perf record` of the server over the same window.

  BIN=.build/release python3 scripts/bench-threads.py --rate 200 [--seconds 20] [--window 10] [--perf p.data]
"""
import os, sys, time, subprocess, argparse, collections
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench

ap = argparse.ArgumentParser()
ap.add_argument("--rate", type=int, default=200)
ap.add_argument("--seconds", type=int, default=20)
ap.add_argument("--window", type=float, default=10)
ap.add_argument("--perf", default=None, help="perf.data output")
ap.add_argument("--perf-args", default="-g")
ap.add_argument("--server-args", default="")
ap.add_argument("--boot", type=int, default=1500)
a = ap.parse_args()

def threads(pid):
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = open(f"/proc/{pid}/task/{t}/comm").read().strip()
            ns = int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[0])
            st = open(f"/proc/{pid}/task/{t}/status").read()
            v = int(st.split("voluntary_ctxt_switches:")[1].split()[0]); nv = int(st.split("nonvoluntary_ctxt_switches:")[1].split()[0])
            f = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
            out[t] = (comm, ns, v, nv, int(f[11]), int(f[12]))
        except (OSError, IndexError, ValueError):
            pass
    return out

server = bench.Server(*a.server_args.split())
pid = server.proc.pid
marks = {}
perfp = [None]
def during(elapsed):
    if "connected" not in marks and server.sockets() > 500:
        marks["connected"] = elapsed
    if "t0" not in marks and "connected" in marks and elapsed >= max(marks["connected"] + 2, 3):
        marks["t0"] = time.time(); marks["s0"] = threads(pid)
        if a.perf:
            perfp[0] = subprocess.Popen(["perf", "record", *a.perf_args.split(), "-p", str(pid), "-o", a.perf, "--", "sleep", str(a.window)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if "t0" in marks and "t1" not in marks and time.time() - marks["t0"] >= a.window:
        marks["t1"] = time.time(); marks["s1"] = threads(pid)
report = bench.sim(server, "--chargers", "500", "--rate", str(a.rate), "--duration", str(a.seconds), during=during)
writer = server.stop()
if perfp[0]: perfp[0].wait()
ans = report["messages"]["answered"]
rate = max(ans - a.boot, 0) / (report["wallSeconds"] - report["allBootedSeconds"])
win = marks["t1"] - marks["t0"]
msgs = rate * win
s0, s1 = marks["s0"], marks["s1"]
groups = collections.defaultdict(lambda: [0, 0, 0, 0, 0, 0])
for t, v1 in s1.items():
    v0 = s0.get(t, (v1[0], 0, 0, 0, 0, 0))
    g = groups[v1[0]]
    g[0] += v1[1] - v0[1]; g[1] += v1[2] - v0[2]; g[2] += v1[3] - v0[3]; g[3] += 1; g[4] += v1[4]-v0[4]; g[5] += v1[5]-v0[5]
tot = [sum(g[i] for g in groups.values()) for i in range(6)]
print(f"rate {rate:.0f} msg/s answered, window {win:.1f}s, msgs {msgs:.0f}, lat p50/p99 {report['latencyMs']['p50']}/{report['latencyMs']['p99']} ms, errors {report['messages']['callErrors']+report['messages']['timeouts']}, load {os.getloadavg()[0]:.2f}")
print(f"TOTAL cpu {tot[0]/1000/msgs:.1f} us/msg (user {tot[4]*1e6/bench.CLK_TCK/msgs:.0f} sys {tot[5]*1e6/bench.CLK_TCK/msgs:.0f}), vol sw {tot[1]/msgs:.2f}/msg, invol {tot[2]/msgs:.2f}/msg")
for comm, g in sorted(groups.items(), key=lambda kv: -kv[1][0]):
    if g[0] == 0 and g[1] == 0: continue
    print(f"  {comm:40s} n={g[3]:2d} cpu {g[0]/1000/msgs:7.1f} us/msg  vol {g[1]/msgs:5.2f} invol {g[2]/msgs:5.2f}")
print("writer:", writer)
