// catvs test_chan.py / test_ops.py openChan, ported to the sans-I/O circuit, plus the bad-input rules of
// ca-protocol.md §10.2 as catvs expects them: wrong but well-framed requests get an ECA status and the
// circuit stays up; an oversize message gets ERROR ECA_TOLARGE (circuit kept, as rsrv); unknown
// commands close only this circuit.
import { describe, expect, it } from 'vitest';
import { SimplePv } from '../support/simple-pvs.js';
import { hex, toHex } from '../support/hex.js';
import { cstr, f64, fields, frame, headerBytes, rig, splitMessages, type Rig, type Wire } from './harness.js';

const h8 = (n: number) => n.toString(16).padStart(8, '0');
const ECHO = frame(23, 0, 0, 0, 0);
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The circuit is still up: an ECHO comes back unchanged. */
function expectAlive(r: Rig): void {
  expect(r.send(ECHO).map(fields)).toEqual([[23, 0, 0, 0, 0, 0]]);
  expect(r.transport.closed).toBe(false);
}

function withPvs(): Rig {
  const r = rig();
  r.provider.add(new SimplePv('ival', 5, [42]));
  r.provider.add(new SimplePv('TEST:A', 6, [3.25]));
  return r;
}

describe('circuit start and channel creation', () => {
  it('does not answer the client VERSION (the server VERSION is sent on accept)', () => {
    const r = withPvs();
    expect(r.send(frame(0, 0, 13, 0, 0))).toEqual([]);
    expect(r.circuit.clientMinor).toBe(13);
  });

  it('replies ACCESS_RIGHTS before CREATE_CHAN, byte for byte (A.4)', () => {
    const r = withPvs();
    const out = r.send(
      hex('00 00 00 00 00 00 00 0D 00 00 00 00 00 00 00 00'),
      hex('00 14 00 08 00 00 00 00 00 00 00 00 00 00 00 00 72 6F 6F 74 00 00 00 00'),
      hex('00 15 00 08 00 00 00 00 00 00 00 00 00 00 00 00 76 6D 00 00 00 00 00 00'),
      hex('00 12 00 08 00 00 00 00 00 00 00 01 00 00 00 0D 54 45 53 54 3A 41 00 00'),
    );
    expect(out).toHaveLength(2);
    const sid = out[1]!.p2;
    expect(toHex(Buffer.concat(out.map((w) => headerBytes(w))))).toBe(
      toHex(
        hex(`00 16 00 00 00 00 00 00 00 00 00 01 00 00 00 03
             00 12 00 00 00 06 00 01 00 00 00 01 ${h8(sid)}`),
      ),
    );
    expect(r.circuit.identity).toEqual({ user: 'root', host: 'vm', ip: '127.0.0.1' });
  });

  it('catvs test_echo: ECHO comes back identical, whatever its fields', () => {
    const r = withPvs();
    const echo = frame(23, 12, 23, 5678, 9101112);
    r.circuit.receive(Buffer.concat([frame(0, 0, 13, 0, 0), echo]));
    expect(toHex(r.transport.takeBytes())).toBe(
      toHex(hex('00 17 00 00 00 0C 00 17 00 00 16 2E 00 8A DF 38')),
    );
  });

  it('a client that never sends CLIENT_NAME/HOST_NAME gets a channel; host is its IP, user empty', () => {
    const r = withPvs();
    const out = r.send(frame(0, 0, 13, 0, 0), frame(18, 0, 0, 156, 13, cstr('ival')));
    expect(out.map((w) => w.cmd)).toEqual([22, 18]);
    expect(r.circuit.identity).toEqual({ user: '', host: '127.0.0.1', ip: '127.0.0.1' });
  });

  it('catvs openChan: LONG scalar reports dt 5, cnt 1, cid 156', () => {
    const r = withPvs();
    const out = r.send(
      frame(0, 0, 13, 0, 0),
      frame(20, 0, 0, 0, 0, cstr('foo')),
      frame(21, 0, 0, 0, 0, cstr('Host.Example')),
      frame(18, 0, 0, 156, 13, cstr('ival')),
    );
    expect(out.map(fields)).toEqual([
      [22, 0, 0, 0, 156, 3],
      [18, 0, 5, 1, 156, out[1]!.p2],
    ]);
    expect(r.circuit.identity.host).toBe('host.example');
  });

  it('reports the capacity as the native count of an array and rights from the PV', () => {
    const r = withPvs();
    const pv = r.provider.add(new SimplePv('arr', 1, [1, 2], 5));
    pv.rights = 1;
    const out = r.send(frame(18, 0, 0, 7, 13, cstr('arr')));
    expect(out.map(fields)).toEqual([
      [22, 0, 0, 0, 7, 1],
      [18, 0, 1, 5, 7, out[1]!.p2],
    ]);
  });

  it('gives distinct SIDs to two channels on the same PV', () => {
    const r = withPvs();
    const a = r.open('ival', 1);
    const b = r.open('ival', 2);
    expect(a).not.toBe(b);
    expect(r.circuit.channels.size).toBe(2);
  });

  it('answers CREATE_CH_FAIL [26, 0, 0, 0, cid, 0] for an unknown PV and keeps the circuit', () => {
    const r = withPvs();
    const out = r.send(frame(18, 0, 0, 0x55, 13, cstr('no:such:pv')));
    expect(out.map(headerBytes).map(toHex)).toEqual([
      toHex(hex('00 1A 00 00 00 00 00 00 00 00 00 55 00 00 00 00')),
    ]);
    expectAlive(r);
  });

  it('sends nothing for an empty payload, CREATE_CH_FAIL for a padded empty name', () => {
    const r = withPvs();
    expect(r.send(frame(18, 0, 0, 1, 13))).toEqual([]);
    expect(r.send(frame(18, 0, 0, 1, 13, Buffer.alloc(1))).map(fields)).toEqual([[26, 0, 0, 0, 1, 0]]);
    expectAlive(r);
  });

  it('answers CLEAR_CHANNEL by echoing sid and cid (A.8), and forgets the channel', () => {
    const r = withPvs();
    const pv = r.provider.pvs.get('ival')!;
    const sid = r.open('ival', 1);
    r.send(frame(1, 5, 1, sid, 9, Buffer.alloc(16, 0).fill(0, 0, 12)));
    expect(pv.listenerCount).toBe(1);
    const out = r.send(frame(12, 0, 0, sid, 1));
    expect(out.map(headerBytes).map(toHex)).toEqual([
      toHex(hex(`00 0C 00 00 00 00 00 00 ${h8(sid)} 00 00 00 01`)),
    ]);
    expect(pv.listenerCount).toBe(0);
    expect(r.circuit.channels.size).toBe(0);
    pv.set([7]);
    expect(r.send()).toEqual([]);
  });
});

