import { describe, expect, it } from 'vitest';
import { busyTicks, parseProcStat, totalTicks } from '../../src/ioc/health/proc/stat.js';
import {
  estimateMemAvailableKb,
  parseMeminfo,
  parseMeminfoFields,
} from '../../src/ioc/health/proc/meminfo.js';
import { parseLoadavg, parseUptime } from '../../src/ioc/health/proc/loadavg.js';
import { parseMaxOpenFiles, parsePidStatus } from '../../src/ioc/health/proc/pid.js';
import { parsePidStat } from '../../src/proc.js';
import { parseOsRelease } from '../../src/ioc/health/proc/os-release.js';
import {
  parseCgroupCounter,
  parseCgroupKeyed,
  parseCgroupLimit,
  parseCpuMax,
  parseCpuStatUsage,
  parseProcCgroup,
} from '../../src/ioc/health/proc/cgroup.js';
import { fixture } from './helpers.js';
import {
  parseCgroupMounts,
  parseProcCgroupEntries,
  parseV1CpuacctUsage,
  parseV1CpuQuota,
  parseV1MemoryLimit,
} from '../../src/ioc/health/proc/cgroup-v1.js';

const real = (f: string): string => fixture('linux-6.18', 'proc', f);

describe('parseProcStat', () => {
  it('reads a 6.18 kernel capture (10 columns, steal and guest)', () => {
    expect(parseProcStat(real('stat'))).toEqual({
      ok: true,
      value: {
        cpu: {
          user: 8100,
          nice: 0,
          system: 2762,
          idle: 103443,
          iowait: 208,
          irq: 0,
          softirq: 43,
          steal: 9,
          guest: 0,
          guestNice: 0,
        },
        columns: 10,
        cpuCount: 2,
        btime: 1795610734,
      },
    });
  });

  it('reads 2.6.32 (9 columns: guest, no guest_nice)', () => {
    const r = parseProcStat(fixture('parsers', 'stat-2.6.32.txt'));
    expect(r.ok && r.value.columns).toBe(9);
    expect(r.ok && r.value.cpu).toEqual({
      user: 2255,
      nice: 34,
      system: 2290,
      idle: 22625563,
      iowait: 6290,
      irq: 127,
      softirq: 456,
      steal: 0,
      guest: 0,
      guestNice: 0,
    });
  });

  it('reads 2.6.18 (8 columns, no guest) and 2.4 (4 columns, no iowait)', () => {
    const a = parseProcStat(fixture('parsers', 'stat-2.6.18.txt'));
    expect(a.ok && [a.value.columns, a.value.cpuCount, a.value.cpu.steal, a.value.cpu.guest]).toEqual([
      8, 2, 0, 0,
    ]);
    const b = parseProcStat(fixture('parsers', 'stat-2.4.txt'));
    expect(b.ok && [b.value.columns, b.value.cpuCount, b.value.cpu.iowait, b.value.btime]).toEqual([
      4, 1, 0, 1049378532,
    ]);
    expect(b.ok && busyTicks(b.value.cpu)).toBe(1279636 + 3360 + 294326);
  });

  it('does not count guest twice in total ticks', () => {
    const cpu = {
      user: 10,
      nice: 1,
      system: 2,
      idle: 100,
      iowait: 3,
      irq: 4,
      softirq: 5,
      steal: 6,
      guest: 7,
      guestNice: 1,
    };
    expect(totalTicks(cpu)).toBe(131);
  });

  it('rejects malformed input with a reason', () => {
    expect(parseProcStat('')).toEqual({ ok: false, error: 'no cpu line' });
    expect(parseProcStat('cpu  1 2 x 4\ncpu0 1 2 3 4\n')).toEqual({
      ok: false,
      error: 'malformed cpu line "cpu  1 2 x 4"',
    });
    expect(parseProcStat('cpu  1 2 3\ncpu0 1 2 3\n')).toEqual({
      ok: false,
      error: 'malformed cpu line "cpu  1 2 3"',
    });
    expect(parseProcStat('cpu  1 2 3 4\n')).toEqual({ ok: false, error: 'no cpuN lines' });
  });
});

