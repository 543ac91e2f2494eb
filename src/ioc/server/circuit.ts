// One client's TCP virtual circuit, server side: channels, subscriptions, flow control and the output
// queue. Sans-I/O: bytes come in through receive(), bytes leave through the injected transport, and
// deferral goes through an injected scheduler; no sockets or timers here. Request handlers live in
// handlers.ts, one per command. Output order: direct replies first, then monitor updates round-robin.
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_ACCESS_RIGHT_READ,
  ECA_INTERNAL,
  ECA_NORDACCESS,
} from '../../ca/constants.js';
import { dbrSize } from '../../ca/dbr.js';
import { headerSize, pad8, writeHeader, type CaMessage } from '../../ca/header.js';
import { accessRightsResponse, errorResponse, serverDisconnResponse } from '../../ca/messages.js';
import { StreamParser } from '../../ca/stream-parser.js';
import type { ValueSnapshot } from '../../ca/value.js';
import { GwError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { encodeCached } from './encode-cache.js';
import { HANDLERS, onOversize, ProtocolViolation } from './handlers.js';
import type { ClientIdentity, PvProvider, ServedPv } from './pv.js';

/** Updates kept per subscription while the client is slow or has sent EVENTS_OFF (rsrv's quota). */
export const SUBSCRIPTION_QUOTA = 4;
/** Upper bound of one flush, so a huge backlog is written in slices and direct replies are not starved. */
const MAX_FLUSH_BYTES = 1 << 20;

export interface CircuitTransport {
  /** Queues bytes on the socket; false when its buffer is full (the adapter calls resume() on drain). */
  write(data: Buffer): boolean;
  /** Ends the connection. */
  close(): void;
  /** Runs fn soon, after the current batch of work (setImmediate in the adapter, manual in tests). */
  defer(fn: () => void): void;
}

export interface QueuedUpdate {
  payload: Buffer;
  count: number;
  status: number;
}

export interface Subscription {
  id: number;
  channel: ChannelState;
  dbrType: number;
  count: number;
  mask: number;
  queue: QueuedUpdate[];
  unsubscribe: () => void;
  /** No read access: the last update carried ECA_NORDACCESS and nothing follows until access returns. */
  suspended: boolean;
}

export interface ChannelState {
  sid: number;
  cid: number;
  pv: ServedPv;
  rights: number;
  subscriptions: Set<Subscription>;
  /** Completion order of put-callbacks on this channel (rsrv serialises them per channel). */
  putChain: Promise<void>;
  cleared: boolean;
}

/** Start of every channel's put chain: one shared settled promise, not one per channel (memory). */
const SETTLED: Promise<void> = Promise.resolve();

let nextSid = 1;
function allocateSid(): number {
  const sid = nextSid;
  nextSid = nextSid >= 0xfffffffe ? 1 : nextSid + 1;
  return sid;
}

export class Circuit {
  readonly peer: { ip: string; port: number };
  readonly identity: ClientIdentity;
  clientMinor = CA_MINOR_PROTOCOL_REVISION;
  priority = 0;
  readonly channels = new Map<number, ChannelState>();
  readonly subscriptions = new Map<number, Subscription>();
  eventsOff = false;
  /** The TCP port this circuit was accepted on (for SEARCH over TCP). */
  localPort = 0;
  private readonly parser: StreamParser;
  private direct: Buffer[] = [];
  private directBytes = 0;
  private readonly ready = new Set<Subscription>();
  /** Subscriptions whose updates the current flush writes (reused: no allocation per flush). */
  private readonly taking: Subscription[] = [];
  private writable = true;
  private flushScheduled = false;
  closed = false;

  constructor(
    readonly provider: PvProvider,
    peer: { ip: string; port: number },
    private readonly transport: CircuitTransport,
    readonly log: Logger,
    maxPayload?: number,
  ) {
    this.peer = peer;
    this.identity = { user: '', host: peer.ip, ip: peer.ip };
    this.parser = new StreamParser(maxPayload, { skipOversize: true });
  }

  /** The largest request payload accepted; larger ones get ECA_TOLARGE. */
  get maxPayload(): number {
    return this.parser.maxPayload;
  }

  get description(): string {
    return `${this.peer.ip}:${this.peer.port}${this.identity.user ? ` (${this.identity.user}@${this.identity.host})` : ''}`;
  }

  /** Bytes from the socket. A protocol violation closes this circuit only. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const msg of this.parser.feed(chunk)) {
        this.dispatch(msg);
        if (this.closed) return;
      }
    } catch (err) {
      if (err instanceof GwError || err instanceof ProtocolViolation) {
        this.log.warn(`closing circuit from ${this.description}: ${err.message}`);
        this.flush();
        this.close();
        return;
      }
      throw err;
    }
    this.flush();
  }

  private dispatch(msg: CaMessage): void {
    if (msg.oversize) return onOversize(this, msg);
    const handler = HANDLERS[msg.command];
    if (!handler) {
      // rsrv: ERROR ECA_INTERNAL carrying the request, then the circuit is closed (ca-protocol.md §10.2).
      const text = `unknown or obsolete command ${msg.command}`;
      this.reply(errorResponse(msg, 0xffffffff, ECA_INTERNAL, text));
      throw new ProtocolViolation(text, msg);
    }
    handler(this, msg);
  }

  /** Queues a direct reply (flushed at the end of the current input batch). */
  reply(buf: Buffer): void {
    this.direct.push(buf);
    this.directBytes += buf.length;
    if (this.directBytes >= MAX_FLUSH_BYTES) this.flush();
  }

  // ---- channels ------------------------------------------------------------------------------

  createChannel(cid: number, pv: ServedPv): ChannelState {
    const ch: ChannelState = {
      sid: allocateSid(),
      cid,
      pv,
      rights: pv.accessRights(this.identity),
      subscriptions: new Set(),
      putChain: SETTLED,
      cleared: false,
    };
    this.channels.set(ch.sid, ch);
    return ch;
  }

  destroyChannel(ch: ChannelState): void {
    ch.cleared = true;
    for (const sub of ch.subscriptions) this.dropSubscription(sub);
    this.channels.delete(ch.sid);
  }

  /** PVs went away on the server: SERVER_DISCONN for every channel on them. */
  pvsRemoved(names: ReadonlySet<string>): void {
    if (this.closed) return;
    for (const ch of [...this.channels.values()]) {
      if (!names.has(ch.pv.name)) continue;
      this.destroyChannel(ch);
      this.reply(serverDisconnResponse(ch.cid));
    }
    this.flush();
  }

  /** Access rules changed: re-send ACCESS_RIGHTS where the rights changed; suspend or resume monitors. */
  accessChanged(): void {
    if (this.closed) return;
    for (const ch of this.channels.values()) {
      const rights = ch.pv.accessRights(this.identity);
      if (rights === ch.rights) continue;
      const couldRead = (ch.rights & CA_PROTO_ACCESS_RIGHT_READ) !== 0;
      const canRead = (rights & CA_PROTO_ACCESS_RIGHT_READ) !== 0;
      ch.rights = rights;
      this.reply(accessRightsResponse(ch.cid, rights));
      if (couldRead === canRead) continue;
      for (const sub of ch.subscriptions) {
        if (canRead) {
          sub.suspended = false;
          this.post(sub, ch.pv.snapshot());
        } else {
          this.postNoAccess(sub);
          sub.suspended = true;
        }
      }
    }
    this.flush();
  }

  // ---- subscriptions -------------------------------------------------------------------------

  addSubscription(ch: ChannelState, id: number, dbrType: number, count: number, mask: number): Subscription {
    const existing = this.subscriptions.get(id);
    if (existing) this.dropSubscription(existing);
    const sub: Subscription = {
      id,
      channel: ch,
      dbrType,
      count,
      mask,
      queue: [],
      unsubscribe: () => undefined,
      suspended: (ch.rights & CA_PROTO_ACCESS_RIGHT_READ) === 0,
    };
    this.subscriptions.set(id, sub);
    ch.subscriptions.add(sub);
    // The first update goes out at once, whatever the mask (ca-protocol.md §9.3).
    if (sub.suspended) this.postNoAccess(sub);
    else this.post(sub, ch.pv.snapshot());
    sub.unsubscribe = ch.pv.subscribe((posted, snap) => {
      if ((posted & sub.mask) !== 0 && !sub.suspended) this.post(sub, snap);
    });
    return sub;
  }

  dropSubscription(sub: Subscription): void {
    sub.unsubscribe();
    sub.queue.length = 0;
    this.ready.delete(sub);
    sub.channel.subscriptions.delete(sub);
    this.subscriptions.delete(sub.id);
  }

  private post(sub: Subscription, snap: ValueSnapshot): void {
    if (this.closed) return;
    // The shared encoding is queued as is (it is never mutated): no copy per subscriber.
    this.enqueue(sub, encodeCached(sub.dbrType, sub.count, snap));
  }

  private postNoAccess(sub: Subscription): void {
    const count = sub.count === 0 ? 1 : sub.count;
    this.enqueue(sub, {
      payload: Buffer.alloc(pad8(dbrSize(sub.dbrType, count))),
      count,
      status: ECA_NORDACCESS,
    });
  }

  private enqueue(sub: Subscription, update: QueuedUpdate): void {
    const q = sub.queue;
    // Under flow control or pressure the newest pending update is replaced: intermediate values are
    // dropped, the newest value always survives, and memory stays bounded (rsrv's dbEvent policy).
    if (q.length >= SUBSCRIPTION_QUOTA || (this.eventsOff && q.length > 0)) q[q.length - 1] = update;
    else q.push(update);
    this.ready.add(sub);
    this.scheduleFlush();
  }

  /** Number of monitor updates waiting (for tests and diagnostics). */
  get pendingUpdates(): number {
    let n = 0;
    for (const sub of this.ready) n += sub.queue.length;
    return n;
  }

  setEventsOff(off: boolean): void {
    this.eventsOff = off;
    if (!off) this.scheduleFlush();
  }

  // ---- output --------------------------------------------------------------------------------

  scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    this.transport.defer(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** The socket drained: continue with queued monitor updates. */
  resume(): void {
    this.writable = true;
    this.flush();
  }

  flush(): void {
    if (this.closed) return;
    const taking = this.taking;
    let updateBytes = 0;
    if (this.writable && !this.eventsOff && this.ready.size > 0) {
      for (const sub of this.ready) {
        for (const u of sub.queue) updateBytes += headerSize(u.payload.length, u.count) + u.payload.length;
        taking.push(sub);
        if (updateBytes >= MAX_FLUSH_BYTES) break;
      }
    }
    const direct = this.direct;
    if (direct.length === 0 && taking.length === 0) return;
    // One buffer per flush: direct replies first, then the updates of each subscription taken, in order.
    let out: Buffer;
    if (taking.length === 0 && direct.length === 1) out = direct[0]!;
    else {
      out = Buffer.allocUnsafe(this.directBytes + updateBytes);
      let off = 0;
      for (const d of direct) off += d.copy(out, off);
      for (const sub of taking) {
        for (const u of sub.queue) {
          off += writeHeader(out, off, 1, u.payload.length, sub.dbrType, u.count, u.status, sub.id);
          off += u.payload.copy(out, off);
        }
        sub.queue.length = 0;
      }
      if (taking.length === this.ready.size) this.ready.clear();
      else for (const sub of taking) this.ready.delete(sub);
      taking.length = 0;
    }
    this.direct = [];
    this.directBytes = 0;
    const ok = this.transport.write(out);
    if (!ok) this.writable = false;
    else if (this.ready.size > 0 && !this.eventsOff) this.scheduleFlush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of [...this.subscriptions.values()]) this.dropSubscription(sub);
    for (const ch of this.channels.values()) ch.cleared = true;
    this.channels.clear();
    this.transport.close();
  }
}
