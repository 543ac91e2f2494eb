// Puts through the circuit (catvs test_put, test_put_callback): WRITE, WRITE_NOTIFY with synchronous and
// asynchronous completion (replies in request order), missing access, bad type, short string payloads
// and array counts. Status values from ca-protocol.md §10.1; error layout from Appendix A.7.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { SimplePv } from '../support/simple-pvs.js';
import { hex, toHex } from '../support/hex.js';
import { cstr, f64, fields, frame, i16, i32, rig } from './harness.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const h8 = (n: number) => n.toString(16).padStart(8, '0');

function setup() {
  const r = rig();
  const ival = r.provider.add(new SimplePv('ival', 5, [42]));
  const arr = r.provider.add(new SimplePv('arr', 1, [1, 2, 3, 4, 5], 5));
  const str = r.provider.add(new SimplePv('str', 0, ['x']));
  return { r, ival, arr, str };
}

describe('WRITE', () => {
  it('catvs test_put: WRITE 0x2b then READ_NOTIFY reads 0x2b, and WRITE itself has no reply', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 156);
    expect(r.send(frame(4, 5, 1, sid, 1101, i32(0x2b)))).toEqual([]);
    const out = r.send(frame(15, 5, 1, sid, 1102));
    expect(out.map(fields)).toEqual([[15, 8, 5, 1, 1, 1102]]);
    expect(toHex(out[0]!.body.subarray(0, 4))).toBe('00 00 00 2b');
    expect(ival.writes.map((w) => [w.dbrType, w.value])).toEqual([[5, [0x2b]]]);
  });

  it('a refused WRITE gets ERROR with the request header and PV name, p1 = cid (A.7)', async () => {
    const r = rig();
    const pv = r.provider.add(new SimplePv('TEST:A', 6, [0]));
    pv.writeHook = () => C.ECA_PUTFAIL;
    const sid = r.open('TEST:A', 1);
    r.circuit.receive(hex(`00 04 00 08 00 06 00 01 ${h8(sid)} 00 00 00 01 40 1E 00 00 00 00 00 00`));
    await settle();
    expect(toHex(r.transport.takeBytes())).toBe(
      toHex(
        hex(`00 0B 00 18 00 00 00 00 00 00 00 01 00 00 00 A0
             00 04 00 08 00 06 00 01 ${h8(sid)} 00 00 00 01
             54 45 53 54 3A 41 00 00`),
      ),
    );
    expect(pv.writes[0]!.value).toEqual([7.5]);
  });

  it('WRITE without write access gets ERROR ECA_NOWTACCESS and the circuit stays', () => {
    const { r, ival } = setup();
    ival.rights = 1;
    const sid = r.open('ival', 3);
    const out = r.send(frame(4, 5, 1, sid, 3, i32(1)));
    expect(out.map((w) => [w.cmd, w.dt, w.cnt, w.p1, w.p2])).toEqual([[11, 0, 0, 3, 376]]);
    expect(ival.writes).toEqual([]);
    expect(r.send(frame(23, 0, 0, 0, 0)).map((w) => w.cmd)).toEqual([23]);
  });

  it('WRITE with type 39 gets ERROR ECA_BADTYPE and the circuit stays', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 3);
    const out = r.send(frame(4, 39, 1, sid, 3, i32(1)));
    expect(out.map((w) => [w.cmd, w.p1, w.p2])).toEqual([[11, 3, 114]]);
    expect(ival.writes).toEqual([]);
    expect(r.transport.closed).toBe(false);
  });

  it('accepts the short scalar DBR_STRING payload libca sends ("abc" NUL + pad)', () => {
    const { r, str } = setup();
    const sid = r.open('str', 1);
    r.send(hex(`00 04 00 08 00 00 00 01 ${h8(sid)} 00 00 00 01 61 62 63 00 00 00 00 00`));
    expect(str.writes.map((w) => w.value)).toEqual([['abc']]);
  });
});

