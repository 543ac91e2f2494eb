// Agent benchmarks (issue 7): the footprint of `gwagent run` with two gateways (the test stand-in) and
// health sampling at default periods (two GIN-to-GIN gateways: plain loopback has one usable address), the time from a gateway's death to its replacement, and the
// agent's CPU during a crash loop. Loopback only; prints a table and writes bench/out/agent.json.
// Run: npx tsx bench/agent-bench.ts [--footprint-s 300] [--crashloop-s 300] [--deaths 5]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaClient } from '../src/ca/client/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const STANDIN = join(ROOT, 'test/fixtures/gateway-standin/gateway');
const TICKS = 100;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function rssBytes(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
}

async function config(dir: string, extra: string): Promise<{ file: string; iocPort: number }> {
  const iocPort = await freePort();
  const [p1, p2] = [await freePort(), await freePort()];
  const file = join(dir, 'agent.ini');
  writeFileSync(
    file,
    `[agent]
name = BENCH
prefix = BENCH:
state_dir = ${dir}/state
log_dir = ${dir}/log
[ioc]
address = 127.0.0.1
port = ${iocPort}
beacon_addresses = 127.0.0.1
[control]
socket = ${dir}/control.sock
[network.gin]
interface = lo
address = 127.0.0.1/32
gin = yes
search = 127.0.0.4
[gateway.BENF]
direction = oneway
client = gin
server = gin
allow = BEN.*
server_port = ${p1}
binary = ${STANDIN}
home = ${dir}/home/BENF
start_secs = 2
${extra}
[gateway.BENR]
direction = oneway
client = gin
server = gin
allow = BEN.*
server_port = ${p2}
binary = ${STANDIN}
home = ${dir}/home/BENR
start_secs = 2
${extra}
`,
  );
  return { file, iocPort };
}

function startAgent(file: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin/gwagent.js'), 'run', '--config', file], {
    env: { ...process.env, GWAGENT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stopAgent(agent: ChildProcess): Promise<void> {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
}

async function footprint(seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'gwagent-bench-'));
  const { file } = await config(dir, '');
  const agent = startAgent(file);
  await sleep(10_000); // start-up, first samples, gateways running
  const pid = agent.pid!;
  const t0 = cpuTicks(pid);
  let maxRss = 0;
  const start = Date.now();
  while (Date.now() - start < seconds * 1000) {
    await sleep(5000);
    maxRss = Math.max(maxRss, rssBytes(pid));
  }
  const cpuS = (cpuTicks(pid) - t0) / TICKS;
  const rssEnd = rssBytes(pid);
  await stopAgent(agent);
  return { seconds, cpuPercent: (cpuS / seconds) * 100, maxRssMB: maxRss / 1e6, endRssMB: rssEnd / 1e6 };
}

/** Kills the gateway with SIGKILL `deaths` times and times death -> new PID on the PID PV. */
async function restartTimes(deaths: number) {
  const dir = mkdtempSync(join(tmpdir(), 'gwagent-bench-'));
  const { file, iocPort } = await config(dir, '');
  const agent = startAgent(file);
  const client = new CaClient({ autoAddrList: false, addrList: [], connTmoMs: 10_000 });
  const pidCh = client.channel('BENCH:BENF:PID', { server: `127.0.0.1:${iocPort}` });
  const stateCh = client.channel('BENCH:BENF:STATE', { server: `127.0.0.1:${iocPort}` });
  await sleep(8000);
  await pidCh.connected(10_000);
  await stateCh.connected(10_000);
  const spawnMs: number[] = [];
  const runningMs: number[] = [];
  for (let i = 0; i < deaths; i++) {
    // Wait for a stable run so each death starts from RUNNING with the backoff reset.
    for (let t = 0; t < 100; t++) {
      const st = await stateCh.get({ dbrType: 0 });
      if (st.value === 'RUNNING') break;
      await sleep(200);
    }
    const oldPid = Number((await pidCh.get()).value);
    const killedAt = performance.now();
    process.kill(oldPid, 'SIGKILL');
    let spawned = 0;
    for (;;) {
      const pid = Number((await pidCh.get()).value);
      if (!spawned && pid !== 0 && pid !== oldPid) spawned = performance.now();
      const st = await stateCh.get({ dbrType: 0 });
      if (spawned && st.value === 'RUNNING') break;
      await sleep(20);
    }
    spawnMs.push(spawned - killedAt);
    runningMs.push(performance.now() - killedAt);
    await sleep(2500);
  }
  await client.close();
  await stopAgent(agent);
  return { deaths, spawnMs, runningMs };
}

async function crashLoop(seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'gwagent-bench-'));
  const { file } = await config(dir, 'backoff_max_s = 10');
  const agent = startAgent(file, { GATEWAY_STANDIN_CRASH_AFTER_MS: '300' });
  await sleep(5000);
  const pid = agent.pid!;
  const t0 = cpuTicks(pid);
  await sleep(seconds * 1000);
  const cpuS = (cpuTicks(pid) - t0) / TICKS;
  await stopAgent(agent);
  return { seconds, cpuPercent: (cpuS / seconds) * 100 };
}

const fp = await footprint(arg('footprint-s', 300));
const rt = await restartTimes(arg('deaths', 5));
const cl = await crashLoop(arg('crashloop-s', 300));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
writeFileSync(join(ROOT, 'bench/out/agent.json'), JSON.stringify({ fp, rt, cl }, null, 2));
console.log('| measurement | result | target |');
console.log('|---|---|---|');
console.log(
  `| agent CPU, 2 gateways + health, ${fp.seconds} s | ${fp.cpuPercent.toFixed(3)} % of one core | < 0.5 % |`,
);
console.log(`| agent RSS (max / end) | ${fp.maxRssMB.toFixed(1)} / ${fp.endRssMB.toFixed(1)} MB | < 80 MB |`);
console.log(
  `| gateway death -> replacement spawned (each death) | ${rt.spawnMs.map((x) => x.toFixed(0)).join(', ')} ms | backoff 1 s, doubling until a 60 s stable run |`,
);
console.log(`| gateway death -> replacement RUNNING (start_secs 2) | ${med(rt.runningMs).toFixed(0)} ms | |`);
console.log(
  `| agent CPU during a ${cl.seconds} s crash loop | ${cl.cpuPercent.toFixed(3)} % of one core | flat |`,
);
