// Client side of one TCP virtual circuit: handshake, channel creation, requests, and the decoding and
// checking of everything the server sends (ca-protocol.md §3-5, §15). Bytes in -> events out; requests
// -> bytes queued for the socket. Liveness (ECHO after EPICS_CA_CONN_TMO idle, 5 s to answer) is
// driven by `tick(nowMs)`. Pure: no sockets, no timers; the client owns both.
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_ACCESS_RIGHTS,
  CA_PROTO_CLEAR_CHANNEL,
  CA_PROTO_CREATE_CHAN,
  CA_PROTO_CREATE_CH_FAIL,
  CA_PROTO_ECHO,
  CA_PROTO_ERROR,
  CA_PROTO_EVENT_ADD,
  CA_PROTO_READ,
  CA_PROTO_READ_NOTIFY,
  CA_PROTO_READ_SYNC,
  CA_PROTO_SEARCH,
  CA_PROTO_SERVER_DISCONN,
  CA_PROTO_VERSION,
  CA_PROTO_WRITE,
  CA_PROTO_WRITE_NOTIFY,
  COMMAND_NAMES,
  ECA_NORMAL,
  type DbfType,
} from '../constants.js';
import { decodeDbr, isValidDbrType } from '../dbr.js';
import type { CaMessage } from '../header.js';
import {
  clearChannelRequest,
  clientNameRequest,
  createChanRequest,
  echoMessage,
  eventAddRequest,
  eventCancelRequest,
  hostNameRequest,
  readNotifyRequest,
  versionMessage,
  writeNotifyRequest,
  writeRequest,
} from '../messages.js';
import {
  AccessRightsResponse,
  CreateChanResponse,
  CreateChFailResponse,
  ErrorResponse,
  EventAddRequest,
  EventAddResponse,
  ReadNotifyResponse,
  ReadResponse,
  ServerDisconnResponse,
  VersionMessage,
  WriteNotifyResponse,
  WriteRequest,
  ReadNotifyRequest,
} from '../message-fields.js';
import { StreamParser } from '../stream-parser.js';
import type { DecodedDbr } from '../value.js';
import { GwError } from '../../errors.js';

/** What a request that has no status slot of its own failed on (from the ERROR message's embedded header). */
export type FailedRequestKind = 'io' | 'subscription' | 'write' | 'other';

/** Everything the server can tell the client, already checked and decoded. */
export type CircuitEvent =
  | { type: 'connected'; cid: number; sid: number; nativeType: DbfType; nativeCount: number; rights: number }
  | { type: 'accessRights'; cid: number; rights: number }
  | { type: 'createFailed'; cid: number }
  | { type: 'channelDisconnected'; cid: number }
  | { type: 'readReply'; ioid: number; status: number; data: DecodedDbr }
  | { type: 'writeReply'; ioid: number; status: number }
  | { type: 'monitorUpdate'; subid: number; status: number; data: DecodedDbr }
  | { type: 'subscriptionCancelled'; subid: number }
  | { type: 'requestFailed'; kind: FailedRequestKind; id: number; eca: number; text: string }
  | { type: 'unresponsive' }
  | { type: 'protocolError'; error: GwError };

export interface CircuitOptions {
  userName: string;
  hostName: string;
  connTmoMs: number;
  echoTimeoutMs: number;
  /** Minor version from the search reply, until the server's VERSION arrives. */
  serverMinor?: number;
  priority?: number;
  maxPayload?: number;
}

interface ChannelEntry {
  name: string;
  sid?: number;
  rights: number;
}

interface SubscriptionEntry {
  cid: number;
  dbrType: number;
  count: number;
}

/** Commands libca accepts from a server over TCP; anything else drops the circuit (§3). */
const ACCEPTED = new Set([0, 1, 3, 6, 10, 11, 12, 15, 18, 19, 22, 23, 26, 27]);

export class ClientCircuit {
  private readonly parser: StreamParser;
  private readonly channels = new Map<number, ChannelEntry>();
  private readonly subscriptions = new Map<number, SubscriptionEntry>();
  private out: Buffer[] = [];
  private lastRxMs: number;
  private echoSentMs: number | undefined;
  private failed = false;
  /** The server's protocol minor version (search reply, then its TCP VERSION). */
  serverMinor: number;

  constructor(
    private readonly opts: CircuitOptions,
    nowMs: number,
  ) {
    this.parser = new StreamParser(opts.maxPayload);
    this.lastRxMs = nowMs;
    this.serverMinor = opts.serverMinor ?? CA_MINOR_PROTOCOL_REVISION;
    // libca pipelines VERSION, CLIENT_NAME and HOST_NAME without waiting for the server (§5.2).
    this.out.push(
      versionMessage(opts.priority ?? 0),
      clientNameRequest(opts.userName),
      hostNameRequest(opts.hostName),
    );
  }

  get isFailed(): boolean {
    return this.failed;
  }

  /** Bytes queued for the socket since the last call (one write per flush), or undefined. */
  takeOutput(): Buffer | undefined {
    if (this.out.length === 0) return undefined;
    const buf = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    return buf;
  }

