// Test-only process helpers shared by the agent's and the supervisor's integration tests: polling until
// a condition holds, whether a pid is gone (zombies count as gone: the container's pid 1 may not reap
// orphans), and a process's CPU ticks, read through the agent's own /proc/<pid>/stat parser.
import { readFileSync } from 'node:fs';
import { parsePidStat } from '../../src/proc.js';

/** Polls `probe` every 50 ms until it returns a value (not undefined/false); throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what: string | (() => string) = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${lastError ? `: ${lastError}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True when the pid does not exist or is a zombie. */
export function isGone(pid: number): boolean {
  try {
    return parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.state === 'Z';
  } catch {
    return true;
  }
}

/** utime + stime of a process, in clock ticks (1/100 s). */
export function cpuTicks(pid: number): number {
  const stat = parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (stat === undefined) throw new Error(`/proc/${pid}/stat: unreadable`);
  return stat.utime + stat.stime;
}
