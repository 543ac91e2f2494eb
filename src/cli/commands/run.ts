// `gwagent run`: what the container runs. Starts the agent on a config file (or the embedded demo),
// stops every gateway and exits 0 on SIGTERM/SIGINT, reloads on SIGHUP, restarts in place on SYSRESET.
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from '../../agent/index.js';
import {
  DemoSetupError,
  findDemoPrograms,
  namespacedDemoUnavailable,
  runNamespacedDemo,
} from '../../demo/demo-site.js';
import { GwError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { installShutdownHandlers } from '../../supervisor/index.js';

const USAGE = `Usage: gwagent run --config FILE
       gwagent run --demo

Runs the agent: renders each gateway's files, serves the health and gateway PVs, supervises the
gateways and mirrors their statistics.

Options:
  --config FILE   agent configuration (INI; see docs/config.md)
  --demo          the demo: as root, with iproute2 and a ca-gateway ($EPICS_PEERS, ../shared/peers/epics
                  or \`gateway\` on PATH), a subnet, a GIN and a container in network namespaces
                  (examples/demo-netns.ini; state in $GWAGENT_DEMO_DIR or /tmp/gwagent-demo), whose
                  gateways proxy real IOC PVs; otherwise examples/demo.ini on loopback

Signals: SIGTERM/SIGINT stop every gateway and exit 0; SIGHUP reloads the configuration
(an invalid file changes nothing). \`gwagent reload\` does the same over the control socket.`;

export const DEMO_CONFIG = fileURLToPath(new URL('../../../examples/demo.ini', import.meta.url));

/** The loopback demo's environment: a ca-gateway found beside the repository ($EPICS_PEERS,
 * ../shared/peers/epics) or on PATH goes first on the gateways' PATH. */
function loopbackDemoEnv(): NodeJS.ProcessEnv {
  const gateway = findDemoPrograms()?.gateway;
  if (gateway === undefined) return process.env;
  return { ...process.env, PATH: [dirname(gateway), process.env.PATH ?? ''].join(delimiter) };
}

/** What the loopback demo shows, and why not more. */
function loopbackDemoNote(reason: string, env: NodeJS.ProcessEnv): string {
  const gateways =
    findDemoPrograms(env) === undefined
      ? 'no ca-gateway was found, so both demo gateways are FATAL ("gateway binary not found")'
      : 'both gateways serve on 127.0.0.1 (ports 5066 and 5068)';
  return (
    `loopback demo (${reason}): the health IOC and every gateway PV on 127.0.0.1:5064 and gateway ` +
    `supervision; ${gateways}. As root with iproute2 and a ca-gateway, \`npm start\` runs the demo ` +
    'site in network namespaces, where the gateways proxy real IOC PVs.'
  );
}

export const command: Command = {
  summary: 'run the agent: health IOC, gateway supervision and statistics',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      config: { type: 'string' },
      demo: { type: 'boolean' },
    });
    if (positionals.length) throw new GwError('GW_USAGE', `unexpected argument '${positionals[0]}'`);
    if (!values.config === !values.demo)
      throw new GwError('GW_USAGE', 'give exactly one of --config FILE or --demo');
    const configPath = values.config ?? DEMO_CONFIG;
    const log = createLogger('agent');
    let env = process.env;
    if (values.demo) {
      let reason = namespacedDemoUnavailable();
      if (reason === undefined) {
        try {
          return await runNamespacedDemo(
            createLogger('demo'),
            process.env.GWAGENT_DEMO_DIR ?? '/tmp/gwagent-demo',
          );
        } catch (err) {
          if (!(err instanceof DemoSetupError)) throw err;
          reason = err.message;
        }
      }
      env = loopbackDemoEnv();
      log.warn(loopbackDemoNote(reason, env));
      log.info(`demo mode: ${configPath}`);
    }

    let agent: Agent;
    let restarting = false;
    const makeAgent = () =>
      new Agent({
        configPath,
        log,
        env,
        onSysReset: () => {
          if (restarting) return;
          restarting = true;
          log.warn('SYSRESET: restarting the agent and its gateways');
          void (async () => {
            await agent.stop();
            agent = makeAgent();
            await agent.start();
            restarting = false;
          })().catch((err: unknown) => {
            log.error(`restart failed: ${(err as Error).message}`);
            process.exit(1);
          });
        },
      });
    agent = makeAgent();
    try {
      await agent.start();
    } catch (err) {
      // A failure late in start (e.g. a console port in use) comes after the gateways were launched:
      // stop them, or they and this process would keep running without control.
      await agent.stop().catch(() => undefined);
      throw err;
    }

    return new Promise<number>((resolve) => {
      installShutdownHandlers(
        { close: () => agent.stop() },
        {
          log: (m) => log.info(m),
          stopping: 'every gateway',
          waitingFor: 'the gateways',
          onExit: resolve,
        },
      );
      process.on('SIGHUP', () => {
        log.info('SIGHUP: reloading the configuration');
        void agent.reload();
      });
    });
  },
};
