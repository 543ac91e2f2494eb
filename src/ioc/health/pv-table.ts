// HEALTH_PVS: the declarative table of every health PV (plain data, in the spirit of pcaspy's PV
// dictionary): record type, DESC/EGU/PREC, display and alarm limits, enum states, which update group
// and source feed it, and who may write it. Names, types, units and default limits follow devIocStats'
// soft-IOC database; the gateway-host additions follow the same conventions. Pure data + expansion.
import type { AnalogLimits } from '../records/alarms.js';
import { INVALID_ALARM, MAJOR_ALARM, MINOR_ALARM, NO_ALARM } from '../../ca/constants.js';
import { STATUS_STRINGS } from './status.js';

/**
 * When a PV is refreshed. `static`: once at start (PINI). `second`: every second. `CA`, `FD`, `LOAD`,
 * `MEM`: at the period held by CA_UPD_TIME, FD_UPD_TIME, LOAD_UPD_TIME, MEM_UPD_TIME (defaults
 * 15/20/10/10 s). `passive`: when written, processed, or fed by the integrator (inputs).
 */
export type UpdateGroup = 'static' | 'second' | 'CA' | 'FD' | 'LOAD' | 'MEM';
export type PvGroup = UpdateGroup | 'passive';

/**
 * Where the value comes from. `sampler`: HealthSampler's values[suffix]. `input`: the integrator feeds
 * it (CA server counts, supervisor). `operator`: set by writes (ao/mbbo/bo). `derived`: computed by
 * the integrator from other PVs (STATUS via computeStatus).
 */
export type PvSource = 'sampler' | 'input' | 'operator' | 'derived';

export type HealthRecordType =
  'ai' | 'ao' | 'longin' | 'stringin' | 'mbbi' | 'mbbo' | 'bo' | 'calc' | 'calcout' | 'waveform';

/** Alarm limits and severities as record fields; a severity of NO_ALARM disables its limit. */
export type AlarmLimits = Omit<AnalogLimits, 'hyst'>;

/** `none`: read-only. `open`: any client with write access. `protected`: only clients the ACF trusts. */
export type PvWrite = 'none' | 'open' | 'protected';

export interface HealthPvDef {
  /** Name after the prefix `$(P)`; `<name>` is replaced per mount/interface (see perItem). */
  suffix: string;
  recordType: HealthRecordType;
  /** DESC, at most 40 characters. */
  desc: string;
  /** EGU, at most 7 characters. */
  egu: string;
  prec: number;
  hopr: number;
  lopr: number;
  alarm: AlarmLimits;
  group: PvGroup;
  source: PvSource;
  write: PvWrite;
  /** Initial VAL for operator-set PVs (ao update periods, ACCESS state). */
  initial?: number;
  /** DRVL/DRVH of ao records. */
  drvl?: number;
  drvh?: number;
  /** State strings and severities (ZRST…/ZRSV… of mbbi/mbbo, ZNAM/ONAM and ZSV/OSV of bo). */
  enums?: { strings: readonly string[]; severities: readonly number[] };
  /** Waveform element type and capacity (CHAR strings such as APP_DIR). */
  waveform?: { ftvl: 'CHAR'; nelm: number };
  /** Other names for the same record (devIocStats: LOAD, SysReset). */
  aliases?: readonly string[];
  /** A template expanded once per configured mount or interface. */
  perItem?: 'mount' | 'interface';
  /** Restored across restarts (devIocStats autosaves ACCESS). */
  autosave?: boolean;
  /**
   * A figure of the whole host, shared with other tenants (CPU load, iowait, host memory and swap): it
   * keeps its alarm for displays and alarm handlers but does not set STATUS, which tells about this
   * container. A busy shared host otherwise held STATUS at Degraded or Fault with every gateway healthy.
   */
  isHostWide?: true;
}

const NO_LIMITS: AlarmLimits = Object.freeze({
  hihi: 0,
  high: 0,
  low: 0,
  lolo: 0,
  hhsv: NO_ALARM,
  hsv: NO_ALARM,
  lsv: NO_ALARM,
  llsv: NO_ALARM,
});

