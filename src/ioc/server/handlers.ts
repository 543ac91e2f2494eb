// One handler per CA request command, indexed by command number (rsrv's jump table). Each validates
// its request, acts through the Circuit, and queues the reply rsrv would send; where rsrv and catvs
// disagree, catvs wins (ca-protocol.md §10.2): well-framed but wrong requests get an ECA status and the
// circuit stays up. Unknown commands, and reads or subscriptions with a DBR type no client can decode
// (rsrv and catvs: no reply at all), close it. An oversize message gets ERROR ECA_TOLARGE.
import * as C from '../../ca/constants.js';
import { dbrSize, decodeDbr, isValidDbrType } from '../../ca/dbr.js';
import { pad8, type CaMessage } from '../../ca/header.js';
import * as F from '../../ca/message-fields.js';
import * as M from '../../ca/messages.js';
import { MAX_PV_NAME_LENGTH } from '../../ca/pv-name.js';
import type { ChannelState, Circuit } from './circuit.js';
import { encodeCached } from './encode-cache.js';

/** A peer broke the protocol: its circuit is closed (after the ERROR reply, if any, is flushed). */
export class ProtocolViolation extends Error {
  constructor(
    message: string,
    readonly request?: CaMessage,
  ) {
    super(message);
    this.name = 'ProtocolViolation';
  }
}

type Handler = (c: Circuit, msg: CaMessage) => void;

/** rsrv's limit on CLIENT_NAME/HOST_NAME strings; we truncate instead of disconnecting. */
const MAX_IDENTITY_LENGTH = 512;
const NO_CID = 0xffffffff;

function channelOf(c: Circuit, msg: CaMessage, what: string): ChannelState | undefined {
  const sid = F.ChannelRequest.sid(msg);
  const ch = c.channels.get(sid);
  if (!ch) c.reply(M.errorResponse(msg, NO_CID, C.ECA_BADCHID, `${what}: unknown channel id ${sid}`));
  return ch;
}

function canRead(ch: ChannelState): boolean {
  return (ch.rights & C.CA_PROTO_ACCESS_RIGHT_READ) !== 0;
}

function canWrite(ch: ChannelState): boolean {
  return (ch.rights & C.CA_PROTO_ACCESS_RIGHT_WRITE) !== 0;
}

/** Zero-filled payload of the size a request would have received, for error replies. */
function zeroPayload(dbrType: number, count: number): Buffer {
  return Buffer.alloc(isValidDbrType(dbrType) ? pad8(dbrSize(dbrType, count)) : 8);
}

const onVersion: Handler = (c, msg) => {
  const minor = F.VersionMessage.minorVersion(msg);
  c.priority = Math.min(F.VersionMessage.priority(msg), 99);
  c.clientMinor = minor;
  if (minor < 4) throw new ProtocolViolation(`client protocol 4.${minor} is too old`, msg);
};

/**
 * READ_NOTIFY and EVENT_ADD replies carry the requested type, so a reply to a type above 38 would hand
 * the client a header it cannot decode: rsrv closes the circuit without a word, and catvs (test_get_bad)
 * expects exactly that.
 */
function refuseUnknownType(msg: CaMessage, what: string): void {
  if (!isValidDbrType(msg.dataType))
    throw new ProtocolViolation(`${what} with DBR type ${msg.dataType} (above ${C.LAST_BUFFER_TYPE})`, msg);
}

const onEventAdd: Handler = (c, msg) => {
  refuseUnknownType(msg, 'EVENT_ADD');
  const ch = channelOf(c, msg, 'EVENT_ADD');
  if (!ch) return;
  const subId = F.EventAddRequest.subscriptionId(msg);
  // DBR_PUT_ACKT/ACKS are subscribed like rsrv does: every update carries ECA_GETFAIL (encodeDbr).
  if (msg.dataCount > ch.pv.maxCount) {
    c.reply(
      M.eventAddResponse(msg.dataType, msg.dataCount, C.ECA_BADCOUNT, subId, zeroPayload(msg.dataType, 1)),
    );
    return;
  }
  // Mask 0 (libca refuses it client-side) gets the initial update and nothing after it.
  const mask = F.EventAddRequest.mask(msg);
  c.addSubscription(ch, subId, msg.dataType, msg.dataCount, mask);
};

const onEventCancel: Handler = (c, msg) => {
  const sid = F.EventCancelRequest.sid(msg);
  const subId = F.EventCancelRequest.subscriptionId(msg);
  const sub = c.subscriptions.get(subId);
  if (!sub || sub.channel.sid !== sid) {
    const cid = c.channels.get(sid)?.cid ?? NO_CID;
    c.reply(M.errorResponse(msg, cid, C.ECA_BADMONID, `EVENT_CANCEL: unknown subscription ${subId}`));
    return;
  }
  c.dropSubscription(sub);
  c.reply(M.eventCancelResponse(sub.dbrType, sub.count, sub.channel.sid, sub.id));
};

