// Converting incoming values into a field's type: CA put payloads (lenient, as dbPut does: "12 mm"
// is 12, enum strings by exact match) and .db field text (strict, as dbStaticLib does: trailing
// junk, out-of-range integers and unknown menu choices are errors). Pure functions; a failed
// conversion returns undefined (puts: ECA_PUTFAIL) or an error reason (.db: a located problem).
import {
  enumIndexFromString,
  fitString,
  formatDouble,
  formatInteger,
  parseNumber,
} from '../../ca/convert.js';
import { castToType, isFloatType, isStringType, typeRange } from './field-def.js';
import type { FieldDef, FieldType } from './field-def.js';

/** What a conversion needs besides the field: the record's PREC and, for enum VALs, its states. */
export interface ConvertContext {
  /** Precision used to format numbers into string fields (record PREC, or 6 without one). */
  precision: number;
  /** State strings of an ENUM field (bi/bo/mbbi/mbbo VAL). */
  states?: readonly string[];
}

export type Scalar = number | string;

/** DBR_FLOAT/DBR_DOUBLE families carry fractional numbers: formatted with PREC into strings. */
export function isFloatDbr(dbrType: number): boolean {
  const base = dbrType <= 34 ? dbrType % 7 : -1;
  return base === 2 || base === 6;
}

/** One put element (number or string from a DecodedDbr) -> the field's type; undefined on failure. */
export function convertElement(
  type: FieldType,
  def: Pick<FieldDef, 'size' | 'menu'>,
  v: number | string,
  floatSource: boolean,
  ctx: ConvertContext,
): Scalar | undefined {
  if (isStringType(type)) {
    const text = typeof v === 'string' ? v : floatSource ? formatDouble(v, ctx.precision) : formatInteger(v);
    return fitString(text, def.size ?? 40);
  }
  if (type === 'MENU') {
    const choices = def.menu ?? [];
    const index = typeof v === 'string' ? enumIndexFromString(v, choices) : castToType('MENU', v);
    return index !== undefined && index < choices.length ? index : undefined;
  }
  if (type === 'ENUM' && typeof v === 'string') return enumIndexFromString(v, ctx.states ?? []);
  const n = typeof v === 'string' ? parseNumber(v) : v;
  return n === undefined ? undefined : castToType(type, n);
}

export { bytesToString } from '../../ca/convert.js';

/** Text -> the bytes of a long-string channel including the NUL, at most `size` bytes. */
export function stringToBytes(text: string, size: number): Uint8Array {
  const t = fitString(text, size);
  const out = new Uint8Array(t.length + 1);
  for (let i = 0; i < t.length; i++) out[i] = t.charCodeAt(i) & 0xff;
  return out;
}

const INTEGER_TEXT = /^[-+]?(?:0[xX][0-9a-fA-F]+|\d+)$/;
const FLOAT_TEXT = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)$/i;

/** Strict .db text -> field value: `{ value }` or `{ error }` with the reason. */
export function parseFieldText(
  type: FieldType,
  def: Pick<FieldDef, 'size' | 'menu'>,
  text: string,
): { value: Scalar } | { error: string } {
  if (isStringType(type)) {
    const size = def.size ?? (type === 'STRING' ? 40 : 1024);
    return text.length < size ? { value: text } : { error: `string longer than ${size - 1} characters` };
  }
  const t = text.trim();
  if (type === 'MENU') {
    const choices = def.menu ?? [];
    const exact = choices.indexOf(t);
    if (exact >= 0) return { value: exact };
    if (/^\d+$/.test(t) && Number(t) < choices.length) return { value: Number(t) };
    return { error: `not one of ${choices.map((c) => `"${c}"`).join(', ')}` };
  }
  if (t === '') return { value: 0 };
  if (isFloatType(type)) {
    if (!FLOAT_TEXT.test(t)) return { error: 'not a number' };
    const n = parseNumber(t) ?? Number.NaN;
    return { value: castToType(type, n) };
  }
  if (!INTEGER_TEXT.test(t)) return { error: 'not an integer' };
  const n = parseNumber(t) ?? Number.NaN;
  const [lo, hi] = typeRange(type);
  if (n < lo || n > hi) return { error: `out of range ${lo}..${hi}` };
  return { value: n };
}
