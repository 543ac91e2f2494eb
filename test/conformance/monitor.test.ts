// Subscriptions through the circuit (catvs test_monitor): initial update, updates on matching events,
// cancel confirmation and silence after it, EVENTS_OFF/ON coalescing, a slow consumer's bounded queue,
// and access-rights suspension. ca-protocol.md §4.10-§4.12, §9, §12.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { SUBSCRIPTION_QUOTA } from '../../src/ioc/server/circuit.js';
import { SimplePv } from '../support/simple-pvs.js';
import { hex, toHex } from '../support/hex.js';
import { eventMask, fields, frame, i32, rig } from './harness.js';

function setup() {
  const r = rig();
  const ival = r.provider.add(new SimplePv('ival', 5, [42]));
  const arr = r.provider.add(new SimplePv('arr', 1, [1, 2, 3, 4, 5], 5));
  return { r, ival, arr };
}

const longBody = (v: number) => toHex(Buffer.concat([i32(v), Buffer.alloc(4)]));

describe('monitor and cancel (catvs test_monitor)', () => {
  it('initial update, update on a put, cancel confirmation [1, 0, dt, cnt, sid, subid], then nothing', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 156);
    const init = r.send(frame(1, 5, 1, sid, 1102, eventMask(C.DBE_VALUE)));
    expect(init.map((w) => [...fields(w), toHex(w.body)])).toEqual([[1, 8, 5, 1, 1, 1102, longBody(0x2a)]]);
    const upd = r.send(frame(4, 5, 1, sid, 1101, i32(0x2d)));
    expect(upd.map((w) => [...fields(w), toHex(w.body)])).toEqual([[1, 8, 5, 1, 1, 1102, longBody(0x2d)]]);
    const cancel = r.send(frame(2, 5, 1, sid, 1102));
    expect(cancel.map(fields)).toEqual([[1, 0, 5, 1, sid, 1102]]);
    expect(ival.listenerCount).toBe(0);
    ival.set([1]);
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
  });

  it('the A.6 exchange byte for byte: TIME_DOUBLE count 0, mask VALUE|ALARM', () => {
    const r = rig();
    const pv = r.provider.add(new SimplePv('TEST:A', 6, [3.25]));
    pv.set([3.25], { stamp: { secPastEpoch: 1072915200, nsec: 500000000 } });
    const sid = r.open('TEST:A', 1);
    const sidHex = sid.toString(16).padStart(8, '0');
    r.circuit.receive(
      hex(`00 01 00 10 00 14 00 00 ${sidHex} 00 00 00 05
           00 00 00 00 00 00 00 00 00 00 00 00 00 05 00 00`),
    );
    r.transport.runDeferred();
    expect(toHex(r.transport.takeBytes())).toBe(
      toHex(
        hex(`00 01 00 18 00 14 00 01 00 00 00 01 00 00 00 05
             0000 0000 3FF36300 1DCD6500 00000000 400A000000000000`),
      ),
    );
    r.circuit.receive(hex(`00 02 00 00 00 14 00 00 ${sidHex} 00 00 00 05`));
    r.transport.runDeferred();
    expect(toHex(r.transport.takeBytes())).toBe(toHex(hex(`00 01 00 00 00 14 00 00 ${sidHex} 00 00 00 05`)));
  });

  it('only events matching the mask are sent', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 1);
    r.send(frame(1, 12, 1, sid, 7, eventMask(C.DBE_ALARM)));
    ival.set([43], {}, C.DBE_VALUE | C.DBE_LOG);
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
    ival.set([43], { status: C.HIHI_ALARM, severity: C.MAJOR_ALARM }, C.DBE_ALARM);
    r.transport.runDeferred();
    const out = r.transport.take();
    expect(out.map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [1, 8, 12, 1, 1, 7, toHex(hex('0003 0002 0000002B'))],
    ]);
  });

  it('mask 0 gets the initial update and nothing after it (libca refuses mask 0 itself)', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 1);
    expect(r.send(frame(1, 12, 1, sid, 9, eventMask(0))).map((w) => fields(w))).toEqual([
      [1, 8, 12, 1, 1, 9],
    ]);
    ival.set(
      [44],
      { status: C.HIHI_ALARM, severity: C.MAJOR_ALARM },
      C.DBE_VALUE | C.DBE_ALARM | C.DBE_PROPERTY,
    );
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
  });

  it('updates already queued when the cancel arrives are discarded, not sent after the confirmation', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 1);
    r.send(frame(1, 5, 1, sid, 7, eventMask(C.DBE_VALUE)));
    ival.set([1]);
    ival.set([2]);
    // The deferred flush has not run: the updates are still queued.
    expect(r.circuit.pendingUpdates).toBe(2);
    const out = r.send(frame(2, 5, 1, sid, 7));
    expect(out.map(fields)).toEqual([[1, 0, 5, 1, sid, 7]]);
    expect(r.circuit.pendingUpdates).toBe(0);
  });

  it('every update of a count-0 array subscription carries the current length', () => {
    const { r, arr } = setup();
    const sid = r.open('arr', 1);
    const init = r.send(frame(1, 1, 0, sid, 3, eventMask(C.DBE_VALUE)));
    expect(init.map(fields)).toEqual([[1, 16, 1, 5, 1, 3]]);
    arr.set([6, 7]);
    r.transport.runDeferred();
    const out = r.transport.take();
    expect(out.map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [1, 8, 1, 2, 1, 3, toHex(hex('0006 0007 00000000'))],
    ]);
    arr.set([]);
    r.transport.runDeferred();
    expect(r.transport.take().map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [1, 8, 1, 0, 1, 3, toHex(Buffer.alloc(8))],
    ]);
  });

  it('bad count on EVENT_ADD is reported in a non-empty update; nothing is subscribed', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 1);
    const out = r.send(frame(1, 5, 2, sid, 2, eventMask(1)));
    expect(out.map((w) => [w.cmd, w.p1, w.p2, w.size > 0])).toEqual([[1, 176, 2, true]]);
    expect(ival.listenerCount).toBe(0);
    expect(r.transport.closed).toBe(false);
  });

  it('EVENT_ADD with type 0xEFEF closes the circuit without a reply (rsrv)', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 1);
    expect(r.send(frame(1, 0xefef, 1, sid, 1, eventMask(1)))).toEqual([]);
    expect(r.transport.closed).toBe(true);
    expect(ival.listenerCount).toBe(0);
  });

  it('EVENT_ADD of write-only DBR_PUT_ACKT is subscribed; its updates carry ECA_GETFAIL (rsrv)', () => {
    const { r } = setup();
    const sid = r.open('ival', 1);
    const out = r.send(frame(1, 35, 1, sid, 7, eventMask(1)));
    expect(out.map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [1, 8, 35, 1, 152, 7, toHex(Buffer.alloc(8))],
    ]);
    expect(r.transport.closed).toBe(false);
  });
});

