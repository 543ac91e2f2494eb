// `gwagent start NAME|all`: asks the running agent to start a child and prints the result.
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

const USAGE = `Usage: gwagent start NAME|all [--socket PATH]
  Starts NAME (resetting its restart delay); prints its state.
${SOCKET_USAGE}`;

export const command: Command = {
  summary: 'start a supervised gateway (or all)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, SOCKET_OPTION);
    const name = onePositional(positionals, 'NAME (or all)', USAGE);
    const response = await controlRequest(values.socket ?? defaultSocketPath(), { cmd: 'start', name });
    process.stdout.write(formatStatusTable(response.children ?? []));
    return 0;
  },
};
