import { afterEach, describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { HealthSampler, type HealthSamplerOptions, type StatfsLike } from '../../src/ioc/health/sampler.js';
import { expandHealthPvs } from '../../src/ioc/health/pv-table.js';
import { FIXTURES, fixture, tempTree } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const WALL0 = new Date(2026, 10, 25, 13, 0, 0).getTime();
const IFACES: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  lo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
  ],
  eth0: [
    {
      address: 'fd00::2',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:fc:00:00:00:01',
      internal: false,
      cidr: 'fd00::2/64',
      scopeid: 0,
    },
    {
      address: '192.0.2.2',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:fc:00:00:00:01',
      internal: false,
      cidr: '192.0.2.2/24',
    },
  ],
};

/** A sampler over a writable copy of the captured 6.18 tree plus a cgroup fixture, with fake clocks. */
async function setup(cgroupFixture = 'cgroup2-limited', extra: Partial<HealthSamplerOptions> = {}) {
  const tree = await tempTree({ proc: 'linux-6.18/proc', cgroup: cgroupFixture, etc: 'linux-6.18/etc' });
  cleanups.push(tree.cleanup);
  const clock = { mono: 5_000, wall: WALL0 };
  const statfsCalls: string[] = [];
  const sampler = new HealthSampler({
    procRoot: join(tree.root, 'proc'),
    sysfsCgroupRoot: join(tree.root, 'cgroup'),
    osReleasePaths: [join(tree.root, 'etc/missing'), join(tree.root, 'etc/os-release')],
    monotonicMs: () => clock.mono,
    wallMs: () => clock.wall,
    startWallMs: WALL0 - 5_000,
    statfs: (path: string): Promise<StatfsLike> => {
      statfsCalls.push(path);
      return Promise.resolve({ bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 });
    },
    networkInterfaces: () => IFACES,
    facts: {
      hostname: 'gw-box',
      kernelVers: 'Linux 6.18.44 x86_64',
      epicsVers: 'gwagent 0.1.0',
      appDir: '/opt/gwagent',
      processId: 7249,
      parentId: 7246,
    },
    env: { USER: 'ops', LOCATION: 'Hall B', GWAGENT_BUILD: '42' },
    ...extra,
  });
  return { tree, clock, sampler, statfsCalls };
}

