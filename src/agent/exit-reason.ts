// Why a gateway ended, from the last lines of its output: ca-gateway states its own fatal reasons
// ("Failed to start gateServer, aborting" then "  Reason: server isnt attached to a network") and may
// exit with status 0 doing so (pcas cannot bind an explicit -sip that is not on a broadcast-capable
// interface), so the exit status alone tells an operator nothing. Pure.

/** Known last words of ca-gateway before it gives up, most specific first. */
const REASON_PATTERNS: readonly RegExp[] = [
  /^\s*Reason:\s*(.+?)\s*$/,
  /(server isnt attached to a network)/,
  /(Failed to start gateServer)/,
];

/** The gateway's own reason for its last exit, or undefined when its output gives none. */
export function gatewayExitReason(tail: string): string | undefined {
  const lines = tail.split('\n').reverse();
  for (const pattern of REASON_PATTERNS) {
    for (const line of lines) {
      const m = pattern.exec(line);
      if (m?.[1]) return m[1];
    }
  }
  return undefined;
}

/** LAST_EXIT's 39 characters: "exit 0: <reason>", else the reason alone, else the exit cut short. */
export function lastExitText(exitText: string, reason: string | undefined): string {
  if (!reason) return exitText;
  const both = `${exitText}: ${reason}`;
  if (both.length <= 39) return both;
  return reason.length <= 39 ? reason : both.slice(0, 39);
}

/**
 * Remembers where each gateway's output stood when it was started, so that a reason is taken only
 * from the output of the run that just ended, not from an earlier one still in the tail.
 */
export class ExitNotes {
  private readonly marks = new Map<string, string>();

  /** At a start: the last output line so far (tail of one line). */
  started(name: string, lastLine: string): void {
    this.marks.set(name, lastLine.trimEnd());
  }

  /** After an exit: the reason in the output written since the start, if any. */
  reason(name: string, tail: string): string | undefined {
    const lines = tail.split('\n');
    const mark = this.marks.get(name);
    const at = mark ? lines.lastIndexOf(mark) : -1;
    return gatewayExitReason(lines.slice(at + 1).join('\n'));
  }
}
