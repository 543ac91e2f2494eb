// Value conversions between CA native types, as the IOC database does them (dbConvert.c, cvtFast.c):
// number to string honouring PREC, string to number with C-like leniency, enum to and from its strings.
// Pure functions; a failed conversion returns undefined and the caller turns it into an ECA status.
import { MAX_STRING_SIZE } from './constants.js';

/**
 * Formats a floating-point value the way an IOC does for DBR_STRING (cvtDoubleToString):
 * fixed notation with PREC decimals when |v| < 1e7 and 0 <= PREC <= 8; exponential otherwise.
 */
export function formatDouble(value: number, precision: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  const prec = Math.max(0, Math.min(Math.trunc(precision), 17));
  const abs = Math.abs(value);
  if (prec > 8 || abs >= 1e16) {
    return formatExponential(value, prec);
  }
  if (abs >= 1e7) {
    return value.toFixed(Math.min(prec, 3));
  }
  return value.toFixed(prec);
}

function formatExponential(value: number, prec: number): string {
  // C's %e prints at least two exponent digits.
  const [mant, exp = '0'] = value.toExponential(prec).split('e');
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[-+]/, '').padStart(2, '0');
  return `${mant}e${sign}${digits}`;
}

/** Integer natives format as plain decimal. */
export function formatInteger(value: number): string {
  return String(Math.trunc(value));
}

/**
 * Parses text to a number as the IOC does for puts of DBR_STRING to numeric fields: empty (or blank)
 * is 0, leading blanks skipped, trailing text after the number ignored ("12 mm" is 12), no digits at all
 * is a failure. Hex (0x..) is accepted for integers, as epicsParseLong does.
 */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return 0;
  const hex = /^([-+]?)0[xX]([0-9a-fA-F]+)/.exec(t);
  if (hex) {
    const v = Number.parseInt(hex[2]!, 16);
    return hex[1] === '-' ? -v : v;
  }
  const m = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)/i.exec(t);
  if (!m) return undefined;
  const s = m[0].toLowerCase();
  if (s.endsWith('nan')) return Number.NaN;
  if (s.includes('inf')) return s.startsWith('-') ? -Infinity : Infinity;
  return Number(m[0]);
}

/**
 * STRING -> ENUM index: an exact match of a state string first; otherwise an unsigned integer below
 * the number of states; otherwise undefined (ECA_PUTFAIL).
 */
export function enumIndexFromString(text: string, states: readonly string[]): number | undefined {
  const exact = states.indexOf(text);
  if (exact >= 0) return exact;
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < Math.max(states.length, 1)) return n;
  }
  return undefined;
}

/** ENUM index -> string: the state string, or 'Illegal Value' past the defined states (as mbbi does). */
export function enumStringFromIndex(index: number, states: readonly string[]): string {
  const s = states[index];
  if (s !== undefined) return s;
  return states.length === 0 ? String(index) : 'Illegal Value';
}

/** Truncates a JS string so its Latin-1 encoding fits a slot of `size` bytes including the NUL. */
export function fitString(text: string, size = MAX_STRING_SIZE): string {
  return text.length < size ? text : text.slice(0, size - 1);
}

/** Casts a number to a C integer type of the given width, as a C cast would (wrapping). */
export function toInt16(v: number): number {
  return (toIntegerOrZero(v) << 16) >> 16;
}
export function toUint16(v: number): number {
  return toIntegerOrZero(v) & 0xffff;
}
export function toUint8(v: number): number {
  return toIntegerOrZero(v) & 0xff;
}
export function toInt32(v: number): number {
  return toIntegerOrZero(v) | 0;
}

/** NaN -> 0; saturate out-of-range values to the int32 range before wrapping casts. */
function toIntegerOrZero(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v);
}

/** Latin-1 bytes of a long-string channel (`FIELD$`) or a CHAR waveform holding text up to the first NUL -> text. */
export function bytesToString(bytes: readonly number[]): string {
  let s = '';
  for (const b of bytes) {
    const c = b & 0xff;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}