describe('HealthSampler on a captured Linux 6.18 tree', () => {
  it('reads the static facts once at init', async () => {
    const { sampler, tree } = await setup('cgroup2-limited', {
      facts: {
        appDir: '/opt/gwagent/' + 'a'.repeat(40),
        stScript: '/etc/gwagent/gwagent.ini',
        hostname: 'gw-box',
        kernelVers: 'K',
        epicsVers: 'E',
      },
    });
    await sampler.init();
    const s = sampler.sampleStatic();
    expect(s).toMatchObject({
      CPU_CNT: { ok: true, value: 2 },
      HOSTNAME: { ok: true, value: 'gw-box' },
      ENGINEER: { ok: true, value: 'ops' },
      LOCATION: { ok: true, value: 'Hall B' },
      APP_DIR: { ok: true, value: '/opt/gwagent/' + 'a'.repeat(40) },
      APP_DIR1: { ok: true, value: '/opt/gwagent/' + 'a'.repeat(26) },
      APP_DIR2: { ok: true, value: 'a'.repeat(14) },
      ST_SCRIPT1: { ok: true, value: '/etc/gwagent/gwagent.ini' },
      ST_SCRIPT2: { ok: true, value: '' },
      STARTTOD: { ok: true, value: '11/25/2026 12:59:55' },
      SYS_RELEASE: { ok: true, value: 'Debian GNU/Linux 12 (bookworm)' },
      BUILD: { ok: true, value: '42' },
      BUILD_DATE: { ok: true, value: '<not available>' },
      GTIM_CUR_SRC: { ok: true, value: 'OS Clock' },
    });
    expect(sampler.interfaces).toEqual(['eth0']);
    expect(sampler.cgroupPlaces.memory).toEqual({
      ok: true,
      value: { version: 2, dir: join(tree.root, 'cgroup') },
    });
  });

  it('second group: TOD, UPTIME, HEARTBEAT, BOX_UPTIME, GTIM_*', async () => {
    const { sampler, clock } = await setup();
    await sampler.init();
    const a = await sampler.sampleSecond();
    expect(a).toEqual({
      TOD: { ok: true, value: '11/25/2026 13:00:00' },
      UPTIME: { ok: true, value: '00:00:05' },
      HEARTBEAT: { ok: true, value: 1 },
      BOX_UPTIME: { ok: true, value: '00:09:35' },
      GTIM_TIME: { ok: true, value: WALL0 / 1000 - 631152000 },
      GTIM_ERR_CNT: { ok: true, value: 0 },
    });
    clock.mono += 86_400_000;
    clock.wall -= 2_000; // the wall clock steps back: a time-provider error
    const b = await sampler.sampleSecond();
    expect([b.UPTIME, b.HEARTBEAT, b.GTIM_ERR_CNT]).toEqual([
      { ok: true, value: '1 day, 00:00:05' },
      { ok: true, value: 2 },
      { ok: true, value: 1 },
    ]);
    sampler.resetGtimErrCnt();
    expect((await sampler.sampleSecond()).GTIM_ERR_CNT).toEqual({ ok: true, value: 0 });
  });

  it('FD group: entries minus the listing fd, soft RLIMIT_NOFILE, and the difference', async () => {
    const { sampler } = await setup();
    await sampler.init();
    expect(await sampler.sampleFd()).toEqual({
      FD_CNT: { ok: true, value: 9 },
      FD_MAX: { ok: true, value: 20000 },
      FD_FREE: { ok: true, value: 19991 },
    });
  });

  it('LOAD group: deltas since the previous sample', async () => {
    const { sampler, clock, tree } = await setup();
    await sampler.init();
    const stat = fixture('linux-6.18', 'proc', 'stat').replace(
      'cpu  8100 0 2762 103443 208 0 43 9 0 0',
      'cpu  9100 0 3262 103843 308 0 43 9 0 0',
    );
    const selfStat = fixture('linux-6.18', 'proc', 'self/stat').split(' ');
    selfStat[13] = '54';
    selfStat[14] = '50';
    await tree.write('proc/stat', stat);
    await tree.write('proc/self/stat', selfStat.join(' '));
    await tree.write('cgroup/cpu.stat', 'usage_usec 14500000\n');
    clock.mono += 10_000;
    expect(await sampler.sampleLoad()).toEqual({
      SYS_CPU_LOAD: { ok: true, value: 75 }, // 1500 busy ticks / (10 s × 2 CPUs × 100)
      IOWAIT: { ok: true, value: 5 }, // 100 of 2000 ticks
      IOC_CPU_LOAD: { ok: true, value: 5 }, // 100 ticks = 1 s / (10 s × 2 CPUs)
      IOC_SINGLE_CPU_LOAD: { ok: true, value: 10 }, // 1 s of 10 s on one CPU
      CG_CPU_LOAD: { ok: true, value: 50 }, // 2.5 s / (10 s × 0.5 CPU quota)
      LOAD1: { ok: true, value: 0.56 },
      LOAD5: { ok: true, value: 0.22 },
      LOAD15: { ok: true, value: 0.1 },
      NPROCS: { ok: true, value: 4 },
    });
  });

  it('MEM group: process RSS, iocStats free memory, percentages, cgroup working set, disks', async () => {
    const { sampler, statfsCalls } = await setup('cgroup2-limited', {
      mounts: [
        { name: 'ROOT', path: '/' },
        { name: 'DATA', path: '/data' },
      ],
    });
    await sampler.init();
    const kb = 1024;
    expect(await sampler.sampleMem()).toEqual({
      MEM_USED: { ok: true, value: 40804 * kb },
      MEM_FREE: { ok: true, value: (24298560 + 1872 + 176568) * kb },
      MEM_MAX: { ok: true, value: 24684084 * kb },
      MEM_USED_PCT: { ok: true, value: (100 * (24684084 - 24293840)) / 24684084 },
      SWAP_USED_PCT: { ok: true, value: 0 },
      CG_MEM_USED: { ok: true, value: 268435456 - 67108864 },
      CG_MEM_MAX: { ok: true, value: 536870912 },
      CG_MEM_USED_PCT: { ok: true, value: 37.5 },
      'DISK:ROOT:USED_PCT': { ok: true, value: (100 * 700) / 950 },
      'DISK:ROOT:FREE': { ok: true, value: 250 * 4096 },
      'DISK:DATA:USED_PCT': { ok: true, value: (100 * 700) / 950 },
      'DISK:DATA:FREE': { ok: true, value: 250 * 4096 },
      MEM_USED_GiB: { ok: true, value: (40804 * kb) / 2 ** 30 },
      MEM_FREE_GiB: { ok: true, value: ((24298560 + 1872 + 176568) * kb) / 2 ** 30 },
      MEM_MAX_GiB: { ok: true, value: (24684084 * kb) / 2 ** 30 },
    });
    expect(statfsCalls).toEqual(['/', '/data']);
  });

  it('CA group: IPv4 per interface, an error when an interface lost its address', async () => {
    const { sampler } = await setup('cgroup2-limited', { interfaces: ['eth0', 'eth1'] });
    await sampler.init();
    expect(await sampler.sampleCa()).toEqual({
      'IP:eth0': { ok: true, value: '192.0.2.2' },
      'IP:eth1': { ok: false, error: 'no IPv4 address on interface eth1' },
    });
  });

  it('sampleAll has a value for every sampler-fed PV of the expanded table, and nothing else', async () => {
    const { sampler } = await setup();
    await sampler.init();
    const all = await sampler.sampleAll();
    const expected = expandHealthPvs({
      mounts: sampler.mounts,
      interfaces: sampler.interfaces,
    })
      .filter((d) => d.source === 'sampler')
      .map((d) => d.suffix)
      .sort();
    expect(Object.keys(all.values).sort()).toEqual(expected);
    expect(all.wallMs).toBe(WALL0);
  });

  it('reports "no previous sample" for deltas when not initialised', async () => {
    const { sampler } = await setup();
    const v = await sampler.sampleLoad();
    expect(v.SYS_CPU_LOAD).toEqual({ ok: false, error: 'no previous sample yet' });
    expect(v.CG_CPU_LOAD).toEqual({ ok: false, error: 'not initialised' });
  });

  it('does not run the same group twice at once', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const { sampler } = await setup('cgroup2-limited', {
      statfs: async () => {
        calls++;
        await gate;
        return { bsize: 1, blocks: 1, bfree: 0, bavail: 0 };
      },
    });
    await sampler.init();
    const a = sampler.sampleGroup('MEM');
    const b = sampler.sampleGroup('MEM');
    expect(a).toBe(b);
    release();
    await a;
    expect(calls).toBe(1);
    await sampler.sampleGroup('MEM');
    expect(calls).toBe(2);
  });
});

