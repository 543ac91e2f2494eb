// The PVs of one supervised gateway under $(P)<NAME>: its process state (from the supervisor), its
// mirrored statistics (from its own PVs) and its controls (RESTART, STOP, START, RELOAD, AUTORESTART).
// Creates the records and turns status snapshots into record values; owns no timers or sockets.
import {
  COMM_ALARM,
  INVALID_ALARM,
  MAJOR_ALARM,
  MINOR_ALARM,
  NO_ALARM,
  STATE_ALARM,
  WRITE_ALARM,
} from '../ca/constants.js';
import {
  formatTod,
  formatUptime,
  MBB_SEVERITY_FIELDS,
  MBB_STRING_FIELDS,
  recordAlarm,
  type AlarmSource,
  type RecordDatabase,
  type RecordHandle,
} from '../ioc/index.js';
import { lastExitText } from './exit-reason.js';
import { CHILD_STATES, type ChildState, type ChildStatus } from '../supervisor/index.js';

/** Statistics mirrored from the gateway: our PV suffix, the gateway's name, units, precision. */
export const MIRRORED_STATS = [
  ['PV_TOTAL', 'pvtotal', '', 0, 'Total PVs'],
  ['VC_TOTAL', 'vctotal', '', 0, 'Total VCs'],
  ['CONNECTED', 'connected', '', 0, 'Connected PVs'],
  ['ACTIVE', 'active', '', 0, 'Active PVs'],
  ['INACTIVE', 'inactive', '', 0, 'Inactive PVs'],
  ['UNCONNECTED', 'unconnected', '', 0, 'Unconnected PVs'],
  ['DISCONNECTED', 'disconnected', '', 0, 'Disconnected PVs'],
  ['CONNECTING', 'connecting', '', 0, 'Connecting PVs'],
  ['DEAD', 'dead', '', 0, 'Dead PVs'],
  ['CLIENT_EVENT_RATE', 'clientEventRate', 'Hz', 2, 'Client event rate'],
  ['CLIENT_POST_RATE', 'clientPostRate', 'Hz', 2, 'Client post rate'],
  ['SERVER_EVENT_RATE', 'serverEventRate', 'Hz', 2, 'Server event rate'],
  ['SERVER_POST_RATE', 'serverPostRate', 'Hz', 2, 'Server post rate'],
  ['EXIST_TEST_RATE', 'existTestRate', 'Hz', 2, 'Exist test (search) rate'],
  ['LOOP_RATE', 'loopRate', 'Hz', 2, 'Main loop rate'],
  ['CPU_FRACT', 'cpuFract', '', 3, 'CPU fraction'],
  ['LOAD', 'load', '', 3, 'Host load (1 minute)'],
] as const;

/** How long LOG_ERRS stays in alarm after the last failed log write. */
export const LOG_ERROR_HOLD_MS = 5 * 60_000;

export type StatSuffix = (typeof MIRRORED_STATS)[number][0];

/** STATE enum strings in supervisord's order, and their severities. */
export const STATE_STRINGS = CHILD_STATES.map((s) => s.toUpperCase());
const STATE_SEVERITY: Record<ChildState, number> = {
  stopped: MINOR_ALARM,
  starting: MINOR_ALARM,
  running: NO_ALARM,
  backoff: MAJOR_ALARM,
  stopping: MINOR_ALARM,
  exited: MAJOR_ALARM,
  fatal: MAJOR_ALARM,
};
const SEV_NAMES = ['NO_ALARM', 'MINOR', 'MAJOR', 'INVALID'];

export interface GatewayControls {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  restart(): Promise<void> | void;
  reload(): Promise<void> | void;
  setAutorestart(on: boolean): void;
}

export interface GatewayPvOptions {
  db: RecordDatabase;
  prefix: string;
  name: string;
  label: string;
  controlAsg: string;
  /** Alarm overrides keyed like "LOOP_RATE.LOW" (already narrowed to this gateway). */
  alarms: Readonly<Record<string, number | string>>;
  controls: GatewayControls;
  autorestart: boolean;
}

/** A FATAL reason that fits a 40-character string PV: paths shortened to their last part (the log has them whole). */
export function shortReason(reason: string): string {
  return reason.length < 40 ? reason : reason.replace(/\/(?:[^/\s]+\/)+([^/\s]+)/g, '.../$1');
}

export class GatewayPvs {
  readonly records: RecordHandle[] = [];
  private readonly rec = new Map<string, RecordHandle>();
  private readonly base: string;
  private logErrors = 0;
  /** The gateway's own words for its last exit (gatewayExitReason), if it said any. */
  private exitReason: string | undefined;
  private lastExitShown = '';
  private lastLogErrorAt: number | undefined;
  /** What the gateway printed last before its latest exit; cleared once it runs again. */
  private exitLine: string | undefined;

