// Alarm evaluation as the EPICS record support routines do it (aiRecord.c checkAlarms and friends):
// limit alarms with hysteresis, binary and multi-bit state alarms, change-of-state. Pure functions:
// they read plain numbers and report the raised (status, severity) pairs through `raise`, which
// keeps the highest severity as recGblSetSevr does.
import { COS_ALARM, HIGH_ALARM, HIHI_ALARM, LOLO_ALARM, LOW_ALARM, STATE_ALARM } from '../../ca/constants.js';

/** recGblSetSevr: keeps the first raised condition of the highest severity; returns whether it took it. */
export type RaiseAlarm = (status: number, severity: number) => boolean;

export interface AnalogLimits {
  hihi: number;
  high: number;
  low: number;
  lolo: number;
  hhsv: number;
  hsv: number;
  lsv: number;
  llsv: number;
  hyst: number;
}

/**
 * Limit alarms of ai/ao/longin/longout. A limit is active only when its severity is not NO_ALARM.
 * `lalm` is the limit that alarmed last: while the value stays within HYST of it, the alarm holds.
 * Returns the new LALM (the limit that alarmed, or the value once clear of every limit by HYST).
 */
export function analogAlarms(val: number, l: AnalogLimits, lalm: number, raise: RaiseAlarm): number {
  if (l.hhsv && (val >= l.hihi || (lalm === l.hihi && val >= l.hihi - l.hyst))) {
    return raise(HIHI_ALARM, l.hhsv) ? l.hihi : lalm;
  }
  if (l.llsv && (val <= l.lolo || (lalm === l.lolo && val <= l.lolo + l.hyst))) {
    return raise(LOLO_ALARM, l.llsv) ? l.lolo : lalm;
  }
  if (l.hsv && (val >= l.high || (lalm === l.high && val >= l.high - l.hyst))) {
    return raise(HIGH_ALARM, l.hsv) ? l.high : lalm;
  }
  if (l.lsv && (val <= l.low || (lalm === l.low && val <= l.low + l.hyst))) {
    return raise(LOW_ALARM, l.lsv) ? l.low : lalm;
  }
  return val;
}

/**
 * State and change-of-state alarms of bi/bo (state severities [ZSV, OSV]) and mbbi/mbbo
 * (ZRSV..FFSV, with UNSV for a value past the 16 states). Returns the new LALM (the value).
 */
export function stateAlarms(
  val: number,
  stateSeverities: readonly number[],
  unknownSeverity: number,
  cosv: number,
  lalm: number,
  raise: RaiseAlarm,
): number {
  const sev = stateSeverities[val];
  raise(STATE_ALARM, sev ?? unknownSeverity);
  if (val !== lalm) raise(COS_ALARM, cosv);
  return val;
}
