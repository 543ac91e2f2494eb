// CaClient: the I/O shell of the CA client. Owns the UDP search socket, one CircuitSocket per server,
// the timers, and the maps from CID/IOID/subscription id to channels, pending requests and monitors.
// Protocol decisions live in SearchEngine and ClientCircuit; this file only wires events to promises,
// callbacks and reconnection (lost circuit -> channels search again -> subscriptions re-installed).
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  CA_PROTO_ACCESS_RIGHT_READ,
  CA_PROTO_ACCESS_RIGHT_WRITE,
  DBE_ALARM,
  DBE_VALUE,
  ECA_BADCOUNT,
  ECA_BADMASK,
  ECA_BADTYPE,
  ECA_NORDACCESS,
  ECA_NORMAL,
  ECA_NOWTACCESS,
} from '../constants.js';
import { FAMILY_TIME, isValidDbrType, nativeToDbr } from '../dbr.js';
import { GwError } from '../../errors.js';
import { CaStatusError } from './ca-error.js';
import { defaultPutType, encodePut, toCaValue, type CaValue, type PutValue } from './ca-value.js';
import type { CircuitEvent } from './circuit.js';
import { CircuitSocket } from './circuit-socket.js';
import { parseHostPort, resolveClientConfig, type CaClientOptions, type ClientConfig } from './config.js';
import {
  Channel,
  type ChannelHost,
  type GetOptions,
  type PutOptions,
  type SubscribeOptions,
  type Subscription,
} from './channel.js';
import { BeaconTracker, repeaterRegisterMessage } from './beacon-tracker.js';
import { SearchEngine } from './search-engine.js';

interface PendingIo {
  channel: Channel;
  what: string;
  timer: NodeJS.Timeout;
  resolve(v: CaValue | undefined): void;
  reject(err: Error): void;
}

interface MonitorEntry {
  id: number;
  channel: Channel;
  opts: SubscribeOptions;
  cb: (v: CaValue) => void;
}

/** Something went wrong that no pending request owns (libca's exception handler). */
export interface CaException {
  error: Error;
  channel?: Channel;
  server?: string;
}

const DEFAULT_IO_TIMEOUT_MS = 5000;
/** Internal event on a Channel when the application closes it (ends pending connection waits). */
const CLOSED = Symbol('closed');
/** Longest pause between reconnection attempts of a direct (no search) channel. */
const DIRECT_RETRY_MAX_MS = 5000;
/** Pause before searching again for a channel the server refused to create (CREATE_CH_FAIL). */
const REFUSED_RESEARCH_DELAY_MS = 1000;
/** At most one search restart per this period, however many beacon anomalies arrive. */
const ANOMALY_RESTART_MIN_MS = 1000;
const REPEATER_REGISTER_INTERVAL_MS = 1000;
const REPEATER_REGISTER_ATTEMPTS = 10;

function defaultUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

/**
 * A Channel Access client context (libca's ca_context). Events: 'exception' (CaException) for
 * failures no request owns: a server breaking the protocol, an unresponsive circuit, a refused WRITE.
 */
export class CaClient extends EventEmitter implements ChannelHost {
  readonly config: ClientConfig;
  private readonly search: SearchEngine;
  private readonly channels = new Map<number, Channel>();
  private readonly circuits = new Map<string, CircuitSocket>();
  private readonly pending = new Map<number, PendingIo>();
  private readonly monitors = new Map<number, MonitorEntry>();
  private readonly directRetries = new Map<number, { attempts: number; timer?: NodeJS.Timeout }>();
  /** Why each channel last lost (or failed to reach) its server, for timeout messages. */
  private readonly lastFailure = new Map<number, string>();
  private udp: dgram.Socket | undefined;
  private udpReady = false;
  private searchTimer: NodeJS.Timeout | undefined;
  private readonly beacons = new BeaconTracker();
  private lastAnomalyRestartMs = -Infinity;
  private repeaterTimer: NodeJS.Timeout | undefined;
  private repeaterConfirmed = false;
  private nextId = 1;
  private closed = false;
  private readonly userName: string;
  private readonly hostName: string;

  constructor(options: CaClientOptions = {}) {
    super();
    this.config = resolveClientConfig(options, os.networkInterfaces());
    this.search = new SearchEngine({ maxPeriodMs: this.config.maxSearchPeriodMs });
    this.userName = options.userName ?? defaultUser();
    this.hostName = options.hostName ?? os.hostname();
  }

