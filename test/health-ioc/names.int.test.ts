// Issue 4 through the real libca (pyepics): `gwagent ioc --health` serves every devIocStats-compatible
// health PV name, each with the record type, native type, DESC/EGU/PREC and limits of HEALTH_PVS, and
// values that agree with what this machine reports (/proc, statfs, os, the server's own pid).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync, realpathSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUptime } from '../../src/ioc/health/format.js';
import { defaultInterfaces } from '../../src/ioc/health/sampler.js';
import type { HealthPvDef } from '../../src/ioc/health/pv-table.js';
import {
  DBF,
  HealthClient,
  expectedDefs,
  expectedNativeType,
  startHealthServer,
  type ChannelRead,
  type HealthServer,
} from './harness.js';
import { ISSUE4_CGROUP_NAMES, issue4Names } from '../support/issue4-health-names.js';
import { ISSUE14_HEALTH_NAMES } from '../support/iocstats-screen-names.js';

const P = 'HTN:';
const SEVERITY_FIELDS = ['HHSV', 'HSV', 'LSV', 'LLSV'] as const;
const LIMIT_FIELDS = ['HIHI', 'HIGH', 'LOW', 'LOLO'] as const;
const MBB_SV = ['ZRSV', 'ONSV', 'TWSV', 'THSV'];
const ENV = {
  ENGINEER: 'Ada Lovelace',
  LOCATION: 'Loopback rack 7',
  GWAGENT_BUILD: 'b1234-test',
  GWAGENT_BUILD_DATE: '2026-11-25',
  GWAGENT_STREAM: 'testing',
};

let server: HealthServer;
let client: HealthClient;
let tmp: string;
let appDir: string;
let dbFile: string;
let spawnedAtMs: number;
let readyAtMs: number;

const isNumeric = (d: HealthPvDef): boolean =>
  d.recordType !== 'stringin' && d.recordType !== 'waveform' && !d.enums;

function meminfoBytes(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/meminfo', 'latin1').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

/** `%m/%d/%Y %H:%M:%S` in local time -> ms since the epoch. */
function parseTod(text: string): number {
  const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!m) throw new Error(`not a TOD: ${JSON.stringify(text)}`);
  const [, mo, d, y, h, mi, s] = m.map(Number);
  return new Date(y!, mo! - 1, d, h, mi, s).getTime();
}

function connectedAll(results: Record<string, ChannelRead>): string[] {
  return Object.entries(results)
    .filter(([, r]) => !r.connected)
    .map(([n]) => n);
}

beforeAll(async () => {
  tmp = realpathSync(await mkdtemp(join(os.tmpdir(), 'gwagent-hioc-')));
  // 40..78 characters, so APP_DIR and ST_SCRIPT both need their …1 and …2 halves.
  appDir = join(tmp, 'application-directory-x');
  await mkdir(appDir);
  dbFile = join(appDir, 'extra.db');
  await writeFile(dbFile, `record(ai, "${P}EXTRA") {\n  field(DESC, "not a health PV")\n}\n`);
  spawnedAtMs = Date.now();
  server = await startHealthServer(P, { env: ENV, cwd: appDir, extraArgs: ['--db', dbFile] });
  readyAtMs = Date.now();
  client = await HealthClient.start(server.port);
});

