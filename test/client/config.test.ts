// EPICS_CA_* parsing: address list entries with and without ports, the automatic broadcast list, and
// the libca defaults and clamps.
import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { broadcastAddresses, resolveClientConfig } from '../../src/ca/client/config.js';

const ifaces = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', internal: true }],
  eth0: [
    { address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', internal: false },
    { address: 'fe80::1', netmask: 'ffff::', family: 'IPv6', internal: false },
  ],
  eth1: [{ address: '172.16.5.9', netmask: '255.255.0.0', family: 'IPv4', internal: false }],
} as unknown as NodeJS.Dict<NetworkInterfaceInfo[]>;

describe('client configuration', () => {
  it('computes broadcast addresses of non-loopback IPv4 interfaces', () => {
    expect(broadcastAddresses(ifaces)).toEqual(['10.1.2.255', '172.16.255.255']);
  });

  it('reads the address list with default and explicit ports, plus the automatic list', () => {
    const c = resolveClientConfig(
      { env: { EPICS_CA_ADDR_LIST: ' 127.0.0.1  gw1:6000 ', EPICS_CA_SERVER_PORT: '5070' } },
      ifaces,
    );
    expect(c.searchDestinations).toEqual([
      { host: '127.0.0.1', port: 5070 },
      { host: 'gw1', port: 6000 },
      { host: '10.1.2.255', port: 5070 },
      { host: '172.16.255.255', port: 5070 },
    ]);
    expect(c.connTmoMs).toBe(30_000);
    expect(c.maxSearchPeriodMs).toBe(300_000);
  });

  it('drops the automatic list only for NO (any case); options override the environment', () => {
    const env = { EPICS_CA_ADDR_LIST: '127.0.0.1', EPICS_CA_AUTO_ADDR_LIST: 'no' };
    expect(resolveClientConfig({ env }, ifaces).searchDestinations).toEqual([
      { host: '127.0.0.1', port: 5064 },
    ]);
    expect(
      resolveClientConfig({ env: { EPICS_CA_AUTO_ADDR_LIST: 'false' } }, ifaces).searchDestinations,
    ).toHaveLength(2);
    expect(
      resolveClientConfig({ env, addrList: ['127.0.0.2:7'], autoAddrList: false }, ifaces).searchDestinations,
    ).toEqual([{ host: '127.0.0.2', port: 7 }]);
  });

  it('reads EPICS_CA_CONN_TMO and clamps EPICS_CA_MAX_SEARCH_PERIOD to at least 60 s', () => {
    const c = resolveClientConfig(
      { env: { EPICS_CA_CONN_TMO: '2.5', EPICS_CA_MAX_SEARCH_PERIOD: '10', EPICS_CA_AUTO_ADDR_LIST: 'NO' } },
      ifaces,
    );
    expect(c.connTmoMs).toBe(2500);
    expect(c.repeaterPort).toBe(5065);
    expect(resolveClientConfig({ env: { EPICS_CA_REPEATER_PORT: '6001' } }, ifaces).repeaterPort).toBe(6001);
    expect(c.maxSearchPeriodMs).toBe(60_000);
    expect(resolveClientConfig({ env: {}, maxSearchPeriodMs: 500 }, ifaces).maxSearchPeriodMs).toBe(500);
  });

  it('rejects bad environment entries as configuration errors naming the variable', () => {
    const bad = (env: NodeJS.ProcessEnv) => () => resolveClientConfig({ env }, ifaces);
    expect(bad({ EPICS_CA_ADDR_LIST: 'a host:99999' })).toThrow(
      "EPICS_CA_ADDR_LIST: 'host:99999' is not host or host:port",
    );
    expect(bad({ EPICS_CA_SERVER_PORT: 'x' })).toThrow("EPICS_CA_SERVER_PORT: 'x' is not a port number");
    expect(bad({ EPICS_CA_CONN_TMO: '-1' })).toThrow(
      "EPICS_CA_CONN_TMO: '-1' is not a positive number of seconds",
    );
    expect(bad({ EPICS_CA_SERVER_PORT: '0' })).toThrow(
      expect.objectContaining({ code: 'GW_CONFIG_INVALID' }),
    );
  });

  it('rejects a bad address given by the program as a usage error', () => {
    expect(() => resolveClientConfig({ env: {}, addrList: ['h:0'] }, ifaces)).toThrow(
      "bad CA address 'h:0': expected host or host:port",
    );
  });
});
