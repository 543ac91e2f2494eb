// The namespaced demo of `gwagent run --demo`: a subnet and a GIN (bridges in namespaces of their own),
// a soft IOC on each, and the agent in a container namespace on both, supervising the real ca-gateway
// with examples/demo-netns.ini, so the demo gateways proxy real IOC PVs. Prints what to try, forwards
// SIGINT/SIGTERM to the agent and removes every namespace on the way out (also on a crash).
// Chosen only as root, with iproute2, where a ca-gateway is found; `run.ts` falls back to loopback.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import { NetnsBed, netnsUnavailable } from './netns-bed.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const DEMO_NETNS_CONFIG = join(REPO, 'examples/demo-netns.ini');
const GWAGENT = join(REPO, 'bin/gwagent.js');

/** Addresses of examples/demo-netns.ini (198.18.0.0/15: reserved for test beds). */
export const DEMO_NET = {
  sub: { ioc: '198.18.101.10', cidr: '198.18.101.10/24', broadcast: '198.18.101.255' },
  gin: { ioc: '198.18.100.10', cidr: '198.18.100.10/24', broadcast: '198.18.100.255' },
  container: { sub: '198.18.101.2/24', gin: '198.18.100.2/24', ginAddress: '198.18.100.2' },
} as const;

const DB = {
  sub: `record(calc, "SUB:RAMP") { field(DESC, "counts up every second") field(SCAN, "1 second") field(CALC, "A+1") field(INPA, "SUB:RAMP NPP") }
record(ao, "SUB:SETPT") { field(DESC, "a setpoint") field(VAL, "1.5") }
record(stringin, "SUB:SECRET:KEY") { field(DESC, "denied by DEMOF") field(VAL, "not for the GIN") }
`,
  gin: `record(stringin, "GIN:MSG") { field(DESC, "another container's PV") field(VAL, "hello from the GIN") }
`,
};

/** The EPICS programs the namespaced demo runs. */
export interface DemoPrograms {
  gateway: string;
  /** The peers' softIoc with its dbd, when found; otherwise the IOCs are `gwagent ioc`. */
  softIoc?: { bin: string; dbd: string };
  caRepeater?: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable `name` in the directories of `path`, or undefined. */
export function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter))
    if (dir !== '' && isExecutable(join(dir, name))) return join(dir, name);
  return undefined;
}

/** ca-gateway from EPICS_PEERS, ../shared/peers/epics beside the repository, or PATH. */
export function findDemoPrograms(env: NodeJS.ProcessEnv = process.env): DemoPrograms | undefined {
  for (const peers of [env.EPICS_PEERS, join(REPO, '../shared/peers/epics')]) {
    if (peers === undefined || peers === '') continue;
    const bin = join(peers, 'bin/linux-x86_64');
    if (!isExecutable(join(bin, 'gateway'))) continue;
    const programs: DemoPrograms = { gateway: join(bin, 'gateway') };
    const dbd = join(peers, 'dbd/softIoc.dbd');
    if (isExecutable(join(bin, 'softIoc')) && existsSync(dbd))
      programs.softIoc = { bin: join(bin, 'softIoc'), dbd };
    if (isExecutable(join(bin, 'caRepeater'))) programs.caRepeater = join(bin, 'caRepeater');
    return programs;
  }
  const path = env.PATH ?? '';
  const gateway = onPath('gateway', path);
  if (gateway === undefined) return undefined;
  const programs: DemoPrograms = { gateway };
  const softIoc = onPath('softIoc', path);
  // softIoc's dbd sits in <base>/dbd beside <base>/bin/<arch>
  const dbd = softIoc && join(dirname(softIoc), '../../dbd/softIoc.dbd');
  if (softIoc !== undefined && dbd !== undefined && existsSync(dbd)) programs.softIoc = { bin: softIoc, dbd };
  const caRepeater = onPath('caRepeater', path);
  if (caRepeater !== undefined) programs.caRepeater = caRepeater;
  return programs;
}

/** Why the namespaced demo cannot run here (then the loopback demo runs), or undefined. */
export function namespacedDemoUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const reason = netnsUnavailable();
  if (reason !== undefined) return reason;
  if (findDemoPrograms(env) === undefined)
    return 'no ca-gateway found ($EPICS_PEERS, ../shared/peers/epics or `gateway` on PATH)';
  return undefined;
}

/**
 * The three commands a newcomer should try, for the namespaces of this run (the other direction,
 * `GIN:MSG` in the subnet through DEMOR, works alike from the subnet's namespace).
 */
