// HealthSampler: reads /proc, cgroup (v1 or v2) files, statfs and os facts at the devIocStats update-period
// groups and returns every health PV's value (keyed by PV suffix) as a Reading. It keeps only what
// deltas need (previous CPU counters). It creates no records and no timers (the integrator schedules
// the groups) and never spawns a process: only fs/promises reads, fs.statfs and os.* calls.
import os from 'node:os';
import { statfs as fsStatfs } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fail, ok, type Reading } from './reading.js';
import { countEntries, parsed, readText } from './fs-source.js';
import { parseProcStat, type CpuTimes } from './proc/stat.js';
import { parseMeminfo } from './proc/meminfo.js';
import { parseLoadavg, parseUptime } from './proc/loadavg.js';
import { parsePidStat, USER_HZ } from '../../proc.js';
import { parseMaxOpenFiles, parsePidStatus } from './proc/pid.js';
import { parseOsRelease } from './proc/os-release.js';
import { parseCgroupCounter } from './proc/cgroup.js';
import { CgroupReader, type CgroupPlaces } from './cgroup-reader.js';
import { cgroupCpuLimit, cgroupCpuLoad, hostCpuLoad, iowaitPercent, processCpuLoad } from './cpu-load.js';
import { epicsSeconds, fitString, formatTod, formatUptime, NOT_AVAILABLE, stringPiece } from './format.js';
import { EPICS_ENV_PVS, type UpdateGroup } from './pv-table.js';

/** A sampled PV value: number for ai/longin/calc, string for stringin and CHAR waveforms. */
export type HealthValue = number | string;

/** Values keyed by PV suffix (`SYS_CPU_LOAD`, `DISK:ROOT:USED_PCT`, `IP:eth0`). */
export type HealthValues = Record<string, Reading<HealthValue>>;

/** One full sample. */
export interface HealthSample {
  /** Wall-clock time of the sample, ms since the POSIX epoch (the record time stamp). */
  wallMs: number;
  values: HealthValues;
}

/** A configured mount: DISK:<name>:USED_PCT and DISK:<name>:FREE. */
export interface HealthMount {
  name: string;
  path: string;
}

/** The subset of fs.StatFs the disk PVs use. */
export interface StatfsLike {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

/** Facts that are fixed for the agent's lifetime; every field may be overridden (tests, config). */
export interface StaticFacts {
  hostname: string;
  /** `Linux <release> <machine>` as devIocStats' KERNEL_VERS. */
  kernelVers: string;
  epicsVers: string;
  engineer: string;
  location: string;
  /** Working directory (APP_DIR). */
  appDir: string;
  /** The agent's config file (ST_SCRIPT). */
  stScript: string;
  build: string;
  buildDate: string;
  stream: string;
  processId: number;
  parentId: number;
}

export interface HealthSamplerOptions {
  /** Where procfs is mounted ('/proc'); tests point it at a fixture tree. */
  procRoot: string;
  /** Where /sys/fs/cgroup is (cgroup mount points below it are read there; tests use a fixture tree). */
  sysfsCgroupRoot: string;
  /** os-release locations, first readable wins. */
  osReleasePaths: readonly string[];
  /** Whose process PVs (IOC_CPU_LOAD, MEM_USED, FD_*) to report: 'self' or a pid. */
  pid: 'self' | number;
  /** Mounts with DISK PVs; default `/` as ROOT. */
  mounts: readonly HealthMount[];
  /** Interfaces with IP PVs; default: those with a non-internal IPv4 address at init(). */
  interfaces: readonly string[] | undefined;
  /** USER_HZ (100 on Linux; Node cannot call sysconf). */
  clockTicksPerSec: number;
  /** Monotonic clock in ms whose 0 is the process start (performance.now). */
  monotonicMs: () => number;
  /** Wall clock in ms since the POSIX epoch. */
  wallMs: () => number;
  /** Wall-clock time of the process start (STARTTOD). */
  startWallMs: number;
  statfs: (path: string) => Promise<StatfsLike>;
  networkInterfaces: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  /** Overrides for static facts; the rest comes from os/process/env. */
  facts: Partial<StaticFacts>;
  env: NodeJS.ProcessEnv;
}

/** Constant general-time provider names: the agent only has the OS clock. */
export const GTIM_SOURCE = 'OS Clock';

const HEARTBEAT_MAX = 2147483647;

interface CpuMark {
  monoMs: number;
  host: Reading<{ cpu: CpuTimes; cpuCount: number }>;
  procTicks: Reading<number>;
  cgUsageUs: Reading<number>;
}

/** Samples every health PV; see HEALTH_PVS for which group feeds which PV. */
export class HealthSampler {
  readonly options: HealthSamplerOptions;
  private staticValues: HealthValues = {};
  private readonly cgroups: CgroupReader;
  private minFreeKbytes = 0;
  private lastCpu: CpuMark | undefined;
  private heartbeat = 0;
  private gtimErrCnt = 0;
  private lastSecondWallMs: number | undefined;
  private interfaceNames: readonly string[] = [];
  private readonly inFlight = new Map<UpdateGroup, Promise<HealthValues>>();

