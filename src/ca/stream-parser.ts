// Push parser for a CA byte stream (a TCP circuit): feed chunks, get every complete message back.
// Keeps only a partial tail between calls. Never trusts a length field: a size above the limit is
// rejected before anything is buffered for it, either by throwing (a client: the server is broken) or,
// in skip mode (a server, as rsrv does), by reporting the header and discarding the payload bytes as
// they arrive, so the rest of the stream stays usable. Pure: no sockets, no timers.
import { GwError } from '../errors.js';
import { EXTENDED_HEADER_SIZE, getU16, getU32, HEADER_SIZE, type CaMessage } from './header.js';

/** Default cap on one message's payload when EPICS_CA_AUTO_ARRAY_BYTES is YES: 256 MiB. */
export const DEFAULT_MAX_PAYLOAD = 256 * 1024 * 1024;

export class StreamParser {
  /** Unconsumed bytes: a partial message, possibly spread over several chunks. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Total bytes the partial message needs, once its header is known (0 = unknown). */
  private needed = 0;
  /** Bytes of an oversize message still to discard (skip mode). */
  private skipping = 0;
  readonly maxPayload: number;
  private readonly skipOversize: boolean;

  /**
   * @param skipOversize - report an oversize message (`oversize: true`, empty payload) and discard its
   *   payload instead of throwing GW_CA_OVERSIZE.
   */
  constructor(maxPayload = DEFAULT_MAX_PAYLOAD, { skipOversize = false } = {}) {
    this.maxPayload = maxPayload;
    this.skipOversize = skipOversize;
  }

  /** Bytes held back waiting for the rest of a message. */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /**
   * Returns every complete message in the stream so far. Payloads are views into the input (or into an
   * internal buffer when a message spanned chunks): consume them before the next call or copy them.
   * Throws GwError GW_CA_OVERSIZE; the caller closes that one circuit.
   */
  feed(chunk: Buffer): CaMessage[] {
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, chunk.length);
      this.skipping -= n;
      chunk = chunk.subarray(n);
      if (chunk.length === 0) return [];
    }
    if (this.heldBytes > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      // A large message arriving in many chunks is joined once, not once per chunk.
      if (this.heldBytes < Math.max(this.needed, HEADER_SIZE)) return [];
      chunk = Buffer.concat(this.held, this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
      this.needed = 0;
    }
    const buf = chunk;
    const out: CaMessage[] = [];
    let off = 0;
    while (buf.length - off >= HEADER_SIZE) {
      let size = getU16(buf, off + 2);
      let count = getU16(buf, off + 6);
      let hlen = HEADER_SIZE;
      let extended = false;
      if (size === 0xffff) {
        if (buf.length - off < EXTENDED_HEADER_SIZE) break;
        size = getU32(buf, off + 16);
        count = getU32(buf, off + 20);
        hlen = EXTENDED_HEADER_SIZE;
        extended = true;
      }
      if (size > this.maxPayload) {
        if (this.skipOversize) {
          const msg = messageAt(buf, off, size, count, buf.subarray(0, 0), extended);
          msg.oversize = true;
          out.push(msg);
          const present = Math.min(buf.length - off, hlen + size);
          this.skipping = hlen + size - present;
          off += present;
          continue;
        }
        throw new GwError(
          'GW_CA_OVERSIZE',
          `message of ${size} bytes (command ${getU16(buf, off)}) exceeds the limit of ${this.maxPayload} bytes`,
        );
      }
      if (buf.length - off < hlen + size) {
        this.needed = hlen + size;
        break;
      }
      out.push(messageAt(buf, off, size, count, buf.subarray(off + hlen, off + hlen + size), extended));
      off += hlen + size;
    }
    if (off < buf.length) {
      // Copy: the caller may reuse its chunk, and payload views handed out above must stay valid.
      const rest = Buffer.from(buf.subarray(off));
      this.held = [rest];
      this.heldBytes = rest.length;
    }
    return out;
  }
}

/** The message whose header starts at `off`; size and count come decoded (the extended form moves them). */
function messageAt(
  buf: Buffer,
  off: number,
  payloadSize: number,
  dataCount: number,
  payload: Buffer,
  extended: boolean,
): CaMessage {
  return {
    command: getU16(buf, off),
    payloadSize,
    dataType: getU16(buf, off + 4),
    dataCount,
    parameter1: getU32(buf, off + 8),
    parameter2: getU32(buf, off + 12),
    payload,
    extended,
  };
}

/** Splits one UDP datagram into messages. Stops at the first message that does not fit (truncated). */
export function parseDatagram(datagram: Buffer): { messages: CaMessage[]; truncated: boolean } {
  const messages: CaMessage[] = [];
  let off = 0;
  while (datagram.length - off >= HEADER_SIZE) {
    const size = getU16(datagram, off + 2);
    if (datagram.length - off < HEADER_SIZE + size) return { messages, truncated: true };
    messages.push({
      command: getU16(datagram, off),
      payloadSize: size,
      dataType: getU16(datagram, off + 4),
      dataCount: getU16(datagram, off + 6),
      parameter1: getU32(datagram, off + 8),
      parameter2: getU32(datagram, off + 12),
      payload: datagram.subarray(off + HEADER_SIZE, off + HEADER_SIZE + size),
    });
    off += HEADER_SIZE + size;
  }
  return { messages, truncated: off !== datagram.length };
}
