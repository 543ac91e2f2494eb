// The typed agent configuration model that every other part of gwagent consumes.
// Plain data only: produced by load-agent.ts (validated), read by the renderers, the supervisor and the
// health IOC. No functions, no I/O. Durations carry their unit in the name.

export const DIRECTIONS = ['forward', 'reverse', 'oneway'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export { RESTART_POLICIES, type RestartPolicy } from '../restart-policy.js';
import type { RestartPolicy } from '../restart-policy.js';

/** Where a value came from, for messages: the INI file and line. */
export interface Origin {
  file: string;
  line: number;
}

export interface AgentIdentity {
  /** Container/agent name, e.g. CR01GW01. */
  name: string;
  /** PV prefix of the health IOC, e.g. "CR01GW01:". */
  prefix: string;
  label: string;
  location: string;
  engineer: string;
  build: string;
  buildDate: string;
  stream: string;
  stateDir: string;
  logDir: string;
  /** CA user name the agent uses when it writes its gateways' control PVs. */
  caUser: string;
  /** CA host name the agent's CA client sends (lower case), for the same purpose. */
  caHost: string;
}

export interface IocSettings {
  address: string;
  port: number;
  beaconAddresses: string[];
}

export interface NetworkConfig {
  name: string;
  interface: string;
  /** This container's address on the network. */
  address: string;
  prefixLength: number;
  broadcast: string;
  isGin: boolean;
  /** Client-side address list for gateways whose client side is this network ("addr" or "addr:port"). */
  search: string[];
  origin: Origin;
}

export type PvRuleKind = 'allow' | 'deny' | 'alias';

export interface PvRule {
  kind: PvRuleKind;
  /** Gateway (GNU Emacs) regex, anchored at both ends by the gateway. */
  pattern: string;
  /** ALIAS target with \0..\9 substitutions. */
  target?: string;
  /** Access group (ASG) for allow/alias; undefined = DEFAULT (read-only for everyone). */
  group?: string;
  origin: Origin;
}

export interface AccessGroup {
  name: string;
  users: string[];
  hosts: string[];
  /** What members get. */
  access: 'read' | 'write';
  /** What everyone else gets on PVs of this group. */
  others: 'read' | 'none';
  trapwrite: boolean;
  origin: Origin;
}

export interface GatewayTimeouts {
  connectS: number;
  inactiveS: number;
  deadS: number;
  reconnectInhibitS: number;
}

export interface Supervision {
  enabled: boolean;
  startS: number;
  backoffMaxS: number;
  stopTimeoutS: number;
  restart: RestartPolicy;
  autorestart: boolean;
  /** 0 = off: restart when the gateway's statistics stop answering for this long. */
  unresponsiveRestartS: number;
  logMaxBytes: number;
  logKeep: number;
}

export interface GatewayConfig {
  /** Also the statistics prefix (-prefix), e.g. GWF01. */
  name: string;
  direction: Direction;
  label: string;
  clientNetwork: string;
  serverNetwork: string;
  serverPort: number;
  clientPort: number;
  /** Explicit -cip list; empty = computed from the client network. */
  clientAddresses: string[];
  rules: PvRule[];
  timeouts: GatewayTimeouts;
  mask: string;
  archive: boolean;
  noCache: boolean;
  readOnly: boolean;
  debug: number;
  maxArrayBytes: number;
  binary: string;
  /** Unprivileged user to run as; undefined = the agent's own user. */
  user?: string;
  home: string;
  supervision: Supervision;
  origin: Origin;
}

export interface HealthSettings {
  caPeriodS: number;
  fdPeriodS: number;
  loadPeriodS: number;
  memPeriodS: number;
  diskPeriodS: number;
  /** Alarm field overrides, e.g. { "SYS_CPU_LOAD.HIHI": 90, "SYS_CPU_LOAD.HHSV": "MAJOR" }. */
  alarms: Record<string, number | string>;
  /** Disk name (PV suffix) to mount point, default { ROOT: "/" }. */
  disks: Record<string, string>;
}

export interface ControlSettings {
  socketPath: string;
  console: { enabled: boolean; host: string; port: number };
}

/** The read-only web views (`[http]`): status page, /metrics, /healthz. */
export interface HttpSettings {
  /** False when the file has no [http] section. */
  enabled: boolean;
  /** Numeric IPv4 address to bind (default loopback). */
  address: string;
  port: number;
  /** Open TCP connections at once; more are refused by closing them. */
  maxConnections: number;
  /** Status pages receiving live updates at once; more get 503. */
  maxEventClients: number;
}

export interface IocAccess {
  users: string[];
  hosts: string[];
}

/** A loaded, validated agent configuration. */
export interface AgentConfig {
  file: string;
  agent: AgentIdentity;
  ioc: IocSettings;
  networks: NetworkConfig[];
  groups: AccessGroup[];
  gateways: GatewayConfig[];
  health: HealthSettings;
  control: ControlSettings;
  access: IocAccess;
  http: HttpSettings;
}
