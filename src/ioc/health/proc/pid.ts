// Parsers for per-process files: /proc/<pid>/status and /proc/<pid>/limits (/proc/<pid>/stat is
// src/proc.ts's, shared with the supervisor). Pure: text in, typed values out.
import { fail, ok, parseCount, type Reading } from '../reading.js';

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
