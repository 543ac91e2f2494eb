// catvs test_search.py, ported: UDP searches answered by the pure search responder, TCP searches by the
// circuit. Expected datagrams are hand-written hex from ca-protocol.md §4.2, §6.2 and Appendix A.
import { describe, expect, it } from 'vitest';
import { answerSearch } from '../../src/ioc/server/search-responder.js';
import { SimplePv } from '../support/simple-pvs.js';
import { hex, toHex } from '../support/hex.js';
import { cstr, fields, frame, headerBytes, rig, splitMessages } from './harness.js';

const known = new Set(['ival', 'TEST:A']);
const hasName = (n: string) => known.has(n);
const SEARCH_ID = 0x12345678;

function udp(...msgs: Buffer[]): Buffer {
  return Buffer.concat(msgs);
}

describe('UDP search (catvs TestSearchUDP)', () => {
  it('answers a found name with VERSION then SEARCH reply, byte for byte (A.1 -> A.2)', () => {
    const request = hex(`
      00 00 00 00 00 01 00 0D 00 00 00 01 00 00 00 00
      00 06 00 08 00 05 00 0D 00 00 00 01 00 00 00 01
      54 45 53 54 3A 41 00 00`);
    const { replies, found, searched } = answerSearch(request, hasName, 5064);
    expect(replies.map(toHex)).toEqual([
      toHex(
        hex(`
        00 00 00 00 00 01 00 0D 00 00 00 01 00 00 00 00
        00 06 00 08 13 C8 00 00 FF FF FF FF 00 00 00 01
        00 0D 00 00 00 00 00 00`),
      ),
    ]);
    expect([searched, found]).toEqual([1, 1]);
  });

  it('as a v13 client with catvs ids: port in dt, cnt 0, p1 use-sender, p2 echoed, minor in payload', () => {
    const { replies } = answerSearch(
      udp(frame(0, 0, 13, 0, 0), frame(6, 5, 13, SEARCH_ID, SEARCH_ID, cstr('ival'))),
      hasName,
      41234,
    );
    expect(replies).toHaveLength(1);
    const [version, reply] = splitMessages(replies[0]!);
    expect(fields(version!)).toEqual([0, 0, 1, 13, 0, 0]);
    expect(fields(reply!)).toEqual([6, 8, 41234, 0, 0xffffffff, SEARCH_ID]);
    expect(toHex(reply!.body)).toBe('00 0d 00 00 00 00 00 00');
  });

  it('is silent for an unknown name (catvs test_udplookup_err1)', () => {
    const { replies } = answerSearch(
      udp(frame(0, 0, 13, 0, 0), frame(6, 5, 13, SEARCH_ID, SEARCH_ID, cstr('invalid'))),
      hasName,
      5064,
    );
    expect(replies).toEqual([]);
  });

  it('is silent for an unknown name even with DO_REPLY (catvs test_udplookup_err2)', () => {
    const { replies } = answerSearch(
      udp(frame(0, 0, 13, 0, 0), frame(6, 10, 13, SEARCH_ID, SEARCH_ID, cstr('invalid'))),
      hasName,
      5064,
    );
    expect(replies).toEqual([]);
  });

  it('ignores ECHO over UDP (catvs TestEcho)', () => {
    expect(answerSearch(frame(23, 12, 23, 5678, 9101112), hasName, 5064).replies).toEqual([]);
    expect(answerSearch(udp(frame(0, 0, 13, 0, 0), frame(23, 0, 0, 0, 0)), hasName, 5064).replies).toEqual(
      [],
    );
  });

  it('stops at the first non-SEARCH message of a datagram and never replies to it', () => {
    const { replies } = answerSearch(
      udp(frame(0, 1, 13, 7, 0), frame(23, 0, 0, 0, 0), frame(6, 5, 13, 1, 1, cstr('ival'))),
      hasName,
      5064,
    );
    expect(replies).toEqual([]);
  });

  it('answers only the known names of a mixed datagram, echoing each p2', () => {
    const { replies } = answerSearch(
      udp(
        frame(0, 1, 13, 9, 0),
        frame(6, 5, 13, 1, 1, cstr('nope')),
        frame(6, 5, 13, 2, 2, cstr('ival')),
        frame(6, 5, 13, 3, 3, cstr('TEST:A')),
      ),
      hasName,
      5064,
    );
    const msgs = splitMessages(replies[0]!);
    expect(msgs.map(fields)).toEqual([
      [0, 0, 1, 13, 9, 0],
      [6, 8, 5064, 0, 0xffffffff, 2],
      [6, 8, 5064, 0, 0xffffffff, 3],
    ]);
  });

  it('splits replies above 1024 bytes, each datagram starting with VERSION and the echoed sequence', () => {
    const names = Array.from({ length: 100 }, (_, i) => `PV:${i}`);
    const many = new Set(names);
    const request = udp(
      frame(0, 1, 13, 77, 0),
      ...names.map((n, i) => frame(6, 5, 13, i + 1, i + 1, cstr(n))),
    );
    const { replies, found } = answerSearch(request, (n) => many.has(n), 5064);
    expect(found).toBe(100);
    // At most 1024 bytes: the 16-byte VERSION plus 42 replies of 24 bytes is exactly 1024.
    expect(replies.map((r) => r.length)).toEqual([16 + 42 * 24, 16 + 42 * 24, 16 + 16 * 24]);
    const ids: number[] = [];
    for (const r of replies) {
      expect(r.length).toBeLessThanOrEqual(1024);
      const msgs = splitMessages(r);
      expect(fields(msgs[0]!)).toEqual([0, 0, 1, 13, 77, 0]);
      for (const m of msgs.slice(1)) {
        expect(m.cmd).toBe(6);
        ids.push(m.p2);
      }
    }
    expect(ids).toEqual(names.map((_, i) => i + 1));
  });

  it('serves a datagram without a leading VERSION, taking the minor from the SEARCH', () => {
    const { replies } = answerSearch(frame(6, 5, 13, 4, 4, cstr('ival')), hasName, 5064);
    expect(splitMessages(replies[0]!).map(fields)).toEqual([
      [0, 0, 1, 13, 0, 0],
      [6, 8, 5064, 0, 0xffffffff, 4],
    ]);
  });

  it('omits the VERSION header for clients older than 4.11 and ignores clients older than 4.4', () => {
    const v10 = answerSearch(udp(frame(0, 0, 10, 0, 0), frame(6, 5, 10, 4, 4, cstr('ival'))), hasName, 5064);
    expect(splitMessages(v10.replies[0]!).map(fields)).toEqual([[6, 8, 5064, 0, 0xffffffff, 4]]);
    const v3 = answerSearch(udp(frame(0, 0, 3, 0, 0), frame(6, 5, 3, 4, 4, cstr('ival'))), hasName, 5064);
    expect(v3.replies).toEqual([]);
  });

  it('ignores a search whose payload is empty and a truncated datagram tail', () => {
    expect(answerSearch(udp(frame(0, 0, 13, 0, 0), frame(6, 5, 13, 1, 1)), hasName, 5064).replies).toEqual(
      [],
    );
    const whole = udp(frame(0, 0, 13, 0, 0), frame(6, 5, 13, 1, 1, cstr('ival')));
    expect(answerSearch(whole.subarray(0, whole.length - 3), hasName, 5064).replies).toEqual([]);
  });
});

