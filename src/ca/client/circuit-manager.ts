// The TCP side of a CaClient: one CircuitSocket per server, attaching channels to them, turning
// circuit events into channel state, request settlement and exceptions, and taking channels down
// (then back to the resolver) when a server drops them or the circuit is lost. Remembers why each
// channel last failed. Does not search and does not own requests in flight.
import { CA_PROTO_ACCESS_RIGHT_READ, CA_PROTO_ACCESS_RIGHT_WRITE } from '../constants.js';
import { GwError } from '../../errors.js';
import { CaStatusError } from './ca-error.js';
import type { Channel } from './channel.js';
import type { CircuitEvent } from './circuit.js';
import { CircuitSocket } from './circuit-socket.js';
import type { ClientHooks } from './client-context.js';
import type { ClientConfig } from './config.js';
import type { NameResolver } from './name-resolver.js';
import type { RequestTracker } from './request-tracker.js';

export interface CircuitManagerDeps {
  config: ClientConfig;
  hooks: ClientHooks;
  userName: string;
  hostName: string;
  /** Open channels by CID. */
  channels: ReadonlyMap<number, Channel>;
  /** Where lost channels go to be found again. */
  resolver: NameResolver;
  requests: RequestTracker;
}

export class CircuitManager {
  private readonly circuits = new Map<string, CircuitSocket>();
  /** Why each channel last lost (or failed to reach) its server, for timeout messages. */
  private readonly lastFailures = new Map<number, string>();
  private readonly resolver: NameResolver;
  private readonly requests: RequestTracker;

  constructor(private readonly deps: CircuitManagerDeps) {
    this.resolver = deps.resolver;
    this.requests = deps.requests;
  }

  attach(ch: Channel, host: string, port: number, serverMinor: number): void {
    const key = `${host}:${port}`;
    let c = this.circuits.get(key);
    if (!c || c.isClosed) {
      c = new CircuitSocket(
        host,
        port,
        {
          userName: this.deps.userName,
          hostName: this.deps.hostName,
          connTmoMs: this.deps.config.connTmoMs,
          echoTimeoutMs: this.deps.config.echoTimeoutMs,
          serverMinor: serverMinor || undefined,
        },
        {
          onEvents: (sock, events) => this.onCircuitEvents(sock, events),
          onClose: (sock, reason) => this.onCircuitClosed(sock, reason),
        },
      );
      this.circuits.set(key, c);
    }
    ch.moveTo('connecting'); // searching|disconnected -> connecting
    ch.server = key;
    c.channels.add(ch.cid);
    c.circuit.createChannel(ch.cid, ch.name);
    c.flushSoon();
  }

  circuitOf(ch: Channel): CircuitSocket | undefined {
    if (ch.server === undefined) return undefined;
    const c = this.circuits.get(ch.server);
    return c && c.channels.has(ch.cid) ? c : undefined;
  }

  lastFailure(cid: number): string | undefined {
    return this.lastFailures.get(cid);
  }

  /** The application closed the channel: clear it on its server and forget its failures. */
  detach(ch: Channel): void {
    this.lastFailures.delete(ch.cid);
    const c = this.circuitOf(ch);
    if (c) {
      c.circuit.clearChannel(ch.cid);
      c.channels.delete(ch.cid);
      c.flushSoon();
    }
  }

  /** Closes every circuit; each wait resolves a turn after its close was started. */
  closeAll(): Promise<void>[] {
    const waits: Promise<void>[] = [];
    for (const c of this.circuits.values()) {
      waits.push(new Promise((r) => setImmediate(r)));
      c.close('client closed');
    }
    this.circuits.clear();
    return waits;
  }

