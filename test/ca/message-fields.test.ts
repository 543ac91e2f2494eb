// The typed field accessors per CA command (src/ca/message-fields.ts) against messages written in hex
// from ca-protocol.md §4: each name reads the header field the spec gives it.
import { describe, expect, it } from 'vitest';
import type { CaMessage } from '../../src/ca/header.js';
import * as F from '../../src/ca/message-fields.js';
import { StreamParser } from '../../src/ca/stream-parser.js';
import { hex } from '../support/hex.js';

/** One message decoded from hex (fields: cmd size dt cnt p1 p2, then the payload). */
function msg(text: string): CaMessage {
  const [m, ...rest] = new StreamParser().feed(hex(text));
  expect(rest).toEqual([]);
  return m!;
}

/** Applies every accessor of `fields` to `m`. */
function read<T extends Record<string, (m: CaMessage) => unknown>>(fields: T, m: CaMessage) {
  return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f(m)]));
}

describe('CA message fields', () => {
  it('VERSION: priority and minor version', () => {
    expect(read(F.VersionMessage, msg('0000 0000 0007 000D 00000000 00000000'))).toEqual({
      priority: 7,
      minorVersion: 13,
    });
  });

  it('SEARCH request and reply (§4.2)', () => {
    const req = msg('0006 0008 0005 000D 00000009 0000000A 41 3A 42 00 00 00 00 00');
    expect(read(F.SearchRequest, req)).toEqual({ replyFlag: 5, minorVersion: 13, cid: 10, name: 'A:B' });
    const reply = msg('0006 0008 13C8 0000 FFFFFFFF 0000000A 000D 0000 0000 0000');
    expect(read(F.SearchResponse, reply)).toEqual({
      serverPort: 5064,
      serverAddress: 0xffffffff,
      cid: 10,
      minorVersion: 13,
    });
    expect(F.SearchResponse.minorVersion(msg('0006 0000 13C8 0000 FFFFFFFF 0000000A'))).toBeUndefined();
  });

  it('CREATE_CHAN request and reply, CREATE_CH_FAIL, SERVER_DISCONN, ACCESS_RIGHTS (§4.4, 4.5, 4.16)', () => {
    expect(
      read(F.CreateChanRequest, msg('0012 0008 0000 0000 00000003 0000000D 58 00 00 00 00 00 00 00')),
    ).toEqual({
      cid: 3,
      minorVersion: 13,
      name: 'X',
    });
    expect(read(F.CreateChanResponse, msg('0012 0000 0006 0064 00000003 00000011'))).toEqual({
      nativeType: 6,
      nativeCount: 100,
      cid: 3,
      sid: 17,
    });
    expect(F.CreateChFailResponse.cid(msg('001A 0000 0000 0000 00000003 00000000'))).toBe(3);
    expect(F.ServerDisconnResponse.cid(msg('001B 0000 0000 0000 00000004 00000000'))).toBe(4);
    expect(read(F.AccessRightsResponse, msg('0016 0000 0000 0000 00000003 00000002'))).toEqual({
      cid: 3,
      accessRights: 2,
    });
  });

  it('reads and writes: SID/IOID requests, status/IOID replies, the old READ reply with its CID', () => {
    const request = msg('000F 0000 0013 0001 00000011 00000022');
    expect(read(F.ReadNotifyRequest, request)).toEqual({ sid: 0x11, ioid: 0x22 });
    expect(read(F.ReadRequest, request)).toEqual({ sid: 0x11, ioid: 0x22 });
    expect(read(F.WriteNotifyRequest, request)).toEqual({ sid: 0x11, ioid: 0x22 });
    expect(read(F.WriteRequest, request)).toEqual({ sid: 0x11, cid: 0x22 });
    expect(F.ChannelRequest.sid(request)).toBe(0x11);
    const reply = msg('000F 0000 0013 0001 00000001 00000022');
    expect(read(F.ReadNotifyResponse, reply)).toEqual({ status: 1, ioid: 0x22 });
    expect(read(F.WriteNotifyResponse, reply)).toEqual({ status: 1, ioid: 0x22 });
    expect(read(F.ReadResponse, msg('0003 0000 0013 0001 00000003 00000022'))).toEqual({
      cid: 3,
      ioid: 0x22,
    });
  });

  it('EVENT_ADD request with its mask, update, EVENT_CANCEL, CLEAR_CHANNEL (§4.10, 4.11, 4.13)', () => {
    const add = msg('0001 0010 0013 0000 0000002A 00000005 00000000 00000000 00000000 0005 0000');
    expect(read(F.EventAddRequest, add)).toEqual({ sid: 42, subscriptionId: 5, mask: 5 });
    expect(F.EventAddRequest.mask(msg('0001 0008 0013 0000 0000002A 00000005 0000000000000000'))).toBe(0);
    expect(read(F.EventAddResponse, msg('0001 0000 0013 0000 00000001 00000005'))).toEqual({
      status: 1,
      subscriptionId: 5,
    });
    expect(read(F.EventCancelRequest, msg('0002 0000 0013 0000 0000002A 00000005'))).toEqual({
      sid: 42,
      subscriptionId: 5,
    });
    expect(read(F.ClearChannelRequest, msg('000C 0000 0000 0000 0000002A 00000003'))).toEqual({
      sid: 42,
      cid: 3,
    });
  });

  it('ERROR: CID, status, the embedded request header and the text (§4.15)', () => {
    const error = msg(
      '000B 0018 0000 0000 00000003 00000178  0004 0008 0006 0001 0000002A 00000003  58 00 00 00 00 00 00 00',
    );
    expect([F.ErrorResponse.cid(error), F.ErrorResponse.status(error), F.ErrorResponse.text(error)]).toEqual([
      3,
      376,
      'X',
    ]);
    const embedded = F.ErrorResponse.request(error)!;
    expect([embedded.command, embedded.dataType, embedded.dataCount]).toEqual([4, 6, 1]);
    expect(read(F.WriteRequest, embedded)).toEqual({ sid: 42, cid: 3 });
    expect(
      F.ErrorResponse.request(msg('000B 0008 0000 0000 FFFFFFFF 00000178 0004000800060001')),
    ).toBeUndefined();
  });

  it('RSRV_IS_UP beacon (§4.17)', () => {
    expect(read(F.RsrvIsUpResponse, msg('000D 0000 000D 13C8 00000007 7F000001'))).toEqual({
      minorVersion: 13,
      serverPort: 5064,
      beaconId: 7,
      serverAddress: 0x7f000001,
    });
  });
});