describe('bad input (ca-protocol.md §10.2, catvs wins over rsrv)', () => {
  it('answers an unknown SID with ERROR ECA_BADCHID carrying the request header, circuit up', () => {
    const r = withPvs();
    const req = frame(15, 6, 1, 0xdead, 77);
    const [err, ...rest] = r.send(req);
    expect(rest).toEqual([]);
    expect([err!.cmd, err!.dt, err!.cnt, err!.p1, err!.p2]).toEqual([11, 0, 0, 0xffffffff, 410]);
    expect(err!.size % 8).toBe(0);
    expect(toHex(err!.body.subarray(0, 16))).toBe(toHex(req));
    const text = err!.body.subarray(16);
    expect(text.indexOf(0)).toBeGreaterThan(0);
    expectAlive(r);
  });

  it.each([
    ['WRITE', frame(4, 6, 1, 0xdead, 1, f64(1))],
    ['WRITE_NOTIFY', frame(19, 6, 1, 0xdead, 1, f64(1))],
    ['EVENT_ADD', frame(1, 6, 1, 0xdead, 1, Buffer.alloc(16))],
    ['READ', frame(3, 6, 1, 0xdead, 1)],
    ['CLEAR_CHANNEL', frame(12, 0, 0, 0xdead, 1)],
  ])('answers %s on an unknown SID with ECA_BADCHID and keeps the circuit', (_name, req) => {
    const r = withPvs();
    const out = r.send(req);
    expect(out.map((w) => [w.cmd, w.p1, w.p2])).toEqual([[11, 0xffffffff, 410]]);
    expect(toHex(out[0]!.body.subarray(0, 16))).toBe(toHex(req.subarray(0, 16)));
    expectAlive(r);
  });

  it('answers EVENT_CANCEL of an unknown subscription with ERROR ECA_BADMONID (p1 = cid), circuit up', () => {
    const r = withPvs();
    const sid = r.open('ival', 3);
    const out = r.send(frame(2, 5, 1, sid, 999));
    expect(out.map((w) => [w.cmd, w.p1, w.p2])).toEqual([[11, 3, 242]]);
    expectAlive(r);
  });

  it('refuses HOST_NAME and CLIENT_NAME once channels exist (ERROR ECA_INTERNAL) and keeps the old names', () => {
    const r = withPvs();
    r.send(frame(20, 0, 0, 0, 0, cstr('alice')), frame(21, 0, 0, 0, 0, cstr('ws1')));
    r.open('ival', 1);
    const host = frame(21, 0, 0, 0, 0, cstr('evil'));
    const user = frame(20, 0, 0, 0, 0, cstr('mallory'));
    const out = r.send(host, user);
    expect(out.map((w) => [w.cmd, w.dt, w.cnt, w.p1, w.p2])).toEqual([
      [11, 0, 0, 0xffffffff, 142],
      [11, 0, 0, 0xffffffff, 142],
    ]);
    expect(toHex(out[0]!.body.subarray(0, 16))).toBe(toHex(host.subarray(0, 16)));
    expect(toHex(out[1]!.body.subarray(0, 16))).toBe(toHex(user.subarray(0, 16)));
    expect(r.circuit.identity).toMatchObject({ user: 'alice', host: 'ws1' });
    expectAlive(r);
  });

  it.each([5, 7, 11, 13, 14, 16, 17, 22, 24, 25, 26, 27, 28, 999])(
    'closes the circuit on command %i, after an ERROR ECA_INTERNAL',
    (cmd) => {
      const r = withPvs();
      const req = frame(cmd, 0, 0, 0, 0);
      r.circuit.receive(Buffer.concat([req, ECHO]));
      r.transport.runDeferred();
      const out = r.transport.take();
      expect(out.map((w) => [w.cmd, w.p1, w.p2])).toEqual([[11, 0xffffffff, 142]]);
      expect(toHex(out[0]!.body.subarray(0, 16))).toBe(toHex(req));
      expect(r.transport.closed).toBe(true);
      expect(r.circuit.closed).toBe(true);
    },
  );

  it('answers what came before an unknown command, and nothing after it', () => {
    const r = withPvs();
    r.circuit.receive(Buffer.concat([frame(10, 0, 0, 1, 2), frame(99, 0, 0, 0, 0), ECHO]));
    const out = r.transport.take();
    expect(out.map((w) => w.cmd)).toEqual([10, 11]);
    expect(r.transport.closed).toBe(true);
  });

  it('closes a circuit whose client announces a protocol older than 4.4', () => {
    const r = withPvs();
    r.send(frame(0, 0, 3, 0, 0));
    expect(r.transport.closed).toBe(true);
  });

  it('answers a payload above the limit with ERROR ECA_TOLARGE, skips it unbuffered, and goes on', () => {
    const r = rig(undefined, 1024);
    r.provider.add(new SimplePv('ival', 5, [42]));
    const sid = r.open('ival', 156);
    // A WRITE announcing 2048 bytes, arriving in 100-byte pieces, then a good READ_NOTIFY (rsrv 3.15
    // does the same: ERROR with p1 = the channel's cid and p2 = ECA_TOLARGE 72, then the read is served).
    const stream = Buffer.concat([
      frame(4, 5, 512, sid, 1101, Buffer.alloc(2048)),
      frame(15, 5, 1, sid, 777),
    ]);
    const out: Wire[] = [];
    for (let i = 0; i < stream.length; i += 100) {
      r.circuit.receive(stream.subarray(i, i + 100));
      r.transport.runDeferred();
      out.push(...r.transport.take());
    }
    expect(out.map(fields)).toEqual([
      [11, out[0]!.size, 0, 0, 156, 72],
      [15, 8, 5, 1, 1, 777],
    ]);
    expect(toHex(out[0]!.body.subarray(0, 16))).toBe(toHex(hex(`0004 0800 0005 0200 ${h8(sid)} 0000044D`)));
    expect(out[0]!.body.subarray(16).toString('latin1')).toMatch(
      /^request of 2048 bytes exceeds .* 1024 bytes\0/,
    );
    expect(toHex(out[1]!.body)).toBe(toHex(hex('0000002A 00000000')));
    expect(r.transport.closed).toBe(false);
  });

  it('answers an oversize extended header for an unknown channel with p1 0xFFFFFFFF, circuit kept', () => {
    const r = rig(undefined, 1024);
    const out = r.send(frame(1, 6, 0x10000, 99, 5, Buffer.alloc(0), { extended: true, size: 0x80000 }));
    expect(out.map(fields)).toEqual([[11, out[0]!.size, 0, 0, 0xffffffff, 72]]);
    // The 512 KiB payload is discarded as it arrives, never held; the next message is served.
    for (let i = 0; i < 0x80000; i += 0x10000) expect(r.send(Buffer.alloc(0x10000))).toEqual([]);
    expectAlive(r);
  });

  it('accepts a message at the limit, in pieces, over an extended header', async () => {
    const r = rig(undefined, 1024);
    const pv = r.provider.add(new SimplePv('wave', 6, new Array<number>(128).fill(0), 128));
    const sid = r.open('wave', 1);
    const values = Array.from({ length: 128 }, (_, i) => i / 2);
    const req = frame(19, 6, 128, sid, 5, f64(...values), { extended: true });
    for (let i = 0; i < req.length; i += 100) r.circuit.receive(req.subarray(i, i + 100));
    await settle();
    expect(r.transport.take().map(fields)).toEqual([[19, 0, 6, 128, 1, 5]]);
    expect(pv.writes[0]!.value).toEqual(values);
  });
});

