import { describe, expect, it } from 'vitest';
import {
  ACCESS_STRINGS,
  DEFAULT_PERIODS_S,
  UPDATE_PERIOD_PVS,
  expandHealthPvs,
  HEALTH_PVS,
  type HealthPvDef,
} from '../../src/ioc/health/pv-table.js';
import { MAJOR_ALARM, MINOR_ALARM, NO_ALARM } from '../../src/ca/constants.js';
import { ISSUE4_HEALTH_NAMES } from '../support/issue4-health-names.js';
import { ISSUE14_HEALTH_NAMES } from '../support/iocstats-screen-names.js';

const byName = new Map(HEALTH_PVS.map((d) => [d.suffix, d]));
const get = (s: string): HealthPvDef => {
  const d = byName.get(s);
  if (!d) throw new Error(`no ${s}`);
  return d;
};

// Every PV the issue names (templates with <name>).

describe('HEALTH_PVS', () => {
  it('has exactly the PVs of the issue, each once', () => {
    expect(HEALTH_PVS.map((d) => d.suffix).sort()).toEqual(
      [...ISSUE4_HEALTH_NAMES, ...ISSUE14_HEALTH_NAMES].sort(),
    );
  });

  it('gives every PV a DESC of 1-40 characters, an EGU of at most 7 and a PREC', () => {
    for (const d of HEALTH_PVS) {
      expect(d.desc.length, d.suffix).toBeGreaterThan(0);
      expect(d.desc.length, d.suffix).toBeLessThanOrEqual(40);
      expect(d.egu.length, d.suffix).toBeLessThanOrEqual(7);
      expect(Number.isInteger(d.prec), d.suffix).toBe(true);
    }
  });

  it('keeps devIocStats record types, units and default limits', () => {
    for (const s of ['SYS_CPU_LOAD', 'IOC_CPU_LOAD']) {
      expect(get(s)).toMatchObject({
        recordType: 'ai',
        egu: '%',
        prec: 1,
        hopr: 100,
        group: 'LOAD',
        alarm: { high: 70, hsv: MINOR_ALARM, hihi: 80, hhsv: MAJOR_ALARM },
      });
    }
    expect(get('IOC_CPU_LOAD').aliases).toEqual(['LOAD']);
    expect(get('FD_FREE')).toMatchObject({
      recordType: 'calc',
      hopr: 150,
      alarm: { low: 20, lsv: MINOR_ALARM, lolo: 5, llsv: MAJOR_ALARM },
    });
    expect(get('CA_CLNT_CNT')).toMatchObject({ source: 'input', hopr: 200, alarm: { high: 100, hihi: 175 } });
    expect(get('CA_CONN_CNT')).toMatchObject({
      source: 'input',
      hopr: 5000,
      alarm: { high: 4000, hihi: 4500 },
    });
    expect(get('SUSP_TASK_CNT').alarm).toMatchObject({ hihi: 1, hhsv: MAJOR_ALARM, hsv: NO_ALARM });
    expect(get('MEM_FREE')).toMatchObject({
      egu: 'byte',
      alarm: { low: 0, lolo: 0, lsv: MINOR_ALARM, llsv: MAJOR_ALARM },
    });
    expect(get('GTIM_TIME')).toMatchObject({ egu: 'sec', prec: 3 });
    expect(get('GTIM_ERR_CNT')).toMatchObject({
      recordType: 'longin',
      alarm: { hihi: 1, hhsv: MAJOR_ALARM },
    });
    expect(get('APP_DIR').waveform).toEqual({ ftvl: 'CHAR', nelm: 160 });
    expect(get('ST_SCRIPT').waveform).toEqual({ ftvl: 'CHAR', nelm: 120 });
    expect(
      ['CA_UPD_TIME', 'FD_UPD_TIME', 'LOAD_UPD_TIME', 'MEM_UPD_TIME'].map((s) => [
        get(s).recordType,
        get(s).egu,
        get(s).initial,
      ]),
    ).toEqual([
      ['ao', 'sec', 15],
      ['ao', 'sec', 20],
      ['ao', 'sec', 10],
      ['ao', 'sec', 10],
    ]);
    expect(get('ACCESS')).toMatchObject({
      recordType: 'mbbo',
      write: 'open',
      enums: { strings: ACCESS_STRINGS, severities: [NO_ALARM, MINOR_ALARM, MINOR_ALARM, MAJOR_ALARM] },
    });
    expect(ACCESS_STRINGS).toEqual(['Running', 'Maintenance', 'Test', 'OFFLINE']);
    expect(get('SYSRESET')).toMatchObject({ write: 'protected', aliases: ['SysReset'] });
  });

  it('only operator PVs are writable, and they are passive', () => {
    for (const d of HEALTH_PVS) {
      expect(d.write !== 'none', d.suffix).toBe(d.source === 'operator');
      if (d.source === 'operator') expect(d.group, d.suffix).toBe('passive');
    }
  });

  it('enum strings fit (at most 16 states of 25 characters) and have one severity each', () => {
    for (const d of HEALTH_PVS.filter((x) => x.enums)) {
      expect(d.enums!.strings.length, d.suffix).toBe(d.enums!.severities.length);
      expect(d.enums!.strings.length).toBeLessThanOrEqual(16);
      for (const s of d.enums!.strings) expect(s.length).toBeLessThanOrEqual(25);
    }
  });
});

describe('expandHealthPvs', () => {
  it('expands mounts and interfaces, always has CG_*, applies limit overrides', () => {
    const pvs = expandHealthPvs({
      mounts: [{ name: 'ROOT' }, { name: 'DATA' }],
      interfaces: ['eth0'],
      limits: {
        'DISK:<name>:USED_PCT': { high: 70 },
        'DISK:DATA:USED_PCT': { hihi: 99 },
        SYS_CPU_LOAD: { high: 60 },
      },
    });
    const names = pvs.map((p) => p.suffix);
    expect(names.filter((n) => n.startsWith('DISK:') || n.startsWith('IP:') || n.startsWith('CG_'))).toEqual([
      'DISK:ROOT:USED_PCT',
      'DISK:DATA:USED_PCT',
      'DISK:ROOT:FREE',
      'DISK:DATA:FREE',
      'IP:eth0',
      'CG_MEM_USED',
      'CG_MEM_MAX',
      'CG_MEM_USED_PCT',
      'CG_CPU_LOAD',
    ]);
    const disk = (n: string) => pvs.find((p) => p.suffix === n)!;
    expect(disk('DISK:ROOT:USED_PCT').alarm).toMatchObject({ high: 70, hihi: 90 });
    expect(disk('DISK:DATA:USED_PCT').alarm).toMatchObject({ high: 70, hihi: 99 });
    expect(disk('DISK:DATA:USED_PCT').desc).toBe('Disk used DATA');
    expect(disk('SYS_CPU_LOAD').alarm).toMatchObject({ high: 60, hihi: 80 });
    expect(get('SYS_CPU_LOAD').alarm.high).toBe(70); // the shared table is untouched
    expect(pvs.every((p) => !p.suffix.includes('<name>') && p.perItem === undefined)).toBe(true);
  });
});

describe('update periods', () => {
  it('default periods match the initial VAL of the *_UPD_TIME PVs', () => {
    for (const [group, pvName] of Object.entries(UPDATE_PERIOD_PVS)) {
      expect(get(pvName).initial, pvName).toBe(DEFAULT_PERIODS_S[group as keyof typeof UPDATE_PERIOD_PVS]);
    }
    expect(DEFAULT_PERIODS_S.second).toBe(1);
  });
});