describe('parseMeminfo', () => {
  it('reads a 6.18 capture with MemAvailable, in bytes', () => {
    expect(parseMeminfo(real('meminfo'))).toEqual({
      ok: true,
      value: {
        memTotal: 24684084 * 1024,
        memFree: 24298560 * 1024,
        buffers: 1872 * 1024,
        cached: 176568 * 1024,
        memAvailable: 24293840 * 1024,
        memAvailableEstimated: false,
        swapTotal: 0,
        swapFree: 0,
      },
    });
  });

  it('estimates MemAvailable on 2.6.32 from file pages, reclaimable slab and the low watermark', () => {
    const r = parseMeminfo(fixture('parsers', 'meminfo-2.6.32.txt'), 67584);
    // 1516552 - 84480 + 4429860 - 84480 + 336448 - 84480 kB (watermark 67584 * 5/4)
    expect(r.ok && r.value.memAvailable).toBe(6029420 * 1024);
    expect(r.ok && r.value.memAvailableEstimated).toBe(true);
    expect(r.ok && [r.value.swapTotal, r.value.swapFree]).toEqual([4194296 * 1024, 4085176 * 1024]);
    const noWatermark = parseMeminfo(fixture('parsers', 'meminfo-2.6.32.txt'));
    expect(noWatermark.ok && noWatermark.value.memAvailable).toBe((1516552 + 4429860 + 336448) * 1024);
  });

  it('falls back to Cached on 2.6.18 (no Active(file)/Inactive(file), no SReclaimable)', () => {
    const r = parseMeminfo(fixture('parsers', 'meminfo-2.6.18.txt'));
    expect(r.ok && r.value.memAvailable).toBe((129352 + 1429684) * 1024);
  });

  it('never estimates below zero', () => {
    expect(estimateMemAvailableKb(parseMeminfoFields('MemFree: 10 kB\nCached: 0 kB\n'), 1000)).toBe(0);
  });

  it('reads unit-less lines and reports missing required fields', () => {
    expect(parseMeminfoFields('HugePages_Total:       3\n').get('HugePages_Total')).toBe(3);
    expect(parseMeminfo('MemTotal: 100 kB\nCached: 5 kB\n')).toEqual({
      ok: false,
      error: 'missing MemFree, Buffers',
    });
    const noSwap = parseMeminfo(
      'MemTotal: 100 kB\nMemFree: 50 kB\nBuffers: 1 kB\nCached: 5 kB\nMemAvailable: 60 kB\n',
    );
    expect(noSwap.ok && [noSwap.value.swapTotal, noSwap.value.swapFree]).toEqual([undefined, undefined]);
  });
});

describe('parseLoadavg / parseUptime', () => {
  it('reads captures', () => {
    expect(parseLoadavg(real('loadavg'))).toEqual({
      ok: true,
      value: { load1: 0.56, load5: 0.22, load15: 0.1, runnable: 1, threads: 94 },
    });
    expect(parseUptime(real('uptime'))).toEqual({ ok: true, value: 575.45 });
  });

  it('rejects garbage', () => {
    expect(parseLoadavg('0.1 0.2\n')).toEqual({ ok: false, error: 'malformed "0.1 0.2"' });
    expect(parseLoadavg('a b c 1/2 3')).toEqual({ ok: false, error: 'malformed "a b c 1/2 3"' });
    expect(parseUptime('')).toEqual({ ok: false, error: 'malformed ""' });
  });
});

describe('per-process files', () => {
  it('reads a captured /proc/self/stat', () => {
    expect(parsePidStat(real('self/stat'))).toEqual({
      pid: 7249,
      comm: 'node',
      state: 'R',
      ppid: 7246,
      pgrp: 7246,
      utime: 4,
      stime: 0,
      numThreads: 7,
      startTime: '57540',
    });
  });

  it('counts fields from the last ")" so a comm with spaces and parentheses parses', () => {
    expect(parsePidStat(fixture('parsers', 'pid-stat-odd-comm.txt'))).toEqual({
      pid: 4242,
      comm: 'my (evil) prog',
      state: 'T',
      ppid: 1,
      pgrp: 4242,
      utime: 1234,
      stime: 567,
      numThreads: 3,
      startTime: '987654',
    });
  });

  it('rejects truncated stat lines', () => {
    expect(parsePidStat('12 (x) S 1 2 3')).toBeUndefined();
    expect(parsePidStat('garbage')).toBeUndefined();
  });

  it('reads VmRSS and PPid from status', () => {
    expect(parsePidStatus(real('self/status'))).toEqual({
      ok: true,
      value: { rssBytes: 40804 * 1024, ppid: 7246 },
    });
    expect(parsePidStatus('Name:\tkthreadd\nPPid:\t0\n')).toEqual({
      ok: false,
      error: 'no VmRSS line (kernel thread or zombie?)',
    });
  });

  it('reads the soft open-files limit', () => {
    expect(parseMaxOpenFiles(real('self/limits'))).toEqual({ ok: true, value: 20000 });
    expect(parseMaxOpenFiles(fixture('parsers', 'limits-unlimited.txt'))).toEqual({
      ok: true,
      value: Infinity,
    });
    expect(parseMaxOpenFiles('Limit  Soft\n')).toEqual({ ok: false, error: 'no "Max open files" line' });
  });
});

