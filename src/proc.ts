// /proc/<pid>/stat, parsed in one place for the supervisor (process groups, pid reuse), the instance
// lock, the gateways' CPU use and the health IOC's own process; and USER_HZ, the unit of its times.
// Pure: text in, record out (callers read the files).

/** USER_HZ: the unit of /proc/stat and /proc/<pid>/stat times. 100 on every mainstream Linux ABI, and
 * Node cannot call sysconf(_SC_CLK_TCK) to ask. */
export const USER_HZ = 100;

/** The fields of /proc/<pid>/stat that gwagent uses (proc(5) numbering in the comments). */
export interface PidStat {
  /** (1) */
  pid: number;
  /** (2) without its parentheses. */
  comm: string;
  /** (3) One letter: R, S, D, Z, T (stopped by a signal), t (tracing stop), ... */
  state: string;
  /** (4) */
  ppid: number;
  /** (5) process group. */
  pgrp: number;
  /** (14), (15) CPU time in USER_HZ ticks. */
  utime: number;
  stime: number;
  /** (20) */
  numThreads: number;
  /** (22) starttime, USER_HZ ticks after boot, kept as text: with the pid it names one process for good
   * (a later process that reuses the pid starts later). */
  startTime: string;
}

/**
 * Parses /proc/<pid>/stat; undefined when malformed or truncated. The command name sits in parentheses
 * and may itself contain spaces and `)`, so fields are counted from the last `)` (as procps does).
 */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = count(text.slice(0, open).trim());
  // After ")": field 3 (state) is index 0, so field N is index N - 3.
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number | undefined => count(rest[n - 3]);
  const state = rest[0];
  const startTime = rest[22 - 3];
  const [ppid, pgrp, utime, stime, numThreads] = [4, 5, 14, 15, 20].map(field);
  if (
    pid === undefined ||
    state === undefined ||
    !/^[A-Za-z]$/.test(state) ||
    ppid === undefined ||
    pgrp === undefined ||
    utime === undefined ||
    stime === undefined ||
    numThreads === undefined ||
    startTime === undefined ||
    !/^\d+$/.test(startTime)
  )
    return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, utime, stime, numThreads, startTime };
}

/** Compares two starttime values (decimal text that may exceed 2^53). */
export function compareStartTime(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function count(token: string | undefined): number | undefined {
  if (token === undefined || !/^\d+$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}
