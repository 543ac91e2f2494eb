// Fuzzing of the sans-I/O server Circuit: random and mutated request streams after a valid handshake.
// Nothing may escape receive(); channel and subscription counts stay within what was asked for; queued
// monitor updates stay within the per-subscription quota; a protocol violation closes only the circuit
// that committed it, and a well-behaved circuit on the same PVs keeps receiving its monitor.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { Circuit, SUBSCRIPTION_QUOTA } from '../../src/ioc/server/circuit.js';
import { memoryLogger } from '../../src/log.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import {
  createChanReq,
  eventAddReq,
  MemoryTransport,
  mutate,
  mutation,
  renderRequest,
  requestSpec,
  splitStream,
  versionReq,
  WireReader,
} from './wire.js';

const NAMES = ['A', 'B', 'S', 'E', 'W'];

function makeProvider(): { provider: SimpleProvider; pvs: SimplePv[] } {
  const provider = new SimpleProvider();
  const pvs = [
    provider.add(new SimplePv('A', C.DBF_DOUBLE, [1.5])),
    provider.add(new SimplePv('B', C.DBF_LONG, [1, 2, 3, 4], 8)),
    provider.add(new SimplePv('S', C.DBF_STRING, ['text'])),
    provider.add(new SimplePv('E', C.DBF_ENUM, [1], 1, { enumStrings: ['Off', 'On'] })),
    provider.add(new SimplePv('W', C.DBF_DOUBLE, [0])),
  ];
  // Puts are recorded but not applied: SimplePv would store a string array in a DOUBLE PV.
  for (const pv of pvs) pv.writeHook = (d) => (d.value.length > 0 ? C.ECA_NORMAL : C.ECA_PUTFAIL);
  return { provider, pvs };
}

function attach(provider: SimpleProvider, port: number) {
  const transport = new MemoryTransport();
  const log = memoryLogger();
  const circuit = new Circuit(provider, { ip: '127.0.0.1', port }, transport, log, 4096);
  return { transport, circuit, log };
}

/** A batch of hostile requests, plus whether the socket reports a full buffer meanwhile (slow reader). */
const session = fc.array(
  fc.record({
    requests: fc.array(fc.tuple(requestSpec, mutation), { minLength: 1, maxLength: 8 }),
    socketFull: fc.boolean(),
    posts: fc.nat({ max: 6 }),
  }),
  { minLength: 1, maxLength: 12 },
);

