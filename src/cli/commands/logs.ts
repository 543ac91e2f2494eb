// `gwagent logs NAME [-f] [-n LINES]`: a child's recent console output (timestamped) from the agent's
// in-memory tail; with -f keeps streaming until interrupted or the agent closes the connection.
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { GwError } from '../../errors.js';
import { controlRequest, openControlStream } from '../../supervisor/control-client.js';
import { defaultSocketPath, onePositional, SOCKET_OPTION, SOCKET_USAGE } from '../control-commands.js';

const USAGE = `Usage: gwagent logs NAME [-f] [-n LINES] [--socket PATH]
  Prints the last LINES lines (default: all kept, up to 1000) of NAME's console output.
  -f, --follow    keep printing new output (Ctrl-C to stop)
  -n, --lines N   how many lines to print first
${SOCKET_USAGE}`;

export const command: Command = {
  summary: "print (or follow) a supervised gateway's console output",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      ...SOCKET_OPTION,
      follow: { type: 'boolean', short: 'f' },
      lines: { type: 'string', short: 'n' },
    });
    const name = onePositional(positionals, 'NAME', USAGE);
    const socketPath = values.socket ?? defaultSocketPath();
    let lines: number | undefined;
    if (values.lines !== undefined) {
      lines = Number(values.lines);
      if (!Number.isInteger(lines) || lines < 0)
        throw new GwError('GW_USAGE', `--lines must be a non-negative integer, got '${values.lines}'`);
    }
    if (!values.follow) {
      const response = await controlRequest(
        socketPath,
        lines === undefined ? { cmd: 'logs', name } : { cmd: 'logs', name, lines },
      );
      process.stdout.write(response.text ?? '');
      return 0;
    }
    const stream = await openControlStream(socketPath, { cmd: 'follow', name, lines: lines ?? 1000 });
    process.stdout.write(stream.response.text ?? '');
    process.stdout.write(stream.initial);
    stream.socket.pipe(process.stdout, { end: false });
    stream.socket.resume();
    const stop = (): void => {
      stream.socket.destroy();
    };
    process.once('SIGINT', stop);
    await new Promise((resolve) => stream.socket.once('close', resolve));
    process.off('SIGINT', stop);
    return 0;
  },
};
