// The cgroup figures of this very process, on whatever hierarchy the machine has (the development
// machines are cgroup v1 hybrid, CI may be v2): every CG_* value is read, and each equals what the
// kernel's files say at the place the sampler found, read again here independently.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HealthSampler } from '../../src/ioc/health/sampler.js';

function num(path: string): number {
  return Number(readFileSync(path, 'latin1').trim().split(/\s+/)[0]);
}

function keyed(path: string, key: string): number {
  const line = readFileSync(path, 'latin1')
    .split('\n')
    .find((l) => l.startsWith(`${key} `));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}

describe('cgroup figures of this process (live)', () => {
  it('CG_MEM_USED, CG_MEM_MAX, CG_MEM_USED_PCT and CG_CPU_LOAD are values that match the files', async () => {
    const sampler = new HealthSampler();
    await sampler.init();
    const places = sampler.cgroupPlaces;
    expect([places.memory.ok, places.cpuUsage.ok, places.cpuQuota.ok]).toEqual([true, true, true]);
    if (!places.memory.ok) return;
    const { version, dir } = places.memory.value;
    const mem = await sampler.sampleMem();
    const memTotal = keyed('/proc/meminfo', 'MemTotal:') * 1024;
    let limit: number;
    if (version === 1) {
      const raw = readFileSync(join(dir, 'memory.limit_in_bytes'), 'latin1').trim();
      const hier = keyed(join(dir, 'memory.stat'), 'hierarchical_memory_limit');
      const own = Number(raw) >= 2 ** 62 ? Infinity : Number(raw);
      const parent = hier > 0 && hier < 2 ** 62 ? hier : Infinity;
      limit = Math.min(own, parent);
    } else {
      const raw = readFileSync(join(dir, 'memory.max'), 'latin1').trim();
      limit = raw === 'max' ? Infinity : Number(raw);
    }
    expect(mem.CG_MEM_MAX).toEqual({ ok: true, value: Number.isFinite(limit) ? limit : memTotal });
    // usage moves between two reads: the used figure lies within what the files said around it
    expect(mem.CG_MEM_USED?.ok).toBe(true);
    const used = Number(mem.CG_MEM_USED?.ok && mem.CG_MEM_USED.value);
    const usageFile = join(dir, version === 1 ? 'memory.usage_in_bytes' : 'memory.current');
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(num(usageFile) * 2);
    expect(mem.CG_MEM_USED_PCT?.ok).toBe(true);

    await new Promise((r) => setTimeout(r, 200));
    const load = (await sampler.sampleLoad()).CG_CPU_LOAD;
    expect(load?.ok).toBe(true);
    expect(Number(load?.ok && load.value)).toBeGreaterThanOrEqual(0);
  });
});