  constructor(options: Partial<HealthSamplerOptions> = {}) {
    this.options = {
      procRoot: '/proc',
      sysfsCgroupRoot: '/sys/fs/cgroup',
      osReleasePaths: ['/etc/os-release', '/usr/lib/os-release'],
      pid: 'self',
      mounts: [{ name: 'ROOT', path: '/' }],
      interfaces: undefined,
      clockTicksPerSec: USER_HZ,
      monotonicMs: () => performance.now(),
      wallMs: () => Date.now(),
      startWallMs: performance.timeOrigin,
      statfs: (path) => fsStatfs(path),
      networkInterfaces: () => os.networkInterfaces(),
      facts: {},
      env: process.env,
      ...options,
    };
    this.cgroups = new CgroupReader(this.proc(this.pidDir()), this.options.sysfsCgroupRoot);
  }

  /** Mount and interface lists after init(): what expandHealthPvs needs. */
  get mounts(): readonly HealthMount[] {
    return this.options.mounts;
  }

  get interfaces(): readonly string[] {
    return this.interfaceNames;
  }

  /** Whether the last LOAD sample found a cgroup CPU quota (CG_CPU_LOAD is then against it). */
  hasCpuQuota = false;

  /** Where each cgroup figure is read (or why it cannot be); valid after init(). */
  get cgroupPlaces(): CgroupPlaces {
    return this.cgroups.places;
  }

  private proc(...parts: string[]): string {
    return join(this.options.procRoot, ...parts);
  }

  private pidDir(): string {
    return String(this.options.pid);
  }

  /**
   * Reads the static facts, resolves the cgroup directory and takes the first CPU counters, so that
   * the first LOAD sample already has a delta. Call once before sampling.
   */
  async init(): Promise<void> {
    this.interfaceNames = this.options.interfaces ?? defaultInterfaces(this.options.networkInterfaces());
    await this.cgroups.init();
    const minFree = parsed(
      this.proc('sys/vm/min_free_kbytes'),
      await readText(this.proc('sys/vm/min_free_kbytes')),
      (t) => parseCgroupCounter(t),
    );
    this.minFreeKbytes = minFree.ok ? minFree.value : 0;
    this.staticValues = await this.readStatic();
    this.lastCpu = await this.markCpu();
  }

  /** Values of the `static` group (read once at init). */
  sampleStatic(): HealthValues {
    return { ...this.staticValues };
  }