  private onCircuitEvents(sock: CircuitSocket, events: CircuitEvent[]): void {
    const { channels, hooks } = this.deps;
    for (const ev of events) {
      switch (ev.type) {
        case 'connected':
          this.onConnected(sock, ev);
          break;
        case 'accessRights': {
          const ch = channels.get(ev.cid);
          if (!ch) break;
          ch.accessRights = rightsOf(ev.rights);
          hooks.deliver(ch, () => ch.emit('access', ch.accessRights));
          break;
        }
        case 'createFailed':
        case 'channelDisconnected': {
          const ch = channels.get(ev.cid);
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
          this.requests.onReply(ev.ioid, ev.status, ev.data);
          break;
        case 'writeReply':
          this.requests.onReply(ev.ioid, ev.status, undefined);
          break;
        case 'monitorUpdate':
          this.requests.onMonitorUpdate(ev.subid, ev.status, ev.data);
          break;
        case 'subscriptionCancelled':
          break;
        case 'requestFailed':
          this.onRequestFailed(sock, ev);
          break;
        case 'unresponsive':
          hooks.emitException({
            error: new GwError(
              'GW_CA_TIMEOUT',
              `server ${sock.key} did not answer ECHO: circuit unresponsive`,
            ),
            server: sock.key,
          });
          break;
        case 'protocolError':
          hooks.emitException({ error: ev.error, server: sock.key });
          break;
      }
    }
  }

  private onConnected(sock: CircuitSocket, ev: Extract<CircuitEvent, { type: 'connected' }>): void {
    const ch = this.deps.channels.get(ev.cid);
    if (!ch) return;
    ch.nativeType = ev.nativeType;
    ch.nativeCount = ev.nativeCount;
    ch.accessRights = rightsOf(ev.rights);
    ch.serverMinor = sock.circuit.serverMinor;
    ch.server = sock.key;
    ch.moveTo('connected'); // connecting -> connected
    this.resolver.resolved(ch.cid);
    this.lastFailures.delete(ch.cid);
    this.requests.installMonitorsOf(ch);
    sock.flushSoon();
    this.deps.hooks.deliver(ch, () => ch.emit('access', ch.accessRights));
    this.deps.hooks.deliver(ch, () => ch.emit('connection', true));
  }

  private onRequestFailed(sock: CircuitSocket, ev: Extract<CircuitEvent, { type: 'requestFailed' }>): void {
    const detail = ev.text ? ` (${ev.text})` : '';
    if (
      (ev.kind === 'io' || ev.kind === 'subscription') &&
      this.requests.onRequestFailed(ev.kind, ev.id, ev.eca, detail)
    ) {
      return;
    }
    const ch = ev.kind === 'write' ? this.deps.channels.get(ev.id) : undefined;
    this.deps.hooks.emitException({
      error: new CaStatusError(ev.eca, `${ch ? `${ch.name}: put` : `server ${sock.key}`}${detail}`),
      channel: ch,
      server: sock.key,
    });
  }

  private onCircuitClosed(sock: CircuitSocket, reason: string): void {
    if (this.circuits.get(sock.key) === sock) this.circuits.delete(sock.key);
    for (const cid of sock.channels) {
      const ch = this.deps.channels.get(cid);
      if (ch) this.channelDown(ch, `circuit to ${sock.key} lost: ${reason}`);
    }
    sock.channels.clear();
  }

  /** A channel lost its server: fail its requests, tell listeners, find it again. */
  private channelDown(ch: Channel, reason: string, refused = false): void {
    const wasUp = ch.state === 'connected';
    ch.moveTo(wasUp ? 'disconnected' : 'searching'); // connected -> disconnected, connecting -> searching
    ch.accessRights = { read: false, write: false };
    this.lastFailures.set(ch.cid, reason);
    this.requests.failPending(ch, () => new GwError('GW_CA_DISCONNECTED', `${ch.name}: ${reason}`));
    if (wasUp) this.deps.hooks.deliver(ch, () => ch.emit('connection', false));
    this.resolver.resolveAgain(ch, refused);
  }
}

function rightsOf(bits: number): { read: boolean; write: boolean } {
  return {
    read: (bits & CA_PROTO_ACCESS_RIGHT_READ) !== 0,
    write: (bits & CA_PROTO_ACCESS_RIGHT_WRITE) !== 0,
  };
}