describe('HealthSampler: cgroup v2 variants', () => {
  it('memory.max "max" and cpu.max "max 100000": the machine is the limit', async () => {
    const { sampler, tree, clock } = await setup('cgroup2-unlimited');
    await sampler.init();
    const mem = await sampler.sampleMem();
    expect(mem.CG_MEM_USED).toEqual({ ok: true, value: 104857600 - 4857600 });
    expect(mem.CG_MEM_MAX).toEqual({ ok: true, value: 24684084 * 1024 });
    await tree.write('cgroup/cpu.stat', 'usage_usec 7000000\n');
    clock.mono += 10_000;
    // 2 s of CPU over 10 s of 2 CPUs
    expect((await sampler.sampleLoad()).CG_CPU_LOAD).toEqual({ ok: true, value: 10 });
  });

  it('finds a nested cgroup when the namespace is the host one', async () => {
    const { sampler, tree } = await setup('cgroup2-hostns');
    await tree.write('proc/self/cgroup', fixture('cgroup2-hostns', 'proc-self-cgroup.txt'));
    await sampler.init();
    expect(sampler.cgroupPlaces.memory).toEqual({
      ok: true,
      value: { version: 2, dir: join(tree.root, 'cgroup/system.slice/docker-abc.scope') },
    });
    expect((await sampler.sampleMem()).CG_MEM_MAX).toEqual({ ok: true, value: 536870912 });
  });

  it('root cgroup (no memory files, no cpu.max) and no cgroup at all: failures that say why', async () => {
    const root = await setup('cgroup2-root');
    await root.sampler.init();
    const cgFile = join(root.tree.root, 'proc/self/cgroup');
    expect((await root.sampler.sampleMem()).CG_MEM_USED).toEqual({
      ok: false,
      error: `no cgroup memory controller for this process (${cgFile})`,
    });
    expect((await root.sampler.sampleLoad()).CG_CPU_LOAD).toEqual({
      ok: false,
      error: `no cgroup cpuacct controller for this process (${cgFile})`,
    });
    const none = await setup('cgroup2-limited', { sysfsCgroupRoot: join(FIXTURES, 'parsers') });
    await none.sampler.init();
    expect((await none.sampler.sampleMem()).CG_MEM_MAX).toEqual({
      ok: false,
      error: `no cgroup memory controller for this process (${join(none.tree.root, 'proc/self/cgroup')})`,
    });
  });
});

