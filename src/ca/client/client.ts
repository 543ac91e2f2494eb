// CaClient: the public owner of a CA client context. Owns the channel table, the id counter, the
// 'exception' event and the closing of everything; composes NameResolver (search, UDP), CircuitManager
// (TCP circuits, channel state, reconnection) and RequestTracker (get/put/subscribe in flight).
// Protocol decisions live in SearchEngine and ClientCircuit; this file holds no protocol logic.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { GwError } from '../../errors.js';
import { pvNameProblem } from '../pv-name.js';
import type { CaValue, PutValue } from './ca-value.js';
import {
  Channel,
  type ChannelHost,
  type GetOptions,
  type PutOptions,
  type SubscribeOptions,
  type Subscription,
} from './channel.js';
import { CircuitManager } from './circuit-manager.js';
import { closedError, type CaException, type ClientHooks } from './client-context.js';
import { parseHostPort, resolveClientConfig, type CaClientOptions, type ClientConfig } from './config.js';
import { NameResolver } from './name-resolver.js';
import { RequestTracker } from './request-tracker.js';

export type { CaException } from './client-context.js';

/** Internal event on a Channel when the application closes it (ends pending connection waits). */
const CLOSED = Symbol('closed');

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
  private readonly channels = new Map<number, Channel>();
  private readonly resolver: NameResolver;
  private readonly circuits: CircuitManager;
  private readonly requests: RequestTracker;
  private nextId = 1;
  private closed = false;

  constructor(options: CaClientOptions = {}) {
    super();
    this.config = resolveClientConfig(options, os.networkInterfaces());
    const hooks: ClientHooks = {
      allocId: () => this.allocId(),
      deliver: (ch, fn) => this.deliver(ch, fn),
      emitException: (ex) => this.emitException(ex),
    };
    this.requests = new RequestTracker(hooks, (ch) => this.circuits.circuitOf(ch));
    this.resolver = new NameResolver({
      config: this.config,
      hooks,
      channels: this.channels,
      isClosed: () => this.closed,
      attach: (ch, host, port, serverMinor) => this.circuits.attach(ch, host, port, serverMinor),
    });
    this.circuits = new CircuitManager({
      config: this.config,
      hooks,
      userName: options.userName ?? defaultUser(),
      hostName: options.hostName ?? os.hostname(),
      channels: this.channels,
      resolver: this.resolver,
      requests: this.requests,
    });
  }

  /** Creates a channel; with `server` ('host:port' or 'host') it connects directly, without a search. */
  channel(name: string, opts: { server?: string } = {}): Channel {
    if (this.closed) throw new GwError('GW_INTERNAL', 'CaClient is closed');
    const problem = pvNameProblem(name);
    if (problem !== undefined) throw new GwError('GW_USAGE', problem);
    const cid = this.allocId();
    let direct: string | undefined;
    if (opts.server !== undefined) {
      const d = parseHostPort(opts.server, this.config.serverPort);
      direct = `${d.host}:${d.port}`;
    }
    const ch = new Channel(name, cid, this, direct);
    this.channels.set(cid, ch);
    this.resolver.startResolving(ch);
    return ch;
  }

  /** Closes every channel and socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ch of [...this.channels.values()]) this.closeChannel(ch);
    const waits = this.circuits.closeAll();
    const udpClosed = this.resolver.close();
    if (udpClosed) waits.push(udpClosed);
    await Promise.all(waits);
  }

  // ---- ChannelHost ----------------------------------------------------------------------------

  waitConnected(ch: Channel, timeoutMs: number): Promise<void> {
    if (ch.state === 'connected') return Promise.resolve();
    if (ch.state === 'closed') return Promise.reject(closedError(ch));
    return new Promise((resolve, reject) => {
      const onConn = (up: boolean): void => {
        if (!up) return;
        cleanup();
        resolve();
      };
      const onClosed = (): void => {
        cleanup();
        reject(closedError(ch));
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
    return this.requests.get(ch, opts);
  }

  put(ch: Channel, value: PutValue, opts: PutOptions): Promise<void> {
    return this.requests.put(ch, value, opts);
  }

  subscribe(ch: Channel, opts: SubscribeOptions, cb: (v: CaValue) => void): Subscription {
    return this.requests.subscribe(ch, opts, cb);
  }

  closeChannel(ch: Channel): void {
    if (ch.state === 'closed') return;
    this.resolver.forget(ch.cid);
    this.circuits.detach(ch);
    this.requests.dropMonitorsOf(ch);
    this.requests.failPending(ch, () => closedError(ch));
    // Like ca_clear_channel: no connection callback for a channel the application closed itself.
    ch.moveTo('closed'); // any -> closed
    this.channels.delete(ch.cid);
    ch.emit(CLOSED);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private allocId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
    return id;
  }

  private connectTimeoutText(ch: Channel, timeoutMs: number): string {
    const failure = this.circuits.lastFailure(ch.cid);
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
