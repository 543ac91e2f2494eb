// CPU and resident memory of a supervised process, read from /proc/<pid>/stat directly (no spawned
// commands, unlike pidusage's first call): CPU % of one core over the interval between two reads.
import { readFile } from 'node:fs/promises';
import { parsePidStat, USER_HZ } from '../proc.js';

const PAGE_SIZE = 4096;

interface Mark {
  pid: number;
  ticks: number;
  atMs: number;
}

export class ProcUsage {
  private last = new Map<string, Mark>();

  constructor(private readonly procRoot = '/proc') {}

  /** CPU % (100 = one core) since the previous call for `key`, and RSS in bytes; undefined if gone. */
  async sample(
    key: string,
    pid: number,
    nowMs = performance.now(),
  ): Promise<{ cpuPercent: number; rssBytes: number; isStopped: boolean } | undefined> {
    let statText: string;
    let statm: string;
    try {
      [statText, statm] = await Promise.all([
        readFile(`${this.procRoot}/${pid}/stat`, 'utf8'),
        readFile(`${this.procRoot}/${pid}/statm`, 'utf8'),
      ]);
    } catch {
      this.last.delete(key);
      return undefined;
    }
    const st = parsePidStat(statText);
    if (st === undefined) return undefined;
    const ticks = st.utime + st.stime;
    // T: stopped by a signal (SIGSTOP/SIGTSTP), what SUSP_TASK_CNT counts.
    const isStopped = st.state === 'T';
    const rssBytes = Number(statm.split(' ')[1] ?? 0) * PAGE_SIZE;
    const prev = this.last.get(key);
    this.last.set(key, { pid, ticks, atMs: nowMs });
    if (!prev || prev.pid !== pid || nowMs <= prev.atMs) return { cpuPercent: 0, rssBytes, isStopped };
    const cpuPercent = ((ticks - prev.ticks) / USER_HZ / ((nowMs - prev.atMs) / 1000)) * 100;
    return { cpuPercent: Math.max(0, cpuPercent), rssBytes, isStopped };
  }

  forget(key: string): void {
    this.last.delete(key);
  }
}