function upper(high: number, hihi: number): AlarmLimits {
  return { ...NO_LIMITS, high, hihi, hsv: MINOR_ALARM, hhsv: MAJOR_ALARM };
}

function lower(low: number, lolo: number): AlarmLimits {
  return { ...NO_LIMITS, low, lolo, lsv: MINOR_ALARM, llsv: MAJOR_ALARM };
}

type Opt = Partial<Omit<HealthPvDef, 'suffix' | 'recordType' | 'desc' | 'group' | 'source'>>;

function pv(
  suffix: string,
  recordType: HealthRecordType,
  desc: string,
  group: PvGroup,
  source: PvSource,
  opt: Opt = {},
): HealthPvDef {
  return {
    suffix,
    recordType,
    desc,
    egu: '',
    prec: 0,
    hopr: 0,
    lopr: 0,
    alarm: NO_LIMITS,
    group,
    source,
    write: 'none',
    ...opt,
  };
}

const PCT = { egu: '%', prec: 1, hopr: 100 } as const;
const BYTES = { egu: 'byte' } as const;
const SEC = { egu: 'sec' } as const;
const GIB = { egu: 'GiB', prec: 2 } as const;

/**
 * devIocStats' EPICS environment PVs (siteEnvVars.db: the variable name without EPICS_), the default
 * EPICS base gives each when unset (CONFIG_ENV), and the deprecated aliases its older screens read.
 */
export const EPICS_ENV_PVS: readonly (readonly [name: string, fallback: string, aliases: string[]])[] = [
  ['CA_ADDR_LIST', '', []],
  ['CA_AUTO_ADDR_LIST', 'YES', ['CA_AUTO_ADDR']],
  ['CA_CONN_TMO', '30.0', ['CA_CONN_TIME']],
  ['CA_BEACON_PERIOD', '15.0', ['CA_BEAC_TIME']],
  ['CA_MAX_SEARCH_PERIOD', '300', ['CA_SRCH_TIME']],
  ['CA_REPEATER_PORT', '5065', ['CA_RPTR_PORT']],
  ['CA_SERVER_PORT', '5064', ['CA_SRVR_PORT']],
  ['CA_MAX_ARRAY_BYTES', '16384', ['CA_MAX_ARRAY']],
  ['TS_NTP_INET', '', []],
  ['IOC_LOG_PORT', '7004', []],
  ['IOC_LOG_INET', '', []],
  ['TZ', '', ['TIMEZONE']],
];
const CHAR = (nelm: number) => ({ waveform: { ftvl: 'CHAR', nelm } }) as const;

/** devIocStats' ACCESS states and their severities. */
export const ACCESS_STRINGS = ['Running', 'Maintenance', 'Test', 'OFFLINE'] as const;

