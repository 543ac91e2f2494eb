// Name resolution state machine: which channels still need a SEARCH, when each is retried (libca-style
// back-off, fast at first and doubling up to the maximum search period), how many names fit in one
// datagram, and which reply datagrams resolve which channel. Pure: time comes in as `nowMs`, datagrams
// go out as Buffers; the UDP socket lives in the client.
import { CA_PROTO_SEARCH, CA_PROTO_VERSION, INADDR_USE_SENDER, MAX_UDP_SEND } from '../constants.js';
import { SearchResponse, VersionMessage } from '../message-fields.js';
import { searchRequest, udpVersionMessage } from '../messages.js';
import { parseDatagram } from '../stream-parser.js';
import { intToIpv4 } from '../../net.js';

/** A resolved name: the server's TCP address and the minor version it announced. */
export interface SearchHit {
  cid: number;
  host: string;
  port: number;
  serverMinor: number;
}

export interface SearchEngineOptions {
  /** Delay before the first retry; doubled after each try (libca starts near its 32 ms RTT floor). */
  initialPeriodMs?: number;
  maxPeriodMs: number;
  /** Datagrams produced by one poll; the rest stay due for the next (libca limits frames per try too). */
  maxDatagramsPerPoll?: number;
  /** Largest datagram (libca's search buffer is 1024 bytes). */
  maxDatagramBytes?: number;
}

interface Pending {
  cid: number;
  name: string;
  request: Buffer;
  tries: number;
  dueMs: number;
}

const VERSION_SIZE = 16;

export class SearchEngine {
  private readonly pending = new Map<number, Pending>();
  private sequence = 0;
  private readonly initialPeriodMs: number;
  private readonly maxPeriodMs: number;
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;

  constructor(opts: SearchEngineOptions) {
    this.initialPeriodMs = opts.initialPeriodMs ?? 32;
    this.maxPeriodMs = opts.maxPeriodMs;
    this.maxDatagrams = opts.maxDatagramsPerPoll ?? 64;
    this.maxBytes = opts.maxDatagramBytes ?? MAX_UDP_SEND;
  }

  get size(): number {
    return this.pending.size;
  }

  has(cid: number): boolean {
    return this.pending.has(cid);
  }

  /** Starts searching for a name; it is due at once. */
  add(cid: number, name: string, nowMs: number): void {
    this.pending.set(cid, { cid, name, request: searchRequest(name, cid), tries: 0, dueMs: nowMs });
  }

  remove(cid: number): void {
    this.pending.delete(cid);
  }

  /** Makes every pending name due now with the back-off restarted (a lost circuit, a beacon anomaly). */
  restart(nowMs: number): void {
    for (const p of this.pending.values()) {
      p.tries = 0;
      p.dueMs = nowMs;
    }
  }

  /** Period after `tries` attempts: initial * 2^(tries-1), capped. */
  periodAfter(tries: number): number {
    return Math.min(this.initialPeriodMs * 2 ** Math.min(tries - 1, 30), this.maxPeriodMs);
  }

  /**
   * Datagrams to send now (each to every search destination), each starting with VERSION carrying a
   * fresh sequence number and packing as many SEARCH requests as fit. Reschedules the names sent.
   */
  poll(nowMs: number): Buffer[] {
    const due = [...this.pending.values()].filter((p) => p.dueMs <= nowMs);
    due.sort((a, b) => a.dueMs - b.dueMs || a.cid - b.cid);
    const datagrams: Buffer[] = [];
    let i = 0;
    while (i < due.length && datagrams.length < this.maxDatagrams) {
      const parts: Buffer[] = [udpVersionMessage(++this.sequence >>> 0)];
      let bytes = VERSION_SIZE;
      while (i < due.length && bytes + due[i]!.request.length <= this.maxBytes) {
        const p = due[i++]!;
        parts.push(p.request);
        bytes += p.request.length;
        p.tries++;
        p.dueMs = nowMs + this.periodAfter(p.tries);
      }
      if (parts.length === 1) {
        // A name too long for any datagram: drop it rather than loop (names are <= 500 bytes, so never).
        this.pending.delete(due[i++]!.cid);
        continue;
      }
      datagrams.push(Buffer.concat(parts, bytes));
    }
    return datagrams;
  }

  /** When the next poll has work, or undefined when nothing is pending. */
  nextDueMs(): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) if (next === undefined || p.dueMs < next) next = p.dueMs;
    return next;
  }

  /**
   * Handles a datagram from a server: every SEARCH reply for a name still pending resolves it (and
   * stops its search). Replies for names already resolved are duplicates (libca: ECA_DBLCHNL) and are
   * ignored, as are other commands. Stops at the first truncated message, as libca does.
   */
  handleDatagram(datagram: Buffer, fromAddress: string): SearchHit[] {
    const hits: SearchHit[] = [];
    let serverMinor = 0;
    for (const msg of parseDatagram(datagram).messages) {
      if (msg.command === CA_PROTO_VERSION) {
        serverMinor = VersionMessage.minorVersion(msg);
        continue;
      }
      if (msg.command !== CA_PROTO_SEARCH) continue;
      const cid = SearchResponse.cid(msg);
      if (!this.pending.has(cid)) continue;
      // The server address unless it says "use the sender" (rsrv always does); 0.0.0.0 is never a
      // usable address, so it is read the same way.
      const address = SearchResponse.serverAddress(msg);
      const useSender = address === INADDR_USE_SENDER || address === 0;
      const host = useSender ? fromAddress : intToIpv4(address);
      const minor = SearchResponse.minorVersion(msg) ?? serverMinor;
      this.pending.delete(cid);
      hits.push({ cid, host, port: SearchResponse.serverPort(msg), serverMinor: minor });
    }
    return hits;
  }
}
