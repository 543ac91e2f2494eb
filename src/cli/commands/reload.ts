// `gwagent reload`: asks the running agent to re-read its configuration (the agent decides what that
// means: regenerate files, signal gateways, restart the ones whose command line changed).
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { controlRequest } from '../../supervisor/control-client.js';
import { defaultSocketPath, SOCKET_OPTION, SOCKET_USAGE } from '../control-commands.js';

const USAGE = `Usage: gwagent reload [--socket PATH]
  Asks the running agent to reload its configuration and prints what it reports.
${SOCKET_USAGE}`;

export const command: Command = {
  summary: 'make the running agent reload its configuration',
  usage: USAGE,
  async run(argv) {
    const { values } = parseOptions(argv, SOCKET_OPTION, false);
    const response = await controlRequest(values.socket ?? defaultSocketPath(), { cmd: 'reload' });
    process.stdout.write(
      response.result === undefined ? 'reloaded\n' : JSON.stringify(response.result, null, 2) + '\n',
    );
    return 0;
  },
};
