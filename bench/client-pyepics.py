#!/usr/bin/python3
# libca side of the client benchmark, through pyepics (Debian python3-pyepics on libca 3.15/7.0):
# sequential get round-trips per second on BENCH:GET and monitor events per second on BENCH:MON.
# Reads EPICS_CA_* from the environment. Prints one JSON object. Usage: client-pyepics.py SECONDS
import json
import sys
import time

from epics import ca

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0

get_chid = ca.create_channel('BENCH:GET', connect=False, auto_cb=False)
mon_chid = ca.create_channel('BENCH:MON', connect=False, auto_cb=False)
if not (ca.connect_channel(get_chid, timeout=5.0) and ca.connect_channel(mon_chid, timeout=5.0)):
    print(json.dumps({'error': 'channels did not connect'}))
    sys.exit(1)

# Sequential round trips: ca_array_get_callback + wait, as ca.get does.
n = 0
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    ca.get(get_chid, ftype=ca.promote_type(get_chid, use_time=True), wait=True, timeout=5.0)
    n += 1
gets = n / (time.perf_counter() - start)

count = [0]


def on_event(*args, **kws):
    count[0] += 1


handle = ca.create_subscription(mon_chid, use_time=True, callback=on_event, mask=5)
time.sleep(0.5)
count[0] = 0
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    ca.poll(evt=0.01)
elapsed = time.perf_counter() - start
events = count[0] / elapsed
ca.clear_subscription(handle[2])
print(json.dumps({'client': 'pyepics/libca', 'getsPerSecond': round(gets), 'monitorEventsPerSecond': round(events)}))