describe('stream framing', () => {
  it('gives the same replies whatever byte offset the input is split at', () => {
    const r = withPvs();
    const sid = r.open('TEST:A', 1);
    const input = Buffer.concat([
      frame(15, 20, 0, sid, 2),
      frame(10, 0, 0, 7, 8),
      frame(4, 6, 1, sid, 1, f64(6.5)),
      frame(15, 6, 1, sid, 3),
      frame(23, 0, 0, 0, 0),
      frame(15, 6, 1, 0xdead, 4),
      frame(18, 0, 0, 9, 13, cstr('nope')),
    ]);
    const run = (cut: number) => {
      r.circuit.receive(input.subarray(0, cut));
      r.circuit.receive(input.subarray(cut));
      r.transport.runDeferred();
      return toHex(r.transport.takeBytes());
    };
    run(input.length); // the first pass changes the value from 3.25 to 6.5
    const reference = run(input.length);
    expect(splitMessages(hex(reference)).map((w) => w.cmd)).toEqual([15, 10, 15, 23, 11, 26]);
    expect(splitMessages(hex(reference))[2]!.body).toEqual(f64(6.5));
    for (let cut = 1; cut < input.length; cut++) expect(run(cut)).toBe(reference);
  });
});

describe('server-side changes', () => {
  it('sends SERVER_DISCONN [27, 0, 0, 0, cid, 0] per channel of a removed PV and drops its monitors', () => {
    const r = withPvs();
    const pv = r.provider.pvs.get('TEST:A')!;
    const sidA = r.open('TEST:A', 11);
    r.open('TEST:A', 12);
    const sidI = r.open('ival', 13);
    r.send(frame(1, 6, 1, sidA, 1, Buffer.alloc(16)));
    expect(pv.listenerCount).toBe(1);
    r.provider.remove('TEST:A');
    r.transport.runDeferred();
    expect(r.transport.take().map(headerBytes).map(toHex)).toEqual([
      toHex(hex('00 1B 00 00 00 00 00 00 00 00 00 0B 00 00 00 00')),
      toHex(hex('00 1B 00 00 00 00 00 00 00 00 00 0C 00 00 00 00')),
    ]);
    expect(pv.listenerCount).toBe(0);
    pv.set([1]);
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
    // A request racing with the removal gets an error, not a dropped circuit.
    expect(r.send(frame(15, 6, 1, sidA, 8)).map((w) => [w.cmd, w.p2])).toEqual([[11, 410]]);
    expect(r.send(frame(15, 5, 1, sidI, 9)).map((w) => [w.cmd, w.p1, w.p2])).toEqual([[15, 1, 9]]);
    // A new CREATE_CHAN for the removed name fails.
    expect(r.send(frame(18, 0, 0, 14, 13, cstr('TEST:A'))).map((w) => w.cmd)).toEqual([26]);
  });

  it('re-sends ACCESS_RIGHTS only for channels whose rights changed', () => {
    const r = withPvs();
    const pv = r.provider.pvs.get('ival')!;
    r.open('ival', 21);
    r.open('TEST:A', 22);
    pv.rights = 1;
    r.provider.fireAccessChanged();
    r.transport.runDeferred();
    expect(r.transport.take().map(headerBytes).map(toHex)).toEqual([
      toHex(hex('00 16 00 00 00 00 00 00 00 00 00 15 00 00 00 01')),
    ]);
    r.provider.fireAccessChanged();
    r.transport.runDeferred();
    expect(r.transport.take()).toEqual([]);
  });
});
