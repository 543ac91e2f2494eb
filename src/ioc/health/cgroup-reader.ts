// Finds the agent's own cgroups and reads the container figures (memory used and limit, CPU time and
// quota) from whichever hierarchy holds each controller: cgroup v2 (memory.current, cpu.max, ...) or
// v1 (memory.usage_in_bytes, cpuacct.usage, cpu.cfs_quota_us, ...), as on hybrid hosts. Membership comes
// from /proc/<pid>/cgroup, mount points from /proc/<pid>/mountinfo. Reads files only; a figure that
// cannot be had is a failed Reading saying why (its PV goes INVALID), never a missing PV.
import { join } from 'node:path';
import { readText, parsed } from './fs-source.js';
import { fail, ok, type Reading } from './reading.js';
import {
  parseCgroupCounter,
  parseCgroupKeyed,
  parseCgroupLimit,
  parseCpuMax,
  parseCpuStatUsage,
  type CpuMax,
} from './proc/cgroup.js';
import {
  parseCgroupMounts,
  parseProcCgroupEntries,
  parseV1CpuacctUsage,
  parseV1CpuQuota,
  parseV1MemoryLimit,
  type CgroupMount,
  type ProcCgroupEntry,
} from './proc/cgroup-v1.js';

/** Where the conventional cgroup mounts live; mount points below it are mapped onto `sysfsCgroupRoot`. */
const SYS_FS_CGROUP = '/sys/fs/cgroup';

/** A controller's directory and the hierarchy it belongs to. */
export interface CgroupPlace {
  version: 1 | 2;
  dir: string;
}

/** What the reader found at init(), per figure (for tests and for the agent's log). */
export interface CgroupPlaces {
  memory: Reading<CgroupPlace>;
  /** v2: the cgroup directory (cpu.stat, cpu.max); v1: the cpuacct directory. */
  cpuUsage: Reading<CgroupPlace>;
  /** v2: the cgroup directory (cpu.max); v1: the cpu directory (cpu.cfs_quota_us). */
  cpuQuota: Reading<CgroupPlace>;
}

export interface CgroupMemory {
  /** Working set: usage minus inactive file pages (what docker stats and cAdvisor report). */
  used: Reading<number>;
  /** Bytes, or null when the cgroup has no limit. */
  limit: Reading<number | null>;
}

async function exists(path: string): Promise<boolean> {
  return (await readText(path)).ok;
}

export class CgroupReader {
  places: CgroupPlaces = {
    memory: fail('not initialised'),
    cpuUsage: fail('not initialised'),
    cpuQuota: fail('not initialised'),
  };

  constructor(
    /** The process's procfs directory (`/proc/self`). */
    private readonly procPidDir: string,
    /** Where /sys/fs/cgroup is found (tests point it at a fixture tree). */
    private readonly sysfsCgroupRoot: string,
  ) {}

  /** Locates the controllers. Call once before reading. */
  async init(): Promise<CgroupPlaces> {
    const cgPath = join(this.procPidDir, 'cgroup');
    const cgText = await readText(cgPath);
    if (!cgText.ok) {
      const f = fail(cgText.error);
      this.places = { memory: f, cpuUsage: f, cpuQuota: f };
      return this.places;
    }
    const entries = parseProcCgroupEntries(cgText.value);
    const mounts = await this.mounts();
    const v2 = await this.v2Dir(entries, mounts);
    const v1 = (controller: string) => this.v1Dir(entries, mounts, controller);

    const memV2 = v2 && (await exists(join(v2, 'memory.current'))) ? v2 : undefined;
    const memV1 = await v1('memory');
    const cpuV2 = v2 && (await exists(join(v2, 'cpu.max'))) ? v2 : undefined;
    const [cpuacctV1, cpuV1] = [await v1('cpuacct'), await v1('cpu')];
    const pick = async (
      v2dir: string | undefined,
      v1dir: string | undefined,
      v1file: string,
      what: string,
    ): Promise<Reading<CgroupPlace>> => {
      if (v2dir) return ok({ version: 2, dir: v2dir });
      if (v1dir && (await exists(join(v1dir, v1file)))) return ok({ version: 1, dir: v1dir });
      return fail(`no cgroup ${what} controller for this process (${cgPath})`);
    };
    this.places = {
      memory: await pick(memV2, memV1, 'memory.usage_in_bytes', 'memory'),
      cpuUsage: await pick(cpuV2, cpuacctV1, 'cpuacct.usage', 'cpuacct'),
      cpuQuota: await pick(cpuV2, cpuV1, 'cpu.cfs_quota_us', 'cpu'),
    };
    return this.places;
  }

  /** The cgroup mounts; without a readable mountinfo, the conventional layout under /sys/fs/cgroup. */
  private async mounts(): Promise<CgroupMount[]> {
    const text = await readText(join(this.procPidDir, 'mountinfo'));
    const found = text.ok ? parseCgroupMounts(text.value) : [];
    if (found.length > 0) return found;
    if (await exists(join(this.sysfsCgroupRoot, 'cgroup.controllers'))) {
      return [{ version: 2, root: '/', mountPoint: SYS_FS_CGROUP, controllers: [] }];
    }
    return ['memory', 'cpu', 'cpuacct'].map((c) => ({
      version: 1 as const,
      root: '/',
      mountPoint: `${SYS_FS_CGROUP}/${c}`,
      controllers: [c],
    }));
  }

