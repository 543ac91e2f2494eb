// One supervised gateway as the agent holds it, built once when the gateway is added: its config, its
// supervisor spec, its PVs and the mirror of its statistics (which follows the gateway's server address),
// and the unresponsive-gateway rule. A reload hands it the new config (`respec`); the supervisor calls
// stay the agent's.
import type { CaClient } from '../ca/client/index.js';
import { renderGateway, type AgentConfig, type GatewayConfig } from '../gwconfig/index.js';
import { CONTROL_ASG, type RecordDatabase } from '../ioc/index.js';
import type { ChildSpec } from '../supervisor/index.js';
import { childSpec, commandLine, restartPolicy } from './child-spec.js';
import { GatewayPvs, type GatewayControls } from './gateway-records.js';
import { gatewayServer } from './reload-plan.js';
import { StatsMirror } from './stats-mirror.js';

export interface GatewayEntryOptions {
  config: AgentConfig;
  gateway: GatewayConfig;
  db: RecordDatabase;
  client: CaClient;
  /** The agent's environment, passed through to the gateway. */
  env: NodeJS.ProcessEnv;
  controls: Omit<GatewayControls, 'setAutorestart'> & { respec(spec: ChildSpec): void };
}

/** The health alarm overrides of one gateway (`<NAME>:LOOP_RATE.LOW = ...`), keyed without the name. */
function alarmsOf(c: AgentConfig, name: string): Record<string, number | string> {
  const alarms: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(c.health.alarms))
    if (k.startsWith(`${name}:`)) alarms[k.slice(name.length + 1)] = v;
  return alarms;
}

export class GatewayEntry {
  config: GatewayConfig;
  spec: ChildSpec;
  readonly pvs: GatewayPvs;
  readonly mirror: StatsMirror;
  /** Since when the gateway has been running without answering on its server side. */
  private unresponsiveSince: number | undefined;

  constructor(private readonly o: GatewayEntryOptions) {
    const g = o.gateway;
    this.config = g;
    this.spec = childSpec(g, renderGateway(o.config, g.name), o.env);
    this.pvs = new GatewayPvs({
      db: o.db,
      prefix: o.config.agent.prefix,
      name: g.name,
      label: g.label,
      controlAsg: CONTROL_ASG,
      alarms: alarmsOf(o.config, g.name),
      autorestart: g.supervision.autorestart,
      controls: {
        ...o.controls,
        setAutorestart: (on) => {
          this.spec = { ...this.spec, restart: restartPolicy(this.config, on) };
          o.controls.respec(this.spec);
        },
      },
    });
    this.pvs.setCommand(commandLine(this.spec));
    this.mirror = new StatsMirror(o.client, this.pvs, g.name, gatewayServer(o.config, g));
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * The unresponsive-gateway rule, called at each refresh: true (once) when the gateway has been running
   * without its statistics answering for `unresponsive_restart_s` (0 = never), so it is to be restarted.
   */
  isUnresponsiveTooLong(isRunning: boolean, nowMs: number): boolean {
    const limitS = this.config.supervision.unresponsiveRestartS;
    const isUnresponsive = isRunning && !this.mirror.isAlive;
    this.unresponsiveSince = isUnresponsive ? (this.unresponsiveSince ?? nowMs) : undefined;
    if (limitS <= 0 || this.unresponsiveSince === undefined || nowMs - this.unresponsiveSince < limitS * 1000)
      return false;
    this.unresponsiveSince = undefined;
    return true;
  }

  /** Takes a reloaded config: the new spec keeps the operator's AUTORESTART switch. */
  respec(config: AgentConfig, gateway: GatewayConfig): ChildSpec {
    this.config = gateway;
    const isAutorestart = this.pvs.get('AUTORESTART').get() === 1;
    this.spec = childSpec(gateway, renderGateway(config, gateway.name), this.o.env, isAutorestart);
    this.pvs.setCommand(commandLine(this.spec));
    return this.spec;
  }
}