/** Shared by READ and READ_NOTIFY: the encoded value or the ECA status explaining why not. */
function readValue(ch: ChannelState, msg: CaMessage): { status: number; count: number; payload: Buffer } {
  const type = msg.dataType;
  if (!isValidDbrType(type)) return { status: C.ECA_BADTYPE, count: msg.dataCount, payload: Buffer.alloc(8) };
  const count = msg.dataCount;
  if (count > ch.pv.maxCount) return { status: C.ECA_BADCOUNT, count, payload: zeroPayload(type, 1) };
  if (!canRead(ch)) {
    const n = count === 0 ? 1 : count;
    return { status: C.ECA_NORDACCESS, count: n, payload: zeroPayload(type, n) };
  }
  const enc = encodeCached(type, count, ch.pv.snapshot());
  return { status: enc.status, count: enc.count, payload: enc.payload };
}

const onReadNotify: Handler = (c, msg) => {
  refuseUnknownType(msg, 'READ_NOTIFY');
  const ch = channelOf(c, msg, 'READ_NOTIFY');
  if (!ch) return;
  const r = readValue(ch, msg);
  // READ_NOTIFY reply: status in p1, IOID in p2 (ca-protocol.md §4).
  c.replyMessage(
    C.CA_PROTO_READ_NOTIFY,
    msg.dataType,
    r.count,
    r.status,
    F.ReadNotifyRequest.ioid(msg),
    r.payload,
  );
};

const onRead: Handler = (c, msg) => {
  const ch = channelOf(c, msg, 'READ');
  if (!ch) return;
  const r = readValue(ch, msg);
  if (r.status !== C.ECA_NORMAL) {
    c.reply(M.errorResponse(msg, ch.cid, r.status, ch.pv.name));
    return;
  }
  c.reply(M.readResponse(msg.dataType, r.count, ch.cid, F.ReadRequest.ioid(msg), r.payload));
};

/** Checks a put request; returns the ECA status that refuses it, or undefined if it may proceed. */
function refusePut(ch: ChannelState, msg: CaMessage): number | undefined {
  const t = msg.dataType;
  const putType = t <= C.DBR_CTRL_DOUBLE || t === C.DBR_PUT_ACKT || t === C.DBR_PUT_ACKS;
  if (!isValidDbrType(t) || !putType) return C.ECA_BADTYPE;
  if (!canWrite(ch)) return C.ECA_NOWTACCESS;
  if (msg.dataCount === 0 && t % 7 !== C.DBR_STRING) return C.ECA_BADCOUNT;
  return undefined;
}

function decodePut(ch: ChannelState, msg: CaMessage) {
  const count = Math.min(Math.max(msg.dataCount, 1), ch.pv.maxCount);
  const data = decodeDbr(msg.dataType, count, msg.payload);
  return data.value.length === 0 ? undefined : data;
}

const onWrite: Handler = (c, msg) => {
  const ch = channelOf(c, msg, 'WRITE');
  if (!ch) return;
  const refused = refusePut(ch, msg);
  const data = refused === undefined ? decodePut(ch, msg) : undefined;
  if (refused !== undefined || !data) {
    c.reply(M.errorResponse(msg, ch.cid, refused ?? C.ECA_BADCOUNT, ch.pv.name));
    return;
  }
  const reportFailure = (status: number) => {
    if (status !== C.ECA_NORMAL && !ch.cleared && !c.closed) {
      c.reply(M.errorResponse(msg, ch.cid, status, ch.pv.name));
      c.flush();
    }
  };
  settle(c, () => ch.pv.write(data, c.identity), reportFailure);
};

const onWriteNotify: Handler = (c, msg) => {
  const ch = channelOf(c, msg, 'WRITE_NOTIFY');
  if (!ch) return;
  const { dataType, dataCount } = msg;
  const ioid = F.WriteNotifyRequest.ioid(msg);
  const refused = refusePut(ch, msg);
  const data = refused === undefined ? decodePut(ch, msg) : undefined;
  if (refused !== undefined || !data) {
    c.reply(M.writeNotifyResponse(dataType, dataCount, refused ?? C.ECA_BADCOUNT, ioid));
    return;
  }
  // Completions on one channel are answered in request order, without blocking the circuit.
  ch.putChain = ch.putChain.then(
    () =>
      new Promise<void>((done) => {
        settle(
          c,
          () => ch.pv.write(data, c.identity),
          (status) => {
            if (!ch.cleared && !c.closed) {
              c.replyMessage(C.CA_PROTO_WRITE_NOTIFY, dataType, dataCount, status, ioid);
              c.flush();
            }
            done();
          },
        );
      }),
  );
};

/** Runs a put and reports its status once, whether it completes synchronously, asynchronously or throws. */
function settle(c: Circuit, put: () => Promise<number> | number, report: (status: number) => void): void {
  let result: Promise<number> | number;
  try {
    result = put();
  } catch (err) {
    c.log.error(`put failed with an exception: ${(err as Error).stack ?? String(err)}`);
    report(C.ECA_PUTFAIL);
    return;
  }
  if (typeof result === 'number') {
    report(result);
    return;
  }
  result.then(report, (err: unknown) => {
    c.log.error(`put failed with an exception: ${(err as Error).stack ?? String(err)}`);
    report(C.ECA_PUTFAIL);
  });
}

