// Reads the EPICS_CAS_* / EPICS_CA_* environment a CA server honours (ca-protocol.md §13) into plain
// settings, with rsrv's parsing rules (src/epics-env.ts: booleans only "yes" in any case, set-but-empty
// = unset; EPICS_CAS_* falls back to its EPICS_CA_* twin).
import { CA_REPEATER_PORT, CA_SERVER_PORT } from '../../ca/constants.js';
import { envPort, envValue, envYes, parseIpv4List, type Env } from '../../epics-env.js';
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

export function readServerSettings(env: Env = process.env): ServerSettings {
  const serverPort = envPort(env, ['EPICS_CAS_SERVER_PORT', 'EPICS_CA_SERVER_PORT'], CA_SERVER_PORT);
  const beaconPort = envPort(env, ['EPICS_CAS_BEACON_PORT', 'EPICS_CA_REPEATER_PORT'], CA_REPEATER_PORT);
  const list = (name: string, port: number) => parseIpv4List(envValue(env, name) ?? '', port, name);
  const interfaces = list('EPICS_CAS_INTF_ADDR_LIST', serverPort).map((a) => a.host);
  if (interfaces.length > 1 && interfaces.includes('0.0.0.0')) {
    throw new GwError(
      'GW_CONFIG_INVALID',
      'EPICS_CAS_INTF_ADDR_LIST: 0.0.0.0 cannot be mixed with other addresses',
    );
  }
  const periodText = envValue(env, 'EPICS_CAS_BEACON_PERIOD', 'EPICS_CA_BEACON_PERIOD');
  let beaconPeriodS = periodText === undefined ? 15 : Number(periodText);
  if (!Number.isFinite(beaconPeriodS) || beaconPeriodS <= 0) beaconPeriodS = 15;
  const autoArray = envYes(env, 'EPICS_CA_AUTO_ARRAY_BYTES', true);
  const maxBytesText = envValue(env, 'EPICS_CA_MAX_ARRAY_BYTES');
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
    beaconAddrList: list('EPICS_CAS_BEACON_ADDR_LIST', beaconPort),
    autoBeaconAddrList: envYes(env, 'EPICS_CAS_AUTO_BEACON_ADDR_LIST', true),
    beaconPort,
    beaconPeriodS,
    ignoreAddrList: list('EPICS_CAS_IGNORE_ADDR_LIST', 0).map((a) => a.host),
    maxArrayBytes,
  };
}
