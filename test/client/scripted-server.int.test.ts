// CaClient against a scripted TCP server whose replies are hex written from ca-protocol.md (not our
// server's encoder): a server that sends garbage loses its circuit and the client reconnects; a server
// that disconnects in the middle of a reply fails the pending get, and the next circuit works; replies
// split across TCP segments are reassembled.
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CaClient, type CaException } from '../../src/ca/client/index.js';
import { parseDatagram, StreamParser } from '../../src/ca/stream-parser.js';
import type { CaMessage } from '../../src/ca/header.js';
import type { GwError } from '../../src/errors.js';
import { frame } from '../support/ca-wire.js';
import { hex } from '../support/hex.js';
import { until } from './helpers.js';

type Script = (msg: CaMessage, sock: net.Socket, connection: number) => void;

const SERVER_VERSION = hex('00 00 00 00 00 00 00 0D 00 00 00 00 00 00 00 00');

/** ACCESS_RIGHTS (read+write) then CREATE_CHAN DOUBLE x1 with sid 42, for the request's CID. */
function created(cid: number): Buffer {
  const b = hex(`00 16 00 00 00 00 00 00 00 00 00 00 00 00 00 03
                 00 12 00 00 00 06 00 01 00 00 00 00 00 00 00 2A`);
  b.writeUInt32BE(cid, 8);
  b.writeUInt32BE(cid, 24);
  return b;
}

/** READ_NOTIFY reply DBR_TIME_DOUBLE 3.25 (A.5) for an IOID. */
function timeDoubleReply(ioid: number): Buffer {
  const b = hex(`00 0F 00 18 00 14 00 01 00 00 00 01 00 00 00 00
                 00 00 00 00 3F F3 63 00 1D CD 65 00 00 00 00 00 40 0A 00 00 00 00 00 00`);
  b.writeUInt32BE(ioid, 12);
  return b;
}

/** UDP SEARCH reply (§4.2): the server's TCP port, "use the sender" address, the CID, minor 13. */
function searchReply(tcpPort: number, cid: number): Buffer {
  return frame(6, tcpPort, 0, 0xffffffff, cid, hex('00 0D'));
}

let server: net.Server | undefined;
let client: CaClient | undefined;
/** TCP connections the scripted server accepted. */
let accepted = 0;

