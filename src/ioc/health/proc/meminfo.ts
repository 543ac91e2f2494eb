// Parser for /proc/meminfo, with MemAvailable estimated on kernels older than 3.14 that lack it.
// Pure: text in, bytes out. The estimate follows procps-ng (free/top): free - low watermark + the
// reclaimable halves of file pages and reclaimable slab, with the watermark from vm.min_free_kbytes.
import { fail, ok, parseCount, type Reading } from '../reading.js';

export interface MemInfo {
  /** All values in bytes. */
  memTotal: number;
  memFree: number;
  buffers: number;
  cached: number;
  memAvailable: number;
  /** True when memAvailable was computed because the kernel does not report it. */
  memAvailableEstimated: boolean;
  /** Undefined when the kernel has no swap lines. */
  swapTotal: number | undefined;
  swapFree: number | undefined;
}

/** Reads every `Key: value [kB]` line into a map of raw numbers (kB values stay in kB). */
export function parseMeminfoFields(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m?.[1] !== undefined) {
      const n = parseCount(m[2]);
      if (n !== undefined) fields.set(m[1], n);
    }
  }
  return fields;
}

/**
 * MemAvailable for kernels without it (procps-ng's formula), in kB. `minFreeKbytes` is
 * /proc/sys/vm/min_free_kbytes; the low watermark is 5/4 of it. Without Active(file)/Inactive(file)
 * (before 2.6.28) the page cache is taken from Cached.
 */
export function estimateMemAvailableKb(fields: Map<string, number>, minFreeKbytes: number): number {
  const free = fields.get('MemFree') ?? 0;
  const lowWatermark = Math.floor((minFreeKbytes * 5) / 4);
  const activeFile = fields.get('Active(file)');
  const inactiveFile = fields.get('Inactive(file)');
  const pageCache =
    activeFile !== undefined && inactiveFile !== undefined
      ? activeFile + inactiveFile
      : (fields.get('Cached') ?? 0);
  const slabReclaimable = fields.get('SReclaimable') ?? 0;
  const available =
    free -
    lowWatermark +
    pageCache -
    Math.min(Math.floor(pageCache / 2), lowWatermark) +
    slabReclaimable -
    Math.min(Math.floor(slabReclaimable / 2), lowWatermark);
  return Math.max(0, available);
}

/** Parses /proc/meminfo. `minFreeKbytes` is only used when MemAvailable is missing. */
export function parseMeminfo(text: string, minFreeKbytes = 0): Reading<MemInfo> {
  const f = parseMeminfoFields(text);
  const missing = ['MemTotal', 'MemFree', 'Buffers', 'Cached'].filter((k) => !f.has(k));
  if (missing.length > 0) return fail(`missing ${missing.join(', ')}`);
  const kb = (k: string): number => (f.get(k) ?? 0) * 1024;
  const reported = f.get('MemAvailable');
  const hasSwap = f.has('SwapTotal') && f.has('SwapFree');
  return ok({
    memTotal: kb('MemTotal'),
    memFree: kb('MemFree'),
    buffers: kb('Buffers'),
    cached: kb('Cached'),
    memAvailable: (reported ?? estimateMemAvailableKb(f, minFreeKbytes)) * 1024,
    memAvailableEstimated: reported === undefined,
    swapTotal: hasSwap ? kb('SwapTotal') : undefined,
    swapFree: hasSwap ? kb('SwapFree') : undefined,
  });
}
