// Publishes the health PVs: creates one soft record per HEALTH_PVS entry in a RecordDatabase, runs the
// sampling groups on their periods (re-armed when an operator writes *_UPD_TIME), applies readings
// (a failed reading is INVALID/READ, never a silent 0), feeds the inputs the agent supplies, and keeps
// STATUS at the worst severity, with STATUS_MSG naming the PVs behind it. Timers live here; sampling
// and parsing live in sampler.ts.
import { INVALID_ALARM, NO_ALARM, READ_ALARM, ALARM_SEVERITY_STRINGS } from '../../ca/constants.js';
import type { RecordDatabase, RecordFields, RecordHandle } from '../db/index.js';
import { MBB_SEVERITY_FIELDS, MBB_STRING_FIELDS } from '../records/record-types.js';
import {
  expandHealthPvs,
  UPDATE_PERIOD_PVS,
  DEFAULT_PERIODS_S,
  type AlarmLimits,
  type HealthPvDef,
  type UpdateGroup,
} from './pv-table.js';
import type { HealthSampler, HealthValues } from './sampler.js';
import { computeStatus, STATUS_STRINGS } from './status.js';
import { recordAlarm, statusMessage, type AlarmSource } from './status-message.js';

/**
 * STATUS_MSG is a CHAR waveform, not a 40-character stringin: it must name every PV behind STATUS
 * ("MAJOR: GWF01:STATE FATAL; MINOR: MEM_USED_PCT HIGH" is already 49 characters), and a cut name
 * misleads. Read it as text with `caget -S`, pyepics `as_string=True` or a display's long-string mode.
 */
export const STATUS_MSG_NELM = 1024;
/** Seconds after start when LOAD samples again, so its first figures leave the start-up window. */
const FIRST_LOAD_RESAMPLE_S = 1;

type PeriodicGroup = Exclude<UpdateGroup, 'static'>;

export interface HealthInputs {
  caClients(): number;
  caChannels(): number;
  /** Supervised processes stopped by a signal. */
  suspended(): number;
  recordCount(): number;
  /** Severities outside the health PVs that STATUS must reflect (the gateways). */
  extraSeverities(): Iterable<number>;
  /** The same, named for STATUS_MSG (the gateways' PVs in alarm). */
  extraAlarms?(): Iterable<AlarmSource>;
}

export interface HealthIocOptions {
  db: RecordDatabase;
  prefix: string;
  sampler: HealthSampler;
  inputs: HealthInputs;
  /** Alarm overrides from config, e.g. { "SYS_CPU_LOAD.HIHI": 90, "SYS_CPU_LOAD.HHSV": "MAJOR" }. */
  alarms?: Readonly<Record<string, number | string>>;
  /** Initial update periods (seconds) per group, from config. */
  periodsS?: Partial<Record<PeriodicGroup, number>>;
  /** ASG of the PVs operators may write (update periods, ACCESS, GTIM_RESET, SYSRESET). */
  controlAsg?: string;
  /** SYSRESET was written 1. */
  onSysReset?: () => void;
  onError?: (message: string) => void;
}

const LIMIT_FIELDS: Record<string, keyof AlarmLimits> = {
  HIHI: 'hihi',
  HIGH: 'high',
  LOW: 'low',
  LOLO: 'lolo',
  HHSV: 'hhsv',
  HSV: 'hsv',
  LSV: 'lsv',
  LLSV: 'llsv',
};
const SEVERITY_NAMES: readonly string[] = ALARM_SEVERITY_STRINGS;

/** Turns `{ "SYS_CPU_LOAD.HIHI": 90 }` config keys into per-suffix AlarmLimits overrides. */
export function limitOverrides(
  alarms: Readonly<Record<string, number | string>>,
): Record<string, Partial<AlarmLimits>> {
  const out: Record<string, Partial<AlarmLimits>> = {};
  for (const [key, raw] of Object.entries(alarms)) {
    const dot = key.lastIndexOf('.');
    const suffix = key.slice(0, dot);
    const field = LIMIT_FIELDS[key.slice(dot + 1).toUpperCase()];
    if (dot < 0 || !field) continue;
    const value =
      typeof raw === 'string' && field.endsWith('sv')
        ? SEVERITY_NAMES.indexOf(raw.toUpperCase())
        : Number(raw);
    if (Number.isNaN(value) || value < 0) continue;
    (out[suffix] ??= {})[field] = value;
  }
  return out;
}