/** Every health PV; expandHealthPvs() turns templates into concrete PVs. */
export const HEALTH_PVS: readonly HealthPvDef[] = Object.freeze([
  // --- devIocStats ioc.template (soft IOC) ---
  pv('SYS_CPU_LOAD', 'ai', 'CPU load of the host', 'LOAD', 'sampler', {
    ...PCT,
    alarm: upper(70, 80),
    isHostWide: true,
  }),
  pv('IOC_CPU_LOAD', 'ai', 'CPU load of the agent process', 'LOAD', 'sampler', {
    ...PCT,
    alarm: upper(70, 80),
    aliases: ['LOAD'],
  }),
  pv('CPU_CNT', 'ai', 'Number of CPUs', 'static', 'sampler'),
  pv('MEM_USED', 'ai', 'Agent memory used (RSS)', 'MEM', 'sampler', BYTES),
  // devIocStats sets LSV/LLSV but leaves LOW/LOLO at 0: off until an operator sets limits.
  pv('MEM_FREE', 'ai', 'Free memory (free+buffers+cached)', 'MEM', 'sampler', {
    ...BYTES,
    alarm: { ...NO_LIMITS, lsv: MINOR_ALARM, llsv: MAJOR_ALARM },
  }),
  pv('MEM_MAX', 'ai', 'Total memory', 'MEM', 'sampler', BYTES),
  pv('FD_CNT', 'ai', 'File descriptors in use', 'FD', 'sampler'),
  pv('FD_MAX', 'ai', 'Max file descriptors', 'FD', 'sampler'),
  pv('FD_FREE', 'calc', 'Free file descriptors', 'FD', 'sampler', { hopr: 150, alarm: lower(20, 5) }),
  pv('CA_CLNT_CNT', 'ai', 'Number of CA clients', 'CA', 'input', { hopr: 200, alarm: upper(100, 175) }),
  pv('CA_CONN_CNT', 'ai', 'Number of CA connections', 'CA', 'input', {
    hopr: 5000,
    alarm: upper(4000, 4500),
  }),
  pv('RECORD_CNT', 'ai', 'Number of records', 'static', 'input'),
  pv('SUSP_TASK_CNT', 'ai', 'Number of suspended processes', 'passive', 'input', {
    alarm: { ...NO_LIMITS, hihi: 1, hhsv: MAJOR_ALARM },
  }),
  pv('UPTIME', 'stringin', 'Elapsed time since start', 'second', 'sampler'),
  pv('STARTTOD', 'stringin', 'Time and date of startup', 'static', 'sampler'),
  pv('TOD', 'stringin', 'Current time and date', 'second', 'sampler'),
  pv('HEARTBEAT', 'calcout', '1 Hz counter since startup', 'second', 'sampler'),
  pv('HOSTNAME', 'stringin', 'Host name', 'static', 'sampler'),
  pv('KERNEL_VERS', 'stringin', 'Kernel version', 'static', 'sampler'),
  pv('EPICS_VERS', 'stringin', 'CA server version', 'static', 'sampler'),
  pv('ENGINEER', 'stringin', 'Engineer', 'static', 'sampler'),
  pv('LOCATION', 'stringin', 'Location', 'static', 'sampler'),
  pv('APP_DIR', 'waveform', 'Application directory', 'static', 'sampler', CHAR(160)),
  pv('APP_DIR1', 'stringin', 'Application directory part 1', 'static', 'sampler'),
  pv('APP_DIR2', 'stringin', 'Application directory part 2', 'static', 'sampler'),
  pv('ST_SCRIPT', 'waveform', 'Configuration file', 'static', 'sampler', CHAR(120)),
  pv('ST_SCRIPT1', 'stringin', 'Configuration file part 1', 'static', 'sampler'),
  pv('ST_SCRIPT2', 'stringin', 'Configuration file part 2', 'static', 'sampler'),
  pv('PROCESS_ID', 'ai', 'Process ID', 'static', 'sampler'),
  pv('PARENT_ID', 'ai', 'Parent process ID', 'static', 'sampler'),
  pv('CA_UPD_TIME', 'ao', 'CA check update period', 'passive', 'operator', {
    ...SEC,
    initial: 15,
    drvl: 1,
    drvh: 60,
    hopr: 60,
    write: 'open',
  }),
  pv('FD_UPD_TIME', 'ao', 'FD check update period', 'passive', 'operator', {
    ...SEC,
    initial: 20,
    drvl: 1,
    drvh: 60,
    hopr: 60,
    write: 'open',
  }),
  pv('LOAD_UPD_TIME', 'ao', 'CPU check update period', 'passive', 'operator', {
    ...SEC,
    initial: 10,
    drvl: 1,
    drvh: 60,
    hopr: 60,
    write: 'open',
  }),
  pv('MEM_UPD_TIME', 'ao', 'Memory check update period', 'passive', 'operator', {
    ...SEC,
    initial: 10,
    drvl: 1,
    drvh: 60,
    hopr: 60,
    write: 'open',
  }),
  pv('ACCESS', 'mbbo', 'Operating mode', 'passive', 'operator', {
    initial: 0,
    write: 'open',
    autosave: true,
    enums: { strings: ACCESS_STRINGS, severities: [NO_ALARM, MINOR_ALARM, MINOR_ALARM, MAJOR_ALARM] },
  }),
  pv('SYSRESET', 'bo', 'Restart the agent', 'passive', 'operator', {
    initial: 0,
    write: 'protected',
    aliases: ['SysReset'],
    enums: { strings: ['Idle', 'Reset'], severities: [NO_ALARM, NO_ALARM] },
  }),
  // --- devIocStats iocGeneralTime.template (only the OS clock provider exists here) ---
  pv('GTIM_TIME', 'ai', 'Current time, s since 1990', 'second', 'sampler', { ...SEC, prec: 3 }),
  pv('GTIM_CUR_SRC', 'stringin', 'Current time provider', 'static', 'sampler'),
  pv('GTIM_EVT_SRC', 'stringin', 'Event time provider', 'static', 'sampler'),
  pv('GTIM_HI_SRC', 'stringin', 'High-resolution time provider', 'static', 'sampler'),
  pv('GTIM_ERR_CNT', 'longin', 'Time provider error count', 'second', 'sampler', {
    alarm: { ...NO_LIMITS, hihi: 1, hhsv: MAJOR_ALARM },
  }),
  pv('GTIM_RESET', 'bo', 'Reset time provider errors', 'passive', 'operator', {
    initial: 0,
    write: 'open',
    enums: { strings: ['Reset', 'Reset'], severities: [NO_ALARM, NO_ALARM] },
  }),
  // --- other devIocStats names its stock screens read (ioc_stats_soft, _epics_env) ---
  pv('IOC_SINGLE_CPU_LOAD', 'ai', 'CPU load of the agent, of one CPU', 'LOAD', 'sampler', PCT),
  pv('MEM_FREE_GiB', 'ai', 'Free memory (free+buffers+cached)', 'MEM', 'sampler', GIB),
  pv('MEM_USED_GiB', 'ai', 'Agent memory used (RSS)', 'MEM', 'sampler', GIB),
  pv('MEM_MAX_GiB', 'ai', 'Total memory', 'MEM', 'sampler', GIB),
  pv('EPICS_VERSION', 'waveform', 'CA server version', 'static', 'sampler', CHAR(120)),
  ...EPICS_ENV_PVS.map(([name, , aliases]) =>
    pv(name, 'stringin', `EPICS_${name}`, 'static', 'sampler', aliases.length > 0 ? { aliases } : {}),
  ),
  // --- gateway-host additions ---
  pv('LOAD1', 'ai', 'Load average, 1 minute', 'LOAD', 'sampler', { prec: 2 }),
  pv('LOAD5', 'ai', 'Load average, 5 minutes', 'LOAD', 'sampler', { prec: 2 }),
  pv('LOAD15', 'ai', 'Load average, 15 minutes', 'LOAD', 'sampler', { prec: 2 }),
  pv('IOWAIT', 'ai', 'CPU time waiting for I/O', 'LOAD', 'sampler', {
    ...PCT,
    alarm: upper(20, 50),
    isHostWide: true,
  }),
  pv('NPROCS', 'ai', 'Number of processes', 'LOAD', 'sampler'),
  pv('MEM_USED_PCT', 'ai', 'Host memory used (not available)', 'MEM', 'sampler', {
    ...PCT,
    alarm: upper(85, 95),
    isHostWide: true,
  }),
  pv('SWAP_USED_PCT', 'ai', 'Swap used', 'MEM', 'sampler', {
    ...PCT,
    alarm: upper(50, 80),
    isHostWide: true,
  }),
  pv('DISK:<name>:USED_PCT', 'ai', 'Disk used', 'MEM', 'sampler', {
    ...PCT,
    alarm: upper(80, 90),
    perItem: 'mount',
  }),
  pv('DISK:<name>:FREE', 'ai', 'Disk space available', 'MEM', 'sampler', { ...BYTES, perItem: 'mount' }),
  pv('IP:<name>', 'stringin', 'IPv4 address', 'CA', 'sampler', { perItem: 'interface' }),
  pv('SYS_RELEASE', 'stringin', 'Distribution and version', 'static', 'sampler'),
  pv('BOX_UPTIME', 'stringin', 'Host uptime', 'second', 'sampler'),
  pv('BUILD', 'stringin', 'Image build', 'static', 'sampler'),
  pv('BUILD_DATE', 'stringin', 'Image build date', 'static', 'sampler'),
  pv('STREAM', 'stringin', 'Image release stream', 'static', 'sampler'),
  pv('CG_MEM_USED', 'ai', 'Container memory used', 'MEM', 'sampler', BYTES),
  pv('CG_MEM_MAX', 'ai', 'Container memory limit', 'MEM', 'sampler', BYTES),
  pv('CG_MEM_USED_PCT', 'ai', 'Container memory used of limit', 'MEM', 'sampler', {
    ...PCT,
    alarm: upper(80, 90),
  }),
  pv('CG_CPU_LOAD', 'ai', 'Container CPU used of quota', 'LOAD', 'sampler', {
    ...PCT,
    alarm: upper(70, 80),
  }),
  pv('STATUS', 'mbbi', 'Health summary', 'passive', 'derived', {
    enums: { strings: STATUS_STRINGS, severities: [NO_ALARM, MINOR_ALARM, MAJOR_ALARM] },
  }),
]);

