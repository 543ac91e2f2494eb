// One encoder per CA message (names as in caproto: SearchRequest -> searchRequest), for both the server
// and the client role, and the small payload decoders. Pure: each returns a Buffer ready to send.
// Header field use per command follows ca-protocol.md §4 (e.g. status in p1 of READ_NOTIFY replies);
// message-fields.ts reads the same fields back by name.
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_ACCESS_RIGHTS,
  CA_PROTO_CLEAR_CHANNEL,
  CA_PROTO_CLIENT_NAME,
  CA_PROTO_CREATE_CHAN,
  CA_PROTO_CREATE_CH_FAIL,
  CA_PROTO_ECHO,
  CA_PROTO_ERROR,
  CA_PROTO_EVENT_ADD,
  CA_PROTO_EVENT_CANCEL,
  CA_PROTO_EVENTS_OFF,
  CA_PROTO_EVENTS_ON,
  CA_PROTO_HOST_NAME,
  CA_PROTO_NOT_FOUND,
  CA_PROTO_READ,
  CA_PROTO_READ_NOTIFY,
  CA_PROTO_READ_SYNC,
  CA_PROTO_RSRV_IS_UP,
  CA_PROTO_SEARCH,
  CA_PROTO_SERVER_DISCONN,
  CA_PROTO_VERSION,
  CA_PROTO_WRITE,
  CA_PROTO_WRITE_NOTIFY,
  CA_SEQUENCE_NO_IS_VALID,
  DONT_REPLY,
  INADDR_USE_SENDER,
} from './constants.js';
import { encodeMessage, HEADER_SIZE, pad8, writeHeader, type CaMessage } from './header.js';

/** A NUL-terminated Latin-1 string payload (names), zero padded to 8. */
export function stringPayload(text: string): Buffer {
  const buf = Buffer.alloc(pad8(Buffer.byteLength(text, 'latin1') + 1));
  buf.write(text, 0, 'latin1');
  return buf;
}

/** Reads a name from a payload: up to the first NUL or the end, never trusting a terminator. */
export function readPayloadString(payload: Buffer): string {
  return payloadString(payload, 0, payload.length);
}

/**
 * The string in buf[from, end) up to its first NUL. A byte scan, not indexOf: names are short and
 * this runs once per search and per channel, where Buffer.indexOf's generic path costs more.
 */
export function payloadString(buf: Buffer, from: number, end: number): string {
  let nul = from;
  while (nul < end && buf[nul] !== 0) nul++;
  return buf.toString('latin1', from, nul);
}

// ---- both directions -------------------------------------------------------------------------

/** TCP VERSION: the server sends priority 0; a client sends its circuit priority. */
export function versionMessage(priority = 0, minor = CA_MINOR_PROTOCOL_REVISION): Buffer {
  return encodeMessage(CA_PROTO_VERSION, priority, minor, 0, 0);
}

/** UDP VERSION heading every search and search-reply datagram, with the datagram sequence number. */
export function udpVersionMessage(sequence: number, minor = CA_MINOR_PROTOCOL_REVISION): Buffer {
  return encodeMessage(CA_PROTO_VERSION, CA_SEQUENCE_NO_IS_VALID, minor, sequence, 0);
}

export function echoMessage(): Buffer {
  return encodeMessage(CA_PROTO_ECHO, 0, 0, 0, 0);
}

/** Copies a received message back unchanged (ECHO, READ_SYNC, CLEAR_CHANNEL confirmations). */
export function echoOf(msg: CaMessage): Buffer {
  return encodeMessage(
    msg.command,
    msg.dataType,
    msg.dataCount,
    msg.parameter1,
    msg.parameter2,
    msg.payload.length ? msg.payload : undefined,
  );
}

// ---- server to client ------------------------------------------------------------------------

/** SEARCH reply over UDP: TCP port in dt, "use sender" address in p1, client id echoed, minor in payload. */
export function searchResponse(tcpPort: number, cid: number, address = INADDR_USE_SENDER): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt16BE(CA_MINOR_PROTOCOL_REVISION, 0);
  return encodeMessage(CA_PROTO_SEARCH, tcpPort, 0, address, cid, payload);
}