function fieldsOf(def: HealthPvDef, controlAsg: string | undefined): RecordFields {
  const f: RecordFields = { DESC: def.desc };
  const numeric = def.recordType !== 'stringin' && def.recordType !== 'waveform' && !def.enums;
  if (numeric) {
    Object.assign(f, { EGU: def.egu, HOPR: def.hopr, LOPR: def.lopr });
    if (def.recordType !== 'longin') f.PREC = def.prec;
    const a = def.alarm;
    Object.assign(f, {
      HIHI: a.hihi,
      HIGH: a.high,
      LOW: a.low,
      LOLO: a.lolo,
      HHSV: SEVERITY_NAMES[a.hhsv],
      HSV: SEVERITY_NAMES[a.hsv],
      LSV: SEVERITY_NAMES[a.lsv],
      LLSV: SEVERITY_NAMES[a.llsv],
    });
  }
  if (def.drvl !== undefined) f.DRVL = def.drvl;
  if (def.drvh !== undefined) f.DRVH = def.drvh;
  if (def.enums) {
    if (def.recordType === 'bo') {
      f.ZNAM = def.enums.strings[0];
      f.ONAM = def.enums.strings[1];
      f.ZSV = SEVERITY_NAMES[def.enums.severities[0] ?? NO_ALARM];
      f.OSV = SEVERITY_NAMES[def.enums.severities[1] ?? NO_ALARM];
    } else {
      def.enums.strings.forEach((s, i) => {
        f[MBB_STRING_FIELDS[i]!] = s;
        f[MBB_SEVERITY_FIELDS[i]!] = SEVERITY_NAMES[def.enums!.severities[i] ?? NO_ALARM];
      });
    }
  }
  if (def.waveform) Object.assign(f, { FTVL: def.waveform.ftvl, NELM: def.waveform.nelm });
  if (def.initial !== undefined) f.VAL = def.initial;
  if (def.write !== 'none' && controlAsg) f.ASG = controlAsg;
  return f;
}

/** A C string in a CHAR waveform: the bytes and a terminating NUL, as iocStats stores APP_DIR. */
function charArray(text: string): number[] {
  return [...Buffer.from(text, 'latin1'), 0];
}

export class HealthIoc {
  readonly records = new Map<string, RecordHandle>();
  private readonly defs: HealthPvDef[];
  private readonly timers = new Map<PeriodicGroup, NodeJS.Timeout>();
  private readonly periodsS: Record<PeriodicGroup, number>;
  private status: RecordHandle | undefined;
  private statusMsg: RecordHandle | undefined;
  private readonly hostWide: Set<string>;
  private lastMessage: string | undefined;
  private stopped = false;

  constructor(private readonly opts: HealthIocOptions) {
    const s = opts.sampler;
    this.defs = expandHealthPvs({
      mounts: s.mounts,
      interfaces: s.interfaces,
      limits: limitOverrides(opts.alarms ?? {}),
    });
    this.periodsS = { ...DEFAULT_PERIODS_S, ...opts.periodsS };
    this.hostWide = new Set(this.defs.filter((d) => d.isHostWide).map((d) => d.suffix));
  }

  /** Creates the records; call after sampler.init(). */
  createRecords(): void {
    const { db, prefix } = this.opts;
    for (const def of this.defs) {
      const type = def.recordType;
      const fields = fieldsOf(def, this.opts.controlAsg);
      const group = (Object.entries(UPDATE_PERIOD_PVS) as [PeriodicGroup, string][]).find(
        ([, pv]) => pv === def.suffix,
      );
      if (group) fields.VAL = this.periodsS[group[0]];
      const rec = db.createRecord(type, `${prefix}${def.suffix}`, fields, {
        aliases: (def.aliases ?? []).map((a) => `${prefix}${a}`),
      });
      this.records.set(def.suffix, rec);
      if (group) rec.onWrite((v) => this.setPeriod(group[0], Number(v)));
    }
    this.status = this.records.get('STATUS');
    this.statusMsg = db.createRecord('waveform', `${prefix}STATUS_MSG`, {
      DESC: 'What sets STATUS',
      FTVL: 'CHAR',
      NELM: STATUS_MSG_NELM,
    });
    this.statusMsg.set(charArray(''));
    this.lastMessage = '';
    this.records.get('GTIM_RESET')?.onWrite(() => {
      this.opts.sampler.resetGtimErrCnt();
      void this.sample('second');
    });
    this.records.get('SYSRESET')?.onWrite((v) => {
      if (Number(v) === 1) this.opts.onSysReset?.();
    });
  }

