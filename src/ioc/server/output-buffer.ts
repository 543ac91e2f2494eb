// A circuit's pending output bytes: replies and monitor updates are encoded straight into one chunk,
// and each flush hands the socket a view of what was written since the last one. A region once handed
// out is never written again (the socket may still hold it), so no reply costs its own Buffer and no
// flush copies. Pure: no sockets.
import { EXTENDED_HEADER_SIZE, writeHeader } from '../../ca/header.js';

/** First chunk of a circuit: small, as most circuits send little (Node's pool serves it). */
const MIN_CHUNK = 2048;
/** Chunks grow by doubling up to this size; a larger flush gets a chunk of its own size. */
const MAX_CHUNK = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class OutputBuffer {
  private chunk: Buffer = EMPTY;
  /** First byte not handed out yet. */
  private start = 0;
  /** First free byte. */
  private end = 0;
  private nextSize = MIN_CHUNK;

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.end - this.start;
  }

  /** Makes room for n more bytes; returns the chunk to write into at `this.offset`. */
  reserve(n: number): Buffer {
    if (this.end + n <= this.chunk.length) return this.chunk;
    const pending = this.end - this.start;
    if (this.chunk.length > 0) this.nextSize = Math.min(MAX_CHUNK, this.nextSize * 2);
    const next = Buffer.allocUnsafe(Math.max(this.nextSize, pending + n));
    this.chunk.copy(next, 0, this.start, this.end);
    this.chunk = next;
    this.start = 0;
    this.end = pending;
    return next;
  }

  /** Where the next byte goes in the chunk reserve() returned. */
  get offset(): number {
    return this.end;
  }

  /** Marks n bytes written at `offset` (after reserve). */
  commit(n: number): void {
    this.end += n;
  }

  /** Copies a whole encoded message. */
  append(data: Buffer): void {
    const chunk = this.reserve(data.length);
    this.end += data.copy(chunk, this.end);
  }

  /**
   * Writes one message: header (extended when needed), then the payload zero-padded to 8 bytes.
   * `payload` may be unpadded; the size field says the padded size.
   */
  message(
    command: number,
    dataType: number,
    count: number,
    parameter1: number,
    parameter2: number,
    payload?: Buffer,
  ): void {
    const size = payload === undefined ? 0 : (payload.length + 7) & ~7;
    const chunk = this.reserve(EXTENDED_HEADER_SIZE + size);
    let off = this.end;
    off += writeHeader(chunk, off, command, size, dataType, count, parameter1, parameter2);
    if (payload !== undefined) {
      off += payload.copy(chunk, off);
      const pad = (8 - (payload.length & 7)) & 7;
      // Padding by hand: at most 7 bytes, where Buffer.fill's generic path costs more.
      for (let i = 0; i < pad; i++) chunk[off++] = 0;
    }
    this.end = off;
  }

  /**
   * Everything written since the last take, as a view that stays valid (it is never written again).
   * A chunk left with little room is replaced by the next reserve(), not here: no branch on this path
   * that a server's first thousands of flushes may never take (V8 would recompile the circuit's whole
   * input loop, into which it inlines this, the first time one did).
   */
  take(): Buffer {
    const out = this.chunk.subarray(this.start, this.end);
    this.start = this.end;
    return out;
  }
}
