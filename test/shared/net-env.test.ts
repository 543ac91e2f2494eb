// The one IPv4/port parser (src/net.ts) and the one EPICS environment reader (src/epics-env.ts) that
// the config generator, the CA client, the CA server and access security share.
import { describe, expect, it } from 'vitest';
import { envNotNo, envPort, envValue, envYes, parseHostList, parseIpv4List } from '../../src/epics-env.js';
import { broadcastAddress, isIpv4, parseHostPort, parseIpv4, parsePort } from '../../src/net.js';

describe('net', () => {
  it('takes canonical dotted quads only: 010.0.0.1 is octal to inet_aton, decimal to EPICS', () => {
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['010.0.0.1', '10.0.0.256', '10.0.0', '10.0.0.1.2', ' 10.0.0.1', '1e1.0.0.1', ''])
      expect([bad, parseIpv4(bad), isIpv4(bad)]).toEqual([bad, undefined, false]);
  });

  it('ports are 1..65535 in decimal', () => {
    expect(['1', '5064', '65535'].map(parsePort)).toEqual([1, 5064, 65535]);
    expect(['0', '65536', '-1', '+5', '0x10', '', '5064 '].map(parsePort)).toEqual(Array(7).fill(undefined));
  });

  it('host[:port] takes names and addresses, with a default port', () => {
    expect(parseHostPort('ioc01', 5064)).toEqual({ host: 'ioc01', port: 5064 });
    expect(parseHostPort(' 10.1.2.3:5070 ', 5064)).toEqual({ host: '10.1.2.3', port: 5070 });
    expect(parseHostPort('h:0', 5064)).toBeUndefined();
    expect(parseHostPort('a:1:2', 5064)).toBeUndefined();
  });

  it('broadcast = address | ~netmask', () => {
    expect(broadcastAddress('10.17.19.91', '255.255.0.0')).toBe('10.17.255.255');
    expect(broadcastAddress('192.168.1.7', '255.255.255.255')).toBe('192.168.1.7');
  });
});

describe('epics-env', () => {
  it('set-but-blank is unset; the first set name wins', () => {
    expect(envValue({ A: '  ', B: ' 5 ' }, 'A', 'B')).toBe('5');
    expect(envValue({}, 'A')).toBeUndefined();
  });

  it('rsrv booleans: only YES (any case) is true; libca auto list: only NO is false', () => {
    expect([
      envYes({ X: 'yes' }, 'X', false),
      envYes({ X: 'true' }, 'X', true),
      envYes({}, 'X', true),
    ]).toEqual([true, false, true]);
    expect([envNotNo({ X: 'no' }, 'X'), envNotNo({ X: 'off' }, 'X'), envNotNo({}, 'X')]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('bad values are configuration errors naming the variable', () => {
    expect(
      envPort(
        { EPICS_CAS_SERVER_PORT: '', EPICS_CA_SERVER_PORT: '6000' },
        ['EPICS_CAS_SERVER_PORT', 'EPICS_CA_SERVER_PORT'],
        5064,
      ),
    ).toBe(6000);
    expect(() => envPort({ P: '70000' }, 'P', 1)).toThrow("P: '70000' is not a port number");
    expect(() => parseIpv4List('10.0.0.1 ioc01', 5064, 'EPICS_CAS_INTF_ADDR_LIST')).toThrow(
      "EPICS_CAS_INTF_ADDR_LIST: 'ioc01' is not an IPv4 address[:port]",
    );
    expect(parseIpv4List(' 10.0.0.1  10.0.0.2:7 ', 5065, 'L')).toEqual([
      { host: '10.0.0.1', port: 5065 },
      { host: '10.0.0.2', port: 7 },
    ]);
    expect(parseHostList('ioc01:5070', 5064, 'EPICS_CA_ADDR_LIST')).toEqual([{ host: 'ioc01', port: 5070 }]);
  });
});
