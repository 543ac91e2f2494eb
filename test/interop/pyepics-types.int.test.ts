// Interop with the real libca (through pyepics): every DBR family (plain, STS, TIME, GR, CTRL) of every
// native type, CTRL metadata, count-0 reads and a 100 000-element array. pyepics unpacks plain/TIME/CTRL
// itself; STS and GR (which pyepics cannot unpack) are read with ca_array_get_callback and the struct libca
// delivered (host byte order) is decoded here with the offsets of ca-protocol.md §7.4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import type { Metadata } from '../../src/ca/value.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { PyEpics } from './pyepics.js';
import { clientEnv, freePort, startServer, type Started } from './server-fixture.js';

const STAMP = { secPastEpoch: 1072915200, nsec: 500000000 }; // 2024-01-01T00:00:00.5Z
const POSIX_SECONDS = 1072915200 + 631152000;

const numericMeta: Partial<Metadata> = {
  units: 'mm',
  upperDispLimit: 100,
  lowerDispLimit: -100,
  upperAlarmLimit: 90,
  upperWarningLimit: 80,
  lowerWarningLimit: -80,
  lowerAlarmLimit: -90,
  upperCtrlLimit: 50,
  lowerCtrlLimit: -50,
};
const charMeta: Partial<Metadata> = {
  ...numericMeta,
  lowerDispLimit: 1,
  lowerWarningLimit: 3,
  lowerAlarmLimit: 2,
  lowerCtrlLimit: 4,
};

interface Case {
  name: string;
  native: C.DbfType;
  value: number | string;
  meta: Partial<Metadata>;
}

const CASES: Case[] = [
  { name: 'T:STRING', native: 0, value: 'hello world', meta: {} },
  { name: 'T:SHORT', native: 1, value: -12, meta: numericMeta },
  { name: 'T:FLOAT', native: 2, value: 1.5, meta: { ...numericMeta, units: 'V', precision: 3 } },
  { name: 'T:ENUM', native: 3, value: 1, meta: { enumStrings: ['Off', 'On', 'Fault'] } },
  { name: 'T:CHAR', native: 4, value: 65, meta: charMeta },
  { name: 'T:LONG', native: 5, value: 123456, meta: numericMeta },
  { name: 'T:DOUBLE', native: 6, value: 3.25, meta: { ...numericMeta, units: 'degC', precision: 2 } },
];

const provider = new SimpleProvider();
for (const c of CASES) {
  const pv = provider.add(new SimplePv(c.name, c.native, [c.value] as number[] | string[], 1, c.meta));
  pv.set([c.value] as number[] | string[], { stamp: STAMP, status: C.HIGH_ALARM, severity: C.MINOR_ALARM });
}
provider.add(new SimplePv('A:EMPTY', 6, [], 10));
provider.add(new SimplePv('A:PART', 5, [7, 8, 9], 10));
const BIG = Float64Array.from({ length: 100000 }, (_, i) => i * 0.5);
provider.add(new SimplePv('A:BIG', 6, BIG, 100000));

let s: Started;
let py: PyEpics;

beforeAll(async () => {
  s = await startServer(provider);
  py = await PyEpics.start(clientEnv(s.port, await freePort()));
});
afterAll(async () => {
  await py?.stop();
  await s?.server.close();
});

/** Reads element `i` of a host-order (little-endian) value array of `native` type at byte `off`. */
function readLe(buf: Buffer, off: number, native: number): number | string {
  switch (native) {
    case 0:
      return buf.toString('latin1', off, buf.indexOf(0, off));
    case 1:
      return buf.readInt16LE(off);
    case 2:
      return buf.readFloatLE(off);
    case 3:
      return buf.readUInt16LE(off);
    case 4:
      return buf.readUInt8(off);
    case 5:
      return buf.readInt32LE(off);
    default:
      return buf.readDoubleLE(off);
  }
}

const STS_OFFSET = [4, 4, 4, 4, 5, 4, 8];
const GR_OFFSET = [4, 24, 40, 422, 19, 36, 64];
const ELEMENT = [40, 2, 4, 2, 1, 4, 8];

