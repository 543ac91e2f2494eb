// Fairness over real loopback sockets: a raw TCP client floods 20,000 WRITEs (as fast as TCP takes them)
// while another client monitors the PV. The monitor must get updates while the flood is still being
// handled (before the writer's trailing READ_NOTIFY is answered), in order, and the final value.
// A correctness check, not a timing: `npm run bench` measures the rates.
import { afterEach, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import type { CaServer } from '../../src/ioc/server/ca-server.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { RawPeer, startServer, until } from './live.js';
import { createChanReq, eventAddReq, f64, frame, versionReq } from './wire.js';

const PUTS = 20_000;
const FINAL = 1e9;

let server: CaServer | undefined;
afterEach(async () => {
  await server?.close();
});

async function openChannel(peer: RawPeer, name: string): Promise<number> {
  await peer.connected();
  peer.send(Buffer.concat([versionReq(), createChanReq(name, 1)]));
  return (await peer.waitFor((m) => m.cmd === C.CA_PROTO_CREATE_CHAN && m.p1 === 1)).p2;
}

describe('CA server under a write flood', () => {
  it("keeps another client's monitor flowing, in order, up to the final value", async () => {
    const provider = new SimpleProvider();
    const pv = provider.add(new SimplePv('FLOOD:A', C.DBF_DOUBLE, [0]));
    const started = await startServer(provider);
    server = started.server;
    const reader = new RawPeer(started.port);
    const writer = new RawPeer(started.port);
    const readerSid = await openChannel(reader, 'FLOOD:A');
    const writerSid = await openChannel(writer, 'FLOOD:A');
    reader.send(eventAddReq(C.DBR_DOUBLE, 1, readerSid, 7));
    await reader.waitFor((m) => m.cmd === C.CA_PROTO_EVENT_ADD && m.p2 === 7);

    const parts: Buffer[] = [];
    for (let v = 1; v <= PUTS; v++)
      parts.push(frame(C.CA_PROTO_WRITE, C.DBR_DOUBLE, 1, writerSid, v, f64(v)));
    parts.push(frame(C.CA_PROTO_WRITE, C.DBR_DOUBLE, 1, writerSid, 0, f64(FINAL)));
    parts.push(frame(C.CA_PROTO_READ_NOTIFY, C.DBR_DOUBLE, 1, writerSid, 999));
    writer.send(Buffer.concat(parts));

    const monitored = () =>
      reader.received
        .filter((m) => m.cmd === C.CA_PROTO_EVENT_ADD && m.p2 === 7)
        .map((m) => m.body.readDoubleBE(0));
    await until(
      () => writer.received.some((m) => m.cmd === C.CA_PROTO_READ_NOTIFY),
      60_000,
      'the flood to be handled',
    );
    const duringFlood = monitored().length - 1; // minus the initial update
    await until(() => monitored().at(-1) === FINAL, 10_000, 'the final value on the monitor');
    const values = monitored();
    console.log(
      `[robustness] write flood: ${PUTS} puts; the monitor got ${duringFlood} updates while they were handled, ` +
        `${values.length - 1} in all`,
    );
    expect(pv.writes.length).toBe(PUTS + 1);
    expect(duringFlood).toBeGreaterThanOrEqual(100);
    expect(values.every((v, i) => i === 0 || v > values[i - 1]!)).toBe(true);
    expect(reader.closedByServer || writer.closedByServer).toBe(false);
    reader.destroy();
    writer.destroy();
  }, 90_000);
});
