// DBR payload codec: the exact struct layouts of db_access.h for every request type 0..38, and the
// conversion of a PV's native value to the requested type. Pure: buffers in, buffers out.
// Layout facts (offsets, RISC_pad fields, STS layout for GR/CTRL_STRING) follow ca-protocol.md §7.
import {
  DBR_CLASS_NAME,
  DBR_PUT_ACKS,
  DBR_PUT_ACKT,
  DBR_STSACK_STRING,
  DBF_CHAR,
  DBF_DOUBLE,
  DBF_ENUM,
  DBF_FLOAT,
  DBF_LONG,
  DBF_SHORT,
  DBF_STRING,
  ECA_BADTYPE,
  ECA_GETFAIL,
  ECA_NORMAL,
  LAST_BUFFER_TYPE,
  MAX_ENUM_STATES,
  MAX_ENUM_STRING_SIZE,
  MAX_STRING_SIZE,
  MAX_UNITS_SIZE,
  type DbfType,
} from './constants.js';
import {
  enumStringFromIndex,
  formatDouble,
  formatInteger,
  parseNumber,
  toInt16,
  toInt32,
  toUint16,
  toUint8,
} from './convert.js';
import { pad8 } from './header.js';
import type { DecodedDbr, ValueSnapshot } from './value.js';

export const FAMILY_PLAIN = 0;
export const FAMILY_STS = 1;
export const FAMILY_TIME = 2;
export const FAMILY_GR = 3;
export const FAMILY_CTRL = 4;
/** PUT_ACKT, PUT_ACKS, STSACK_STRING, CLASS_NAME. */
export const FAMILY_SPECIAL = 5;

/** Bytes per element of each base type (index = DBF type). */
export const ELEMENT_SIZE: readonly number[] = [MAX_STRING_SIZE, 2, 4, 2, 1, 4, 8];

/** Offset of the value within the struct, per DBR type 0..38 (db_access.h dbr_value_offset). */
const VALUE_OFFSET: readonly number[] = [
  0,
  0,
  0,
  0,
  0,
  0,
  0, // plain
  4,
  4,
  4,
  4,
  5,
  4,
  8, // STS
  12,
  14,
  12,
  14,
  15,
  12,
  16, // TIME
  4,
  24,
  40,
  422,
  19,
  36,
  64, // GR (GR_STRING has the STS layout)
  4,
  28,
  48,
  422,
  21,
  44,
  80, // CTRL (CTRL_STRING has the STS layout)
  0,
  0,
  8,
  0, // PUT_ACKT, PUT_ACKS, STSACK_STRING, CLASS_NAME
];

export function isValidDbrType(dbrType: number): boolean {
  return Number.isInteger(dbrType) && dbrType >= 0 && dbrType <= LAST_BUFFER_TYPE;
}

/** The base element type a DBR type carries (DBR_PUT_ACK* carry u16 like ENUM, the rest strings). */
export function dbrBaseType(dbrType: number): DbfType {
  if (dbrType <= 34) return (dbrType % 7) as DbfType;
  return dbrType === DBR_PUT_ACKT || dbrType === DBR_PUT_ACKS ? DBF_ENUM : DBF_STRING;
}

export function dbrFamily(dbrType: number): number {
  return dbrType <= 34 ? Math.floor(dbrType / 7) : FAMILY_SPECIAL;
}

export function dbrValueOffset(dbrType: number): number {
  return VALUE_OFFSET[dbrType] ?? 0;
}

/** Unpadded payload size for `count` elements; count 0 is sized for one element (libca 7.0.3.1). */
export function dbrSize(dbrType: number, count: number): number {
  return dbrValueOffset(dbrType) + Math.max(count, 1) * ELEMENT_SIZE[dbrBaseType(dbrType)]!;
}

/** The plain DBR type of the same base (e.g. DBR_TIME_DOUBLE -> DBR_DOUBLE). */
export function plainType(dbrType: number): number {
  return dbrBaseType(dbrType);
}

/** What `encodeDbr` produced: the padded payload, the element count for the header, and an ECA status. */
export interface EncodedDbr {
  payload: Buffer;
  count: number;
  status: number;
}