  /** Creates a channel; with `server` ('host:port' or 'host') it connects directly, without a search. */
  channel(name: string, opts: { server?: string } = {}): Channel {
    if (this.closed) throw new GwError('GW_INTERNAL', 'CaClient is closed');
    if (name.length === 0 || name.length > 500) {
      throw new GwError('GW_USAGE', `bad PV name '${name.slice(0, 40)}': 1..500 characters expected`);
    }
    const cid = this.allocId();
    let direct: string | undefined;
    if (opts.server !== undefined) {
      const d = parseHostPort(opts.server, this.config.serverPort);
      direct = `${d.host}:${d.port}`;
    }
    const ch = new Channel(name, cid, this, direct);
    this.channels.set(cid, ch);
    this.startResolving(ch);
    return ch;
  }

  /** Closes every channel and socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ch of [...this.channels.values()]) this.closeChannel(ch);
    clearTimeout(this.searchTimer);
    clearTimeout(this.repeaterTimer);
    const waits: Promise<void>[] = [];
    for (const c of this.circuits.values()) {
      waits.push(new Promise((r) => setImmediate(r)));
      c.close('client closed');
    }
    this.circuits.clear();
    if (this.udp) {
      const udp = this.udp;
      waits.push(new Promise((r) => udp.close(() => r())));
      this.udp = undefined;
    }
    await Promise.all(waits);
  }

  // ---- ChannelHost ----------------------------------------------------------------------------

  waitConnected(ch: Channel, timeoutMs: number): Promise<void> {
    if (ch.state === 'connected') return Promise.resolve();
    if (ch.state === 'closed') return Promise.reject(this.closedError(ch));
    return new Promise((resolve, reject) => {
      const onConn = (up: boolean): void => {
        if (!up) return;
        cleanup();
        resolve();
      };
      const onClosed = (): void => {
        cleanup();
        reject(this.closedError(ch));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new GwError('GW_CA_TIMEOUT', this.connectTimeoutText(ch, timeoutMs)));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        ch.off('connection', onConn);
        ch.off(CLOSED, onClosed);
      };
      ch.on('connection', onConn);
      ch.on(CLOSED, onClosed);
    });
  }

  get(ch: Channel, opts: GetOptions): Promise<CaValue> {
    const checked = this.checkReady(ch, CA_PROTO_ACCESS_RIGHT_READ, ECA_NORDACCESS, 'get');
    if (checked) return Promise.reject(checked);
    const dbrType = opts.dbrType ?? nativeToDbr(ch.nativeType!, FAMILY_TIME);
    if (!isValidDbrType(dbrType)) return Promise.reject(new CaStatusError(ECA_BADTYPE, `${ch.name}: get`));
    const count = this.resolveCount(ch, opts.count);
    if (count === undefined) return Promise.reject(new CaStatusError(ECA_BADCOUNT, `${ch.name}: get`));
    const circuit = this.circuitOf(ch)!;
    const ioid = this.allocId();
    const done = this.track<CaValue>(ioid, ch, 'get', opts.timeoutMs);
    circuit.circuit.read(ch.cid, dbrType, count, ioid);
    circuit.flushSoon();
    return done;
  }

  put(ch: Channel, value: PutValue, opts: PutOptions): Promise<void> {
    const checked = this.checkReady(ch, CA_PROTO_ACCESS_RIGHT_WRITE, ECA_NOWTACCESS, 'put');
    if (checked) return Promise.reject(checked);
    let encoded: { payload: Buffer; count: number };
    try {
      encoded = encodePut(value, opts.dbrType ?? defaultPutType(value, ch.nativeType!));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (encoded.count > ch.nativeCount) {
      return Promise.reject(new CaStatusError(ECA_BADCOUNT, `${ch.name}: put of ${encoded.count} elements`));
    }
    const dbrType = opts.dbrType ?? defaultPutType(value, ch.nativeType!);
    const circuit = this.circuitOf(ch)!;
    if (!opts.wait) {
      circuit.circuit.write(ch.cid, dbrType, encoded.count, encoded.payload);
      circuit.flushSoon();
      return Promise.resolve();
    }
    const ioid = this.allocId();
    const done = this.track<undefined>(ioid, ch, 'put', opts.timeoutMs);
    circuit.circuit.write(ch.cid, dbrType, encoded.count, encoded.payload, ioid);
    circuit.flushSoon();
    return done;
  }

  subscribe(ch: Channel, opts: SubscribeOptions, cb: (v: CaValue) => void): Subscription {
    if (ch.state === 'closed') throw this.closedError(ch);
    if (opts.mask === 0) throw new CaStatusError(ECA_BADMASK, `${ch.name}: subscribe`);
    if (opts.dbrType !== undefined && !isValidDbrType(opts.dbrType)) {
      throw new CaStatusError(ECA_BADTYPE, `${ch.name}: subscribe`);
    }
    const id = this.allocId();
    const entry: MonitorEntry = { id, channel: ch, opts, cb };
    this.monitors.set(id, entry);
    if (ch.state === 'connected') this.installMonitor(entry);
    return {
      id,
      cancel: () => {
        if (!this.monitors.delete(id)) return;
        const c = this.circuitOf(ch);
        if (c && ch.state === 'connected') {
          c.circuit.unsubscribe(id);
          c.flushSoon();
        }
      },
    };
  }

  closeChannel(ch: Channel): void {
    if (ch.state === 'closed') return;
    this.search.remove(ch.cid);
    const retry = this.directRetries.get(ch.cid);
    clearTimeout(retry?.timer);
    this.directRetries.delete(ch.cid);
    this.lastFailure.delete(ch.cid);
    const c = this.circuitOf(ch);
    if (c) {
      c.circuit.clearChannel(ch.cid);
      c.channels.delete(ch.cid);
      c.flushSoon();
    }
    for (const [id, m] of this.monitors) if (m.channel === ch) this.monitors.delete(id);
    this.failPending(ch, () => this.closedError(ch));
    // Like ca_clear_channel: no connection callback for a channel the application closed itself.
    ch.state = 'closed';
    this.channels.delete(ch.cid);
    ch.emit(CLOSED);
  }

  // ---- resolution -----------------------------------------------------------------------------

  private startResolving(ch: Channel, searchDelayMs = 0): void {
    if (ch.directServer !== undefined) {
      const d = parseHostPort(ch.directServer, this.config.serverPort);
      this.attach(ch, d.host, d.port, 0);
      return;
    }
    ch.state = 'searching';
    ch.server = undefined;
    this.search.add(ch.cid, ch.name, performance.now() + searchDelayMs);
    this.ensureUdp();
    this.scheduleSearch();
  }

  /**
   * Re-resolves after a loss: searched channels search again (after a pause when the server refused
   * the channel, so a server that answers searches but refuses creation is not hammered); direct ones
   * reconnect with back-off, capped low so the agent notices its own gateways coming back quickly.
   */
  private resolveAgain(ch: Channel, refused: boolean): void {
    if (this.closed || ch.state === 'closed') return;
    if (ch.directServer === undefined) {
      this.startResolving(ch, refused ? REFUSED_RESEARCH_DELAY_MS : 0);
      return;
    }
    ch.state = 'connecting';
    const retry = this.directRetries.get(ch.cid) ?? { attempts: 0 };
    retry.attempts++;
    clearTimeout(retry.timer);
    retry.timer = setTimeout(
      () => {
        retry.timer = undefined;
        if (ch.state !== 'closed' && !this.closed) this.startResolving(ch);
      },
      Math.min(this.search.periodAfter(retry.attempts), DIRECT_RETRY_MAX_MS),
    );
    retry.timer.unref();
    this.directRetries.set(ch.cid, retry);
  }

