// dbProcess of a soft record: DISA/DISV disabling, output clamping, the alarm order (agent alarm,
// then UDF or the record type's limit/state alarms), recGblResetAlarms with its SEVR/STAT/ACKS
// posts, and the deadband or change test that decides VAL's DBE_VALUE/DBE_LOG bits.
// Evaluation itself is in alarms.ts and deadband.ts; this module applies it to record state.
import { DBE_ALARM, DBE_LOG, DBE_VALUE, DISABLE_ALARM, NO_ALARM, UDF_ALARM } from '../../ca/constants.js';
import type { EpicsTimeStamp } from '../../ca/value.js';
import { analogAlarms, stateAlarms } from './alarms.js';
import type { RaiseAlarm } from './alarms.js';
import { passesDeadband } from './deadband.js';
import type { RecordValue } from './record-api.js';
import { clamp } from './record-input.js';
import { post } from './record-monitors.js';
import type { RecordState } from './record-state.js';
import { MBB_SEVERITY_FIELDS } from './record-types.js';

/** dbProcess: clamp outputs, evaluate alarms, stamp (now unless given), post monitors. */
export function processRecord(s: RecordState, stamp?: EpicsTimeStamp): void {
  if (s.isRemoved) return;
  if (s.num('DISA') === s.num('DISV')) {
    processDisabled(s);
    return;
  }
  if (s.type.kind === 'analog' && s.type.isOutput && typeof s.val === 'number') {
    s.val = clamp(s, s.val);
  }
  s.stamp = stamp ?? s.host.now();
  let nsta = NO_ALARM;
  let nsev = NO_ALARM;
  const raise: RaiseAlarm = (status, severity) => {
    if (severity <= nsev) return false;
    nsev = severity;
    nsta = status;
    return true;
  };
  // As in EPICS, the device (here: the agent's) alarm is raised first, and the first alarm of the
  // highest severity wins: a never-read value is READ/INVALID, not UDF/INVALID.
  if (s.agentAlarm) raise(s.agentAlarm.status, s.agentAlarm.severity);
  if (s.udf) raise(UDF_ALARM, s.num('UDFS'));
  else checkAlarms(s, raise);
  const valueMask = valueMaskOf(s);
  s.snapshots.clear();
  const valMask = resetAlarms(s, nsta, nsev) | valueMask;
  if (valMask) post(s, 'VAL', valMask);
}

/** Makes MLST/ALST/LALM/OVAL start from VAL, as init_record does, so the first process posts changes only. */
export function primeLastValues(s: RecordState): void {
  if (typeof s.val === 'number') {
    for (const f of ['MLST', 'ALST', 'LALM']) if (s.type.fields.has(f)) s.values.set(f, s.val);
  } else if (typeof s.val === 'string') {
    s.values.set('OVAL', s.val);
  }
  s.lastPosted = s.val;
}

/** dbProcess of a disabled record (DISA = DISV): DISABLE alarm with DISS severity, posted once. */
function processDisabled(s: RecordState): void {
  if (s.stat === DISABLE_ALARM) return;
  s.stat = DISABLE_ALARM;
  s.sevr = s.num('DISS');
  s.snapshots.clear();
  post(s, 'STAT', DBE_VALUE);
  post(s, 'SEVR', DBE_VALUE);
  post(s, 'VAL', DBE_VALUE | DBE_ALARM);
}

function checkAlarms(s: RecordState, raise: RaiseAlarm): void {
  const v = s.val;
  if (typeof v !== 'number') return;
  switch (s.type.kind) {
    case 'analog': {
      const limits = {
        hihi: s.num('HIHI'),
        high: s.num('HIGH'),
        low: s.num('LOW'),
        lolo: s.num('LOLO'),
        hhsv: s.num('HHSV'),
        hsv: s.num('HSV'),
        lsv: s.num('LSV'),
        llsv: s.num('LLSV'),
        hyst: s.num('HYST'),
      };
      s.values.set('LALM', analogAlarms(v, limits, s.num('LALM'), raise));
      return;
    }
    case 'binary':
      s.values.set(
        'LALM',
        stateAlarms(v, [s.num('ZSV'), s.num('OSV')], NO_ALARM, s.num('COSV'), s.num('LALM'), raise),
      );
      return;
    case 'multibit':
      s.values.set(
        'LALM',
        stateAlarms(
          v,
          MBB_SEVERITY_FIELDS.map((f) => s.num(f)),
          s.num('UNSV'),
          s.num('COSV'),
          s.num('LALM'),
          raise,
        ),
      );
      return;
    default:
      return;
  }
}

/** recGblResetAlarms: commit the new alarm, post SEVR/STAT/ACKS, return DBE_ALARM for VAL if changed. */
function resetAlarms(s: RecordState, nsta: number, nsev: number): number {
  const prevStat = s.stat;
  const prevSevr = s.sevr;
  s.stat = nsta;
  s.sevr = nsev;
  let statMask = 0;
  if (prevSevr !== nsev) {
    statMask = DBE_ALARM;
    post(s, 'SEVR', DBE_VALUE);
  }
  if (prevStat !== nsta) statMask |= DBE_VALUE;
  if (!statMask) return 0;
  post(s, 'STAT', statMask);
  // With ACKT (transient alarms must be acknowledged) ACKS only rises; without it ACKS follows SEVR.
  if (!s.ackt || nsev >= s.acks) {
    s.acks = nsev;
    post(s, 'ACKS', DBE_VALUE);
  }
  return DBE_ALARM;
}

/** The DBE_VALUE/DBE_LOG bits this processing earns (deadbands, change, or MPST/APST). */
function valueMaskOf(s: RecordState): number {
  const v = s.val;
  let mask = 0;
  switch (s.type.kind) {
    case 'analog': {
      const n = v as number;
      if (passesDeadband(s.num('MLST'), n, s.num('MDEL'))) {
        s.values.set('MLST', n);
        mask |= DBE_VALUE;
      }
      if (passesDeadband(s.num('ALST'), n, s.num('ADEL'))) {
        s.values.set('ALST', n);
        mask |= DBE_LOG;
      }
      return mask;
    }
    case 'binary':
    case 'multibit':
      if (s.num('MLST') !== v) {
        s.values.set('MLST', v as number);
        mask = DBE_VALUE | DBE_LOG;
      }
      return mask;
    default: {
      // stringin/stringout/waveform: MPST/APST choose "Always" or "On Change".
      const changed = !sameValue(s.lastPosted, v);
      const always = s.type.kind === 'waveform' ? 0 : 1;
      if (changed || s.num('MPST') === always) mask |= DBE_VALUE;
      if (changed || s.num('APST') === always) mask |= DBE_LOG;
      if (changed) {
        s.lastPosted = v;
        if (typeof v === 'string') s.values.set('OVAL', v);
      }
      return mask;
    }
  }
}

function sameValue(a: RecordValue | undefined, b: RecordValue): boolean {
  if (a === b) return true;
  if (a === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
