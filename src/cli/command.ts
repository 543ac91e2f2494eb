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
 * (not Node's), and a negative number is a value, never an option: the value of the option before it
 * (`-w -1`, so the command says what range it wants) or a positional (`ca put PV -5`, as caput takes it).
 */
export function parseOptions<T extends Options>(argv: string[], options: T, allowPositionals = true) {
  const { args, numbers } = markNegativeNumbers(argv, options);
  try {
    const parsed = parseArgs({ args, options, allowPositionals, strict: true });
    return { ...parsed, positionals: parsed.positionals.map((p) => numbers.get(p) ?? p) };
  } catch (err) {
    let message = usageMessage(err as Error & { code?: string });
    for (const [marker, text] of numbers) message = message.replace(marker, text);
    throw new GwError('GW_USAGE', message, { cause: err });
  }
}

/** Joins `-w -1` into `--w=-1`; replaces a negative-number positional by a marker (argv never holds NUL). */
function markNegativeNumbers(argv: readonly string[], options: Options) {
  const takesValue = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    takesValue.set(name.length === 1 ? `-${name}` : `--${name}`, name);
    if (o.short !== undefined) takesValue.set(`-${o.short}`, name);
  }
  const args: string[] = [];
  const numbers = new Map<string, string>();
  const isNumber = (text: string | undefined): text is string =>
    text !== undefined && /^-(\d|\.\d)/.test(text);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const name = takesValue.get(arg);
    const next = argv[i + 1];
    if (name !== undefined && isNumber(next)) {
      args.push(`--${name}=${next}`);
      i++;
    } else if (isNumber(arg)) {
      const marker = `\0${i}`;
      numbers.set(marker, arg);
      args.push(marker);
    } else args.push(arg);
  }
  return { args, numbers };
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
