// Test-only: one gateway container's networks in Linux network namespaces, made and removed by the test.
// Three namespaces named gwr<random>{a,s,g}: `a` is the container (agent and gateways), `s` its subnet
// and `g` the GIN, joined to `a` by a veth pair each; every address lives inside them (10.71.x.0/24),
// nothing reaches another network. pcas binds an explicit -sip only on such a broadcast-capable
// interface, and clients in `s` or `g` search from addresses other than the container's own (whose
// searches its DENY FROM lines refuse). Each namespace gets its own caRepeater, and dispose() ends every
// process left in them (all started by the test) before deleting the namespaces.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { peerBin } from './peers.js';

export interface VethLink {
  /** Interface name in the container namespace. */
  iface: string;
  /** The container's address on it. */
  own: string;
  /** The address of the far end (a client or IOC host). */
  peer: string;
  prefixLength: 24;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

export class ContainerNets {
  readonly id = `gwr${randomBytes(3).toString('hex')}`;
  readonly agentNs = `${this.id}a`;
  readonly subNs = `${this.id}s`;
  readonly ginNs = `${this.id}g`;
  readonly sub: VethLink = { iface: `${this.id}s0`, own: '10.71.2.1', peer: '10.71.2.2', prefixLength: 24 };
  readonly gin: VethLink = { iface: `${this.id}g0`, own: '10.71.1.1', peer: '10.71.1.2', prefixLength: 24 };
  private isCreated = false;

  /** Creates the namespaces, links and addresses, and a caRepeater in each namespace. */
  create(): this {
    try {
      for (const ns of [this.agentNs, this.subNs, this.ginNs]) {
        ip('netns', 'add', ns);
        ip('-n', ns, 'link', 'set', 'lo', 'up');
      }
      this.isCreated = true;
      this.link(this.subNs, this.sub);
      this.link(this.ginNs, this.gin);
      for (const ns of [this.agentNs, this.subNs, this.ginNs]) this.spawn(ns, [peerBin('caRepeater')]);
    } catch (err) {
      this.dispose();
      throw err;
    }
    return this;
  }

  private link(farNs: string, l: VethLink): void {
    const far = `${l.iface.slice(0, -1)}1`;
    ip('-n', this.agentNs, 'link', 'add', l.iface, 'type', 'veth', 'peer', 'name', far, 'netns', farNs);
    ip('-n', this.agentNs, 'addr', 'add', `${l.own}/${l.prefixLength}`, 'brd', '+', 'dev', l.iface);
    ip('-n', farNs, 'addr', 'add', `${l.peer}/${l.prefixLength}`, 'brd', '+', 'dev', far);
    ip('-n', this.agentNs, 'link', 'set', l.iface, 'up');
    ip('-n', farNs, 'link', 'set', far, 'up');
  }

  /** The command prefix that runs a program in a namespace (nsenter execs it: the pid is the program's). */
  enter(ns: string): string[] {
    // Only the network namespace: `ip netns exec` would also remount /sys, hiding /sys/fs/cgroup.
    return ['nsenter', `--net=/run/netns/${ns}`, '--'];
  }

  /** Starts a program inside a namespace. */
  spawn(ns: string, argv: string[], opts: SpawnOptions = {}): ChildProcess {
    const [cmd, ...args] = [...this.enter(ns), ...argv];
    const child = spawn(cmd!, args, { stdio: 'ignore', ...opts });
    child.on('error', () => undefined);
    return child;
  }

  /** Runs a program inside a namespace to its end; resolves with its status and output. */
  run(
    ns: string,
    argv: string[],
    env: Record<string, string> = {},
    timeoutMs = 20_000,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const p = this.spawn(ns, argv, {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Pids of the processes inside one of these namespaces. */
  pids(ns: string): number[] {
    try {
      return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 10_000 })
        .split('\n')
        .filter((l) => /^\d+$/.test(l.trim()))
        .map(Number);
    } catch {
      return [];
    }
  }

  /** Ends every process in the namespaces (SIGKILL, by pid) and deletes them with their links. */
  dispose(): void {
    if (!this.isCreated) return;
    for (const ns of [this.agentNs, this.subNs, this.ginNs]) {
      for (const pid of this.pids(ns)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        /* never created */
      }
    }
    this.isCreated = false;
  }
}
