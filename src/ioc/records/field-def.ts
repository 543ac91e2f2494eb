// How a record field is declared: its EPICS field type, size, menu, access level and the flags that
// decide what a write does (process passive, property change, read-only). Also the mapping of those
// types onto the seven CA native types (ca-protocol.md §7.1) and the C casts into each type.
// Pure data and functions: no record state here.
import {
  DBF_CHAR,
  DBF_DOUBLE,
  DBF_ENUM,
  DBF_FLOAT,
  DBF_LONG,
  DBF_SHORT,
  DBF_STRING,
} from '../../ca/constants.js';
import type { DbfType } from '../../ca/constants.js';
import { toInt16, toInt32, toUint16, toUint8 } from '../../ca/convert.js';

/** EPICS field types (DBF_* of dbFldTypes.h); LINK covers INLINK/OUTLINK/FWDLINK, DEVICE is DTYP. */
export type FieldType =
  | 'STRING'
  | 'CHAR'
  | 'UCHAR'
  | 'SHORT'
  | 'USHORT'
  | 'LONG'
  | 'ULONG'
  | 'INT64'
  | 'UINT64'
  | 'FLOAT'
  | 'DOUBLE'
  | 'ENUM'
  | 'MENU'
  | 'LINK'
  | 'DEVICE';

/** One field of a record type, as a .dbd file declares it (only what our model uses). */
export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** STRING: buffer size including the NUL (DESC 41, NAME 61, EGU 16, ZNAM 26...). */
  readonly size?: number;
  /** MENU: the choice strings. */
  readonly menu?: readonly string[];
  /** special(SPC_NOMOD): never writable over CA, reported without write access. */
  readonly readOnly?: boolean;
  /** Access security level; EPICS defaults every field to ASL1 and VAL fields declare ASL0. */
  readonly asl: 0 | 1;
  /** pp(TRUE): a put to this field processes the record. */
  readonly pp?: boolean;
  /** prop(YES): a put posts DBE_PROPERTY to every channel of the record. */
  readonly prop?: boolean;
  /** initial(...) in the .dbd, as a typed value. */
  readonly initial?: number | string;
}

/** The CA native type a field of this type is served as (§7.1: USHORT->LONG, ULONG/INT64->DOUBLE...). */
export function caNativeType(type: FieldType): DbfType {
  switch (type) {
    case 'STRING':
    case 'LINK':
    case 'DEVICE':
      return DBF_STRING;
    case 'CHAR':
    case 'UCHAR':
      return DBF_CHAR;
    case 'SHORT':
      return DBF_SHORT;
    case 'USHORT':
    case 'LONG':
      return DBF_LONG;
    case 'FLOAT':
      return DBF_FLOAT;
    case 'ENUM':
    case 'MENU':
      return DBF_ENUM;
    case 'ULONG':
    case 'INT64':
    case 'UINT64':
    case 'DOUBLE':
      return DBF_DOUBLE;
  }
}

export function isStringType(type: FieldType): boolean {
  return type === 'STRING' || type === 'LINK' || type === 'DEVICE';
}

export function isFloatType(type: FieldType): boolean {
  return type === 'FLOAT' || type === 'DOUBLE';
}

/** Integer-valued types, including the enum/menu index types. */
export function isIntegerType(type: FieldType): boolean {
  return !isStringType(type) && !isFloatType(type);
}

const RANGES: Partial<Record<FieldType, readonly [number, number]>> = {
  CHAR: [-128, 127],
  UCHAR: [0, 255],
  SHORT: [-32768, 32767],
  USHORT: [0, 65535],
  LONG: [-2147483648, 2147483647],
  ULONG: [0, 4294967295],
  INT64: [-(2 ** 63), 2 ** 63],
  UINT64: [0, 2 ** 64],
  FLOAT: [-1e30, 1e30],
  DOUBLE: [-1e300, 1e300],
  ENUM: [0, 65535],
  MENU: [0, 65535],
};

/** [lower, upper] of the type, what an IOC reports as limits of fields without their own (§8.1). */
export function typeRange(type: FieldType): readonly [number, number] {
  return RANGES[type] ?? [0, 0];
}

/** Casts a number into the field type as C would (wrapping integers, NaN -> 0, float rounding). */
export function castToType(type: FieldType, v: number): number {
  switch (type) {
    case 'CHAR':
      return (toInt32(v) << 24) >> 24;
    case 'UCHAR':
      return toUint8(v);
    case 'SHORT':
      return toInt16(v);
    case 'USHORT':
    case 'ENUM':
    case 'MENU':
      return toUint16(v);
    case 'LONG':
      return toInt32(v);
    case 'ULONG':
      return toUint32(v);
    case 'INT64':
    case 'UINT64':
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'FLOAT':
      return Math.fround(v);
    default:
      return v;
  }
}

/** A C cast to epicsUInt32 (absent from ca/convert.ts): NaN -> 0, out-of-range values wrap modulo 2^32. */
export function toUint32(v: number): number {
  if (!Number.isFinite(v)) return 0;
  const t = Math.trunc(v) % 4294967296;
  return t < 0 ? t + 4294967296 : t;
}
