// Reads the EPICS_CAS_* / EPICS_CA_* environment a CA server honours (ca-protocol.md §13) into plain
// settings, with rsrv's parsing rules (booleans: only "yes" in any case is true; set-but-empty = unset).
import { CA_REPEATER_PORT, CA_SERVER_PORT } from '../../ca/constants.js';
import { GwError } from '../../errors.js';

export interface AddressPort {
  host: string;
  port: number;
}

export interface ServerSettings {
  /** UDP search port and preferred TCP port. */
  serverPort: number;
  /** Addresses to bind; ['0.0.0.0'] when EPICS_CAS_INTF_ADDR_LIST is empty. */
  interfaces: string[];
  beaconAddrList: AddressPort[];
  autoBeaconAddrList: boolean;
  beaconPort: number;
  /** Maximum beacon period, seconds. */
  beaconPeriodS: number;
  /** Source IPs whose datagrams are ignored. */
  ignoreAddrList: string[];
  /** Largest accepted message payload, bytes. */
  maxArrayBytes: number;
}

type Env = Record<string, string | undefined>;

function get(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return undefined;
}

function yes(v: string | undefined, dflt: boolean): boolean {
  return v === undefined ? dflt : v.toLowerCase() === 'yes';
}

function port(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new GwError('GW_CONFIG_INVALID', `${name}=${v}: not a port number`);
  return n;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

/** Parses a whitespace-separated `host[:port]` list; only numeric IPv4 addresses are accepted. */
export function parseAddrList(text: string | undefined, defaultPort: number, name: string): AddressPort[] {
  if (!text) return [];
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((entry) => {
      const [host = '', p] = entry.split(':');
      if (!isIpv4(host))
        throw new GwError('GW_CONFIG_INVALID', `${name}: '${entry}' is not an IPv4 address[:port]`);
      return { host, port: port(p, defaultPort, name) };
    });
}

export function readServerSettings(env: Env = process.env): ServerSettings {
  const serverPort = port(
    get(env, 'EPICS_CAS_SERVER_PORT', 'EPICS_CA_SERVER_PORT'),
    CA_SERVER_PORT,
    'EPICS_CAS_SERVER_PORT',
  );
  const beaconPort = port(
    get(env, 'EPICS_CAS_BEACON_PORT', 'EPICS_CA_REPEATER_PORT'),
    CA_REPEATER_PORT,
    'EPICS_CAS_BEACON_PORT',
  );
  const interfaces = parseAddrList(
    get(env, 'EPICS_CAS_INTF_ADDR_LIST'),
    serverPort,
    'EPICS_CAS_INTF_ADDR_LIST',
  ).map((a) => a.host);
  if (interfaces.length > 1 && interfaces.includes('0.0.0.0')) {
    throw new GwError(
      'GW_CONFIG_INVALID',
      'EPICS_CAS_INTF_ADDR_LIST: 0.0.0.0 cannot be mixed with other addresses',
    );
  }
  const periodText = get(env, 'EPICS_CAS_BEACON_PERIOD', 'EPICS_CA_BEACON_PERIOD');
  let beaconPeriodS = periodText === undefined ? 15 : Number(periodText);
  if (!Number.isFinite(beaconPeriodS) || beaconPeriodS <= 0) beaconPeriodS = 15;
  const autoArray = yes(get(env, 'EPICS_CA_AUTO_ARRAY_BYTES'), true);
  const maxBytesText = get(env, 'EPICS_CA_MAX_ARRAY_BYTES');
  let maxArrayBytes = 256 * 1024 * 1024;
  if (!autoArray && maxBytesText !== undefined) {
    const n = Number(maxBytesText);
    if (!Number.isInteger(n) || n < 0)
      throw new GwError('GW_CONFIG_INVALID', `EPICS_CA_MAX_ARRAY_BYTES=${maxBytesText}: not a byte count`);
    maxArrayBytes = Math.max(16384, n + 24);
  }
  return {
    serverPort,
    interfaces: interfaces.length ? interfaces : ['0.0.0.0'],
    beaconAddrList: parseAddrList(
      get(env, 'EPICS_CAS_BEACON_ADDR_LIST'),
      beaconPort,
      'EPICS_CAS_BEACON_ADDR_LIST',
    ),
    autoBeaconAddrList: yes(get(env, 'EPICS_CAS_AUTO_BEACON_ADDR_LIST'), true),
    beaconPort,
    beaconPeriodS,
    ignoreAddrList: parseAddrList(
      get(env, 'EPICS_CAS_IGNORE_ADDR_LIST'),
      0,
      'EPICS_CAS_IGNORE_ADDR_LIST',
    ).map((a) => a.host),
    maxArrayBytes,
  };
}