  /** The `second` group: TOD, UPTIME, HEARTBEAT (+1 per call), BOX_UPTIME and the GTIM_* time values. */
  async sampleSecond(): Promise<HealthValues> {
    const wall = this.options.wallMs();
    if (this.lastSecondWallMs !== undefined && wall < this.lastSecondWallMs) this.gtimErrCnt++;
    this.lastSecondWallMs = wall;
    this.heartbeat = this.heartbeat < HEARTBEAT_MAX ? this.heartbeat + 1 : 1;
    const uptimePath = this.proc('uptime');
    const boxUptime = parsed(uptimePath, await readText(uptimePath), parseUptime);
    return {
      TOD: ok(formatTod(wall)),
      UPTIME: ok(formatUptime(this.options.monotonicMs() / 1000)),
      HEARTBEAT: ok(this.heartbeat),
      BOX_UPTIME: boxUptime.ok ? ok(formatUptime(boxUptime.value)) : boxUptime,
      GTIM_TIME: ok(epicsSeconds(wall)),
      GTIM_ERR_CNT: ok(this.gtimErrCnt),
    };
  }

  /** GTIM_RESET: zeroes the general-time error count. */
  resetGtimErrCnt(): void {
    this.gtimErrCnt = 0;
  }

  /** The `CA` group: IPv4 address of each interface (IP:<name>). */
  sampleCa(): Promise<HealthValues> {
    const all = this.options.networkInterfaces();
    const values: HealthValues = {};
    for (const name of this.interfaceNames) {
      const v4 = all[name]?.find((a) => a.family === 'IPv4');
      values[`IP:${name}`] = v4 ? ok(v4.address) : fail(`no IPv4 address on interface ${name}`);
    }
    return Promise.resolve(values);
  }

  /** The `FD` group: FD_CNT, FD_MAX, FD_FREE. */
  async sampleFd(): Promise<HealthValues> {
    const fdPath = this.proc(this.pidDir(), 'fd');
    const limitsPath = this.proc(this.pidDir(), 'limits');
    const [entries, limitsText] = await Promise.all([countEntries(fdPath), readText(limitsPath)]);
    // readdir holds the directory open while listing, so our own listing shows one extra fd
    // (devIocStats subtracts 3: that fd plus . and .., which Node's readdir omits).
    const ownFd = this.options.pid === 'self' ? 1 : 0;
    const fdCnt: Reading<number> = entries.ok ? ok(Math.max(0, entries.value - ownFd)) : entries;
    const fdMax = parsed(limitsPath, limitsText, parseMaxOpenFiles);
    let fdFree: Reading<number>;
    if (!fdCnt.ok) fdFree = fdCnt;
    else if (!fdMax.ok) fdFree = fdMax;
    // FD_FREE's calc in iocStats: B>0 ? B-A : C (C=1000); an unlimited soft limit shows C too.
    else fdFree = ok(fdMax.value > 0 && Number.isFinite(fdMax.value) ? fdMax.value - fdCnt.value : 1000);
    const shownMax: Reading<number> = fdMax.ok && !Number.isFinite(fdMax.value) ? ok(0) : fdMax;
    return { FD_CNT: fdCnt, FD_MAX: shownMax, FD_FREE: fdFree };
  }