/** SEARCH reply over TCP (V4.12 name-server mode): no payload. */
export function tcpSearchResponse(tcpPort: number, cid: number): Buffer {
  return encodeMessage(CA_PROTO_SEARCH, tcpPort, 0, INADDR_USE_SENDER, cid);
}

/** NOT_FOUND: only for TCP searches with DO_REPLY; echoes the request's fields. */
export function notFoundResponse(req: CaMessage): Buffer {
  return encodeMessage(CA_PROTO_NOT_FOUND, req.dataType, req.dataCount, req.parameter1, req.parameter2);
}

export function accessRightsResponse(cid: number, rights: number): Buffer {
  return encodeMessage(CA_PROTO_ACCESS_RIGHTS, 0, 0, cid, rights);
}

export function createChanResponse(
  nativeType: number,
  nativeCount: number,
  cid: number,
  sid: number,
): Buffer {
  return encodeMessage(CA_PROTO_CREATE_CHAN, nativeType, nativeCount, cid, sid);
}

export function createChFailResponse(cid: number): Buffer {
  return encodeMessage(CA_PROTO_CREATE_CH_FAIL, 0, 0, cid, 0);
}

export function serverDisconnResponse(cid: number): Buffer {
  return encodeMessage(CA_PROTO_SERVER_DISCONN, 0, 0, cid, 0);
}

/** Header of a data-carrying reply; the payload (already padded) is sent right after it. */
export function dataHeader(
  command: number,
  dbrType: number,
  count: number,
  parameter1: number,
  parameter2: number,
  paddedPayloadSize: number,
): Buffer {
  const hlen = paddedPayloadSize >= 0xffff || count >= 0xffff ? 24 : HEADER_SIZE;
  const buf = Buffer.allocUnsafe(hlen);
  writeHeader(buf, 0, command, paddedPayloadSize, dbrType, count, parameter1, parameter2);
  return buf;
}

/** READ_NOTIFY reply: status in p1, IOID in p2. */
export function readNotifyResponse(
  dbrType: number,
  count: number,
  status: number,
  ioid: number,
  payload: Buffer,
): Buffer {
  return encodeMessage(CA_PROTO_READ_NOTIFY, dbrType, count, status, ioid, payload);
}

/** Old READ reply: the client's CID in p1, no status. */
export function readResponse(
  dbrType: number,
  count: number,
  cid: number,
  ioid: number,
  payload: Buffer,
): Buffer {
  return encodeMessage(CA_PROTO_READ, dbrType, count, cid, ioid, payload);
}

export function writeNotifyResponse(dbrType: number, count: number, status: number, ioid: number): Buffer {
  return encodeMessage(CA_PROTO_WRITE_NOTIFY, dbrType, count, status, ioid);
}

/** Monitor update: status in p1, subscription id in p2. Never with an empty payload (libca: cancel). */
export function eventAddResponse(
  dbrType: number,
  count: number,
  status: number,
  subscriptionId: number,
  payload: Buffer,
): Buffer {
  return encodeMessage(CA_PROTO_EVENT_ADD, dbrType, count, status, subscriptionId, payload);
}

/** Cancel confirmation: an EVENT_ADD with no payload and the original type, count, SID and id. */
export function eventCancelResponse(
  dbrType: number,
  count: number,
  sid: number,
  subscriptionId: number,
): Buffer {
  return encodeMessage(CA_PROTO_EVENT_ADD, dbrType, count, sid, subscriptionId);
}

export function clearChannelResponse(sid: number, cid: number): Buffer {
  return encodeMessage(CA_PROTO_CLEAR_CHANNEL, 0, 0, sid, cid);
}

/**
 * ERROR: p1 the client's CID (0xFFFFFFFF when unknown), p2 the ECA code; payload is the offending
 * request's header in network order followed by a NUL-terminated context string, capped at 512 bytes.
 */
