// Test-only: starts `gwagent ioc --health` (the compiled CLI) on a free loopback port and drives
// health_driver.py (pyepics on the real libca) as one long-lived subprocess per test file. Also the
// expected PV list computed from this machine (interfaces, cgroup v2). Not a test file.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../interop/server-fixture.js';
import { expandHealthPvs, type HealthPvDef } from '../../src/ioc/health/pv-table.js';
import { defaultInterfaces } from '../../src/ioc/health/sampler.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DRIVER = fileURLToPath(new URL('./health_driver.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** DBF codes as libca reports them (ca.field_type). */
export const DBF = { STRING: 0, SHORT: 1, FLOAT: 2, ENUM: 3, CHAR: 4, LONG: 5, DOUBLE: 6 } as const;

/** The DBF native type a record type's VAL must have over CA (calc/calcout are served as ai). */
export function expectedNativeType(def: HealthPvDef): number {
  switch (def.recordType) {
    case 'stringin':
      return DBF.STRING;
    case 'mbbi':
    case 'mbbo':
    case 'bo':
      return DBF.ENUM;
    case 'longin':
      return DBF.LONG;
    case 'waveform':
      return DBF.CHAR;
    default:
      return DBF.DOUBLE;
  }
}

/** The concrete health PVs this machine must serve (suffixes after the prefix). */
export function expectedDefs(): HealthPvDef[] {
  return expandHealthPvs({
    mounts: [{ name: 'ROOT' }],
    interfaces: defaultInterfaces(os.networkInterfaces()),
  });
}

export interface HealthServer {
  child: ChildProcess;
  port: number;
  /** Everything the server wrote to stderr so far. */
  log: () => string;
  /** The record count the server logged at start. */
  recordCount: number;
  stop: () => Promise<number | null>;
}

/** Spawns `node bin/gwagent.js ioc --health --prefix <prefix> [...extra]` and waits until it serves. */
export async function startHealthServer(
  prefix: string,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; extraArgs?: string[] } = {},
): Promise<HealthServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(REPO, 'bin/gwagent.js'), 'ioc', '--health', '--prefix', prefix, ...(opts.extraArgs ?? [])],
      {
        cwd: opts.cwd ?? REPO,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...opts.env,
          EPICS_CAS_SERVER_PORT: String(port),
          EPICS_CAS_BEACON_PORT: String(await freePort()),
          ...LOOPBACK_SERVER_ENV,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    const served = await new Promise<{ port: number; records: number } | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 15_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /serving (\d+) records on port (\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve({ records: Number(m[1]), port: Number(m[2]) });
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    const stop = async (): Promise<number | null> => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    };
    if (served?.port === port) {
      return { child, port, log: () => stderr, recordCount: served.records, stop };
    }
    await stop();
    if (!served && !/EADDRINUSE/.test(stderr)) throw new Error(`gwagent ioc did not start:\n${stderr}`);
  }
  throw new Error('could not start gwagent ioc on a free port');
}

export type Result = Record<string, unknown> & { ok: boolean; error?: string };

/** What `read` returns per channel. */
export interface ChannelRead {
  connected: boolean;
  ftype?: number;
  count?: number;
  read?: boolean;
  write?: boolean;
  value?: unknown;
  severity?: number;
  status?: number;
  /** Record time stamp, POSIX seconds. */
  timestamp?: number;
  text?: string;
  ctrl?: Record<string, unknown>;
}

export interface MonitorEvent {
  value: unknown;
  status: number;
  severity: number;
  /** Client time of arrival, POSIX seconds. */
  at: number;
}

/** One health_driver.py process with a line-per-operation JSON protocol. */
export class HealthClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: ((r: Result) => void)[] = [];
  private stderr = '';
  /** Every channel name this driver has created (libca keeps them open: the server's channel count). */
  readonly opened = new Set<string>();

  private constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(PYTHON, [DRIVER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.pending.shift()?.(JSON.parse(line) as Result);
    });
    this.child.on('exit', () => {
      for (const p of this.pending.splice(0)) p({ ok: false, error: `driver exited: ${this.stderr}` });
    });
  }

  /** Starts a driver whose libca finds servers on 127.0.0.1:`serverPort` only. */
  static async start(serverPort: number): Promise<HealthClient> {
    const client = new HealthClient({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      EPICS_CA_AUTO_ADDR_LIST: 'NO',
      EPICS_CA_ADDR_LIST: '127.0.0.1',
      EPICS_CA_SERVER_PORT: String(serverPort),
      EPICS_CA_REPEATER_PORT: String(await freePort()),
      PYTHONUNBUFFERED: '1',
    });
    const ready = await new Promise<Result>((resolve) => client.pending.push(resolve));
    if (!ready.ok) throw new Error(`health driver did not start: ${client.stderr}`);
    return client;
  }

  private async do(op: Record<string, unknown>): Promise<Result> {
    for (const n of (op.names as string[] | undefined) ?? []) this.opened.add(n);
    if (typeof op.name === 'string') this.opened.add(op.name);
    const r = await new Promise<Result>((resolve) => {
      this.pending.push(resolve);
      this.child.stdin.write(JSON.stringify(op) + '\n');
    });
    if (!r.ok) throw new Error(`pyepics ${JSON.stringify(op).slice(0, 200)}: ${r.error}\n${this.stderr}`);
    return r;
  }

  /** Connects and reads every name (DBR_TIME of the native type; DBR_CTRL metadata with ctrl). */
  async read(names: readonly string[], ctrl = false, timeoutS = 10): Promise<Record<string, ChannelRead>> {
    const r = await this.do({ op: 'read', names, ctrl, timeout: timeoutS });
    return r.results as Record<string, ChannelRead>;
  }

  /** Reads one channel that must connect. */
  async get(name: string): Promise<ChannelRead> {
    const r = (await this.read([name]))[name]!;
    if (!r.connected) throw new Error(`${name} did not connect`);
    return r;
  }

  /** ca_put (with callback unless wait is false); returns the ECA status pyepics reports. */
  async put(name: string, value: number | string, wait = true): Promise<unknown> {
    const r = await this.do({ op: 'put', name, value, wait });
    if (r.error !== undefined) throw new Error(`put ${name}: ${String(r.error)}`);
    return r.status;
  }

  async monitor(name: string): Promise<void> {
    await this.do({ op: 'monitor', name });
  }

  /** Waits for at least `min` monitor events (or the timeout) and returns, clearing, what arrived. */
  async events(name: string, min = 1, timeoutS = 5): Promise<MonitorEvent[]> {
    const r = await this.do({ op: 'events', name, min, timeout: timeoutS });
    return r.events as MonitorEvent[];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
