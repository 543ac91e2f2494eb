// The sans-I/O client circuit against scripted server bytes written from ca-protocol.md (Appendix A and
// §3-5), never produced by our server encoder: handshake, create, get, monitor, put, clear, liveness,
// and a server that breaks the protocol.
import { describe, expect, it } from 'vitest';
import { ClientCircuit, type CircuitEvent } from '../../src/ca/client/circuit.js';
import { hex, toHex } from '../support/hex.js';

const opts = { userName: 'root', hostName: 'vm', connTmoMs: 30_000, echoTimeoutMs: 5_000 };

const SERVER_VERSION = '00 00 00 00 00 00 00 0D 00 00 00 00 00 00 00 00';
const ACCESS_RW = '00 16 00 00 00 00 00 00 00 00 00 01 00 00 00 03';
const CREATED = '00 12 00 00 00 06 00 01 00 00 00 01 00 00 00 2A';

/** A circuit with channel cid 1 "TEST:A" connected as sid 42; output drained. */
function connected(): ClientCircuit {
  const c = new ClientCircuit(opts, 0);
  c.createChannel(1, 'TEST:A');
  c.receive(hex(SERVER_VERSION + ACCESS_RW + CREATED), 0);
  c.takeOutput();
  return c;
}

function out(c: ClientCircuit): string {
  return toHex(c.takeOutput() ?? Buffer.alloc(0));
}

describe('ClientCircuit handshake and channel creation', () => {
  it('pipelines VERSION, CLIENT_NAME, HOST_NAME and CREATE_CHAN in one write (A.4)', () => {
    const c = new ClientCircuit(opts, 0);
    c.createChannel(1, 'TEST:A');
    expect(out(c)).toBe(
      toHex(
        hex(`
        00 00 00 00 00 00 00 0D 00 00 00 00 00 00 00 00
        00 14 00 08 00 00 00 00 00 00 00 00 00 00 00 00 72 6F 6F 74 00 00 00 00
        00 15 00 08 00 00 00 00 00 00 00 00 00 00 00 00 76 6D 00 00 00 00 00 00
        00 12 00 08 00 00 00 00 00 00 00 01 00 00 00 0D 54 45 53 54 3A 41 00 00`),
      ),
    );
    expect(c.takeOutput()).toBeUndefined();
  });

  it('reports the channel connected with the rights that preceded CREATE_CHAN, at every split offset', () => {
    const reply = hex(SERVER_VERSION + ACCESS_RW + CREATED);
    for (let cut = 0; cut <= reply.length; cut++) {
      const c = new ClientCircuit({ ...opts, serverMinor: 11 }, 0);
      c.createChannel(1, 'TEST:A');
      const events = [...c.receive(reply.subarray(0, cut), 0), ...c.receive(reply.subarray(cut), 0)];
      expect(events).toEqual([
        { type: 'connected', cid: 1, sid: 42, nativeType: 6, nativeCount: 1, rights: 3 },
      ]);
      expect(c.serverMinor).toBe(13);
    }
  });

  it('reports later ACCESS_RIGHTS as changes, CREATE_CH_FAIL and SERVER_DISCONN', () => {
    const c = connected();
    c.createChannel(2, 'NOPE');
    expect(
      c.receive(
        hex(`00 16 00 00 00 00 00 00 00 00 00 01 00 00 00 01
             00 1A 00 00 00 00 00 00 00 00 00 02 00 00 00 00
             00 1B 00 00 00 00 00 00 00 00 00 01 00 00 00 00`),
        0,
      ),
    ).toEqual([
      { type: 'accessRights', cid: 1, rights: 1 },
      { type: 'createFailed', cid: 2 },
      { type: 'channelDisconnected', cid: 1 },
    ]);
    expect(c.hasChannel(1)).toBe(false);
    expect(c.hasChannel(2)).toBe(false);
  });

  it('releases a channel whose CREATE_CHAN reply arrives after it was cleared', () => {
    const c = new ClientCircuit(opts, 0);
    c.createChannel(1, 'TEST:A');
    c.takeOutput();
    c.clearChannel(1);
    expect(c.takeOutput()).toBeUndefined(); // no SID yet: nothing to clear on the server
    expect(c.receive(hex(ACCESS_RW + CREATED), 0)).toEqual([]);
    expect(out(c)).toBe('00 0c 00 00 00 00 00 00 00 00 00 2a 00 00 00 01');
  });
});

