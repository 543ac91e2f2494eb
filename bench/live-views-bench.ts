// Live views benchmark (issue 15): what the agent's HTTP side costs. Prints numbers; asserts nothing.
//  1. Idle: two processes side by side for --idle-s seconds (bench/live-views-idle-child.mjs, compiled
//     code), both holding the PVs of 2 gateways, one also serving them over HTTP with no page open: the
//     difference of their CPU (utime+stime) and RSS is what the web server costs. Side by side, both see
//     the same load of the shared machine. Then, in process, one page open while the 2 gateways' PVs
//     change every 2 s as the agent's refresh changes them.
//  2. Scrapes of a real `gwagent run` with 2 stand-in gateways: /metrics round trips over loopback
//     (keep-alive, sequential), and the time prom-client spends producing the text in process.
// Run (after npm run build): node --expose-gc --import tsx bench/live-views-bench.ts [--idle-s 60] [--scrapes 500]
import { spawn, type ChildProcess } from 'node:child_process';
import { request, Agent as HttpAgent } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayPvs } from '../src/agent/gateway-records.js';
import { ProcUsage } from '../src/agent/proc-usage.js';
import { RecordDatabase } from '../src/ioc/db/record-database.js';
import { memoryLogger } from '../src/log.js';
import { AgentFixture, cpuTicks, freePort } from '../test/agent/harness.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const IDLE_S = arg('idle-s', 60);
const SCRAPES = arg('scrapes', 500);
const gc = (globalThis as { gc?: () => void }).gc;

function memory(): { rss: number; heap: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
}

/** Process CPU (user + system) over `seconds`, in percent of one core. */
async function cpuPercent(seconds: number): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

function get(agent: HttpAgent, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

function child(withWeb: boolean): Promise<ChildProcess & { port: number }> {
  const p = spawn(
    process.execPath,
    [join(import.meta.dirname, 'live-views-idle-child.mjs'), withWeb ? 'web' : ''],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve) =>
    p.stdout.once('data', (d: Buffer) =>
      resolve(Object.assign(p, { port: Number(/ready (\d+)/.exec(String(d))?.[1]) })),
    ),
  );
}

async function idleSideBySide(): Promise<Record<string, string>> {
  const [plain, web] = [await child(false), await child(true)];
  // one scrape and one page load from here, so every lazily built piece is in the server's memory
  const once = new HttpAgent({ keepAlive: false });
  await get(once, web.port, '/metrics');
  await get(once, web.port, '/');
  await sleep(2000);
  // the agent's own sampler (what its gateways' CPU and MEM PVs show): CPU % between two reads, RSS
  const usage = new ProcUsage();
  const sampleBoth = () => Promise.all([plain, web].map((p) => usage.sample(String(p.pid), p.pid!)));
  await sampleBoth();
  await sleep(IDLE_S * 1000);
  const [a, b] = await sampleBoth();
  plain.kill();
  web.kill();
  if (!a || !b) throw new Error('an idle child ended early');
  return {
    [`idle ${IDLE_S} s side by side: CPU without / with the web server`]: `${a.cpuPercent.toFixed(3)} / ${b.cpuPercent.toFixed(3)} % of a core`,
    'idle: CPU the web server adds': `${(b.cpuPercent - a.cpuPercent).toFixed(3)} % of a core`,
    'idle: RSS without / with the web server': `${(a.rssBytes / 1e6).toFixed(1)} / ${(b.rssBytes / 1e6).toFixed(1)} MB (+${((b.rssBytes - a.rssBytes) / 1e6).toFixed(1)} MB)`,
  };
}

/** A record database with the PVs of two gateways under B:, as the agent publishes them. */
function twoGateways(): { db: RecordDatabase; gateways: GatewayPvs[] } {
  const db = new RecordDatabase();
  const noop = (): void => undefined;
  const gateways = ['GWF01', 'GWR01'].map(
    (name) =>
      new GatewayPvs({
        db,
        prefix: 'B:',
        name,
        label: name,
        controlAsg: 'GWCONTROL',
        alarms: {},
        autorestart: true,
        controls: { start: noop, stop: noop, restart: noop, reload: noop, setAutorestart: noop },
      }),
  );
  return { db, gateways };
}

