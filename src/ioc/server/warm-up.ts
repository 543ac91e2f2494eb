// Runs the server's own request paths on synthetic traffic before it announces itself (beacons): a
// client of its own searches every warm-up name over UDP, then connects to the TCP listener and, as
// libca does, creates, reads, subscribes to, cancels and clears channels.
// Why: a fresh process runs this code cold (interpreted, then optimised by V8 while the first client
// waits), and an IOC's first client is a burst (every channel of every OPI right after a restart). The
// traffic is real, received by the very sockets, listener and socket adapter real clients get: code
// optimised on other objects (a fake socket, transport or datagram, even another listener's sockets) is
// thrown away at a real client's first request and compiled again during its burst.
// Read-only (no puts: they would change served values and run links).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, type Socket } from 'node:net';
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_CREATE_CHAN,
  CA_PROTO_ECHO,
  DBE_ALARM,
  DBE_VALUE,
  DBR_DOUBLE,
  DBR_TIME_DOUBLE,
  MAX_UDP_SEND,
} from '../../ca/constants.js';
import * as M from '../../ca/messages.js';
import { StreamParser } from '../../ca/stream-parser.js';
import type { Logger } from '../../log.js';

/** Requests per TCP write: about what libca packs into one send. */
const REQUESTS_PER_CHUNK = 64;
/**
 * CREATE_CHANs per write: a connect burst arrives as 64 KiB reads (about 2,000 requests), more than
 * one turn's budget, so the circuit's pause-and-continue path runs (and is optimised) too.
 */
const CREATES_PER_CHUNK = 2048;
/**
 * Longest the warm-up waits for one answer; then it gives up and the server serves cold (a server that
 * ignores its own address, EPICS_CAS_IGNORE_ADDR_LIST, never answers the warm-up's searches).
 */
const ANSWER_TIMEOUT_MS = 2_000;

/** Where the server listens, as its own client reaches it (an address of one of its interfaces). */
export interface WarmUpTarget {
  host: string;
  tcpPort: number;
  udpPort: number;
}

/**
 * Drives `rounds` passes of search, connect, get, monitor and clear over `names`, which should be
 * served, against the server at `target`; every reply is discarded. Never fails: a warm-up that
 * cannot run is logged (debug) and the server serves cold.
 */
export async function warmUpServer(
  target: WarmUpTarget,
  names: readonly string[],
  rounds: number,
  log: Logger,
): Promise<void> {
  const searches = searchDatagrams(names);
  let udp: WarmUpSearcher | undefined;
  try {
    udp = await WarmUpSearcher.open();
    for (let round = 0; round < rounds; round++) {
      for (const datagram of searches) await udp.search(datagram, target);
      const client = await WarmUpClient.connect(target);
      try {
        await client.send([
          M.versionMessage(),
          M.hostNameRequest('localhost'),
          M.clientNameRequest('warm-up'),
        ]);
        // Each name twice, as two channels: more requests than one turn handles.
        const creates = [...names, ...names].map((name, cid) => M.createChanRequest(name, cid));
        await client.send(creates, CREATES_PER_CHUNK);
        const sids = client.channels.map(([, sid]) => sid);
        await client.send(sids.map((sid, i) => M.readNotifyRequest(DBR_DOUBLE, 1, sid, i)));
        await client.send(
          sids.map((sid, i) => M.eventAddRequest(DBR_TIME_DOUBLE, 1, sid, i, DBE_VALUE | DBE_ALARM)),
        );
        await client.send(sids.map((sid, i) => M.eventCancelRequest(DBR_TIME_DOUBLE, 1, sid, i)));
        await client.send(client.channels.map(([cid, sid]) => M.clearChannelRequest(sid, cid)));
      } finally {
        await client.close();
      }
    }
  } catch (err) {
    log.debug(`warm-up stopped, the server serves cold: ${(err as Error).message}`);
  } finally {
    udp?.close();
  }
}

