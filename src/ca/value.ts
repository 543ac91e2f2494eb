// Plain-data shapes of a Channel Access value as it travels between the PV model and the DBR codec:
// the value elements, alarm, time stamp and the metadata GR/CTRL requests carry. Pure types.
import type { DbfType } from './constants.js';

/** EPICS time stamp: seconds since 1990-01-01 UTC and nanoseconds. */
export interface EpicsTimeStamp {
  secPastEpoch: number;
  nsec: number;
}

/**
 * Element storage. Numeric natives (SHORT, FLOAT, ENUM, CHAR, LONG, DOUBLE) use a number array or typed
 * array; STRING natives use an array of JS strings (Latin-1 on the wire, at most 39 bytes each).
 */
export type Elements = ArrayLike<number> | readonly string[];

/** Display/alarm/control metadata, as GR and CTRL requests report it. Limits are kept as doubles. */
export interface Metadata {
  units: string;
  precision: number;
  upperDispLimit: number;
  lowerDispLimit: number;
  /** NaN when the matching severity (HHSV, HSV, LSV, LLSV) is NO_ALARM, as an IOC reports it. */
  upperAlarmLimit: number;
  upperWarningLimit: number;
  lowerWarningLimit: number;
  lowerAlarmLimit: number;
  upperCtrlLimit: number;
  lowerCtrlLimit: number;
  /** State strings of an ENUM (at most 16, each at most 25 bytes). */
  enumStrings: readonly string[];
}

/** One consistent view of a PV: what every DBR type is encoded from. */
export interface ValueSnapshot {
  nativeType: DbfType;
  /** Current elements; `count` of them are valid. */
  value: Elements;
  count: number;
  status: number;
  severity: number;
  stamp: EpicsTimeStamp;
  meta: Metadata;
  /** DBR_STSACK_STRING: acknowledge-transient flag and highest unacknowledged severity. */
  ackt: number;
  acks: number;
  /** DBR_CLASS_NAME: the record type. */
  className: string;
}

export const EMPTY_METADATA: Metadata = Object.freeze({
  units: '',
  precision: 0,
  upperDispLimit: 0,
  lowerDispLimit: 0,
  upperAlarmLimit: Number.NaN,
  upperWarningLimit: Number.NaN,
  lowerWarningLimit: Number.NaN,
  lowerAlarmLimit: Number.NaN,
  upperCtrlLimit: 0,
  lowerCtrlLimit: 0,
  enumStrings: [],
});

/** A decoded DBR payload (what a client receives, or what a server receives in a put). */
export interface DecodedDbr {
  dbrType: number;
  count: number;
  /** Numbers for numeric/enum families, strings for STRING families, CLASS_NAME and STSACK_STRING. */
  value: number[] | string[];
  status?: number;
  severity?: number;
  stamp?: EpicsTimeStamp;
  units?: string;
  precision?: number;
  upperDispLimit?: number;
  lowerDispLimit?: number;
  upperAlarmLimit?: number;
  upperWarningLimit?: number;
  lowerWarningLimit?: number;
  lowerAlarmLimit?: number;
  upperCtrlLimit?: number;
  lowerCtrlLimit?: number;
  enumStrings?: string[];
  ackt?: number;
  acks?: number;
}
