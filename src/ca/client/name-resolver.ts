// Finding a server for each channel: the UDP search socket, caRepeater registration, search timing
// (SearchEngine decides, this file sends), beacon anomalies, and the back-off of direct channels.
// Hands each resolved channel to `attach`; owns no circuits, requests or application callbacks.
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { BeaconTracker, repeaterRegisterMessage } from './beacon-tracker.js';
import type { Channel } from './channel.js';
import { isLookingForServer } from './channel-state.js';
import type { ClientHooks } from './client-context.js';
import { parseHostPort, type ClientConfig } from './config.js';
import { SearchEngine } from './search-engine.js';

/** Longest pause between reconnection attempts of a direct (no search) channel. */
const DIRECT_RETRY_MAX_MS = 5000;
/** Pause before searching again for a channel the server refused to create (CREATE_CH_FAIL). */
const REFUSED_RESEARCH_DELAY_MS = 1000;
/** At most one search restart per this period, however many beacon anomalies arrive. */
const ANOMALY_RESTART_MIN_MS = 1000;
const REPEATER_REGISTER_INTERVAL_MS = 1000;
const REPEATER_REGISTER_ATTEMPTS = 10;

export interface NameResolverDeps {
  config: ClientConfig;
  hooks: ClientHooks;
  /** Open channels by CID. */
  channels: ReadonlyMap<number, Channel>;
  isClosed(): boolean;
  /** Connects a channel to the server that holds it. */
  attach(ch: Channel, host: string, port: number, serverMinor: number): void;
}

export class NameResolver {
  private readonly search: SearchEngine;
  private readonly directRetries = new Map<number, { attempts: number; timer?: NodeJS.Timeout }>();
  private udp: dgram.Socket | undefined;
  private udpReady = false;
  private searchTimer: NodeJS.Timeout | undefined;
  private readonly beacons = new BeaconTracker();
  private lastAnomalyRestartMs = -Infinity;
  private repeaterTimer: NodeJS.Timeout | undefined;
  private repeaterConfirmed = false;

  constructor(private readonly deps: NameResolverDeps) {
    this.search = new SearchEngine({ maxPeriodMs: deps.config.maxSearchPeriodMs });
  }

  startResolving(ch: Channel, searchDelayMs = 0): void {
    if (ch.directServer !== undefined) {
      const d = parseHostPort(ch.directServer, this.deps.config.serverPort);
      this.deps.attach(ch, d.host, d.port, 0);
      return;
    }
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
  resolveAgain(ch: Channel, refused: boolean): void {
    if (this.deps.isClosed() || ch.state === 'closed') return;
    if (ch.directServer === undefined) {
      this.startResolving(ch, refused ? REFUSED_RESEARCH_DELAY_MS : 0);
      return;
    }
    const retry = this.directRetries.get(ch.cid) ?? { attempts: 0 };
    retry.attempts++;
    clearTimeout(retry.timer);
    retry.timer = setTimeout(
      () => {
        retry.timer = undefined;
        if (ch.state !== 'closed' && !this.deps.isClosed()) this.startResolving(ch);
      },
      Math.min(this.search.periodAfter(retry.attempts), DIRECT_RETRY_MAX_MS),
    );
    retry.timer.unref();
    this.directRetries.set(ch.cid, retry);
  }

  /** The channel reached its server: a later loss starts the direct back-off from the beginning. */
  resolved(cid: number): void {
    this.directRetries.delete(cid);
  }

  /** The application closed the channel: no more searches or retries for it. */
  forget(cid: number): void {
    this.search.remove(cid);
    const retry = this.directRetries.get(cid);
    clearTimeout(retry?.timer);
    this.directRetries.delete(cid);
  }

  /** Stops the timers and closes the search socket; resolves once it is closed. */
  close(): Promise<void> | undefined {
    clearTimeout(this.searchTimer);
    clearTimeout(this.repeaterTimer);
    if (!this.udp) return undefined;
    const udp = this.udp;
    this.udp = undefined;
    return new Promise((r) => udp.close(() => r()));
  }

  private ensureUdp(): void {
    if (this.udp || this.deps.isClosed()) return;
    const udp = dgram.createSocket('udp4');
    this.udp = udp;
    udp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address));
    udp.on('error', (err) => this.deps.hooks.emitException({ error: err }));
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
    if (!udp || this.deps.isClosed() || this.repeaterConfirmed || attempt > REPEATER_REGISTER_ATTEMPTS)
      return;
    // Without a repeater nobody answers; that only means no beacon anomalies, so errors are ignored.
    udp.send(repeaterRegisterMessage(), this.deps.config.repeaterPort, '127.0.0.1', () => {});
    this.repeaterTimer = setTimeout(
      () => this.registerWithRepeater(attempt + 1),
      REPEATER_REGISTER_INTERVAL_MS,
    );
    this.repeaterTimer.unref();
  }

  private scheduleSearch(): void {
    if (!this.udpReady || this.deps.isClosed()) return;
    clearTimeout(this.searchTimer);
    const due = this.search.nextDueMs();
    if (due === undefined) return;
    const delay = Math.max(0, due - performance.now());
    this.searchTimer = setTimeout(() => this.runSearch(), Math.ceil(delay));
    this.searchTimer.unref();
  }

  private runSearch(): void {
    const udp = this.udp;
    if (!udp || this.deps.isClosed()) return;
    const datagrams = this.search.poll(performance.now());
    for (const d of datagrams) {
      for (const dest of this.deps.config.searchDestinations) {
        udp.send(d, dest.port, dest.host, (err) => {
          if (err) this.deps.hooks.emitException({ error: err, server: `${dest.host}:${dest.port}` });
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
      const ch = this.deps.channels.get(hit.cid);
      if (ch && isLookingForServer(ch.state)) this.deps.attach(ch, hit.host, hit.port, hit.serverMinor);
    }
    this.scheduleSearch();
  }
}
