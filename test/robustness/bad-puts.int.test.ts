// Bad puts to every writable PV of a .db served by `gwagent ioc` (a real process on loopback): strings
// to numbers, out-of-range enum and menu indices, oversize arrays, DBR types above 38, count 0, short
// GR/CTRL payloads. Each gets its exact ECA status in the WRITE_NOTIFY reply (or an ERROR for WRITE),
// the circuit stays up, the IOC does not crash, and a monitor on another PV keeps flowing undisturbed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { freePort, RawPeer, sleep, until } from './live.js';
import { createChanReq, cstr, eventAddReq, f64, frame, versionReq, type Wire } from './wire.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

const DB = `record(ao, "BP:AO") {
  field(DRVH, "100")
  field(DRVL, "-100")
  field(PREC, "2")
}
record(longout, "BP:LO") {}
record(bo, "BP:BO") {
  field(ZNAM, "Off")
  field(ONAM, "On")
}
record(mbbo, "BP:MBBO") {
  field(ZRST, "zero")
  field(ONST, "one")
  field(TWST, "two")
}
record(stringout, "BP:SO") {}
record(waveform, "BP:WF") {
  field(FTVL, "DOUBLE")
  field(NELM, "8")
}
record(ai, "BP:MON") {}
`;
const RECORDS = ['BP:AO', 'BP:LO', 'BP:BO', 'BP:MBBO', 'BP:SO', 'BP:WF'];
const FIELDS = ['', '.DESC', '.EGU', '.HIHI', '.DRVH', '.SCAN', '.PREC', '.ZNAM', '.ZRST', '.NELM', '.DESC$'];
/** Menu fields: an index beyond their choices is refused (enum VALs accept any index, as dbPut does). */
const MENUS = new Set(['SCAN']);

