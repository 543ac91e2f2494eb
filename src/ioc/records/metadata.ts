// GR/CTRL metadata of a record's fields, as EPICS record support reports it (get_units,
// get_precision, get_graphic_double, get_control_double, get_alarm_double, get_enum_strs;
// ca-protocol.md §8.1 and §14.2). Pure: reads field values through FieldReader, keeps no state.
import { MAX_UNITS_SIZE } from '../../ca/constants.js';
import { fitString } from '../../ca/convert.js';
import { EMPTY_METADATA } from '../../ca/value.js';
import type { Metadata } from '../../ca/value.js';
import { isFloatType, isStringType, typeRange } from './field-def.js';
import type { FieldDef, FieldType } from './field-def.js';
import { MBB_STRING_FIELDS } from './record-types.js';
import type { RecordTypeDef } from './record-types.js';

/** Read access to a record's current field values. */
export interface FieldReader {
  readonly type: RecordTypeDef;
  /** The element type of VAL (FTVL for waveforms). */
  readonly valType: FieldType;
  num(field: string): number;
  str(field: string): string;
}

/** Fields an IOC reports with the record's own display limits and units (they hold VAL-like values). */
const VALUE_LIKE = new Set([
  'HIHI',
  'HIGH',
  'LOW',
  'LOLO',
  'LALM',
  'ALST',
  'MLST',
  'OVAL',
  'IVOV',
  'HOPR',
  'LOPR',
]);

/** The state strings of an enum VAL: [ZNAM, ONAM] for bi/bo, ZRST.. up to the last non-empty one for mbbx. */
export function stateStrings(r: FieldReader): readonly string[] {
  if (r.type.kind === 'binary') return [r.str('ZNAM'), r.str('ONAM')];
  if (r.type.kind !== 'multibit') return [];
  const all = MBB_STRING_FIELDS.map((n) => r.str(n));
  let count = 0;
  all.forEach((s, i) => {
    if (s !== '') count = i + 1;
  });
  return all.slice(0, count);
}

/** Metadata of VAL. */
export function valueMetadata(r: FieldReader): Metadata {
  const kind = r.type.kind;
  if (kind === 'binary' || kind === 'multibit') return { ...EMPTY_METADATA, enumStrings: stateStrings(r) };
  if (kind === 'string') return EMPTY_METADATA;
  const units = fitString(r.str('EGU'), MAX_UNITS_SIZE);
  const precision = isFloatType(r.valType) ? r.num('PREC') : 0;
  const hopr = r.num('HOPR');
  const lopr = r.num('LOPR');
  if (kind === 'waveform') {
    return {
      ...EMPTY_METADATA,
      units,
      precision,
      upperDispLimit: hopr,
      lowerDispLimit: lopr,
      upperCtrlLimit: hopr,
      lowerCtrlLimit: lopr,
    };
  }
  let upperCtrlLimit = hopr;
  let lowerCtrlLimit = lopr;
  if (r.type.isOutput) {
    const drvh = r.num('DRVH');
    const drvl = r.num('DRVL');
    // ao always reports DRVH/DRVL; longout only when they form a range (longoutRecord.c).
    if (r.type.name === 'ao' || drvh > drvl) {
      upperCtrlLimit = drvh;
      lowerCtrlLimit = drvl;
    }
  }
  const limit = (lim: string, sev: string) => (r.num(sev) ? r.num(lim) : Number.NaN);
  return {
    units,
    precision,
    upperDispLimit: hopr,
    lowerDispLimit: lopr,
    upperAlarmLimit: limit('HIHI', 'HHSV'),
    upperWarningLimit: limit('HIGH', 'HSV'),
    lowerWarningLimit: limit('LOW', 'LSV'),
    lowerAlarmLimit: limit('LOLO', 'LLSV'),
    upperCtrlLimit,
    lowerCtrlLimit,
    enumStrings: [],
  };
}

/** Metadata of a field other than VAL (and of VAL$-style long strings: none). */
export function fieldMetadata(r: FieldReader, def: FieldDef): Metadata {
  if (isStringType(def.type)) return EMPTY_METADATA;
  // All choices, even past 16 (STAT has 22): GR/CTRL_ENUM carry the first 16, DBR_STRING needs them all.
  if (def.type === 'MENU') return { ...EMPTY_METADATA, enumStrings: def.menu ?? [] };
  const hasEgu = r.type.fields.has('EGU') && r.type.kind !== 'waveform';
  const valueLike = hasEgu && def.type === r.valType && VALUE_LIKE.has(def.name);
  // recGblGetPrec: PREC for float fields (replaced by 15 outside 0..15), 0 for integer fields.
  let precision = 0;
  if (isFloatType(def.type) && r.type.fields.has('PREC')) {
    const p = r.num('PREC');
    precision = p < 0 || p > 15 ? 15 : p;
  }
  const [lower, upper] = valueLike ? [r.num('LOPR'), r.num('HOPR')] : typeRange(def.type);
  return {
    ...EMPTY_METADATA,
    units: hasEgu && def.type === r.valType ? fitString(r.str('EGU'), MAX_UNITS_SIZE) : '',
    precision,
    upperDispLimit: upper,
    lowerDispLimit: lower,
    upperCtrlLimit: upper,
    lowerCtrlLimit: lower,
  };
}
