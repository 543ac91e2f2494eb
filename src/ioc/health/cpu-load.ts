// CPU percentages from two cumulative samples: host load and iowait (/proc/stat), a process's own
// load (/proc/<pid>/stat) and a cgroup's load against its quota (cpu.stat, cpu.max). Pure arithmetic;
// the sampler keeps the previous sample and the elapsed monotonic time.
import { USER_HZ } from '../../proc.js';
import { fail, ok, type Reading } from './reading.js';
import { busyTicks, totalTicks, type CpuTimes } from './proc/stat.js';
import type { CpuMax } from './proc/cgroup.js';

function checkElapsed(elapsedSec: number): string | undefined {
  return elapsedSec > 0 ? undefined : 'no time elapsed since the previous sample';
}

/**
 * SYS_CPU_LOAD: share of all CPU time spent in user + nice + system (iowait, irq, softirq and steal are
 * not load), as devIocStats on Linux. devIocStats divides by elapsed wall time × CPUs × USER_HZ; the
 * tick total of the same /proc/stat read is that quantity without the skew between reading the clock
 * and reading the file, which otherwise shows more than 100 % on short intervals.
 */
export function hostCpuLoad(prev: CpuTimes, cur: CpuTimes): Reading<number> {
  const total = totalTicks(cur) - totalTicks(prev);
  if (total <= 0) return fail('/proc/stat: no CPU ticks elapsed since the previous sample');
  const busy = busyTicks(cur) - busyTicks(prev);
  if (busy < 0) return fail('/proc/stat: cpu counters went backwards');
  return ok(Math.min(100, (100 * busy) / total));
}

/**
 * IOWAIT: share of all CPU time spent idle waiting for I/O, Δiowait / Δ(all ticks) × 100. A ratio of
 * tick counts, so it needs no clock. The kernel's iowait counter may decrease (proc(5)): clamp to 0.
 */
export function iowaitPercent(prev: CpuTimes, cur: CpuTimes): Reading<number> {
  const total = totalTicks(cur) - totalTicks(prev);
  if (total <= 0) return fail('/proc/stat: no CPU ticks elapsed since the previous sample');
  return ok((100 * Math.max(0, cur.iowait - prev.iowait)) / total);
}

/**
 * IOC_CPU_LOAD: a process's Δ(utime + stime) as a share of the whole machine (0-100 %, `top` shows
 * this × CPUs), as devIocStats reports its own process.
 */
export function processCpuLoad(
  prevTicks: number,
  curTicks: number,
  elapsedSec: number,
  cpuCount: number,
  ticksPerSec = USER_HZ,
): Reading<number> {
  const bad = checkElapsed(elapsedSec);
  if (bad) return fail(bad);
  const used = curTicks - prevTicks;
  if (used < 0) return fail('stat: process CPU time went backwards');
  // Tick granularity (10 ms) over a short interval can exceed the machine; it cannot really.
  return ok(Math.min(100, (100 * used) / ticksPerSec / (elapsedSec * cpuCount)));
}

/** CPUs a cgroup may use: quota/period when cpu.max sets a quota, never more than the CPUs present. */
export function cgroupCpuLimit(cpuMax: CpuMax, cpuCount: number): number {
  return cpuMax.quotaUs === null ? cpuCount : Math.min(cpuCount, cpuMax.quotaUs / cpuMax.periodUs);
}

/** CG_CPU_LOAD: Δusage_usec of the cgroup as a percentage of its CPU limit over the elapsed time. */
export function cgroupCpuLoad(
  prevUsageUs: number,
  curUsageUs: number,
  elapsedSec: number,
  limitCpus: number,
): Reading<number> {
  const bad = checkElapsed(elapsedSec);
  if (bad) return fail(bad);
  if (limitCpus <= 0) return fail('cpu.max: zero CPU quota');
  const used = curUsageUs - prevUsageUs;
  if (used < 0) return fail('cpu.stat: usage_usec went backwards');
  return ok((100 * used) / 1e6 / (elapsedSec * limitCpus));
}
