// Test-only CA wire helpers shared by the conformance and robustness suites: requests framed by hand
// (header fields in network order, independently of src/ca/messages.ts, so the encoder under test
// never builds its own expectations), server output taken apart, and an in-memory CircuitTransport.
import type { CircuitTransport } from '../../src/ioc/server/circuit.js';

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

/**
 * Frames a request: 16-byte header (24 when `extended`), payload zero-padded to 8. Header fields are
 * truncated to their width, so hostile values can be framed; `size` overrides the payload size field.
 */
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
  out.writeUInt16BE(cmd & 0xffff, 0);
  out.writeUInt16BE(dt & 0xffff, 4);
  out.writeUInt32BE(p1 >>> 0, 8);
  out.writeUInt32BE(p2 >>> 0, 12);
  if (opts.extended) {
    out.writeUInt16BE(0xffff, 2);
    out.writeUInt16BE(0, 6);
    out.writeUInt32BE(size >>> 0, 16);
    out.writeUInt32BE(cnt >>> 0, 20);
  } else {
    out.writeUInt16BE(size & 0xffff, 2);
    out.writeUInt16BE(cnt & 0xffff, 6);
  }
  payload.copy(out, hlen);
  return out;
}

/** The 16 header bytes of a received message, rebuilt from its fields, to compare with spec hex. */
export function headerBytes(w: Pick<Wire, 'cmd' | 'size' | 'dt' | 'cnt' | 'p1' | 'p2'>): Buffer {
  return frame(w.cmd, w.dt, w.cnt, w.p1, w.p2, undefined, { size: w.size });
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

/** Splits a byte stream into whole messages; returns them and the length of the unconsumed tail. */
export function splitStream(buf: Buffer): { messages: Wire[]; rest: number } {
  const messages: Wire[] = [];
  let off = 0;
  while (buf.length - off >= 16) {
    let size = buf.readUInt16BE(off + 2);
    let cnt = buf.readUInt16BE(off + 6);
    let hlen = 16;
    const extended = size === 0xffff;
    if (extended) {
      if (buf.length - off < 24) break;
      size = buf.readUInt32BE(off + 16);
      cnt = buf.readUInt32BE(off + 20);
      hlen = 24;
    }
    if (buf.length - off < hlen + size) break;
    messages.push({
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
  return { messages, rest: buf.length - off };
}

/** Splits bytes that must hold whole messages only; throws on a truncated tail. */
export function splitMessages(buf: Buffer): Wire[] {
  const { messages, rest } = splitStream(buf);
  if (rest > 0) throw new Error(`truncated message: ${rest} bytes left over`);
  return messages;
}

/** The header fields only, for compact toEqual assertions. */
export function fields(w: Wire): [number, number, number, number, number, number] {
  return [w.cmd, w.size, w.dt, w.cnt, w.p1, w.p2];
}

/** Incremental splitter for a socket: keeps the partial tail between chunks. */
export class WireReader {
  private tail: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Wire[] {
    const buf = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const { messages, rest } = splitStream(buf);
    this.tail = Buffer.from(buf.subarray(buf.length - rest));
    return messages;
  }
}

/** In-memory transport: records writes, can refuse them (slow consumer), runs deferred work on demand. */
export class MemoryTransport implements CircuitTransport {
  written: Buffer[] = [];
  writtenBytes = 0;
  closed = false;
  /** When false, write() still takes the bytes but reports a full socket buffer. */
  accepting = true;
  private deferred: (() => void)[] = [];

  write(data: Buffer): boolean {
    this.written.push(Buffer.from(data));
    this.writtenBytes += data.length;
    return this.accepting;
  }
  close(): void {
    this.closed = true;
  }
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }
  /** Whether the circuit asked to stop reading (it holds requests for later turns). */
  inputPaused = false;
  pauseInput(): void {
    this.inputPaused = true;
  }
  resumeInput(): void {
    this.inputPaused = false;
  }
  /** Timers set by the circuit, run by hand with fireTimers(). */
  timers = new Set<() => void>();
  setTimer(fn: () => void): () => void {
    const t = () => {
      this.timers.delete(t);
      fn();
    };
    this.timers.add(t);
    return () => this.timers.delete(t);
  }
  fireTimers(): void {
    for (const t of [...this.timers]) t();
  }
  /** The circuit's clock: stands still unless a test moves it. */
  clockMs = 0;
  now(): number {
    return this.clockMs;
  }
  /** Runs deferred callbacks (and those they schedule) until none are left, at most `limit` rounds. */
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
    return splitMessages(this.takeBytes());
  }
  takeBytes(): Buffer {
    const all = Buffer.concat(this.written);
    this.written = [];
    return all;
  }
}
