// Maps one configured, rendered gateway onto the supervisor's ChildSpec. Pure.
import type { GatewayConfig, RenderedGateway } from '../gwconfig/index.js';
import type { ChildSpec, RestartPolicy } from '../supervisor/index.js';

/** The environment every gateway inherits from the agent, besides what gwconfig renders. */
const PASS_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'LD_LIBRARY_PATH', 'EPICS_CA_REPEATER_PORT'];

export function childSpec(
  gateway: GatewayConfig,
  rendered: RenderedGateway,
  agentEnv: NodeJS.ProcessEnv = process.env,
  /** The AUTORESTART switch: the file's `autorestart` at first, the operator's PV after that. */
  isAutorestart = gateway.supervision.autorestart,
): ChildSpec {
  const env: Record<string, string> = {};
  for (const k of PASS_THROUGH) {
    const v = agentEnv[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, rendered.env);
  const [command = gateway.binary, ...args] = rendered.argv;
  const s = gateway.supervision;
  return {
    name: gateway.name,
    command,
    args,
    env,
    cwd: rendered.home,
    home: rendered.home,
    ...(rendered.user !== undefined ? { user: rendered.user } : {}),
    startSecs: s.startS,
    backoffInitialMs: 1000,
    backoffMaxMs: s.backoffMaxS * 1000,
    stopTimeoutMs: s.stopTimeoutS * 1000,
    restart: restartPolicy(gateway, isAutorestart),
    logMaxBytes: s.logMaxBytes,
    logKeep: s.logKeep,
  };
}

/** The one place that turns the AUTORESTART switch into the supervisor's restart policy: off means
 * `never`, on means the file's `restart`. */
export function restartPolicy(gateway: GatewayConfig, isAutorestart: boolean): RestartPolicy {
  return isAutorestart ? gateway.supervision.restart : 'never';
}

/** The full command line, as shown on the CMD PV and in `gwagent status`. */
export function commandLine(spec: ChildSpec): string {
  return [spec.command, ...(spec.args ?? [])]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
