// Measures what the health sampler costs at devIocStats' default periods (second group 1 s, CA 15 s,
// FD 20 s, LOAD 10 s, MEM 10 s): CPU seconds (process.cpuUsage) and RSS growth over a run (default
// 60 s), then the cost of one call per group. Usage: npx tsx bench/health-cost.ts [seconds]
import { HealthSampler } from '../src/ioc/health/sampler.js';
import { DEFAULT_PERIODS_S, type UpdateGroup } from '../src/ioc/health/pv-table.js';

async function main(): Promise<void> {
  const durationS = Number(process.argv[2] ?? 60);
  const sampler = new HealthSampler();
  await sampler.init();
  let errors = 0;
  let samples = 0;
  const run = async (g: UpdateGroup): Promise<void> => {
    const values = await sampler.sampleGroup(g);
    samples++;
    errors += Object.values(values).filter((r) => !r.ok).length;
  };

  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const timers = Object.entries(DEFAULT_PERIODS_S).map(([g, s]) =>
    setInterval(() => void run(g as UpdateGroup), s * 1000),
  );
  await new Promise((r) => setTimeout(r, durationS * 1000));
  for (const t of timers) clearInterval(t);
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - t0) / 1000;
  const rss1 = process.memoryUsage().rss;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    `periodic run: ${wallS.toFixed(1)} s wall, ${samples} group samples, ${errors} unreadable values`,
  );
  console.log(
    `  CPU ${cpuS.toFixed(4)} s (user ${(cpu.user / 1e6).toFixed(4)}, system ${(cpu.system / 1e6).toFixed(4)})` +
      ` = ${((100 * cpuS) / wallS).toFixed(3)} % of one core`,
  );
  console.log(
    `  RSS ${(rss0 / 1048576).toFixed(1)} MB -> ${(rss1 / 1048576).toFixed(1)} MB (delta ${((rss1 - rss0) / 1048576).toFixed(2)} MB)`,
  );

  // Per-call cost, for sizing other periods: 200 calls per group, back to back.
  for (const g of ['second', 'CA', 'FD', 'LOAD', 'MEM'] as const) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < 200; i++) await sampler.sampleGroup(g);
    const c = process.cpuUsage(c0);
    console.log(
      `  ${g.padEnd(6)} ${((performance.now() - w0) / 200).toFixed(3)} ms wall, ${((c.user + c.system) / 200 / 1000).toFixed(3)} ms CPU per call`,
    );
  }
}

await main();