let ioc: ChildProcess;
let port: number;
let iocOutput = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gwagent-badputs-'));
  writeFileSync(join(dir, 'bp.db'), DB);
  port = await freePort();
  ioc = spawn(process.execPath, ['bin/gwagent.js', 'ioc', '--db', join(dir, 'bp.db')], {
    env: {
      PATH: process.env.PATH,
      ...LOOPBACK_SERVER_ENV,
      EPICS_CAS_BEACON_PORT: String(await freePort()),
      EPICS_CAS_SERVER_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  ioc.stdout!.on('data', (d: Buffer) => (iocOutput += d.toString()));
  ioc.stderr!.on('data', (d: Buffer) => (iocOutput += d.toString()));
  await until(() => /serving \d+ records on port/.test(iocOutput), 15_000, 'gwagent ioc to serve');
});

afterAll(async () => {
  if (ioc.exitCode === null) {
    ioc.kill('SIGTERM');
    await new Promise((resolve) => ioc.once('exit', resolve));
  }
});

interface Chan {
  name: string;
  sid: number;
  type: number;
  count: number;
  writable: boolean;
}

async function openAll(peer: RawPeer, names: string[]): Promise<Chan[]> {
  peer.send(Buffer.concat([versionReq(), ...names.map((n, i) => createChanReq(n, i + 1))]));
  await until(
    () => peer.received.filter((m) => m.cmd === 18 || m.cmd === 26).length === names.length,
    5000,
    'every channel to be answered',
  );
  const rights = new Map(peer.received.filter((m) => m.cmd === 22).map((m) => [m.p1, m.p2]));
  return peer.received
    .filter((m) => m.cmd === 18)
    .map((m) => ({
      name: names[m.p1 - 1]!,
      sid: m.p2,
      type: m.dt,
      count: m.cnt,
      writable: ((rights.get(m.p1) ?? 0) & C.CA_PROTO_ACCESS_RIGHT_WRITE) !== 0,
    }));
}

let ioid = 1000;
/** WRITE_NOTIFY and its reply status. */
async function putNotify(peer: RawPeer, ch: Chan, dt: number, count: number, payload: Buffer) {
  const id = ++ioid;
  peer.send(frame(C.CA_PROTO_WRITE_NOTIFY, dt, count, ch.sid, id, payload));
  return (await peer.waitFor((m) => m.cmd === C.CA_PROTO_WRITE_NOTIFY && m.p2 === id)).p1;
}

async function readDouble(peer: RawPeer, ch: Chan): Promise<number> {
  const id = ++ioid;
  peer.send(frame(C.CA_PROTO_READ_NOTIFY, C.DBR_DOUBLE, 1, ch.sid, id));
  return (await peer.waitFor((m) => m.cmd === C.CA_PROTO_READ_NOTIFY && m.p2 === id)).body.readDoubleBE(0);
}

const isText = (ch: Chan) => ch.type === C.DBF_STRING || ch.name.endsWith('$');
const field = (ch: Chan) => /\.([A-Z]+)\$?$/.exec(ch.name)?.[1] ?? 'VAL';

/** The bad puts, each with the status expected for a given channel. */
const CASES: {
  what: string;
  dt: number;
  count: (ch: Chan) => number;
  payload: (ch: Chan) => Buffer;
  expect: (ch: Chan) => number;
}[] = [
  {
    what: 'string that is not a number (nor a state)',
    dt: C.DBR_STRING,
    count: () => 1,
    payload: () => cstr('not a number'),
    expect: (ch) => (isText(ch) ? C.ECA_NORMAL : C.ECA_PUTFAIL),
  },
  {
    what: 'enum index 99',
    dt: C.DBR_ENUM,
    count: () => 1,
    payload: () => Buffer.from([0, 99]),
    expect: (ch) => (MENUS.has(field(ch)) ? C.ECA_PUTFAIL : C.ECA_NORMAL),
  },
  {
    what: 'array larger than the capacity (truncated, as dbPut does)',
    dt: C.DBR_DOUBLE,
    count: (ch) => ch.count + 5,
    payload: (ch) => f64(...Array.from({ length: ch.count + 5 }, () => 1)),
    expect: () => C.ECA_NORMAL,
  },
  {
    what: 'count 0 with a numeric type',
    dt: C.DBR_DOUBLE,
    count: () => 0,
    payload: () => f64(1),
    expect: () => C.ECA_BADCOUNT,
  },
  { what: 'DBR type 39', dt: 39, count: () => 1, payload: () => f64(1), expect: () => C.ECA_BADTYPE },
  { what: 'DBR type 0xFFFF', dt: 0xffff, count: () => 1, payload: () => f64(1), expect: () => C.ECA_BADTYPE },
  {
    what: 'read-only type DBR_STSACK_STRING',
    dt: C.DBR_STSACK_STRING,
    count: () => 1,
    payload: () => Buffer.alloc(48),
    expect: () => C.ECA_BADTYPE,
  },
  {
    what: 'DBR_CTRL_DOUBLE with an empty payload',
    dt: C.DBR_CTRL_DOUBLE,
    count: () => 1,
    payload: () => Buffer.alloc(0),
    expect: () => C.ECA_BADCOUNT,
  },
];

describe('bad puts to a served .db', () => {
  it('answers each with its exact ECA status while a monitor elsewhere keeps flowing', async () => {
    // The undisturbed neighbour: monitors BP:MON and writes it every 20 ms on its own circuit.
    const good = new RawPeer(port);
    await good.connected();
    const [mon] = await openAll(good, ['BP:MON']);
    good.send(eventAddReq(C.DBR_DOUBLE, 1, mon!.sid, 5));
    await good.waitFor((m) => m.cmd === 1 && m.p2 === 5);
    let written = 0;
    const writer = setInterval(() => good.send(frame(4, C.DBR_DOUBLE, 1, mon!.sid, 1, f64(++written))), 20);

    const bad = new RawPeer(port);
    await bad.connected();
    const names = RECORDS.flatMap((r) => FIELDS.map((f) => r + f));
    const chans = (await openAll(bad, names)).filter((c) => c.writable);
    const results: string[] = [];
    let puts = 0;
    for (const ch of chans) {
      for (const c of CASES) {
        const status = await putNotify(bad, ch, c.dt, c.count(ch), c.payload(ch));
        puts++;
        if (status !== c.expect(ch))
          results.push(`${ch.name} ${c.what}: got ${status}, expected ${c.expect(ch)}`);
      }
    }
    expect(results).toEqual([]);

    // WRITE (no notify) reports failures with ERROR carrying the ECA code, and nothing on success.
    const ao = chans.find((c) => c.name === 'BP:AO')!;
    bad.send(frame(4, 39, 1, ao.sid, 1, f64(1)));
    bad.send(frame(4, C.DBR_STRING, 1, ao.sid, 1, cstr('junk')));
    const errors = async () => {
      await until(() => bad.received.filter((m) => m.cmd === 11).length >= 2, 3000, 'two ERRORs');
      return bad.received.filter((m) => m.cmd === 11).map((m: Wire) => m.p2);
    };
    expect(await errors()).toEqual([C.ECA_BADTYPE, C.ECA_PUTFAIL]);
    // DRVH (set again: the matrix above wrote 1 into it) clamps an out-of-range number; a subscription
    // with an undecodable type closes the circuit without a reply (rsrv; catvs test_get_bad).
    const drvh = chans.find((c) => c.name === 'BP:AO.DRVH')!;
    expect(await putNotify(bad, drvh, C.DBR_DOUBLE, 1, f64(100))).toBe(C.ECA_NORMAL);
    expect(await putNotify(bad, ao, C.DBR_DOUBLE, 1, f64(1e300))).toBe(C.ECA_NORMAL);
    expect(await readDouble(bad, ao)).toBe(100);
    bad.send(eventAddReq(39, 1, ao.sid, 9));
    await until(() => bad.closedByServer, 3000, 'the circuit to close');
    expect(bad.received.some((m) => m.cmd === 1 && m.p2 === 9)).toBe(false);

    // The monitor on BP:MON saw every write, in order, without an error, and the IOC is still up.
    await until(() => written >= 25, 3000, 'the neighbour to write 25 times');
    clearInterval(writer);
    const last = written;
    await until(
      () =>
        good.received
          .filter((m) => m.cmd === 1 && m.p2 === 5)
          .at(-1)
          ?.body.readDoubleBE(0) === last,
      3000,
      'the last BP:MON value',
    );
    const seen = good.received.filter((m) => m.cmd === 1 && m.p2 === 5).map((m) => m.body.readDoubleBE(0));
    // Every value, in order: the initial 0, then one update per write (20 ms apart: nothing coalesces).
    const expected = Array.from({ length: last + 1 }, (_, i) => i);
    console.log(
      `[robustness] bad puts: ${chans.length} writable PVs x ${CASES.length} bad puts = ${puts} puts, all with ` +
        `the expected ECA status; neighbour monitor ${seen.length} updates for ${last} writes (initial + one per write)`,
    );
    expect(seen).toEqual(expected);
    expect(good.received.some((m) => m.cmd === 11)).toBe(false);
    expect(good.closedByServer).toBe(false);
    expect(chans.length).toBeGreaterThan(30);
    await sleep(50);
    expect(ioc.exitCode).toBe(null);
    good.destroy();
    bad.destroy();
  });
});
