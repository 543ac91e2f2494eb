// Client benchmark: get round-trips per second (sequential, DBR_TIME_DOUBLE) and monitor events per
// second received by one client, for gwagent's CaClient and for libca (a small C client compiled here
// with gcc, and pyepics), against the same gwagent CA server running in its own process on loopback.
// Usage: node --import tsx bench/client-bench.ts [SECONDS]   (prints a table and one JSON line)
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CaClient } from '../src/ca/client/index.js';

const seconds = Number(process.argv[2] ?? 3);
const port = 20000 + Math.floor(Math.random() * 20000);
const env = {
  ...process.env,
  EPICS_CA_AUTO_ADDR_LIST: 'NO',
  EPICS_CA_ADDR_LIST: `127.0.0.1:${port}`,
  EPICS_CA_SERVER_PORT: String(port),
  EPICS_CA_REPEATER_PORT: String(port + 1),
};

interface Result {
  client: string;
  getsPerSecond: number;
  monitorEventsPerSecond: number;
}

async function startServer(): Promise<ReturnType<typeof spawn>> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/client-bench-server.ts', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().startsWith('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return child;
}

async function ours(): Promise<Result> {
  const client = new CaClient({ env });
  try {
    const get = client.channel('BENCH:GET');
    const mon = client.channel('BENCH:MON');
    await Promise.all([get.connected(5000), mon.connected(5000)]);
    let n = 0;
    let start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await get.get();
      n++;
    }
    const gets = n / ((performance.now() - start) / 1000);
    let events = 0;
    const sub = mon.subscribe({}, () => events++);
    await new Promise((r) => setTimeout(r, 500));
    events = 0;
    start = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const rate = events / ((performance.now() - start) / 1000);
    sub.cancel();
    return {
      client: 'gwagent CaClient',
      getsPerSecond: Math.round(gets),
      monitorEventsPerSecond: Math.round(rate),
    };
  } finally {
    await client.close();
  }
}

async function pyepics(): Promise<Result | { client: string; error: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      ['bench/client-pyepics.py', String(seconds)],
      {
        env,
      },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
  } catch (err) {
    return { client: 'pyepics/libca', error: (err as Error).message.split('\n')[0]! };
  }
}

// libca ships no headers: the C client declares the prototypes it uses (cadef.h, db_access.h).
const C_CLIENT = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
typedef void *chid;
typedef void *evid;
struct event_handler_args { void *usr; chid chid; long type; long count; const void *dbr; int status; };
typedef void caEventCallBackFunc(struct event_handler_args);
int ca_context_create(int preemptive);
int ca_create_channel(const char *name, void *cb, void *usr, unsigned prio, chid *pchid);
int ca_pend_io(double timeout);
int ca_pend_event(double timeout);
int ca_array_get(long type, unsigned long count, chid c, void *value);
int ca_create_subscription(long type, unsigned long count, chid c, long mask, caEventCallBackFunc *cb, void *usr, evid *pev);
static long events;
static void on_event(struct event_handler_args a) { if (a.status == 1) events++; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 3.0;
  chid g, m;
  evid e;
  char buf[64];
  long n = 0;
  ca_context_create(0); /* non-preemptive: callbacks run inside ca_pend_event, on this thread */
  ca_create_channel("BENCH:GET", 0, 0, 0, &g);
  ca_create_channel("BENCH:MON", 0, 0, 0, &m);
  if (ca_pend_io(5.0) != 1) { printf("{\"error\":\"channels did not connect\"}\n"); return 1; }
  double t0 = now();
  while (now() - t0 < secs) {
    ca_array_get(20 /* DBR_TIME_DOUBLE */, 1, g, buf);
    if (ca_pend_io(5.0) != 1) { printf("{\"error\":\"get timed out\"}\n"); return 1; }
    n++;
  }
  double gets = n / (now() - t0);
  ca_create_subscription(20, 0, m, 5 /* DBE_VALUE|DBE_ALARM */, on_event, 0, &e);
  ca_pend_event(0.5);
  events = 0;
  t0 = now();
  while (now() - t0 < secs) ca_pend_event(0.05);
  printf("{\"client\":\"libca (C)\",\"getsPerSecond\":%.0f,\"monitorEventsPerSecond\":%.0f}\n", gets, events / (now() - t0));
  return 0;
}
`;

async function libcaC(): Promise<Result | { client: string; error: string }> {
  const run = promisify(execFile);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'gwagent-bench-'));
    writeFileSync(join(dir, 'client.c'), C_CLIENT);
    await run('gcc', ['-O2', '-o', join(dir, 'client'), join(dir, 'client.c'), '-lca']);
    const { stdout } = await run(join(dir, 'client'), [String(seconds)], { env });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
  } catch (err) {
    return { client: 'libca (C)', error: (err as Error).message.split('\n')[0]! };
  }
}

const server = await startServer();
try {
  const results = [await ours(), await libcaC(), await pyepics()];
  for (const r of results) {
    if ('error' in r) console.log(`${r.client.padEnd(18)} error: ${r.error}`);
    else
      console.log(
        `${r.client.padEnd(18)} gets/s ${String(r.getsPerSecond).padStart(8)}   monitor events/s ${String(r.monitorEventsPerSecond).padStart(8)}`,
      );
  }
  console.log(JSON.stringify({ bench: 'client', seconds, results }));
} finally {
  server.kill('SIGTERM');
}
