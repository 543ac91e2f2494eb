// Requests in flight and monitors: get/put/subscribe checks and sends, the IOID -> pending promise and
// subscription id -> monitor maps, their timeouts, settling from replies, failing them when a channel
// goes down, and re-installing monitors after a reconnect. Sends through the channel's circuit;
// owns no sockets and never decides connection state.
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
import type { DecodedDbr } from '../value.js';
import { GwError } from '../../errors.js';
import { CaStatusError } from './ca-error.js';
import { defaultPutType, encodePut, toCaValue, type CaValue, type PutValue } from './ca-value.js';
import type { Channel, GetOptions, PutOptions, SubscribeOptions, Subscription } from './channel.js';
import type { CircuitSocket } from './circuit-socket.js';
import { closedError, type ClientHooks } from './client-context.js';

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

const DEFAULT_IO_TIMEOUT_MS = 5000;

export class RequestTracker {
  private readonly pending = new Map<number, PendingIo>();
  private readonly monitors = new Map<number, MonitorEntry>();

  constructor(
    private readonly hooks: ClientHooks,
    /** The circuit a channel is currently created on, if any. */
    private readonly circuitOf: (ch: Channel) => CircuitSocket | undefined,
  ) {}

  get(ch: Channel, opts: GetOptions): Promise<CaValue> {
    const checked = this.checkReady(ch, CA_PROTO_ACCESS_RIGHT_READ, ECA_NORDACCESS, 'get');
    if (checked) return Promise.reject(checked);
    const dbrType = opts.dbrType ?? nativeToDbr(ch.nativeType!, FAMILY_TIME);
    if (!isValidDbrType(dbrType)) return Promise.reject(new CaStatusError(ECA_BADTYPE, `${ch.name}: get`));
    const count = resolveCount(ch, opts.count);
    if (count === undefined) return Promise.reject(new CaStatusError(ECA_BADCOUNT, `${ch.name}: get`));
    const circuit = this.circuitOf(ch)!;
    const ioid = this.hooks.allocId();
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
    const ioid = this.hooks.allocId();
    const done = this.track<undefined>(ioid, ch, 'put', opts.timeoutMs);
    circuit.circuit.write(ch.cid, dbrType, encoded.count, encoded.payload, ioid);
    circuit.flushSoon();
    return done;
  }

  subscribe(ch: Channel, opts: SubscribeOptions, cb: (v: CaValue) => void): Subscription {
    if (ch.state === 'closed') throw closedError(ch);
    if (opts.mask === 0) throw new CaStatusError(ECA_BADMASK, `${ch.name}: subscribe`);
    if (opts.dbrType !== undefined && !isValidDbrType(opts.dbrType)) {
      throw new CaStatusError(ECA_BADTYPE, `${ch.name}: subscribe`);
    }
    const id = this.hooks.allocId();
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

  /** A READ_NOTIFY or WRITE_NOTIFY reply (data undefined for a write) settles its request. */
  onReply(ioid: number, status: number, data: DecodedDbr | undefined): void {
    const io = this.pending.get(ioid);
    if (!io) return;
    this.settle(ioid);
    if (status !== ECA_NORMAL) io.reject(new CaStatusError(status, `${io.channel.name}: ${io.what}`));
    else io.resolve(data !== undefined ? toCaValue(data, io.channel.nativeCount > 1) : undefined);
  }

  onMonitorUpdate(subid: number, status: number, data: DecodedDbr): void {
    const m = this.monitors.get(subid);
    if (!m) return;
    if (status !== ECA_NORMAL) {
      const err = new CaStatusError(status, `${m.channel.name}: monitor update`);
      this.hooks.deliver(m.channel, () => m.opts.onError?.(err));
    } else {
      const value = toCaValue(data, m.channel.nativeCount > 1);
      this.hooks.deliver(m.channel, () => m.cb(value));
    }
  }

  /** The server's ERROR for a request; false when no pending request or monitor owns that id. */
  onRequestFailed(kind: 'io' | 'subscription', id: number, eca: number, detail: string): boolean {
    if (kind === 'io') {
      const io = this.pending.get(id);
      if (!io) return false;
      this.settle(id);
      io.reject(new CaStatusError(eca, `${io.channel.name}: ${io.what}${detail}`));
      return true;
    }
    const m = this.monitors.get(id);
    if (!m) return false;
    this.monitors.delete(id);
    const err = new CaStatusError(eca, `${m.channel.name}: subscription${detail}`);
    this.hooks.deliver(m.channel, () => m.opts.onError?.(err));
    return true;
  }

  /** Sends EVENT_ADD for every monitor of a channel that has just connected. */
  installMonitorsOf(ch: Channel): void {
    for (const m of this.monitors.values()) if (m.channel === ch) this.installMonitor(m);
  }

  /** Forgets a closed channel's monitors. */
  dropMonitorsOf(ch: Channel): void {
    for (const [id, m] of this.monitors) if (m.channel === ch) this.monitors.delete(id);
  }

  /** Rejects every request in flight on a channel. */
  failPending(ch: Channel, makeError: () => Error): void {
    for (const [ioid, io] of this.pending) {
      if (io.channel !== ch) continue;
      this.settle(ioid);
      io.reject(makeError());
    }
  }

  private installMonitor(m: MonitorEntry): void {
    const ch = m.channel;
    const c = this.circuitOf(ch);
    if (!c) return;
    const dbrType = m.opts.dbrType ?? nativeToDbr(ch.nativeType!, FAMILY_TIME);
    const count = resolveCount(ch, m.opts.count) ?? ch.nativeCount;
    c.circuit.subscribe(ch.cid, m.id, dbrType, count, m.opts.mask ?? DBE_VALUE | DBE_ALARM);
    c.flushSoon();
  }

  /** libca's client-side checks before a request: connected, permitted. */
  private checkReady(ch: Channel, right: number, eca: number, what: string): Error | undefined {
    if (ch.state === 'closed') return closedError(ch);
    if (ch.state !== 'connected' || !this.circuitOf(ch)) {
      return new GwError('GW_CA_DISCONNECTED', `${ch.name}: ${what} on a channel that is not connected`);
    }
    const ok = right === CA_PROTO_ACCESS_RIGHT_READ ? ch.accessRights.read : ch.accessRights.write;
    return ok ? undefined : new CaStatusError(eca, `${ch.name}: ${what}`);
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
}

/** undefined = more than the channel holds (libca: ECA_BADCOUNT). */
function resolveCount(ch: Channel, count: number | undefined): number | undefined {
  if (count === undefined || count === 0) {
    // Count 0 ("current size") is only understood by servers >= V4.13 (§8.3).
    return ch.serverMinor >= 13 ? 0 : ch.nativeCount;
  }
  if (!Number.isInteger(count) || count < 0 || count > ch.nativeCount) return undefined;
  return count;
}
