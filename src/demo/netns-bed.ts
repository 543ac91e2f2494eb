// Network namespaces as real subnets on one machine, for the namespaced demo and for tests that need real
// CA traffic between hosts (a gateway binds -sip only on a broadcast-capable, non-loopback interface).
// Every name carries a per-run tag `<prefix><4 hex>` plus the creating PID, so parallel runs never
// collide and a later run removes what a crashed one left; addresses exist only inside the namespaces.
// Needs root and iproute2. The one namespace harness of the demo, the site test bed and the agent tests;
// its API is documented in test/support/netns.ts, the tests' entry point.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));
const NSENTER = ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter'].find((p) => existsSync(p));

/**
 * The argv that runs `argv` in a namespace: nsenter into its network namespace only. Not `ip netns exec`,
 * which also gives the process a mount namespace with a fresh /sys, where /sys/fs/cgroup is missing and a
 * container's cgroup figures could not be read.
 */
function inNamespace(name: string, argv: string[]): [string, string[]] {
  return [NSENTER!, [`--net=/run/netns/${name}`, '--', ...argv]];
}

/** Why the harness cannot run here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (IP === undefined) return 'the `ip` command (iproute2) is not installed';
  if (NSENTER === undefined) return 'the `nsenter` command (util-linux) is not installed';
  return undefined;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Killed (SIGKILL) after this long; default 20 s. */
  timeoutMs?: number;
}