  private mapped(mountPoint: string): string {
    if (mountPoint === SYS_FS_CGROUP || mountPoint.startsWith(`${SYS_FS_CGROUP}/`)) {
      return join(this.sysfsCgroupRoot, mountPoint.slice(SYS_FS_CGROUP.length));
    }
    return mountPoint;
  }

  /**
   * The directory of a cgroup path in a mount: the path is relative to the mount's root (a container
   * without its own cgroup namespace sees `/docker/<id>` both as its path and as the mount root). If
   * that directory is not there (a namespace quirk), the mount point itself.
   */
  private async dirIn(m: CgroupMount, path: string, probe: string): Promise<string> {
    const base = this.mapped(m.mountPoint);
    const rel =
      m.root !== '/' && (path === m.root || path.startsWith(`${m.root}/`)) ? path.slice(m.root.length) : path;
    const dir = rel === '/' || rel === '' ? base : join(base, rel);
    return (await exists(join(dir, probe))) ? dir : base;
  }

  private async v2Dir(entries: ProcCgroupEntry[], mounts: CgroupMount[]): Promise<string | undefined> {
    const entry = entries.find((e) => e.hierarchyId === 0 && e.controllers.length === 0);
    const mount = mounts.find((m) => m.version === 2);
    return entry && mount ? this.dirIn(mount, entry.path, 'cgroup.controllers') : undefined;
  }

  private async v1Dir(
    entries: ProcCgroupEntry[],
    mounts: CgroupMount[],
    controller: string,
  ): Promise<string | undefined> {
    const entry = entries.find((e) => e.hierarchyId > 0 && e.controllers.includes(controller));
    const mount = mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    return entry && mount ? this.dirIn(mount, entry.path, 'cgroup.procs') : undefined;
  }

  private async file<T>(dir: string, name: string, parse: (t: string) => Reading<T>): Promise<Reading<T>> {
    const path = join(dir, name);
    return parsed(path, await readText(path), parse);
  }

  /** Memory used (working set) and the limit. */
  async readMemory(): Promise<CgroupMemory> {
    const place = this.places.memory;
    if (!place.ok) return { used: place, limit: place };
    const { version, dir } = place.value;
    const stat = await this.file(dir, 'memory.stat', (t) => ok(parseCgroupKeyed(t)));
    if (version === 2) {
      const [current, max] = await Promise.all([
        this.file(dir, 'memory.current', parseCgroupCounter),
        this.file(dir, 'memory.max', parseCgroupLimit),
      ]);
      const inactive = stat.ok ? (stat.value.get('inactive_file') ?? 0) : 0;
      return { used: current.ok ? ok(Math.max(0, current.value - inactive)) : current, limit: max };
    }
    const [usage, limit] = await Promise.all([
      this.file(dir, 'memory.usage_in_bytes', parseCgroupCounter),
      this.file(dir, 'memory.limit_in_bytes', parseV1MemoryLimit),
    ]);
    // v1 memory.stat: total_* counts the whole subtree (as usage does); hierarchical_memory_limit is
    // the tightest limit of this cgroup and its parents, the one the kernel enforces.
    const inactive = stat.ok
      ? (stat.value.get('total_inactive_file') ?? stat.value.get('inactive_file') ?? 0)
      : 0;
    const hier = stat.ok ? stat.value.get('hierarchical_memory_limit') : undefined;
    let effective = limit;
    if (limit.ok && hier !== undefined) {
      const h = parseV1MemoryLimit(String(hier));
      if (h.ok && h.value !== null && (limit.value === null || h.value < limit.value)) effective = h;
    }
    return { used: usage.ok ? ok(Math.max(0, usage.value - inactive)) : usage, limit: effective };
  }

  /** Total CPU time of the cgroup in microseconds. */
  readCpuUsageUs(): Promise<Reading<number>> {
    const place = this.places.cpuUsage;
    if (!place.ok) return Promise.resolve(place);
    const { version, dir } = place.value;
    return version === 2
      ? this.file(dir, 'cpu.stat', parseCpuStatUsage)
      : this.file(dir, 'cpuacct.usage', parseV1CpuacctUsage);
  }

  /** The CPU quota (null quota: none). */
  async readCpuQuota(): Promise<Reading<CpuMax>> {
    const place = this.places.cpuQuota;
    if (!place.ok) return place;
    const { version, dir } = place.value;
    if (version === 2) return this.file(dir, 'cpu.max', parseCpuMax);
    const quotaPath = join(dir, 'cpu.cfs_quota_us');
    const [quota, period] = await Promise.all([
      readText(quotaPath),
      readText(join(dir, 'cpu.cfs_period_us')),
    ]);
    if (!quota.ok) return quota;
    if (!period.ok) return period;
    return parsed(quotaPath, quota, (q) => parseV1CpuQuota(q, period.value));
  }
}