  /** The `LOAD` group: SYS_CPU_LOAD, IOC_CPU_LOAD, IOWAIT, LOAD1/5/15, NPROCS, CG_CPU_LOAD. */
  async sampleLoad(): Promise<HealthValues> {
    const loadavgPath = this.proc('loadavg');
    const [mark, loadavgText, nprocs, cpuMax] = await Promise.all([
      this.markCpu(),
      readText(loadavgPath),
      countEntries(this.options.procRoot, /^\d+$/),
      this.cgroups.readCpuQuota(),
    ]);
    const prev = this.lastCpu;
    this.lastCpu = mark;
    this.hasCpuQuota = cpuMax.ok && cpuMax.value.quotaUs !== null;
    const values: HealthValues = {};
    const elapsedSec = prev ? (mark.monoMs - prev.monoMs) / 1000 : 0;
    const ticks = this.options.clockTicksPerSec;
    const noPrev = 'no previous sample yet';
    if (!mark.host.ok) {
      values.SYS_CPU_LOAD = values.IOWAIT = values.IOC_CPU_LOAD = values.CG_CPU_LOAD = mark.host;
      values.IOC_SINGLE_CPU_LOAD = mark.host;
    } else {
      const { cpu, cpuCount } = mark.host.value;
      const prevHost = prev?.host.ok ? prev.host.value : undefined;
      values.SYS_CPU_LOAD = prevHost ? hostCpuLoad(prevHost.cpu, cpu) : fail(noPrev);
      values.IOWAIT = prevHost ? iowaitPercent(prevHost.cpu, cpu) : fail(noPrev);
      values.IOC_CPU_LOAD = !mark.procTicks.ok
        ? mark.procTicks
        : prev?.procTicks.ok
          ? processCpuLoad(prev.procTicks.value, mark.procTicks.value, elapsedSec, cpuCount, ticks)
          : fail(noPrev);
      // devIocStats' IOC_SINGLE_CPU_LOAD: the same load as `top` shows it (100 % = one CPU busy).
      const load = values.IOC_CPU_LOAD;
      values.IOC_SINGLE_CPU_LOAD = load.ok ? ok(Number(load.value) * cpuCount) : load;
      values.CG_CPU_LOAD = !mark.cgUsageUs.ok
        ? mark.cgUsageUs
        : !cpuMax.ok
          ? cpuMax
          : prev?.cgUsageUs.ok
            ? cgroupCpuLoad(
                prev.cgUsageUs.value,
                mark.cgUsageUs.value,
                elapsedSec,
                cgroupCpuLimit(cpuMax.value, cpuCount),
              )
            : fail(noPrev);
    }
    const load = parsed(loadavgPath, loadavgText, parseLoadavg);
    values.LOAD1 = load.ok ? ok(load.value.load1) : load;
    values.LOAD5 = load.ok ? ok(load.value.load5) : load;
    values.LOAD15 = load.ok ? ok(load.value.load15) : load;
    // A procfs always lists at least this process: none at all means it is not a procfs.
    values.NPROCS =
      nprocs.ok && nprocs.value === 0 ? fail(`${this.options.procRoot}: no process directories`) : nprocs;
    return values;
  }

  /** The `MEM` group: MEM_USED/FREE/MAX, MEM_USED_PCT, SWAP_USED_PCT, CG_MEM_*, DISK:<name>:*. */
  async sampleMem(): Promise<HealthValues> {
    const meminfoPath = this.proc('meminfo');
    const statusPath = this.proc(this.pidDir(), 'status');
    const [meminfoText, statusText, cg, disks] = await Promise.all([
      readText(meminfoPath),
      readText(statusPath),
      this.cgroups.readMemory(),
      Promise.all(this.options.mounts.map((m) => this.sampleDisk(m))),
    ]);
    const values: HealthValues = {};
    const status = parsed(statusPath, statusText, parsePidStatus);
    values.MEM_USED = status.ok ? ok(status.value.rssBytes) : status;
    const mem = parsed(meminfoPath, meminfoText, (t) => parseMeminfo(t, this.minFreeKbytes));
    if (mem.ok) {
      const m = mem.value;
      values.MEM_FREE = ok(m.memFree + m.buffers + m.cached);
      values.MEM_MAX = ok(m.memTotal);
      values.MEM_USED_PCT =
        m.memTotal > 0
          ? ok((100 * (m.memTotal - m.memAvailable)) / m.memTotal)
          : fail(`${meminfoPath}: MemTotal is 0`);
      values.SWAP_USED_PCT =
        m.swapTotal === undefined || m.swapFree === undefined
          ? fail(`${meminfoPath}: no SwapTotal/SwapFree`)
          : ok(m.swapTotal === 0 ? 0 : (100 * (m.swapTotal - m.swapFree)) / m.swapTotal);
    } else {
      values.MEM_FREE = values.MEM_MAX = values.MEM_USED_PCT = values.SWAP_USED_PCT = mem;
    }
    // Working set as docker stats and cAdvisor report it: usage minus inactive file pages, which the
    // kernel reclaims before it would OOM-kill.
    const cgUsed = cg.used;
    // No cgroup limit (v2 "max", v1's huge number): the effective limit is the machine's RAM.
    const cgLimit: Reading<number> = !cg.limit.ok
      ? cg.limit
      : cg.limit.value !== null
        ? ok(cg.limit.value)
        : mem.ok
          ? ok(mem.value.memTotal)
          : mem;
    values.CG_MEM_USED = cgUsed;
    values.CG_MEM_MAX = cgLimit;
    values.CG_MEM_USED_PCT = !cgUsed.ok
      ? cgUsed
      : !cgLimit.ok
        ? cgLimit
        : cgLimit.value > 0
          ? ok((100 * cgUsed.value) / cgLimit.value)
          : fail('cgroup memory limit is 0');
    for (const d of disks) Object.assign(values, d);
    // devIocStats' GiB copies of the byte counts, for its newer screens.
    for (const name of ['MEM_FREE', 'MEM_USED', 'MEM_MAX'] as const) {
      const bytes = values[name]!;
      values[`${name}_GiB`] = bytes.ok ? ok(Number(bytes.value) / 2 ** 30) : bytes;
    }
    return values;
  }

