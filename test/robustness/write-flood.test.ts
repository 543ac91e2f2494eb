// Fairness under a write flood, on sans-I/O circuits: one circuit's burst of puts is handled a budget
// at a time, so another circuit's monitor gets updates between the slices and always the final value;
// a subscriber whose socket is full holds the writer back until it drains, or until it counts as stalled.
// Correctness checks only: performance is measured by `npm run bench`, not here.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import {
  CONGESTION_WAIT_MS,
  INPUT_BUDGET,
  SUBSCRIPTION_QUOTA,
  TURN_MS,
} from '../../src/ioc/server/circuit.js';
import { SimplePv } from '../support/simple-pvs.js';
import { eventMask, f64, frame, rig, type Rig } from '../conformance/harness.js';

const FINAL = 1e9;

/** `n` WRITEs of 1..n to `sid`, then FINAL, as one chunk (what a flooding libca client sends). */
function flood(sid: number, n: number): Buffer {
  const parts: Buffer[] = [];
  for (let v = 1; v <= n; v++) parts.push(frame(C.CA_PROTO_WRITE, C.DBR_DOUBLE, 1, sid, v, f64(v)));
  parts.push(frame(C.CA_PROTO_WRITE, C.DBR_DOUBLE, 1, sid, 0, f64(FINAL)));
  return Buffer.concat(parts);
}

function setup(): { writer: Rig; reader: Rig; pv: SimplePv; writerSid: number } {
  const writer = rig();
  const pv = writer.provider.add(new SimplePv('FLOOD', C.DBF_DOUBLE, [0]));
  const reader = rig(writer.provider);
  const readerSid = reader.open('FLOOD', 1);
  reader.send(frame(C.CA_PROTO_EVENT_ADD, C.DBR_DOUBLE, 1, readerSid, 7, eventMask(C.DBE_VALUE)));
  const writerSid = writer.open('FLOOD', 1);
  return { writer, reader, pv, writerSid };
}

/** Values of the monitor updates the reader received since the last call. */
function updates(reader: Rig): number[] {
  return reader.transport
    .take()
    .filter((m) => m.cmd === C.CA_PROTO_EVENT_ADD && m.p2 === 7)
    .map((m) => m.body.readDoubleBE(0));
}