const onSearch: Handler = (c, msg) => {
  // Name-server mode (V4.12): a search over an established circuit.
  const name = F.SearchRequest.name(msg);
  if (name && c.provider.hasName(name)) c.reply(M.tcpSearchResponse(c.localPort, F.SearchRequest.cid(msg)));
  else if (F.SearchRequest.replyFlag(msg) === C.DO_REPLY) c.reply(M.notFoundResponse(msg));
};

const onEventsOff: Handler = (c) => c.setEventsOff(true);
const onEventsOn: Handler = (c) => c.setEventsOff(false);

const onEcho: Handler = (c, msg) => c.reply(M.echoOf(msg));

const onClearChannel: Handler = (c, msg) => {
  const ch = channelOf(c, msg, 'CLEAR_CHANNEL');
  if (!ch) return;
  c.destroyChannel(ch);
  c.replyMessage(
    C.CA_PROTO_CLEAR_CHANNEL,
    0,
    0,
    F.ClearChannelRequest.sid(msg),
    F.ClearChannelRequest.cid(msg),
  );
};

const onCreateChan: Handler = (c, msg) => {
  if (msg.payload.length <= 1) return; // empty name: rsrv sends nothing
  const name = F.CreateChanRequest.name(msg);
  const cid = F.CreateChanRequest.cid(msg);
  const minor = F.CreateChanRequest.minorVersion(msg);
  if (minor > 0) c.clientMinor = minor;
  const pv = name.length <= MAX_PV_NAME_LENGTH ? c.provider.lookup(name) : undefined;
  if (!pv) {
    c.reply(M.createChFailResponse(cid));
    return;
  }
  const ch = c.createChannel(cid, pv);
  // ACCESS_RIGHTS must precede the CREATE_CHAN reply: libca fires the connection callback on the latter.
  c.replyMessage(C.CA_PROTO_ACCESS_RIGHTS, 0, 0, cid, ch.rights);
  c.replyMessage(C.CA_PROTO_CREATE_CHAN, pv.nativeType, Math.max(1, pv.maxCount), cid, ch.sid);
};

/**
 * The user or host name a CLIENT_NAME/HOST_NAME carries (truncated, not refused, when too long), or
 * undefined when the circuit already has channels: rsrv refuses the change with ERROR and keeps the old name.
 */
function identityChange(c: Circuit, msg: CaMessage, what: 'user' | 'host'): string | undefined {
  if (c.channels.size > 0) {
    const text = `${what} name change ignored: the circuit already has channels`;
    c.reply(M.errorResponse(msg, NO_CID, C.ECA_INTERNAL, text));
    return undefined;
  }
  return M.readPayloadString(msg.payload).slice(0, MAX_IDENTITY_LENGTH);
}

const onClientName: Handler = (c, msg) => {
  const user = identityChange(c, msg, 'user');
  if (user !== undefined) c.identity = { ...c.identity, user };
};

const onHostName: Handler = (c, msg) => {
  const host = identityChange(c, msg, 'host');
  if (host !== undefined) c.identity = { ...c.identity, host: host.toLowerCase() };
};

/**
 * A message above the size limit (its payload already skipped by the parser): ERROR ECA_TOLARGE carrying
 * its header, and the circuit goes on with the next message, as rsrv does (ca-protocol.md §2.4).
 */
export function onOversize(c: Circuit, msg: CaMessage): void {
  // Looked up as if it were a channel request; for other commands the ERROR just carries NO_CID.
  const ch = c.channels.get(F.ChannelRequest.sid(msg));
  const text = `request of ${msg.payloadSize} bytes exceeds the server's limit of ${c.maxPayload} bytes`;
  c.log.warn(`${c.description}: command ${msg.command}: ${text}`);
  c.reply(M.errorResponse(msg, ch?.cid ?? NO_CID, C.ECA_TOLARGE, text));
}

export const HANDLERS: readonly (Handler | undefined)[] = (() => {
  const table: (Handler | undefined)[] = [];
  table[C.CA_PROTO_VERSION] = onVersion;
  table[C.CA_PROTO_EVENT_ADD] = onEventAdd;
  table[C.CA_PROTO_EVENT_CANCEL] = onEventCancel;
  table[C.CA_PROTO_READ] = onRead;
  table[C.CA_PROTO_WRITE] = onWrite;
  table[C.CA_PROTO_SEARCH] = onSearch;
  table[C.CA_PROTO_EVENTS_OFF] = onEventsOff;
  table[C.CA_PROTO_EVENTS_ON] = onEventsOn;
  table[C.CA_PROTO_READ_SYNC] = onEcho;
  table[C.CA_PROTO_CLEAR_CHANNEL] = onClearChannel;
  table[C.CA_PROTO_READ_NOTIFY] = onReadNotify;
  table[C.CA_PROTO_CREATE_CHAN] = onCreateChan;
  table[C.CA_PROTO_WRITE_NOTIFY] = onWriteNotify;
  table[C.CA_PROTO_CLIENT_NAME] = onClientName;
  table[C.CA_PROTO_HOST_NAME] = onHostName;
  table[C.CA_PROTO_ECHO] = onEcho;
  return table;
})();
