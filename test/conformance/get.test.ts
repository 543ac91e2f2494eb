// Gets (READ_NOTIFY and the old READ) through the circuit: every plain type from DOUBLE, LONG, STRING
// and ENUM PVs, bad type and count, arrays with counts 0/1/2/5, extended headers. Expected payloads are
// hand-written hex from ca-protocol.md §7-§8 and Appendix A.5.
import { describe, expect, it } from 'vitest';
import { SimplePv } from '../support/simple-pvs.js';
import { hex, toHex } from '../support/hex.js';
import { fields, frame, rig } from './harness.js';

const STRING_PAD = (text: string) =>
  toHex(Buffer.concat([Buffer.from(text, 'latin1'), Buffer.alloc(40 - text.length)]));

function setup() {
  const r = rig();
  r.provider.add(new SimplePv('dbl', 6, [3.25], 1, { precision: 2 }));
  r.provider.add(new SimplePv('long', 5, [-7]));
  r.provider.add(new SimplePv('str', 0, ['12.5']));
  r.provider.add(new SimplePv('enum', 3, [1], 1, { enumStrings: ['Off', 'On'] }));
  r.provider.add(new SimplePv('arr', 1, [1, 2, 3, 4, 5], 5));
  return r;
}

/** READ_NOTIFY of `type` x `count` on `name`: the reply's header fields and payload hex. */
function get(name: string, type: number, count = 1) {
  const r = setup();
  const sid = r.open(name, 1);
  const out = r.send(frame(15, type, count, sid, 0x44));
  expect(out).toHaveLength(1);
  return { h: fields(out[0]!), body: toHex(out[0]!.body) };
}

const conversions: [string, number, string][] = [
  // from DOUBLE 3.25, PREC 2
  ['dbl', 0, STRING_PAD('3.25')],
  ['dbl', 1, '00 03 00 00 00 00 00 00'],
  ['dbl', 2, '40 50 00 00 00 00 00 00'],
  ['dbl', 3, '00 03 00 00 00 00 00 00'],
  ['dbl', 4, '03 00 00 00 00 00 00 00'],
  ['dbl', 5, '00 00 00 03 00 00 00 00'],
  ['dbl', 6, '40 0A 00 00 00 00 00 00'],
  // from LONG -7: C casts
  ['long', 0, STRING_PAD('-7')],
  ['long', 1, 'FF F9 00 00 00 00 00 00'],
  ['long', 2, 'C0 E0 00 00 00 00 00 00'],
  ['long', 3, 'FF F9 00 00 00 00 00 00'],
  ['long', 4, 'F9 00 00 00 00 00 00 00'],
  ['long', 5, 'FF FF FF F9 00 00 00 00'],
  ['long', 6, 'C0 1C 00 00 00 00 00 00'],
  // from STRING "12.5": strtod for floats, the integer part for integers
  ['str', 0, STRING_PAD('12.5')],
  ['str', 1, '00 0C 00 00 00 00 00 00'],
  ['str', 2, '41 48 00 00 00 00 00 00'],
  ['str', 3, '00 0C 00 00 00 00 00 00'],
  ['str', 4, '0C 00 00 00 00 00 00 00'],
  ['str', 5, '00 00 00 0C 00 00 00 00'],
  ['str', 6, '40 29 00 00 00 00 00 00'],
  // from ENUM 1 of [Off, On]: the state string, otherwise the index
  ['enum', 0, STRING_PAD('On')],
  ['enum', 1, '00 01 00 00 00 00 00 00'],
  ['enum', 2, '3F 80 00 00 00 00 00 00'],
  ['enum', 3, '00 01 00 00 00 00 00 00'],
  ['enum', 4, '01 00 00 00 00 00 00 00'],
  ['enum', 5, '00 00 00 01 00 00 00 00'],
  ['enum', 6, '3F F0 00 00 00 00 00 00'],
];

