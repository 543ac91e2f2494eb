// Test-only entry point of the one network-namespace harness (src/demo/netns-bed.ts, shared with the
// namespaced demo and the site test bed): real subnets on one machine, made and removed by the harness
// itself, addresses only inside the namespaces, every step bounded in time. Adds ContainerNets, one
// gateway container's networks for the agent tests. Owns no assertions.
//
// API of NetnsBed:
//   netnsUnavailable(): string | undefined   why namespaces cannot be used here (not root, no `ip`), or undefined
//   const bed = new NetnsBed({ prefix: 'gws' })   tag = prefix + 4 random hex; namespaces `<tag>-<pid>-<short>`;
//                                             removes namespaces a crashed earlier run of this prefix left;
//                                             GWAGENT_NETNS_PREFIX in the environment overrides the prefix
//   await bed.network('gin')                  a namespace holding bridge br0 (the network's switch)
//   await bed.host('gin', '198.18.0.10/24')   the network's own namespace as a host: the address on br0
//   await bed.namespace('cr01')               a namespace for a container (lo up); returns its full name
//   await bed.link('cr01', 'eth0', 'gin', '198.18.0.91/24')
//                                             a veth: eth0 in cr01 with the address (brd +), peer on gin's br0
//   bed.ns('cr01')                            the full namespace name
//   bed.argvIn('cr01', argv)                  the argv that runs argv inside (nsenter --net: same pid)
//   await bed.run('cr01', argv, { env, timeoutMs })   run to completion inside -> { code, signal, stdout, stderr }
//   bed.start('cr01', argv, { env, cwd })     a long-running process inside -> BedProcess (pid, output,
//                                             isRunning, exited, stop(signal, timeoutMs))
//   bed.pids('cr01') / await bed.killAll('cr01')   every process inside a namespace ("kill a container")
//   await bed.dispose()                       kill everything in every namespace, delete them; idempotent,
//                                             and also run on process exit
import { peerBin } from './peers.js';
import { NetnsBed, type BedProcess, type RunResult } from '../../src/demo/netns-bed.js';

export * from '../../src/demo/netns-bed.js';

export interface VethLink {
  /** Interface name in the container namespace. */
  iface: string;
  /** The container's address on it. */
  own: string;
  /** The address of the network's own host (a client or IOC host). */
  peer: string;
  prefixLength: 24;
}

/**
 * One gateway container on a NetnsBed: namespace `a` (the agent and its gateways) linked to two networks,
 * `s` (its subnet) and `g` (the GIN), each a bridge whose own namespace is a host (IOC, clients). pcas
 * binds an explicit -sip only on such a broadcast-capable interface, and clients in `s` or `g` search
 * from addresses other than the container's own (whose searches its DENY FROM lines refuse). Programs
 * started here see PATH and what the test gives, none of the test host's EPICS_* settings.
 */
export class ContainerNets {
  readonly bed = new NetnsBed({ prefix: 'gwr' });
  readonly agentNs = 'a';
  readonly subNs = 's';
  readonly ginNs = 'g';
  readonly sub: VethLink = { iface: 'sub0', own: '10.71.2.1', peer: '10.71.2.2', prefixLength: 24 };
  readonly gin: VethLink = { iface: 'gin0', own: '10.71.1.1', peer: '10.71.1.2', prefixLength: 24 };

  /** Creates the namespaces, links and addresses, and a caRepeater in each namespace. */
  async create(): Promise<this> {
    try {
      for (const [ns, l] of [
        [this.subNs, this.sub],
        [this.ginNs, this.gin],
      ] as const) {
        await this.bed.network(ns);
        await this.bed.host(ns, `${l.peer}/${l.prefixLength}`);
      }
      await this.bed.namespace(this.agentNs);
      await this.bed.link(
        this.agentNs,
        this.sub.iface,
        this.subNs,
        `${this.sub.own}/${this.sub.prefixLength}`,
      );
      await this.bed.link(
        this.agentNs,
        this.gin.iface,
        this.ginNs,
        `${this.gin.own}/${this.gin.prefixLength}`,
      );
      for (const ns of [this.agentNs, this.subNs, this.ginNs]) this.spawn(ns, [peerBin('caRepeater')]);
    } catch (err) {
      await this.dispose();
      throw err;
    }
    return this;
  }

  /** The command prefix that runs a program in a namespace (nsenter execs it: the pid is the program's). */
  enter(ns: string): string[] {
    return this.bed.argvIn(ns, []);
  }

  /** Starts a long-running program inside a namespace. */
  spawn(ns: string, argv: string[], env: Record<string, string> = {}): BedProcess {
    return this.bed.start(ns, argv, { env: cleanEnv(env) });
  }

  /** Runs a program inside a namespace to its end (SIGKILL after timeoutMs). */
  run(ns: string, argv: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunResult> {
    return this.bed.run(ns, argv, { env: cleanEnv(env), timeoutMs });
  }

  /** Pids of the processes inside one of these namespaces. */
  pids(ns: string): number[] {
    return this.bed.pids(ns);
  }

  /** Ends every process in the namespaces (SIGKILL) and deletes them with their links. */
  dispose(): Promise<void> {
    return this.bed.dispose();
  }
}

/** `env` over PATH, every other variable of this process removed. */
function cleanEnv(env: Record<string, string>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) out[k] = undefined;
  return { ...out, PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env };
}
