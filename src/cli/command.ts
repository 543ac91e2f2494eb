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

/**
 * parseArgs with gwagent's conventions: a bad command line is a GW_USAGE error in gwagent's own words
 * (not Node's), and a negative number after an option is its value (`-w -1`), so the command itself says
 * what range it wants instead of parseArgs calling the value ambiguous.
 */
export function parseOptions<T extends Options>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: withNegativeValues(argv, options), options, allowPositionals, strict: true });
  } catch (err) {
    throw new GwError('GW_USAGE', usageMessage(err as Error & { code?: string }), { cause: err });
  }
}

function withNegativeValues(argv: readonly string[], options: Options): string[] {
  const takesValue = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    takesValue.set(name.length === 1 ? `-${name}` : `--${name}`, name);
    if (o.short !== undefined) takesValue.set(`-${o.short}`, name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const name = takesValue.get(arg);
    const next = argv[i + 1];
    if (name !== undefined && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs' errors, told the way the rest of gwagent talks. */
function usageMessage(err: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  // "-w, --wait <value>" -> "-w"; gwagent's one-letter options are long names: "--w" -> "-w"
  const first = quoted.split(/[ ,]/)[0] ?? quoted;
  const option = /^--.$/.test(first) ? first.slice(1) : first;
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${option}' (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (err.message.includes('does not take an argument')) return `option '${option}' takes no value`;
      if (err.message.includes('ambiguous'))
        return `option '${option}' needs a value; one that starts with '-' is written -${option.replace(/^-+/, '-')}=VALUE`;
      return `option '${option}' needs a value`;
    default:
      return err.message;
  }
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