/** A process started inside a namespace; its output is kept (last 1 MB) for assertions and diagnosis. */
export class BedProcess {
  private chunks = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly child: ChildProcess,
    readonly argv: string[],
  ) {
    const keep = (b: Buffer) => {
      this.chunks = (this.chunks + b.toString('utf8')).slice(-1_000_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get output(): string {
    return this.chunks;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends the signal to the process group, then SIGKILL after timeoutMs; resolves on exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
    if (!this.isRunning) return;
    killGroup(this.pid, signal);
    const timer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A prefix short enough for interface names (`<tag>p<n>` within IFNAMSIZ). */
const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,5}$/;

/** Namespaces a run of this harness made: `<prefix><4 hex>-<pid>-<short>` in /run/netns. */
function namespacePattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}[0-9a-f]{4}-(\\d+)-[\\w.-]+$`);
}

export class NetnsBed {
  /** The per-run tag, e.g. gws3fa1: names of namespaces and of interfaces outside containers start with it. */
  readonly tag: string;
  private readonly namespaces: string[] = [];
  private readonly processes: BedProcess[] = [];
  private peerCount = 0;
  private isDisposed = false;
  private readonly onExit = () => this.disposeSync();

  constructor(options: { prefix?: string } = {}) {
    const reason = netnsUnavailable();
    if (reason !== undefined) throw new Error(`NetnsBed: ${reason}`);
    // GWAGENT_NETNS_PREFIX: one name prefix for every bed of a run (several users of one machine)
    const prefix = process.env['GWAGENT_NETNS_PREFIX'] || options.prefix || 'gws';
    if (!PREFIX_PATTERN.test(prefix))
      throw new Error(`NetnsBed: namespace prefix '${prefix}' is not [a-z][a-z0-9]{0,5}`);
    this.tag = `${prefix}${randomBytes(2).toString('hex')}`;
    NetnsBed.sweep(prefix);
    process.once('exit', this.onExit);
  }

  /** Deletes namespaces of this prefix whose creating process is gone (a run that crashed or was killed). */
  static sweep(prefix: string): void {
    let names: string[];
    try {
      names = readdirSync('/run/netns');
    } catch {
      return;
    }
    const pattern = namespacePattern(prefix);
    for (const name of names) {
      const m = pattern.exec(name);
      if (m === null || isAlive(Number(m[1]))) continue;
      killNamespacePids(name);
      try {
        execFileSync(IP!, ['netns', 'delete', name], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // someone else removed it first
      }
    }
  }

  /** The full name of a namespace of this bed. */
  ns(short: string): string {
    return `${this.tag}-${process.pid}-${short}`;
  }

  async namespace(short: string): Promise<string> {
    const name = this.ns(short);
    await this.ip(['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** A network: its own namespace with bridge br0 (the switch) up. */
  async network(short: string): Promise<string> {
    const name = await this.namespace(short);
    await this.ip(['-n', name, 'link', 'add', 'br0', 'type', 'bridge']);
    // no STP, no forwarding delay: ports forward as soon as they are up
    await this.ip([
      '-n',
      name,
      'link',
      'set',
      'br0',
      'type',
      'bridge',
      'stp_state',
      '0',
      'forward_delay',
      '0',
    ]);
    await this.ip(['-n', name, 'link', 'set', 'br0', 'up']);
    return name;
  }

  /** Gives the network's own namespace an address on its bridge, with the broadcast address set. */
  async host(network: string, cidr: string): Promise<void> {
    await this.ip(['-n', this.ns(network), 'addr', 'add', cidr, 'brd', '+', 'dev', 'br0']);
  }

  /** Connects namespace `short` to `network` through a veth whose end in `short` is `ifname` with `cidr`. */
  async link(short: string, ifname: string, network: string, cidr: string): Promise<void> {
    const inside = this.ns(short);
    const net = this.ns(network);
    const peer = `${this.tag}p${this.peerCount++}`;
    // created directly in both namespaces: the root namespace never sees either end
    await this.ip([
      'link',
      'add',
      ifname,
      'netns',
      inside,
      'type',
      'veth',
      'peer',
      'name',
      peer,
      'netns',
      net,
    ]);
    await this.ip(['-n', net, 'link', 'set', peer, 'master', 'br0']);
    await this.ip(['-n', net, 'link', 'set', peer, 'up']);
    await this.ip(['-n', inside, 'addr', 'add', cidr, 'brd', '+', 'dev', ifname]);
    await this.ip(['-n', inside, 'link', 'set', ifname, 'up']);
  }

  /** The argv that runs `argv` inside the namespace (nsenter execs it: the pid is the program's own). */
  argvIn(short: string, argv: string[]): string[] {
    const [cmd, args] = inNamespace(this.ns(short), argv);
    return [cmd, ...args];
  }

  /** Runs argv inside the namespace to completion (bounded by timeoutMs). */
  run(short: string, argv: string[], options: RunOptions = {}): Promise<RunResult> {
    const child = spawn(...inNamespace(this.ns(short), argv), {
      env: mergeEnv(options.env),
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => killGroup(child.pid ?? 0, 'SIGKILL'), options.timeoutMs ?? 20_000);
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  /**
   * Starts a long-running process inside the namespace, in its own process group (so a terminal's
   * Ctrl-C reaches only us). `isInheritingOutput` sends its output to ours instead of keeping it.
   */
  start(
    short: string,
    argv: string[],
    options: Omit<RunOptions, 'timeoutMs'> & { isInheritingOutput?: boolean } = {},
  ): BedProcess {
    const child = spawn(...inNamespace(this.ns(short), argv), {
      env: mergeEnv(options.env),
      cwd: options.cwd,
      stdio: options.isInheritingOutput ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const proc = new BedProcess(child, argv);
    this.processes.push(proc);
    return proc;
  }

  /** Every process inside a namespace of this bed. */
  pids(short: string): number[] {
    return namespacePids(this.ns(short));
  }

  /** SIGKILLs every process inside the namespace and waits (up to 5 s) until none is left. */
  async killAll(short: string): Promise<void> {
    const name = this.ns(short);
    const end = Date.now() + 5000;
    for (;;) {
      const pids = killNamespacePids(name);
      if (pids.length === 0 || Date.now() > end) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills every process in every namespace of this bed and deletes the namespaces (and so their links). */
  async dispose(): Promise<void> {
    if (this.isDisposed) return;
    for (const proc of this.processes) killGroup(proc.pid, 'SIGKILL');
    for (const name of this.namespaces) await this.killAll(name.slice(`${this.tag}-${process.pid}-`.length));
    this.disposeSync();
  }

  private disposeSync(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    process.removeListener('exit', this.onExit);
    for (const proc of this.processes) killGroup(proc.pid, 'SIGKILL');
    for (const name of this.namespaces.reverse()) {
      killNamespacePids(name);
      try {
        execFileSync(IP!, ['netns', 'delete', name], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // already gone
      }
    }
  }

  private ip(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(IP!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`ip ${args.join(' ')} failed (${code}): ${stderr.trim()}`));
      });
    });
  }
}

function namespacePids(name: string): number[] {
  try {
    return execFileSync(IP!, ['netns', 'pids', name], { encoding: 'utf8', timeout: 10_000 })
      .split('\n')
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
  } catch {
    return [];
  }
}

/** Processes inside one of our namespaces are ours (started there by us or by what we started). */
function killNamespacePids(name: string): number[] {
  const pids = namespacePids(name);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function mergeEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