/**
 * Encodes `snap` as `dbrType` with `count` elements (0 = the current number of elements, as V4.13
 * defines it). A conversion failure yields a zero-filled payload of the right size and ECA_GETFAIL.
 */
export function encodeDbr(dbrType: number, requestedCount: number, snap: ValueSnapshot): EncodedDbr {
  if (!isValidDbrType(dbrType)) {
    return { payload: Buffer.alloc(8), count: requestedCount, status: ECA_BADTYPE };
  }
  const count = requestedCount === 0 ? snap.count : requestedCount;
  const payload = Buffer.alloc(pad8(dbrSize(dbrType, count)));
  if (dbrType === DBR_PUT_ACKT || dbrType === DBR_PUT_ACKS) {
    // Write-only types: rsrv answers a read with ECA_GETFAIL.
    return { payload, count, status: ECA_GETFAIL };
  }
  writeMetadata(payload, dbrType, snap);
  const ok = writeValues(payload, dbrValueOffset(dbrType), dbrBaseType(dbrType), count, snap, dbrType);
  if (!ok) {
    payload.fill(0);
    return { payload, count, status: ECA_GETFAIL };
  }
  return { payload, count, status: ECA_NORMAL };
}

function writeMetadata(buf: Buffer, dbrType: number, snap: ValueSnapshot): void {
  const family = dbrFamily(dbrType);
  if (family === FAMILY_PLAIN) return;
  if (dbrType === DBR_CLASS_NAME) {
    writeString(buf, 0, snap.className, MAX_STRING_SIZE);
    return;
  }
  buf.writeInt16BE(toInt16(snap.status), 0);
  buf.writeInt16BE(toInt16(snap.severity), 2);
  if (dbrType === DBR_STSACK_STRING) {
    buf.writeUInt16BE(toUint16(snap.ackt), 4);
    buf.writeUInt16BE(toUint16(snap.acks), 6);
    return;
  }
  if (family === FAMILY_TIME) {
    buf.writeUInt32BE(snap.stamp.secPastEpoch >>> 0, 4);
    buf.writeUInt32BE(snap.stamp.nsec >>> 0, 8);
    return;
  }
  if (family === FAMILY_GR || family === FAMILY_CTRL) {
    writeLimits(buf, dbrBaseType(dbrType), family === FAMILY_CTRL, snap);
  }
}

function writeLimits(buf: Buffer, base: DbfType, isCtrl: boolean, snap: ValueSnapshot): void {
  const m = snap.meta;
  if (base === DBF_STRING) return; // GR/CTRL_STRING: STS layout, nothing more
  if (base === DBF_ENUM) {
    const n = Math.min(m.enumStrings.length, MAX_ENUM_STATES);
    buf.writeInt16BE(n, 4);
    for (let i = 0; i < n; i++)
      writeString(buf, 6 + i * MAX_ENUM_STRING_SIZE, m.enumStrings[i]!, MAX_ENUM_STRING_SIZE);
    return;
  }
  const limits = [
    m.upperDispLimit,
    m.lowerDispLimit,
    m.upperAlarmLimit,
    m.upperWarningLimit,
    m.lowerWarningLimit,
    m.lowerAlarmLimit,
  ];
  if (isCtrl) limits.push(m.upperCtrlLimit, m.lowerCtrlLimit);
  let off: number;
  if (base === DBF_FLOAT || base === DBF_DOUBLE) {
    buf.writeInt16BE(toInt16(m.precision), 4);
    // 6..7: RISC_pad
    writeString(buf, 8, m.units, MAX_UNITS_SIZE);
    off = 16;
  } else {
    writeString(buf, 4, m.units, MAX_UNITS_SIZE);
    off = 12;
  }
  const size = ELEMENT_SIZE[base]!;
  for (const v of limits) {
    writeNumber(buf, off, base, v);
    off += size;
  }
}

