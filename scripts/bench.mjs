// `npm run bench`: compiles the libca load client (bench/ca-load.c), starts gwagent's CA server
// (bench/ca-bench-server.ts) on a loopback port of its own, runs the four measurements of
// bench/suites.mjs and prints them beside the rsrv reference. Raw numbers go to bench/out/results.json.
// Options: --only connect,search,get,fanout,micro   --duration-ms N (fan-out writer time per run, default 3000)
//   --fanout 1x1,10x10 (CLIENTSxPVS configurations)   --bursts 1,4,16 (values posted per PV per event-loop turn; 16 > the quota of 4 forces coalescing)   --profile (server --cpu-prof into bench/out/prof)
import { execFileSync } from 'node:child_process';
import console from 'node:console';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { caEnv, freePort, nextEvent, spawnLines } from '../bench/harness.mjs';
import { connectSuite, fanoutSuite, getSuite, microSuite, searchSuite } from '../bench/suites.mjs';

/** rsrv softIoc with a libca load client on this kind of machine (from the brief). */
const RSRV = {
  'fanout 10x10': 310000,
  'fanout 50x10': 240000,
  get: 15000,
  connect: 0.07,
  rssPer10k: 2.8e6,
};

function parseArgs(argv) {
  const opts = {
    only: ['connect', 'search', 'get', 'fanout', 'micro'],
    durationMs: 3000,
    bursts: [1, 4, 16],
    fanout: ['1x1', '10x1', '50x1', '1x10', '10x10', '50x10'],
    profile: false,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') opts.only = (argv[++i] ?? '').split(',');
    else if (argv[i] === '--duration-ms') opts.durationMs = Number(argv[++i]);
    else if (argv[i] === '--bursts') opts.bursts = (argv[++i] ?? '').split(',').map(Number);
    else if (argv[i] === '--fanout') opts.fanout = (argv[++i] ?? '').split(',');
    else if (argv[i] === '--profile') opts.profile = true;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return opts;
}

const fmt = (n, digits = 0) =>
  n === undefined
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  mkdirSync('bench/out', { recursive: true });
  const loadBin = 'bench/out/ca-load';
  execFileSync('gcc', ['-O2', '-o', loadBin, 'bench/ca-load.c', '-lca', '-lpthread'], { stdio: 'inherit' });

  const port = await freePort();
  const env = caEnv(port);
  const nodeArgs = ['--expose-gc', '--import', 'tsx'];
  if (opts.profile) nodeArgs.push('--cpu-prof', '--cpu-prof-dir=bench/out/prof');
  const server = spawnLines(process.execPath, [...nodeArgs, 'bench/ca-bench-server.ts'], {
    env: { ...env, GWAGENT_LOG_LEVEL: 'warn' },
  });
  const listening = await nextEvent(server, 'listening', 60000);
  const ctx = { server, port, env, loadBin };
  console.log(`CA server on 127.0.0.1:${listening.tcpPort} (pid ${server.child.pid})`);

  const out = { machine: machine(), date: new Date().toISOString(), port, results: {} };
  const rows = [];
  try {
    if (opts.only.includes('connect')) {
      const r = await connectSuite(ctx);
      out.results.connect = r;
      rows.push([
        '10,000 channels connect (first / median of 3)',
        `${fmt(r.firstSeconds, 3)} s / ${fmt(r.medianSeconds, 3)} s`,
        `${RSRV.connect} s`,
        r.ok ? 'all connected' : 'FAILED',
      ]);
      rows.push([
        'server RSS per 10,000 channels',
        `${fmt(r.rssDeltaBytes / 1e6, 1)} MB (heap ${fmt(r.heapDeltaBytes / 1e6, 1)} MB)`,
        `${RSRV.rssPer10k / 1e6} MB`,
        '',
      ]);
      console.log('connect', JSON.stringify({ ...r, runs: undefined }));
    }
    if (opts.only.includes('search')) {
      const r = await searchSuite(ctx);
      out.results.search = r;
      rows.push([
        `UDP search answers/s (10,000 names, ${r.perDatagram}/datagram)`,
        fmt(r.perSecond),
        'n/a',
        r.ok ? 'all answered' : 'FAILED',
      ]);
      console.log('search', JSON.stringify({ ...r, runs: undefined }));
    }
    if (opts.only.includes('get')) {
      const r = await getSuite(ctx);
      out.results.get = r;
      rows.push([
        'get round trips/s (1 client x 1 PV)',
        fmt(r.perSecond),
        fmt(RSRV.get),
        r.ok ? 'values ok' : 'FAILED',
      ]);
      console.log('get', JSON.stringify(r));
    }
    if (opts.only.includes('fanout')) {
      out.results.fanout = [];
      for (const burst of opts.bursts) {
        for (const config of opts.fanout) {
          const [clients, pvs] = config.split('x').map(Number);
          const r = await fanoutSuite(ctx, { clients, pvs, durationMs: opts.durationMs, burst });
          out.results.fanout.push(r);
          const ref = RSRV[`fanout ${clients}x${pvs}`];
          rows.push([
            `fan-out ${clients} clients x ${pvs} PVs, burst ${burst}, events/s`,
            fmt(r.eventsPerSecond),
            ref ? fmt(ref) : 'n/a',
            `final ${r.finalsReceived}/${r.subscriptions}, out-of-order ${r.orderErrors}, ` +
              `delivered ${fmt(r.deliveredFraction * 100)}% of posts, server CPU ${fmt(r.serverCpuSeconds / r.seconds, 2)}`,
          ]);
          console.log('fanout', JSON.stringify(r));
        }
      }
      // A client slower than the writer: its socket fills, the server coalesces (newest value kept).
      const slow = await fanoutSuite(ctx, {
        clients: 1,
        pvs: 10,
        durationMs: opts.durationMs,
        burst: 4,
        delayUs: 20,
      });
      out.results.fanout.push(slow);
      rows.push([
        'slow client (sleeps 20 us per update) x 10 PVs, burst 4, events/s',
        fmt(slow.eventsPerSecond),
        'n/a',
        `final ${slow.finalsReceived}/${slow.subscriptions}, out-of-order ${slow.orderErrors}, ` +
          `delivered ${fmt(slow.deliveredFraction * 100)}% of posts, server CPU ${fmt(slow.serverCpuSeconds / slow.seconds, 2)}`,
      ]);
      console.log('fanout', JSON.stringify(slow));
    }
    if (opts.only.includes('micro')) {
      out.results.micro = await microSuite();
      for (const r of out.results.micro) {
        rows.push([
          `JS CPU per event, sans-I/O circuit, ${r.circuits} circuits x ${r.pvs} PVs`,
          `${fmt(r.cpuNsPerEvent)} ns`,
          'n/a',
          '',
        ]);
      }
    }
  } finally {
    server.send('quit');
    await Promise.race([server.exit, new Promise((r) => setTimeout(r, 5000).unref())]);
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
  }

  out.elapsedSeconds = (Date.now() - started) / 1000;
  out.loadAtEnd = loadavg().map((x) => x.toFixed(2));
  writeFileSync('bench/out/results.json', JSON.stringify(out, null, 2) + '\n');
  console.log(
    `\n${out.machine.cpu} x${out.machine.nproc}, node ${out.machine.node}, ${out.date}, ` +
      `load average ${out.machine.loadAtStart.join(' ')} at start, ${out.loadAtEnd.join(' ')} at end\n`,
  );
  console.log('| measurement | gwagent | rsrv reference | checks |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\ntotal ${fmt(out.elapsedSeconds, 1)} s; raw numbers in bench/out/results.json`);
  const failed = Object.entries(out.results)
    .filter(([name]) => name !== 'micro')
    .flatMap(([, r]) => r)
    .some((r) => !r.ok);
  process.exitCode = failed ? 1 : 0;
}

function machine() {
  const load = loadavg().map((x) => x.toFixed(2));
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAtStart: load,
  };
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