  /**
   * Samples everything once, then keeps each group on its period. The first LOAD window is the agent's
   * own start-up (from sampler.init() to now), busy by nature: LOAD samples again after a second
   * instead of showing start-up load for a whole period.
   */
  async start(): Promise<void> {
    this.apply(this.opts.sampler.sampleStatic(), Date.now());
    for (const g of Object.keys(this.periodsS) as PeriodicGroup[]) await this.sample(g);
    for (const g of Object.keys(this.periodsS) as PeriodicGroup[])
      this.arm(g, g === 'LOAD' ? Math.min(FIRST_LOAD_RESAMPLE_S, this.periodsS.LOAD) : undefined);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private setPeriod(group: PeriodicGroup, seconds: number): void {
    if (!(seconds > 0)) return;
    this.periodsS[group] = seconds;
    this.arm(group);
  }

  private arm(group: PeriodicGroup, delayS = this.periodsS[group]): void {
    const old = this.timers.get(group);
    if (old) clearTimeout(old);
    if (this.stopped) return;
    const t = setTimeout(() => {
      void this.sample(group).finally(() => this.arm(group));
    }, delayS * 1000);
    t.unref();
    this.timers.set(group, t);
  }

  /** Samples one group now and publishes it. */
  async sample(group: PeriodicGroup): Promise<void> {
    let values: HealthValues;
    try {
      values = await this.opts.sampler.sampleGroup(group);
    } catch (err) {
      this.opts.onError?.(`health sampling (${group}) failed: ${(err as Error).message}`);
      return;
    }
    if (group === 'CA') {
      const inputs = this.opts.inputs;
      values = {
        ...values,
        CA_CLNT_CNT: { ok: true, value: inputs.caClients() },
        CA_CONN_CNT: { ok: true, value: inputs.caChannels() },
        RECORD_CNT: { ok: true, value: inputs.recordCount() },
        // Polled here too: nothing else sets it when no supervised process is ever stopped, and an
        // unset record would hold UDF/INVALID and keep STATUS at Fault.
        SUSP_TASK_CNT: { ok: true, value: inputs.suspended() },
      };
    }
    this.apply(values, Date.now());
  }

  /** Pushes an input value now (SUSP_TASK_CNT when a gateway is stopped by a signal). */
  setInput(suffix: 'SUSP_TASK_CNT' | 'CA_CLNT_CNT' | 'CA_CONN_CNT' | 'RECORD_CNT', value: number): void {
    this.apply({ [suffix]: { ok: true, value } }, Date.now());
  }

  private apply(values: HealthValues, wallMs: number): void {
    if (this.stopped) return;
    this.opts.db.batch(() => {
      for (const [suffix, reading] of Object.entries(values)) {
        const rec = this.records.get(suffix);
        if (!rec) continue;
        if (!reading.ok) {
          rec.setAlarm(INVALID_ALARM, READ_ALARM, wallMs);
          continue;
        }
        const def = this.defs.find((d) => d.suffix === suffix);
        const value = def?.waveform ? charArray(String(reading.value)) : reading.value;
        rec.set(value, { stamp: wallMs });
      }
      this.updateStatus(wallMs);
    });
  }

  /** STATUS as last published: Ok / Degraded / Fault and its severity (what a health check reports). */
  statusNow(): { status: string; severity: number } {
    if (!this.status) return { status: 'Fault', severity: INVALID_ALARM };
    return {
      status: STATUS_STRINGS[Number(this.status.get())] ?? 'Fault',
      severity: this.status.alarm.severity,
    };
  }

  /** STATUS: Ok / Degraded / Fault, with the worst severity of every health PV and the extras. */
  updateStatus(wallMs = Date.now()): void {
    if (!this.status) return;
    const severities: number[] = [];
    const sources: AlarmSource[] = [];
    for (const [suffix, rec] of this.records) {
      if (suffix === 'STATUS' || this.isHostWide(suffix)) continue;
      severities.push(rec.alarm.severity);
      if (rec.alarm.severity > NO_ALARM) sources.push(recordAlarm(rec, suffix));
    }
    for (const s of this.opts.inputs.extraSeverities()) severities.push(s);
    for (const a of this.opts.inputs.extraAlarms?.() ?? []) sources.push(a);
    const st = computeStatus(severities);
    this.status.set(st.value, { severity: st.severity, stamp: wallMs });
    const message = statusMessage(sources);
    // posted only on change: monitors of STATUS_MSG see each new explanation once
    if (message !== this.lastMessage) {
      this.lastMessage = message;
      this.statusMsg?.set(charArray(message.slice(0, STATUS_MSG_NELM - 1)), { stamp: wallMs });
    }
  }

  /**
   * Whether a PV describes the shared host rather than this container (then it does not set STATUS):
   * the table's host-wide figures, and CG_CPU_LOAD while the cgroup has no CPU quota (it is then the
   * share of all the host's CPUs).
   */
  private isHostWide(suffix: string): boolean {
    if (suffix === 'CG_CPU_LOAD') return !this.opts.sampler.hasCpuQuota;
    return this.hostWide.has(suffix);
  }

  /** The current STATUS_MSG text ('' when nothing is in alarm). */
  get statusMessage(): string {
    return this.lastMessage ?? '';
  }
}
