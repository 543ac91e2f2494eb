// `gwagent` command dispatch: finds the subcommand, prints help, and turns errors into exit statuses.
// A failing command exits with the status of its error code (errors.ts, EXIT): 64 for a bad command
// line, 78 for a bad configuration, 75 when another agent holds what it needs, 1 when an operation fails.
import { EX_USAGE, GwError, exitStatusOf } from '../errors.js';
import type { Command } from './command.js';

type Loader = () => Promise<Command>;

/** Subcommands, loaded on demand. Add a line here and a file under commands/. */
const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  run: {
    summary: 'run the agent: health IOC, gateway supervision and statistics',
    load: async () => (await import('./commands/run.js')).command,
  },
  ioc: {
    summary: 'serve records from .db files (and health PVs) over Channel Access',
    load: async () => (await import('./commands/ioc.js')).command,
  },
  config: {
    summary: 'check, render or explain an agent configuration',
    load: async () => (await import('./commands/config.js')).command,
  },
  site: {
    summary: 'render agent configurations and tables from a site inventory',
    load: async () => (await import('./commands/site.js')).command,
  },
  display: {
    summary: 'render Phoebus displays for a site',
    load: async () => (await import('./commands/display.js')).command,
  },
  alarms: {
    summary: 'render Phoebus alarm-server and ALH configurations for a site',
    load: async () => (await import('./commands/alarms.js')).command,
  },
  status: {
    summary: 'show the state of the supervised gateways',
    load: async () => (await import('./commands/status.js')).command,
  },
  start: {
    summary: 'start a supervised gateway (or all)',
    load: async () => (await import('./commands/start.js')).command,
  },
  stop: {
    summary: 'stop a supervised gateway (or all)',
    load: async () => (await import('./commands/stop.js')).command,
  },
  restart: {
    summary: 'restart a supervised gateway (or all)',
    load: async () => (await import('./commands/restart.js')).command,
  },
  reload: {
    summary: 'make the running agent reload its configuration',
    load: async () => (await import('./commands/reload.js')).command,
  },
  logs: {
    summary: "print (or follow) a supervised gateway's console output",
    load: async () => (await import('./commands/logs.js')).command,
  },
  console: {
    summary: "attach to a supervised gateway's console (detach with Ctrl-])",
    load: async () => (await import('./commands/console.js')).command,
  },
  fleet: {
    summary: 'the whole site over CA: status of every container, restart/stop/start a gateway',
    load: async () => (await import('./commands/fleet.js')).command,
  },
  ca: {
    summary: 'Channel Access get, put, monitor, info (like caget/caput/camonitor/cainfo); list served PVs',
    load: async () => (await import('./commands/ca.js')).command,
  },
};

function topHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'gwagent: in-container agent for EPICS Channel Access gateways',
    '',
    'Usage: gwagent COMMAND [OPTIONS]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `gwagent COMMAND --help` for the options of a command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp() + '\n');
    return name === undefined ? EX_USAGE : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${await packageVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`gwagent: unknown command '${name}'\n\n${topHelp()}\n`);
    return EX_USAGE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof GwError) {
      process.stderr.write(`gwagent ${name}: ${err.message}\n`);
      return exitStatusOf(err.code);
    }
    throw err;
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
