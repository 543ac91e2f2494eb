// Parsers for per-process files: /proc/<pid>/stat, /proc/<pid>/status and /proc/<pid>/limits.
// Pure: text in, typed values out. They serve the agent itself (`self`) and, later, gateway processes.
import { fail, ok, parseCount, type Reading } from '../reading.js';

export interface PidStat {
  pid: number;
  comm: string;
  /** One-letter state: R, S, D, Z, T (stopped by a signal), t (tracing stop), ... */
  state: string;
  ppid: number;
  /** CPU time in USER_HZ ticks. */
  utime: number;
  stime: number;
  numThreads: number;
  /** Start time after boot, in USER_HZ ticks. */
  starttime: number;
}

/**
 * Parses /proc/<pid>/stat. The command name sits in parentheses and may itself contain spaces and
 * `)`, so fields are counted from the last `)` (as procps does).
 */
export function parsePidStat(text: string): Reading<PidStat> {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return fail('no (comm) field');
  const pid = parseCount(text.slice(0, open).trim());
  // After ")": field 3 (state) is index 0, so field N is index N - 3.
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const num = (field: number): number | undefined => parseCount(rest[field - 3]);
  const state = rest[0];
  const ppid = num(4);
  const utime = num(14);
  const stime = num(15);
  const numThreads = num(20);
  const starttime = num(22);
  if (
    pid === undefined ||
    state === undefined ||
    !/^[A-Za-z]$/.test(state) ||
    ppid === undefined ||
    utime === undefined ||
    stime === undefined ||
    numThreads === undefined ||
    starttime === undefined
  ) {
    return fail('malformed or truncated');
  }
  return ok({
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid,
    utime,
    stime,
    numThreads,
    starttime,
  });
}

export interface PidStatus {
  /** Resident set size in bytes (VmRSS): what devIocStats reports as MEM_USED. */
  rssBytes: number;
  ppid: number;
}

/**
 * Parses /proc/<pid>/status. VmRSS is resident pages x page size, i.e. /proc/<pid>/statm's second
 * field times the page size, without having to know the page size (which Node cannot ask for).
 */
export function parsePidStatus(text: string): Reading<PidStatus> {
  const rss = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  const ppid = /^PPid:\s+(\d+)$/m.exec(text);
  if (!rss?.[1]) return fail('no VmRSS line (kernel thread or zombie?)');
  if (!ppid?.[1]) return fail('no PPid line');
  return ok({ rssBytes: Number(rss[1]) * 1024, ppid: Number(ppid[1]) });
}

/**
 * Parses the soft `Max open files` limit from /proc/<pid>/limits (RLIMIT_NOFILE, as getrlimit gives).
 * `unlimited` becomes Infinity.
 */
export function parseMaxOpenFiles(text: string): Reading<number> {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m?.[1]) return fail('no "Max open files" line');
  if (m[1] === 'unlimited') return ok(Number.POSITIVE_INFINITY);
  const n = parseCount(m[1]);
  return n === undefined ? fail(`bad open-files limit "${m[1]}"`) : ok(n);
}
