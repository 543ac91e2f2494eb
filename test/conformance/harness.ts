// Test-only harness for catvs-style conformance tests: drives the sans-I/O Circuit through an in-memory
// transport and takes the bytes it writes apart. Requests are framed here by hand (header fields in
// network order), independently of src/ca/messages.ts, so the encoder under test never builds its own
// expectations. Not a test file: no assertions beyond framing sanity.
import { Circuit, type CircuitTransport } from '../../src/ioc/server/circuit.js';
import { memoryLogger } from '../../src/log.js';
import { SimpleProvider } from '../support/simple-pvs.js';

/** One message as seen on the wire, fields named as in the spec (§2.1). */
export interface Wire {
  cmd: number;
  size: number;
  dt: number;
  cnt: number;
  p1: number;
  p2: number;
  body: Buffer;
  extended: boolean;
}

/** In-memory transport: records writes, can refuse them (slow consumer), runs deferred work on demand. */
export class MemoryTransport implements CircuitTransport {
  written: Buffer[] = [];
  closed = false;
  /** When false, write() still takes the bytes but reports a full socket buffer. */
  accepting = true;
  private deferred: (() => void)[] = [];

  write(data: Buffer): boolean {
    this.written.push(Buffer.from(data));
    return this.accepting;
  }
  close(): void {
    this.closed = true;
  }
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }
  /** Runs deferred callbacks (and those they schedule) until none are left. */
  runDeferred(limit = 100): void {
    for (let i = 0; i < limit && this.deferred.length > 0; i++) {
      const batch = this.deferred;
      this.deferred = [];
      for (const fn of batch) fn();
    }
  }
  get pendingDeferred(): number {
    return this.deferred.length;
  }
  /** Everything written since the last take(), as messages. */
  take(): Wire[] {
    const all = Buffer.concat(this.written);
    this.written = [];
    return splitMessages(all);
  }
  takeBytes(): Buffer {
    const all = Buffer.concat(this.written);
    this.written = [];
    return all;
  }
}

/** Frames a request: 16-byte header (24 when `extended`), payload zero-padded to 8. */
export function frame(
  cmd: number,
  dt: number,
  cnt: number,
  p1: number,
  p2: number,
  payload: Buffer = Buffer.alloc(0),
  opts: { extended?: boolean; size?: number } = {},
): Buffer {
  const padded = (payload.length + 7) & ~7;
  const size = opts.size ?? padded;
  const hlen = opts.extended ? 24 : 16;
  const out = Buffer.alloc(hlen + padded);
  out.writeUInt16BE(cmd, 0);
  out.writeUInt16BE(dt, 4);
  out.writeUInt32BE(p1 >>> 0, 8);
  out.writeUInt32BE(p2 >>> 0, 12);
  if (opts.extended) {
    out.writeUInt16BE(0xffff, 2);
    out.writeUInt16BE(0, 6);
    out.writeUInt32BE(size, 16);
    out.writeUInt32BE(cnt, 20);
  } else {
    out.writeUInt16BE(size, 2);
    out.writeUInt16BE(cnt, 6);
  }
  payload.copy(out, hlen);
  return out;
}

/** A NUL-terminated name payload (padding is added by frame()). */
export function cstr(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.alloc(1)]);
}

export function f64(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleBE(v, i * 8));
  return b;
}

export function i32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeInt32BE(v, i * 4));
  return b;
}

export function i16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16BE(v, i * 2));
  return b;
}

/** EVENT_ADD request payload: low, high, to (ignored) and the mask at offset 12. */
export function eventMask(mask: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16BE(mask, 12);
  return b;
}

/** Splits a byte stream into messages (standard and extended headers); throws on a truncated tail. */
export function splitMessages(buf: Buffer): Wire[] {
  const out: Wire[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 16) throw new Error(`truncated header at ${off}`);
    let size = buf.readUInt16BE(off + 2);
    let cnt = buf.readUInt16BE(off + 6);
    let hlen = 16;
    const extended = size === 0xffff;
    if (extended) {
      size = buf.readUInt32BE(off + 16);
      cnt = buf.readUInt32BE(off + 20);
      hlen = 24;
    }
    if (buf.length - off < hlen + size) throw new Error(`truncated payload at ${off}`);
    out.push({
      cmd: buf.readUInt16BE(off),
      size,
      dt: buf.readUInt16BE(off + 4),
      cnt,
      p1: buf.readUInt32BE(off + 8),
      p2: buf.readUInt32BE(off + 12),
      body: buf.subarray(off + hlen, off + hlen + size),
      extended,
    });
    off += hlen + size;
  }
  return out;
}

/** The header fields only, for compact toEqual assertions. */
export function fields(w: Wire): [number, number, number, number, number, number] {
  return [w.cmd, w.size, w.dt, w.cnt, w.p1, w.p2];
}

export interface Rig {
  provider: SimpleProvider;
  transport: MemoryTransport;
  circuit: Circuit;
  log: ReturnType<typeof memoryLogger>;
  /** Sends request bytes and returns every message the circuit wrote in response (deferred work run). */
  send(...requests: Buffer[]): Wire[];
  /** Creates a channel the way libca does and returns its SID (the replies are checked elsewhere). */
  open(name: string, cid: number): number;
}

/** A circuit wired to a provider the way startCaServer wires it (removal and access-change events). */
export function rig(provider = new SimpleProvider(), maxPayload?: number): Rig {
  const transport = new MemoryTransport();
  const log = memoryLogger();
  const circuit = new Circuit(provider, { ip: '127.0.0.1', port: 40000 }, transport, log, maxPayload);
  provider.onRemoved((names) => circuit.pvsRemoved(new Set(names)));
  provider.onAccessChanged(() => circuit.accessChanged());
  const send = (...requests: Buffer[]): Wire[] => {
    circuit.receive(Buffer.concat(requests));
    transport.runDeferred();
    return transport.take();
  };
  const open = (name: string, cid: number): number => {
    const replies = send(frame(0, 0, 13, 0, 0), frame(18, 0, 0, cid, 13, cstr(name)));
    const created = replies.find((r) => r.cmd === 18);
    if (!created) throw new Error(`channel ${name} was not created: ${JSON.stringify(replies.map(fields))}`);
    return created.p2;
  };
  return { provider, transport, circuit, log, send, open };
}
