// `gwagent restart NAME|all`: asks the running agent to restart a child and prints the result.
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { controlRequest } from '../../supervisor/control-client.js';
import {
  defaultSocketPath,
  formatStatusTable,
  onePositional,
  SOCKET_OPTION,
  SOCKET_USAGE,
} from '../control-client.js';

const USAGE = `Usage: gwagent restart NAME|all [--socket PATH]
  Stops NAME and starts it again; returns once the new process is starting.
${SOCKET_USAGE}`;

export const command: Command = {
  summary: 'restart a supervised gateway (or all)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, SOCKET_OPTION);
    const name = onePositional(positionals, 'NAME (or all)', USAGE);
    const response = await controlRequest(values.socket ?? defaultSocketPath(), { cmd: 'restart', name });
    process.stdout.write(formatStatusTable(response.children ?? []));
    return 0;
  },
};