/** Search datagrams as libca sends them: VERSION, then as many SEARCHes as fit in MAX_UDP_SEND. */
function searchDatagrams(names: readonly string[]): Buffer[] {
  const version = M.udpVersionMessage(1, CA_MINOR_PROTOCOL_REVISION);
  const datagrams: Buffer[] = [];
  let parts: Buffer[] = [version];
  let bytes = version.length;
  names.forEach((name, cid) => {
    const search = M.searchRequest(name, cid);
    if (bytes + search.length > MAX_UDP_SEND) {
      datagrams.push(Buffer.concat(parts, bytes));
      parts = [version];
      bytes = version.length;
    }
    parts.push(search);
    bytes += search.length;
  });
  if (parts.length > 1) datagrams.push(Buffer.concat(parts, bytes));
  return datagrams;
}

/** Settles a wait on an answer: with nothing (answered) or with the error that ends the warm-up. */
type Settle = (err?: Error) => void;

/** Hands `setSettle` what settles the wait, and waits; fails after ANSWER_TIMEOUT_MS without an answer. */
function answer(what: string, setSettle: (settle: Settle | undefined) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      setSettle(undefined);
      reject(new Error(`no answer from the server to ${what}`));
    }, ANSWER_TIMEOUT_MS);
    setSettle((err) => {
      clearTimeout(timer);
      setSettle(undefined);
      if (err) reject(err);
      else resolve();
    });
  });
}

/** The warm-up's UDP end: sends one search datagram at a time and waits for its reply. */
class WarmUpSearcher {
  private answered: Settle | undefined;

  private constructor(private readonly socket: UdpSocket) {
    socket.on('message', () => this.answered?.());
    socket.on('error', (err) => this.answered?.(err));
  }

  static open(): Promise<WarmUpSearcher> {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve(new WarmUpSearcher(socket));
      });
    });
  }

  /** Every name of a warm-up datagram is served: the server answers each with one reply datagram. */
  async search(datagram: Buffer, target: WarmUpTarget): Promise<void> {
    const replied = answer('a search', (settle) => (this.answered = settle));
    this.socket.send(datagram, target.udpPort, target.host);
    await replied;
  }

  close(): void {
    this.socket.close();
  }
}

/** The warm-up's client: writes requests, and waits for the server to have answered them all. */
class WarmUpClient {
  private readonly parser = new StreamParser();
  /** [cid, sid] of every channel the server created. */
  readonly channels: [number, number][] = [];
  /** Settles the wait of the current write: an ECHO reply, or the connection's end. */
  private answered: Settle | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const msg of this.parser.feed(chunk)) {
        if (msg.command === CA_PROTO_CREATE_CHAN) this.channels.push([msg.parameter1, msg.parameter2]);
        else if (msg.command === CA_PROTO_ECHO) this.answered?.();
      }
    });
    socket.on('error', (err) => this.answered?.(err));
    socket.on('close', () => this.answered?.(new Error('the server closed the warm-up connection')));
  }

  static connect(target: WarmUpTarget): Promise<WarmUpClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: target.host, port: target.tcpPort }, () => {
        socket.off('error', reject);
        resolve(new WarmUpClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /**
   * Writes the requests, `perChunk` to a write, each write followed by an ECHO: the server answers in
   * order, so its ECHO reply means it has handled everything before it.
   */
  async send(requests: Buffer[], perChunk = REQUESTS_PER_CHUNK): Promise<void> {
    for (let i = 0; i < requests.length; i += perChunk) {
      const echoed = answer('a request', (settle) => (this.answered = settle));
      this.socket.write(Buffer.concat([...requests.slice(i, i + perChunk), M.echoMessage()]));
      await echoed;
    }
  }

  /** Hangs up, and waits until the server has closed its end too. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.answered = undefined;
      if (this.socket.closed) resolve();
      else this.socket.once('close', () => resolve()).end();
    });
  }
}