describe('READ_NOTIFY with conversion to every plain type', () => {
  it.each(conversions)('%s as DBR type %i', (name, type, expected) => {
    const { h, body } = get(name, type);
    expect(h).toEqual([15, type === 0 ? 40 : 8, type, 1, 1, 0x44]);
    expect(body).toBe(toHex(hex(expected)));
  });

  it('DBR_TIME_DOUBLE with count 0, byte for byte (A.5)', () => {
    const r = setup();
    const pv = r.provider.add(new SimplePv('TEST:A', 6, [3.25]));
    pv.set([3.25], { stamp: { secPastEpoch: 1072915200, nsec: 500000000 } });
    const sid = r.open('TEST:A', 1);
    const out = r.send(frame(15, 20, 0, sid, 7));
    expect(toHex(r.transport.takeBytes())).toBe('');
    expect(out.map(fields)).toEqual([[15, 24, 20, 1, 1, 7]]);
    expect(toHex(out[0]!.body)).toBe(toHex(hex('0000 0000 3FF36300 1DCD6500 00000000 400A000000000000')));
  });

  it('DBR_STS_LONG carries alarm status and severity (catvs ival)', () => {
    const r = setup();
    const pv = r.provider.add(new SimplePv('ival', 5, [42]));
    pv.set([42], { status: 3, severity: 2 });
    const sid = r.open('ival', 1);
    const out = r.send(frame(15, 12, 1, sid, 1102));
    expect(out.map(fields)).toEqual([[15, 8, 12, 1, 1, 1102]]);
    expect(toHex(out[0]!.body)).toBe(toHex(hex('0003 0002 0000002A')));
  });
});

describe('bad requests', () => {
  it('READ_NOTIFY type 39 closes the circuit without a reply (rsrv; catvs test_get_bad)', () => {
    const r = setup();
    const sid = r.open('dbl', 1);
    expect(r.send(frame(15, 39, 1, sid, 0x44), frame(15, 6, 1, sid, 0x45))).toEqual([]);
    expect(r.transport.closed).toBe(true);
    expect(r.log.lines.join('\n')).toMatch(/READ_NOTIFY with DBR type 39/);
  });

  it('READ_NOTIFY count above the native count gets ECA_BADCOUNT with a zero payload', () => {
    const { h, body } = get('long', 5, 2);
    expect(h).toEqual([15, 8, 5, 2, 176, 0x44]);
    expect(body).toBe(toHex(Buffer.alloc(8)));
    const arr = get('arr', 1, 6);
    expect(arr.h.slice(0, 5)).toEqual([15, arr.h[1], 1, 6, 176]);
    expect(/^[0 ]*$/.test(arr.body)).toBe(true);
  });

  it('after a bad count the same circuit still serves a good read', () => {
    const r = setup();
    const sid = r.open('long', 1);
    const out = r.send(frame(15, 5, 9, sid, 2), frame(15, 5, 1, sid, 3));
    expect(out.map((w) => [w.cmd, w.p1, w.p2])).toEqual([
      [15, 176, 2],
      [15, 1, 3],
    ]);
    expect(r.transport.closed).toBe(false);
  });

  it('READ_NOTIFY without read access gets ECA_NORDACCESS and a zeroed payload', () => {
    const r = setup();
    r.provider.pvs.get('dbl')!.rights = 0;
    const sid = r.open('dbl', 1);
    const out = r.send(frame(15, 20, 0, sid, 5));
    expect(out.map(fields)).toEqual([[15, 24, 20, 1, 368, 5]]);
    expect(toHex(out[0]!.body)).toBe(toHex(Buffer.alloc(24)));
  });

  it('old READ: CID in p1 and no status; failures as ERROR with the channel CID', () => {
    const r = setup();
    const sid = r.open('long', 0x21);
    expect(r.send(frame(3, 5, 1, sid, 9)).map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [3, 8, 5, 1, 0x21, 9, toHex(hex('FF FF FF F9 00 00 00 00'))],
    ]);
    const err = r.send(frame(3, 39, 1, sid, 10));
    expect(err.map((w) => [w.cmd, w.p1, w.p2])).toEqual([[11, 0x21, 114]]);
    expect(r.transport.closed).toBe(false);
  });
});

