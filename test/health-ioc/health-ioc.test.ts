// HealthIoc without sockets: records in a RecordDatabase fed by a HealthSampler whose procfs, cgroup
// and os-release are empty temp dirs, so every file-backed PV must read INVALID/READ (never a silent 0)
// and recover once the file appears; inputs, STATUS, configured limits, SYSRESET and the write rule.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CA_PROTO_ACCESS_RIGHT_READ,
  CA_PROTO_ACCESS_RIGHT_WRITE,
  DBR_ENUM,
  HIHI_ALARM,
  INVALID_ALARM,
  MAJOR_ALARM,
  MINOR_ALARM,
  NO_ALARM,
  READ_ALARM,
  UDF_ALARM,
} from '../../src/ca/constants.js';
import { RecordDatabase, parseAcf, type RecordHandle } from '../../src/ioc/db/index.js';
import { CONTROL_ASG, defaultAcf } from '../../src/ioc/access/default-acf.js';
import { HealthIoc, type HealthInputs, type HealthIocOptions } from '../../src/ioc/health/health-ioc.js';
import { HealthSampler } from '../../src/ioc/health/sampler.js';
import type { ClientIdentity } from '../../src/ioc/server/pv.js';

const P = 'U:';
const MEMINFO = [
  'MemTotal:        2048000 kB',
  'MemFree:          512000 kB',
  'MemAvailable:    1024000 kB',
  'Buffers:           10000 kB',
  'Cached:           200000 kB',
  'SwapTotal:        100000 kB',
  'SwapFree:          75000 kB',
  '',
].join('\n');

let dir: string;
let db: RecordDatabase;
let ioc: HealthIoc;
let extra: number[];

function inputs(over: Partial<HealthInputs> = {}): HealthInputs {
  return {
    caClients: () => 3,
    caChannels: () => 42,
    suspended: () => 0,
    recordCount: () => db.size,
    extraSeverities: () => extra,
    ...over,
  };
}

async function build(
  over: Partial<HealthInputs> = {},
  extraOpts: Pick<HealthIocOptions, 'alarms' | 'onSysReset'> = {},
): Promise<void> {
  const sampler = new HealthSampler({
    procRoot: join(dir, 'proc'),
    sysfsCgroupRoot: join(dir, 'cgroup'),
    osReleasePaths: [join(dir, 'os-release')],
    mounts: [{ name: 'ROOT', path: join(dir, 'no-such-mount') }],
    interfaces: ['eth9'],
    networkInterfaces: () => ({}),
    facts: { hostname: 'unit-host', processId: 4242, parentId: 1 },
  });
  await sampler.init();
  db = new RecordDatabase();
  db.setAccessPolicy(parseAcf(defaultAcf({ isDefaultWritable: true }), '(built-in)'));
  ioc = new HealthIoc({
    db,
    prefix: P,
    sampler,
    controlAsg: CONTROL_ASG,
    inputs: inputs(over),
    ...extraOpts,
  });
  ioc.createRecords();
  await ioc.start();
}

function rec(suffix: string): RecordHandle {
  const r = db.get(P + suffix);
  if (!r) throw new Error(`no record ${P}${suffix}`);
  return r;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gwagent-health-ioc-'));
  await mkdir(join(dir, 'proc'));
  await mkdir(join(dir, 'cgroup'));
  extra = [];
});