/** The ao PV that holds each periodic group's period (seconds), as devIocStats' *_UPD_TIME. */
export const UPDATE_PERIOD_PVS = Object.freeze({
  CA: 'CA_UPD_TIME',
  FD: 'FD_UPD_TIME',
  LOAD: 'LOAD_UPD_TIME',
  MEM: 'MEM_UPD_TIME',
} as const);

/** Default periods in seconds: devIocStats' defaults, plus the 1 s scan of TOD/UPTIME/HEARTBEAT. */
export const DEFAULT_PERIODS_S: Readonly<Record<Exclude<UpdateGroup, 'static'>, number>> = Object.freeze({
  second: 1,
  CA: 15,
  FD: 20,
  LOAD: 10,
  MEM: 10,
});

/** The severity a PV gets when its sampler value is an error (with status READ_ALARM). */
export const READ_FAILURE_SEVERITY = INVALID_ALARM;

export interface ExpandOptions {
  /** Mount names for DISK:<name>:… (HealthSampler.mounts). */
  mounts: readonly { name: string }[];
  /** Interface names for IP:<name> (HealthSampler.interfaces). */
  interfaces: readonly string[];
  /**
   * Alarm-limit overrides from config, keyed by concrete suffix (`DISK:DATA:USED_PCT`) or template
   * suffix (`DISK:<name>:USED_PCT`); the concrete key wins.
   */
  limits?: Readonly<Record<string, Partial<AlarmLimits>>>;
}

/** Concrete PV list: templates expanded, configured limits applied. CG_* PVs always exist (INVALID when unreadable). */
export function expandHealthPvs(opts: ExpandOptions): HealthPvDef[] {
  const out: HealthPvDef[] = [];
  for (const def of HEALTH_PVS) {
    const names =
      def.perItem === 'mount'
        ? opts.mounts.map((m) => m.name)
        : def.perItem === 'interface'
          ? opts.interfaces
          : [undefined];
    for (const name of names) {
      const suffix = name === undefined ? def.suffix : def.suffix.replace('<name>', name);
      const overrides = { ...opts.limits?.[def.suffix], ...opts.limits?.[suffix] };
      const { perItem: _perItem, ...rest } = def;
      const desc = name === undefined ? def.desc : `${def.desc} ${name}`.slice(0, 40);
      out.push({ ...rest, suffix, desc, alarm: { ...def.alarm, ...overrides } });
    }
  }
  return out;
}