  hasChannel(cid: number): boolean {
    return this.channels.has(cid);
  }

  createChannel(cid: number, name: string): void {
    this.channels.set(cid, { name, rights: 0 });
    this.out.push(createChanRequest(name, cid));
  }

  /** Forgets a channel and its subscriptions; tells the server if the channel exists there. */
  clearChannel(cid: number): void {
    const ch = this.channels.get(cid);
    if (!ch) return;
    this.channels.delete(cid);
    for (const [subid, sub] of this.subscriptions) if (sub.cid === cid) this.subscriptions.delete(subid);
    if (ch.sid !== undefined) this.out.push(clearChannelRequest(ch.sid, cid));
  }

  read(cid: number, dbrType: number, count: number, ioid: number): void {
    this.out.push(readNotifyRequest(dbrType, count, this.sidOf(cid), ioid));
  }

  /** A put; with an IOID it is a put-callback (WRITE_NOTIFY), without one a plain WRITE (p2 = CID). */
  write(cid: number, dbrType: number, count: number, payload: Buffer, ioid?: number): void {
    const sid = this.sidOf(cid);
    this.out.push(
      ioid === undefined
        ? writeRequest(dbrType, count, sid, cid, payload)
        : writeNotifyRequest(dbrType, count, sid, ioid, payload),
    );
  }

  subscribe(cid: number, subid: number, dbrType: number, count: number, mask: number): void {
    this.out.push(eventAddRequest(dbrType, count, this.sidOf(cid), subid, mask));
    this.subscriptions.set(subid, { cid, dbrType, count });
  }

  /** Sends EVENT_CANCEL; updates that race with it are dropped from now on. */
  unsubscribe(subid: number): void {
    const sub = this.subscriptions.get(subid);
    if (!sub) return;
    this.subscriptions.delete(subid);
    const ch = this.channels.get(sub.cid);
    if (ch?.sid !== undefined) this.out.push(eventCancelRequest(sub.dbrType, sub.count, ch.sid, subid));
  }

  /** When `tick` next has something to do. */
  nextDeadlineMs(): number {
    return this.echoSentMs !== undefined
      ? this.echoSentMs + this.opts.echoTimeoutMs
      : this.lastRxMs + this.opts.connTmoMs;
  }

  /** Liveness: probe an idle circuit with ECHO; report it unresponsive if the probe goes unanswered. */
  tick(nowMs: number): CircuitEvent[] {
    if (this.failed) return [];
    if (this.echoSentMs !== undefined) {
      if (nowMs - this.echoSentMs >= this.opts.echoTimeoutMs) {
        this.failed = true;
        return [{ type: 'unresponsive' }];
      }
      return [];
    }
    if (nowMs - this.lastRxMs >= this.opts.connTmoMs) {
      this.echoSentMs = nowMs;
      this.out.push(echoMessage());
    }
    return [];
  }

  /** Feeds received bytes. After a protocolError event the circuit is dead and must be closed. */
  receive(chunk: Buffer, nowMs: number): CircuitEvent[] {
    if (this.failed) return [];
    this.lastRxMs = nowMs;
    this.echoSentMs = undefined;
    const events: CircuitEvent[] = [];
    try {
      for (const msg of this.parser.feed(chunk)) this.dispatch(msg, events);
    } catch (err) {
      this.failed = true;
      const error =
        err instanceof GwError ? err : new GwError('GW_CA_FRAMING', (err as Error).message, { cause: err });
      events.push({ type: 'protocolError', error });
    }
    return events;
  }

  private sidOf(cid: number): number {
    const sid = this.channels.get(cid)?.sid;
    if (sid === undefined)
      throw new GwError('GW_INTERNAL', `channel ${cid} is not connected on this circuit`);
    return sid;
  }