describe('ClientCircuit requests and replies', () => {
  it('gets DBR_TIME_DOUBLE with count 0 and decodes the reply (A.5)', () => {
    const c = connected();
    c.read(1, 20, 0, 7);
    expect(out(c)).toBe('00 0f 00 00 00 14 00 00 00 00 00 2a 00 00 00 07');
    const events = c.receive(
      hex(`00 0F 00 18 00 14 00 01 00 00 00 01 00 00 00 07
           00 00 00 00 3F F3 63 00 1D CD 65 00 00 00 00 00 40 0A 00 00 00 00 00 00`),
      0,
    );
    expect(events).toEqual([
      {
        type: 'readReply',
        ioid: 7,
        status: 1,
        data: {
          dbrType: 20,
          count: 1,
          value: [3.25],
          status: 0,
          severity: 0,
          stamp: { secPastEpoch: 1072915200, nsec: 500000000 },
        },
      },
    ]);
  });

  it('passes a failed get status through and decodes an empty array (count 0, one zeroed slot)', () => {
    const c = connected();
    const events = c.receive(
      hex(`00 0F 00 08 00 06 00 01 00 00 00 98 00 00 00 08 00 00 00 00 00 00 00 00
           00 0F 00 08 00 06 00 00 00 00 00 01 00 00 00 09 00 00 00 00 00 00 00 00`),
      0,
    );
    expect(events).toEqual([
      { type: 'readReply', ioid: 8, status: 152, data: { dbrType: 6, count: 1, value: [0] } },
      { type: 'readReply', ioid: 9, status: 1, data: { dbrType: 6, count: 0, value: [0] } },
    ]);
  });

  it('decodes a large array sent with the extended header', () => {
    const c = connected();
    const header = hex('00 0F FF FF 00 04 00 00 00 00 00 01 00 00 00 0A 00 01 00 00 00 01 00 00');
    const body = Buffer.alloc(0x10000, 7);
    const events = c.receive(Buffer.concat([header, body.subarray(0, 1000)]), 0);
    expect(events).toEqual([]);
    const [ev] = c.receive(body.subarray(1000), 0);
    expect(ev?.type).toBe('readReply');
    const data = (ev as Extract<CircuitEvent, { type: 'readReply' }>).data;
    expect(data.count).toBe(0x10000);
    expect(data.value.length).toBe(0x10000);
    expect(data.value[0x10000 - 1]).toBe(7);
  });

  it('subscribes with mask VALUE|ALARM, cancels, and drops updates after the cancel (A.6)', () => {
    const c = connected();
    c.subscribe(1, 5, 20, 0, 5);
    expect(out(c)).toBe(
      toHex(hex('00 01 00 10 00 14 00 00 00 00 00 2A 00 00 00 05 00000000 00000000 00000000 0005 0000')),
    );
    const update = hex(`00 01 00 18 00 14 00 01 00 00 00 01 00 00 00 05
                        00 00 00 00 3F F3 63 00 1D CD 65 00 00 00 00 00 40 0A 00 00 00 00 00 00`);
    const [ev] = c.receive(update, 0);
    expect(ev).toMatchObject({ type: 'monitorUpdate', subid: 5, status: 1, data: { value: [3.25] } });
    c.unsubscribe(5);
    expect(out(c)).toBe('00 02 00 00 00 14 00 00 00 00 00 2a 00 00 00 05');
    expect(c.receive(update, 0)).toEqual([]);
    expect(c.receive(hex('00 01 00 00 00 14 00 00 00 00 00 2A 00 00 00 05'), 0)).toEqual([
      { type: 'subscriptionCancelled', subid: 5 },
    ]);
  });

  it('puts with callback and plainly; routes ERROR by the embedded request (A.7)', () => {
    const c = connected();
    const payload = hex('40 1E 00 00 00 00 00 00');
    c.write(1, 6, 1, payload, 12);
    c.write(1, 6, 1, payload);
    expect(out(c)).toBe(
      toHex(
        hex(`00 13 00 08 00 06 00 01 00 00 00 2A 00 00 00 0C 40 1E 00 00 00 00 00 00
             00 04 00 08 00 06 00 01 00 00 00 2A 00 00 00 01 40 1E 00 00 00 00 00 00`),
      ),
    );
    const events = c.receive(
      hex(`00 13 00 00 00 06 00 01 00 00 00 01 00 00 00 0C
           00 0B 00 18 00 00 00 00 00 00 00 01 00 00 00 A0
           00 04 00 08 00 06 00 01 00 00 00 2A 00 00 00 01
           54 45 53 54 3A 41 00 00`),
      0,
    );
    expect(events).toEqual([
      { type: 'writeReply', ioid: 12, status: 1 },
      { type: 'requestFailed', kind: 'write', id: 1, eca: 160, text: 'TEST:A' },
    ]);
  });

  it('clears a channel (A.8) and forgets its subscriptions', () => {
    const c = connected();
    c.subscribe(1, 5, 20, 0, 5);
    c.takeOutput();
    c.clearChannel(1);
    expect(out(c)).toBe('00 0c 00 00 00 00 00 00 00 00 00 2a 00 00 00 01');
    expect(() => c.read(1, 6, 1, 3)).toThrow(/not connected/);
  });
});

