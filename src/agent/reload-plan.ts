// The reload plan: the running configuration and the new one in, the list of actions that turns the one
// into the other out (per gateway: add, remove, stop, restart, reload in place...; then the agent's own
// PVs). Pure: it renders both configurations in memory and compares them; no files, no supervisor.
// The agent executes the list in order; unchanged gateways get no action at all.
import {
  launchText,
  renderGateway,
  serverAddress,
  type AgentConfig,
  type GatewayConfig,
} from '../gwconfig/index.js';

export type ReloadAction =
  /** Gone from the file: stop it and drop its PVs (its files are kept). */
  | { kind: 'remove'; gateway: string }
  /** New in the file: create its PVs and supervision, start it when enabled. */
  | { kind: 'add'; gateway: string }
  /** `enabled` turned off: stop it (before its new spec goes in, so it is not restarted). */
  | { kind: 'stop'; gateway: string }
  /** Command line, environment or user changed: new spec, restarted if it runs (retried if FATAL). */
  | { kind: 'restart'; gateway: string }
  /** Only supervision settings changed (timeouts, backoff, restart policy, log sizes): new spec. */
  | { kind: 'update'; gateway: string }
  /** Its server address or port changed: the statistics mirror follows it. */
  | { kind: 'retarget'; gateway: string; server: string }
  /** Only its pvlist or access file changed, and it is enabled: reload in place (newAsFlag). */
  | { kind: 'reread'; gateway: string }
  | { kind: 'label'; gateway: string; label: string }
  /** `enabled` turned on. */
  | { kind: 'start'; gateway: string }
  /** The agent's GW_CNT. */
  | { kind: 'gateway-count'; count: number };

/** `host:port` of a gateway's CA server, where its statistics are read. */
export function gatewayServer(config: AgentConfig, gateway: GatewayConfig): string {
  return `${serverAddress(config, gateway) ?? '127.0.0.1'}:${gateway.serverPort}`;
}

/** The supervision settings that go into the spec. Not `enabled` (start/stop actions), not
 * `autorestart` (the operator's AUTORESTART switch outlives a reload), not the unresponsive limit
 * (read live by the agent's refresh). */
function specSettings(g: GatewayConfig): string {
  const { enabled: _e, autorestart: _a, unresponsiveRestartS: _u, ...rest } = g.supervision;
  return JSON.stringify(rest);
}

function changeActions(
  old: AgentConfig,
  next: AgentConfig,
  was: GatewayConfig,
  g: GatewayConfig,
): ReloadAction[] {
  const name = g.name;
  const before = renderGateway(old, name);
  const after = renderGateway(next, name);
  const isRelaunch = launchText(before) !== launchText(after) || before.command !== after.command;
  const isRereadable = before.pvlist !== after.pvlist || before.access !== after.access;
  const actions: ReloadAction[] = [];
  const gateway = name;
  if (was.supervision.enabled && !g.supervision.enabled) actions.push({ kind: 'stop', gateway });
  if (isRelaunch) actions.push({ kind: 'restart', gateway });
  else if (specSettings(was) !== specSettings(g)) actions.push({ kind: 'update', gateway });
  const server = gatewayServer(next, g);
  if (server !== gatewayServer(old, was)) actions.push({ kind: 'retarget', gateway, server });
  if (!isRelaunch && isRereadable && g.supervision.enabled) actions.push({ kind: 'reread', gateway });
  if (g.label !== was.label) actions.push({ kind: 'label', gateway, label: g.label });
  if (!was.supervision.enabled && g.supervision.enabled) actions.push({ kind: 'start', gateway });
  return actions;
}

/** What a reload from `old` to `next` must do, in the order it must be done: removals first (their
 * ports and names are free for the rest), then each gateway in the new file's order. */
export function planReload(old: AgentConfig, next: AgentConfig): ReloadAction[] {
  const removed = old.gateways.filter((g) => !next.gateways.some((n) => n.name === g.name));
  const actions: ReloadAction[] = removed.map((g) => ({ kind: 'remove', gateway: g.name }));
  for (const g of next.gateways) {
    const was = old.gateways.find((o) => o.name === g.name);
    if (was === undefined) actions.push({ kind: 'add', gateway: g.name });
    else actions.push(...changeActions(old, next, was, g));
  }
  if (old.gateways.length !== next.gateways.length)
    actions.push({ kind: 'gateway-count', count: next.gateways.length });
  return actions;
}