async function scripted(script: Script): Promise<number> {
  accepted = 0;
  server = net.createServer((sock) => {
    const n = ++accepted;
    const parser = new StreamParser();
    sock.write(SERVER_VERSION);
    sock.on('data', (chunk) => {
      for (const msg of parser.feed(chunk)) script(msg, sock, n);
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

let udp: dgram.Socket | undefined;

afterEach(async () => {
  await client?.close();
  udp?.close();
  udp = undefined;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('CaClient against a misbehaving server', () => {
  it('drops a circuit on garbage (NOT_FOUND over TCP) and recovers on the next one', async () => {
    const port = await scripted((msg, sock, n) => {
      if (msg.command !== 18) return;
      if (n === 1) sock.write(hex('00 0E 00 00 00 05 00 0D 00 00 00 01 00 00 00 01'));
      else sock.write(created(msg.parameter1));
    });
    client = new CaClient({ env: {}, autoAddrList: false });
    const exceptions: CaException[] = [];
    client.on('exception', (e: CaException) => exceptions.push(e));
    const ch = client.channel('TEST:A', { server: `127.0.0.1:${port}` });
    await ch.connected(3000);
    expect(exceptions).toHaveLength(1);
    expect((exceptions[0]!.error as GwError).code).toBe('GW_CA_FRAMING');
    expect(exceptions[0]!.server).toBe(`127.0.0.1:${port}`);
    expect([ch.nativeType, ch.nativeCount]).toEqual([6, 1]);
  });

  it('retries a channel the server refused (CREATE_CH_FAIL) on the same circuit', async () => {
    let creates = 0;
    const port = await scripted((msg, sock) => {
      if (msg.command !== 18) return;
      if (++creates === 1) {
        const fail = hex('00 1A 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
        fail.writeUInt32BE(msg.parameter1, 8);
        sock.write(fail);
      } else sock.write(created(msg.parameter1));
    });
    client = new CaClient({ env: {}, autoAddrList: false });
    const ch = client.channel('TEST:A', { server: `127.0.0.1:${port}` });
    await ch.connected(3000);
    expect(creates).toBe(2);
    expect(accepted).toBe(1);
  });

  it('fails a get when the server disconnects mid-reply, then reconnects and reads split segments', async () => {
    const port = await scripted((msg, sock, n) => {
      if (msg.command === 18) sock.write(created(msg.parameter1));
      if (msg.command !== 15) return;
      const reply = timeDoubleReply(msg.parameter2);
      if (n === 1) {
        sock.write(reply.subarray(0, 20));
        setTimeout(() => sock.destroy(), 20);
      } else {
        // Header split from its payload, in three segments.
        sock.write(reply.subarray(0, 7));
        setTimeout(() => sock.write(reply.subarray(7, 30)), 10);
        setTimeout(() => sock.write(reply.subarray(30)), 20);
      }
    });
    client = new CaClient({ env: {}, autoAddrList: false });
    const ch = client.channel('TEST:A', { server: `127.0.0.1:${port}` });
    await ch.connected(3000);
    const err = (await ch.get({ timeoutMs: 3000 }).catch((e: unknown) => e)) as GwError;
    expect(err.code).toBe('GW_CA_DISCONNECTED');
    expect(err.message).toMatch(/^TEST:A: circuit to 127\.0\.0\.1:\d+ lost/);
    await until(() => ch.isConnected, 3000, 'reconnect');
    const v = await ch.get({ timeoutMs: 3000 });
    expect([v.value, v.timestamp?.toISOString()]).toEqual([3.25, '2024-01-01T00:00:00.500Z']);
  });

  it('times out a get the server never answers, and reports an unanswered ECHO as unresponsive', async () => {
    const port = await scripted((msg, sock) => {
      if (msg.command === 18) sock.write(created(msg.parameter1));
    });
    client = new CaClient({ env: {}, autoAddrList: false, connTmoMs: 100, echoTimeoutMs: 100 });
    const exceptions: CaException[] = [];
    client.on('exception', (e: CaException) => exceptions.push(e));
    const ch = client.channel('TEST:A', { server: `127.0.0.1:${port}` });
    await ch.connected(3000);
    const err = (await ch.get({ timeoutMs: 50 }).catch((e: unknown) => e)) as GwError;
    expect([err.code, err.message]).toEqual(['GW_CA_TIMEOUT', 'TEST:A: get timed out after 50 ms']);
    await until(() => exceptions.length > 0, 3000, 'unresponsive');
    expect(exceptions[0]!.error.message).toMatch(/did not answer ECHO/);
    await until(() => ch.state !== 'connected', 1000, 'disconnect');
  });

  it('resolves names from search replies split over datagrams, ignoring a truncated message', async () => {
    const tcpPort = await scripted((msg, sock) => {
      if (msg.command === 18) sock.write(created(msg.parameter1));
    });
    udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp!.bind(0, '127.0.0.1', r));
    const udpPort = udp.address().port;
    udp.on('message', (d, rinfo) => {
      const cids = parseDatagram(d)
        .messages.filter((m) => m.command === 6)
        .map((m) => m.parameter2);
      const reply = (cid: number) => searchReply(tcpPort, cid);
      const version = hex('00 00 00 00 00 01 00 0D 00 00 00 01 00 00 00 00');
      // First datagram: one reply plus the first 20 bytes of another (truncated); second: the other.
      if (cids.length !== 2) {
        // A retry of a single name: answer it whole.
        for (const cid of cids) udp!.send(Buffer.concat([version, reply(cid)]), rinfo.port, rinfo.address);
        return;
      }
      const [a, b] = cids as [number, number];
      const first = Buffer.concat([version, reply(a), reply(b).subarray(0, 20)]);
      udp!.send(first, rinfo.port, rinfo.address);
      setTimeout(() => udp?.send(Buffer.concat([version, reply(b)]), rinfo.port, rinfo.address), 10);
    });
    client = new CaClient({ env: {}, addrList: [`127.0.0.1:${udpPort}`], autoAddrList: false });
    const chans = [client.channel('SPLIT:A'), client.channel('SPLIT:B')];
    await Promise.all(chans.map((c) => c.connected(3000)));
    expect(chans.map((c) => c.server)).toEqual([`127.0.0.1:${tcpPort}`, `127.0.0.1:${tcpPort}`]);
    expect(accepted).toBe(1);
  });

  it('registers with a caRepeater and searches again at once on a beacon anomaly', async () => {
    const tcpPort = await scripted((msg, sock) => {
      if (msg.command === 18) sock.write(created(msg.parameter1));
    });
    // The name server stays silent until "started"; it records when searches arrive.
    let started = false;
    const searchesAt: number[] = [];
    udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp!.bind(0, '127.0.0.1', r));
    udp.on('message', (d, rinfo) => {
      searchesAt.push(Date.now());
      if (!started) return;
      for (const m of parseDatagram(d).messages.filter((x) => x.command === 6)) {
        udp!.send(searchReply(tcpPort, m.parameter2), rinfo.port, rinfo.address);
      }
    });
    const repeater = dgram.createSocket('udp4');
    await new Promise<void>((r) => repeater.bind(0, '127.0.0.1', r));
    let registered: dgram.RemoteInfo | undefined;
    repeater.on('message', (d, rinfo) => {
      if (d.readUInt16BE(0) !== 24) return;
      registered = rinfo;
      repeater.send(hex('00 11 00 00 00 00 00 00 00 00 00 00 7F 00 00 01'), rinfo.port, rinfo.address);
    });
    try {
      client = new CaClient({
        env: {},
        addrList: [`127.0.0.1:${udp.address().port}`],
        autoAddrList: false,
        repeaterPort: repeater.address().port,
        maxSearchPeriodMs: 60_000,
      });
      const ch = client.channel('LATE:PV');
      await until(() => registered !== undefined, 3000, 'repeater registration');
      // Let the search back off (tries at 0, 32, 96, 224, 480, 992, 1984 ms; the next at 4032 ms).
      await new Promise((r) => setTimeout(r, 2100));
      started = true;
      const before = searchesAt.length;
      const sentAt = Date.now();
      repeater.send(
        hex('00 0D 00 00 00 0D 13 C8 00 00 00 01 7F 00 00 01'),
        registered!.port,
        registered!.address,
      );
      await ch.connected(1000);
      expect(searchesAt.length).toBeGreaterThan(before);
      expect(searchesAt[before]! - sentAt).toBeLessThan(500);
    } finally {
      repeater.close();
    }
  });
});
