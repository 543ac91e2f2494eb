#!/usr/bin/python3
"""Test-only pyepics (libca) driver for the health-IOC integration tests: one JSON operation per stdin
line, one JSON result per stdout line. Operations work on many channels at once so a test file needs one
process and few round trips. The client environment (EPICS_CA_ADDR_LIST, EPICS_CA_SERVER_PORT, ...)
comes from the test. NaN/Infinity become the strings "NaN"/"Infinity"/"-Infinity" (JSON has neither).

Operations (field "op"):
  read     names [ctrl]     connects all, then per name: connected, ftype, count, value, severity,
                            status, timestamp (POSIX s), text (CHAR arrays up to the NUL), access bits; with ctrl the
                            DBR_CTRL metadata (units, precision, enum_strs, limits) too
  put      name value [wait]           -> status (ECA code) or error; a string value goes as
                                       DBR_STRING (no put callback) whatever the native type
  monitor  name                        DBR_TIME subscription; events collect until 'events'
  events   name [min] [timeout]        waits for at least min events, returns and clears them
  sleep    seconds
"""
import ctypes
import json
import math
import sys
import threading
import time

from epics import ca, dbr

channels = {}
events = {}
subscriptions = []
lock = threading.Lock()
CHAR_TYPES = (dbr.CHAR, dbr.TIME_CHAR)


def jsonable(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if hasattr(v, "tolist"):
        return jsonable(v.tolist())
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return repr(v)


def connect_all(names, timeout):
    for name in names:
        if name not in channels:
            channels[name] = ca.create_channel(name, connect=False, auto_cb=False)
    deadline = time.time() + timeout
    for name in names:
        chid = channels[name]
        if not ca.isConnected(chid):
            ca.connect_channel(chid, timeout=max(0.01, deadline - time.time()))


def read_one(name, with_ctrl):
    chid = channels[name]
    if not ca.isConnected(chid):
        return {"connected": False}
    ftype = ca.field_type(chid)
    out = {"connected": True, "ftype": ftype, "count": ca.element_count(chid),
           "read": bool(ca.read_access(chid)), "write": bool(ca.write_access(chid))}
    md = ca.get_with_metadata(chid, ftype=ca.promote_type(chid, use_time=True), as_numpy=False,
                              timeout=5.0)
    if md is None:
        out["timeout"] = True
        return out
    value = md["value"]
    if hasattr(value, "__len__") and not isinstance(value, (str, bytes, bytearray)):
        value = list(value)  # ctypes arrays (CHAR waveforms with as_numpy=False)
    out.update(value=value, severity=md.get("severity"), status=md.get("status"),
               timestamp=md.get("timestamp"))
    if ftype == dbr.CHAR:
        # pyepics hands a CHAR array over as bytes; as ints with some versions and options.
        if isinstance(value, (bytes, bytearray)):
            data = bytes(value)
        else:
            data = bytes(int(x) & 0xFF for x in (value if isinstance(value, (list, tuple)) else [value]))
        out["text"] = data.split(b"\0", 1)[0].decode("latin-1")
    if with_ctrl:
        out["ctrl"] = ca.get_ctrlvars(chid, timeout=5.0)
    return out


def op_read(o):
    names = o["names"]
    connect_all(names, o.get("timeout", 10.0))
    return {"results": {name: read_one(name, o.get("ctrl", False)) for name in names}}


def put_string(chid, text):
    """ca_array_put as DBR_STRING whatever the native type: the server converts (pyepics would map
    enum state names itself)."""
    buf = ctypes.create_string_buffer(text.encode("latin-1"), dbr.MAX_STRING_SIZE)
    ret = ca.libca.ca_array_put(ctypes.c_long(dbr.STRING), ctypes.c_ulong(1), chid, buf)
    ca.flush_io()
    return ret


def op_put(o):
    connect_all([o["name"]], 5.0)
    if isinstance(o["value"], str) and ca.field_type(channels[o["name"]]) != dbr.STRING:
        return {"status": put_string(channels[o["name"]], o["value"])}
    try:
        status = ca.put(channels[o["name"]], o["value"], wait=o.get("wait", True), timeout=10.0)
    except ca.ChannelAccessException as err:
        return {"error": str(err)}
    return {"status": status}


def op_monitor(o):
    name = o["name"]
    connect_all([name], 5.0)
    chid = channels[name]

    def cb(value=None, **kw):
        with lock:
            events.setdefault(name, []).append(
                {"value": value, "status": kw.get("status"), "severity": kw.get("severity"),
                 "at": time.time()})

    ref = ca.create_subscription(chid, use_time=True, callback=cb)
    subscriptions.append(ref)
    return {"subscribed": True}


def op_events(o):
    name = o["name"]
    deadline = time.time() + o.get("timeout", 5.0)
    while True:
        with lock:
            n = len(events.get(name, []))
        if n >= o.get("min", 1) or time.time() > deadline:
            break
        ca.poll(evt=1e-3)
    with lock:
        return {"events": events.pop(name, [])}


def op_sleep(o):
    deadline = time.time() + o.get("seconds", 0.1)
    while time.time() < deadline:
        ca.poll(evt=1e-3)
    return {}


OPS = {name[3:]: fn for name, fn in list(globals().items()) if name.startswith("op_")}


def run(o):
    try:
        return {"ok": True, **jsonable(OPS[o["op"]](o))}
    except Exception as err:  # reported to the test, which fails with the message
        return {"ok": False, "error": "%s: %s" % (type(err).__name__, err)}


def main():
    print(json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if line:
            print(json.dumps(run(json.loads(line)), allow_nan=False), flush=True)


if __name__ == "__main__":
    main()
