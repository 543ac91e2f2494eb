// Connection storm on a live CA server: 500 raw clients, three rounds, in batches of 100, each doing the
// CA handshake, CREATE_CHAN and EVENT_ADD and then leaving (graceful end, abrupt destroy, or before the
// server has answered) while the PV changes. Afterwards everything returns to its baseline: circuits,
// channels, PV listeners, open file descriptors and active timers/handles.
import { createHook } from 'node:async_hooks';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import type { CaServer } from '../../src/ioc/server/ca-server.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { RawPeer, sleep, startServer, until } from './live.js';
import { createChanReq, cstr, eventAddReq, frame, versionReq } from './wire.js';

const CLIENTS = 500;
const ROUNDS = 3;
const BATCH = 100;

let provider: SimpleProvider;
let pv: SimplePv;
let server: CaServer;
let port: number;

beforeAll(async () => {
  provider = new SimpleProvider();
  pv = provider.add(new SimplePv('ST:VAL', C.DBF_DOUBLE, [0]));
  ({ server, port } = await startServer(provider));
});

afterAll(async () => {
  await server.close();
});

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** Counts of active resources by kind (TCPSocketWrap, Timeout, ...). */
function resources(): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) out.set(r, (out.get(r) ?? 0) + 1);
  return out;
}

/** Timers created and not yet destroyed while tracking, unref'd ones included (which
 * getActiveResourcesInfo does not list). */
function trackTimers() {
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return { live, stop: () => hook.disable() };
}

/** One client's visit; `how` chooses the way it leaves. */
async function visit(i: number, how: number): Promise<boolean> {
  const peer = new RawPeer(port);
  await peer.connected();
  peer.send(
    Buffer.concat([
      versionReq(),
      frame(20, 0, 0, 0, 0, cstr(`storm${i}`)),
      frame(21, 0, 0, 0, 0, cstr('localhost')),
      createChanReq('ST:VAL', i),
    ]),
  );
  if (how === 0) {
    // Leaves before the server has answered anything.
    peer.destroy();
    return false;
  }
  const created = await peer.waitFor((m) => m.cmd === 18);
  peer.send(eventAddReq(C.DBR_TIME_DOUBLE, 1, created.p2, i));
  await peer.waitFor((m) => m.cmd === 1 && m.p2 === i);
  if (how === 1) peer.destroy();
  else {
    peer.socket.end();
    await until(() => peer.closed, 3000, 'the server to close its side');
  }
  return true;
}

describe('connection storm', () => {
  it('returns circuits, channels, listeners, fds and timers to baseline', async () => {
    await sleep(100);
    const fdBefore = openFds();
    const resBefore = resources();
    const timers = trackTimers();
    let value = 0;
    const ticker = setInterval(() => pv.set([++value]), 5);
    const started = Date.now();
    let subscribed = 0;
    let peakClients = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let first = 0; first < CLIENTS; first += BATCH) {
        const visits = Array.from({ length: BATCH }, (_, k) => visit(first + k + 1, (first + k + round) % 3));
        peakClients = Math.max(peakClients, server.clientCount);
        subscribed += (await Promise.all(visits)).filter(Boolean).length;
      }
    }
    clearInterval(ticker);
    const elapsed = Date.now() - started;
    const timersAtEnd = timers.live.size;
    await until(() => server.clientCount === 0, 5000, 'every circuit to be gone');
    // Timers a closing circuit may leave (the forced-shutdown fallback) have at most 2 s to run.
    await sleep(200);
    const fdAfter = openFds();
    const resAfter = resources();
    const timersLeft = timers.live.size;
    timers.stop();
    console.log(
      `[robustness] connection storm: ${CLIENTS * ROUNDS} connections (${CLIENTS} clients x ${ROUNDS} rounds, ` +
        `batches of ${BATCH}) in ${elapsed} ms, ${subscribed} subscribed; afterwards clients ${server.clientCount}, ` +
        `channels ${server.channelCount}, PV listeners ${pv.listenerCount}, fds ${fdBefore} -> ${fdAfter}, ` +
        `timers created in the storm still alive: ${timersAtEnd} at its end, ${timersLeft} 200 ms later; ` +
        `resources before ${JSON.stringify(Object.fromEntries(resBefore))} after ${JSON.stringify(Object.fromEntries(resAfter))}`,
    );
    expect(subscribed).toBe(Math.round((CLIENTS * ROUNDS * 2) / 3));
    expect(server.clientCount).toBe(0);
    expect(server.channelCount).toBe(0);
    expect(pv.listenerCount).toBe(0);
    expect(fdAfter).toBeLessThanOrEqual(fdBefore + 2);
    expect(timersLeft).toBeLessThanOrEqual(3);
    for (const kind of ['Timeout', 'TCPSocketWrap', 'Immediate']) {
      expect(resAfter.get(kind) ?? 0, kind).toBeLessThanOrEqual(resBefore.get(kind) ?? 0);
    }
  });
});
