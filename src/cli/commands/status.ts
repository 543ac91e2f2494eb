// `gwagent status [--json]`: the state of every supervised child, from the running agent.
// `gwagent status --health`: the container's health verdict from its STATUS PV (ioc/health/verdict.ts),
// asked of the agent over its control socket, or over CA with --config/--server (../health-check.ts).
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { controlRequest } from '../../supervisor/control-client.js';
import {
  defaultSocketPath,
  formatHealthLine,
  formatStatusTable,
  SOCKET_OPTION,
  SOCKET_USAGE,
} from '../control-commands.js';
import { HEALTH_USAGE, readHealthVerdict } from '../health-check.js';
import { healthVerdict, type HealthVerdict } from '../../ioc/health/verdict.js';
import { STATUS_STRINGS } from '../../ioc/health/index.js';

const USAGE = `Usage: gwagent status [--json] [--socket PATH]
       gwagent status --health [--socket PATH | --config FILE | --server HOST:PORT --prefix P]
  Shows the agent's STATUS and what sets it (STATUS_MSG), which agent holds the state directory
  (pid, host, since when), then NAME STATE PID UPTIME RESTARTS LAST-EXIT for every child.
  --json          the full status objects as JSON
${SOCKET_USAGE}
${HEALTH_USAGE}
                  Without --config or --server, --health asks the agent on its control socket
                  (the image's HEALTHCHECK).`;

export const command: Command = {
  summary: 'show the state of the supervised gateways',
  usage: USAGE,
  async run(argv) {
    const { values } = parseOptions(
      argv,
      {
        ...SOCKET_OPTION,
        json: { type: 'boolean' },
        health: { type: 'boolean' },
        config: { type: 'string' },
        server: { type: 'string' },
        prefix: { type: 'string' },
      },
      false,
    );
    const socket = values.socket ?? defaultSocketPath();
    if (values.health) {
      const isOverCa = values.config !== undefined || values.server !== undefined;
      const verdict = isOverCa ? await readHealthVerdict(values) : await socketVerdict(socket);
      process.stdout.write(`${verdict.text}\n`);
      // Docker and Podman read a health check's exit status: 0 healthy, 1 unhealthy.
      return verdict.isHealthy ? 0 : 1;
    }
    const response = await controlRequest(socket, { cmd: 'status' });
    const children = response.children ?? [];
    if (values.json) {
      process.stdout.write(JSON.stringify(children, null, 2) + '\n');
      return 0;
    }
    // STATUS first: the line an operator (and a script's `head -1`) reads.
    process.stdout.write(formatHealthLine(response.health));
    const h = response.holder;
    if (h)
      process.stdout.write(`agent pid ${h.pid} on host ${h.host} holds ${h.stateDir} since ${h.since}\n`);
    process.stdout.write(formatStatusTable(children));
    return 0;
  },
};

/** The verdict from the running agent's own STATUS, asked on its control socket. */
async function socketVerdict(socket: string): Promise<HealthVerdict> {
  try {
    const response = await controlRequest(socket, { cmd: 'health' });
    const h = response.health;
    if (!h) return healthVerdict({ error: `the agent on ${socket} reports no health` });
    const index = (STATUS_STRINGS as readonly string[]).indexOf(h.status);
    return healthVerdict(index < 0 ? { error: `STATUS ${h.status}` } : { status: index, message: h.message });
  } catch (err) {
    return healthVerdict({ error: `the agent does not answer on ${socket}: ${(err as Error).message}` });
  }
}
