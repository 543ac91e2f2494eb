// STATUS_MSG: the sentence that explains STATUS, naming every PV in alarm grouped by severity, worst
// first ("MAJOR: GWF01:STATE FATAL; MINOR: MEM_USED_PCT HIGH"); empty when nothing is in alarm. A PV is
// described by its state string when it is an enum (bi/mbbi: what an operator sees on a display), else by
// its alarm status (HIGH, HIHI, READ, COMM ...). Pure: reads record handles, writes nothing.
import { ALARM_SEVERITY_STRINGS, ALARM_STATUS_STRINGS, NO_ALARM } from '../../ca/constants.js';
import type { RecordHandle } from '../db/index.js';
import { MBB_STRING_FIELDS } from '../records/record-types.js';

/** One PV that STATUS summarises: its name as shown (after the agent prefix) and its alarm. */
export interface AlarmSource {
  name: string;
  severity: number;
  /** What is wrong, in a word or two: `FATAL`, `No`, `HIGH`, `READ`. */
  why: string;
}

/** The state string of an enum record, or undefined for other record types. */
function enumText(rec: RecordHandle): string | undefined {
  const v = Number(rec.get());
  const type = rec.type.name;
  if (type === 'bi' || type === 'bo') return String(rec.field(v ? 'ONAM' : 'ZNAM'));
  if (type === 'mbbi' || type === 'mbbo') {
    const field = MBB_STRING_FIELDS[v];
    return field ? String(rec.field(field)) : undefined;
  }
  return undefined;
}

/** A record as an AlarmSource; `name` is how the message names it (the prefix left out). */
export function recordAlarm(rec: RecordHandle, name: string): AlarmSource {
  const { severity, status } = rec.alarm;
  // An INVALID enum's state string is stale: say why it is invalid instead.
  const text = severity < 3 ? enumText(rec) : undefined;
  const why = text || (ALARM_STATUS_STRINGS[status] ?? `status ${status}`);
  return { name, severity, why };
}

/** The message: sources in alarm grouped by severity (worst first), in the order given; '' if none. */
export function statusMessage(sources: Iterable<AlarmSource>): string {
  const groups = new Map<number, string[]>();
  for (const s of sources) {
    if (s.severity <= NO_ALARM) continue;
    const sev = Math.min(s.severity, ALARM_SEVERITY_STRINGS.length - 1);
    const list = groups.get(sev) ?? [];
    list.push(`${s.name} ${s.why}`);
    groups.set(sev, list);
  }
  return [...groups.keys()]
    .sort((a, b) => b - a)
    .map((sev) => `${ALARM_SEVERITY_STRINGS[sev]}: ${groups.get(sev)!.join(', ')}`)
    .join('; ');
}
