# Client side of bench/site-hops.ts, run inside a subnet's namespace with /usr/bin/python3 (pyepics on
# libca). "get NAME N": N sequential ca_get round trips, prints the latencies' percentiles in ms.
# "monitor PREFIX COUNT SECONDS": subscribes PREFIX0..PREFIX<COUNT-1>, counts updates for SECONDS.
import json
import os
import sys
import time

import epics
from epics import ca


def connect(names):
    chids = [ca.create_channel(n, connect=False, auto_cb=False) for n in names]
    end = time.time() + 30
    for chid in chids:
        if not ca.connect_channel(chid, timeout=max(0.1, end - time.time())):
            raise SystemExit(f"not connected: {ca.name(chid)}")
    return chids


def get(name, n):
    (chid,) = connect([name])
    for _ in range(50):  # warm up
        ca.get(chid)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        ca.get(chid)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print(json.dumps({"n": n, "median_ms": pick(0.5), "p99_ms": pick(0.99), "mean_ms": sum(samples) / n}))


def monitor(prefix, count, seconds):
    chids = connect([f"{prefix}{i}" for i in range(count)])
    updates = [0]

    def on_update(**_kw):
        updates[0] += 1

    subs = [ca.create_subscription(chid, callback=on_update) for chid in chids]
    time.sleep(2)  # past the initial updates
    start_count, t0 = updates[0], time.perf_counter()
    end = t0 + seconds
    while time.perf_counter() < end:
        ca.poll(evt=0.01)
    rate = (updates[0] - start_count) / (time.perf_counter() - t0)
    print(json.dumps({"pvs": count, "updates_per_s": rate, "subscriptions": len(subs)}))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "get":
        get(sys.argv[2], int(sys.argv[3]))
    else:
        monitor(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    sys.stdout.flush()
    os._exit(0)  # skip libca's teardown with live subscriptions (it can crash at exit)
