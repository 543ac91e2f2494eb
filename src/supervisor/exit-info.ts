// Turns a raw exit status (code, signal number) into the supervisor's ExitInfo and its text form
// ("exit 1", "signal SIGSEGV"), and decides whether an exit counts as a failure. Pure.
import { constants } from 'node:os';
import type { ExitInfo } from './types.js';

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, num]) => [num, name]),
);

export function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `signal ${signal}`;
}

/** node-pty reports exitCode 0 plus a signal number when the process was killed by a signal. */
export function exitInfo(
  exitCode: number,
  signal: number | undefined,
  at: number,
  uptimeMs: number,
): ExitInfo {
  if (signal !== undefined && signal !== 0) {
    const name = signalName(signal);
    return { code: undefined, signal: name, at, uptimeMs, text: `signal ${name}` };
  }
  return { code: exitCode, signal: undefined, at, uptimeMs, text: `exit ${exitCode}` };
}

/** Any signal or non-zero code is a failure (procServ issue #58: a SIGSEGV must not look like success). */
export function isFailure(exit: ExitInfo): boolean {
  return exit.signal !== undefined || exit.code !== 0;
}