/** A sampler whose /proc/self has the cgroup membership and mounts of a v1 fixture. */
async function setupV1(name: string) {
  const s = await setup(`${name}/sys`);
  await s.tree.write('proc/self/cgroup', fixture(name, 'proc-self-cgroup.txt'));
  await s.tree.write('proc/self/mountinfo', fixture(name, 'mountinfo.txt'));
  return s;
}

describe('HealthSampler: cgroup v1', () => {
  it('hybrid host (captured here): memory from the v1 memory hierarchy, CPU from cpu and cpuacct', async () => {
    const { sampler, tree, clock } = await setupV1('cgroup1-hybrid');
    await sampler.init();
    const cg = join(tree.root, 'cgroup');
    expect(sampler.cgroupPlaces).toEqual({
      memory: {
        ok: true,
        value: { version: 1, dir: join(cg, 'memory/process_api/6a03f2e3bb7bdf7957d08cd26d66c286') },
      },
      cpuUsage: { ok: true, value: { version: 1, dir: join(cg, 'cpuacct') } },
      cpuQuota: { ok: true, value: { version: 1, dir: join(cg, 'cpu') } },
    });
    const mem = await sampler.sampleMem();
    // usage_in_bytes 124190720 - total_inactive_file 95764480; limit 9223372036854771712 is "none":
    // the machine's MemTotal (24684084 kB in the 6.18 tree)
    expect(mem.CG_MEM_USED).toEqual({ ok: true, value: 124190720 - 95764480 });
    expect(mem.CG_MEM_MAX).toEqual({ ok: true, value: 24684084 * 1024 });
    expect(mem.CG_MEM_USED_PCT).toEqual({
      ok: true,
      value: (100 * (124190720 - 95764480)) / (24684084 * 1024),
    });
    // cpuacct.usage is in ns: +3 s of CPU over 10 s, quota -1 so the limit is the 2 CPUs present
    await tree.write('cgroup/cpuacct/cpuacct.usage', String(559438070321 + 3e9));
    clock.mono += 10_000;
    const load = (await sampler.sampleLoad()).CG_CPU_LOAD;
    expect(load?.ok && Number(load.value)).toBeCloseTo(15, 9);
  });

  it('container without a cgroup namespace: paths relative to the mount root, co-mounted cpu,cpuacct, limits', async () => {
    const { sampler, tree, clock } = await setupV1('cgroup1-docker-limited');
    await sampler.init();
    const cg = join(tree.root, 'cgroup');
    expect(sampler.cgroupPlaces).toEqual({
      memory: { ok: true, value: { version: 1, dir: join(cg, 'memory') } },
      cpuUsage: { ok: true, value: { version: 1, dir: join(cg, 'cpu,cpuacct') } },
      cpuQuota: { ok: true, value: { version: 1, dir: join(cg, 'cpu,cpuacct') } },
    });
    const mem = await sampler.sampleMem();
    expect([mem.CG_MEM_USED, mem.CG_MEM_MAX, mem.CG_MEM_USED_PCT]).toEqual([
      { ok: true, value: 301989888 - 33554432 },
      { ok: true, value: 536870912 },
      { ok: true, value: 50 },
    ]);
    // 2.5 s of CPU over 10 s against a quota of half a CPU
    await tree.write('cgroup/cpu,cpuacct/cpuacct.usage', '14500000000\n');
    clock.mono += 10_000;
    expect((await sampler.sampleLoad()).CG_CPU_LOAD).toEqual({ ok: true, value: 50 });
  });

  it('a parent limit tighter than our own (hierarchical_memory_limit) is the one shown', async () => {
    const { sampler, tree } = await setupV1('cgroup1-docker-limited');
    await tree.write('cgroup/memory/memory.limit_in_bytes', '9223372036854771712\n');
    await tree.write(
      'cgroup/memory/memory.stat',
      fixture('cgroup1-docker-limited', 'sys/memory/memory.stat').replace(
        'hierarchical_memory_limit 536870912',
        'hierarchical_memory_limit 1073741824',
      ),
    );
    await sampler.init();
    expect((await sampler.sampleMem()).CG_MEM_MAX).toEqual({ ok: true, value: 1073741824 });
  });

  it('an unreadable v1 file is a failure naming it, the other figures still read', async () => {
    const { sampler, tree } = await setupV1('cgroup1-docker-limited');
    await sampler.init();
    await tree.write('cgroup/memory/memory.usage_in_bytes', 'garbage\n');
    const mem = await sampler.sampleMem();
    const path = join(tree.root, 'cgroup/memory/memory.usage_in_bytes');
    expect(mem.CG_MEM_USED).toEqual({ ok: false, error: `${path}: malformed "garbage"` });
    expect(mem.CG_MEM_USED_PCT).toEqual(mem.CG_MEM_USED);
    expect(mem.CG_MEM_MAX).toEqual({ ok: true, value: 536870912 });
  });
});

