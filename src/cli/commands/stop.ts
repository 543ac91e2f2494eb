// `gwagent stop NAME|all`: asks the running agent to stop a child and prints the result.
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

const USAGE = `Usage: gwagent stop NAME|all [--socket PATH]
  SIGTERM to the process group, SIGKILL after the stop timeout; returns when it is stopped.
${SOCKET_USAGE}`;

export const command: Command = {
  summary: 'stop a supervised gateway (or all)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, SOCKET_OPTION);
    const name = onePositional(positionals, 'NAME (or all)', USAGE);
    const response = await controlRequest(values.socket ?? defaultSocketPath(), { cmd: 'stop', name });
    process.stdout.write(formatStatusTable(response.children ?? []));
    return 0;
  },
};