describe('arrays (catvs SHORT[5]) with counts 0/1/2/5', () => {
  it.each([
    [0, 5, '0001 0002 0003 0004 0005 000000000000'],
    [1, 1, '0001 000000000000'],
    [2, 2, '0001 0002 00000000'],
    [5, 5, '0001 0002 0003 0004 0005 000000000000'],
  ])('count %i -> %i elements', (count, sent, expected) => {
    const { h, body } = get('arr', 1, count);
    const bytes = hex(expected);
    expect(h).toEqual([15, bytes.length, 1, sent, 1, 0x44]);
    expect(body).toBe(toHex(bytes));
  });

  it('count 0 follows the current length; count N zero-fills past it', () => {
    const r = setup();
    r.provider.pvs.get('arr')!.set([7, 8]);
    const sid = r.open('arr', 1);
    const out = r.send(frame(15, 1, 0, sid, 1), frame(15, 1, 5, sid, 2), frame(15, 15, 0, sid, 3));
    expect(out.map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [15, 8, 1, 2, 1, 1, toHex(hex('0007 0008 00000000'))],
      [15, 16, 1, 5, 1, 2, toHex(hex('0007 0008 0000 0000 0000 000000000000'))],
      // TIME_SHORT: status, severity, stamp 1000/0, RISC pad, then the values at 14.
      [15, 24, 15, 2, 1, 3, toHex(hex('0000 0000 000003E8 00000000 0000 0007 0008 000000000000'))],
    ]);
  });

  it('an empty array reads as count 0 with one zeroed element slot', () => {
    const r = setup();
    r.provider.pvs.get('arr')!.set([]);
    const sid = r.open('arr', 1);
    const out = r.send(frame(15, 1, 0, sid, 1), frame(15, 20, 0, sid, 2));
    expect(out.map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [15, 8, 1, 0, 1, 1, toHex(Buffer.alloc(8))],
      [15, 24, 20, 0, 1, 2, toHex(hex('0000 0000 000003E8 00000000 00000000 0000000000000000'))],
    ]);
  });

  it('100000 doubles go out with the extended header: size 800000, count 100000', () => {
    const r = setup();
    const values = Float64Array.from({ length: 100000 }, (_, i) => i);
    r.provider.add(new SimplePv('big', 6, values, 100000));
    const sid = r.open('big', 1);
    r.circuit.receive(frame(15, 6, 0, sid, 3));
    const bytes = r.transport.takeBytes();
    expect(toHex(bytes.subarray(0, 24))).toBe(
      toHex(hex(`00 0F FF FF 00 06 00 00 00 00 00 01 00 00 00 03 00 0C 35 00 00 01 86 A0`)),
    );
    expect(bytes.length).toBe(24 + 800000);
    expect(bytes.readDoubleBE(24 + 8 * 99999)).toBe(99999);
  });
});

describe('special request types (35-38)', () => {
  it('DBR_PUT_ACKT and DBR_PUT_ACKS are write-only: a read gets ECA_GETFAIL and zeros', () => {
    for (const type of [35, 36]) {
      const { h, body } = get('long', type);
      expect(h).toEqual([15, 8, type, 1, 152, 0x44]);
      expect(body).toBe(toHex(Buffer.alloc(8)));
    }
  });

  it('DBR_STSACK_STRING: status, severity, ackt, acks, then the value as a string at 8', () => {
    const { h, body } = get('dbl', 37);
    expect(h).toEqual([15, 48, 37, 1, 1, 0x44]);
    expect(body).toBe(toHex(hex(`0000 0000 0000 0000 ${STRING_PAD('3.25')}`)));
  });

  it('DBR_CLASS_NAME: the record type name in a 40-byte string', () => {
    const { h, body } = get('dbl', 38);
    expect(h).toEqual([15, 40, 38, 1, 1, 0x44]);
    expect(body).toBe(STRING_PAD('simple'));
  });
});
