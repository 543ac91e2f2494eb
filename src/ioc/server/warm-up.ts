// Runs the server's own request paths on synthetic traffic before it serves: search datagrams, then one
// in-memory circuit that connects, reads, subscribes to, cancels and clears channels, as libca does.
// Why: a fresh process runs this code cold (interpreted, then optimised by V8 while the first client
// waits), and an IOC's first client is a burst (every channel of every OPI right after a restart).
// Read-only (no puts: they would change served values and run links); sans-I/O: no sockets, no timers.
import {
  CA_MINOR_PROTOCOL_REVISION,
  DBE_ALARM,
  DBE_VALUE,
  DBR_DOUBLE,
  DBR_TIME_DOUBLE,
  MAX_UDP_SEND,
} from '../../ca/constants.js';
import * as M from '../../ca/messages.js';
import type { Logger } from '../../log.js';
import { Circuit, type CircuitTransport } from './circuit.js';
import type { PvProvider } from './pv.js';
import { answerSearch } from './search-responder.js';

/** Requests per synthetic TCP chunk: about what libca packs into one send. */
const REQUESTS_PER_CHUNK = 64;
/**
 * CREATE_CHANs per chunk: a connect burst arrives as 64 KiB reads (about 2,000 requests), more than
 * one turn's budget, so the circuit's pause-and-continue path runs (and is optimised) too.
 */
const CREATES_PER_CHUNK = 2048;

/** A transport that discards output and runs deferred work when the warm-up says so. */
class NullTransport implements CircuitTransport {
  private readonly deferred: (() => void)[] = [];
  write(): boolean {
    return true;
  }
  close(): void {}
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }
  pauseInput(): void {}
  resumeInput(): void {}
  setTimer(): () => void {
    return () => undefined;
  }
  now(): number {
    return performance.now();
  }
  /** Runs deferred work until none is left (a deferred step may defer the next). */
  runDeferred(): void {
    for (let guard = 0; this.deferred.length > 0 && guard < 10_000; guard++) this.deferred.shift()!();
  }
}

/**
 * Drives `rounds` passes of search, connect, get, monitor and clear over `names`, which should resolve
 * in `provider`; every reply is discarded. `hasName` must be the very function the server's search
 * handler uses: V8 specialises the optimised code on the function it was called with, and code
 * specialised on a function that is then garbage would be thrown away.
 */
export function warmUpServer(
  provider: PvProvider,
  hasName: (name: string) => boolean,
  names: readonly string[],
  rounds: number,
  log: Logger,
): void {
  for (let round = 0; round < rounds; round++) {
    searchAll(names, hasName);
    const transport = new NullTransport();
    const circuit = new Circuit(provider, { ip: '127.0.0.1', port: 0 }, transport, log);
    const send = (requests: Buffer[], perChunk = REQUESTS_PER_CHUNK) => {
      for (let i = 0; i < requests.length; i += perChunk) {
        // Buffer.concat makes the same kind of Buffer as a socket's 'data' chunk (V8 optimises per kind).
        circuit.receive(Buffer.concat(requests.slice(i, i + perChunk)));
        transport.runDeferred();
      }
    };
    send([M.versionMessage(), M.hostNameRequest('localhost'), M.clientNameRequest('warm-up')]);
    // Each name twice, as two channels: more requests than one turn handles.
    const creates = [...names, ...names].map((name, cid) => M.createChanRequest(name, cid));
    send(creates, CREATES_PER_CHUNK);
    const channels = [...circuit.channels.values()];
    send(channels.map((ch, i) => M.readNotifyRequest(DBR_DOUBLE, 1, ch.sid, i)));
    send(channels.map((ch, i) => M.eventAddRequest(DBR_TIME_DOUBLE, 1, ch.sid, i, DBE_VALUE | DBE_ALARM)));
    send(channels.map((ch, i) => M.eventCancelRequest(DBR_TIME_DOUBLE, 1, ch.sid, i)));
    send(channels.map((ch) => M.clearChannelRequest(ch.sid, ch.cid)));
    circuit.close();
  }
}

/** Search datagrams as libca sends them: VERSION, then as many SEARCHes as fit in MAX_UDP_SEND. */
function searchAll(names: readonly string[], hasName: (name: string) => boolean): void {
  const version = M.udpVersionMessage(1, CA_MINOR_PROTOCOL_REVISION);
  let parts: Buffer[] = [version];
  let bytes = version.length;
  const answer = () => {
    answerSearch(asReceivedDatagram(Buffer.concat(parts, bytes)), hasName, 0);
    parts = [version];
    bytes = version.length;
  };
  names.forEach((name, cid) => {
    const search = M.searchRequest(name, cid);
    if (bytes + search.length > MAX_UDP_SEND) answer();
    parts.push(search);
    bytes += search.length;
  });
  if (parts.length > 1) answer();
}

/**
 * The datagram as dgram's 'message' hands it over: Node makes it in C++ as a Uint8Array whose
 * prototype is then set to Buffer's, a different object shape from a Buffer made in JavaScript.
 */
function asReceivedDatagram(bytes: Buffer): Buffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return Object.setPrototypeOf(copy, Buffer.prototype as object) as Buffer;
}