describe('WRITE_NOTIFY', () => {
  it('catvs test_put_callback: reply [19, 0, 5, 1, ECA_NORMAL, ioid], then the value reads back', async () => {
    const { r } = setup();
    const sid = r.open('ival', 156);
    r.circuit.receive(frame(19, 5, 1, sid, 1101, i32(0x2c)));
    await settle();
    expect(r.transport.take().map(fields)).toEqual([[19, 0, 5, 1, 1, 1101]]);
    const out = r.send(frame(15, 5, 1, sid, 1102));
    expect(toHex(out[0]!.body.subarray(0, 4))).toBe('00 00 00 2c');
  });

  it('replies once per request in request order, even when completions arrive in reverse', async () => {
    const { r, ival } = setup();
    const resolvers: ((s: number) => void)[] = [];
    ival.writeHook = () => new Promise<number>((resolve) => resolvers.push(resolve));
    const sid = r.open('ival', 1);
    r.circuit.receive(
      Buffer.concat([
        frame(19, 5, 1, sid, 1, i32(10)),
        frame(19, 5, 1, sid, 2, i32(20)),
        frame(19, 5, 1, sid, 3, i32(30)),
      ]),
    );
    await settle();
    // Completion is pending: nothing yet, and the circuit still answers other requests.
    expect(r.transport.take()).toEqual([]);
    expect(r.send(frame(23, 0, 0, 0, 0)).map((w) => w.cmd)).toEqual([23]);
    // rsrv serialises put-notifies per channel: only the first has started.
    expect(resolvers).toHaveLength(1);
    resolvers[0]!(C.ECA_NORMAL);
    await settle();
    expect(r.transport.take().map((w) => [w.cmd, w.p1, w.p2])).toEqual([[19, 1, 1]]);
    await settle();
    expect(resolvers).toHaveLength(2);
    resolvers[1]!(C.ECA_PUTFAIL);
    await settle();
    await settle();
    resolvers[2]!(C.ECA_NORMAL);
    await settle();
    expect(r.transport.take().map((w) => [w.cmd, w.p1, w.p2])).toEqual([
      [19, 160, 2],
      [19, 1, 3],
    ]);
    expect(ival.writes.map((w) => w.value[0])).toEqual([10, 20, 30]);
  });

  it('a delayed completion is answered when it completes', async () => {
    const { r, ival } = setup();
    ival.writeHook = (data) =>
      new Promise<number>((resolve) =>
        setTimeout(() => {
          ival.set(data.value);
          resolve(C.ECA_NORMAL);
        }, 30),
      );
    const sid = r.open('ival', 1);
    r.circuit.receive(frame(19, 5, 1, sid, 9, i32(5)));
    await settle();
    expect(r.transport.take()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(r.transport.take().map(fields)).toEqual([[19, 0, 5, 1, 1, 9]]);
  });

  it('a put that throws is answered with ECA_PUTFAIL', async () => {
    const { r, ival } = setup();
    ival.writeHook = () => {
      throw new Error('device on fire');
    };
    const sid = r.open('ival', 1);
    r.circuit.receive(frame(19, 5, 1, sid, 4, i32(5)));
    await settle();
    expect(r.transport.take().map((w) => [w.cmd, w.p1, w.p2])).toEqual([[19, 160, 4]]);
  });

  it('without write access: [19, 0, dt, cnt, ECA_NOWTACCESS, ioid], no ERROR, circuit up', async () => {
    const { r, ival } = setup();
    ival.rights = 1;
    const sid = r.open('ival', 1);
    r.circuit.receive(frame(19, 5, 1, sid, 6, i32(5)));
    await settle();
    expect(r.transport.take().map(fields)).toEqual([[19, 0, 5, 1, 376, 6]]);
    expect(ival.writes).toEqual([]);
    expect(r.transport.closed).toBe(false);
  });

  it('with type 39: [19, 0, 39, cnt, ECA_BADTYPE, ioid], circuit up', () => {
    const { r } = setup();
    const sid = r.open('ival', 1);
    const out = r.send(frame(19, 39, 1, sid, 7, i32(5)));
    expect(out.map(fields)).toEqual([[19, 0, 39, 1, 114, 7]]);
    expect(r.send(frame(23, 0, 0, 0, 0)).map((w) => w.cmd)).toEqual([23]);
  });

  it('a cleared channel drops its pending completion silently', async () => {
    const { r, ival } = setup();
    let finish: (s: number) => void = () => undefined;
    ival.writeHook = () => new Promise<number>((resolve) => (finish = resolve));
    const sid = r.open('ival', 1);
    r.circuit.receive(frame(19, 5, 1, sid, 8, i32(5)));
    await settle();
    expect(r.send(frame(12, 0, 0, sid, 1)).map((w) => w.cmd)).toEqual([12]);
    finish(C.ECA_NORMAL);
    await settle();
    expect(r.transport.take()).toEqual([]);
  });
});

describe('array puts (catvs SHORT[5])', () => {
  it.each([
    [1, [9]],
    [2, [9, 8]],
    [5, [9, 8, 7, 6, 5]],
  ])('WRITE_NOTIFY count %i writes %j and count-0 reads return it', async (count, values) => {
    const { r, arr } = setup();
    const sid = r.open('arr', 1);
    r.circuit.receive(frame(19, 1, count, sid, 2, i16(...values)));
    await settle();
    expect(r.transport.take().map(fields)).toEqual([[19, 0, 1, count, 1, 2]]);
    expect(arr.writes[0]!.value).toEqual(values);
    const out = r.send(frame(15, 1, 0, sid, 3));
    expect(out[0]!.cnt).toBe(count);
    expect(out[0]!.body.subarray(0, count * 2)).toEqual(i16(...values));
  });

  it('a count above the capacity is truncated to the capacity', () => {
    const { r, arr } = setup();
    const sid = r.open('arr', 1);
    r.send(frame(4, 1, 7, sid, 1, i16(1, 2, 3, 4, 5, 6, 7)));
    expect(arr.writes[0]!.value).toEqual([1, 2, 3, 4, 5]);
  });

  it('a numeric put with count 0 is refused with ECA_BADCOUNT', async () => {
    const { r, arr } = setup();
    const sid = r.open('arr', 1);
    r.circuit.receive(frame(19, 1, 0, sid, 2, i16(1)));
    await settle();
    expect(r.transport.take().map((w) => [w.cmd, w.p1, w.p2])).toEqual([[19, 176, 2]]);
    expect(arr.writes).toEqual([]);
  });

  it('a double put to a SHORT array is passed on as the type sent', () => {
    const { r, arr } = setup();
    const sid = r.open('arr', 1);
    r.send(frame(4, 6, 2, sid, 1, f64(1.5, -2)));
    expect(arr.writes.map((w) => [w.dbrType, w.value])).toEqual([[6, [1.5, -2]]]);
  });
});

describe('puts by name of a channel created in the same batch', () => {
  it('CREATE_CHAN + WRITE_NOTIFY pipelined in one chunk', async () => {
    const { r } = setup();
    r.circuit.receive(Buffer.concat([frame(0, 0, 13, 0, 0), frame(18, 0, 0, 5, 13, cstr('ival'))]));
    const created = r.transport.take();
    const sid = created[1]!.p2;
    r.circuit.receive(frame(19, 5, 1, sid, 1, i32(77)));
    await settle();
    expect(r.transport.take().map((w) => [w.cmd, w.p1])).toEqual([[19, 1]]);
  });
});