  /** Samples one update group (the `static` group returns the cached init values). */
  sampleGroup(group: UpdateGroup): Promise<HealthValues> {
    if (group === 'static') return Promise.resolve(this.sampleStatic());
    // A slow read (a hung NFS statfs) must not pile up overlapping samples of the same group.
    const running = this.inFlight.get(group);
    if (running) return running;
    const run = (() => {
      switch (group) {
        case 'second':
          return this.sampleSecond();
        case 'CA':
          return this.sampleCa();
        case 'FD':
          return this.sampleFd();
        case 'LOAD':
          return this.sampleLoad();
        case 'MEM':
          return this.sampleMem();
      }
    })().finally(() => this.inFlight.delete(group));
    this.inFlight.set(group, run);
    return run;
  }

  /** Every group at once (static included), merged. */
  async sampleAll(): Promise<HealthSample> {
    const wallMs = this.options.wallMs();
    const groups = await Promise.all(
      (['static', 'second', 'CA', 'FD', 'LOAD', 'MEM'] as const).map((g) => this.sampleGroup(g)),
    );
    return { wallMs, values: Object.assign({}, ...groups) as HealthValues };
  }

  private async sampleDisk(m: HealthMount): Promise<HealthValues> {
    const used = `DISK:${m.name}:USED_PCT`;
    const free = `DISK:${m.name}:FREE`;
    let s: StatfsLike;
    try {
      s = await this.options.statfs(m.path);
    } catch (err) {
      const e = fail(`cannot statfs ${m.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return { [used]: e, [free]: e };
    }
    // df's Use%: used / (used + available to unprivileged users), so reserved blocks count as full.
    const usedBlocks = s.blocks - s.bfree;
    const denominator = usedBlocks + s.bavail;
    return {
      [used]:
        denominator > 0
          ? ok((100 * usedBlocks) / denominator)
          : fail(`${m.path}: file system reports size 0`),
      [free]: ok(s.bavail * s.bsize),
    };
  }

  private async markCpu(): Promise<CpuMark> {
    const statPath = this.proc('stat');
    const pidStatPath = this.proc(this.pidDir(), 'stat');
    const [statText, pidStatText, cgUsageUs] = await Promise.all([
      readText(statPath),
      readText(pidStatPath),
      this.cgroups.readCpuUsageUs(),
    ]);
    const monoMs = this.options.monotonicMs();
    const stat = parsed(statPath, statText, parseProcStat);
    const pidStat = parsed(pidStatPath, pidStatText, (t) => {
      const st = parsePidStat(t);
      return st === undefined ? fail('malformed or truncated') : ok(st);
    });
    return {
      monoMs,
      host: stat.ok ? ok({ cpu: stat.value.cpu, cpuCount: stat.value.cpuCount }) : stat,
      procTicks: pidStat.ok ? ok(pidStat.value.utime + pidStat.value.stime) : pidStat,
      cgUsageUs,
    };
  }

  private async readStatic(): Promise<HealthValues> {
    const o = this.options;
    const f = o.facts;
    const env = o.env;
    const statPath = this.proc('stat');
    const stat = parsed(statPath, await readText(statPath), parseProcStat);
    let sysRelease: Reading<string> = fail(`cannot read ${o.osReleasePaths.join(' or ')}`);
    for (const p of o.osReleasePaths) {
      const text = await readText(p);
      if (text.ok) {
        sysRelease = parsed(p, text, parseOsRelease);
        break;
      }
    }
    const appDir = f.appDir ?? process.cwd();
    const stScript = f.stScript ?? NOT_AVAILABLE;
    const str = (s: string): Reading<HealthValue> => ok(fitString(s));
    return {
      CPU_CNT: stat.ok ? ok(stat.value.cpuCount) : stat,
      HOSTNAME: str(f.hostname ?? os.hostname()),
      KERNEL_VERS: str(f.kernelVers ?? `Linux ${os.release()} ${os.machine()}`),
      EPICS_VERS: str(f.epicsVers ?? 'gwagent CA server (protocol 4.13)'),
      ENGINEER: str(f.engineer ?? env.ENGINEER ?? env.LOGNAME ?? env.USER ?? NOT_AVAILABLE),
      LOCATION: str(f.location ?? env.LOCATION ?? NOT_AVAILABLE),
      APP_DIR: ok(appDir),
      APP_DIR1: ok(stringPiece(appDir, 0)),
      APP_DIR2: ok(stringPiece(appDir, 1)),
      ST_SCRIPT: ok(stScript),
      ST_SCRIPT1: ok(stringPiece(stScript, 0)),
      ST_SCRIPT2: ok(stringPiece(stScript, 1)),
      PROCESS_ID: ok(f.processId ?? process.pid),
      PARENT_ID: ok(f.parentId ?? process.ppid),
      STARTTOD: ok(formatTod(o.startWallMs)),
      SYS_RELEASE: sysRelease.ok ? str(sysRelease.value) : sysRelease,
      BUILD: str(f.build ?? env.GWAGENT_BUILD ?? NOT_AVAILABLE),
      BUILD_DATE: str(f.buildDate ?? env.GWAGENT_BUILD_DATE ?? NOT_AVAILABLE),
      STREAM: str(f.stream ?? env.GWAGENT_STREAM ?? NOT_AVAILABLE),
      GTIM_CUR_SRC: ok(GTIM_SOURCE),
      GTIM_EVT_SRC: ok(GTIM_SOURCE),
      GTIM_HI_SRC: ok(GTIM_SOURCE),
      EPICS_VERSION: ok(f.epicsVers ?? 'gwagent CA server (protocol 4.13)'),
      ...Object.fromEntries(
        EPICS_ENV_PVS.map(([name, fallback]) => [
          name,
          str(env[`EPICS_${name}`] ?? (name === 'TZ' ? (env.TZ ?? localZone()) : fallback)),
        ]),
      ),
    };
  }
}

/** The host's time zone name when neither EPICS_TZ nor TZ is set. */
function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Interfaces with a non-internal IPv4 address, sorted: the default IP:<name> PVs. */
export function defaultInterfaces(all: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string[] {
  return Object.entries(all)
    .filter(([, addrs]) => addrs?.some((a) => a.family === 'IPv4' && !a.internal))
    .map(([name]) => name)
    .sort();
}
