// Test-only harness of the agent's end-to-end tests: writes an agent INI into a temp dir, runs the
// compiled `gwagent run` as a child process and reads its PVs through gwagent's own CA client. Two
// backends: the ca-gateway stand-in on 127.0.0.1 (per-gateway wrapper scripts give it its test
// environment), or the REAL ca-gateway of the EPICS peers in a container made of network namespaces
// (test/support/netns.ts; the agent's PVs reached through a tunnel, a softIoc in the subnet, caget on the
// GIN); describeBothGateways runs a scenario against each. Not a test file; owns no assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { describe } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaClient, type CaValue, type Channel } from '../../src/ca/client/index.js';
import { DBR_STRING } from '../../src/ca/constants.js';
import { freePort } from '../client/helpers.js';
import { cpuTicks, isGone, waitFor } from '../support/procs.js';
import { ContainerNets } from '../support/netns.js';
import { NsTunnel } from '../support/ns-tunnel.js';
import { describeWithPeers, peerBin, softIocDbd } from '../support/peers.js';
import { LOOPBACK_CLIENT_ENV, LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

export { cpuTicks, freePort, isGone, waitFor };
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const STANDIN = join(REPO, 'test/fixtures/gateway-standin/gateway');
const GWAGENT = join(REPO, 'bin/gwagent.js');

export interface GatewayDef {
  name: string;
  label?: string;
  /** Environment of the stand-in (GATEWAY_STANDIN_*), set by its wrapper script. */
  env?: Record<string, string>;
  /** Extra `[gateway.NAME]` keys, e.g. { start_secs: 3 }. */
  keys?: Record<string, string | number>;
  /** PV rule lines; default `allow = .*`. */
  rules?: string[];
}

/** Test supervision timings: quick starts, short backoff, quick stops. */
const FAST_KEYS = { start_secs: 1, backoff_max_s: 4, stop_timeout_s: 2 };

/** Live (non-zombie) processes whose command line runs the stand-in with `-home <dir>`. */
export function standinPids(homeDir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const argv = cmd.split('\0');
    if (!argv.some((a) => a.endsWith('gateway-standin/main.ts'))) continue;
    const at = argv.indexOf('-home');
    if (at >= 0 && argv[at + 1] === homeDir && !isGone(Number(entry))) out.push(Number(entry));
  }
  return out;
}

/**
 * Live processes of the gateway with `-home <dir>`: the stand-in, or the real ca-gateway (whose argv[0] is
 * the peers' `gateway`).
 */
export function gatewayPids(homeDir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const argv = cmd.split('\0');
    const isGateway =
      argv[0]?.endsWith('/gateway') || argv.some((a) => a.endsWith('gateway-standin/main.ts'));
    const at = argv.indexOf('-home');
    if (isGateway && at >= 0 && argv[at + 1] === homeDir && !isGone(Number(entry))) out.push(Number(entry));
  }
  return out;
}

/** Which gateway program a scenario runs: the stand-in on loopback, or the real ca-gateway in namespaces. */
export type Backend = 'stand-in' | 'real ca-gateway';

/**
 * A scenario twice: against the stand-in, and against the real ca-gateway (skipped with one line where
 * the peers or root are missing, failing under CI=true). `make` creates the fixture of that backend.
 */
export function describeBothGateways(
  title: string,
  body: (backend: Backend, make: (name: string) => Promise<AgentFixture>) => void,
): void {
  describe(`${title} [stand-in]`, () => body('stand-in', (name) => Promise.resolve(new AgentFixture(name))));
  describeWithPeers(
    `${title} [real ca-gateway]`,
    () => body('real ca-gateway', (name) => AgentFixture.real(name)),
    { netns: true },
  );
}