describe('ClientCircuit liveness', () => {
  it('sends ECHO after EPICS_CA_CONN_TMO of silence and reports unresponsive 5 s later', () => {
    const c = connected();
    expect(c.tick(29_999)).toEqual([]);
    expect(c.takeOutput()).toBeUndefined();
    expect(c.nextDeadlineMs()).toBe(30_000);
    expect(c.tick(30_000)).toEqual([]);
    expect(out(c)).toBe('00 17 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
    expect(c.tick(34_999)).toEqual([]);
    expect(c.tick(35_000)).toEqual([{ type: 'unresponsive' }]);
    expect(c.isFailed).toBe(true);
  });

  it('any received bytes answer the probe', () => {
    const c = connected();
    c.tick(30_000);
    c.takeOutput();
    expect(c.receive(hex('00 17 00 00 00 00 00 00 00 00 00 00 00 00 00 00'), 31_000)).toEqual([]);
    expect(c.tick(36_000)).toEqual([]);
    expect(c.nextDeadlineMs()).toBe(61_000);
  });
});

describe('ClientCircuit with a server that breaks the protocol', () => {
  const cases: [string, string, string][] = [
    ['NOT_FOUND over TCP', '00 0E 00 00 00 05 00 0D 00 00 00 01 00 00 00 01', 'GW_CA_FRAMING'],
    ['an unknown command', '00 63 00 00 00 00 00 00 00 00 00 00 00 00 00 00', 'GW_CA_FRAMING'],
    [
      'a misaligned payload size',
      '00 0F 00 04 00 06 00 01 00 00 00 01 00 00 00 07 00 00 00 00',
      'GW_CA_FRAMING',
    ],
    ['a native type beyond DBF_DOUBLE', '00 12 00 00 00 07 00 01 00 00 00 01 00 00 00 2A', 'GW_CA_FRAMING'],
    [
      'a reply with DBR type 39',
      '00 0F 00 08 00 27 00 01 00 00 00 01 00 00 00 07 00 00 00 00 00 00 00 00',
      'GW_CA_BAD_DBR',
    ],
    [
      'an ERROR without the request header',
      '00 0B 00 08 00 00 00 00 FF FF FF FF 00 00 00 8E 00 00 00 00 00 00 00 00',
      'GW_CA_FRAMING',
    ],
  ];
  for (const [what, bytes, code] of cases) {
    it(`fails the circuit on ${what} and ignores everything after`, () => {
      const c = new ClientCircuit(opts, 0);
      c.createChannel(1, 'TEST:A');
      const events = c.receive(hex(bytes), 0);
      expect(events).toHaveLength(1);
      expect(events[0]!.type).toBe('protocolError');
      expect((events[0] as Extract<CircuitEvent, { type: 'protocolError' }>).error.code).toBe(code);
      expect(c.isFailed).toBe(true);
      expect(c.receive(hex(ACCESS_RW + CREATED), 0)).toEqual([]);
    });
  }

  it('fails on a message larger than the payload limit before buffering it', () => {
    const c = new ClientCircuit({ ...opts, maxPayload: 1024 }, 0);
    const [ev] = c.receive(hex('00 0F FF FF 00 04 00 00 00 00 00 01 00 00 00 0A 00 10 00 00 00 10 00 00'), 0);
    expect(ev?.type).toBe('protocolError');
    expect((ev as Extract<CircuitEvent, { type: 'protocolError' }>).error.code).toBe('GW_CA_OVERSIZE');
  });
});
