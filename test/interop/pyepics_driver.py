#!/usr/bin/python3
"""Drives pyepics (libca) for the interop tests: one JSON operation per stdin line, one JSON result per
stdout line (or, with a JSON list as argv[1], runs that list and prints one JSON list). The client
environment (EPICS_CA_ADDR_LIST, EPICS_CA_SERVER_PORT, ...) comes from the test. Results never contain
NaN/Infinity (JSON cannot carry them): such floats become the strings "NaN", "Infinity", "-Infinity".

Operations (field "op"):
  connect    name [timeout]            -> connected, ftype, count, read, write
  get        name [ftype] [count] [as_string]  pyepics get_with_metadata -> value + metadata
  caget      name [form] [as_string]   epics.caget / epics.PV(form=...) -> value (+ ctrlvars/timevars)
  rawget     name dbr [count]          libca ca_array_get_callback; the DBR struct as libca delivered it
                                       (host byte order), as hex, for families pyepics cannot unpack
  put        name value [wait] [timeout]  -> status or error
  pvput      name value [wait] [timeout]  the same through epics.PV (enum strings become indices)
  monitor    name [mask] [ftype]       subscribe; events collect until 'events'
  events     name [min] [timeout]      waits for at least min events, returns and clears them
  conn       name [min] [timeout]      connection callback history (True/False) of a channel
  access     name                      read/write access bits as libca sees them
  sleep      seconds                   polls libca
"""
import ctypes
import json
import math
import sys
import threading
import time

import epics
from epics import ca, dbr

channels = {}
pvs = {}
conn_history = {}
events = {}
subscriptions = []
lock = threading.Lock()


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
    if isinstance(v, (list, tuple)) or hasattr(v, "__len__") and hasattr(v, "__getitem__"):
        return [jsonable(x) for x in v]
    if hasattr(v, "value"):
        return jsonable(v.value)
    return repr(v)


def on_conn(pvname=None, conn=None, **_):
    with lock:
        conn_history.setdefault(pvname, []).append(bool(conn))


def chan(name, timeout=5.0):
    chid = channels.get(name)
    if chid is None:
        chid = ca.create_channel(name, connect=False, auto_cb=False, callback=on_conn)
        channels[name] = chid
    if not ca.isConnected(chid):
        ca.connect_channel(chid, timeout=timeout)
    return chid


def op_connect(o):
    chid = chan(o["name"], o.get("timeout", 5.0))
    connected = bool(ca.isConnected(chid))
    out = {"connected": connected}
    if connected:
        out.update(ftype=ca.field_type(chid), count=ca.element_count(chid),
                   read=bool(ca.read_access(chid)), write=bool(ca.write_access(chid)))
    return out


def op_get(o):
    chid = chan(o["name"])
    md = ca.get_with_metadata(chid, ftype=o.get("ftype"), count=o.get("count"),
                              as_string=o.get("as_string", False), as_numpy=False,
                              timeout=o.get("timeout", 5.0))
    if md is None:
        return {"timeout": True}
    md.pop("timestamp", None)
    return md


def op_caget(o):
    form = o.get("form", "native")
    if form == "native":
        return {"value": epics.caget(o["name"], as_string=o.get("as_string", False), as_numpy=False)}
    # PVs are kept: PV.disconnect() would clear the channel this driver shares with pyepics' cache.
    pv = pvs.get((o["name"], form))
    if pv is None:
        pv = pvs[(o["name"], form)] = epics.PV(o["name"], form=form, auto_monitor=False)
    pv.wait_for_connection(timeout=5.0)
    value = pv.get(as_string=o.get("as_string", False), as_numpy=False, timeout=5.0)
    out = {"value": value, "status": pv.status, "severity": pv.severity}
    if form == "ctrl":
        out["ctrlvars"] = pv.get_ctrlvars()
        out["enum_strs"] = pv.enum_strs
        out["units"] = pv.units
        out["precision"] = pv.precision
    else:
        out["posixseconds"] = pv.posixseconds
        out["nanoseconds"] = pv.nanoseconds
    return out


_libca = ca.libca if ca.libca is not None else ca.initialize_libca()
_dbr_size = (39 * ctypes.c_ushort).in_dll(_libca, "dbr_size")
_dbr_value_size = (39 * ctypes.c_ushort).in_dll(_libca, "dbr_value_size")
_raw_results = {}
_raw_seq = [0]


