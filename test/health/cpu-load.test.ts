import { describe, expect, it } from 'vitest';
import {
  cgroupCpuLimit,
  cgroupCpuLoad,
  hostCpuLoad,
  iowaitPercent,
  processCpuLoad,
} from '../../src/ioc/health/cpu-load.js';
import type { CpuTimes } from '../../src/ioc/health/proc/stat.js';

const base: CpuTimes = {
  user: 1000,
  nice: 10,
  system: 500,
  idle: 9000,
  iowait: 50,
  irq: 5,
  softirq: 5,
  steal: 0,
  guest: 0,
  guestNice: 0,
};

describe('hostCpuLoad (SYS_CPU_LOAD)', () => {
  it('is Δ(user+nice+system) over all ticks (= elapsed × CPUs × USER_HZ)', () => {
    // 10 s on 2 CPUs = 2000 ticks; 300 + 50 + 150 busy = 25 %
    const cur = { ...base, user: 1300, nice: 60, system: 650, idle: 10400, iowait: 150 };
    expect(hostCpuLoad(base, cur)).toEqual({ ok: true, value: 25 });
  });

  it('ignores iowait, irq, softirq and steal', () => {
    const cur = { ...base, iowait: 900, irq: 100, softirq: 100, steal: 800 };
    expect(hostCpuLoad(base, cur)).toEqual({ ok: true, value: 0 });
  });

  it('reports counters going backwards and an empty interval', () => {
    expect(hostCpuLoad({ ...base, user: 1100, idle: 8000 }, base)).toEqual({
      ok: false,
      error: '/proc/stat: cpu counters went backwards',
    });
    expect(hostCpuLoad(base, base)).toEqual({
      ok: false,
      error: '/proc/stat: no CPU ticks elapsed since the previous sample',
    });
  });
});

describe('iowaitPercent', () => {
  it('is Δiowait over Δ(all ticks)', () => {
    const cur = { ...base, idle: 9150, iowait: 100 }; // 200 ticks, 50 iowait
    expect(iowaitPercent(base, cur)).toEqual({ ok: true, value: 25 });
  });

  it('clamps a decreasing iowait counter and rejects an empty interval', () => {
    expect(iowaitPercent(base, { ...base, idle: 9100, iowait: 40 })).toEqual({ ok: true, value: 0 });
    expect(iowaitPercent(base, base)).toEqual({
      ok: false,
      error: '/proc/stat: no CPU ticks elapsed since the previous sample',
    });
  });
});

describe('processCpuLoad (IOC_CPU_LOAD)', () => {
  it('is a share of the whole machine', () => {
    // 50 ticks = 0.5 s CPU in 5 s on 2 CPUs = 5 %
    expect(processCpuLoad(100, 150, 5, 2)).toEqual({ ok: true, value: 5 });
    // a busy single thread on 4 CPUs shows 25 %
    expect(processCpuLoad(0, 1000, 10, 4)).toEqual({ ok: true, value: 25 });
    expect(processCpuLoad(0, 1000, 10, 4, 1000)).toEqual({ ok: true, value: 2.5 });
    expect(processCpuLoad(10, 5, 1, 1)).toEqual({
      ok: false,
      error: 'stat: process CPU time went backwards',
    });
  });
});

describe('cgroup CPU', () => {
  it('limit is quota/period, capped at the CPUs present; no quota means all CPUs', () => {
    expect(cgroupCpuLimit({ quotaUs: 50000, periodUs: 100000 }, 2)).toBe(0.5);
    expect(cgroupCpuLimit({ quotaUs: 400000, periodUs: 100000 }, 2)).toBe(2);
    expect(cgroupCpuLimit({ quotaUs: null, periodUs: 100000 }, 8)).toBe(8);
  });

  it('load is Δusage_usec over elapsed × limit', () => {
    // 1 s of CPU in 4 s under a half-CPU quota = 50 %
    expect(cgroupCpuLoad(12_000_000, 13_000_000, 4, 0.5)).toEqual({ ok: true, value: 50 });
    expect(cgroupCpuLoad(5, 4, 1, 1)).toEqual({ ok: false, error: 'cpu.stat: usage_usec went backwards' });
    expect(cgroupCpuLoad(0, 1, 1, 0)).toEqual({ ok: false, error: 'cpu.max: zero CPU quota' });
  });
});
