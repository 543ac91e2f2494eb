// The application's handle on one PV name: connection state and events, native type/count, access
// rights, and the get/put/subscribe calls, which it forwards to its CaClient. Owns no sockets.
import { EventEmitter } from 'node:events';
import type { DbfType } from '../constants.js';
import type { CaValue, PutValue } from './ca-value.js';
import { nextChannelState, type ChannelState } from './channel-state.js';

export type { ChannelState } from './channel-state.js';

export interface AccessRights {
  read: boolean;
  write: boolean;
}

export interface GetOptions {
  /** DBR type to request (default DBR_TIME_<native>). */
  dbrType?: number;
  /** Elements to request; default 0 ("current size") for servers >= V4.13, else the native count. */
  count?: number;
  timeoutMs?: number;
}

export interface PutOptions {
  /** Put-callback: resolve when the server reports completion (WRITE_NOTIFY). Default false (WRITE). */
  wait?: boolean;
  /** Plain DBR type (0..6) to send; default DBR_STRING for strings, the native type for numbers. */
  dbrType?: number;
  timeoutMs?: number;
}

export interface SubscribeOptions {
  dbrType?: number;
  count?: number;
  /** DBE_* bits; default DBE_VALUE | DBE_ALARM as camonitor and pyepics use. */
  mask?: number;
  /** Called for updates the server sends with an error status, and when the server refuses the subscription. */
  onError?: (err: Error) => void;
}

/** The operations a Channel delegates to its client (implemented by CaClient). */
export interface ChannelHost {
  waitConnected(ch: Channel, timeoutMs: number): Promise<void>;
  get(ch: Channel, opts: GetOptions): Promise<CaValue>;
  put(ch: Channel, value: PutValue, opts: PutOptions): Promise<void>;
  subscribe(ch: Channel, opts: SubscribeOptions, cb: (v: CaValue) => void): Subscription;
  closeChannel(ch: Channel): void;
}

/** An active monitor; `cancel()` stops it (also across reconnects). */
export interface Subscription {
  readonly id: number;
  cancel(): void;
}

/**
 * A CA channel. Events: 'connection' (isUp: boolean), 'access' (rights: AccessRights).
 * get/put reject with GW_CA_DISCONNECTED while the channel is not connected, as libca does.
 */
export class Channel extends EventEmitter {
  private current: ChannelState = 'searching';
  nativeType: DbfType | undefined;
  /** Maximum element count the server announced (the capacity, not the current length). */
  nativeCount = 0;
  accessRights: AccessRights = { read: false, write: false };
  /** `host:port` of the server while connected (or the fixed server of a direct channel). */
  server: string | undefined;
  /** Server protocol minor version (count 0 needs >= 13). */
  serverMinor = 0;

  constructor(
    readonly name: string,
    /** Client-side channel id (CID). */
    readonly cid: number,
    private readonly host: ChannelHost,
    /** Fixed `host:port` for a direct connection without search. */
    readonly directServer?: string,
  ) {
    super();
    this.server = directServer;
  }

  get state(): ChannelState {
    return this.current;
  }

  get isConnected(): boolean {
    return this.current === 'connected';
  }

  /**
   * For the client only (the circuit manager, resolver and CaClient): moves to `next`, throwing
   * GW_INTERNAL on a transition channel-state.ts does not list.
   */
  moveTo(next: ChannelState): void {
    this.current = nextChannelState(this.name, this.current, next);
  }

  /** Resolves once connected; rejects with GW_CA_TIMEOUT after `timeoutMs` (default 5 s). */
  connected(timeoutMs = 5000): Promise<void> {
    return this.host.waitConnected(this, timeoutMs);
  }

  get(opts: GetOptions = {}): Promise<CaValue> {
    return this.host.get(this, opts);
  }

  put(value: PutValue, opts: PutOptions = {}): Promise<void> {
    return this.host.put(this, value, opts);
  }

  subscribe(opts: SubscribeOptions, cb: (v: CaValue) => void): Subscription {
    return this.host.subscribe(this, opts, cb);
  }

  close(): void {
    this.host.closeChannel(this);
  }
}
