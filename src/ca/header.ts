// CA message header: the 16-byte standard form and the 24-byte extended ("large array") form.
// Pure: encodes into and decodes from caller-owned buffers, never allocates sockets or timers.

/** A decoded CA message: the six header fields (caProto.h names in comments) and its payload. */
export interface CaMessage {
  /** m_cmmd */
  command: number;
  /** m_postsize: padded payload size in bytes (the real size when the extended header was used). */
  payloadSize: number;
  /** m_dataType */
  dataType: number;
  /** m_count: element count (the real count when the extended header was used). */
  dataCount: number;
  /** m_cid */
  parameter1: number;
  /** m_available */
  parameter2: number;
  /** The payload (a view, not a copy: copy it if you keep it). */
  payload: Buffer;
  /** Whether it arrived with the 24-byte extended header. */
  extended?: boolean;
  /**
   * Set by a StreamParser in skip mode: the message was larger than the limit, its payload was
   * discarded (payload is empty; payloadSize is what the header declared).
   */
  oversize?: boolean;
}

export const HEADER_SIZE = 16;
export const EXTENDED_HEADER_SIZE = 24;
const EXTENDED_MARKER = 0xffff;

/*
 * Big-endian field access by bytes. Buffer's readUInt16BE and friends validate their arguments in
 * JavaScript; on paths run 10,000 times in a burst (a client connecting its channels) they cost more
 * to run and to optimise than the loads themselves. Callers check bounds before they read.
 */

/** The unsigned 16-bit big-endian number at `off`. */
export function getU16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

/** The unsigned 32-bit big-endian number at `off`. */
export function getU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/** Stores the low 16 bits of `v` big-endian at `off`. */
export function putU16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 8;
  buf[off + 1] = v;
}

/** Stores `v` (taken modulo 2^32) big-endian at `off`. */
export function putU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = v >>> 16;
  buf[off + 2] = v >>> 8;
  buf[off + 3] = v;
}

export function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** Whether a message of this padded size and count needs the extended header (rsrv: >= 0xFFFF). */
export function needsExtendedHeader(paddedSize: number, count: number): boolean {
  return paddedSize >= EXTENDED_MARKER || count >= EXTENDED_MARKER;
}

export function headerSize(paddedSize: number, count: number): number {
  return needsExtendedHeader(paddedSize, count) ? EXTENDED_HEADER_SIZE : HEADER_SIZE;
}

/**
 * Writes a header at `offset`, choosing the extended form when needed; returns the header length.
 * `paddedSize` must already be a multiple of 8.
 */
export function writeHeader(
  buf: Buffer,
  offset: number,
  command: number,
  paddedSize: number,
  dataType: number,
  dataCount: number,
  parameter1: number,
  parameter2: number,
): number {
  if (offset < 0 || offset + HEADER_SIZE > buf.length)
    throw new RangeError(`no room for a header at ${offset}`);
  putU16(buf, offset, command);
  putU16(buf, offset + 4, dataType);
  putU32(buf, offset + 8, parameter1);
  putU32(buf, offset + 12, parameter2);
  if (needsExtendedHeader(paddedSize, dataCount)) {
    if (offset + EXTENDED_HEADER_SIZE > buf.length) throw new RangeError(`no room for a header at ${offset}`);
    putU16(buf, offset + 2, EXTENDED_MARKER);
    putU16(buf, offset + 6, 0);
    putU32(buf, offset + 16, paddedSize);
    putU32(buf, offset + 20, dataCount);
    return EXTENDED_HEADER_SIZE;
  }
  putU16(buf, offset + 2, paddedSize);
  putU16(buf, offset + 6, dataCount);
  return HEADER_SIZE;
}

/** Builds one whole message: header plus payload zero-padded to 8. */
export function encodeMessage(
  command: number,
  dataType: number,
  dataCount: number,
  parameter1: number,
  parameter2: number,
  payload?: Buffer,
): Buffer {
  const size = payload ? pad8(payload.length) : 0;
  const hlen = headerSize(size, dataCount);
  const out = Buffer.alloc(hlen + size);
  writeHeader(out, 0, command, size, dataType, dataCount, parameter1, parameter2);
  if (payload) payload.copy(out, hlen);
  return out;
}
