// Test-only: the two-subnet site of test/site/two-subnets.json built for real on a NetnsBed. Subnets A
// (acc) and B (awf) and the GIN are each a namespace with a bridge, whose own namespace is also the
// subnet's host (softIoc, clients); each container is a namespace linked to its networks as the site JSON
// says and runs `gwagent run` on the INI that `gwagent site render` made, supervising the real ca-gateway.
// Used by the site test and bench/site-hops.ts; owns no assertions.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS_DIR } from '../support/peers.js';
import { NetnsBed, type BedProcess, type RunResult } from '../support/netns.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GWAGENT = join(REPO, 'bin/gwagent.js');
const SITE_TEMPLATE = join(REPO, 'test/site/two-subnets.json');

/** The peers tree (EPICS_PEERS or ../shared/peers/epics), or undefined when absent. */
export function findPeers(): string | undefined {
  return PEERS_DIR;
}

/** Each network of the site: its namespace short name, the host address in it, and its broadcast. */
export const NETWORKS = {
  gin: { host: '198.18.0.10', cidr: '198.18.0.10/24', broadcast: '198.18.0.255' },
  acc: { host: '198.18.1.10', cidr: '198.18.1.10/24', broadcast: '198.18.1.255' },
  awf: { host: '198.18.2.10', cidr: '198.18.2.10/24', broadcast: '198.18.2.255' },
} as const;
export type NetworkName = keyof typeof NETWORKS;

/** The containers' namespaces and their addresses (as in two-subnets.json). */
export const CONTAINERS = ['CR01GW00', 'CR01GW01', 'CR01GW02'] as const;
export type ContainerName = (typeof CONTAINERS)[number];

export const IOC_DB: Record<'acc' | 'awf', string> = {
  acc: `record(calc, "A:RAMP") { field(SCAN, ".1 second") field(CALC, "A+1") field(INPA, "A:RAMP NPP") }
record(ao, "A:SETPT") { field(VAL, "1.5") field(PREC, "2") }
record(ao, "A:RO") { field(VAL, "7") }
record(stringin, "A:SECRET:PASSWORD") { field(VAL, "hunter2") }
`,
  awf: `record(calc, "B:RAMP") { field(SCAN, ".1 second") field(CALC, "A+1") field(INPA, "B:RAMP NPP") }
record(ao, "B:SETPT") { field(VAL, "2.5") }
`,
};

interface SiteInterface {
  name: string;
  vlan: string;
  address: string;
}
interface SiteJson {
  vlans: Record<string, string>;
  containers: { hostname: string; interfaces: SiteInterface[] }[];
}

export class SiteBed {
  readonly bed = new NetnsBed({ prefix: 'gws' });
  readonly dir = mkdtempSync(join(tmpdir(), 'gwagent-site-'));
  readonly peers: string;
  readonly agents = new Map<ContainerName, BedProcess>();
  readonly iocs = new Map<'acc' | 'awf', BedProcess>();
  private site!: SiteJson;

  constructor(peers: string) {
    this.peers = peers;
  }

  /** Environment of every EPICS program here: the peers' tools first on PATH. */
  get pathEnv(): Record<string, string> {
    return { PATH: `${join(this.peers, 'bin/linux-x86_64')}:${process.env.PATH ?? ''}` };
  }

  /** A CA client's environment on a network: search only that network's broadcast (or given addresses). */
  clientEnv(network: NetworkName, addrList: string = NETWORKS[network].broadcast): Record<string, string> {
    return {
      ...this.pathEnv,
      EPICS_CA_AUTO_ADDR_LIST: 'NO',
      EPICS_CA_ADDR_LIST: addrList,
      EPICS_CA_CONN_TMO: '2',
    };
  }

