// The supervisor's public data shapes: what a child is (ChildSpec), what it is doing (ChildState,
// ChildStatus) and what it reports (StateEvent). Also the defaults and the one function that checks a
// spec and fills them in. Pure: no I/O.
import { GwError } from '../errors.js';
import { RESTART_POLICIES, type RestartPolicy } from '../restart-policy.js';

/** supervisord's state vocabulary. */
export const CHILD_STATES = [
  'stopped',
  'starting',
  'running',
  'backoff',
  'stopping',
  'exited',
  'fatal',
] as const;
export type ChildState = (typeof CHILD_STATES)[number];

/** What to run and how to supervise it. Only `name` and `command` are required. */
export interface ChildSpec {
  /** Unique; used for the log file (`<name>.log`), the state file and the control channel. [A-Za-z0-9_.-] */
  name: string;
  /** Absolute path, or a bare name searched in the child's PATH. Checked before every spawn. */
  command: string;
  args?: readonly string[];
  /** The child's whole environment (nothing is inherited). Default: the agent's environment. */
  env?: Readonly<Record<string, string>>;
  /** Working directory. Default: the user's home when `user` is set, else the agent's cwd. */
  cwd?: string;
  /** HOME for the child. Default: the user's home from /etc/passwd when `user` is set. */
  home?: string;
  /** Unprivileged user (name or numeric uid) to run as. Needs the agent to run as root. */
  user?: string;
  /** A start counts as successful only after the child stayed up this long. Default 5. */
  startSecs?: number;
  /** First restart delay; doubles on each further failure. Default 1000. */
  backoffInitialMs?: number;
  /** Cap of the restart delay; retries go on forever at this interval. Default 60000. */
  backoffMaxMs?: number;
  /** Uptime after which the delay goes back to backoffInitialMs. Default max(startSecs, backoffMaxMs). */
  backoffResetMs?: number;
  /** SIGTERM to the process group, then SIGKILL after this long. Default 10000. */
  stopTimeoutMs?: number;
  restart?: RestartPolicy;
  /** Rotate `<name>.log` when it would grow beyond this. Default 10 MiB. */
  logMaxBytes?: number;
  /** Rotated files kept besides the current one (`<name>.log.1` ... `.N`). Default 5. */
  logKeep?: number;
  /** Terminal size of the child's pty. Default 200x50. */
  cols?: number;
  rows?: number;
}

/** A ChildSpec with every default filled in. */
export interface ResolvedSpec {
  name: string;
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string | undefined;
  home: string | undefined;
  user: string | undefined;
  startSecs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  backoffResetMs: number;
  stopTimeoutMs: number;
  restart: RestartPolicy;
  logMaxBytes: number;
  logKeep: number;
  cols: number;
  rows: number;
}

/** How a process ended: exactly one of code / signal is set. */
export interface ExitInfo {
  code: number | undefined;
  /** Signal name, e.g. "SIGSEGV". */
  signal: string | undefined;
  at: number;
  uptimeMs: number;
  /** Human form: "exit 1" or "signal SIGSEGV". */
  text: string;
}

/** Emitted on every state change, from the one place that changes state. */
export interface StateEvent {
  name: string;
  state: ChildState;
  previous: ChildState;
  pid: number | undefined;
  reason: string | undefined;
  at: number;
}

/** Health of a child's log file: writing never stops the child, so errors are counted here. */
export interface LogStatus {
  path: string;
  bytesWritten: number;
  errors: number;
  lastError: string | undefined;
  droppedBytes: number;
}

/** A point-in-time view of one child, for status displays and PVs. Times are ms since the epoch. */
export interface ChildStatus {
  name: string;
  state: ChildState;
  pid: number | undefined;
  /** Time of the last state change. */
  since: number;
  /** While a process exists (starting, running, stopping). */
  uptimeMs: number | undefined;
  /** Automatic restarts since the supervisor was created (manual starts are not counted). */
  restarts: number;
  lastExit: ExitInfo | undefined;
  lastStartAt: number | undefined;
  /** Why the child is in this state (fatal, backoff, stopping ...). */
  reason: string | undefined;
  /** In backoff: when the next start is due. */
  nextStartAt: number | undefined;
  /** The delay the next automatic restart will wait. */
  backoffMs: number;
  /** True once the restart delay reached backoffMaxMs; cleared by a stable run or a manual start.
   * The supervisor never gives up; this is the flag for a MAJOR alarm. */
  isBackoffAtCap: boolean;
  /** Failed starts and crashes since the last stable run. */
  consecutiveFailures: number;
  log: LogStatus | undefined;
}

