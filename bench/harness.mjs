// Process plumbing for the CA benchmarks: a free loopback port, the loopback-only EPICS environment,
// child processes whose stdout is read as lines, and bounded waits. No measurement logic here.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import process from 'node:process';
import { setTimeout } from 'node:timers';

/** Lowest port freePort picks: above the well-known and registered CA ports (5064, 5065). */
const PORT_MIN = 10000;

/**
 * A port free for both TCP and UDP on 127.0.0.1 (CA serves both on one number), with port+1 free for beacons.
 * Picked below the kernel's ephemeral range: a run restarts its servers on this one port dozens of times, and
 * a port in that range can be handed to any client socket in between (a softIoc that then cannot bind it moves
 * to another port, and the run waits for it in vain).
 */
export async function freePort() {
  const below = ephemeralLow();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * (below - 1 - PORT_MIN));
    if ((await tcpFree(port)) && (await udpFree(port)) && (await udpFree(port + 1))) return port;
  }
  throw new Error('no free port pair found');
}

/** The first port of Linux's ephemeral range (32768 by default; also when it leaves no room above PORT_MIN). */
function ephemeralLow() {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return low > PORT_MIN + 100 ? low : 32768;
  } catch {
    return 32768;
  }
}

function tcpFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port }, () => s.close(() => resolve(true)));
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ address: '127.0.0.1', port }, () => s.close(() => resolve(true)));
  });
}

/** Loopback-only client and server environment on `port` (beacons and repeater on port+1). */
export function caEnv(port) {
  return {
    ...process.env,
    EPICS_CA_AUTO_ADDR_LIST: 'NO',
    EPICS_CA_ADDR_LIST: '127.0.0.1',
    EPICS_CA_SERVER_PORT: String(port),
    EPICS_CA_REPEATER_PORT: String(port + 1),
    EPICS_CAS_SERVER_PORT: String(port),
    EPICS_CAS_INTF_ADDR_LIST: '127.0.0.1',
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
    EPICS_CAS_BEACON_ADDR_LIST: '127.0.0.1',
    EPICS_CAS_BEACON_PORT: String(port + 1),
    EPICS_CA_MAX_ARRAY_BYTES: '100000',
  };
}

/**
 * A child process whose stdout lines are queued; `next(pred, ms)` resolves with the first line (old or new)
 * matching pred, or rejects after ms. stderr is kept for error reports.
 */
export function spawnLines(cmd, args, options) {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  const lines = [];
  const waiters = [];
  let stderr = '';
  let tail = '';
  let exited = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    tail += chunk;
    const parts = tail.split('\n');
    tail = parts.pop() ?? '';
    for (const line of parts) {
      const i = waiters.findIndex((w) => w.pred(line));
      if (i >= 0) waiters.splice(i, 1)[0].resolve(line);
      else lines.push(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.stdin.on('error', () => undefined); // a client that already exited
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const settle = () => {
        if (exited) return;
        exited = true;
        for (const w of waiters.splice(0))
          w.reject(new Error(`${cmd} exited (${code ?? signal}): ${stderr}`));
        resolve({ code, signal });
      };
      // A client's last lines (its RESULT) may still be in the pipe when it exits: read them first. Not
      // 'close', which a caRepeater that libca spawned (inheriting stdout) would hold back indefinitely.
      if (child.stdout.readableEnded) return settle();
      const grace = setTimeout(settle, 500);
      child.stdout.once('end', () => {
        clearTimeout(grace);
        settle();
      });
    });
  });
  return {
    child,
    exit: exitPromise,
    get stderr() {
      return stderr;
    },
    send(line) {
      if (!exited) child.stdin.write(line + '\n');
    },
    next(pred, ms) {
      const i = lines.findIndex(pred);
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]);
      if (exited) return Promise.reject(new Error(`${cmd} exited: ${stderr}`));
      return new Promise((resolve, reject) => {
        const w = { pred, resolve, reject };
        waiters.push(w);
        setTimeout(() => {
          const k = waiters.indexOf(w);
          if (k < 0) return;
          waiters.splice(k, 1);
          reject(
            new Error(`timeout after ${ms} ms waiting for output of ${cmd} ${args.join(' ')}\n${stderr}`),
          );
        }, ms).unref();
      });
    },
  };
}

/** The JSON of the next `{"event":name}` line. */
export async function nextEvent(proc, name, ms) {
  const line = await proc.next((l) => l.startsWith('{') && JSON.parse(l).event === name, ms);
  return JSON.parse(line);
}

/** The JSON of the next "RESULT {...}" line of a ca-load client. */
export async function nextResult(proc, ms) {
  const line = await proc.next((l) => l.startsWith('RESULT '), ms);
  return JSON.parse(line.slice(7));
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11], fields[12] are utime and stime (stat fields 14 and 15) in clock ticks (100 Hz on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