describe.each(CASES)('$name (native type $native) through libca', (c) => {
  it('connects with the native type and count', async () => {
    const r = await py.do({ op: 'connect', name: c.name });
    expect(r).toMatchObject({ connected: true, ftype: c.native, count: 1, read: true, write: true });
  });

  it('plain DBR', async () => {
    const r = await py.do({ op: 'get', name: c.name, ftype: c.native });
    expect(r.value).toEqual(c.value);
  });

  it('DBR_STS: status, severity and value at the STS offset', async () => {
    const r = await py.do({ op: 'rawget', name: c.name, dbr: 7 + c.native });
    expect(r).toMatchObject({ status: 1, type: 7 + c.native, count: 1 });
    const b = Buffer.from(r.hex as string, 'hex');
    expect([b.readInt16LE(0), b.readInt16LE(2)]).toEqual([C.HIGH_ALARM, C.MINOR_ALARM]);
    expect(readLe(b, STS_OFFSET[c.native]!, c.native)).toEqual(c.value);
  });

  it('DBR_TIME: value, alarm and EPICS-epoch time stamp', async () => {
    const r = await py.do({ op: 'get', name: c.name, ftype: 14 + c.native });
    expect(r).toMatchObject({
      value: c.value,
      status: C.HIGH_ALARM,
      severity: C.MINOR_ALARM,
      posixseconds: POSIX_SECONDS,
      nanoseconds: 500000000,
    });
  });

  it('DBR_GR: units and display/alarm limits (STS layout for strings, enum strings for enums)', async () => {
    const r = await py.do({ op: 'rawget', name: c.name, dbr: 21 + c.native });
    expect(r).toMatchObject({ status: 1, type: 21 + c.native, count: 1 });
    const b = Buffer.from(r.hex as string, 'hex');
    expect([b.readInt16LE(0), b.readInt16LE(2)]).toEqual([C.HIGH_ALARM, C.MINOR_ALARM]);
    expect(readLe(b, GR_OFFSET[c.native]!, c.native)).toEqual(c.value);
    if (c.native === 3) {
      expect(b.readInt16LE(4)).toBe(3);
      expect([6, 32, 58].map((o) => b.toString('latin1', o, b.indexOf(0, o)))).toEqual([
        'Off',
        'On',
        'Fault',
      ]);
    } else if (c.native !== 0) {
      const real = c.native === 2 || c.native === 6;
      const unitsAt = real ? 8 : 4;
      expect(b.toString('latin1', unitsAt, b.indexOf(0, unitsAt))).toBe(c.meta.units);
      if (real) expect(b.readInt16LE(4)).toBe(c.meta.precision);
      const first = real ? 16 : 12;
      const limits = Array.from({ length: 6 }, (_, k) => readLe(b, first + k * ELEMENT[c.native]!, c.native));
      const m = c.meta;
      expect(limits).toEqual([
        m.upperDispLimit,
        m.lowerDispLimit,
        m.upperAlarmLimit,
        m.upperWarningLimit,
        m.lowerWarningLimit,
        m.lowerAlarmLimit,
      ]);
    }
  });

  it('DBR_CTRL: pyepics sees units, precision, all eight limits or the enum strings', async () => {
    const r = await py.do({ op: 'get', name: c.name, ftype: 28 + c.native });
    expect(r).toMatchObject({ value: c.value, status: C.HIGH_ALARM, severity: C.MINOR_ALARM });
    if (c.native === 3) expect(r.enum_strs).toEqual(['Off', 'On', 'Fault']);
    if (c.native !== 0 && c.native !== 3) {
      const m = c.meta;
      expect(r).toMatchObject({
        units: m.units,
        upper_disp_limit: m.upperDispLimit,
        lower_disp_limit: m.lowerDispLimit,
        upper_alarm_limit: m.upperAlarmLimit,
        upper_warning_limit: m.upperWarningLimit,
        lower_warning_limit: m.lowerWarningLimit,
        lower_alarm_limit: m.lowerAlarmLimit,
        upper_ctrl_limit: m.upperCtrlLimit,
        lower_ctrl_limit: m.lowerCtrlLimit,
      });
      if (c.native === 2 || c.native === 6) expect(r.precision).toBe(m.precision);
    }
  });

  it("caget and PV(form='time'/'ctrl') agree", async () => {
    const plain = await py.do({ op: 'caget', name: c.name });
    expect(plain.value).toEqual(c.value);
    const time = await py.do({ op: 'caget', name: c.name, form: 'time' });
    expect(time).toMatchObject({ value: c.value, status: C.HIGH_ALARM, severity: C.MINOR_ALARM });
    expect(time.posixseconds).toBe(POSIX_SECONDS);
    const ctrl = await py.do({ op: 'caget', name: c.name, form: 'ctrl' });
    expect(ctrl.value).toEqual(c.value);
    if (c.native === 3) expect(ctrl.enum_strs).toEqual(['Off', 'On', 'Fault']);
    if (c.native === 6) expect(ctrl).toMatchObject({ units: 'degC', precision: 2 });
  });
});

describe('conversions seen by libca', () => {
  it('DOUBLE as DBR_STRING uses PREC; ENUM as DBR_STRING is the state string', async () => {
    expect((await py.do({ op: 'get', name: 'T:DOUBLE', ftype: 0 })).value).toBe('3.25');
    expect((await py.do({ op: 'get', name: 'T:FLOAT', ftype: 0 })).value).toBe('1.500');
    expect((await py.do({ op: 'get', name: 'T:ENUM', ftype: 0 })).value).toBe('On');
    expect((await py.do({ op: 'get', name: 'T:LONG', ftype: 6 })).value).toBe(123456);
  });
});

describe('arrays through libca', () => {
  it('an empty array reads as zero elements (count 0 request)', async () => {
    const c = await py.do({ op: 'connect', name: 'A:EMPTY' });
    expect(c).toMatchObject({ connected: true, ftype: 6, count: 10 });
    const r = await py.do({ op: 'rawget', name: 'A:EMPTY', dbr: 6, count: 0 });
    expect(r).toMatchObject({ status: 1, type: 6, count: 0 });
    const g = await py.do({ op: 'get', name: 'A:EMPTY', ftype: 20 });
    expect(g.value).toEqual([]);
  });

  it('count 0 returns the current length; an explicit count is zero-filled', async () => {
    expect((await py.do({ op: 'get', name: 'A:PART' })).value).toEqual([7, 8, 9]);
    expect((await py.do({ op: 'get', name: 'A:PART', count: 5 })).value).toEqual([7, 8, 9, 0, 0]);
  });

  it('100 000 doubles arrive whole (extended header)', async () => {
    const c = await py.do({ op: 'connect', name: 'A:BIG' });
    expect(c).toMatchObject({ connected: true, count: 100000 });
    const r = await py.do({ op: 'get', name: 'A:BIG', ftype: 20 });
    const v = r.value as number[];
    expect(v).toHaveLength(100000);
    expect([v[0], v[1], v[77777], v[99999]]).toEqual([0, 0.5, 38888.5, 49999.5]);
  });
});