export const SPEC_DEFAULTS = {
  startSecs: 5,
  backoffInitialMs: 1000,
  backoffMaxMs: 60_000,
  stopTimeoutMs: 10_000,
  restart: 'always' as RestartPolicy,
  logMaxBytes: 10 * 1024 * 1024,
  logKeep: 5,
  cols: 200,
  rows: 50,
} as const;

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Checks a spec and fills in defaults; throws GW_CONFIG_INVALID naming every bad field. */
export function resolveSpec(
  spec: ChildSpec,
  agentEnv: Readonly<Record<string, string | undefined>>,
): ResolvedSpec {
  const problems: string[] = [];
  if (!NAME_RE.test(spec.name)) problems.push(`name '${spec.name}' must match ${NAME_RE.source}`);
  if (spec.name === 'all') problems.push(`name 'all' is reserved`);
  if (!spec.command) problems.push('command is empty');
  const num = (key: keyof ChildSpec, value: number | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value < min)
      problems.push(`${key} must be a number >= ${min}, got ${value}`);
    return value;
  };
  const startSecs = num('startSecs', spec.startSecs, SPEC_DEFAULTS.startSecs, 0);
  const backoffInitialMs = num('backoffInitialMs', spec.backoffInitialMs, SPEC_DEFAULTS.backoffInitialMs, 1);
  const backoffMaxMs = num('backoffMaxMs', spec.backoffMaxMs, SPEC_DEFAULTS.backoffMaxMs, 1);
  if (backoffMaxMs < backoffInitialMs) problems.push('backoffMaxMs must be >= backoffInitialMs');
  const backoffResetMs = num(
    'backoffResetMs',
    spec.backoffResetMs,
    Math.max(startSecs * 1000, backoffMaxMs),
    0,
  );
  const restart = spec.restart ?? SPEC_DEFAULTS.restart;
  if (!RESTART_POLICIES.includes(restart))
    problems.push(`restart must be one of ${RESTART_POLICIES.join(', ')}`);
  const resolved: ResolvedSpec = {
    name: spec.name,
    command: spec.command,
    args: [...(spec.args ?? [])],
    env: { ...(spec.env ?? definedOnly(agentEnv)) },
    cwd: spec.cwd,
    home: spec.home,
    user: spec.user,
    startSecs,
    backoffInitialMs,
    backoffMaxMs,
    backoffResetMs,
    stopTimeoutMs: num('stopTimeoutMs', spec.stopTimeoutMs, SPEC_DEFAULTS.stopTimeoutMs, 0),
    restart,
    logMaxBytes: num('logMaxBytes', spec.logMaxBytes, SPEC_DEFAULTS.logMaxBytes, 1024),
    logKeep: num('logKeep', spec.logKeep, SPEC_DEFAULTS.logKeep, 0),
    cols: num('cols', spec.cols, SPEC_DEFAULTS.cols, 1),
    rows: num('rows', spec.rows, SPEC_DEFAULTS.rows, 1),
  };
  if (problems.length > 0) {
    throw new GwError('GW_CONFIG_INVALID', `child '${spec.name}': ${problems.join('; ')}`);
  }
  return resolved;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** True when the change needs the process restarted to take effect (what it runs, not how it is supervised). */
export function needsRestart(a: ResolvedSpec, b: ResolvedSpec): boolean {
  return (
    a.command !== b.command ||
    a.cwd !== b.cwd ||
    a.home !== b.home ||
    a.user !== b.user ||
    a.cols !== b.cols ||
    a.rows !== b.rows ||
    JSON.stringify(a.args) !== JSON.stringify(b.args) ||
    JSON.stringify(sortedEntries(a.env)) !== JSON.stringify(sortedEntries(b.env))
  );
}

function sortedEntries(env: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(env).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}