async function idle(): Promise<Record<string, string>> {
  const { db, gateways } = twoGateways();
  db.createRecord('mbbi', 'B:STATUS', { ZRST: 'Ok', ONST: 'Degraded', TWST: 'Fault', VAL: 0 });
  const before = memory();
  const { WebServer } = await import('../src/agent/http/web-server.js');
  const web = await WebServer.start({
    settings: { enabled: true, address: '127.0.0.1', port: 0, maxConnections: 64, maxEventClients: 16 },
    provider: db,
    prefix: 'B:',
    container: 'B',
    gateways: () => ['GWF01', 'GWR01'],
    disks: () => [],
    log: memoryLogger(),
  });
  // one scrape and one page load, so every lazily built piece is in memory
  const agent = new HttpAgent({ keepAlive: false });
  await get(agent, web.port, '/metrics');
  await get(agent, web.port, '/');
  await sleep(500);
  const after = memory();

  // one page open; every 2 s the gateways' uptime, CPU and memory change (the agent's refresh)
  const events = request({ host: '127.0.0.1', port: web.port, path: '/events' });
  let received = 0;
  events.on('response', (res) => res.on('data', (d: Buffer) => (received += d.length)));
  events.end();
  let n = 0;
  const refresh = setInterval(() => {
    n++;
    for (const g of gateways) {
      g.get('UPTIME').set(`00:00:${String(n % 60).padStart(2, '0')}`);
      g.get('CPU').set(n % 7);
      g.get('MEM').set(80e6 + n);
    }
  }, 2000);
  await sleep(1000);
  const pageCpu = await cpuPercent(IDLE_S);
  clearInterval(refresh);
  events.destroy();
  await web.close();
  return {
    'in process: JS heap + external the web server adds (after GC)': `${((after.heap - before.heap) / 1e6).toFixed(1)} MB`,
    [`one page open, 2 gateways refreshed every 2 s (${IDLE_S} s)`]: `${pageCpu.toFixed(3)} % of a core, ${(received / IDLE_S).toFixed(0)} B/s pushed`,
  };
}

async function scrapes(): Promise<Record<string, string>> {
  const fixture = new AgentFixture('BENCH');
  const httpPort = await freePort();
  try {
    await fixture.configure(
      [{ name: 'GWF01' }, { name: 'GWR01' }],
      (ini) => `${ini}\n[http]\nport = ${httpPort}\n`,
    );
    await fixture.start();
    for (const g of ['GWF01', 'GWR01']) await fixture.waitStr(`${g}:ALIVE`, (s) => s === 'Yes');
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const body = await get(agent, httpPort, '/metrics');
    const series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    for (let i = 0; i < 50; i++) await get(agent, httpPort, '/metrics');
    const times: number[] = [];
    const ticks0 = cpuTicks(fixture.pid);
    const wall0 = performance.now();
    for (let i = 0; i < SCRAPES; i++) {
      const t0 = performance.now();
      await get(agent, httpPort, '/metrics');
      times.push(performance.now() - t0);
    }
    const wallS = (performance.now() - wall0) / 1000;
    // the agent's own CPU per scrape, net of its idle CPU over the same time (health sampling, refresh)
    const idleTicks0 = cpuTicks(fixture.pid);
    await sleep(wallS * 1000);
    const idleTicks = cpuTicks(fixture.pid) - idleTicks0;
    const scrapeCpuMs = ((idleTicks0 - ticks0 - idleTicks) * 10) / SCRAPES;
    agent.destroy();
    times.sort((a, b) => a - b);
    return {
      'scrape of a 2-gateway agent: series': String(series),
      'scrape of a 2-gateway agent: bytes': String(Buffer.byteLength(body)),
      [`scrape round trip (${SCRAPES}, loopback, keep-alive): median`]: `${percentile(times, 50).toFixed(2)} ms`,
      'scrape round trip: p99': `${percentile(times, 99).toFixed(2)} ms`,
      'scrape round trip: max': `${times[times.length - 1]!.toFixed(2)} ms`,
      'agent CPU per scrape (net of its idle CPU)': `${scrapeCpuMs.toFixed(2)} ms`,
    };
  } finally {
    await fixture.dispose();
  }
}

async function collectTime(): Promise<Record<string, string>> {
  // prom-client's own time to produce the text, in process, on the same 2-gateway set of PVs
  const { db } = twoGateways();
  const { createMetricsRegistry } = await import('../src/agent/http/metrics.js');
  const { PvReader } = await import('../src/agent/http/pv-view.js');
  const registry = createMetricsRegistry({
    reader: new PvReader(db, 'B:'),
    container: 'B',
    gateways: () => ['GWF01', 'GWR01'],
    disks: () => [],
  });
  for (let i = 0; i < 200; i++) await registry.metrics();
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await registry.metrics();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    'registry.metrics() in process: median': `${(percentile(times, 50) * 1000).toFixed(0)} µs`,
    'registry.metrics() in process: p99': `${(percentile(times, 99) * 1000).toFixed(0)} µs`,
  };
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `live views benchmark: node ${process.version}, load average ${load()}${gc ? '' : ' (run with --expose-gc for memory after GC)'}`,
);
const results = {
  ...(await idleSideBySide()),
  ...(await idle()),
  ...(await collectTime()),
  ...(await scrapes()),
};
const width = Math.max(...Object.keys(results).map((k) => k.length));
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(width)}  ${v}`);
console.log(`load average at end ${load()}`);
