// Text output of `gwagent ca get|put|monitor|info`, modelled on caget/caput/camonitor/cainfo of EPICS
// base (same columns: name padded to 30, timestamp "YYYY-MM-DD HH:MM:SS.ffffff", value, then alarm
// status and severity when not NO_ALARM; arrays print their element count first). Pure: strings out.
import {
  ALARM_SEVERITY_STRINGS,
  ALARM_STATUS_STRINGS,
  DBR_NAMES,
  LAST_BUFFER_TYPE,
} from '../ca/constants.js';
import type { CaValue, Channel } from '../ca/client/index.js';

const DBF_NAMES = ['DBF_STRING', 'DBF_SHORT', 'DBF_FLOAT', 'DBF_ENUM', 'DBF_CHAR', 'DBF_LONG', 'DBF_DOUBLE'];

/** C's %g (6 significant digits, exponent when < 1e-4 or >= 1e6), which caget uses for floats. */
export function formatG(v: number, precision = 6): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [mant, e = '0'] = v.toExponential(precision - 1).split('e');
    const m = mant!.includes('.') ? mant!.replace(/\.?0+$/, '') : mant!;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** Local time as caget prints it: "2024-01-01 00:00:00.500000" (microseconds from the nanoseconds). */
export function formatStamp(v: CaValue): string {
  if (!v.timestamp || !v.stamp) return '<undefined>';
  const d = v.timestamp;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const micros = p(Math.floor(v.stamp.nsec / 1000), 6);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${micros}`;
}

function element(e: number | string, isFloat: boolean): string {
  if (typeof e === 'string') return e;
  return isFloat ? formatG(e) : String(e);
}

/** The value column: a scalar, or "count v1 v2 ..." for arrays. */
export function formatValue(v: CaValue, isArray: boolean): string {
  const base = v.dbrType <= 34 ? v.dbrType % 7 : -1;
  const isFloat = base === 2 || base === 6;
  const elems = (v.values as (number | string)[]).map((e) => element(e, isFloat));
  return isArray ? [String(v.count), ...elems].join(' ') : (elems[0] ?? '');
}

function alarmSuffix(v: CaValue): string {
  if (v.severity === undefined || (v.severity === 0 && (v.status ?? 0) === 0)) return '';
  return ` ${ALARM_STATUS_STRINGS[v.status ?? 0] ?? v.status} ${ALARM_SEVERITY_STRINGS[v.severity] ?? v.severity}`;
}

export type LineStyle = 'plain' | 'terse' | 'wide';

/** caget's one-line output (plain: name value; terse: value; wide: name time value [stat sevr]). */
export function formatGetLine(name: string, v: CaValue, isArray: boolean, style: LineStyle): string {
  const value = formatValue(v, isArray);
  if (style === 'terse') return value;
  if (style === 'wide') return `${name.padEnd(30)} ${formatStamp(v)} ${value}${alarmSuffix(v)}`;
  return `${name.padEnd(30)} ${value}`;
}

/** camonitor's line: name, time stamp, value, alarm when present. */
export function formatMonitorLine(name: string, v: CaValue, isArray: boolean): string {
  return formatGetLine(name, v, isArray, 'wide');
}

/** caget -d: every field the requested DBR type carries. */
export function formatDetailed(ch: Channel, v: CaValue): string {
  const lines = [ch.name];
  const row = (label: string, value: string | number) =>
    lines.push(`    ${(label + ':').padEnd(18)}${value}`);
  row('Native data type', DBF_NAMES[ch.nativeType ?? -1] ?? 'unknown');
  row('Request type', DBR_NAMES[v.dbrType] ?? String(v.dbrType));
  row('Element count', v.count);
  row('Value', formatValue(v, ch.nativeCount > 1));
  if (v.timestamp) row('Timestamp', formatStamp(v));
  if (v.status !== undefined) row('Status', ALARM_STATUS_STRINGS[v.status] ?? v.status);
  if (v.severity !== undefined) row('Severity', ALARM_SEVERITY_STRINGS[v.severity] ?? v.severity);
  if (v.ackt !== undefined) row('Ack transient', v.ackt ? 'YES' : 'NO');
  if (v.acks !== undefined) row('Ack severity', ALARM_SEVERITY_STRINGS[v.acks] ?? v.acks);
  if (v.units !== undefined) row('Units', v.units);
  if (v.precision !== undefined) row('Precision', v.precision);
  const isFloat = v.precision !== undefined;
  const lim = (label: string, n: number | undefined) => {
    if (n !== undefined) row(label, isFloat ? formatG(n) : String(n));
  };
  lim('Lo disp limit', v.lowerDispLimit);
  lim('Hi disp limit', v.upperDispLimit);
  lim('Lo alarm limit', v.lowerAlarmLimit);
  lim('Lo warn limit', v.lowerWarningLimit);
  lim('Hi warn limit', v.upperWarningLimit);
  lim('Hi alarm limit', v.upperAlarmLimit);
  lim('Lo ctrl limit', v.lowerCtrlLimit);
  lim('Hi ctrl limit', v.upperCtrlLimit);
  if (v.enumStrings) {
    lines.push(`    Enums:            (${String(v.enumStrings.length).padStart(2)})`);
    v.enumStrings.forEach((s, i) => lines.push(`                      [${String(i).padStart(2)}] ${s}`));
  }
  return lines.join('\n');
}

/** cainfo's block. */
export function formatInfo(ch: Channel): string {
  const rights = ch.accessRights;
  const access = `${rights.read ? 'read' : 'no read'}, ${rights.write ? 'write' : 'no write'}`;
  return [
    ch.name,
    `    State:            ${ch.isConnected ? 'connected' : 'not connected'}`,
    `    Host:             ${ch.server ?? '<disconnected>'}`,
    `    Access:           ${access}`,
    `    Native data type: ${DBF_NAMES[ch.nativeType ?? -1] ?? 'unknown'}`,
    `    Request type:     ${DBR_NAMES[ch.nativeType ?? -1] ?? 'unknown'}`,
    `    Element count:    ${ch.nativeCount}`,
  ].join('\n');
}

/** Parses a -d argument: a DBR name with or without the DBR_ prefix (any case), or its number. */
export function parseDbrType(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= LAST_BUFFER_TYPE ? n : undefined;
  }
  const up = text.toUpperCase();
  const i = DBR_NAMES.indexOf(up.startsWith('DBR_') ? up : `DBR_${up}`);
  return i < 0 ? undefined : i;
}
