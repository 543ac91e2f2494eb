// The four CA server measurements, each driving the bench server (ca-bench-server.ts, over its stdin)
// and ca-load clients (real libca). Each returns plain numbers plus the correctness checks it made;
// printing and the reference comparison live in scripts/bench.mjs.
import process from 'node:process';
import { cpuSeconds, median, nextEvent, nextResult, spawnLines } from './harness.mjs';

const CONNECT_PREFIX = 'BENCH:CH:';
const FANOUT_PREFIX = 'BENCH:FAN:';

/** 10,000 channels from one libca client: connect time, and the server's RSS with them open. */
export async function connectSuite(ctx, { channels = 10000, runs = 3 } = {}) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    ctx.server.send('rss');
    const before = await nextEvent(ctx.server, 'rss', 10000);
    const cpu0 = cpuSeconds(ctx.server.child.pid);
    const client = spawnLines(ctx.loadBin, ['connect', CONNECT_PREFIX, String(channels), '30'], {
      env: ctx.env,
    });
    const res = await nextResult(client, 60000);
    const cpu1 = cpuSeconds(ctx.server.child.pid);
    ctx.server.send('stats');
    const stats = await nextEvent(ctx.server, 'stats', 10000);
    ctx.server.send('rss');
    const after = await nextEvent(ctx.server, 'rss', 10000);
    client.send('release');
    await client.exit;
    results.push({
      ...res,
      serverChannels: stats.channels,
      serverCpuSeconds: cpu1 - cpu0,
      rssDeltaBytes: after.rss - before.rss,
      heapDeltaBytes: after.heapUsed - before.heapUsed,
    });
  }
  return {
    channels,
    ok: results.every((x) => x.ok && x.connected === channels && x.serverChannels >= channels),
    firstSeconds: results[0].seconds,
    medianSeconds: median(results.map((x) => x.seconds)),
    // The first run is the one that grows the process; later runs reuse memory freed by the previous.
    rssDeltaBytes: results[0].rssDeltaBytes,
    heapDeltaBytes: median(results.map((x) => x.heapDeltaBytes)),
    runs: results,
  };
}

/** Raw UDP search flood: `names` names, `perDatagram` names per datagram, at most `window` unanswered. */
export async function searchSuite(ctx, { names = 10000, perDatagram = 30, window = 1000, runs = 5 } = {}) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const client = spawnLines(
      ctx.loadBin,
      [
        'search',
        '127.0.0.1',
        String(ctx.port),
        CONNECT_PREFIX,
        String(names),
        String(perDatagram),
        String(window),
      ],
      { env: ctx.env },
    );
    results.push(await nextResult(client, 30000));
    await client.exit;
  }
  return {
    names,
    perDatagram,
    ok: results.every((x) => x.ok && x.duplicates === 0),
    perSecond: median(results.map((x) => x.perSecond)),
    runs: results,
  };
}

/** Sequential get round trips, 1 client x 1 PV. */
export async function getSuite(ctx, { seconds = 3 } = {}) {
  const client = spawnLines(ctx.loadBin, ['get', 'BENCH:GET', String(seconds)], { env: ctx.env });
  const res = await nextResult(client, (seconds + 20) * 1000);
  await client.exit;
  return { ...res, ok: res.ok && res.value === 42.5 };
}

/**
 * Monitor fan-out: `clients` libca processes each monitoring `pvs` PVs (DBR_TIME_DOUBLE); the server's
 * writer posts increasing values for `durationMs`, then the final value. Events/s counts the updates
 * the clients received, from the writer's start to the last client's final value.
 */
export async function fanoutSuite(ctx, { clients, pvs, durationMs = 3000, burst = 1, delayUs = 0 }) {
  const procs = [];
  for (let i = 0; i < clients; i++) {
    const args = ['fanout', FANOUT_PREFIX, String(pvs), '60', String(delayUs)];
    procs.push(spawnLines(ctx.loadBin, args, { env: ctx.env }));
  }
  try {
    await Promise.all(procs.map((p) => p.next((l) => l === 'READY', 60000)));
    const cpu0 = cpuSeconds(ctx.server.child.pid);
    ctx.server.send(`go ${durationMs} ${burst} ${pvs}`);
    const writer = await nextEvent(ctx.server, 'writer', durationMs + 30000);
    const results = await Promise.all(procs.map((p) => nextResult(p, 90000)));
    const cpu1 = cpuSeconds(ctx.server.child.pid);
    await Promise.all(procs.map((p) => p.exit));
    const updates = results.reduce((n, r) => n + r.updates, 0);
    const lastNs = results.reduce((m, r) => (BigInt(r.lastNs) > m ? BigInt(r.lastNs) : m), 0n);
    const seconds = Number(lastNs - BigInt(writer.startNs)) / 1e9;
    const offered = writer.postsPerPv * pvs * clients; // updates to deliver if none were coalesced
    return {
      clients,
      pvs,
      burst,
      delayUs,
      ok: results.every((r) => r.ok),
      finalsReceived: results.reduce((n, r) => n + r.finalsReceived, 0),
      subscriptions: clients * pvs,
      finalValue: writer.finalValue,
      orderErrors: results.reduce((n, r) => n + r.orderErrors, 0),
      badStatus: results.reduce((n, r) => n + r.badStatus, 0),
      updates,
      offered,
      deliveredFraction: updates / offered,
      seconds,
      eventsPerSecond: updates / seconds,
      serverCpuSeconds: cpu1 - cpu0,
    };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    ctx.server.send('reset');
    await nextEvent(ctx.server, 'reset', 10000);
  }
}

/** JavaScript cost per monitor event on sans-I/O circuits (no sockets): bench/circuit-micro.ts. */
export async function microSuite({ configs = ['1x10', '10x10', '50x10'], ms = 1500 } = {}) {
  const results = [];
  for (const config of configs) {
    const [circuits, pvs] = config.split('x');
    const proc = spawnLines(
      process.execPath,
      ['--import', 'tsx', 'bench/circuit-micro.ts', circuits, pvs, String(ms)],
      {},
    );
    const line = await proc.next((l) => l.startsWith('{'), ms + 30000);
    await proc.exit;
    results.push(JSON.parse(line));
  }
  return results;
}
