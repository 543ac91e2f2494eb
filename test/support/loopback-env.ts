// Test-only: the EPICS environment that keeps a test's CA servers and clients on loopback. CA's defaults
// broadcast (beacons and searches to every interface's broadcast address); tests must reach nothing else.

/** A CA server (ours, rsrv, the gateway's pcas side): bind and beacon on 127.0.0.1 only. */
export const LOOPBACK_SERVER_ENV = {
  EPICS_CAS_INTF_ADDR_LIST: '127.0.0.1',
  EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
  EPICS_CAS_BEACON_ADDR_LIST: '127.0.0.1',
} as const;

/** A CA client: search 127.0.0.1 only. */
export const LOOPBACK_CLIENT_ENV = {
  EPICS_CA_AUTO_ADDR_LIST: 'NO',
  EPICS_CA_ADDR_LIST: '127.0.0.1',
} as const;
