// Parsers for /proc/loadavg and /proc/uptime. Pure: text in, numbers out.
import { fail, ok, type Reading } from '../reading.js';

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities (threads) now, and all of them: the `4/321` field. */
  runnable: number;
  threads: number;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** Parses /proc/loadavg: `0.09 0.12 0.06 1/86 4677`. */
export function parseLoadavg(text: string): Reading<LoadAvg> {
  const t = text.trim().split(/\s+/);
  const m = /^(\d+)\/(\d+)$/.exec(t[3] ?? '');
  if (t.length < 4 || !t.slice(0, 3).every((x) => DECIMAL.test(x)) || !m) {
    return fail(`malformed "${text.trim()}"`);
  }
  return ok({
    load1: Number(t[0]),
    load5: Number(t[1]),
    load15: Number(t[2]),
    runnable: Number(m[1]),
    threads: Number(m[2]),
  });
}

/** Parses /proc/uptime (`310.67 555.65`): seconds since boot (host-wide, also inside containers). */
export function parseUptime(text: string): Reading<number> {
  const first = text.trim().split(/\s+/)[0] ?? '';
  if (!DECIMAL.test(first)) return fail(`malformed "${text.trim()}"`);
  return ok(Number(first));
}