describe('parseOsRelease', () => {
  it('prefers PRETTY_NAME, else NAME + VERSION / VERSION_ID, with quotes and escapes', () => {
    expect(parseOsRelease(fixture('linux-6.18', 'etc', 'os-release'))).toEqual({
      ok: true,
      value: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(parseOsRelease(fixture('parsers', 'os-release-alpine.txt'))).toEqual({
      ok: true,
      value: 'Alpine Linux 3.20.3',
    });
    expect(parseOsRelease(fixture('parsers', 'os-release-escaped.txt'))).toEqual({
      ok: true,
      value: 'Rocky Linux 9.4 (Blue "Onyx")',
    });
    expect(parseOsRelease('ID=x\n')).toEqual({ ok: false, error: 'neither PRETTY_NAME nor NAME' });
  });
});

describe('cgroup v2 files', () => {
  it('memory.max: a number, or "max" as no limit', () => {
    expect(parseCgroupLimit(fixture('cgroup2-limited', 'memory.max'))).toEqual({
      ok: true,
      value: 536870912,
    });
    expect(parseCgroupLimit(fixture('cgroup2-unlimited', 'memory.max'))).toEqual({ ok: true, value: null });
    expect(parseCgroupLimit('-1\n')).toEqual({ ok: false, error: 'malformed "-1"' });
  });

  it('cpu.max: "max 100000" (no quota) vs "50000 100000"', () => {
    expect(parseCpuMax(fixture('cgroup2-unlimited', 'cpu.max'))).toEqual({
      ok: true,
      value: { quotaUs: null, periodUs: 100000 },
    });
    expect(parseCpuMax(fixture('cgroup2-limited', 'cpu.max'))).toEqual({
      ok: true,
      value: { quotaUs: 50000, periodUs: 100000 },
    });
    expect(parseCpuMax('max')).toEqual({ ok: false, error: 'malformed "max"' });
    expect(parseCpuMax('100 0')).toEqual({ ok: false, error: 'malformed "100 0"' });
  });

  it('cpu.stat usage_usec, memory.stat keys, memory.current', () => {
    expect(parseCpuStatUsage(fixture('cgroup2-limited', 'cpu.stat'))).toEqual({ ok: true, value: 12000000 });
    expect(parseCpuStatUsage('nr_periods 3\n')).toEqual({ ok: false, error: 'no usage_usec' });
    expect(parseCgroupKeyed(fixture('cgroup2-limited', 'memory.stat')).get('inactive_file')).toBe(67108864);
    expect(parseCgroupCounter(fixture('cgroup2-limited', 'memory.current'))).toEqual({
      ok: true,
      value: 268435456,
    });
  });

  it('/proc/self/cgroup: the 0:: entry, on hybrid and pure v2 hosts; none on v1-only hosts', () => {
    expect(parseProcCgroup(real('self/cgroup'))).toEqual({ ok: true, value: '/' });
    expect(parseProcCgroup(fixture('cgroup2-hostns', 'proc-self-cgroup.txt'))).toEqual({
      ok: true,
      value: '/system.slice/docker-abc.scope',
    });
    expect(parseProcCgroup('4:memory:/docker/abc\n1:cpu:/docker/abc\n')).toEqual({
      ok: false,
      error: 'no cgroup v2 (0::) entry',
    });
  });
});

describe('cgroup v1 parsers and the mounts of mountinfo', () => {
  it('finds cgroup and cgroup2 mounts with their roots and controllers, octal escapes decoded', () => {
    const text = [
      '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '614 612 0:31 /docker/3f5e /sys/fs/cgroup/cpu,cpuacct ro,relatime master:16 - cgroup cgroup rw,cpu,cpuacct',
      '39 30 0:36 / /sys/fs/cgroup/sys\\040temd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
      '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
    ].join('\n');
    expect(parseCgroupMounts(text)).toEqual([
      {
        version: 1,
        root: '/docker/3f5e',
        mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
        controllers: ['cpu', 'cpuacct'],
      },
      { version: 1, root: '/', mountPoint: '/sys/fs/cgroup/sys temd', controllers: ['name=systemd'] },
      { version: 2, root: '/', mountPoint: '/sys/fs/cgroup/unified', controllers: [] },
    ]);
  });

  it('v1 values: no-limit sentinel, quota -1, cpuacct nanoseconds', () => {
    expect(parseV1MemoryLimit('9223372036854771712\n')).toEqual({ ok: true, value: null });
    expect(parseV1MemoryLimit('536870912\n')).toEqual({ ok: true, value: 536870912 });
    expect(parseV1MemoryLimit('-1\n')).toEqual({ ok: false, error: 'malformed "-1"' });
    expect(parseV1CpuQuota('-1\n', '100000\n')).toEqual({
      ok: true,
      value: { quotaUs: null, periodUs: 100000 },
    });
    expect(parseV1CpuQuota('50000', '0')).toEqual({
      ok: false,
      error: 'malformed quota "50000" / period "0"',
    });
    expect(parseV1CpuacctUsage('559438070321\n')).toEqual({ ok: true, value: 559438070.321 });
    expect(parseProcCgroupEntries(fixture('cgroup1-docker-limited', 'proc-self-cgroup.txt'))[2]).toEqual({
      hierarchyId: 10,
      controllers: ['cpu', 'cpuacct'],
      path: '/docker/3f5e1b9c2a7d',
    });
  });
});
