// The side-by-side CA server measurements: the same .db (100 ao + 10,000 ai records) served by the real
// softIoc (rsrv, from the EPICS peers) or by `gwagent ioc`, a fresh server process per measurement, and
// the same libca load client (bench/ca-load.c) against both. Each scenario returns plain numbers and the
// checks it made; rounds, medians and the report live in scripts/bench.mjs.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, nextResult, spawnLines } from './harness.mjs';

export const AO_COUNT = 100;
export const AI_COUNT = 10000;
const AO = 'BENCH:AO:';
const AI = 'BENCH:AI:';
/** The get round trips read this ao; its VAL in the .db. */
const GET_PV = `${AO}99`;
const GET_VALUE = 42.5;

export function peersDir() {
  return process.env.EPICS_PEERS ?? resolve(import.meta.dirname, '../../shared/peers/epics');
}

/** Writes the benchmark database (same file for both servers) and returns its path. */
export function writeDb(dir) {
  const lines = [];
  for (let i = 0; i < AO_COUNT; i++) {
    const val = `${AO}${i}` === GET_PV ? GET_VALUE : 0;
    lines.push(`record(ao, "${AO}${i}") { field(VAL, "${val}") }`);
  }
  for (let i = 0; i < AI_COUNT; i++) lines.push(`record(ai, "${AI}${i}") { field(VAL, "${i}") }`);
  const path = join(dir, 'bench.db');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function waitForTcp(port, ms) {
  const end = Date.now() + ms;
  return new Promise((ready, fail) => {
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        ready();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > end) fail(new Error(`no server on TCP ${port} after ${ms} ms`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/**
 * Resident set size of a process in bytes (VmRSS). softIoc -S ends its main thread (a zombie leader
 * without memory figures) while its other threads serve: then any live thread's status has the figure.
 */
export function rssBytes(pid) {
  const tasks = [String(pid), ...readdirSync(`/proc/${pid}/task`)];
  for (const t of tasks) {
    const file = t === String(pid) ? `/proc/${pid}/status` : `/proc/${pid}/task/${t}/status`;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
      if (m) return Number(m[1]) * 1024;
    } catch {
      // the thread ended meanwhile
    }
  }
  return NaN;
}

/**
 * Starts one server ('rsrv', 'gwagent' or 'node-floor', bench/node-floor.mjs) on ctx.port and waits until it
 * accepts TCP. None gets real-time priority: all run as ordinary processes (softIoc without privileges falls
 * back to SCHED_OTHER).
 */
export async function startServer(kind, ctx) {
  let proc;
  if (kind === 'node-floor') {
    proc = spawnLines(process.execPath, ['bench/node-floor.mjs'], { env: ctx.env });
  } else if (kind === 'rsrv') {
    const peers = peersDir();
    const softIoc = join(peers, 'bin/linux-x86_64/softIoc');
    if (!existsSync(softIoc)) throw new Error(`softIoc not found at ${softIoc} (set EPICS_PEERS)`);
    proc = spawnLines(softIoc, ['-D', join(peers, 'dbd/softIoc.dbd'), '-S', '-d', ctx.dbPath], {
      env: ctx.env,
    });
  } else {
    proc = spawnLines(
      process.execPath,
      [...(ctx.nodeArgs ?? []), 'bin/gwagent.js', 'ioc', '--db', ctx.dbPath],
      {
        env: { ...ctx.env, GWAGENT_LOG_LEVEL: 'warn' },
      },
    );
  }
  const exited = proc.exit.then(({ code, signal }) => {
    throw new Error(`${kind} exited (${code ?? signal}) at start: ${proc.stderr}`);
  });
  try {
    await Promise.race([exited, waitForTcp(ctx.port, 60000)]);
  } catch (err) {
    proc.child.kill('SIGKILL');
    // softIoc does not exit when its port is taken: it serves on another one.
    throw new Error(`${kind}: ${err.message}; its stderr: ${proc.stderr.slice(-600) || '(empty)'}`, {
      cause: err,
    });
  } finally {
    exited.catch(() => undefined);
  }
  return {
    kind,
    pid: proc.child.pid,
    async stop() {
      proc.child.kill('SIGTERM');
      const gone = await Promise.race([proc.exit.then(() => true), sleep(5000).then(() => false)]);
      if (!gone) {
        proc.child.kill('SIGKILL');
        await proc.exit;
      }
    },
  };
}

/** Every client prints READY once it is set up; resolves when all have. */
function allReady(procs, ms) {
  return Promise.all(procs.map((p) => p.next((l) => l === 'READY', ms)));
}

/**
 * Monitor fan-out: `clients` libca processes each monitor ao 0..pvs-1 (DBR_TIME_DOUBLE, DBE_VALUE|ALARM);
 * one libca writer puts 1, 2, 3... round-robin for `seconds` (`rate` puts/s, 0 = as fast as it can), then
 * 1e9 to every PV. Events/s: updates received by all subscribers (initial ones excluded) from the
 * writer's first put to the last subscriber's final value. Every subscriber must see every final value.
 */
export async function fanout(server, ctx, { clients, pvs, seconds, rate }) {
  const subs = [];
  for (let i = 0; i < clients; i++) {
    subs.push(spawnLines(ctx.loadBin, ['fanout', AO, String(pvs), '90'], { env: ctx.env }));
  }
  const writer = spawnLines(ctx.loadBin, ['put', AO, String(pvs), String(seconds), String(rate)], {
    env: ctx.env,
  });
  try {
    await allReady([...subs, writer], 60000);
    const cpu0 = cpuSeconds(server.pid);
    writer.send('go');
    const w = await nextResult(writer, (seconds + 90) * 1000);
    const results = await Promise.all(subs.map((p) => nextResult(p, 90000)));
    const cpu1 = cpuSeconds(server.pid);
    const updates = results.reduce((n, r) => n + r.updates, 0);
    const lastNs = results.reduce((m, r) => (BigInt(r.lastNs) > m ? BigInt(r.lastNs) : m), 0n);
    const elapsed = Number(lastNs - BigInt(w.startNs)) / 1e9;
    // How long after the writer's last put the last subscriber saw its final value (backlog in the
    // server plus in the kernel's socket buffers plus the clients' own lag).
    const finalLagMs = (elapsed - w.seconds) * 1000;
    const finals = results.reduce((n, r) => n + r.finalsReceived, 0);
    const cpu = cpu1 - cpu0;
    return {
      ok: w.ok && results.every((r) => r.ok) && finals === clients * pvs,
      writer: { ok: w.ok, finals: w.finals, status: w.status, error: w.error },
      subscribersOk: results.filter((r) => r.ok).length,
      value: updates / elapsed,
      puts: w.puts,
      putsPerSecond: w.perSecond,
      updates,
      deliveredFraction: updates / (w.puts * clients),
      finals,
      subscriptions: clients * pvs,
      orderErrors: results.reduce((n, r) => n + r.orderErrors, 0),
      seconds: elapsed,
      writerSeconds: w.seconds,
      finalLagMs,
      serverCpuSeconds: cpu,
      cpuUsPerEvent: (cpu / updates) * 1e6,
    };
  } finally {
    for (const p of [...subs, writer]) p.child.kill('SIGTERM');
    await Promise.all([...subs, writer].map((p) => p.exit));
  }
}

/** Sequential get round trips, 1 client x 1 PV (DBR_DOUBLE of the ao holding GET_VALUE). */
export async function getRoundTrips(server, ctx, { seconds }) {
  const client = spawnLines(ctx.loadBin, ['get', GET_PV, String(seconds)], { env: ctx.env });
  const cpu0 = cpuSeconds(server.pid);
  const r = await nextResult(client, (seconds + 30) * 1000);
  const cpu = cpuSeconds(server.pid) - cpu0;
  await client.exit;
  return {
    ok: r.ok && r.value === GET_VALUE,
    value: r.perSecond,
    gets: r.gets,
    serverCpuSeconds: cpu,
    cpuUsPerGet: (cpu / r.gets) * 1e6,
  };
}

/** 10,000 ai channels from one libca client: connect time, and the server's RSS growth with them open. */
export async function connectChannels(server, ctx, { channels = AI_COUNT } = {}) {
  await sleep(300); // let the fresh server settle before its baseline RSS
  const rss0 = rssBytes(server.pid);
  const client = spawnLines(ctx.loadBin, ['connect', AI, String(channels), '30'], { env: ctx.env });
  const r = await nextResult(client, 60000);
  await sleep(300);
  const rss1 = rssBytes(server.pid);
  client.send('release');
  await client.exit;
  return {
    ok: r.ok && r.connected === channels,
    value: r.seconds,
    connected: r.connected,
    rssDeltaBytes: rss1 - rss0,
    bytesPerChannel: (rss1 - rss0) / channels,
  };
}