  private ensureUdp(): void {
    if (this.udp || this.closed) return;
    const udp = dgram.createSocket('udp4');
    this.udp = udp;
    udp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address));
    udp.on('error', (err) => this.emitException({ error: err }));
    udp.bind(0, () => {
      udp.setBroadcast(true);
      this.udpReady = true;
      this.registerWithRepeater(1);
      this.scheduleSearch();
    });
    udp.unref();
  }

  /** Asks a local caRepeater to forward beacons to the search socket, as libca does, until it confirms. */
  private registerWithRepeater(attempt: number): void {
    const udp = this.udp;
    if (!udp || this.closed || this.repeaterConfirmed || attempt > REPEATER_REGISTER_ATTEMPTS) return;
    // Without a repeater nobody answers; that only means no beacon anomalies, so errors are ignored.
    udp.send(repeaterRegisterMessage(), this.config.repeaterPort, '127.0.0.1', () => {});
    this.repeaterTimer = setTimeout(
      () => this.registerWithRepeater(attempt + 1),
      REPEATER_REGISTER_INTERVAL_MS,
    );
    this.repeaterTimer.unref();
  }

  private scheduleSearch(): void {
    if (!this.udpReady || this.closed) return;
    clearTimeout(this.searchTimer);
    const due = this.search.nextDueMs();
    if (due === undefined) return;
    const delay = Math.max(0, due - performance.now());
    this.searchTimer = setTimeout(() => this.runSearch(), Math.ceil(delay));
    this.searchTimer.unref();
  }

  private runSearch(): void {
    const udp = this.udp;
    if (!udp || this.closed) return;
    const datagrams = this.search.poll(performance.now());
    for (const d of datagrams) {
      for (const dest of this.config.searchDestinations) {
        udp.send(d, dest.port, dest.host, (err) => {
          if (err) this.emitException({ error: err, server: `${dest.host}:${dest.port}` });
        });
      }
    }
    // Names left due (more than one poll's worth of datagrams) go out a moment later.
    const due = this.search.nextDueMs();
    if (due !== undefined && due <= performance.now()) {
      this.searchTimer = setTimeout(() => this.runSearch(), 5);
      this.searchTimer.unref();
    } else this.scheduleSearch();
  }

  private onDatagram(msg: Buffer, from: string): void {
    const now = performance.now();
    const beacon = this.beacons.handleDatagram(msg, from, now);
    if (beacon.repeaterConfirmed) {
      this.repeaterConfirmed = true;
      clearTimeout(this.repeaterTimer);
    }
    if (beacon.anomaly && this.search.size > 0 && now - this.lastAnomalyRestartMs >= ANOMALY_RESTART_MIN_MS) {
      // A server appeared or came back: everything unresolved is searched again from the fast start.
      this.lastAnomalyRestartMs = now;
      this.search.restart(now);
    }
    for (const hit of this.search.handleDatagram(msg, from)) {
      const ch = this.channels.get(hit.cid);
      if (ch?.state === 'searching') this.attach(ch, hit.host, hit.port, hit.serverMinor);
    }
    this.scheduleSearch();
  }

  private attach(ch: Channel, host: string, port: number, serverMinor: number): void {
    const key = `${host}:${port}`;
    let c = this.circuits.get(key);
    if (!c || c.isClosed) {
      c = new CircuitSocket(
        host,
        port,
        {
          userName: this.userName,
          hostName: this.hostName,
          connTmoMs: this.config.connTmoMs,
          echoTimeoutMs: this.config.echoTimeoutMs,
          serverMinor: serverMinor || undefined,
        },
        {
          onEvents: (sock, events) => this.onCircuitEvents(sock, events),
          onClose: (sock, reason) => this.onCircuitClosed(sock, reason),
        },
      );
      this.circuits.set(key, c);
    }
    ch.state = 'connecting';
    ch.server = key;
    c.channels.add(ch.cid);
    c.circuit.createChannel(ch.cid, ch.name);
    c.flushSoon();
  }

  // ---- circuit events -------------------------------------------------------------------------

  private onCircuitEvents(sock: CircuitSocket, events: CircuitEvent[]): void {
    for (const ev of events) {
      switch (ev.type) {
        case 'connected':
          this.onConnected(sock, ev);
          break;
        case 'accessRights': {
          const ch = this.channels.get(ev.cid);
          if (!ch) break;
          ch.accessRights = rightsOf(ev.rights);
          this.deliver(ch, () => ch.emit('access', ch.accessRights));
          break;
        }
        case 'createFailed':
        case 'channelDisconnected': {
          const ch = this.channels.get(ev.cid);
          if (!ch) break;
          sock.channels.delete(ev.cid);
          this.channelDown(
            ch,
            ev.type === 'createFailed'
              ? 'server refused to create the channel'
              : 'server disconnected the channel',
            ev.type === 'createFailed',
          );
          break;
        }
        case 'readReply':
        case 'writeReply': {
          const io = this.pending.get(ev.ioid);
          if (!io) break;
          this.settle(ev.ioid);
          if (ev.status !== ECA_NORMAL)
            io.reject(new CaStatusError(ev.status, `${io.channel.name}: ${io.what}`));
          else
            io.resolve(ev.type === 'readReply' ? toCaValue(ev.data, io.channel.nativeCount > 1) : undefined);
          break;
        }
        case 'monitorUpdate': {
          const m = this.monitors.get(ev.subid);
          if (!m) break;
          if (ev.status !== ECA_NORMAL) {
            const err = new CaStatusError(ev.status, `${m.channel.name}: monitor update`);
            this.deliver(m.channel, () => m.opts.onError?.(err));
          } else {
            const value = toCaValue(ev.data, m.channel.nativeCount > 1);
            this.deliver(m.channel, () => m.cb(value));
          }
          break;
        }
        case 'subscriptionCancelled':
          break;
        case 'requestFailed':
          this.onRequestFailed(sock, ev);
          break;
        case 'unresponsive':
          this.emitException({
            error: new GwError(
              'GW_CA_TIMEOUT',
              `server ${sock.key} did not answer ECHO: circuit unresponsive`,
            ),
            server: sock.key,
          });
          break;
        case 'protocolError':
          this.emitException({ error: ev.error, server: sock.key });
          break;
      }
    }
  }

  private onConnected(sock: CircuitSocket, ev: Extract<CircuitEvent, { type: 'connected' }>): void {
    const ch = this.channels.get(ev.cid);
    if (!ch) return;
    ch.nativeType = ev.nativeType;
    ch.nativeCount = ev.nativeCount;
    ch.accessRights = rightsOf(ev.rights);
    ch.serverMinor = sock.circuit.serverMinor;
    ch.server = sock.key;
    ch.state = 'connected';
    this.directRetries.delete(ch.cid);
    this.lastFailure.delete(ch.cid);
    for (const m of this.monitors.values()) if (m.channel === ch) this.installMonitor(m);
    sock.flushSoon();
    this.deliver(ch, () => ch.emit('access', ch.accessRights));
    this.deliver(ch, () => ch.emit('connection', true));
  }

  private onRequestFailed(sock: CircuitSocket, ev: Extract<CircuitEvent, { type: 'requestFailed' }>): void {
    const detail = ev.text ? ` (${ev.text})` : '';
    if (ev.kind === 'io') {
      const io = this.pending.get(ev.id);
      if (io) {
        this.settle(ev.id);
        io.reject(new CaStatusError(ev.eca, `${io.channel.name}: ${io.what}${detail}`));
        return;
      }
    }
    if (ev.kind === 'subscription') {
      const m = this.monitors.get(ev.id);
      if (m) {
        this.monitors.delete(ev.id);
        const err = new CaStatusError(ev.eca, `${m.channel.name}: subscription${detail}`);
        this.deliver(m.channel, () => m.opts.onError?.(err));
        return;
      }
    }
    const ch = ev.kind === 'write' ? this.channels.get(ev.id) : undefined;
    this.emitException({
      error: new CaStatusError(ev.eca, `${ch ? `${ch.name}: put` : `server ${sock.key}`}${detail}`),
      channel: ch,
      server: sock.key,
    });
  }

  private onCircuitClosed(sock: CircuitSocket, reason: string): void {
    if (this.circuits.get(sock.key) === sock) this.circuits.delete(sock.key);
    for (const cid of sock.channels) {
      const ch = this.channels.get(cid);
      if (ch) this.channelDown(ch, `circuit to ${sock.key} lost: ${reason}`);
    }
    sock.channels.clear();
  }

  /** A channel lost its server: fail its requests, tell listeners, find it again. */
  private channelDown(ch: Channel, reason: string, refused = false): void {
    const wasUp = ch.state === 'connected';
    ch.state = 'searching';
    ch.accessRights = { read: false, write: false };
    this.lastFailure.set(ch.cid, reason);
    this.failPending(ch, () => new GwError('GW_CA_DISCONNECTED', `${ch.name}: ${reason}`));
    if (wasUp) this.deliver(ch, () => ch.emit('connection', false));
    this.resolveAgain(ch, refused);
  }

  private installMonitor(m: MonitorEntry): void {
    const ch = m.channel;
    const c = this.circuitOf(ch);
    if (!c) return;
    const dbrType = m.opts.dbrType ?? nativeToDbr(ch.nativeType!, FAMILY_TIME);
    const count = this.resolveCount(ch, m.opts.count) ?? ch.nativeCount;
    c.circuit.subscribe(ch.cid, m.id, dbrType, count, m.opts.mask ?? DBE_VALUE | DBE_ALARM);
    c.flushSoon();
  }

  // ---- helpers --------------------------------------------------------------------------------

  private allocId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
    return id;
  }

  private circuitOf(ch: Channel): CircuitSocket | undefined {
    if (ch.server === undefined) return undefined;
    const c = this.circuits.get(ch.server);
    return c && c.channels.has(ch.cid) ? c : undefined;
  }

  /** libca's client-side checks before a request: connected, permitted. */
  private checkReady(ch: Channel, right: number, eca: number, what: string): Error | undefined {
    if (ch.state === 'closed') return this.closedError(ch);
    if (ch.state !== 'connected' || !this.circuitOf(ch)) {
      return new GwError('GW_CA_DISCONNECTED', `${ch.name}: ${what} on a channel that is not connected`);
    }
    const ok = right === CA_PROTO_ACCESS_RIGHT_READ ? ch.accessRights.read : ch.accessRights.write;
    return ok ? undefined : new CaStatusError(eca, `${ch.name}: ${what}`);
  }

  /** undefined = more than the channel holds (libca: ECA_BADCOUNT). */
  private resolveCount(ch: Channel, count: number | undefined): number | undefined {
    if (count === undefined || count === 0) {
      // Count 0 ("current size") is only understood by servers >= V4.13 (§8.3).
      return ch.serverMinor >= 13 ? 0 : ch.nativeCount;
    }
    if (!Number.isInteger(count) || count < 0 || count > ch.nativeCount) return undefined;
    return count;
  }

  private track<T>(ioid: number, ch: Channel, what: string, timeoutMs = DEFAULT_IO_TIMEOUT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ioid);
        reject(new GwError('GW_CA_TIMEOUT', `${ch.name}: ${what} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(ioid, {
        channel: ch,
        what,
        timer,
        resolve: resolve as (v: CaValue | undefined) => void,
        reject,
      });
    });
  }

  private settle(ioid: number): void {
    const io = this.pending.get(ioid);
    if (!io) return;
    clearTimeout(io.timer);
    this.pending.delete(ioid);
  }

  private failPending(ch: Channel, makeError: () => Error): void {
    for (const [ioid, io] of this.pending) {
      if (io.channel !== ch) continue;
      this.settle(ioid);
      io.reject(makeError());
    }
  }

  private closedError(ch: Channel): GwError {
    return new GwError('GW_CA_DISCONNECTED', `${ch.name}: channel is closed`);
  }

  private connectTimeoutText(ch: Channel, timeoutMs: number): string {
    const failure = this.lastFailure.get(ch.cid);
    if (ch.directServer !== undefined) {
      const why = failure ? ` (last attempt: ${failure})` : '';
      return `channel '${ch.name}' did not connect to ${ch.directServer} within ${timeoutMs} ms${why}`;
    }
    if (this.config.searchDestinations.length === 0) {
      return `channel '${ch.name}' cannot be searched: EPICS_CA_ADDR_LIST is empty and EPICS_CA_AUTO_ADDR_LIST=NO`;
    }
    const where = this.config.searchDestinations.map((d) => `${d.host}:${d.port}`).join(' ');
    const why = failure ? `; last attempt: ${failure}` : '';
    return `channel '${ch.name}' did not connect within ${timeoutMs} ms (searched ${where}${why})`;
  }

  /**
   * Runs an application callback. One that throws must not abandon the rest of a received chunk (the
   * circuit would be left half-processed): its error goes to 'exception' listeners, or is rethrown
   * outside the socket handler when there are none, so it is never silently lost.
   */
  private deliver(ch: Channel, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (this.listenerCount('exception') > 0) this.emitException({ error, channel: ch });
      else
        queueMicrotask(() => {
          throw error;
        });
    }
  }

  private emitException(ex: CaException): void {
    this.emit('exception', ex);
  }
}

function rightsOf(bits: number): { read: boolean; write: boolean } {
  return {
    read: (bits & CA_PROTO_ACCESS_RIGHT_READ) !== 0,
    write: (bits & CA_PROTO_ACCESS_RIGHT_WRITE) !== 0,
  };
}