describe('flow control (EVENTS_OFF / EVENTS_ON)', () => {
  it('holds updates while off, coalesces to the newest value per subscription, releases on ON', () => {
    const { r, ival, arr } = setup();
    const sidI = r.open('ival', 1);
    const sidA = r.open('arr', 2);
    r.send(
      frame(1, 5, 1, sidI, 10, eventMask(C.DBE_VALUE)),
      frame(1, 1, 1, sidA, 20, eventMask(C.DBE_VALUE)),
    );
    expect(r.send(frame(8, 0, 0, 0, 0))).toEqual([]);
    for (let v = 1; v <= 6; v++) ival.set([v]);
    arr.set([9]);
    arr.set([8]);
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
    // Direct replies are not held back by flow control.
    expect(r.send(frame(15, 5, 1, sidI, 99)).map((w) => [w.cmd, w.p2])).toEqual([[15, 99]]);
    const released = r.send(frame(9, 0, 0, 0, 0));
    expect(released.map((w) => [w.p2, toHex(w.body)])).toEqual([
      [10, longBody(6)],
      [20, toHex(hex('0008 000000000000'))],
    ]);
    ival.set([7]);
    r.transport.runDeferred();
    expect(r.transport.take().map((w) => toHex(w.body))).toEqual([longBody(7)]);
  });
});

