// Exact bytes of every message against hex written from the specification (ca-protocol.md, Appendix A).
import { describe, expect, it } from 'vitest';
import * as m from '../../src/ca/messages.js';
import { ECA_NORMAL, ECA_PUTFAIL, DBR_TIME_DOUBLE, DBR_DOUBLE } from '../../src/ca/constants.js';
import { StreamParser } from '../../src/ca/stream-parser.js';
import { hex, toHex } from '../support/hex.js';

const bytes = (b: Buffer) => toHex(b);

describe('server messages', () => {
  it('VERSION sent on accept (A.4)', () => {
    expect(bytes(m.versionMessage())).toBe(bytes(hex('00 00 00 00 00 00 00 0D 00 00 00 00 00 00 00 00')));
  });
  it('UDP VERSION heading a reply, echoing sequence 1 (A.2)', () => {
    expect(bytes(m.udpVersionMessage(1))).toBe(bytes(hex('00 00 00 00 00 01 00 0D 00 00 00 01 00 00 00 00')));
  });
  it('SEARCH reply: port 5064, use-sender address, cid 1, minor 13 (A.2)', () => {
    expect(bytes(m.searchResponse(5064, 1))).toBe(
      bytes(hex('00 06 00 08 13 C8 00 00 FF FF FF FF 00 00 00 01  00 0D 00 00 00 00 00 00')),
    );
  });
  it('beacon round 7 (A.3)', () => {
    expect(bytes(m.beaconMessage(5064, 7))).toBe(
      bytes(hex('00 0D 00 00 00 0D 13 C8 00 00 00 07 00 00 00 00')),
    );
  });
  it('ACCESS_RIGHTS then CREATE_CHAN (A.4)', () => {
    expect(bytes(m.accessRightsResponse(1, 3))).toBe(
      bytes(hex('00 16 00 00 00 00 00 00 00 00 00 01 00 00 00 03')),
    );
    expect(bytes(m.createChanResponse(6, 1, 1, 42))).toBe(
      bytes(hex('00 12 00 00 00 06 00 01 00 00 00 01 00 00 00 2A')),
    );
  });
  it('CREATE_CH_FAIL and SERVER_DISCONN carry the cid in p1', () => {
    expect(bytes(m.createChFailResponse(9))).toBe(
      bytes(hex('00 1A 00 00 00 00 00 00 00 00 00 09 00 00 00 00')),
    );
    expect(bytes(m.serverDisconnResponse(9))).toBe(
      bytes(hex('00 1B 00 00 00 00 00 00 00 00 00 09 00 00 00 00')),
    );
  });
  it('EVENT_CANCEL confirmation is an empty EVENT_ADD (A.6)', () => {
    expect(bytes(m.eventCancelResponse(DBR_TIME_DOUBLE, 0, 42, 5))).toBe(
      bytes(hex('00 01 00 00 00 14 00 00 00 00 00 2A 00 00 00 05')),
    );
  });
  it('WRITE_NOTIFY reply with ECA_NORMAL (A.7)', () => {
    expect(bytes(m.writeNotifyResponse(DBR_DOUBLE, 1, ECA_NORMAL, 12))).toBe(
      bytes(hex('00 13 00 00 00 06 00 01 00 00 00 01 00 00 00 0C')),
    );
  });
  it('ERROR for a rejected WRITE: request header copy and PV name (A.7)', () => {
    const req = new StreamParser().feed(
      hex('00 04 00 08 00 06 00 01 00 00 00 2A 00 00 00 01 40 1E 00 00 00 00 00 00'),
    )[0]!;
    expect(bytes(m.errorResponse(req, 1, ECA_PUTFAIL, 'TEST:A'))).toBe(
      bytes(
        hex(`00 0B 00 18 00 00 00 00 00 00 00 01 00 00 00 A0
             00 04 00 08 00 06 00 01 00 00 00 2A 00 00 00 01
             54 45 53 54 3A 41 00 00`),
      ),
    );
  });
  it('CLEAR_CHANNEL echo (A.8)', () => {
    expect(bytes(m.clearChannelResponse(42, 1))).toBe(
      bytes(hex('00 0C 00 00 00 00 00 00 00 00 00 2A 00 00 00 01')),
    );
  });
  it('data header switches to the extended form at 0xFFFF elements', () => {
    expect(bytes(m.dataHeader(15, 4, 0xfffe, 1, 7, 0xfff8))).toBe(
      bytes(hex('00 0F FF F8 00 04 FF FE 00 00 00 01 00 00 00 07')),
    );
    expect(bytes(m.dataHeader(15, 4, 0xffff, 1, 7, 0x10000))).toBe(
      bytes(hex('00 0F FF FF 00 04 00 00 00 00 00 01 00 00 00 07 00 01 00 00 00 00 FF FF')),
    );
  });
});

describe('client messages', () => {
  it('search datagram body (A.1)', () => {
    expect(bytes(m.searchRequest('TEST:A', 1))).toBe(
      bytes(hex('00 06 00 08 00 05 00 0D 00 00 00 01 00 00 00 01 54 45 53 54 3A 41 00 00')),
    );
  });
  it('CLIENT_NAME, HOST_NAME, CREATE_CHAN (A.4)', () => {
    expect(bytes(m.clientNameRequest('root'))).toBe(
      bytes(hex('00 14 00 08 00 00 00 00 00 00 00 00 00 00 00 00 72 6F 6F 74 00 00 00 00')),
    );
    expect(bytes(m.hostNameRequest('vm'))).toBe(
      bytes(hex('00 15 00 08 00 00 00 00 00 00 00 00 00 00 00 00 76 6D 00 00 00 00 00 00')),
    );
    expect(bytes(m.createChanRequest('TEST:A', 1))).toBe(
      bytes(hex('00 12 00 08 00 00 00 00 00 00 00 01 00 00 00 0D 54 45 53 54 3A 41 00 00')),
    );
  });
  it('a name of exactly 8 bytes gets a full 8 bytes of NUL padding', () => {
    expect(m.stringPayload('ABCDEFGH').length).toBe(16);
  });
  it('READ_NOTIFY, EVENT_ADD and EVENT_CANCEL (A.5, A.6)', () => {
    expect(bytes(m.readNotifyRequest(20, 0, 42, 7))).toBe(
      bytes(hex('00 0F 00 00 00 14 00 00 00 00 00 2A 00 00 00 07')),
    );
    expect(bytes(m.eventAddRequest(20, 0, 42, 5, 5))).toBe(
      bytes(
        hex(
          '00 01 00 10 00 14 00 00 00 00 00 2A 00 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00 05 00 00',
        ),
      ),
    );
    expect(bytes(m.eventCancelRequest(20, 0, 42, 5))).toBe(
      bytes(hex('00 02 00 00 00 14 00 00 00 00 00 2A 00 00 00 05')),
    );
  });
  it('reads names without trusting a NUL', () => {
    expect(m.readPayloadString(hex('41 42 43'))).toBe('ABC');
    expect(m.readPayloadString(hex('41 42 00 43'))).toBe('AB');
  });
});
