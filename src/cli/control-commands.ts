// The pieces the CLI's control commands share (status, start, stop, restart, reload, logs, console):
// the socket path default, the --socket option, the NAME positional, the status table, and the
// start/stop/restart command itself. Formatting is pure; the socket work is the supervisor's
// control client (../supervisor/control-client.ts).
import { GwError } from '../errors.js';
import { controlRequest } from '../supervisor/control-client.js';
import { parseOptions, type Command } from './command.js';
import type { ChildStatus } from '../supervisor/types.js';
import type { HealthSummary } from '../supervisor/control-protocol.js';

/** `$GWAGENT_SOCKET`, else /run/gwagent/control.sock. */
export function defaultSocketPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env['GWAGENT_SOCKET'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : '/run/gwagent/control.sock';
}

/** parseOptions fragment every control command accepts. */
export const SOCKET_OPTION = { socket: { type: 'string' } } as const;

export const SOCKET_USAGE = `  --socket PATH   the agent's control socket (default: $GWAGENT_SOCKET or /run/gwagent/control.sock)`;

/** The single NAME (or "all") positional of start/stop/restart/logs/console. */
export function onePositional(positionals: readonly string[], what: string, usage: string): string {
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0)
    throw new GwError('GW_USAGE', `expected exactly one ${what}\n${usage}`);
  return name;
}

/** 93 s -> "1m33s", 2 d -> "2d00h"; two units at most. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d${two(h)}h`;
  if (h > 0) return `${h}h${two(m)}m`;
  if (m > 0) return `${m}m${two(sec)}s`;
  return `${sec}s`;
}

/** `STATUS Degraded: MINOR: MEM_USED_PCT HIGH` (or `STATUS Ok`), the first line of `gwagent status`. */
export function formatHealthLine(health: HealthSummary | undefined): string {
  if (!health) return '';
  return `STATUS ${health.status}${health.message ? `: ${health.message}` : ''}\n`;
}

/**
 * NAME STATE PID UPTIME RESTARTS LAST-EXIT, one row per child, then the reason of each child that is
 * fatal or in backoff (and whether backoff reached its cap), since that is what an operator needs next.
 */
export function formatStatusTable(children: readonly ChildStatus[]): string {
  const header = ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST-EXIT'];
  const rows = children.map((c) => [
    c.name,
    c.state.toUpperCase(),
    c.pid !== undefined ? String(c.pid) : '-',
    formatDuration(c.uptimeMs),
    String(c.restarts),
    c.lastExit?.text ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const c of children) {
    if ((c.state === 'fatal' || c.state === 'backoff') && c.reason !== undefined) {
      out.push(`${c.name}: ${c.reason}${c.isBackoffAtCap ? ' (retrying at the slowest rate)' : ''}`);
    }
    if (c.log !== undefined && c.log.errors > 0) {
      out.push(
        `${c.name}: log file errors: ${c.log.errors} (last: ${c.log.lastError ?? '?'}), ${c.log.droppedBytes} bytes dropped`,
      );
    }
  }
  return out.join('\n') + '\n';
}

/** `gwagent start|stop|restart NAME|all`: one request to the running agent, then its status table. */
export function childCommand(
  cmd: 'start' | 'stop' | 'restart',
  summary: string,
  description: string,
): Command {
  const usage = `Usage: gwagent ${cmd} NAME|all [--socket PATH]\n  ${description}\n${SOCKET_USAGE}`;
  return {
    summary,
    usage,
    async run(argv) {
      const { values, positionals } = parseOptions(argv, SOCKET_OPTION);
      const name = onePositional(positionals, 'NAME (or all)', usage);
      const response = await controlRequest(values.socket ?? defaultSocketPath(), { cmd, name });
      process.stdout.write(formatStatusTable(response.children ?? []));
      return 0;
    },
  };
}