describe('a flooding writer cannot starve another client', () => {
  it('handles a burst a budget at a time; the monitor gets updates between slices and the final value', () => {
    const { writer, reader, pv, writerSid } = setup();
    const puts = 8 * INPUT_BUDGET;
    writer.circuit.receive(flood(writerSid, puts));
    // One slice only, and the writer's socket is paused while it holds the rest.
    expect(pv.writes.length).toBeGreaterThan(0);
    expect(pv.writes.length).toBeLessThanOrEqual(INPUT_BUDGET);
    expect(writer.transport.inputPaused).toBe(true);

    const seen: number[] = [];
    let turns = 0;
    let updatesWhileFlooding = 0;
    // One event-loop turn: the reader flushes, then the writer handles its next slice.
    while (writer.transport.pendingDeferred > 0 || reader.transport.pendingDeferred > 0) {
      reader.transport.runDeferred(1);
      const got = updates(reader);
      seen.push(...got);
      if (pv.writes.length < puts) updatesWhileFlooding += got.length;
      writer.transport.runDeferred(1);
      if (++turns > 10 * puts) throw new Error('the flood never ends');
    }
    expect(pv.writes.length).toBe(puts + 1);
    expect(writer.transport.inputPaused).toBe(false);
    // Updates arrived all along the flood, in order, newest last, and the final value came.
    expect(updatesWhileFlooding).toBeGreaterThanOrEqual(puts / INPUT_BUDGET);
    expect(seen.at(-1)).toBe(FINAL);
    expect(seen.every((v, i) => i === 0 || v > seen[i - 1]!)).toBe(true);
  });

  it('yields before its puts would make the monitor coalesce: nothing is dropped while the reader keeps up', () => {
    const { writer, reader, writerSid } = setup();
    writer.circuit.receive(flood(writerSid, 500));
    const seen: number[] = [];
    while (writer.transport.pendingDeferred > 0 || reader.transport.pendingDeferred > 0) {
      reader.transport.runDeferred(1);
      seen.push(...updates(reader));
      writer.transport.runDeferred(1);
    }
    seen.push(...updates(reader));
    expect(seen).toEqual([...Array.from({ length: 500 }, (_, i) => i + 1), FINAL]);
  });

  it('waits for a full subscriber socket to drain, and for a stalled one at most CONGESTION_WAIT_MS', () => {
    const { writer, reader, pv, writerSid } = setup();
    reader.transport.accepting = false; // the reader's socket buffer is full from now on
    reader.circuit.flush();
    pv.set([-1]);
    reader.transport.runDeferred();
    writer.circuit.receive(flood(writerSid, 100));
    // The first put posts to a congested socket: the writer stops and waits (a timer, no busy turns).
    expect(pv.writes.length).toBe(1);
    expect(writer.transport.pendingDeferred).toBe(0);
    expect(writer.transport.timers.size).toBe(1);
    // The socket drains: the writer goes on at once (until the queue would coalesce), and once the
    // reader's next flush finds the socket full again, stops at its next post there.
    reader.transport.accepting = true;
    reader.circuit.resume();
    reader.transport.accepting = false;
    expect(writer.transport.timers.size).toBe(0);
    writer.transport.runDeferred(1);
    const afterDrain = pv.writes.length;
    expect(afterDrain).toBeGreaterThan(1);
    expect(afterDrain).toBeLessThanOrEqual(1 + SUBSCRIPTION_QUOTA);
    reader.transport.runDeferred();
    writer.transport.runDeferred(1);
    expect(pv.writes.length).toBe(afterDrain + 1);
    expect(writer.transport.timers.size).toBe(1);
    // No drain within CONGESTION_WAIT_MS: the reader counts as stalled and no longer holds the writer.
    writer.transport.fireTimers();
    writer.transport.runDeferred();
    expect(pv.writes.length).toBe(101);
    expect(writer.transport.inputPaused).toBe(false);
    // Its updates were coalesced meanwhile, newest kept: once it drains, the final value arrives last.
    reader.transport.accepting = true;
    reader.circuit.resume();
    reader.transport.runDeferred();
    expect(updates(reader).at(-1)).toBe(FINAL);
    expect(CONGESTION_WAIT_MS).toBeLessThanOrEqual(100);
  });

  it('handles cheap requests 16 to a put, and ends a turn after TURN_MS whatever is left of its budget', () => {
    const { writer } = setup();
    const echoes = (n: number) =>
      Buffer.concat(Array.from({ length: n }, () => frame(C.CA_PROTO_ECHO, 0, 0, 0, 0)));
    writer.transport.take();
    // A frozen clock: the count alone ends the turn, after 16 * INPUT_BUDGET requests that are not puts.
    writer.circuit.receive(echoes(40 * INPUT_BUDGET));
    expect(writer.transport.take()).toHaveLength(16 * INPUT_BUDGET);
    expect(writer.transport.inputPaused).toBe(true);
    writer.transport.runDeferred();
    expect(writer.transport.take()).toHaveLength(24 * INPUT_BUDGET);
    // A clock that moves 1 ms per reading (read at the start and every 64 requests): the turn ends at
    // the first reading TURN_MS after its start, long before the budget is spent.
    writer.transport.now = () => writer.transport.clockMs++;
    writer.circuit.receive(echoes(16 * INPUT_BUDGET));
    expect(writer.transport.take()).toHaveLength(64 * TURN_MS);
    writer.transport.runDeferred();
    expect(writer.transport.take()).toHaveLength(16 * INPUT_BUDGET - 64 * TURN_MS);
    expect(writer.transport.inputPaused).toBe(false);
  });
});
