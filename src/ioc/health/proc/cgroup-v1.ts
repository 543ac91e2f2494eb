// Parsers for what locating a process's cgroups needs (/proc/<pid>/cgroup with every hierarchy, the
// cgroup mounts of /proc/<pid>/mountinfo) and for cgroup v1 values (memory.limit_in_bytes, whose
// "no limit" is a huge page-rounded number; cpu.cfs_quota_us, whose "no quota" is -1). Pure.
import { fail, ok, parseCount, type Reading } from '../reading.js';
import type { CpuMax } from './cgroup.js';

/** One line of /proc/<pid>/cgroup: `id:controllers:path` (v2 is `0::path`). */
export interface ProcCgroupEntry {
  hierarchyId: number;
  /** v1 controllers of that hierarchy (`cpu`, `cpuacct`, `name=systemd`); empty for v2. */
  controllers: string[];
  path: string;
}

export function parseProcCgroupEntries(text: string): ProcCgroupEntry[] {
  const out: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    out.push({ hierarchyId: Number(m[1]), controllers: m[2] ? m[2].split(',') : [], path: m[3] || '/' });
  }
  return out;
}

/** A cgroup file system mount from mountinfo. */
export interface CgroupMount {
  version: 1 | 2;
  /** The directory of the hierarchy that is mounted (field 4: `/` or, in a container, its cgroup). */
  root: string;
  mountPoint: string;
  /** v1: the controllers in the super options (`memory`, `cpu`, `cpuacct`, `name=systemd`). */
  controllers: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const NOT_CONTROLLERS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'nsdelegate']);

/**
 * The cgroup and cgroup2 mounts of a mountinfo text (proc(5): `id parent maj:min root mountpoint
 * options [optional...] - fstype source superoptions`).
 */
export function parseCgroupMounts(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fstype, , superOptions = ''] = right.split(' ');
    if ((fstype !== 'cgroup' && fstype !== 'cgroup2') || f[3] === undefined || f[4] === undefined) continue;
    const controllers =
      fstype === 'cgroup'
        ? superOptions.split(',').filter((o) => !NOT_CONTROLLERS.has(o) && !o.startsWith('release_agent='))
        : [];
    out.push({
      version: fstype === 'cgroup2' ? 2 : 1,
      root: unescapeMount(f[3]),
      mountPoint: unescapeMount(f[4]),
      controllers,
    });
  }
  return out;
}

/**
 * Above this a v1 memory limit means "none": the kernel reports PAGE_COUNTER_MAX pages, LONG_MAX
 * rounded down to the page size (9223372036854771712 with 4 KiB pages).
 */
export const V1_NO_LIMIT_FROM = 2 ** 62;

/** memory.limit_in_bytes (or hierarchical_memory_limit): bytes, or null for no limit. */
export function parseV1MemoryLimit(text: string): Reading<number | null> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return fail(`malformed "${t}"`);
  const n = Number(t);
  if (n >= V1_NO_LIMIT_FROM) return ok(null);
  return Number.isSafeInteger(n) ? ok(n) : fail(`out of range "${t}"`);
}

/** cpu.cfs_quota_us (-1: no quota) and cpu.cfs_period_us, as cgroup v2's cpu.max. */
export function parseV1CpuQuota(quotaText: string, periodText: string): Reading<CpuMax> {
  const q = quotaText.trim();
  const periodUs = parseCount(periodText.trim());
  const quotaUs = q === '-1' ? null : parseCount(q);
  if (periodUs === undefined || periodUs === 0 || quotaUs === undefined) {
    return fail(`malformed quota "${q}" / period "${periodText.trim()}"`);
  }
  return ok({ quotaUs, periodUs });
}

/** cpuacct.usage: total CPU time in nanoseconds, returned in microseconds like v2's usage_usec. */
export function parseV1CpuacctUsage(text: string): Reading<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return fail(`malformed "${t}"`);
  return ok(Number(t) / 1000);
}