@ctypes.CFUNCTYPE(None, dbr.event_handler_args)
def _on_raw(args):
    key = args.usr
    if args.status != dbr.ECA_NORMAL:
        _raw_results[key] = {"status": args.status}
        return
    n = max(args.count, 1)
    size = _dbr_size[args.type] + (n - 1) * _dbr_value_size[args.type]
    data = ctypes.string_at(args.raw_dbr, size)
    _raw_results[key] = {"status": args.status, "type": args.type, "count": args.count, "hex": data.hex()}


def op_rawget(o):
    chid = chan(o["name"])
    _raw_seq[0] += 1
    key = _raw_seq[0]
    usr = ctypes.py_object(key)  # pyepics' event_handler_args declares usr as a py_object
    ret = _libca.ca_array_get_callback(o["dbr"], o.get("count", 1), chid, _on_raw, usr)
    if ret != dbr.ECA_NORMAL:
        return {"error": ca.message(ret)}
    ca.flush_io()
    deadline = time.time() + o.get("timeout", 5.0)
    while key not in _raw_results and time.time() < deadline:
        ca.poll(evt=1e-3)
    return _raw_results.pop(key, {"timeout": True})


def op_put(o):
    chid = chan(o["name"])
    try:
        status = ca.put(chid, o["value"], wait=o.get("wait", False), timeout=o.get("timeout", 10.0))
    except Exception as err:  # CASeverityException and ChannelAccessException: the test checks the text
        return {"error": str(err)}
    return {"status": status}


def op_pvput(o):
    """Put through epics.PV, which converts enum state strings to indices client-side."""
    pv = pvs.get((o["name"], "ctrl"))
    if pv is None:
        pv = pvs[(o["name"], "ctrl")] = epics.PV(o["name"], form="ctrl", auto_monitor=False)
    pv.wait_for_connection(timeout=5.0)
    try:
        status = pv.put(o["value"], wait=o.get("wait", False), timeout=o.get("timeout", 10.0))
    except Exception as err:  # CASeverityException and ChannelAccessException: the test checks the text
        return {"error": str(err)}
    return {"status": status}


def op_monitor(o):
    name = o["name"]
    chid = chan(name)

    def cb(value=None, **kw):
        with lock:
            events.setdefault(name, []).append(
                {"value": value, "status": kw.get("status"), "severity": kw.get("severity"),
                 "count": kw.get("count"), "units": kw.get("units"),
                 "precision": kw.get("precision"), "enum_strs": kw.get("enum_strs")})

    ftype = o.get("ftype", ca.promote_type(chid, use_time=True))
    ref = ca.create_subscription(chid, ftype=ftype, mask=o.get("mask"), callback=cb)
    subscriptions.append(ref)
    return {"subscribed": True}


def wait_for(get_list, minimum, timeout):
    deadline = time.time() + timeout
    while True:
        with lock:
            n = len(get_list())
        if n >= minimum or time.time() > deadline:
            return
        ca.poll(evt=1e-3)


def op_events(o):
    name = o["name"]
    wait_for(lambda: events.get(name, []), o.get("min", 1), o.get("timeout", 5.0))
    with lock:
        got = events.pop(name, [])
    return {"events": got}


def op_conn(o):
    name = o["name"]
    if name not in channels:
        chan(name)
    wait_for(lambda: conn_history.get(name, []), o.get("min", 1), o.get("timeout", 5.0))
    with lock:
        return {"history": list(conn_history.get(name, []))}


def op_access(o):
    chid = chan(o["name"])
    return {"read": bool(ca.read_access(chid)), "write": bool(ca.write_access(chid))}


def op_sleep(o):
    deadline = time.time() + o.get("seconds", 0.1)
    while time.time() < deadline:
        ca.poll(evt=1e-3)
    return {}


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def run(o):
    try:
        fn = OPS[o["op"]]
        return {"ok": True, **jsonable(fn(o))}
    except Exception as err:  # reported to the test, which fails with the message
        return {"ok": False, "error": "%s: %s" % (type(err).__name__, err)}


def main():
    if len(sys.argv) > 1:
        print(json.dumps([run(o) for o in json.loads(sys.argv[1])], allow_nan=False), flush=True)
        return
    print(json.dumps({"ok": True, "ready": True, "libca": ca.version()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        print(json.dumps(run(json.loads(line)), allow_nan=False), flush=True)


if __name__ == "__main__":
    main()