/** `gwagent run --config FILE` as a child process with the loopback test environment; owns nothing. */
export function spawnAgent(configPath: string, env: Record<string, string> = {}, prefix: string[] = []) {
  const [cmd, ...args] = [...prefix, process.execPath, GWAGENT, 'run', '--config', configPath];
  return spawn(cmd, args, {
    cwd: REPO,
    env: {
      ...process.env,
      ...LOOPBACK_SERVER_ENV,
      ...LOOPBACK_CLIENT_ENV,
      GWAGENT_CA_CONN_TMO: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Another `gwagent run` on a fixture's config: its output and its exit, for the instance-lock tests. */
export class ExtraAgent {
  readonly proc: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(configPath: string) {
    const proc = spawnAgent(configPath);
    this.proc = proc;
    proc.stdout.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }
}

/**
 * The network sections of a loopback-only agent config. The stand-in serves only on 127.0.0.1: that is
 * the "GIN" here, forward gateways serve on it.
 */
export const LOOPBACK_NETWORK_LINES: readonly string[] = [
  '[network.sub]',
  'interface = lo',
  'address = 127.0.0.2/32',
  'search = 127.0.0.5',
  '',
  '[network.gin]',
  'interface = lo:gin',
  'address = 127.0.0.1/32',
  'gin = yes',
  'search = 127.0.0.4',
];

export class AgentFixture {
  readonly dir: string;
  readonly stateDir: string;
  readonly logDir: string;
  readonly socket: string;
  readonly configPath: string;
  readonly name: string;
  iocPort = 0;
  /** Server port of each gateway. */
  readonly ports = new Map<string, number>();
  proc: ChildProcess | undefined;
  /** Everything the agent wrote to stdout and stderr. */
  output = '';
  exitCode: number | null | undefined;
  private client: CaClient | undefined;
  private readonly channels = new Map<string, Channel>();
  private gateways: GatewayDef[] = [];
  /** Real-gateway backend: the container's namespaces, and the tunnel to the agent's PVs. */
  readonly nets: ContainerNets | undefined;
  private tunnel: NsTunnel | undefined;

  /** An agent supervising the REAL ca-gateway (peers) in a container of network namespaces. */
  static async real(name = 'T'): Promise<AgentFixture> {
    return new AgentFixture(name, await new ContainerNets().create());
  }

  get isReal(): boolean {
    return this.nets !== undefined;
  }

  constructor(name = 'T', nets?: ContainerNets) {
    this.nets = nets;
    this.dir = mkdtempSync(join(tmpdir(), 'gwagent-agent-'));
    this.stateDir = join(this.dir, 'state');
    this.logDir = join(this.dir, 'log');
    this.socket = join(this.dir, 'control.sock');
    this.configPath = join(this.dir, 'agent.ini');
    this.name = name;
    mkdirSync(join(this.dir, 'bin'));
  }

  /** Picks ports, writes wrappers and the INI. Call again to rewrite it (ports are kept). */
  async configure(gateways: GatewayDef[], tweak: (ini: string) => string = (s) => s): Promise<void> {
    if (this.iocPort === 0) this.iocPort = await freePort();
    for (const g of gateways) if (!this.ports.has(g.name)) this.ports.set(g.name, await freePort());
    this.gateways = gateways;
    for (const g of gateways) {
      if (this.nets) continue;
      const env = Object.entries(g.env ?? {})
        .map(([k, v]) => `export ${k}='${v}'\n`)
        .join('');
      writeFileSync(this.wrapper(g.name), `#!/bin/sh\n${env}exec ${STANDIN} "$@"\n`);
      chmodSync(this.wrapper(g.name), 0o755);
    }
    writeFileSync(this.configPath, tweak(this.ini()));
  }

  wrapper(name: string): string {
    return join(this.dir, 'bin', `gw-${name}`);
  }

  home(name: string): string {
    return join(this.stateDir, 'gateways', name);
  }

  /** Real backend: a softIoc serving `db` (record text) on the standard port of the subnet's namespace. */
  startSubnetIoc(db: string): void {
    const nets = this.realNets();
    const file = join(this.dir, 'subnet.db');
    writeFileSync(file, db);
    nets.spawn(nets.subNs, [peerBin('softIoc'), '-D', softIocDbd(), '-S', '-d', file], {
      EPICS_CA_AUTO_ADDR_LIST: 'NO',
    });
  }

  /** Real backend: the peers' caget in the GIN's namespace, searching forward gateway `gw`'s server side. */
  async caget(
    gw: string,
    pvs: string | string[],
    extra: string[] = [],
  ): Promise<{ code: number | null; out: string }> {
    const nets = this.realNets();
    const names = typeof pvs === 'string' ? [pvs] : pvs;
    const r = await nets.run(nets.ginNs, [peerBin('caget'), '-w', '3', ...extra, ...names], {
      EPICS_CA_AUTO_ADDR_LIST: 'NO',
      EPICS_CA_ADDR_LIST: `${nets.gin.own}:${this.ports.get(gw)}`,
    });
    return { code: r.code, out: (r.stdout + r.stderr).trim() };
  }

  /** Real backend: resolves with caget's value (-t) once forward gateway `gw` serves `pv` on the GIN. */
  cagetServed(gw: string, pv: string, timeoutMs = 20_000): Promise<string> {
    return waitFor(
      async () => {
        const got = await this.caget(gw, pv, ['-t']);
        return got.code === 0 ? got.out : undefined;
      },
      timeoutMs,
      `${pv} through ${gw}`,
    );
  }

  private realNets(): ContainerNets {
    if (!this.nets) throw new Error('only with the real gateway (AgentFixture.real)');
    return this.nets;
  }

  /** Where a gateway of this fixture serves: the GIN (forward) or the subnet (reverse) address. */
  serverHost(g: GatewayDef): string {
    if (!this.nets) return '127.0.0.1';
    return g.keys?.['direction'] === 'reverse' ? this.nets.sub.own : this.nets.gin.own;
  }

  /** The network sections: loopback for the stand-in, the namespaces' veth links for the real one. */
  private networkLines(): string[] {
    const n = this.nets;
    if (!n) {
      return [...LOOPBACK_NETWORK_LINES];
    }
    // Clients search each subnet's broadcast address (an IOC in the subnet namespace answers on 5064).
    return [
      '[network.sub]',
      `interface = ${n.sub.iface}`,
      `address = ${n.sub.own}/${n.sub.prefixLength}`,
      '',
      '[network.gin]',
      `interface = ${n.gin.iface}`,
      `address = ${n.gin.own}/${n.gin.prefixLength}`,
      'gin = yes',
      // the GIN namespace's host stands for the other containers' gateway servers
      `search = ${n.gin.peer}`,
    ];
  }

  ini(): string {
    const lines = [
      '[agent]',
      `name = ${this.name}`,
      `label = agent end-to-end test`,
      `state_dir = ${this.stateDir}`,
      `log_dir = ${this.logDir}`,
      '',
      '[ioc]',
      'address = 127.0.0.1',
      `port = ${this.iocPort}`,
      'beacon_addresses = 127.0.0.1',
      '',
      '[control]',
      `socket = ${this.socket}`,
      '',
      ...this.networkLines(),
    ];
    for (const g of this.gateways) {
      const direction = g.keys?.['direction'] ?? 'forward';
      lines.push('', `[gateway.${g.name}]`, `direction = ${direction}`, `label = ${g.label ?? g.name}`);
      for (const r of g.rules ?? ['allow = .*']) lines.push(r);
      const keys: Record<string, string | number> = {
        ...FAST_KEYS,
        server_port: this.ports.get(g.name)!,
        binary: this.nets ? peerBin('gateway') : this.wrapper(g.name),
        ...g.keys,
      };
      delete keys['direction'];
      for (const [k, v] of Object.entries(keys)) lines.push(`${k} = ${v}`);
    }
    return lines.join('\n') + '\n';
  }

  /** Starts `gwagent run --config` and waits until it serves its PVs. */
  async start(env: Record<string, string> = {}): Promise<void> {
    this.output = '';
    this.exitCode = undefined;
    const proc = spawnAgent(this.configPath, env, this.nets ? this.nets.enter(this.nets.agentNs) : []);
    this.proc = proc;
    proc.stdout.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.once('exit', (code) => (this.exitCode = code));
    await waitFor(
      () => this.output.includes(`agent ${this.name} running:`) || this.exitCode !== undefined,
      30_000,
      'the agent to start',
    );
    // read through a call: the callback above changes exitCode behind the compiler's narrowing
    const code = this.exitedWith();
    if (code !== undefined) throw new Error(`the agent exited ${String(code)}:\n${this.output}`);
    if (this.nets && !this.tunnel) {
      this.tunnel = new NsTunnel(this.nets, this.nets.agentNs, this.dir);
      await this.tunnel.open('127.0.0.1', this.iocPort);
    }
  }

  /** Where the test's CA client finds the agent's server. */
  private get iocServer(): string {
    return `127.0.0.1:${this.tunnel ? this.tunnel.port : this.iocPort}`;
  }

  private exitedWith(): number | null | undefined {
    return this.exitCode;
  }

  get pid(): number {
    return this.proc!.pid!;
  }

  /** Waits for a line of the agent's own log (after `from` characters of output). */
  waitOutput(text: string | RegExp, timeoutMs = 20_000, from = 0): Promise<true> {
    return waitFor(
      () => {
        const s = this.output.slice(from);
        return (typeof text === 'string' ? s.includes(text) : text.test(s)) || undefined;
      },
      timeoutMs,
      () => `agent output ${String(text)}\n--- output:\n${this.output}`,
    );
  }

  private channel(pv: string): Channel {
    this.client ??= new CaClient({ env: {}, autoAddrList: false, addrList: [] });
    let ch = this.channels.get(pv);
    if (!ch) {
      ch = this.client.channel(pv, { server: this.iocServer });
      this.channels.set(pv, ch);
    }
    return ch;
  }

  /** Reads `$(P)SUFFIX` (the agent's prefix is `name:`) with the given DBR type (default native). */
  async get(suffix: string, dbrType?: number): Promise<CaValue> {
    const ch = this.channel(`${this.name}:${suffix}`);
    await ch.connected(5000);
    return ch.get(dbrType === undefined ? {} : { dbrType });
  }

  /** The value as a string (DBR_STRING), e.g. STATE -> "RUNNING". */
  async str(suffix: string): Promise<string> {
    return String((await this.get(suffix, DBR_STRING)).value);
  }

  async num(suffix: string): Promise<number> {
    return Number((await this.get(suffix)).value);
  }

  /** A char waveform (CMD, CONFIG_ERR) as text up to its NUL. */
  async text(suffix: string): Promise<string> {
    const v = await this.get(suffix);
    const bytes = (v.values as number[]).map((b) => b & 0xff);
    const end = bytes.indexOf(0);
    return Buffer.from(end >= 0 ? bytes.slice(0, end) : bytes).toString('latin1');
  }

  /** Writes `$(P)SUFFIX`; with `isWaiting` (default) until the server reports completion. */
  async put(suffix: string, value: number | string, isWaiting = true): Promise<void> {
    const ch = this.channel(`${this.name}:${suffix}`);
    await ch.connected(5000);
    await ch.put(value, { wait: isWaiting, timeoutMs: 10_000 });
  }

  /** Polls a PV until `pred` accepts its string value; returns that value. */
  waitStr(suffix: string, pred: (s: string) => boolean, timeoutMs = 20_000): Promise<string> {
    let last = '';
    return waitFor(
      async () => {
        last = await this.str(suffix);
        return pred(last) ? last : undefined;
      },
      timeoutMs,
      () => `${this.name}:${suffix} (last value '${last}')`,
    );
  }

  /** Runs `gwagent ARGS --socket SOCKET` (default this agent's); resolves with exit code and output. */
  cli(
    args: string[],
    socket = this.socket,
    timeoutMs = 20_000,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [GWAGENT, ...args, '--socket', socket], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`gwagent ${args.join(' ')} did not finish: ${stdout}${stderr}`));
      }, timeoutMs);
      p.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Writes a stand-in test control (`crash`, `hang`, `exit N`) into the gateway's home. */
  control(name: string, cmd: string): void {
    writeFileSync(join(this.home(name), 'standin.control'), cmd);
  }

  /** The gateway's captured output (its log file). */
  gatewayLog(name: string): string {
    try {
      return readFileSync(join(this.logDir, `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** SIGTERM, then waits for the exit; returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
    await this.closeClient();
    const proc = this.proc;
    if (!proc || this.exitCode !== undefined) return this.exitCode ?? null;
    proc.kill(signal);
    await waitFor(() => this.exitCode !== undefined, timeoutMs, `the agent to exit after ${signal}`);
    return this.exitCode ?? null;
  }

  async closeClient(): Promise<void> {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
    await this.client?.close();
    this.client = undefined;
  }

  /** Ends the agent and any gateway left (SIGKILL), removes the namespaces and the temp dir. */
  async dispose(): Promise<void> {
    await this.closeClient();
    await this.tunnel?.close();
    this.tunnel = undefined;
    if (this.proc && this.exitCode === undefined) {
      this.proc.kill('SIGKILL');
      await waitFor(() => this.exitCode !== undefined, 5000, 'the agent to die').catch(() => undefined);
    }
    // every gateway this fixture ever configured, also those a reload removed
    for (const name of this.ports.keys())
      for (const pid of standinPids(this.home(name))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    await this.nets?.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