function writeNumber(buf: Buffer, off: number, base: DbfType, v: number): void {
  switch (base) {
    case DBF_SHORT:
      buf.writeInt16BE(toInt16(v), off);
      break;
    case DBF_FLOAT:
      buf.writeFloatBE(clampToFloat(v), off);
      break;
    case DBF_ENUM:
      buf.writeUInt16BE(toUint16(v), off);
      break;
    case DBF_CHAR:
      buf.writeUInt8(toUint8(v), off);
      break;
    case DBF_LONG:
      buf.writeInt32BE(toInt32(v), off);
      break;
    case DBF_DOUBLE:
      buf.writeDoubleBE(v, off);
      break;
  }
}

const FLT_MAX = 3.4028234663852886e38;
/** double -> float as dbConvert does: finite values beyond FLT_MAX clamp instead of becoming Inf. */
function clampToFloat(v: number): number {
  if (v > FLT_MAX && v !== Infinity) return FLT_MAX;
  if (v < -FLT_MAX && v !== -Infinity) return -FLT_MAX;
  return v;
}

/** Writes a Latin-1 string into a zeroed slot of `size` bytes, leaving at least one NUL. */
export function writeString(buf: Buffer, off: number, text: string, size: number): void {
  if (text.length === 0) return;
  buf.write(text.length >= size ? text.slice(0, size - 1) : text, off, size - 1, 'latin1');
}

/** Reads a NUL-terminated Latin-1 string from a slot (or up to the end of the buffer). */
export function readString(buf: Buffer, off: number, size: number): string {
  const end = Math.min(off + size, buf.length);
  if (off >= end) return '';
  let nul = buf.indexOf(0, off);
  if (nul < 0 || nul > end) nul = end;
  return buf.toString('latin1', off, nul);
}

function writeValues(
  buf: Buffer,
  offset: number,
  base: DbfType,
  count: number,
  snap: ValueSnapshot,
  dbrType: number,
): boolean {
  const n = Math.min(count, snap.count);
  const src = snap.value;
  const native = snap.nativeType;
  if (base === DBF_STRING && dbrType !== DBR_CLASS_NAME) {
    for (let i = 0; i < n; i++) {
      const text = elementToString(src, i, native, snap);
      writeString(buf, offset + i * MAX_STRING_SIZE, text, MAX_STRING_SIZE);
    }
    return true;
  }
  if (dbrType === DBR_CLASS_NAME) return true;
  if (native === DBF_STRING) {
    const strings = src as readonly string[];
    for (let i = 0; i < n; i++) {
      const v = parseNumber(strings[i] ?? '');
      if (v === undefined) return false;
      writeNumber(buf, offset + i * ELEMENT_SIZE[base]!, base, v);
    }
    return true;
  }
  const nums = src as ArrayLike<number>;
  const size = ELEMENT_SIZE[base]!;
  // Fast paths for the common same-type cases (fan-out of scalars and large arrays).
  if (base === DBF_DOUBLE) {
    for (let i = 0; i < n; i++) buf.writeDoubleBE(nums[i]!, offset + i * 8);
    return true;
  }
  for (let i = 0; i < n; i++) writeNumber(buf, offset + i * size, base, nums[i]!);
  return true;
}

function elementToString(
  src: ValueSnapshot['value'],
  i: number,
  native: DbfType,
  snap: ValueSnapshot,
): string {
  if (native === DBF_STRING) return (src as readonly string[])[i] ?? '';
  const v = (src as ArrayLike<number>)[i]!;
  switch (native) {
    case DBF_FLOAT:
    case DBF_DOUBLE:
      return formatDouble(v, snap.meta.precision);
    case DBF_ENUM:
      return enumStringFromIndex(v, snap.meta.enumStrings);
    default:
      return formatInteger(v);
  }
}

/**
 * Decodes a DBR payload (a put from a client, or a reply to our client). Tolerates the short payloads
 * libca sends for scalar strings; reads no more elements than the payload holds.
 */