  constructor(private readonly o: GatewayPvOptions) {
    this.base = `${o.prefix}${o.name}:`;
    const stateFields: Record<string, string> = {};
    STATE_STRINGS.forEach((s, i) => {
      stateFields[MBB_STRING_FIELDS[i]!] = s;
      stateFields[MBB_SEVERITY_FIELDS[i]!] = SEV_NAMES[STATE_SEVERITY[CHILD_STATES[i]!]]!;
    });
    this.add('mbbi', 'STATE', { DESC: 'Gateway process state', ...stateFields, VAL: 0 });
    this.add('longin', 'PID', { DESC: 'Gateway process id', VAL: 0 });
    this.add('stringin', 'UPTIME', { DESC: 'Gateway process uptime', VAL: '' });
    this.add('longin', 'RESTARTS', { DESC: 'Automatic restarts', VAL: 0 });
    this.add('stringin', 'LAST_EXIT', { DESC: 'How the gateway last ended', VAL: '' });
    this.add('stringin', 'LAST_START', { DESC: 'When the gateway last started', VAL: '' });
    this.add('ai', 'CPU', { DESC: 'Gateway CPU use', EGU: '%', PREC: 1, HOPR: 100, VAL: 0 });
    this.add('ai', 'MEM', { DESC: 'Gateway resident memory', EGU: 'bytes', PREC: 0, VAL: 0 });
    this.add('waveform', 'CMD', { DESC: 'Gateway command line', FTVL: 'CHAR', NELM: 4096 });
    this.add('stringin', 'LABEL', { DESC: 'Gateway function', VAL: o.label.slice(0, 39) });
    // Writing the log never stops the gateway; failures (directory unwritable, disk full) show here.
    this.add('longin', 'LOG_ERRS', { DESC: 'Log write errors', VAL: 0 });
    // ... and so does the last line a gateway printed before it exited (its reason to quit).
    this.add('stringin', 'LOG_MSG', { DESC: 'Log write error or exit message', VAL: '' });
    // FATAL on its own PV so an alarm handler can latch it while treating STATE's restarts as transient.
    this.add('bi', 'FATAL', {
      DESC: 'Supervisor gave up on the gateway',
      ZNAM: 'No',
      ONAM: 'Yes',
      OSV: 'MAJOR',
      VAL: 0,
    });
    this.add('bi', 'ALIVE', {
      DESC: 'Gateway answers on its server side',
      ZNAM: 'No',
      ONAM: 'Yes',
      ZSV: 'MAJOR',
      VAL: 0,
    });
    for (const [suffix, , egu, prec, desc] of MIRRORED_STATS) {
      this.add('ai', suffix, { DESC: desc, EGU: egu, PREC: prec, ...this.limitsFor(suffix), VAL: 0 });
    }
    const bo = (suffix: string, desc: string, run: () => Promise<void> | void) => {
      const r = this.add('bo', suffix, {
        DESC: desc,
        ZNAM: 'Idle',
        ONAM: desc.split(' ')[0],
        ASG: o.controlAsg,
        VAL: 0,
      });
      r.onWrite(async (v) => {
        if (Number(v) === 1) {
          await run();
          r.set(0);
        }
      });
    };
    bo('RESTART', 'Restart the gateway', () => o.controls.restart());
    bo('STOP', 'Stop the gateway', () => o.controls.stop());
    bo('START', 'Start the gateway', () => o.controls.start());
    bo('RELOAD', 'Reload pvlist and access file', () => o.controls.reload());
    const auto = this.add('bo', 'AUTORESTART', {
      DESC: 'Restart the gateway when it ends',
      ZNAM: 'Off',
      ONAM: 'On',
      ZSV: 'MINOR',
      ASG: o.controlAsg,
      VAL: o.autorestart ? 1 : 0,
    });
    auto.onWrite((v) => o.controls.setAutorestart(Number(v) === 1));
  }