  /** Writes the site JSON for this run (`edit` may change its text) and renders it with `gwagent site render`. */
  render(edit: (text: string) => string = (t) => t): RunResult & { siteFile: string; outDir: string } {
    const template = edit(readFileSync(SITE_TEMPLATE, 'utf8'));
    const text = template
      .replaceAll('$DIR', this.dir)
      .replaceAll('$PEERS', this.peers)
      .replaceAll('$USER', userInfo().username)
      .replaceAll('$HOST', hostname());
    const siteFile = join(this.dir, 'site.json');
    writeFileSync(siteFile, text);
    this.site = JSON.parse(text) as SiteJson;
    const outDir = join(this.dir, 'ini');
    let result: RunResult;
    try {
      const stdout = execFileSync(process.execPath, [GWAGENT, 'site', 'render', siteFile, '--out', outDir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      result = { code: 0, signal: null, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status: number | null; stdout: string; stderr: string };
      result = { code: e.status, signal: null, stdout: e.stdout, stderr: e.stderr };
    }
    return { ...result, siteFile, outDir };
  }

  /** Namespaces, bridges and links; a caRepeater in every namespace (libca clients and gateways use it). */
  async build(): Promise<void> {
    for (const [name, net] of Object.entries(NETWORKS)) {
      await this.bed.network(name);
      await this.bed.host(name, net.cidr);
    }
    for (const c of this.site.containers) {
      await this.bed.namespace(c.hostname);
      for (const itf of c.interfaces)
        await this.bed.link(c.hostname, itf.name, this.site.vlans[itf.vlan]!, itf.address);
    }
    for (const ns of [...Object.keys(NETWORKS), ...CONTAINERS])
      this.bed.start(ns, [join(this.peers, 'bin/linux-x86_64/caRepeater')], { env: this.pathEnv });
  }

  /** softIoc in a subnet serving IOC_DB[network] plus `extraRecords` (.db text). */
  startIoc(network: 'acc' | 'awf', extraRecords = ''): BedProcess {
    const db = join(this.dir, `${network}.db`);
    writeFileSync(db, IOC_DB[network] + extraRecords);
    const bin = join(this.peers, 'bin/linux-x86_64/softIoc');
    const ioc = this.bed.start(network, [bin, '-D', join(this.peers, 'dbd/softIoc.dbd'), '-S', '-d', db], {
      env: {
        ...this.pathEnv,
        EPICS_CAS_INTF_ADDR_LIST: NETWORKS[network].host,
        EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
        EPICS_CAS_BEACON_ADDR_LIST: NETWORKS[network].broadcast,
        EPICS_CA_AUTO_ADDR_LIST: 'NO',
        EPICS_CA_ADDR_LIST: NETWORKS[network].broadcast,
      },
    });
    this.iocs.set(network, ioc);
    return ioc;
  }

  startAgent(container: ContainerName): BedProcess {
    const ini = join(this.dir, 'ini', `${container}.ini`);
    const agent = this.bed.start(container, [process.execPath, GWAGENT, 'run', '--config', ini], {
      env: { ...this.pathEnv, EPICS_CA_AUTO_ADDR_LIST: 'NO', EPICS_CA_ADDR_LIST: '127.0.0.1' },
    });
    this.agents.set(container, agent);
    return agent;
  }

  /** The health IOC's environment inside a container (it serves on the container's loopback). */
  agentClientEnv(): Record<string, string> {
    return { ...this.pathEnv, EPICS_CA_AUTO_ADDR_LIST: 'NO', EPICS_CA_ADDR_LIST: '127.0.0.1' };
  }

  /** Text of every gateway log of a container (the supervisor's captured output). */
  gatewayLogs(container: ContainerName): string {
    const logDir = join(this.dir, container, 'log');
    if (!existsSync(logDir)) return '';
    return execFileSync('sh', ['-c', 'cat -- "$0"/*.log 2>/dev/null || true', logDir], { encoding: 'utf8' });
  }

  /** caget/caput/camonitor/cainfo of the peers inside a network's namespace. */
  tool(
    network: NetworkName,
    name: 'caget' | 'caput' | 'cainfo',
    args: string[],
    env = this.clientEnv(network),
  ) {
    return this.bed.run(network, [join(this.peers, 'bin/linux-x86_64', name), ...args], {
      env,
      timeoutMs: 15_000,
    });
  }

  camonitor(network: NetworkName, pvs: string[], env = this.clientEnv(network)): BedProcess {
    return this.bed.start(network, [join(this.peers, 'bin/linux-x86_64/camonitor'), ...pvs], { env });
  }

  gwagent(ns: string, args: string[], env: Record<string, string>) {
    return this.bed.run(ns, [process.execPath, GWAGENT, ...args], { env, timeoutMs: 15_000 });
  }

  async dispose(): Promise<void> {
    for (const agent of this.agents.values()) await agent.stop('SIGTERM', 5000);
    await this.bed.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