export function errorResponse(request: CaMessage, cid: number, eca: number, text: string): Buffer {
  const reqHeader = Buffer.alloc(HEADER_SIZE);
  // The request is re-encoded in its 16-byte form; sizes above 0xFFFF are clipped to the marker-free field.
  writeHeader(
    reqHeader,
    0,
    request.command,
    Math.min(request.payloadSize, 0xfff8),
    request.dataType,
    Math.min(request.dataCount, 0xfffe),
    request.parameter1,
    request.parameter2,
  );
  const textBytes = Buffer.from(text.slice(0, 512 - HEADER_SIZE - 1), 'latin1');
  const payload = Buffer.alloc(pad8(HEADER_SIZE + textBytes.length + 1));
  reqHeader.copy(payload, 0);
  textBytes.copy(payload, HEADER_SIZE);
  return encodeMessage(CA_PROTO_ERROR, 0, 0, cid, eca, payload);
}

/** Beacon: [13, 0, minor, port, counter, address]. Sent over UDP only. */
export function beaconMessage(tcpPort: number, counter: number, address = 0): Buffer {
  return encodeMessage(CA_PROTO_RSRV_IS_UP, CA_MINOR_PROTOCOL_REVISION, tcpPort, counter, address);
}

// ---- client to server ------------------------------------------------------------------------

export function searchRequest(
  name: string,
  cid: number,
  replyFlag = DONT_REPLY,
  minor = CA_MINOR_PROTOCOL_REVISION,
): Buffer {
  return encodeMessage(CA_PROTO_SEARCH, replyFlag, minor, cid, cid, stringPayload(name));
}

export function clientNameRequest(user: string): Buffer {
  return encodeMessage(CA_PROTO_CLIENT_NAME, 0, 0, 0, 0, stringPayload(user));
}

export function hostNameRequest(host: string): Buffer {
  return encodeMessage(CA_PROTO_HOST_NAME, 0, 0, 0, 0, stringPayload(host));
}

export function createChanRequest(name: string, cid: number, minor = CA_MINOR_PROTOCOL_REVISION): Buffer {
  return encodeMessage(CA_PROTO_CREATE_CHAN, 0, 0, cid, minor, stringPayload(name));
}

export function readNotifyRequest(dbrType: number, count: number, sid: number, ioid: number): Buffer {
  return encodeMessage(CA_PROTO_READ_NOTIFY, dbrType, count, sid, ioid);
}

export function readRequest(dbrType: number, count: number, sid: number, ioid: number): Buffer {
  return encodeMessage(CA_PROTO_READ, dbrType, count, sid, ioid);
}

export function writeRequest(
  dbrType: number,
  count: number,
  sid: number,
  cid: number,
  payload: Buffer,
): Buffer {
  return encodeMessage(CA_PROTO_WRITE, dbrType, count, sid, cid, payload);
}

export function writeNotifyRequest(
  dbrType: number,
  count: number,
  sid: number,
  ioid: number,
  payload: Buffer,
): Buffer {
  return encodeMessage(CA_PROTO_WRITE_NOTIFY, dbrType, count, sid, ioid, payload);
}

export function eventAddRequest(
  dbrType: number,
  count: number,
  sid: number,
  subscriptionId: number,
  mask: number,
): Buffer {
  const payload = Buffer.alloc(16);
  payload.writeUInt16BE(mask, 12);
  return encodeMessage(CA_PROTO_EVENT_ADD, dbrType, count, sid, subscriptionId, payload);
}

export function eventCancelRequest(
  dbrType: number,
  count: number,
  sid: number,
  subscriptionId: number,
): Buffer {
  return encodeMessage(CA_PROTO_EVENT_CANCEL, dbrType, count, sid, subscriptionId);
}

export function clearChannelRequest(sid: number, cid: number): Buffer {
  return encodeMessage(CA_PROTO_CLEAR_CHANNEL, 0, 0, sid, cid);
}

export function eventsOffRequest(): Buffer {
  return encodeMessage(CA_PROTO_EVENTS_OFF, 0, 0, 0, 0);
}

export function eventsOnRequest(): Buffer {
  return encodeMessage(CA_PROTO_EVENTS_ON, 0, 0, 0, 0);
}

export function readSyncRequest(): Buffer {
  return encodeMessage(CA_PROTO_READ_SYNC, 0, 0, 0, 0);
}
