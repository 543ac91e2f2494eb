// One client's TCP virtual circuit, server side: channels, subscriptions, flow control, fairness and the
// output queue. Sans-I/O: bytes come in through receive(), bytes leave through the injected transport,
// deferral and timers go through it too; no sockets here. Request handlers live in handlers.ts, one per
// command. Output order: direct replies first, then monitor updates round-robin.
// Fairness (why a write flood cannot starve monitors): a circuit handles at most INPUT_BUDGET puts
// (or 16 times as many other requests, or TURN_MS of work) per event-loop turn, then pauses its
// socket and yields; it yields early when its puts would make another circuit coalesce updates, and
// waits (at most CONGESTION_WAIT_MS) when they post to a circuit whose socket is full, until that
// socket drains. Coalescing keeps the newest value, so the last one always arrives.
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_ACCESS_RIGHT_READ,
  CA_PROTO_EVENT_ADD,
  CA_PROTO_WRITE,
  CA_PROTO_WRITE_NOTIFY,
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
import { OutputBuffer } from './output-buffer.js';
import type { ClientIdentity, PvProvider, ServedPv } from './pv.js';

/** Updates kept per subscription while the client is slow or has sent EVENTS_OFF (rsrv's quota). */
export const SUBSCRIPTION_QUOTA = 4;
/** Upper bound of one flush, so a huge backlog is written in slices and direct replies are not starved. */
const MAX_FLUSH_BYTES = 1 << 20;
/** Puts one circuit handles per event-loop turn before the others get theirs. */
export const INPUT_BUDGET = 64;
/**
 * What a put costs of the turn's budget, in requests of other kinds: only puts post to other
 * circuits, the rest (channels, reads, subscriptions) makes output for this client alone, so a client
 * connecting thousands of channels gets 1,024 of them handled per turn (and one write), not 64.
 */
const PUT_COST = 16;
/**
 * Longest one circuit's turn lasts, in milliseconds, whatever its budget: a search datagram or another
 * circuit waits at most this long behind a burst (libca paces its searches on the reply delay).
 */
export const TURN_MS = 2;
/** Requests handled between two looks at the clock. */
const CLOCK_EVERY = 64;
/**
 * Longest a circuit's input waits for the sockets its puts filled to drain. A socket that has not
 * drained by then is marked stalled and no longer holds writers back until it drains (a client that
 * stopped reading must not stop everyone's puts; the connection adapter drops it later).
 */
export const CONGESTION_WAIT_MS = 50;

export interface CircuitTransport {
  /** Queues bytes on the socket; false when its buffer is full (the adapter calls resume() on drain). */
  write(data: Buffer): boolean;
  /** Ends the connection. */
  close(): void;
  /** Runs fn soon, after the current batch of work (setImmediate in the adapter, manual in tests). */
  defer(fn: () => void): void;
  /** Stops reading from the socket while the circuit holds requests it has not handled yet. */
  pauseInput(): void;
  resumeInput(): void;
  /** Runs fn after ms; returns what cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
  /** A monotonic clock in milliseconds (performance.now in the adapter). */
  now(): number;
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
  /** Created with the first subscription: most channels never have one (memory per channel). */
  subscriptions: Set<Subscription> | undefined;
  /** Completion order of put-callbacks on this channel (rsrv serialises them per channel). */
  putChain: Promise<void>;
  cleared: boolean;
}

/** Start of every channel's put chain: one shared settled promise, not one per channel (memory). */
const SETTLED: Promise<void> = Promise.resolve();

/** Parsed requests not handled yet: none. */
const NO_REQUESTS: CaMessage[] = [];

/** The circuit whose requests are being handled: the posts they cause are charged to it. */
let dispatching: Circuit | undefined;

let nextSid = 1;
function allocateSid(): number {
  const sid = nextSid;
  nextSid = nextSid >= 0xfffffffe ? 1 : nextSid + 1;
  return sid;
}

