// Answers one UDP search datagram: pure, datagram in, reply datagrams out (ca-protocol.md §4.2, §6).
// Replies only for hosted names, VERSION first in every reply datagram, split at MAX_UDP_SEND, silent to
// unknown names, ECHO and anything else (catvs). Leniency: a datagram without a leading VERSION is served.
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_SEARCH,
  CA_PROTO_VERSION,
  CA_SEQUENCE_NO_IS_VALID,
  INADDR_USE_SENDER,
  MAX_UDP_SEND,
} from '../../ca/constants.js';
import { getU16, getU32, HEADER_SIZE, putU16, putU32, writeHeader } from '../../ca/header.js';
import { payloadString } from '../../ca/messages.js';

/** Oldest client minor version served (rsrv ignores searches from clients < 4). */
const MIN_CLIENT_MINOR = 4;
/** A SEARCH reply: header and an 8-byte payload carrying the server's minor version. */
const REPLY_SIZE = HEADER_SIZE + 8;

export interface SearchOutcome {
  replies: Buffer[];
  /** Names searched for in this datagram (for statistics). */
  searched: number;
  found: number;
}

/**
 * Reads the datagram's headers in place (a search burst is thousands of names a second: no message
 * objects, no Buffer per answer) and writes every answer of the datagram into as few reply datagrams
 * as MAX_UDP_SEND allows, as rsrv does.
 */
export function answerSearch(
  datagram: Buffer,
  hasName: (name: string) => boolean,
  tcpPort: number,
): SearchOutcome {
  let sequence = 0;
  let clientMinor = CA_MINOR_PROTOCOL_REVISION;
  let sawVersion = false;
  const cids: number[] = [];
  let searched = 0;
  const length = datagram.length;
  let off = 0;
  while (length - off >= HEADER_SIZE) {
    const size = getU16(datagram, off + 2);
    const end = off + HEADER_SIZE + size;
    if (end > length) break; // truncated: the rest is ignored
    const command = getU16(datagram, off);
    const count = getU16(datagram, off + 6);
    if (command === CA_PROTO_VERSION) {
      sequence = getU32(datagram, off + 8);
      clientMinor = count;
      sawVersion = true;
    } else if (command !== CA_PROTO_SEARCH) {
      break; // rsrv stops at anything else in a search datagram
    } else {
      if (!sawVersion) clientMinor = count;
      if (clientMinor >= MIN_CLIENT_MINOR && size > 1) {
        searched++;
        const name = payloadString(datagram, off + HEADER_SIZE, end);
        if (name && hasName(name)) cids.push(getU32(datagram, off + 12));
      }
    }
    off = end;
  }
  return { replies: packReplies(cids, tcpPort, sequence, clientMinor >= 11), searched, found: cids.length };
}

/** Reply datagrams: each headed by VERSION (minor >= 11), then as many answers as MAX_UDP_SEND holds. */
function packReplies(cids: number[], tcpPort: number, sequence: number, withVersion: boolean): Buffer[] {
  if (cids.length === 0) return [];
  const headSize = withVersion ? HEADER_SIZE : 0;
  const perDatagram = Math.floor((MAX_UDP_SEND - headSize) / REPLY_SIZE);
  const out: Buffer[] = [];
  for (let first = 0; first < cids.length; first += perDatagram) {
    const n = Math.min(perDatagram, cids.length - first);
    const buf = Buffer.allocUnsafe(headSize + n * REPLY_SIZE);
    let off = 0;
    if (withVersion) {
      off += writeHeader(
        buf,
        off,
        CA_PROTO_VERSION,
        0,
        CA_SEQUENCE_NO_IS_VALID,
        CA_MINOR_PROTOCOL_REVISION,
        sequence,
        0,
      );
    }
    for (let i = first; i < first + n; i++) {
      // SEARCH reply: TCP port in dt, "use sender" address in p1, client id echoed, minor in the payload.
      off += writeHeader(buf, off, CA_PROTO_SEARCH, 8, tcpPort, 0, INADDR_USE_SENDER, cids[i]!);
      putU16(buf, off, CA_MINOR_PROTOCOL_REVISION);
      putU16(buf, off + 2, 0);
      putU32(buf, off + 4, 0);
      off += 8;
    }
    out.push(buf);
  }
  return out;
}
