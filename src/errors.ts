// The single catalog of gwagent's error codes, the exit status each one ends the CLI with, and the one
// base error class. Every thrown error that a user can see carries a stable `code` from ERROR_CODES, so
// logs, tests and docs can name it. Protocol outcomes (ECA statuses) are data, not exceptions.

/**
 * The exit statuses of every gwagent command, sysexits.h's where one fits. The README's "Exit status"
 * table says the same; each error code below maps to one of them (exitStatusOf).
 */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** The operation failed: a PV did not connect, a put was refused, the agent cannot be reached. */
  FAILURE: 1,
  /** EX_USAGE: a bad command line (unknown command or option, missing or malformed value). */
  USAGE: 64,
  /** EX_TEMPFAIL: another process holds the state directory or a port; try again once it is gone. */
  TEMPFAIL: 75,
  /** EX_CONFIG: a configuration, .db or .acf file is invalid or unreadable. */
  CONFIG: 78,
} as const;

export const EX_USAGE = EXIT.USAGE;
export const EX_TEMPFAIL = EXIT.TEMPFAIL;
export const EX_CONFIG = EXIT.CONFIG;

export const ERROR_CODES = {
  // bad command line (EX_USAGE)
  GW_USAGE: 'bad command line',
  // configuration (EX_CONFIG)
  GW_CONFIG_INVALID: 'configuration file is invalid',
  GW_CONFIG_READ: 'configuration file cannot be read',
  GW_DB_PARSE: '.db file is invalid',
  GW_ACF_PARSE: '.acf file is invalid',
  // another process holds what this one needs (EX_TEMPFAIL)
  GW_LOCKED: 'the state directory is in use by another agent',
  GW_IN_USE: 'a port or socket is in use by another process',
  // CA protocol (peer's fault: the circuit is closed, nobody else is affected)
  GW_CA_FRAMING: 'malformed Channel Access message',
  GW_CA_OVERSIZE: 'Channel Access message larger than the allowed maximum',
  GW_CA_BAD_DBR: 'payload does not match its DBR type',
  // CA client
  GW_CA_TIMEOUT: 'Channel Access operation timed out',
  GW_CA_DISCONNECTED: 'channel disconnected',
  GW_CA_REFUSED: 'server refused the request',
  // runtime
  GW_IO: 'file or socket operation failed',
  GW_SPAWN: 'cannot start process',
  GW_CONTROL: 'agent control request failed',
  GW_INTERNAL: 'internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The exit status a command ends with when it fails with this code (see EXIT). */
export function exitStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'GW_USAGE':
      return EXIT.USAGE;
    case 'GW_CONFIG_INVALID':
    case 'GW_CONFIG_READ':
    case 'GW_DB_PARSE':
    case 'GW_ACF_PARSE':
      return EXIT.CONFIG;
    case 'GW_LOCKED':
    case 'GW_IN_USE':
      return EXIT.TEMPFAIL;
    default:
      return EXIT.FAILURE;
  }
}

/** Base error of gwagent: a stable `code`, a human message, and an optional cause chain. */
export class GwError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GwError';
    this.code = code;
  }
}

/** One located problem in a file: what `config check` and the .db/.acf loaders report, all at once. */
export interface Problem {
  file: string;
  line?: number;
  key?: string;
  message: string;
  severity: 'error' | 'warning';
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.key ? `${p.file} [${p.key}]` : p.file;
  return `${where}: ${p.severity}: ${p.message}`;
}

/** A file with one or more errors: carries every problem found, not just the first. */
export class ProblemsError extends GwError {
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, problems: readonly Problem[]) {
    super(code, problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}