export class Circuit {
  readonly peer: { ip: string; port: number };
  /** Replaced, never changed in place, when the client names itself (CLIENT_NAME, HOST_NAME). */
  identity: ClientIdentity;
  clientMinor = CA_MINOR_PROTOCOL_REVISION;
  priority = 0;
  readonly channels = new Map<number, ChannelState>();
  readonly subscriptions = new Map<number, Subscription>();
  eventsOff = false;
  /** The TCP port this circuit was accepted on (for SEARCH over TCP). */
  localPort = 0;
  private readonly parser: StreamParser;
  /** Direct replies, then the monitor updates of a flush, encoded in place until the socket takes them. */
  private readonly out = new OutputBuffer();
  private readonly ready = new Set<Subscription>();
  /** Subscriptions whose updates the current flush writes (reused: no allocation per flush). */
  private readonly taking: Subscription[] = [];
  private writable = true;
  private flushScheduled = false;
  closed = false;
  /**
   * Parsed requests waiting for a turn. Their payloads are views into socket chunks (never reused by
   * Node) or into the parser's own copies, so they stay valid while they wait.
   */
  private inbox: CaMessage[] = NO_REQUESTS;
  private inboxAt = 0;
  private inputScheduled = false;
  private inputPaused = false;
  /** This circuit's puts are about to make another circuit coalesce: let the others flush first. */
  private yieldRequested = false;
  /** Circuits with a full socket that this circuit's requests posted updates to (this turn). */
  private readonly congested = new Set<Circuit>();
  /** Set while input waits for congested circuits to drain: cancels the wait's timer. */
  private cancelWait: (() => void) | undefined;
  /** Circuits whose input waits for this one's socket to drain. */
  private readonly drainWaiters = new Set<Circuit>();
  /** The socket has been full longer than CONGESTION_WAIT_MS: writers no longer wait for it. */
  private stalled = false;

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
    let msgs: CaMessage[];
    try {
      msgs = this.parser.feed(chunk);
    } catch (err) {
      if (!(err instanceof GwError)) throw err;
      this.violated(err);
      return;
    }
    if (this.inboxAt >= this.inbox.length) {
      this.inbox = msgs;
      this.inboxAt = 0;
    } else {
      for (const m of msgs) this.inbox.push(m);
    }
    // Requests already waiting for a turn (or for congested sockets) keep waiting: no queue jumping.
    if (!this.inputScheduled && !this.cancelWait) this.handleInput();
  }

  /** Handles waiting requests, within this turn's budget; then yields, waits or asks for more input. */
  private handleInput(): void {
    if (this.closed) return;
    let budget = INPUT_BUDGET * PUT_COST;
    let handled = 0;
    const started = this.transport.now();
    const outer = dispatching;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the module notes who causes the posts
    dispatching = this;
    try {
      while (this.inboxAt < this.inbox.length && budget > 0) {
        const msg = this.inbox[this.inboxAt++]!;
        budget -= msg.command === CA_PROTO_WRITE || msg.command === CA_PROTO_WRITE_NOTIFY ? PUT_COST : 1;
        this.dispatch(msg);
        if (this.closed) return;
        if (this.yieldRequested || this.congested.size > 0) break;
        if (++handled % CLOCK_EVERY === 0 && this.transport.now() - started >= TURN_MS) break;
      }
    } catch (err) {
      if (!(err instanceof GwError || err instanceof ProtocolViolation)) throw err;
      this.violated(err);
      return;
    } finally {
      dispatching = outer;
    }
    this.yieldRequested = false;
    if (this.inboxAt >= this.inbox.length) {
      this.inbox = NO_REQUESTS;
      this.inboxAt = 0;
      if (this.inputPaused) {
        this.inputPaused = false;
        this.transport.resumeInput();
      }
    } else {
      if (!this.inputPaused) {
        this.inputPaused = true;
        this.transport.pauseInput();
      }
      if (this.congested.size > 0) this.waitForDrain();
      else this.scheduleInput();
    }
    this.congested.clear();
    this.flush();
  }

  private scheduleInput(): void {
    if (this.inputScheduled) return;
    this.inputScheduled = true;
    this.transport.defer(() => {
      this.inputScheduled = false;
      this.handleInput();
    });
  }

  /** Input waits until one of the congested circuits drains, or CONGESTION_WAIT_MS at most. */
  private waitForDrain(): void {
    const victims = [...this.congested];
    for (const v of victims) v.drainWaiters.add(this);
    this.cancelWait = this.transport.setTimer(() => {
      for (const v of victims) if (!v.writable) v.stalled = true;
      this.endWait();
    }, CONGESTION_WAIT_MS);
  }

  private endWait(): void {
    if (!this.cancelWait) return;
    this.cancelWait();
    this.cancelWait = undefined;
    this.scheduleInput();
  }

  private violated(err: Error): void {
    this.log.warn(`closing circuit from ${this.description}: ${err.message}`);
    this.flush();
    this.close();
  }

  private dispatch(msg: CaMessage): void {
    const handler = HANDLERS[msg.command];
    if (!handler) {
      // rsrv: ERROR ECA_INTERNAL carrying the request, then the circuit is closed (ca-protocol.md §10.2).
      // Also when it claims an oversize payload: that is junk, not a request to skip.
      const text = `unknown or obsolete command ${msg.command}`;
      this.reply(errorResponse(msg, 0xffffffff, ECA_INTERNAL, text));
      throw new ProtocolViolation(text, msg);
    }
    if (msg.oversize) onOversize(this, msg);
    else handler(this, msg);
  }

  /** Queues an encoded direct reply (flushed at the end of the current input batch). */
  reply(buf: Buffer): void {
    this.out.append(buf);
    if (this.out.length >= MAX_FLUSH_BYTES) this.flush();
  }

  /** Queues a direct reply encoded in place: no Buffer of its own (payload zero-padded to 8). */
  replyMessage(
    command: number,
    dataType: number,
    count: number,
    parameter1: number,
    parameter2: number,
    payload?: Buffer,
  ): void {
    this.out.message(command, dataType, count, parameter1, parameter2, payload);
    if (this.out.length >= MAX_FLUSH_BYTES) this.flush();
  }

  // ---- channels ------------------------------------------------------------------------------

  createChannel(cid: number, pv: ServedPv): ChannelState {
    const ch: ChannelState = {
      sid: allocateSid(),
      cid,
      pv,
      rights: pv.accessRights(this.identity),
      subscriptions: undefined,
      putChain: SETTLED,
      cleared: false,
    };
    this.channels.set(ch.sid, ch);
    return ch;
  }

  destroyChannel(ch: ChannelState): void {
    ch.cleared = true;
    if (ch.subscriptions) for (const sub of ch.subscriptions) this.dropSubscription(sub);
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
      for (const sub of ch.subscriptions ?? []) {
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
    (ch.subscriptions ??= new Set()).add(sub);
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
    sub.channel.subscriptions?.delete(sub);
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
    // Charge the circuit whose request caused this post: it yields before this queue would coalesce,
    // and waits while this socket is full (unless it is stalled or holds its own updates back).
    const cause = dispatching;
    if (cause === undefined || cause === this || this.eventsOff) return;
    if (!this.writable) {
      if (!this.stalled) cause.congested.add(this);
    } else if (q.length >= SUBSCRIPTION_QUOTA) cause.yieldRequested = true;
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

  /** The socket drained: continue with queued monitor updates, and let waiting writers go on. */
  resume(): void {
    this.writable = true;
    this.stalled = false;
    this.flush();
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    if (this.drainWaiters.size === 0) return;
    const waiters = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const w of waiters) w.endWait();
  }

  flush(): void {
    if (this.closed) return;
    if (this.writable && !this.eventsOff && this.ready.size > 0) this.encodeUpdates();
    if (this.out.length === 0) return;
    // One write per flush: direct replies first, then the updates of each subscription taken, in order.
    const ok = this.transport.write(this.out.take());
    if (!ok) this.writable = false;
    else if (this.ready.size > 0 && !this.eventsOff) this.scheduleFlush();
  }

  /** Moves queued updates into the output, subscription by subscription, up to MAX_FLUSH_BYTES. */
  private encodeUpdates(): void {
    const taking = this.taking;
    let bytes = 0;
    for (const sub of this.ready) {
      for (const u of sub.queue) bytes += headerSize(u.payload.length, u.count) + u.payload.length;
      taking.push(sub);
      if (bytes >= MAX_FLUSH_BYTES) break;
    }
    const buf = this.out.reserve(bytes);
    const start = this.out.offset;
    let off = start;
    for (const sub of taking) {
      for (const u of sub.queue) {
        off += writeHeader(
          buf,
          off,
          CA_PROTO_EVENT_ADD,
          u.payload.length,
          sub.dbrType,
          u.count,
          u.status,
          sub.id,
        );
        off += u.payload.copy(buf, off);
      }
      sub.queue.length = 0;
    }
    this.out.commit(off - start);
    if (taking.length === this.ready.size) this.ready.clear();
    else for (const sub of taking) this.ready.delete(sub);
    taking.length = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelWait?.();
    this.cancelWait = undefined;
    this.inbox = NO_REQUESTS;
    this.releaseWaiters();
    for (const sub of [...this.subscriptions.values()]) this.dropSubscription(sub);
    for (const ch of this.channels.values()) ch.cleared = true;
    this.channels.clear();
    this.transport.close();
  }
}
