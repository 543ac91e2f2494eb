// `gwagent status [--json]`: the state of every supervised child, from the running agent.
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

const USAGE = `Usage: gwagent status [--json] [--socket PATH]
  Shows which agent holds the state directory (pid, host, since when), the agent's STATUS and
  what sets it (STATUS_MSG), then NAME STATE PID UPTIME RESTARTS LAST-EXIT for every child.
  --json          the full status objects as JSON
${SOCKET_USAGE}`;

export const command: Command = {
  summary: 'show the state of the supervised gateways',
  usage: USAGE,
  async run(argv) {
    const { values } = parseOptions(argv, { ...SOCKET_OPTION, json: { type: 'boolean' } }, false);
    const response = await controlRequest(values.socket ?? defaultSocketPath(), { cmd: 'status' });
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
