// Client settings from the EPICS_CA_* environment (CAref: EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST,
// EPICS_CA_SERVER_PORT, EPICS_CA_CONN_TMO, EPICS_CA_MAX_SEARCH_PERIOD), with explicit overrides.
// Pure: the host's interfaces are passed in (os.networkInterfaces() in production), nothing is opened.
import type { NetworkInterfaceInfo } from 'node:os';
import { CA_REPEATER_PORT, CA_SERVER_PORT } from '../constants.js';
import { GwError } from '../../errors.js';

/** Where search datagrams go. */
export interface SearchDestination {
  host: string;
  port: number;
}

/** Options a caller may give `new CaClient(...)`; each overrides the matching EPICS_CA_* variable. */
export interface CaClientOptions {
  /** Environment to read EPICS_CA_* from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** EPICS_CA_ADDR_LIST entries, `host` or `host:port`. */
  addrList?: readonly string[];
  /** EPICS_CA_AUTO_ADDR_LIST: add the broadcast address of every interface. */
  autoAddrList?: boolean;
  /** EPICS_CA_SERVER_PORT: default port of addr-list entries and broadcasts. */
  serverPort?: number;
  /** EPICS_CA_REPEATER_PORT: the caRepeater to register with for beacons (default 5065). */
  repeaterPort?: number;
  /** EPICS_CA_CONN_TMO: idle time after which the circuit is probed with ECHO. */
  connTmoMs?: number;
  /** EPICS_CA_MAX_SEARCH_PERIOD: cap of the search back-off. */
  maxSearchPeriodMs?: number;
  /** How long an ECHO may stay unanswered before the circuit is declared dead (libca: 5 s). */
  echoTimeoutMs?: number;
  /** CLIENT_NAME and HOST_NAME sent on every circuit (default: OS user and host name). */
  userName?: string;
  hostName?: string;
}

export interface ClientConfig {
  searchDestinations: SearchDestination[];
  serverPort: number;
  repeaterPort: number;
  connTmoMs: number;
  maxSearchPeriodMs: number;
  echoTimeoutMs: number;
}

const DEFAULT_CONN_TMO_MS = 30_000;
const DEFAULT_MAX_SEARCH_PERIOD_MS = 300_000;
/** libca refuses a maximum search period below 60 s when it comes from the environment. */
const MIN_ENV_MAX_SEARCH_PERIOD_MS = 60_000;
const DEFAULT_ECHO_TIMEOUT_MS = 5_000;

/** Parses one `host[:port]` entry; the default port applies when none is given. */
export function parseHostPort(entry: string, defaultPort: number): SearchDestination {
  const m = /^([^:\s]+)(?::(\d+))?$/.exec(entry.trim());
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new GwError('GW_USAGE', `bad CA address '${entry}': expected host or host:port`);
  }
  return { host: m[1]!, port };
}

/** Broadcast addresses of the up, non-loopback IPv4 interfaces (address | ~netmask), as libca discovers them. */
export function broadcastAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const out = new Set<string>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || info.internal) continue;
      const addr = ipToInt(info.address);
      const mask = ipToInt(info.netmask);
      out.add(intToIp((addr | ~mask) >>> 0));
    }
  }
  return [...out];
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

function envPort(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name]?.trim();
  if (!raw) return dflt;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new GwError('GW_USAGE', `${name}='${raw}' is not a port number`);
  }
  return port;
}

function envSeconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0)
    throw new GwError('GW_USAGE', `${name}='${raw}' is not a positive number of seconds`);
  return v * 1000;
}

/** Resolves the effective configuration: explicit options first, then EPICS_CA_*, then libca defaults. */
export function resolveClientConfig(
  opts: CaClientOptions,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): ClientConfig {
  const env = opts.env ?? process.env;
  const serverPort = opts.serverPort ?? envPort(env, 'EPICS_CA_SERVER_PORT', CA_SERVER_PORT);
  const repeaterPort = opts.repeaterPort ?? envPort(env, 'EPICS_CA_REPEATER_PORT', CA_REPEATER_PORT);
  const list = opts.addrList ?? (env.EPICS_CA_ADDR_LIST ?? '').split(/\s+/).filter((s) => s !== '');
  const destinations = list.map((e) => parseHostPort(e, serverPort));
  // libca: anything but NO (any case) keeps the automatic list.
  const auto = opts.autoAddrList ?? (env.EPICS_CA_AUTO_ADDR_LIST ?? '').trim().toUpperCase() !== 'NO';
  if (auto) {
    for (const host of broadcastAddresses(interfaces)) destinations.push({ host, port: serverPort });
  }
  const seen = new Set<string>();
  const searchDestinations = destinations.filter((d) => {
    const key = `${d.host}:${d.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const envMax = envSeconds(env, 'EPICS_CA_MAX_SEARCH_PERIOD');
  return {
    searchDestinations,
    serverPort,
    repeaterPort,
    connTmoMs: opts.connTmoMs ?? envSeconds(env, 'EPICS_CA_CONN_TMO') ?? DEFAULT_CONN_TMO_MS,
    maxSearchPeriodMs:
      opts.maxSearchPeriodMs ??
      (envMax === undefined ? DEFAULT_MAX_SEARCH_PERIOD_MS : Math.max(envMax, MIN_ENV_MAX_SEARCH_PERIOD_MS)),
    echoTimeoutMs: opts.echoTimeoutMs ?? DEFAULT_ECHO_TIMEOUT_MS,
  };
}