describe('Circuit fed hostile request streams', () => {
  it('never throws, stays bounded, and closes only the offending circuit', () => {
    let closedByServer = 0;
    let requestsSent = 0;
    let goodUpdates = 0;
    const reasons = new Map<string, number>();
    fc.assert(
      // Half the sessions send well-framed requests only, so deep state is reached before any violation.
      fc.property(session, fc.boolean(), (batches, wellFramed) => {
        const { provider, pvs } = makeProvider();
        const a = pvs[0]!;
        // The well-behaved neighbour: monitors A throughout.
        const good = attach(provider, 40001);
        good.circuit.receive(Buffer.concat([versionReq(), createChanReq('A', 1)]));
        const goodSid = good.transport.take().find((m) => m.cmd === 18)!.p2;
        good.circuit.receive(eventAddReq(C.DBR_DOUBLE, 1, goodSid, 77));

        const bad = attach(provider, 40002);
        bad.circuit.receive(Buffer.concat([versionReq(), ...NAMES.map((n, i) => createChanReq(n, i + 1))]));
        let creates = NAMES.length;
        // Count requests the way the circuit parses them: a message may span two batches.
        const sent = new WireReader();
        let adds = 0;
        let value = 10;
        for (const batch of batches) {
          const sids = [...bad.circuit.channels.keys()];
          const bytes = Buffer.concat(
            batch.requests.map(([s, m]) =>
              wellFramed ? renderRequest(s, sids) : mutate(renderRequest(s, sids), m),
            ),
          );
          for (const m of sent.push(bytes)) {
            if (m.cmd === C.CA_PROTO_CREATE_CHAN) creates++;
            if (m.cmd === C.CA_PROTO_EVENT_ADD) adds++;
          }
          requestsSent += batch.requests.length;
          bad.transport.accepting = !batch.socketFull;
          expect(() => bad.circuit.receive(bytes)).not.toThrow();
          for (let i = 0; i < batch.posts; i++) for (const pv of pvs.slice(0, 2)) pv.set([value++]);
          bad.transport.runDeferred();
          good.transport.runDeferred();
          if (batch.socketFull && !bad.circuit.closed) bad.circuit.resume();

          const c = bad.circuit;
          expect(c.channels.size).toBeLessThanOrEqual(creates);
          expect(c.subscriptions.size).toBeLessThanOrEqual(adds);
          expect(c.pendingUpdates).toBeLessThanOrEqual(SUBSCRIPTION_QUOTA * c.subscriptions.size);
          expect(bad.transport.closed).toBe(c.closed);
          expect(splitStream(Buffer.concat(bad.transport.written)).rest).toBe(0);
          if (c.closed) break;
        }
        if (bad.circuit.closed) {
          closedByServer++;
          expect(bad.circuit.subscriptions.size).toBe(0);
          expect(bad.circuit.channels.size).toBe(0);
          expect(bad.log.lines.join('\n')).toMatch(/closing circuit|too old/);
          const text = bad.log.lines.join(' ');
          const why = /exceeds the limit/.test(text)
            ? 'oversize'
            : /unknown or obsolete/.test(text)
              ? 'command'
              : 'version';
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
        bad.circuit.close();
        // Only the good circuit is still subscribed to A, and it sees the next value.
        expect(a.listenerCount).toBe(1);
        for (const pv of pvs.slice(1)) expect(pv.listenerCount).toBe(0);
        good.transport.take();
        a.set([1234.5]);
        good.transport.runDeferred();
        const updates = good.transport.take().filter((m) => m.cmd === C.CA_PROTO_EVENT_ADD && m.p2 === 77);
        expect(updates.at(-1)?.body.readDoubleBE(0)).toBe(1234.5);
        expect(good.circuit.closed).toBe(false);
        goodUpdates += updates.length;
      }),
      { numRuns: 200 },
    );
    console.log(
      `[robustness] Circuit fuzz: 200 sessions, ${requestsSent} hostile requests, ${closedByServer} circuits closed by the server (${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ')}), good monitor updates ${goodUpdates}`,
    );
    expect(closedByServer).toBeGreaterThan(0);
    expect(closedByServer).toBeLessThan(200);
  });

  it('keeps at most SUBSCRIPTION_QUOTA updates per subscription while the socket is full', () => {
    const { provider, pvs } = makeProvider();
    const { transport, circuit } = attach(provider, 40003);
    circuit.receive(Buffer.concat([versionReq(), createChanReq('A', 1), createChanReq('B', 2)]));
    const sids = transport
      .take()
      .filter((m) => m.cmd === 18)
      .map((m) => m.p2);
    transport.accepting = false;
    circuit.receive(
      Buffer.concat([eventAddReq(C.DBR_DOUBLE, 1, sids[0]!, 1), eventAddReq(C.DBR_LONG, 4, sids[1]!, 2)]),
    );
    transport.runDeferred();
    for (let i = 0; i < 1000; i++) {
      pvs[0]!.set([i]);
      pvs[1]!.set([i, i, i, i]);
    }
    transport.runDeferred();
    expect(circuit.pendingUpdates).toBe(2 * SUBSCRIPTION_QUOTA);
    transport.take();
    transport.accepting = true;
    circuit.resume();
    transport.runDeferred();
    const last = transport
      .take()
      .filter((m) => m.cmd === 1 && m.p2 === 1)
      .at(-1)!;
    // The newest value survives coalescing.
    expect(last.body.readDoubleBE(0)).toBe(999);
  });
});
