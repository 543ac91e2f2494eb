// `gwagent console NAME [--read-only]`: attaches the terminal to a child's pty through the agent, like
// procServ's telnet console but over the agent's private socket. Raw tty mode; Ctrl-] detaches (as in
// telnet). Several consoles may be attached at once.
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { openControlStream } from '../../supervisor/control-client.js';
import { defaultSocketPath, onePositional, SOCKET_OPTION, SOCKET_USAGE } from '../control-commands.js';

/** Ctrl-] (GS), telnet's escape character. */
const DETACH = 0x1d;

const USAGE = `Usage: gwagent console NAME [--read-only] [--socket PATH]
  Attaches this terminal to NAME's console. Detach with Ctrl-] (the child keeps running).
  --read-only     watch only; keystrokes are not sent
${SOCKET_USAGE}`;

export const command: Command = {
  summary: "attach to a supervised gateway's console (detach with Ctrl-])",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      ...SOCKET_OPTION,
      'read-only': { type: 'boolean' },
    });
    const name = onePositional(positionals, 'NAME', USAGE);
    const isReadOnly = values['read-only'] ?? false;
    const stream = await openControlStream(values.socket ?? defaultSocketPath(), {
      cmd: 'console',
      name,
      readOnly: isReadOnly,
    });
    const { socket } = stream;
    process.stderr.write(
      `Attached to the console of ${name}${isReadOnly ? ' (read-only)' : ''}. Detach with Ctrl-].\r\n`,
    );
    const stdin = process.stdin;
    const isTty = stdin.isTTY;
    if (isTty) stdin.setRawMode(true);
    let isDetached = false;
    const detach = (): void => {
      isDetached = true;
      socket.end();
    };
    const onInput = (chunk: Buffer): void => {
      const at = chunk.indexOf(DETACH);
      const data = at >= 0 ? chunk.subarray(0, at) : chunk;
      if (data.length > 0 && !isReadOnly) socket.write(data);
      if (at >= 0) detach();
    };
    stdin.on('data', onInput);
    if (!isReadOnly) stdin.once('end', detach); // a watcher may run with stdin closed
    stdin.resume();
    process.stdout.write(stream.initial);
    socket.on('data', (d: Buffer) => process.stdout.write(d));
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    stdin.off('data', onInput);
    if (isTty) stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write(isDetached ? '\r\nDetached.\r\n' : '\r\nThe agent closed the console.\r\n');
    return 0;
  },
};
