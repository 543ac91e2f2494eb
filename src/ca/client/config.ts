// Client settings from the EPICS_CA_* environment (CAref: EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST,
// EPICS_CA_SERVER_PORT, EPICS_CA_CONN_TMO, EPICS_CA_MAX_SEARCH_PERIOD; read by src/epics-env.ts), with
// explicit overrides.
// Pure: the host's interfaces are passed in (os.networkInterfaces() in production), nothing is opened.
import type { NetworkInterfaceInfo } from 'node:os';
import { CA_REPEATER_PORT, CA_SERVER_PORT } from '../constants.js';
import { envNotNo, envPort, envSecondsMs, envValue, parseHostList } from '../../epics-env.js';
import { GwError } from '../../errors.js';
import { broadcastAddress, parseHostPort as parseNetHostPort } from '../../net.js';

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

/** Parses one `host[:port]` entry (EPICS_CA_ADDR_LIST, --server); the default port applies when none is given. */
export function parseHostPort(entry: string, defaultPort: number): SearchDestination {
  const hp = parseNetHostPort(entry, defaultPort);
  if (hp === undefined)
    throw new GwError('GW_USAGE', `bad CA address '${entry}': expected host or host:port`);
  return hp;
}

/** Broadcast addresses of the up, non-loopback IPv4 interfaces (address | ~netmask), as libca discovers them. */
export function broadcastAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const out = new Set<string>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4' && !info.internal) out.add(broadcastAddress(info.address, info.netmask));
    }
  }
  return [...out];
}

/** Resolves the effective configuration: explicit options first, then EPICS_CA_*, then libca defaults. */
export function resolveClientConfig(
  opts: CaClientOptions,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): ClientConfig {
  const env = opts.env ?? process.env;
  const serverPort = opts.serverPort ?? envPort(env, 'EPICS_CA_SERVER_PORT', CA_SERVER_PORT);
  const repeaterPort = opts.repeaterPort ?? envPort(env, 'EPICS_CA_REPEATER_PORT', CA_REPEATER_PORT);
  const destinations =
    opts.addrList?.map((e) => parseHostPort(e, serverPort)) ??
    parseHostList(envValue(env, 'EPICS_CA_ADDR_LIST') ?? '', serverPort, 'EPICS_CA_ADDR_LIST');
  const auto = opts.autoAddrList ?? envNotNo(env, 'EPICS_CA_AUTO_ADDR_LIST');
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
  const envMax = envSecondsMs(env, 'EPICS_CA_MAX_SEARCH_PERIOD');
  return {
    searchDestinations,
    serverPort,
    repeaterPort,
    connTmoMs: opts.connTmoMs ?? envSecondsMs(env, 'EPICS_CA_CONN_TMO') ?? DEFAULT_CONN_TMO_MS,
    maxSearchPeriodMs:
      opts.maxSearchPeriodMs ??
      (envMax === undefined ? DEFAULT_MAX_SEARCH_PERIOD_MS : Math.max(envMax, MIN_ENV_MAX_SEARCH_PERIOD_MS)),
    echoTimeoutMs: opts.echoTimeoutMs ?? DEFAULT_ECHO_TIMEOUT_MS,
  };
}
