// Slow consumers on a live CA server: a raw TCP client subscribes to a fast-changing 160 KB array and a
// fast scalar, then stops reading. Server-side buffering must stay bounded (queued updates within the
// per-subscription quota, Buffer memory flat), a client that never resumes is dropped after
// stallTimeoutMs, and a client that resumes in time gets the newest value as its last update.
import { afterEach, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import type { CaServer } from '../../src/ioc/server/ca-server.js';
import { SUBSCRIPTION_QUOTA, type Circuit } from '../../src/ioc/server/circuit.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { heapAfterGc, MiB, RawPeer, sleep, startServer, until } from './live.js';
import { createChanReq, eventAddReq, frame, versionReq } from './wire.js';

const WAVE_ELEMENTS = 20_000;
const POST_MS = 10;

let server: CaServer | undefined;
let ticker: NodeJS.Timeout | undefined;
afterEach(async () => {
  clearInterval(ticker);
  await server?.close();
});

async function setup(stallTimeoutMs: number, maxBacklogBytes?: number) {
  const provider = new SimpleProvider();
  const wave = provider.add(new SimplePv('SC:WAVE', C.DBF_DOUBLE, new Float64Array(WAVE_ELEMENTS)));
  const fast = provider.add(new SimplePv('SC:FAST', C.DBF_DOUBLE, [0]));
  const started = await startServer(provider, {
    stallTimeoutMs,
    ...(maxBacklogBytes === undefined ? {} : { maxBacklogBytes }),
  });
  server = started.server;
  const peer = new RawPeer(started.port);
  await peer.connected();
  peer.send(Buffer.concat([versionReq(), createChanReq('SC:WAVE', 1), createChanReq('SC:FAST', 2)]));
  await peer.waitFor((m) => m.cmd === 18 && m.p1 === 2);
  const sid = (cid: number) => peer.received.find((m) => m.cmd === 18 && m.p1 === cid)!.p2;
  peer.send(
    Buffer.concat([
      eventAddReq(C.DBR_DOUBLE, WAVE_ELEMENTS, sid(1), 101),
      eventAddReq(C.DBR_DOUBLE, 1, sid(2), 102),
    ]),
  );
  await peer.waitFor((m) => m.cmd === 1 && m.p2 === 102);
  const circuit = [...server.circuits].find((c) => c.peer.port === peer.socket.localPort)!;
  let posted = 0;
  const values = new Float64Array(WAVE_ELEMENTS);
  ticker = setInterval(() => {
    posted++;
    values[0] = posted;
    wave.set(values);
    fast.set([posted]);
  }, POST_MS);
  return { peer, circuit, fast, log: started.log, posted: () => posted };
}

/** Buffer memory still referenced (socket buffers, queued updates) after a forced GC. */
function buffersAfterGc(): number {
  heapAfterGc();
  return process.memoryUsage().arrayBuffers;
}

/** Samples the updates queued in the circuit while the client is not reading. */
function sampler(circuit: Circuit) {
  const s = { maxPending: 0 };
  const timer = setInterval(() => {
    s.maxPending = Math.max(s.maxPending, circuit.pendingUpdates);
  }, 20);
  return { stats: s, stop: () => clearInterval(timer) };
}

describe('slow consumer', () => {
  it('drops a client that stops reading, keeping server buffers bounded meanwhile', async () => {
    const stallTimeoutMs = 1500;
    const { peer, circuit, log, posted } = await setup(stallTimeoutMs);
    const base = buffersAfterGc();
    const paused = Date.now();
    peer.socket.pause();
    const sample = sampler(circuit);
    // Shortly before the timeout, what the server holds for this client (kernel buffers excluded).
    await sleep(stallTimeoutMs - 300);
    const held = buffersAfterGc() - base;
    await until(() => peer.closed || circuit.closed, 15_000, 'the stalled client to be dropped');
    const droppedAfterMs = Date.now() - paused;
    sample.stop();
    await until(() => server!.clientCount === 0, 3000, 'the circuit to be gone');
    console.log(
      `[robustness] slow consumer: ${posted()} posts of a ${(WAVE_ELEMENTS * 8) / 1024} KiB array + scalar; ` +
        `dropped ${droppedAfterMs} ms after it stopped reading (stallTimeoutMs ${stallTimeoutMs}); ` +
        `max queued updates ${sample.stats.maxPending} (quota ${SUBSCRIPTION_QUOTA} x 2 subscriptions); ` +
        `Buffer memory held for it ${(held / MiB).toFixed(1)} MiB`,
    );
    expect(sample.stats.maxPending).toBeLessThanOrEqual(2 * SUBSCRIPTION_QUOTA);
    // One flush slice (1 MiB) beyond the socket's high-water mark, plus the queued updates.
    expect(held).toBeLessThan(4 * MiB);
    expect(droppedAfterMs).toBeGreaterThanOrEqual(stallTimeoutMs);
    expect(droppedAfterMs).toBeLessThan(stallTimeoutMs + 10_000);
    expect(log.lines.join('\n')).toMatch(/not reading for 1500 ms \(stalled client\)/);
    expect(circuit.subscriptions.size).toBe(0);
  });

  it('drops at once a client whose unread replies pass maxBacklogBytes', async () => {
    // Monitor updates stop at a full socket; direct replies do not, so the backlog limit is what bounds
    // a client that pipelines reads of a large array and never reads the answers.
    const { peer, circuit, log } = await setup(60_000, 512 * 1024);
    const waveSid = peer.received.find((m) => m.cmd === 18 && m.p1 === 1)!.p2;
    const paused = Date.now();
    peer.socket.pause();
    const reads = Array.from({ length: 100 }, (_, i) => frame(15, C.DBR_DOUBLE, WAVE_ELEMENTS, waveSid, i));
    peer.send(Buffer.concat(reads));
    await until(() => circuit.closed, 15_000, 'the backlogged client to be dropped');
    const droppedAfterMs = Date.now() - paused;
    console.log(
      `[robustness] unread replies over maxBacklogBytes 512 KiB (100 pipelined reads of 156 KiB): ` +
        `dropped ${droppedAfterMs} ms after it stopped reading (stall timeout 60 s not needed)`,
    );
    expect(log.lines.join('\n')).toMatch(/bytes unread \(slow client\)/);
    expect(droppedAfterMs).toBeLessThan(10_000);
  });

  it('delivers the newest value last to a client that resumes reading before the timeout', async () => {
    const { peer, circuit, fast, posted } = await setup(5000);
    const base = buffersAfterGc();
    peer.socket.pause();
    const sample = sampler(circuit);
    await sleep(1500);
    const held = buffersAfterGc() - base;
    sample.stop();
    expect(circuit.closed).toBe(false);
    peer.socket.resume();
    clearInterval(ticker);
    const last = posted() + 1;
    fast.set([last]);
    await until(
      () =>
        peer.received
          .filter((m) => m.cmd === 1 && m.p2 === 102)
          .at(-1)
          ?.body.readDoubleBE(0) === last,
      5000,
      'the newest value to arrive last',
    );
    const updates = peer.received.filter((m) => m.cmd === 1 && m.p2 === 102).length;
    console.log(
      `[robustness] slow consumer resumed after 1500 ms: ${last} scalar posts, ${updates} updates received ` +
        `(intermediate values coalesced), last update = newest value ${last}; max queued ${sample.stats.maxPending}, ` +
        `Buffer memory held while paused ${(held / MiB).toFixed(1)} MiB`,
    );
    expect(peer.closedByServer).toBe(false);
    expect(sample.stats.maxPending).toBeLessThanOrEqual(2 * SUBSCRIPTION_QUOTA);
    expect(updates).toBeLessThan(last);
    expect(held).toBeLessThan(4 * MiB);
    peer.destroy();
  });
});
