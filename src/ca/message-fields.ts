// What each CA command's header fields mean, as typed accessors (names from ca-protocol.md §4 and
// caproto's message kinds): handlers read `EventAddRequest.subscriptionId(msg)`, not `msg.parameter2`.
// The encoders in messages.ts write the same fields. Pure: plain reads of a decoded CaMessage, no
// copies (each accessor is a property read, so the hot paths pay nothing for the names).
import { HEADER_SIZE, type CaMessage } from './header.js';
import { readPayloadString } from './messages.js';

type Field = (m: CaMessage) => number;

const dataType: Field = (m) => m.dataType;
const dataCount: Field = (m) => m.dataCount;
const p1: Field = (m) => m.parameter1;
const p2: Field = (m) => m.parameter2;

/** Every request addressed to a channel carries the server's channel id (SID) in p1. */
export const ChannelRequest = { sid: p1 } as const;

/** TCP VERSION, both directions (§4.1): priority in dt, minor version in cnt. */
export const VersionMessage = { priority: dataType, minorVersion: dataCount } as const;

/** The PV name a SEARCH or CREATE_CHAN request carries: up to the first NUL, never trusting one. */
const name = (m: CaMessage): string => readPayloadString(m.payload);

/**
 * SEARCH request (§4.2): DO_REPLY/DONT_REPLY flag in dt, client minor in cnt, the search id (the
 * channel's CID) in p1 and p2; replies echo p2, as rsrv does.
 */
export const SearchRequest = { replyFlag: dataType, minorVersion: dataCount, cid: p2, name } as const;

/** SEARCH reply (§4.2): TCP port in dt, server address (or INADDR_USE_SENDER) in p1, CID echoed in p2. */
export const SearchResponse = {
  serverPort: dataType,
  serverAddress: p1,
  cid: p2,
  /** The server's minor version (u16 payload), or undefined when the payload is too short. */
  minorVersion: (m: CaMessage): number | undefined =>
    m.payload.length >= 2 ? m.payload.readUInt16BE(0) : undefined,
} as const;

/** CREATE_CHAN request (§4.4): CID in p1, client minor version in p2. */
export const CreateChanRequest = { cid: p1, minorVersion: p2, name } as const;

/** CREATE_CHAN reply (§4.4): native DBF type in dt, native (maximum) count in cnt, CID and SID. */
export const CreateChanResponse = { nativeType: dataType, nativeCount: dataCount, cid: p1, sid: p2 } as const;

/** CREATE_CH_FAIL (§4.4) and SERVER_DISCONN (§4.16): the client's CID in p1. */
export const CreateChFailResponse = { cid: p1 } as const;
export const ServerDisconnResponse = { cid: p1 } as const;

/** ACCESS_RIGHTS (§4.5): CID in p1, rights bits (1 read, 2 write) in p2. */
export const AccessRightsResponse = { cid: p1, accessRights: p2 } as const;

/** READ_NOTIFY and READ requests (§4.6, §4.7): SID in p1, IOID in p2. */
export const ReadNotifyRequest = { sid: p1, ioid: p2 } as const;
export const ReadRequest = ReadNotifyRequest;

/** READ_NOTIFY reply (§4.6): ECA status in p1, IOID in p2. */
export const ReadNotifyResponse = { status: p1, ioid: p2 } as const;

/** Old READ reply (§4.7): the client's CID in p1 (no status), IOID in p2. */
export const ReadResponse = { cid: p1, ioid: p2 } as const;

/** WRITE request (§4.8): SID in p1; libca puts the CID in p2. */
export const WriteRequest = { sid: p1, cid: p2 } as const;

/** WRITE_NOTIFY request (§4.9): SID in p1, IOID in p2. */
export const WriteNotifyRequest = { sid: p1, ioid: p2 } as const;

/** WRITE_NOTIFY reply (§4.9): ECA status in p1, IOID in p2. */
export const WriteNotifyResponse = { status: p1, ioid: p2 } as const;

/** EVENT_ADD request (§4.10): SID in p1, subscription id in p2, DBE_* mask at payload offset 12. */
export const EventAddRequest = {
  sid: p1,
  subscriptionId: p2,
  /** The event mask (u16 at payload offset 12); 0 if the payload is short. */
  mask: (m: CaMessage): number => (m.payload.length >= 14 ? m.payload.readUInt16BE(12) : 0),
} as const;

/** EVENT_ADD update (§4.10): ECA status in p1, subscription id in p2 (an empty one confirms a cancel). */
export const EventAddResponse = { status: p1, subscriptionId: p2 } as const;

/** EVENT_CANCEL request (§4.11): SID in p1, subscription id in p2. */
export const EventCancelRequest = { sid: p1, subscriptionId: p2 } as const;

/** CLEAR_CHANNEL, both directions (§4.13): SID in p1, CID in p2. */
export const ClearChannelRequest = { sid: p1, cid: p2 } as const;

/** ERROR (§4.15): the client's CID (or 0xFFFFFFFF) in p1, ECA status in p2, the failed request in the payload. */
export const ErrorResponse = {
  cid: p1,
  status: p2,
  /**
   * The offending request's header (its payload is not carried), or undefined when the payload is
   * shorter than a header (libca drops such a circuit).
   */
  request: (m: CaMessage): CaMessage | undefined => {
    if (m.payload.length < HEADER_SIZE) return undefined;
    const h = m.payload;
    return {
      command: h.readUInt16BE(0),
      payloadSize: h.readUInt16BE(2),
      dataType: h.readUInt16BE(4),
      dataCount: h.readUInt16BE(6),
      parameter1: h.readUInt32BE(8),
      parameter2: h.readUInt32BE(12),
      payload: Buffer.alloc(0),
    };
  },
  /** The context text after the embedded header. */
  text: (m: CaMessage): string => readPayloadString(m.payload.subarray(HEADER_SIZE)),
} as const;

/** RSRV_IS_UP beacon (§4.17): server minor in dt, TCP port in cnt, beacon counter in p1, address in p2. */
export const RsrvIsUpResponse = {
  minorVersion: dataType,
  serverPort: dataCount,
  beaconId: p1,
  serverAddress: p2,
} as const;