describe('TCP search (catvs TestSearchTCP, V4.12 name-server mode)', () => {
  function tcpRig() {
    const r = rig();
    r.provider.add(new SimplePv('ival', 5, [42]));
    r.circuit.localPort = 5064;
    return r;
  }

  it('answers a found name with [6, 0, port, 0, use-sender, p2] and no payload', () => {
    const r = tcpRig();
    const out = r.send(frame(0, 0, 13, 0, 0), frame(6, 5, 13, SEARCH_ID, SEARCH_ID, cstr('ival')));
    expect(out.map(headerBytes).map(toHex)).toEqual([
      toHex(hex('00 06 00 00 13 C8 00 00 FF FF FF FF 12 34 56 78')),
    ]);
  });

  it('stays silent for an unknown name with DONT_REPLY (catvs test_tcplookup_err1)', () => {
    const r = tcpRig();
    expect(r.send(frame(0, 0, 13, 0, 0), frame(6, 5, 13, SEARCH_ID, SEARCH_ID, cstr('invalid')))).toEqual([]);
    expect(r.transport.closed).toBe(false);
  });

  it('sends NOT_FOUND echoing dt, cnt, p1, p2 for an unknown name with DO_REPLY (catvs test_tcplookup_err2)', () => {
    const r = tcpRig();
    const out = r.send(frame(0, 0, 13, 0, 0), frame(6, 10, 13, SEARCH_ID, SEARCH_ID, cstr('invalid')));
    expect(out.map(headerBytes).map(toHex)).toEqual([
      toHex(hex('00 0E 00 00 00 0A 00 0D 12 34 56 78 12 34 56 78')),
    ]);
  });

  it('answers a client that announced 4.11 as well (catvs test_tcplookup_old)', () => {
    const r = tcpRig();
    const out = r.send(frame(0, 0, 11, 0, 0), frame(6, 5, 11, SEARCH_ID, SEARCH_ID, cstr('ival')));
    expect(out.map(fields)).toEqual([[6, 0, 5064, 0, 0xffffffff, SEARCH_ID]]);
  });
});