  private limitsFor(suffix: string): Record<string, number | string> {
    const out: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(this.o.alarms)) {
      const [s, field] = k.split('.');
      if (s === suffix && field) out[field.toUpperCase()] = v;
    }
    return out;
  }

  private add(
    type: string,
    suffix: string,
    fields: Record<string, string | number | undefined>,
  ): RecordHandle {
    const r = this.o.db.createRecord(type, this.base + suffix, fields);
    this.records.push(r);
    this.rec.set(suffix, r);
    return r;
  }

  get(suffix: string): RecordHandle {
    const r = this.rec.get(suffix);
    if (!r) throw new Error(`no PV ${this.base}${suffix}`);
    return r;
  }

  /** The severities STATUS must reflect for this gateway. */
  severities(): number[] {
    return ['STATE', 'FATAL', 'ALIVE', 'LOG_ERRS', ...MIRRORED_STATS.map((s) => s[0])].map(
      (s) => this.get(s).alarm.severity,
    );
  }

  /**
   * The same PVs named for STATUS_MSG (after the agent prefix). Statistics that share one alarm (all
   * COMM while the gateway does not answer) are one entry, `<NAME> statistics COMM`, not seventeen.
   */
  alarmSources(): AlarmSource[] {
    const own = ['STATE', 'ALIVE', 'LOG_ERRS'].map((s) => recordAlarm(this.get(s), `${this.o.name}:${s}`));
    // STATE in alarm after an exit: say how it ended, in full (LAST_EXIT holds 39 characters)
    if (own[0]!.severity > NO_ALARM && this.lastExitShown) own[0]!.why += ` (${this.lastExitShown})`;
    const stats = MIRRORED_STATS.map(([s]) => recordAlarm(this.get(s), `${this.o.name}:${s}`));
    const first = stats[0]!;
    const isShared = stats.every((a) => a.severity === first.severity && a.why === first.why);
    const statSources = isShared ? [{ ...first, name: `${this.o.name} statistics` }] : stats;
    return [...own, ...statSources].filter((a) => a.severity > NO_ALARM);
  }

  setCommand(cmd: string): void {
    this.get('CMD').set([...Buffer.from(cmd.slice(0, 4095), 'latin1'), 0]);
  }

  /**
   * Publishes a supervisor snapshot; `reason` explains FATAL (e.g. "gateway binary not found").
   * `exitLine` is the last line the gateway printed, given while it is down after an exit.
   */
  setStatus(st: ChildStatus, exitLine?: string): void {
    const idx = CHILD_STATES.indexOf(st.state);
    // A backoff that reached its cap stays MAJOR; every other state has its table severity.
    this.get('STATE').set(idx, st.isBackoffAtCap ? { severity: MAJOR_ALARM, status: STATE_ALARM } : {});
    this.get('FATAL').set(st.state === 'fatal' ? 1 : 0);
    this.get('PID').set(st.pid ?? 0);
    this.get('UPTIME').set(st.uptimeMs === undefined ? '' : formatUptime(Math.floor(st.uptimeMs / 1000)));
    this.get('RESTARTS').set(st.restarts);
    const lastExit =
      st.state === 'fatal' && st.reason
        ? shortReason(st.reason)
        : st.lastExit
          ? lastExitText(st.lastExit.text, this.exitReason)
          : '';
    this.lastExitShown = st.lastExit
      ? `${st.lastExit.text}${this.exitReason ? `: ${this.exitReason}` : ''}`
      : '';
    this.get('LAST_EXIT').set(lastExit.slice(0, 39));
    // MINOR/WRITE while a write failed within LOG_ERROR_HOLD_MS: a past, healed failure keeps its count
    // but no longer holds STATUS at Degraded.
    const errors = st.log?.errors ?? 0;
    if (errors > this.logErrors) this.lastLogErrorAt = Date.now();
    this.logErrors = errors;
    const isRecent =
      this.lastLogErrorAt !== undefined && Date.now() - this.lastLogErrorAt < LOG_ERROR_HOLD_MS;
    this.get('LOG_ERRS').set(errors, isRecent ? { severity: MINOR_ALARM, status: WRITE_ALARM } : {});
    // A recent write error first; else why the gateway last quit, until it runs again.
    if (st.state === 'running') this.exitLine = undefined;
    else if (exitLine !== undefined) this.exitLine = exitLine;
    const message = isRecent ? st.log?.lastError : (this.exitLine ?? st.log?.lastError);
    this.get('LOG_MSG').set((message ?? '').slice(0, 39));
    this.get('LAST_START').set(st.lastStartAt === undefined ? '' : formatTod(st.lastStartAt));
    if (st.pid === undefined) {
      this.get('CPU').set(0);
      this.get('MEM').set(0);
    }
  }

  /** The reason found in the output after the last exit (undefined: it gave none). */
  setExitReason(reason: string | undefined): void {
    this.exitReason = reason;
  }

  setUsage(cpuPercent: number, rssBytes: number): void {
    this.get('CPU').set(cpuPercent);
    this.get('MEM').set(rssBytes);
  }

  setAlive(isAlive: boolean): void {
    this.get('ALIVE').set(isAlive ? 1 : 0);
  }

  /** A statistic arrived from the gateway. */
  setStat(suffix: StatSuffix, value: number, stampMs: number): void {
    this.get(suffix).set(value, { stamp: stampMs });
  }

  /** The statistics cannot be read: INVALID with COMM, as an IOC marks a broken link. */
  statsLost(): void {
    for (const [suffix] of MIRRORED_STATS) this.get(suffix).setAlarm(INVALID_ALARM, COMM_ALARM);
  }

  remove(): void {
    for (const r of this.records) r.remove();
    this.records.length = 0;
    this.rec.clear();
  }
}