afterAll(async () => {
  await client?.stop();
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe('gwagent ioc --health: names', () => {
  it('serves every name of issue 4, the aliases, IP:<iface> per interface, and CG_* (cgroup v1 or v2)', async () => {
    const ifaces = defaultInterfaces(os.networkInterfaces());
    expect(ifaces.length).toBeGreaterThan(0);
    // issue 4's names plus the devIocStats screen names issue 14 added
    const names = [...issue4Names('ROOT', ifaces), ...ISSUE14_HEALTH_NAMES];
    const reads = await client.read([...names, 'LOAD', 'SysReset', 'STATUS_MSG'].map((n) => P + n));
    expect(connectedAll(reads)).toEqual([]);
    // The served set is exactly the table's, and the table is exactly the issues' list.
    expect(
      expectedDefs()
        .map((d) => d.suffix)
        .sort(),
    ).toEqual([...names].sort());
    // + the SysReset alias and STATUS_MSG (issue 12: what sets STATUS)
    expect(server.recordCount).toBe(names.length + 2);
    // The cgroup figures exist on every host; here (cgroup v1 or v2) they are readable values (not
    // INVALID; a busy shared machine may well hold CG_CPU_LOAD in HIGH or HIHI).
    const cg = await client.read(ISSUE4_CGROUP_NAMES.map((n) => P + n));
    for (const n of ISSUE4_CGROUP_NAMES) expect([n, (cg[P + n]?.severity ?? 3) < 3]).toEqual([n, true]);
  });

  it('every PV has the table’s RTYP, native type, DESC, EGU, PREC, display and alarm limits', async () => {
    const defs = expectedDefs();
    const channels: string[] = [];
    for (const d of defs) {
      const base = P + d.suffix;
      channels.push(base, `${base}.RTYP`, `${base}.DESC`);
      if (isNumeric(d)) {
        channels.push(`${base}.EGU`, `${base}.HOPR`, `${base}.LOPR`);
        if (d.recordType !== 'longin') channels.push(`${base}.PREC`);
        for (const f of [...LIMIT_FIELDS, ...SEVERITY_FIELDS]) channels.push(`${base}.${f}`);
      }
      if (d.recordType === 'ao') channels.push(`${base}.DRVL`, `${base}.DRVH`);
      if (d.enums && d.recordType === 'bo') channels.push(`${base}.ZSV`, `${base}.OSV`);
      else if (d.enums) channels.push(...MBB_SV.slice(0, d.enums.strings.length).map((f) => `${base}.${f}`));
    }
    const r = await client.read(channels);
    expect(connectedAll(r)).toEqual([]);
    const v = (name: string): unknown => r[name]!.value;
    for (const d of defs) {
      const base = P + d.suffix;
      const got: Record<string, unknown> = {
        rtyp: v(`${base}.RTYP`),
        ftype: r[base]!.ftype,
        count: r[base]!.count,
        desc: v(`${base}.DESC`),
      };
      const want: Record<string, unknown> = {
        rtyp: d.recordType,
        ftype: expectedNativeType(d),
        count: d.waveform?.nelm ?? 1,
        desc: d.desc,
      };
      if (isNumeric(d)) {
        Object.assign(got, { egu: v(`${base}.EGU`), hopr: v(`${base}.HOPR`), lopr: v(`${base}.LOPR`) });
        Object.assign(want, { egu: d.egu, hopr: d.hopr, lopr: d.lopr });
        if (d.recordType !== 'longin') {
          got.prec = v(`${base}.PREC`);
          want.prec = d.prec;
        }
        const a = d.alarm;
        got.limits = LIMIT_FIELDS.map((f) => v(`${base}.${f}`));
        want.limits = [a.hihi, a.high, a.low, a.lolo];
        // Menu fields are DBF_ENUM: the native value is the menuAlarmSevr index.
        got.severities = SEVERITY_FIELDS.map((f) => v(`${base}.${f}`));
        want.severities = [a.hhsv, a.hsv, a.lsv, a.llsv];
      }
      if (d.recordType === 'ao') {
        got.drv = [v(`${base}.DRVL`), v(`${base}.DRVH`)];
        want.drv = [d.drvl, d.drvh];
      }
      if (d.enums) {
        got.stateSeverities =
          d.recordType === 'bo'
            ? [v(`${base}.ZSV`), v(`${base}.OSV`)]
            : MBB_SV.slice(0, d.enums.strings.length).map((f) => v(`${base}.${f}`));
        want.stateSeverities = [...d.enums.severities];
      }
      expect({ pv: d.suffix, ...got }).toEqual({ pv: d.suffix, ...want });
    }
  });

  it('CTRL metadata through libca: units, precision, enum strings', async () => {
    const defs = expectedDefs();
    const r = await client.read(
      defs.filter((d) => d.recordType !== 'stringin' && d.recordType !== 'waveform').map((d) => P + d.suffix),
      true,
    );
    for (const d of defs) {
      const got = r[P + d.suffix];
      if (!got) continue;
      const ctrl = got.ctrl!;
      if (d.enums) {
        expect({ pv: d.suffix, enums: ctrl.enum_strs }).toEqual({
          pv: d.suffix,
          enums: [...d.enums.strings],
        });
      } else {
        expect({ pv: d.suffix, units: ctrl.units }).toEqual({ pv: d.suffix, units: d.egu });
        if (got.ftype === DBF.DOUBLE) {
          expect({ pv: d.suffix, prec: ctrl.precision }).toEqual({ pv: d.suffix, prec: d.prec });
        }
        expect({ pv: d.suffix, hopr: ctrl.upper_disp_limit }).toEqual({ pv: d.suffix, hopr: d.hopr });
      }
    }
  });

  it('matches devIocStats’ own definitions where the stock screens depend on them', async () => {
    // From iocstats.md §1.2, written out here so the table cannot drift from iocStats unnoticed.
    const spots: [string, unknown][] = [
      ['SYS_CPU_LOAD.EGU', '%'],
      ['SYS_CPU_LOAD.PREC', 1],
      ['SYS_CPU_LOAD.HOPR', 100],
      ['SYS_CPU_LOAD.HIHI', 80],
      ['SYS_CPU_LOAD.HIGH', 70],
      ['SYS_CPU_LOAD.HHSV', 2],
      ['SYS_CPU_LOAD.HSV', 1],
      ['LOAD.HIHI', 80],
      ['LOAD.RTYP', 'ai'],
      ['CA_CLNT_CNT.HOPR', 200],
      ['CA_CLNT_CNT.HIHI', 175],
      ['CA_CLNT_CNT.HIGH', 100],
      ['CA_CONN_CNT.HIHI', 4500],
      ['CA_CONN_CNT.HIGH', 4000],
      ['FD_FREE.RTYP', 'calc'],
      ['FD_FREE.HOPR', 150],
      ['FD_FREE.LOLO', 5],
      ['FD_FREE.LOW', 20],
      ['FD_FREE.LLSV', 2],
      ['FD_FREE.LSV', 1],
      ['MEM_FREE.EGU', 'byte'],
      ['MEM_FREE.LLSV', 2],
      ['MEM_FREE.LSV', 1],
      ['MEM_FREE.LOLO', 0],
      ['MEM_MAX.EGU', 'byte'],
      ['MEM_USED.EGU', 'byte'],
      ['SUSP_TASK_CNT.HIHI', 1],
      ['SUSP_TASK_CNT.HHSV', 2],
      ['HEARTBEAT.RTYP', 'calcout'],
      ['CA_UPD_TIME', 15],
      ['CA_UPD_TIME.EGU', 'sec'],
      ['CA_UPD_TIME.DRVL', 1],
      ['CA_UPD_TIME.DRVH', 60],
      ['FD_UPD_TIME', 20],
      ['LOAD_UPD_TIME', 10],
      ['MEM_UPD_TIME', 10],
      ['GTIM_TIME.EGU', 'sec'],
      ['GTIM_TIME.PREC', 3],
      ['GTIM_ERR_CNT.RTYP', 'longin'],
      ['GTIM_ERR_CNT.HIHI', 1],
      ['GTIM_ERR_CNT.HHSV', 2],
      ['ACCESS.RTYP', 'mbbo'],
      ['ACCESS.THSV', 2],
      ['SYSRESET.RTYP', 'bo'],
      ['SysReset.RTYP', 'bo'],
      ['APP_DIR.NELM', 160],
      ['ST_SCRIPT.NELM', 120],
      ['APP_DIR.FTVL', 1], // menuFtype CHAR
    ];
    const r = await client.read(spots.map(([n]) => P + n));
    expect(spots.map(([n]) => [n, r[P + n]!.value])).toEqual(spots);
  });
});

describe('gwagent ioc --health: values', () => {
  it('agree with /proc, statfs, os and the server process', async () => {
    const defs = expectedDefs();
    const r = await client.read([...defs.map((d) => P + d.suffix), `${P}LOAD`]);
    const nowMs = Date.now();
    const v = (s: string): unknown => r[P + s]!.value;
    const n = (s: string): number => r[P + s]!.value as number;
    const pid = server.child.pid!;

    // Exact facts.
    const mem = meminfoBytes();
    expect(n('MEM_MAX')).toBe(mem.MemTotal);
    expect(n('PROCESS_ID')).toBe(pid);
    expect(n('PARENT_ID')).toBe(process.pid);
    expect(n('CPU_CNT')).toBe(
      readFileSync('/proc/stat', 'latin1')
        .split('\n')
        .filter((l) => /^cpu\d+ /.test(l)).length,
    );
    expect(v('HOSTNAME')).toBe(os.hostname().slice(0, 39));
    expect(v('KERNEL_VERS')).toBe(`Linux ${os.release()} ${os.machine()}`.slice(0, 39));
    expect(v('EPICS_VERS')).toMatch(/4\.13/);
    expect(v('ENGINEER')).toBe(ENV.ENGINEER);
    expect(v('LOCATION')).toBe(ENV.LOCATION);
    expect(v('BUILD')).toBe(ENV.GWAGENT_BUILD);
    expect(v('BUILD_DATE')).toBe(ENV.GWAGENT_BUILD_DATE);
    expect(v('STREAM')).toBe(ENV.GWAGENT_STREAM);
    expect(appDir.length).toBeGreaterThan(39);
    expect(r[`${P}APP_DIR`]!.text).toBe(appDir);
    expect([v('APP_DIR1'), v('APP_DIR2')]).toEqual([appDir.slice(0, 39), appDir.slice(39, 78)]);
    expect(r[`${P}ST_SCRIPT`]!.text).toBe(dbFile);
    expect([v('ST_SCRIPT1'), v('ST_SCRIPT2')]).toEqual([dbFile.slice(0, 39), dbFile.slice(39, 78)]);
    expect(n('RECORD_CNT')).toBe(defs.length + 2);
    expect([v('GTIM_CUR_SRC'), v('GTIM_EVT_SRC'), v('GTIM_HI_SRC')]).toEqual([
      'OS Clock',
      'OS Clock',
      'OS Clock',
    ]);
    expect(n('GTIM_ERR_CNT')).toBe(0);
    expect([n('GTIM_RESET'), n('ACCESS'), n('SYSRESET'), n('SUSP_TASK_CNT')]).toEqual([0, 0, 0, 0]);
    for (const iface of defaultInterfaces(os.networkInterfaces())) {
      const addr = os.networkInterfaces()[iface]!.find((a) => a.family === 'IPv4')!.address;
      expect(v(`IP:${iface}`)).toBe(addr);
    }
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'latin1'));
    expect(v('SYS_RELEASE')).toBe(pretty![1]!.slice(0, 39));

    // Disk: df's Use% from statfs('/'), within 0.5 %.
    const st = statfsSync('/');
    const used = st.blocks - st.bfree;
    expect(Math.abs(n('DISK:ROOT:USED_PCT') - (100 * used) / (used + st.bavail))).toBeLessThan(0.5);
    expect(Math.abs(n('DISK:ROOT:FREE') / (st.bavail * st.bsize) - 1)).toBeLessThan(0.02);

    // Memory of the host, sampled a few seconds ago: within 2 % of RAM.
    expect(Math.abs(n('MEM_FREE') - (mem.MemFree! + mem.Buffers! + mem.Cached!))).toBeLessThan(
      0.02 * mem.MemTotal!,
    );
    expect(
      Math.abs(n('MEM_USED_PCT') - (100 * (mem.MemTotal! - mem.MemAvailable!)) / mem.MemTotal!),
    ).toBeLessThan(2);
    const swapPct = mem.SwapTotal ? (100 * (mem.SwapTotal - mem.SwapFree!)) / mem.SwapTotal : 0;
    expect(Math.abs(n('SWAP_USED_PCT') - swapPct)).toBeLessThan(1);
    // The server's RSS (VmRSS of its status file).
    const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))![1]) * 1024;
    expect(n('MEM_USED') / rss).toBeGreaterThan(0.7);
    expect(n('MEM_USED') / rss).toBeLessThan(1.3);

    // File descriptors: the soft RLIMIT_NOFILE of the server, and FD_FREE = FD_MAX - FD_CNT.
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'latin1'));
    expect(n('FD_MAX')).toBe(Number(soft![1]));
    expect(n('FD_FREE')).toBe(n('FD_MAX') - n('FD_CNT'));
    expect(Math.abs(n('FD_CNT') - readdirSync(`/proc/${pid}/fd`).length)).toBeLessThanOrEqual(3);

    // Load: the alias is the same record; percentages are percentages; load averages from loadavg.
    expect(n('LOAD')).toBe(n('IOC_CPU_LOAD'));
    for (const s of ['SYS_CPU_LOAD', 'IOC_CPU_LOAD', 'IOWAIT']) {
      expect({ s, inRange: n(s) >= 0 && n(s) <= 100 }).toEqual({ s, inRange: true });
    }
    const [l1, l5, l15] = readFileSync('/proc/loadavg', 'latin1').split(' ').map(Number);
    expect(Math.abs(n('LOAD1') - l1!)).toBeLessThan(2);
    expect(Math.abs(n('LOAD5') - l5!)).toBeLessThan(1);
    expect(Math.abs(n('LOAD15') - l15!)).toBeLessThan(0.5);
    const procs = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
    expect(Math.abs(n('NPROCS') - procs)).toBeLessThan(30);

    // Times: STARTTOD is the server's start, TOD/GTIM_TIME now, UPTIME and BOX_UPTIME elapsed.
    const start = parseTod(v('STARTTOD') as string);
    expect(start).toBeGreaterThanOrEqual(Math.floor(spawnedAtMs / 1000) * 1000);
    expect(start).toBeLessThanOrEqual(readyAtMs);
    expect(Math.abs(parseTod(v('TOD') as string) - nowMs)).toBeLessThan(3000);
    expect(Math.abs(n('GTIM_TIME') - (nowMs / 1000 - 631152000))).toBeLessThan(3);
    expect(v('UPTIME')).toMatch(/^00:00:\d\d$/);
    const upS = Number((v('UPTIME') as string).slice(6));
    expect(upS).toBeLessThanOrEqual(Math.ceil((nowMs - spawnedAtMs) / 1000));
    const boxS = Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
    expect([formatUptime(boxS - 1), formatUptime(boxS - 2), formatUptime(boxS)]).toContain(v('BOX_UPTIME'));

    // Nothing is INVALID on a healthy host.
    const invalid = defs.filter((d) => r[P + d.suffix]!.severity === 3 && d.suffix !== 'STATUS');
    expect(invalid.map((d) => d.suffix)).toEqual([]);
  });

  it('HEARTBEAT advances by 1 every second', async () => {
    await client.monitor(`${P}HEARTBEAT`);
    const events = await client.events(`${P}HEARTBEAT`, 5, 7);
    expect(events.length).toBeGreaterThanOrEqual(5);
    const values = events.map((e) => e.value as number);
    expect(values.slice(1).map((x, i) => x - values[i]!)).toEqual(values.slice(1).map(() => 1));
    const first = events[1]!;
    const last = events[events.length - 1]!;
    // Skip the initial (subscription) event: the rest are the 1 s scan.
    const meanS = (last.at - first.at) / (events.length - 2);
    expect(meanS).toBeGreaterThan(0.8);
    expect(meanS).toBeLessThan(1.2);
  });
});