describe('HealthSampler: unreadable sources are errors, never 0', () => {
  it('every sampled value of an empty tree is an error naming the file', async () => {
    const tree = await tempTree({});
    cleanups.push(tree.cleanup);
    const sampler = new HealthSampler({
      procRoot: join(tree.root, 'proc'),
      sysfsCgroupRoot: join(tree.root, 'cgroup'),
      osReleasePaths: [join(tree.root, 'os-release')],
      statfs: () => Promise.reject(Object.assign(new Error('gone'), { code: 'ENOENT' })),
      networkInterfaces: () => ({}),
      interfaces: ['eth0'],
    });
    await sampler.init();
    const all = await sampler.sampleAll();
    const failures = Object.entries(all.values).filter(([, r]) => !r.ok);
    const proc = join(tree.root, 'proc');
    expect(Object.fromEntries(failures)).toEqual({
      CPU_CNT: { ok: false, error: `cannot read ${proc}/stat: ENOENT` },
      SYS_RELEASE: { ok: false, error: `cannot read ${join(tree.root, 'os-release')}` },
      BOX_UPTIME: { ok: false, error: `cannot read ${proc}/uptime: ENOENT` },
      'IP:eth0': { ok: false, error: 'no IPv4 address on interface eth0' },
      FD_CNT: { ok: false, error: `cannot list ${proc}/self/fd: ENOENT` },
      FD_MAX: { ok: false, error: `cannot read ${proc}/self/limits: ENOENT` },
      FD_FREE: { ok: false, error: `cannot list ${proc}/self/fd: ENOENT` },
      SYS_CPU_LOAD: { ok: false, error: `cannot read ${proc}/stat: ENOENT` },
      IOWAIT: { ok: false, error: `cannot read ${proc}/stat: ENOENT` },
      IOC_CPU_LOAD: { ok: false, error: `cannot read ${proc}/stat: ENOENT` },
      IOC_SINGLE_CPU_LOAD: { ok: false, error: `cannot read ${proc}/stat: ENOENT` },
      CG_CPU_LOAD: { ok: false, error: `cannot read ${proc}/stat: ENOENT` },
      LOAD1: { ok: false, error: `cannot read ${proc}/loadavg: ENOENT` },
      LOAD5: { ok: false, error: `cannot read ${proc}/loadavg: ENOENT` },
      LOAD15: { ok: false, error: `cannot read ${proc}/loadavg: ENOENT` },
      NPROCS: { ok: false, error: `cannot list ${proc}: ENOENT` },
      MEM_USED: { ok: false, error: `cannot read ${proc}/self/status: ENOENT` },
      MEM_FREE: { ok: false, error: `cannot read ${proc}/meminfo: ENOENT` },
      MEM_MAX: { ok: false, error: `cannot read ${proc}/meminfo: ENOENT` },
      MEM_USED_PCT: { ok: false, error: `cannot read ${proc}/meminfo: ENOENT` },
      SWAP_USED_PCT: { ok: false, error: `cannot read ${proc}/meminfo: ENOENT` },
      CG_MEM_USED: { ok: false, error: `cannot read ${proc}/self/cgroup: ENOENT` },
      CG_MEM_MAX: { ok: false, error: `cannot read ${proc}/self/cgroup: ENOENT` },
      CG_MEM_USED_PCT: { ok: false, error: `cannot read ${proc}/self/cgroup: ENOENT` },
      'DISK:ROOT:USED_PCT': { ok: false, error: 'cannot statfs /: ENOENT' },
      'DISK:ROOT:FREE': { ok: false, error: 'cannot statfs /: ENOENT' },
      MEM_USED_GiB: { ok: false, error: `cannot read ${proc}/self/status: ENOENT` },
      MEM_FREE_GiB: { ok: false, error: `cannot read ${proc}/meminfo: ENOENT` },
      MEM_MAX_GiB: { ok: false, error: `cannot read ${proc}/meminfo: ENOENT` },
    });
  });

  it('a malformed file is an error naming the file and the problem', async () => {
    const { sampler, tree } = await setup();
    await sampler.init();
    await tree.write('proc/meminfo', 'MemTotal: 1 kB\n');
    const mem = await sampler.sampleMem();
    expect(mem.MEM_FREE).toEqual({
      ok: false,
      error: `${join(tree.root, 'proc/meminfo')}: missing MemFree, Buffers, Cached`,
    });
  });
});