export function decodeDbr(dbrType: number, count: number, payload: Buffer): DecodedDbr {
  const base = dbrBaseType(dbrType);
  const family = dbrFamily(dbrType);
  const out: DecodedDbr = { dbrType, count, value: [] };
  const offset = dbrValueOffset(dbrType);
  if (dbrType === DBR_CLASS_NAME) {
    out.value = [readString(payload, 0, MAX_STRING_SIZE)];
    out.count = 1;
    return out;
  }
  if (
    family !== FAMILY_PLAIN &&
    dbrType !== DBR_PUT_ACKT &&
    dbrType !== DBR_PUT_ACKS &&
    payload.length >= 4
  ) {
    out.status = payload.readUInt16BE(0);
    out.severity = payload.readUInt16BE(2);
  }
  if (dbrType === DBR_STSACK_STRING && payload.length >= 8) {
    out.ackt = payload.readUInt16BE(4);
    out.acks = payload.readUInt16BE(6);
  }
  if (family === FAMILY_TIME && payload.length >= 12) {
    out.stamp = { secPastEpoch: payload.readUInt32BE(4), nsec: payload.readUInt32BE(8) };
  }
  // A payload too short for the metadata (a hostile or truncated put) carries no limits: reading them
  // would run past its end.
  if ((family === FAMILY_GR || family === FAMILY_CTRL) && base !== DBF_STRING && payload.length >= offset) {
    readLimits(payload, base, family === FAMILY_CTRL, out);
  }
  const size = ELEMENT_SIZE[base]!;
  if (base === DBF_STRING) {
    const strings: string[] = [];
    for (let i = 0; i < Math.max(count, 1); i++) {
      const off = offset + i * MAX_STRING_SIZE;
      if (off >= payload.length) break;
      strings.push(readString(payload, off, MAX_STRING_SIZE));
    }
    out.value = strings;
    // As for numbers below: a count-0 reply (empty array) carries one placeholder slot, count stays 0.
    out.count = count === 0 ? 0 : strings.length;
    return out;
  }
  const available = Math.max(0, Math.floor((payload.length - offset) / size));
  const n = Math.min(count === 0 ? 1 : count, available);
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = readNumber(payload, offset + i * size, base);
  out.value = values;
  out.count = count === 0 ? 0 : n;
  return out;
}

function readNumber(buf: Buffer, off: number, base: DbfType): number {
  switch (base) {
    case DBF_SHORT:
      return buf.readInt16BE(off);
    case DBF_FLOAT:
      return buf.readFloatBE(off);
    case DBF_ENUM:
      return buf.readUInt16BE(off);
    case DBF_CHAR:
      return buf.readUInt8(off);
    case DBF_LONG:
      return buf.readInt32BE(off);
    default:
      return buf.readDoubleBE(off);
  }
}

function readLimits(buf: Buffer, base: DbfType, isCtrl: boolean, out: DecodedDbr): void {
  if (base === DBF_ENUM) {
    if (buf.length < 6) return;
    const n = Math.min(buf.readInt16BE(4), MAX_ENUM_STATES);
    const strs: string[] = [];
    for (let i = 0; i < n; i++)
      strs.push(readString(buf, 6 + i * MAX_ENUM_STRING_SIZE, MAX_ENUM_STRING_SIZE));
    out.enumStrings = strs;
    return;
  }
  let off: number;
  if (base === DBF_FLOAT || base === DBF_DOUBLE) {
    out.precision = buf.readInt16BE(4);
    out.units = readString(buf, 8, MAX_UNITS_SIZE);
    off = 16;
  } else {
    out.units = readString(buf, 4, MAX_UNITS_SIZE);
    off = 12;
  }
  const size = ELEMENT_SIZE[base]!;
  const next = (): number => {
    const v = readNumber(buf, off, base);
    off += size;
    return v;
  };
  out.upperDispLimit = next();
  out.lowerDispLimit = next();
  out.upperAlarmLimit = next();
  out.upperWarningLimit = next();
  out.lowerWarningLimit = next();
  out.lowerAlarmLimit = next();
  if (isCtrl) {
    out.upperCtrlLimit = next();
    out.lowerCtrlLimit = next();
  }
}

/** The plain DBR type a native type is requested with by default. */
export function nativeToDbr(native: DbfType, family: number): number {
  return family * 7 + native;
}
