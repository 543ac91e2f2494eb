// `gwagent status [--json]`: the state of every supervised child, from the running agent.
// `gwagent status --health`: the container's health verdict from its STATUS PV (see ../health-check.ts).
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { controlRequest } from '../../supervisor/control-client.js';
import { defaultSocketPath, formatStatusTable, SOCKET_OPTION, SOCKET_USAGE } from '../control-client.js';
import { HEALTH_USAGE, readHealthVerdict } from '../health-check.js';

const USAGE = `Usage: gwagent status [--json] [--socket PATH]
       gwagent status --health [--config FILE | --server HOST:PORT --prefix P]
  Shows NAME STATE PID UPTIME RESTARTS LAST-EXIT for every child of the running agent.
  --json          the full status objects as JSON
${SOCKET_USAGE}
${HEALTH_USAGE}`;

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
    if (values.health) {
      const verdict = await readHealthVerdict(values);
      process.stdout.write(`${verdict.text}\n`);
      return verdict.isHealthy ? 0 : 1;
    }
    const response = await controlRequest(values.socket ?? defaultSocketPath(), { cmd: 'status' });
    const children = response.children ?? [];
    process.stdout.write(
      values.json ? JSON.stringify(children, null, 2) + '\n' : formatStatusTable(children),
    );
    return 0;
  },
};
