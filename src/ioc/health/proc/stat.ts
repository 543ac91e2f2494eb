// Parser for /proc/stat: the aggregate `cpu` line, the number of `cpuN` lines and btime.
// Pure: text in, typed values out. Columns after `idle` appeared over kernel versions (iowait 2.5.41,
// irq/softirq 2.6.0, steal 2.6.11, guest 2.6.24, guest_nice 2.6.33): missing ones read as 0.
import { fail, ok, parseCount, type Reading } from '../reading.js';

/** Cumulative CPU time in USER_HZ ticks, as the `cpu` line of /proc/stat reports it. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  /** Already included in user (the kernel adds guest time to user): never add it again. */
  guest: number;
  /** Already included in nice. */
  guestNice: number;
}

export interface ProcStat {
  cpu: CpuTimes;
  /** How many columns the `cpu` line had (4 on 2.4 kernels, 10 on current ones). */
  columns: number;
  /** Number of `cpuN` lines: CPUs online. */
  cpuCount: number;
  /** Boot time, seconds since the POSIX epoch; undefined if the line is absent. */
  btime: number | undefined;
}

const CPU_FIELDS = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'softirq',
  'steal',
  'guest',
  'guestNice',
] as const;

/** Parses the text of /proc/stat. */
export function parseProcStat(text: string): Reading<ProcStat> {
  let cpu: CpuTimes | undefined;
  let columns = 0;
  let cpuCount = 0;
  let btime: number | undefined;
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    const key = tokens[0];
    if (key === 'cpu') {
      const values = tokens.slice(1).map(parseCount);
      if (values.length < 4 || values.some((v) => v === undefined)) {
        return fail(`malformed cpu line "${line.trim()}"`);
      }
      columns = values.length;
      const times = {} as CpuTimes;
      CPU_FIELDS.forEach((name, i) => (times[name] = values[i] ?? 0));
      cpu = times;
    } else if (key !== undefined && /^cpu\d+$/.test(key)) {
      cpuCount++;
    } else if (key === 'btime') {
      btime = parseCount(tokens[1]);
    }
  }
  if (cpu === undefined) return fail('no cpu line');
  if (cpuCount === 0) return fail('no cpuN lines');
  return ok({ cpu, columns, cpuCount, btime });
}

/** user + nice + system: what devIocStats counts as CPU load (iowait, irq, softirq, steal are not). */
export function busyTicks(t: CpuTimes): number {
  return t.user + t.nice + t.system;
}

/** All ticks that make up wall time on every CPU (guest columns are inside user/nice already). */
export function totalTicks(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
}
