// Samples the real /proc of this machine many times with every child_process entry point trapped:
// the periodic path must never start a process (no systeminformation-style exec of cat/df/ip).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { HealthSampler } from '../../src/ioc/health/sampler.js';

const TRAPPED = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
type Trapped = (typeof TRAPPED)[number];

const calls: string[] = [];
const originals = new Map<Trapped, unknown>();
const cp = childProcess as unknown as Record<Trapped, unknown>;
// Every asynchronous entry point ends in ChildProcess.prototype.spawn (untyped: internal API).
const proto = childProcess.ChildProcess.prototype as unknown as { spawn: (...args: unknown[]) => unknown };
const protoSpawn = proto.spawn;

beforeAll(() => {
  for (const name of TRAPPED) {
    originals.set(name, cp[name]);
    cp[name] = () => {
      calls.push(name);
      throw new Error(`child_process.${name} called`);
    };
  }
  proto.spawn = function (): never {
    calls.push('ChildProcess.spawn');
    throw new Error('ChildProcess.prototype.spawn called');
  };
  // Named imports of node:child_process see the traps too.
  syncBuiltinESMExports();
});

afterAll(() => {
  for (const [name, fn] of originals) cp[name] = fn;
  proto.spawn = protoSpawn;
  syncBuiltinESMExports();
});

describe('HealthSampler on the real system', () => {
  it('starts no child process across 100 full samples', async () => {
    expect(() => childProcess.execSync('true')).toThrow('child_process.execSync called');
    calls.length = 0;
    const sampler = new HealthSampler();
    await sampler.init();
    for (let i = 0; i < 100; i++) await sampler.sampleAll();
    expect(calls).toEqual([]);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap')).toEqual([]);
  });

  it('returns plausible values for the iocStats core on Linux', async () => {
    const sampler = new HealthSampler();
    await sampler.init();
    await new Promise((r) => setTimeout(r, 50));
    const { values } = await sampler.sampleAll();
    const num = (k: string): number => {
      const r = values[k];
      if (!r?.ok || typeof r.value !== 'number') throw new Error(`${k}: ${JSON.stringify(r)}`);
      return r.value;
    };
    expect(num('CPU_CNT')).toBeGreaterThanOrEqual(1);
    expect(num('SYS_CPU_LOAD')).toBeGreaterThanOrEqual(0);
    expect(num('SYS_CPU_LOAD')).toBeLessThanOrEqual(100);
    expect(num('IOC_CPU_LOAD')).toBeLessThanOrEqual(100);
    const rss = process.memoryUsage().rss;
    expect(num('MEM_USED')).toBeGreaterThan(rss * 0.8);
    expect(num('MEM_USED')).toBeLessThan(rss * 1.2);
    expect(num('MEM_MAX')).toBeGreaterThan(num('MEM_FREE'));
    expect(num('FD_CNT')).toBeGreaterThanOrEqual(3);
    expect(num('FD_FREE')).toBe(num('FD_MAX') - num('FD_CNT'));
    expect(num('NPROCS')).toBeGreaterThanOrEqual(1);
    expect(num('DISK:ROOT:USED_PCT')).toBeLessThanOrEqual(100);
    expect(values.PROCESS_ID).toEqual({ ok: true, value: process.pid });
  });
});
