// Turning what the agent or a CA put supplies into a record's VAL representation: scalar
// conversion, waveform element arrays (always fresh, so snapshots stay immutable), DRVH/DRVL
// clamping of analog outputs, and storing VAL with its UDF and NORD. Does not process the record
// or evaluate alarms; the only post is NORD's, when a waveform's length changes.
import { DBE_LOG, DBE_VALUE } from '../../ca/constants.js';
import { castToType } from './field-def.js';
import type { FieldDef, FieldType } from './field-def.js';
import { stateStrings } from './metadata.js';
import type { ArrayValue, RecordInput, RecordValue } from './record-api.js';
import { post } from './record-monitors.js';
import type { RecordState } from './record-state.js';
import { convertElement, stringToBytes } from './value-convert.js';
import type { ConvertContext } from './value-convert.js';

const TYPED_ARRAYS = {
  CHAR: Int8Array,
  UCHAR: Uint8Array,
  SHORT: Int16Array,
  USHORT: Uint16Array,
  LONG: Int32Array,
  ULONG: Uint32Array,
  INT64: Float64Array,
  UINT64: Float64Array,
  FLOAT: Float32Array,
  DOUBLE: Float64Array,
  ENUM: Uint16Array,
} as const;

/** A new element array of a waveform's element type (FTVL), zero- or ''-filled. */
export function emptyArray(valType: FieldType, length: number): ArrayValue {
  if (valType === 'STRING') return new Array<string>(length).fill('');
  const Ctor = TYPED_ARRAYS[valType as keyof typeof TYPED_ARRAYS];
  return new Ctor(length);
}

/** DRVH/DRVL limit an output's value when DRVH > DRVL. */
export function clamp(s: RecordState, v: number): number {
  const drvh = s.num('DRVH');
  const drvl = s.num('DRVL');
  if (drvh > drvl) {
    if (v > drvh) return drvh;
    if (v < drvl) return drvl;
  }
  return v;
}

/** Stores a new VAL (already in the right representation) and clears UDF unless it is NaN. */
export function assignVal(s: RecordState, v: RecordValue): void {
  if (typeof v === 'number') {
    let n = castToType(s.valType, v);
    if (s.type.kind === 'binary') n = n ? 1 : 0;
    if (s.type.isOutput && s.type.kind === 'analog') n = clamp(s, n);
    s.val = n;
  } else if (typeof v === 'string') {
    s.val = v;
  } else {
    s.val = v;
    setNord(s, v.length);
  }
  s.udf = typeof s.val === 'number' && Number.isNaN(s.val);
}

function setNord(s: RecordState, n: number): void {
  if (n === s.nord) return;
  s.nord = n;
  s.snapshots.clear();
  post(s, 'NORD', DBE_VALUE | DBE_LOG);
}

/** Agent input -> VAL representation (a fresh array for waveforms: snapshots stay immutable). */
export function fromInput(s: RecordState, value: RecordInput): RecordValue | undefined {
  if (s.type.kind === 'waveform') {
    const nelm = s.num('NELM');
    let items: ArrayLike<number | string>;
    if (typeof value === 'string') {
      items = s.valType === 'STRING' ? [value] : stringToBytes(value, nelm);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      items = [Number(value)];
    } else {
      items = value;
    }
    return arrayFrom(s, items, true);
  }
  const ctx = convertContext(s, s.valDef);
  const v = typeof value === 'boolean' ? Number(value) : value;
  if (typeof v !== 'number' && typeof v !== 'string') return undefined;
  return convertElement(s.valType, s.valDef, v, true, ctx);
}

/** Builds a new element array of at most NELM elements from numbers or strings; undefined on failure. */
export function arrayFrom(
  s: RecordState,
  items: ArrayLike<number | string>,
  floatSource: boolean,
): ArrayValue | undefined {
  const n = Math.min(items.length, s.num('NELM'));
  const out = emptyArray(s.valType, n);
  if (ArrayBuffer.isView(out) && s.valType !== 'INT64' && s.valType !== 'UINT64') {
    if (ArrayBuffer.isView(items) && !(items instanceof DataView)) {
      // Typed array in, typed array out: the element conversion is the typed array's own C-like cast.
      out.set((items as unknown as Float64Array).subarray(0, n));
      return out;
    }
    let numeric = true;
    for (let i = 0; i < n && numeric; i++) numeric = typeof items[i] === 'number';
    if (numeric) {
      for (let i = 0; i < n; i++) out[i] = items[i] as number;
      return out;
    }
  }
  const ctx = convertContext(s, s.valDef);
  for (let i = 0; i < n; i++) {
    const v = convertElement(s.valType, s.valDef, items[i]!, floatSource, ctx);
    if (v === undefined) return undefined;
    (out as (number | string)[])[i] = v;
  }
  return out;
}

/** The record's PREC (6 without one) and, for an enum VAL, its state strings. */
export function convertContext(s: RecordState, def: FieldDef): ConvertContext {
  const hasPrec = s.type.fields.has('PREC');
  return {
    precision: hasPrec ? s.num('PREC') : 6,
    states: def.name === 'VAL' && def.type === 'ENUM' ? stateStrings(s) : undefined,
  };
}
