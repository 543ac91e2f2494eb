// Benchmark target: gwagent's CA server (startCaServer) serving in-memory DOUBLE PVs, with an internal
// writer, driven over stdin by scripts/bench.mjs. Prints one JSON object per line on stdout; logs go
// to stderr. Not part of the agent: bench-only, reads EPICS_CAS_* from the environment it is given.
//   env BENCH_FANOUT_PVS (default 10): BENCH:FAN:0..n-1    env BENCH_CONNECT_PVS (default 10000): BENCH:CH:0..n-1
//   stdin: "go <durationMs> <burst> <npv>" | "reset" (fan-out PVs back to 0, between runs) | "rss" | "stats" | "quit"
import { createInterface } from 'node:readline';
import * as C from '../src/ca/constants.js';
import { startCaServer } from '../src/ioc/server/ca-server.js';
import { createLogger } from '../src/log.js';
import { SimplePv, SimpleProvider } from '../test/support/simple-pvs.js';

/** The writer's last value, larger than any counter value before it (ca-load.c checks for it). */
const FINAL_VALUE = 1e9;

function emit(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function nowNs(): string {
  // process.hrtime is CLOCK_MONOTONIC on Linux, the clock ca-load.c stamps its events with.
  return process.hrtime.bigint().toString();
}

function memory(): Record<string, number> {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

async function main(): Promise<void> {
  const provider = new SimpleProvider();
  const fanout: SimplePv[] = [];
  for (let i = 0; i < Number(process.env.BENCH_FANOUT_PVS ?? 10); i++) {
    fanout.push(provider.add(new SimplePv(`BENCH:FAN:${i}`, C.DBF_DOUBLE, [0])));
  }
  provider.add(new SimplePv('BENCH:GET', C.DBF_DOUBLE, [42.5]));
  for (let i = 0; i < Number(process.env.BENCH_CONNECT_PVS ?? 10000); i++) {
    provider.add(new SimplePv(`BENCH:CH:${i}`, C.DBF_DOUBLE, [i]));
  }
  const server = await startCaServer({ provider, env: process.env, log: createLogger('bench', 'warn') });
  emit({ event: 'listening', tcpPort: server.tcpPort, udpPort: server.udpPort });

  let value = 0;
  /** Posts `burst` increasing values to each of the first `npv` PVs per event-loop turn for `durationMs`, then FINAL_VALUE. */
  const runWriter = async (durationMs: number, burst: number, npv: number): Promise<void> => {
    const pvs = fanout.slice(0, npv);
    const startNs = nowNs();
    const end = performance.now() + durationMs;
    let postsPerPv = 0;
    while (performance.now() < end) {
      for (let b = 0; b < burst; b++) {
        value++;
        const stamp = { secPastEpoch: Math.floor(Date.now() / 1000) - 631152000, nsec: value % 1e9 };
        for (const pv of pvs) pv.set([value], { stamp });
        postsPerPv++;
      }
      // Yield so circuits flush and clients' bytes are read: the writer shares the loop like a record scan.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (const pv of pvs) pv.set([FINAL_VALUE]);
    postsPerPv++;
    emit({
      event: 'writer',
      postsPerPv,
      startNs,
      endNs: nowNs(),
      lastCounter: value,
      finalValue: FINAL_VALUE,
    });
  };

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [cmd, a, b, c] = line.trim().split(/\s+/);
    if (cmd === 'go') await runWriter(Number(a ?? 2000), Number(b ?? 1), Number(c ?? fanout.length));
    else if (cmd === 'reset') {
      value = 0;
      for (const pv of fanout) pv.set([0]);
      emit({ event: 'reset' });
    } else if (cmd === 'rss') emit({ event: 'rss', ...memory() });
    else if (cmd === 'stats')
      emit({ event: 'stats', clients: server.clientCount, channels: server.channelCount });
    else if (cmd === 'quit') break;
  }
  await server.close();
  emit({ event: 'closed' });
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
