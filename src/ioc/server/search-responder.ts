// Answers one UDP search datagram: pure, datagram in, reply datagrams out (ca-protocol.md §4.2, §6).
// Replies only for hosted names, VERSION first in every reply datagram, split at MAX_UDP_SEND, silent to
// unknown names, ECHO and anything else (catvs). Leniency: a datagram without a leading VERSION is served.
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_SEARCH,
  CA_PROTO_VERSION,
  MAX_UDP_SEND,
} from '../../ca/constants.js';
import { readPayloadString, searchResponse, udpVersionMessage } from '../../ca/messages.js';
import { parseDatagram } from '../../ca/stream-parser.js';

/** Oldest client minor version served (rsrv ignores searches from clients < 4). */
const MIN_CLIENT_MINOR = 4;

export interface SearchOutcome {
  replies: Buffer[];
  /** Names searched for in this datagram (for statistics). */
  searched: number;
  found: number;
}

export function answerSearch(
  datagram: Buffer,
  hasName: (name: string) => boolean,
  tcpPort: number,
): SearchOutcome {
  const { messages } = parseDatagram(datagram);
  let sequence = 0;
  let clientMinor = CA_MINOR_PROTOCOL_REVISION;
  let sawVersion = false;
  const answers: Buffer[] = [];
  let searched = 0;
  for (const msg of messages) {
    if (msg.command === CA_PROTO_VERSION) {
      sequence = msg.parameter1;
      clientMinor = msg.dataCount;
      sawVersion = true;
      continue;
    }
    if (msg.command !== CA_PROTO_SEARCH) break; // rsrv stops at anything else in a search datagram
    if (!sawVersion) clientMinor = msg.dataCount;
    if (clientMinor < MIN_CLIENT_MINOR || msg.payload.length <= 1) continue;
    searched++;
    const name = readPayloadString(msg.payload);
    if (name && hasName(name)) answers.push(searchResponse(tcpPort, msg.parameter2));
  }
  return { replies: packReplies(answers, sequence, clientMinor >= 11), searched, found: answers.length };
}

function packReplies(answers: Buffer[], sequence: number, withVersion: boolean): Buffer[] {
  if (answers.length === 0) return [];
  const head = withVersion ? udpVersionMessage(sequence) : Buffer.alloc(0);
  const out: Buffer[] = [];
  let batch: Buffer[] = [head];
  let size = head.length;
  for (const a of answers) {
    if (size + a.length > MAX_UDP_SEND && batch.length > 1) {
      out.push(Buffer.concat(batch, size));
      batch = [head];
      size = head.length;
    }
    batch.push(a);
    size += a.length;
  }
  out.push(Buffer.concat(batch, size));
  return out;
}
