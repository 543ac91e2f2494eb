// The shape of one `gwagent` subcommand and the shared helpers for parsing its options.
// Each subcommand lives in its own file under commands/ and is loaded lazily by main.ts, so
// `gwagent --help` never pays for loading node-pty or the IOC.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GwError } from '../errors.js';

export interface Command {
  /** One line for `gwagent --help`. */
  summary: string;
  /** Full text for `gwagent NAME --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit status. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with gwagent's conventions: unknown options are a usage error naming the option. */
export function parseOptions<T extends Options>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new GwError('GW_USAGE', (err as Error).message, { cause: err });
  }
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
