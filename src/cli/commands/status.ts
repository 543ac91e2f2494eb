// `gwagent status [--json | --health]`: the state of every supervised child, from the running agent;
// with --health, the container health check: the agent's STATUS PV turned into an exit status.
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { controlRequest } from '../../supervisor/control-client.js';
import {
  defaultSocketPath,
  formatHealthLine,
  formatStatusTable,
  SOCKET_OPTION,
  SOCKET_USAGE,
} from '../control-client.js';

const USAGE = `Usage: gwagent status [--json | --health] [--socket PATH]
  Shows which agent holds the state directory (pid, host, since when), the agent's STATUS and
  what sets it (STATUS_MSG), then NAME STATE PID UPTIME RESTARTS LAST-EXIT for every child.
  --json          the full status objects as JSON
  --health        print the agent's STATUS (Ok, Degraded or Fault) and exit 0 for Ok or Degraded,
                  1 for Fault or when the agent does not answer (a container HEALTHCHECK)
${SOCKET_USAGE}`;

/** Health check exit statuses, as Docker and Podman read them: 0 healthy, 1 unhealthy. */
const HEALTHY = 0;
const UNHEALTHY = 1;

export const command: Command = {
  summary: 'show the state of the supervised gateways',
  usage: USAGE,
  async run(argv) {
    const { values } = parseOptions(
      argv,
      { ...SOCKET_OPTION, json: { type: 'boolean' }, health: { type: 'boolean' } },
      false,
    );
    const socket = values.socket ?? defaultSocketPath();
    if (values.health) return health(socket);
    const response = await controlRequest(socket, { cmd: 'status' });
    const children = response.children ?? [];
    if (values.json) {
      process.stdout.write(JSON.stringify(children, null, 2) + '\n');
      return 0;
    }
    const h = response.holder;
    if (h)
      process.stdout.write(`agent pid ${h.pid} on host ${h.host} holds ${h.stateDir} since ${h.since}\n`);
    process.stdout.write(formatHealthLine(response.health) + formatStatusTable(children));
    return 0;
  },
};

/**
 * Degraded (a MINOR alarm: a stopped gateway, high load) stays healthy: the agent serves and an engine
 * restarting the container would not help. Fault (MAJOR or INVALID: a gateway in backoff or fatal, a
 * hung one) and an agent that does not answer are unhealthy.
 */
async function health(socket: string): Promise<number> {
  let status: string;
  try {
    const response = await controlRequest(socket, { cmd: 'health' });
    status = response.health?.status ?? 'Fault';
  } catch (err) {
    process.stdout.write(`unhealthy: the agent does not answer on ${socket}: ${(err as Error).message}\n`);
    return UNHEALTHY;
  }
  const isHealthy = status === 'Ok' || status === 'Degraded';
  process.stdout.write(`STATUS ${status}: ${isHealthy ? 'healthy' : 'unhealthy'}\n`);
  return isHealthy ? HEALTHY : UNHEALTHY;
}