export function demoCommands(bed: NetnsBed, stateDir: string): string[] {
  const ca = (ns: string, addr: string, args: string) =>
    `ip netns exec ${bed.ns(ns)} env EPICS_CA_AUTO_ADDR_LIST=NO EPICS_CA_ADDR_LIST=${addr} node ${GWAGENT} ca ${args}`;
  return [
    `node ${GWAGENT} status --socket ${join(stateDir, 'control.sock')}`,
    ca('gin', DEMO_NET.container.ginAddress, 'monitor SUB:RAMP   # the subnet IOC on the GIN, through DEMOF'),
    ca('gw', '127.0.0.1', 'get DEMO:STATUS DEMO:DEMOF:STATE DEMO:DEMOF:PV_TOTAL   # the agent health IOC'),
  ];
}

/** Making the namespaces failed: nothing runs, nothing is left; the loopback demo can run instead. */
export class DemoSetupError extends Error {}

/**
 * Runs the namespaced demo until SIGINT/SIGTERM; resolves with the agent's exit code. Rejects with
 * DemoSetupError when the namespaces cannot be made.
 */
export async function runNamespacedDemo(log: Logger, stateDir: string): Promise<number> {
  const programs = findDemoPrograms()!;
  const bed = new NetnsBed({ prefix: 'gwd' });
  try {
    mkdirSync(join(stateDir, 'log'), { recursive: true });
    try {
      await bed.network('sub');
      await bed.host('sub', DEMO_NET.sub.cidr);
      await bed.network('gin');
      await bed.host('gin', DEMO_NET.gin.cidr);
      await bed.namespace('gw');
      await bed.link('gw', 'eth0', 'sub', DEMO_NET.container.sub);
      await bed.link('gw', 'eth1', 'gin', DEMO_NET.container.gin);
    } catch (err) {
      // root without the right to make namespaces (e.g. inside an unprivileged container)
      throw new DemoSetupError(`network namespaces could not be made: ${(err as Error).message}`);
    }
    const binDir = dirname(programs.gateway);
    const pathEnv = { PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };
    if (programs.caRepeater !== undefined)
      for (const ns of ['sub', 'gin', 'gw']) bed.start(ns, [programs.caRepeater], { env: pathEnv });
    for (const ns of ['sub', 'gin'] as const) {
      const db = join(stateDir, `${ns}.db`);
      writeFileSync(db, DB[ns]);
      const argv = programs.softIoc
        ? [programs.softIoc.bin, '-D', programs.softIoc.dbd, '-S', '-d', db]
        : [process.execPath, GWAGENT, 'ioc', '--db', db];
      bed.start(ns, argv, {
        env: {
          ...pathEnv,
          EPICS_CAS_INTF_ADDR_LIST: DEMO_NET[ns].ioc,
          EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
          EPICS_CAS_BEACON_ADDR_LIST: DEMO_NET[ns].broadcast,
        },
      });
    }
    const ini = join(stateDir, 'demo.ini');
    writeFileSync(ini, readFileSync(DEMO_NETNS_CONFIG, 'utf8').replaceAll('/tmp/gwagent-demo', stateDir));
    log.info(
      `demo site in network namespaces ${['sub', 'gin', 'gw'].map((n) => bed.ns(n)).join(', ')}: ` +
        `gateway ${programs.gateway}, IOCs ${programs.softIoc ? programs.softIoc.bin : 'gwagent ioc'}`,
    );
    const agent = bed.start('gw', [process.execPath, GWAGENT, 'run', '--config', ini], {
      env: { ...pathEnv, GWAGENT_SOCKET: join(stateDir, 'control.sock') },
      isInheritingOutput: true,
    });
    const socket = join(stateDir, 'control.sock');
    const until = Date.now() + 15_000;
    while (!existsSync(socket) && agent.isRunning && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    if (agent.isRunning) {
      process.stdout.write(
        `\nThe demo site runs (Ctrl-C stops it and removes the namespaces). Try, as root, from another shell:\n` +
          demoCommands(bed, stateDir)
            .map((c) => `  ${c}\n`)
            .join('') +
          '\n',
      );
    }
    let isStopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (isStopping) return;
      isStopping = true;
      log.info(`${signal}: stopping the demo agent, then removing the namespaces`);
      void agent.stop('SIGTERM', 20_000);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const { code, signal } = await agent.exited;
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    return code ?? (signal !== null ? 1 : 0);
  } finally {
    await bed.dispose();
    log.info('demo namespaces removed');
  }
}