afterEach(async () => {
  ioc?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('HealthIoc with nothing readable', () => {
  it('marks every file-backed PV INVALID with status READ, never a silent value', async () => {
    await build();
    for (const suffix of [
      'MEM_MAX',
      'MEM_FREE',
      'MEM_USED',
      'MEM_USED_PCT',
      'SWAP_USED_PCT',
      'CPU_CNT',
      'SYS_CPU_LOAD',
      'IOC_CPU_LOAD',
      'IOWAIT',
      'LOAD1',
      'LOAD5',
      'LOAD15',
      'FD_CNT',
      'FD_MAX',
      'FD_FREE',
      'DISK:ROOT:USED_PCT',
      'DISK:ROOT:FREE',
      'IP:eth9',
      'SYS_RELEASE',
      'BOX_UPTIME',
    ]) {
      expect({ suffix, severity: rec(suffix).alarm.severity }).toEqual({ suffix, severity: INVALID_ALARM });
      // Never processed with a value: still undefined (UDF), not a 0 that looks like a reading.
      expect({ suffix, isDefined: rec(suffix).isDefined }).toEqual({ suffix, isDefined: false });
    }
  });

  // EPICS raises the device-support alarm (READ) before the UDF check and keeps the first alarm of
  // equal severity, so a never-read ai shows STAT READ; a procfs lists at least the agent itself.
  it('NPROCS of a procRoot without process directories is INVALID, not 0', async () => {
    await build();
    expect(rec('NPROCS').alarm.severity).toBe(INVALID_ALARM);
  });

  it('a PV that was never read reports STAT READ, as EPICS does', async () => {
    await build();
    expect(rec('MEM_MAX').alarm).toEqual({ severity: INVALID_ALARM, status: READ_ALARM });
  });

  it('serves what needs no file: facts, counters, inputs, operator PVs', async () => {
    await build();
    expect(rec('HOSTNAME').get()).toBe('unit-host');
    expect(rec('PROCESS_ID').get()).toBe(4242);
    expect(rec('HEARTBEAT').get()).toBe(1);
    expect(rec('CA_CLNT_CNT').get()).toBe(3);
    expect(rec('CA_CONN_CNT').get()).toBe(42);
    expect(rec('RECORD_CNT').get()).toBe(db.size);
    expect(rec('LOAD_UPD_TIME').get()).toBe(10);
    for (const suffix of ['HOSTNAME', 'HEARTBEAT', 'CA_CLNT_CNT', 'ACCESS', 'GTIM_TIME']) {
      expect({ suffix, alarm: rec(suffix).alarm }).toEqual({
        suffix,
        alarm: { severity: NO_ALARM, status: NO_ALARM },
      });
    }
    // No cgroup in the empty tree: the CG_* records exist and say they cannot be read.
    for (const suffix of ['CG_MEM_USED', 'CG_MEM_MAX', 'CG_MEM_USED_PCT', 'CG_CPU_LOAD']) {
      expect({ suffix, alarm: rec(suffix).alarm }).toEqual({
        suffix,
        alarm: { severity: INVALID_ALARM, status: READ_ALARM },
      });
    }
  });

  it('SUSP_TASK_CNT comes from inputs.suspended() (not left UDF/INVALID)', async () => {
    await build({ suspended: () => 2 });
    expect(rec('SUSP_TASK_CNT').get()).toBe(2);
    // HIHI 1 MAJOR, as devIocStats.
    expect(rec('SUSP_TASK_CNT').alarm).toEqual({ severity: MAJOR_ALARM, status: HIHI_ALARM });
    expect(rec('SUSP_TASK_CNT').alarm.status).not.toBe(UDF_ALARM);
  });

  it('STATUS is Fault with the worst severity (INVALID) while readings fail', async () => {
    await build();
    expect(rec('STATUS').get()).toBe(2);
    expect(rec('STATUS').alarm.severity).toBe(INVALID_ALARM);
  });

  it('a reading that becomes possible clears INVALID: MEM_MAX is MemTotal * 1024', async () => {
    await build();
    await writeFile(join(dir, 'proc', 'meminfo'), MEMINFO);
    await ioc.sample('MEM');
    expect(rec('MEM_MAX').get()).toBe(2048000 * 1024);
    expect(rec('MEM_MAX').alarm).toEqual({ severity: NO_ALARM, status: NO_ALARM });
    expect(rec('MEM_FREE').get()).toBe((512000 + 10000 + 200000) * 1024);
    expect(rec('MEM_USED_PCT').get()).toBeCloseTo(50, 10);
    expect(rec('SWAP_USED_PCT').get()).toBeCloseTo(25, 10);
    // The process status file is still missing: MEM_USED stays INVALID.
    expect(rec('MEM_USED').alarm.severity).toBe(INVALID_ALARM);
    // ...and a file that disappears again turns the PV back to INVALID, keeping the last value.
    await rm(join(dir, 'proc', 'meminfo'));
    await ioc.sample('MEM');
    expect(rec('MEM_MAX').alarm).toEqual({ severity: INVALID_ALARM, status: READ_ALARM });
  });
});

describe('built-in write rule (write from 127.0.0.0/8)', () => {
  const local: ClientIdentity = { user: 'op', host: 'localhost', ip: '127.0.0.1' };
  const remote: ClientIdentity = { user: 'op', host: 'console', ip: '192.0.2.7' };
  const RW = CA_PROTO_ACCESS_RIGHT_READ | CA_PROTO_ACCESS_RIGHT_WRITE;

  it('lets this host write the operator PVs and everyone read them', async () => {
    await build();
    for (const suffix of [
      'CA_UPD_TIME',
      'FD_UPD_TIME',
      'LOAD_UPD_TIME',
      'MEM_UPD_TIME',
      'ACCESS',
      'GTIM_RESET',
      'SYSRESET',
    ]) {
      expect({ suffix, asg: rec(suffix).field('ASG') }).toEqual({ suffix, asg: CONTROL_ASG });
      expect({ suffix, local: db.rights(P + suffix, local) }).toEqual({ suffix, local: RW });
      expect({ suffix, remote: db.rights(P + suffix, remote) }).toEqual({
        suffix,
        remote: CA_PROTO_ACCESS_RIGHT_READ,
      });
    }
    // Alias names carry the same rights as the record.
    expect(db.rights(`${P}SysReset`, remote)).toBe(CA_PROTO_ACCESS_RIGHT_READ);
    // Limit fields of sampled PVs follow the DEFAULT group: writable from here, read-only elsewhere.
    expect(db.rights(`${P}SYS_CPU_LOAD.HIHI`, local)).toBe(RW);
    expect(db.rights(`${P}SYS_CPU_LOAD.HIHI`, remote)).toBe(CA_PROTO_ACCESS_RIGHT_READ);
    // Computed fields are read-only for everyone.
    expect(db.rights(`${P}SYS_CPU_LOAD.SEVR`, local)).toBe(CA_PROTO_ACCESS_RIGHT_READ);
  });
});

describe('HealthIoc options', () => {
  const local: ClientIdentity = { user: 'op', host: 'localhost', ip: '127.0.0.1' };

  it('applies configured alarm limits by concrete or template name', async () => {
    await build(
      {},
      {
        alarms: {
          'SYS_CPU_LOAD.HIHI': 95,
          'SYS_CPU_LOAD.hhsv': 'MINOR',
          'DISK:<name>:USED_PCT.HIGH': 50,
          'DISK:ROOT:USED_PCT.HIGH': 60,
          'MEM_FREE.LOW': 1e9,
        },
      },
    );
    const f = (s: string, field: string) => rec(s).field(field);
    expect([f('SYS_CPU_LOAD', 'HIHI'), f('SYS_CPU_LOAD', 'HHSV'), f('SYS_CPU_LOAD', 'HIGH')]).toEqual([
      95,
      MINOR_ALARM,
      70,
    ]);
    // The concrete name wins over the template.
    expect(f('DISK:ROOT:USED_PCT', 'HIGH')).toBe(60);
    expect([f('MEM_FREE', 'LOW'), f('MEM_FREE', 'LSV')]).toEqual([1e9, MINOR_ALARM]);
  });

  it('SYSRESET calls onSysReset for a put of 1 only', async () => {
    let resets = 0;
    await build({}, { onSysReset: () => resets++ });
    const pv = db.lookup(`${P}SysReset`)!;
    await pv.write({ dbrType: DBR_ENUM, count: 1, value: [0] }, local);
    expect(resets).toBe(0);
    await pv.write({ dbrType: DBR_ENUM, count: 1, value: [1] }, local);
    expect(resets).toBe(1);
  });
});

describe('HealthIoc sampling schedule', () => {
  it('samples LOAD again one second after start (the first window is start-up), then every LOAD period', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const sampler = new HealthSampler({
        procRoot: join(dir, 'proc'),
        sysfsCgroupRoot: join(dir, 'cgroup'),
        osReleasePaths: [],
        mounts: [],
        interfaces: [],
        networkInterfaces: () => ({}),
      });
      await sampler.init();
      const groups: string[] = [];
      const sampleGroup = sampler.sampleGroup.bind(sampler);
      sampler.sampleGroup = (g) => {
        groups.push(g);
        return sampleGroup(g);
      };
      db = new RecordDatabase();
      ioc = new HealthIoc({ db, prefix: P, sampler, controlAsg: CONTROL_ASG, inputs: inputs() });
      ioc.createRecords();
      await ioc.start();
      const loads = () => groups.filter((g) => g === 'LOAD').length;
      expect(loads()).toBe(1);
      await vi.advanceTimersByTimeAsync(999);
      expect(loads()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(loads()).toBe(2);
      await vi.advanceTimersByTimeAsync(9_999);
      expect(loads()).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(loads()).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
