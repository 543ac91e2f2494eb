// The line a gateway printed last before it exited, from the supervisor's output tail, for LOG_MSG:
// ca-gateway says why it quits on its console ("server isnt attached to a network") and exits 0,
// so LAST_EXIT alone ("exit 0") does not tell an operator what went wrong. Pure.

/** ISO-8601 UTC stamp the supervisor puts before every logged line (line-stamper.ts). */
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z /;

/**
 * The last non-empty line of the child's own output in `tail` (timestamped lines and `@@@` supervisor
 * markers), or undefined. Only its latest run counts: scanning stops at the marker of its last start.
 */
export function lastOutputLine(tail: string, name: string): string | undefined {
  const lines = tail.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.replace(STAMP, '').trim();
    if (line.startsWith('@@@ ')) {
      if (line.startsWith(`@@@ gwagent: ${name} starting`)) return undefined;
      continue;
    }
    // control characters (a pty's colour codes, bells) would garble the string PV
    // eslint-disable-next-line no-control-regex -- matching them is the point
    const text = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/[\x00-\x1f\x7f]/g, '');
    if (text !== '') return text;
  }
  return undefined;
}