describe('slow consumer (transport.write returns false)', () => {
  it(`keeps at most ${SUBSCRIPTION_QUOTA} updates per subscription and delivers the newest on resume`, () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 1);
    r.send(frame(1, 5, 1, sid, 4, eventMask(C.DBE_VALUE)));
    r.transport.accepting = false;
    ival.set([100]);
    r.transport.runDeferred();
    expect(r.transport.take().map((w) => toHex(w.body))).toEqual([longBody(100)]);
    // The socket is full now: nothing more is written, the queue stays bounded.
    for (let v = 1; v <= 50; v++) ival.set([v]);
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
    expect(r.circuit.pendingUpdates).toBe(SUBSCRIPTION_QUOTA);
    // ECHO still gets through while updates wait.
    expect(r.send(frame(23, 0, 0, 0, 0)).map((w) => w.cmd)).toEqual([23]);
    r.transport.accepting = true;
    r.circuit.resume();
    r.transport.runDeferred();
    const values = r.transport.take().map((w) => w.body.readInt32BE(0));
    expect(values).toHaveLength(SUBSCRIPTION_QUOTA);
    expect(values[values.length - 1]).toBe(50);
    expect(values).toEqual([1, 2, 3, 50]);
    expect(r.circuit.pendingUpdates).toBe(0);
  });

  it('bounds every subscription separately', () => {
    const { r, ival, arr } = setup();
    const sidI = r.open('ival', 1);
    const sidA = r.open('arr', 2);
    r.send(frame(1, 5, 1, sidI, 1, eventMask(1)), frame(1, 1, 1, sidA, 2, eventMask(1)));
    r.transport.accepting = false;
    ival.set([0]);
    r.transport.runDeferred();
    r.transport.take();
    for (let v = 1; v <= 20; v++) {
      ival.set([v]);
      arr.set([v]);
    }
    expect(r.circuit.pendingUpdates).toBe(2 * SUBSCRIPTION_QUOTA);
    r.transport.accepting = true;
    r.circuit.resume();
    r.transport.runDeferred();
    const out = r.transport.take();
    const last = (id: number) => out.filter((w) => w.p2 === id).at(-1)!;
    expect(last(1).body.readInt32BE(0)).toBe(20);
    expect(last(2).body.readInt16BE(0)).toBe(20);
  });
});

describe('access rights changes', () => {
  it('suspends a monitor with one ECA_NORDACCESS update when read access is lost, resumes with the value', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 5);
    r.send(frame(1, 5, 1, sid, 8, eventMask(C.DBE_VALUE)));
    ival.rights = 0;
    r.provider.fireAccessChanged();
    r.transport.runDeferred();
    expect(r.transport.take().map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [22, 0, 0, 0, 5, 0, ''],
      [1, 8, 5, 1, 368, 8, toHex(Buffer.alloc(8))],
    ]);
    ival.set([11]);
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
    ival.rights = 3;
    r.provider.fireAccessChanged();
    r.transport.runDeferred();
    expect(r.transport.take().map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [22, 0, 0, 0, 5, 3, ''],
      [1, 8, 5, 1, 1, 8, longBody(11)],
    ]);
  });

  it('a subscription made without read access gets one ECA_NORDACCESS update with a zeroed payload', () => {
    const { r, ival } = setup();
    ival.rights = 0;
    const sid = r.open('ival', 5);
    const out = r.send(frame(1, 19, 0, sid, 8, eventMask(C.DBE_VALUE)));
    expect(out.map((w) => [...fields(w), toHex(w.body)])).toEqual([
      [1, 16, 19, 1, 368, 8, toHex(Buffer.alloc(16))],
    ]);
    ival.set([3]);
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
  });

  it('losing only write access re-sends ACCESS_RIGHTS but leaves monitors running', () => {
    const { r, ival } = setup();
    const sid = r.open('ival', 5);
    r.send(frame(1, 5, 1, sid, 8, eventMask(C.DBE_VALUE)));
    ival.rights = 1;
    r.provider.fireAccessChanged();
    r.transport.runDeferred();
    expect(r.transport.take().map(fields)).toEqual([[22, 0, 0, 0, 5, 1]]);
    ival.set([12]);
    r.transport.runDeferred();
    expect(r.transport.take().map((w) => [w.p1, toHex(w.body)])).toEqual([[1, longBody(12)]]);
  });
});
