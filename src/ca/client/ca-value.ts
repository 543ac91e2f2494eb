// What the client hands to applications: a decoded DBR reply as a plain object (value, time stamp as a
// Date and as EPICS seconds/nanoseconds, alarm, display metadata), and the payload of a put built from
// plain JS values. Pure: conversion only; the wire layouts live in ../dbr.ts.
import { DBF_DOUBLE, DBF_STRING, DBR_STRING, POSIX_TIME_AT_EPICS_EPOCH, type DbfType } from '../constants.js';
import { dbrBaseType, encodeDbr, isValidDbrType } from '../dbr.js';
import type { DecodedDbr, EpicsTimeStamp } from '../value.js';
import { EMPTY_METADATA } from '../value.js';
import { GwError } from '../../errors.js';

/**
 * One reply or monitor update, decoded: the codec's DecodedDbr (alarm, time stamp, display metadata; each
 * present only when the DBR type carries it) with the value shaped for applications and the time as a Date.
 */
export interface CaValue extends Omit<DecodedDbr, 'value'> {
  /** The value: a scalar for scalar channels, an array (possibly empty) for array channels. */
  value: number | string | number[] | string[];
  /** Always the array of elements. */
  values: number[] | string[];
  /** The same instant as `stamp` (seconds since 1990-01-01 UTC), as a Date (ms resolution). */
  timestamp?: Date;
}

export function epicsStampToDate(stamp: EpicsTimeStamp): Date {
  return new Date((stamp.secPastEpoch + POSIX_TIME_AT_EPICS_EPOCH) * 1000 + Math.floor(stamp.nsec / 1e6));
}

/** Turns a decoded payload into a CaValue; `isArray` comes from the channel's native count (> 1). */
export function toCaValue(data: DecodedDbr, isArray: boolean): CaValue {
  // A count-0 reply (empty array) still carries one zeroed slot on the wire (§8.3): drop it.
  const values = data.count === 0 ? [] : data.value;
  const out: CaValue = {
    dbrType: data.dbrType,
    count: values.length,
    value: isArray || values.length !== 1 ? values : values[0]!,
    values,
  };
  const { dbrType: _t, count: _c, value: _v, ...meta } = data;
  Object.assign(out, meta);
  if (data.stamp) out.timestamp = epicsStampToDate(data.stamp);
  return out;
}

/** A value an application may put: numbers, strings, or arrays of either. */
export type PutValue = number | string | readonly number[] | readonly string[];

/** The DBR type a put is sent as when the caller does not choose: strings as DBR_STRING, else native. */
export function defaultPutType(value: PutValue, nativeType: DbfType): number {
  const first = Array.isArray(value) ? (value as readonly unknown[])[0] : value;
  if (typeof first === 'string') return DBR_STRING;
  // A number to a STRING channel: send it as a DOUBLE and let the server format it.
  return nativeType === DBF_STRING ? DBF_DOUBLE : nativeType;
}

/** Encodes a put payload of a plain DBR type (0..6) through the shared DBR encoder. */
export function encodePut(value: PutValue, dbrType: number): { payload: Buffer; count: number } {
  if (!isValidDbrType(dbrType) || dbrType > 6) {
    throw new GwError('GW_USAGE', `puts use a plain DBR type (0..6), not ${dbrType}`);
  }
  const elements = (Array.isArray(value) ? value : [value]) as readonly (number | string)[];
  if (elements.length === 0) throw new GwError('GW_USAGE', 'cannot put an empty array');
  const allStrings = elements.every((e) => typeof e === 'string');
  const allNumbers = elements.every((e) => typeof e === 'number');
  if (!allStrings && !allNumbers) throw new GwError('GW_USAGE', 'a put mixes strings and numbers');
  const base = dbrBaseType(dbrType);
  if (allStrings && base !== DBF_STRING) {
    throw new GwError('GW_USAGE', `string values are put as DBR_STRING, not DBR type ${dbrType}`);
  }
  if (allStrings && (elements as string[]).some((s) => Buffer.byteLength(s, 'latin1') > 39)) {
    // libca refuses strings that do not fit a 40-byte slot with their NUL.
    throw new GwError('GW_USAGE', 'a string value is longer than 39 characters');
  }
  if (base === DBF_STRING && allNumbers) {
    // Numbers put as DBR_STRING: the shortest exact text, not an IOC PREC format.
    const payload = Buffer.alloc(elements.length * 40);
    (elements as number[]).forEach((n, i) => payload.write(String(n).slice(0, 39), i * 40, 'latin1'));
    return { payload, count: elements.length };
  }
  const encoded = encodeDbr(dbrType, elements.length, {
    nativeType: allStrings ? DBF_STRING : DBF_DOUBLE,
    value: elements,
    count: elements.length,
    status: 0,
    severity: 0,
    stamp: { secPastEpoch: 0, nsec: 0 },
    meta: EMPTY_METADATA,
    ackt: 0,
    acks: 0,
    className: '',
  });
  return { payload: encoded.payload, count: encoded.count };
}
