// Parsers for cgroup v2 interface files (memory.current, memory.max, memory.stat, cpu.max, cpu.stat)
// and for /proc/<pid>/cgroup. Pure: text in, typed values out. cgroup v1 is not read: its limits
// live in different files per controller and are not reported (CG_* PVs then say why).
import { fail, ok, parseCount, type Reading } from '../reading.js';

/** The cgroup v2 path of a process from /proc/<pid>/cgroup (`0::/path`), or an error on v1-only hosts. */
export function parseProcCgroup(text: string): Reading<string> {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::')) return ok(line.slice(3).trim() || '/');
  }
  return fail('no cgroup v2 (0::) entry');
}

/** A single-number file such as memory.current or pids.current. */
export function parseCgroupCounter(text: string): Reading<number> {
  const n = parseCount(text.trim());
  return n === undefined ? fail(`malformed "${text.trim()}"`) : ok(n);
}

/** memory.max / memory.high / pids.max: a number, or `max` (no limit) as null. */
export function parseCgroupLimit(text: string): Reading<number | null> {
  const t = text.trim();
  if (t === 'max') return ok(null);
  return parseCgroupCounter(t);
}

/** Flat-keyed files (memory.stat, cpu.stat): `key value` lines. */
export function parseCgroupKeyed(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v, extra] = line.trim().split(/\s+/);
    const n = parseCount(v);
    if (k && n !== undefined && extra === undefined) fields.set(k, n);
  }
  return fields;
}

export interface CpuMax {
  /** Microseconds of CPU per period; null when `max` (no quota). */
  quotaUs: number | null;
  periodUs: number;
}

/** cpu.max: `max 100000` (no quota) or `50000 100000` (half a CPU). */
export function parseCpuMax(text: string): Reading<CpuMax> {
  const [q, p, extra] = text.trim().split(/\s+/);
  const periodUs = parseCount(p);
  const quotaUs = q === 'max' ? null : parseCount(q);
  if (periodUs === undefined || periodUs === 0 || quotaUs === undefined || extra !== undefined) {
    return fail(`malformed "${text.trim()}"`);
  }
  return ok({ quotaUs, periodUs });
}

/** cpu.stat: total CPU time used by the cgroup, in microseconds (usage_usec). */
export function parseCpuStatUsage(text: string): Reading<number> {
  const usage = parseCgroupKeyed(text).get('usage_usec');
  return usage === undefined ? fail('no usage_usec') : ok(usage);
}