  private dispatch(msg: CaMessage, events: CircuitEvent[]): void {
    if (!ACCEPTED.has(msg.command)) {
      const name = COMMAND_NAMES[msg.command] ?? 'unknown';
      throw new GwError(
        'GW_CA_FRAMING',
        `server sent command ${msg.command} (${name}), not valid on a circuit`,
      );
    }
    // libca drops a circuit whose sizes are not 8-aligned (§2.3).
    if (msg.payloadSize % 8 !== 0) {
      throw new GwError(
        'GW_CA_FRAMING',
        `server sent a payload of ${msg.payloadSize} bytes (not a multiple of 8)`,
      );
    }
    switch (msg.command) {
      case CA_PROTO_VERSION:
        this.serverMinor = VersionMessage.minorVersion(msg);
        return;
      case CA_PROTO_ACCESS_RIGHTS: {
        const cid = AccessRightsResponse.cid(msg);
        const ch = this.channels.get(cid);
        if (!ch) return;
        ch.rights = AccessRightsResponse.accessRights(msg) & 3;
        // Rights before the CREATE_CHAN reply are just remembered (§4.4); later ones are changes.
        if (ch.sid !== undefined) events.push({ type: 'accessRights', cid, rights: ch.rights });
        return;
      }
      case CA_PROTO_CREATE_CHAN:
        return this.onCreated(msg, events);
      case CA_PROTO_CREATE_CH_FAIL: {
        const cid = CreateChFailResponse.cid(msg);
        if (this.channels.delete(cid)) events.push({ type: 'createFailed', cid });
        return;
      }
      case CA_PROTO_SERVER_DISCONN: {
        const cid = ServerDisconnResponse.cid(msg);
        if (this.channels.has(cid)) {
          this.forgetChannel(cid);
          events.push({ type: 'channelDisconnected', cid });
        }
        return;
      }
      case CA_PROTO_READ_NOTIFY:
        events.push({
          type: 'readReply',
          ioid: ReadNotifyResponse.ioid(msg),
          status: ReadNotifyResponse.status(msg),
          data: this.decode(msg),
        });
        return;
      case CA_PROTO_READ:
        // The old READ reply has no status slot (p1 is the CID).
        events.push({
          type: 'readReply',
          ioid: ReadResponse.ioid(msg),
          status: ECA_NORMAL,
          data: this.decode(msg),
        });
        return;
      case CA_PROTO_WRITE_NOTIFY:
        events.push({
          type: 'writeReply',
          ioid: WriteNotifyResponse.ioid(msg),
          status: WriteNotifyResponse.status(msg),
        });
        return;
      case CA_PROTO_EVENT_ADD:
        return this.onEvent(msg, events);
      case CA_PROTO_ERROR:
        return this.onError(msg, events);
      case CA_PROTO_ECHO:
      case CA_PROTO_READ_SYNC:
      case CA_PROTO_CLEAR_CHANNEL:
      case CA_PROTO_SEARCH:
        return; // liveness already noted; the rest are confirmations libca ignores too
    }
  }

  private onCreated(msg: CaMessage, events: CircuitEvent[]): void {
    const cid = CreateChanResponse.cid(msg);
    const sid = CreateChanResponse.sid(msg);
    const nativeType = CreateChanResponse.nativeType(msg);
    if (nativeType > 6) {
      throw new GwError('GW_CA_FRAMING', `CREATE_CHAN reply with native type ${nativeType} (not 0..6)`);
    }
    const ch = this.channels.get(cid);
    if (!ch || ch.sid !== undefined) {
      // Cleared while the reply was in flight: release it on the server too.
      if (!ch) this.out.push(clearChannelRequest(sid, cid));
      return;
    }
    ch.sid = sid;
    events.push({
      type: 'connected',
      cid,
      sid,
      nativeType: nativeType as DbfType,
      nativeCount: CreateChanResponse.nativeCount(msg),
      rights: ch.rights,
    });
  }

  private onEvent(msg: CaMessage, events: CircuitEvent[]): void {
    const subid = EventAddResponse.subscriptionId(msg);
    // An empty EVENT_ADD is the confirmation of EVENT_CANCEL (§4.11), never an update.
    if (msg.payloadSize === 0) {
      events.push({ type: 'subscriptionCancelled', subid });
      return;
    }
    if (!this.subscriptions.has(subid)) return; // raced with our cancel
    events.push({
      type: 'monitorUpdate',
      subid,
      status: EventAddResponse.status(msg),
      data: this.decode(msg),
    });
  }

  private onError(msg: CaMessage, events: CircuitEvent[]): void {
    // The payload starts with the offending request's header; libca drops a circuit when it is short.
    const request = ErrorResponse.request(msg);
    if (!request) {
      throw new GwError('GW_CA_FRAMING', `ERROR message with a ${msg.payload.length}-byte payload`);
    }
    const text = ErrorResponse.text(msg);
    const eca = ErrorResponse.status(msg);
    switch (request.command) {
      case CA_PROTO_EVENT_ADD: {
        const id = EventAddRequest.subscriptionId(request);
        this.subscriptions.delete(id);
        events.push({ type: 'requestFailed', kind: 'subscription', id, eca, text });
        return;
      }
      case CA_PROTO_READ_NOTIFY:
      case CA_PROTO_READ:
      case CA_PROTO_WRITE_NOTIFY:
        // All three carry the IOID in p2.
        events.push({ type: 'requestFailed', kind: 'io', id: ReadNotifyRequest.ioid(request), eca, text });
        return;
      case CA_PROTO_WRITE:
        events.push({ type: 'requestFailed', kind: 'write', id: WriteRequest.cid(request), eca, text });
        return;
      default:
        events.push({ type: 'requestFailed', kind: 'other', id: request.parameter1, eca, text });
    }
  }

  private decode(msg: CaMessage): DecodedDbr {
    if (!isValidDbrType(msg.dataType)) {
      throw new GwError('GW_CA_BAD_DBR', `server replied with DBR type ${msg.dataType}`);
    }
    return decodeDbr(msg.dataType, msg.dataCount, msg.payload);
  }

  private forgetChannel(cid: number): void {
    this.channels.delete(cid);
    for (const [subid, sub] of this.subscriptions) if (sub.cid === cid) this.subscriptions.delete(subid);
  }
}
