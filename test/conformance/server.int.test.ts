// catvs over real loopback sockets against startCaServer: VERSION sent unsolicited on accept, UDP search
// answered from the server port (found / silent for unknown names, DO_REPLY and ECHO), the catvs
// get/put/monitor sequence over TCP, and an oversize message answered with ECA_TOLARGE.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { hex, toHex } from '../support/hex.js';
import { startServer, type Started } from '../interop/server-fixture.js';
import { cstr, eventMask, fields, frame, headerBytes, i32, splitMessages, type Wire } from './harness.js';

/** A TCP client that collects whatever the server sends. */
class TcpClient {
  private buf = Buffer.alloc(0);
  ended = false;
  private waiters: (() => void)[] = [];
  constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on('close', () => {
      this.ended = true;
      this.wake();
    });
    sock.on('error', () => undefined);
  }
  static open(port: number): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new TcpClient(s)));
      s.once('error', reject);
    });
  }
  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  send(...msgs: Buffer[]): void {
    this.sock.write(Buffer.concat(msgs));
  }
  /** Waits for at least `n` complete messages (or the end of the stream), then returns them. */
  async recv(n: number, timeoutMs = 2000): Promise<Wire[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msgs = completeMessages(this.buf);
      if (msgs.length >= n || this.ended || Date.now() > deadline) {
        this.buf = this.buf.subarray(msgs.reduce((s, m) => s + (m.extended ? 24 : 16) + m.size, 0));
        return msgs;
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
  close(): void {
    this.sock.destroy();
  }
}

function completeMessages(buf: Buffer): Wire[] {
  let end = 0;
  while (buf.length - end >= 16) {
    const size = buf.readUInt16BE(end + 2);
    if (size === 0xffff) {
      if (buf.length - end < 24) break;
      const big = buf.readUInt32BE(end + 16);
      if (buf.length - end < 24 + big) break;
      end += 24 + big;
    } else {
      if (buf.length - end < 16 + size) break;
      end += 16 + size;
    }
  }
  return splitMessages(buf.subarray(0, end));
}

async function udpExchange(
  port: number,
  datagram: Buffer,
  waitMs = 300,
): Promise<{ msg: Buffer; from: number }[]> {
  const sock: UdpSocket = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const got: { msg: Buffer; from: number }[] = [];
  sock.on('message', (msg, rinfo) => got.push({ msg, from: rinfo.port }));
  sock.send(datagram, port, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  sock.close();
  return got;
}

let s: Started;
const provider = new SimpleProvider();
provider.add(new SimplePv('ival', 5, [42]));

beforeAll(async () => {
  s = await startServer(provider, { limits: { maxPayload: 4096 } });
});
afterAll(async () => {
  await s.server.close();
});

describe('over loopback sockets', () => {
  it('sends VERSION [0, 0, 0, 13, 0, 0] unsolicited, right after accept', async () => {
    const c = await TcpClient.open(s.server.tcpPort);
    const [v] = await c.recv(1);
    expect(toHex(Buffer.from(headerBytes(v!)))).toBe(
      toHex(hex('00 00 00 00 00 00 00 0D 00 00 00 00 00 00 00 00')),
    );
    c.close();
  });

  it('answers a UDP search for a known name from the server port with VERSION + SEARCH', async () => {
    const replies = await udpExchange(
      s.port,
      Buffer.concat([frame(0, 1, 13, 0x77, 0), frame(6, 5, 13, 0x12345678, 0x12345678, cstr('ival'))]),
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]!.from).toBe(s.port);
    expect(splitMessages(replies[0]!.msg).map(fields)).toEqual([
      [0, 0, 1, 13, 0x77, 0],
      [6, 8, s.server.tcpPort, 0, 0xffffffff, 0x12345678],
    ]);
  });

  it('stays silent to unknown names (DONT_REPLY and DO_REPLY) and to UDP ECHO', async () => {
    const unknown = await udpExchange(
      s.port,
      Buffer.concat([
        frame(0, 1, 13, 1, 0),
        frame(6, 5, 13, 1, 1, cstr('invalid')),
        frame(6, 10, 13, 2, 2, cstr('invalid')),
      ]),
    );
    const echo = await udpExchange(s.port, frame(23, 12, 23, 5678, 9101112));
    expect([unknown, echo]).toEqual([[], []]);
  });

  it('catvs openChan + get + put + monitor + cancel + clear over one circuit', async () => {
    const c = await TcpClient.open(s.server.tcpPort);
    c.send(
      frame(0, 0, 13, 0, 0),
      frame(20, 0, 0, 0, 0, cstr('foo')),
      frame(21, 0, 0, 0, 0, cstr('localhost')),
      frame(18, 0, 0, 156, 13, cstr('ival')),
    );
    const open = await c.recv(3);
    expect(open.map(fields).slice(0, 2)).toEqual([
      [0, 0, 0, 13, 0, 0],
      [22, 0, 0, 0, 156, 3],
    ]);
    const sid = open[2]!.p2;
    expect(fields(open[2]!)).toEqual([18, 0, 5, 1, 156, sid]);
    c.send(frame(15, 5, 1, sid, 1102));
    const [get] = await c.recv(1);
    expect([...fields(get!), toHex(get!.body.subarray(0, 4))]).toEqual([15, 8, 5, 1, 1, 1102, '00 00 00 2a']);
    c.send(frame(1, 5, 1, sid, 1103, eventMask(1)));
    const [init] = await c.recv(1);
    expect([init!.cmd, init!.p1, init!.p2, init!.body.readInt32BE(0)]).toEqual([1, 1, 1103, 0x2a]);
    c.send(frame(19, 5, 1, sid, 1101, i32(0x2c)));
    const two = await c.recv(2);
    expect(two.map((w) => [w.cmd, w.p1, w.p2]).sort()).toEqual([
      [1, 1, 1103],
      [19, 1, 1101],
    ]);
    c.send(frame(2, 5, 1, sid, 1103), frame(12, 0, 0, sid, 156));
    const end = await c.recv(2);
    expect(end.map(fields)).toEqual([
      [1, 0, 5, 1, sid, 1103],
      [12, 0, 0, 0, sid, 156],
    ]);
    c.close();
  });

  it('answers an oversize message with ERROR ECA_TOLARGE and keeps serving that circuit', async () => {
    const c = await TcpClient.open(s.server.tcpPort);
    await c.recv(1);
    // The header first, then its 8192 payload bytes and an ECHO: the payload is skipped, the ECHO answered.
    c.send(frame(4, 6, 1, 1, 1, Buffer.alloc(0), { size: 8192 }));
    const [err] = await c.recv(1, 3000);
    expect(fields(err!)).toEqual([11, err!.size, 0, 0, 0xffffffff, 72]);
    c.send(Buffer.alloc(8192), frame(23, 0, 0, 0, 0));
    const [echo] = await c.recv(1, 3000);
    expect(fields(echo!)).toEqual([23, 0, 0, 0, 0, 0]);
    expect(c.ended).toBe(false);
    c.close();
  });

  it('sends ERROR before closing a circuit on an unknown command', async () => {
    const c = await TcpClient.open(s.server.tcpPort);
    await c.recv(1);
    c.send(frame(0, 0, 13, 0, 0), frame(7, 0, 0, 0, 0));
    const msgs = await c.recv(99, 3000);
    expect(msgs.map((w) => [w.cmd, w.p2])).toEqual([[11, 142]]);
    expect(c.ended).toBe(true);
  });
});

describe('EPICS_CAS_IGNORE_ADDR_LIST', () => {
  it('drops searches from an ignored source address', async () => {
    const ignoring = await startServer(provider, { env: { EPICS_CAS_IGNORE_ADDR_LIST: '127.0.0.1' } });
    const search = Buffer.concat([frame(0, 1, 13, 1, 0), frame(6, 5, 13, 1, 1, cstr('ival'))]);
    const replies = await udpExchange(ignoring.port, search);
    await ignoring.server.close();
    expect(replies).toEqual([]);
  });
});

describe('beacons', () => {
  it('start at once, counter +1 per beacon, [13, 0, 13, tcp port, counter, 0], fast start doubling from 20 ms', async () => {
    const sock: UdpSocket = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const beaconPort = sock.address().port;
    const got: { at: number; w: Wire }[] = [];
    sock.on('message', (msg) => got.push({ at: Date.now(), w: splitMessages(msg)[0]! }));
    const other = new SimpleProvider();
    const started = await startServer(other, { beaconPort });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await started.server.close();
    sock.close();
    expect(got.length).toBeGreaterThanOrEqual(4);
    got.slice(0, 4).forEach(({ w }, i) => {
      expect(fields(w)).toEqual([13, 0, 13, started.server.tcpPort, i, 0]);
    });
    // 20, 40, 80 ms between the first beacons, so the fourth comes >= 140 ms after the first (receive
    // times jitter by a few ms each, so only the sum is checked: no burst, no catch-up).
    expect(got[3]!.at - got[0]!.at).toBeGreaterThanOrEqual(140 - 15);
  });
});
