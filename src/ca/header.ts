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
  buf.writeUInt16BE(command, offset);
  buf.writeUInt16BE(dataType & 0xffff, offset + 4);
  buf.writeUInt32BE(parameter1 >>> 0, offset + 8);
  buf.writeUInt32BE(parameter2 >>> 0, offset + 12);
  if (needsExtendedHeader(paddedSize, dataCount)) {
    buf.writeUInt16BE(EXTENDED_MARKER, offset + 2);
    buf.writeUInt16BE(0, offset + 6);
    buf.writeUInt32BE(paddedSize >>> 0, offset + 16);
    buf.writeUInt32BE(dataCount >>> 0, offset + 20);
    return EXTENDED_HEADER_SIZE;
  }
  buf.writeUInt16BE(paddedSize, offset + 2);
  buf.writeUInt16BE(dataCount, offset + 6);
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
