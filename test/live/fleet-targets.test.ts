// Issue 15: where `fleet` looks for each container: the IOC address and port the site renders for it
// (0.0.0.0 reached on the GIN address), its prefix and gateways; CONTAINER[:GATEWAY] lookups name what
// exists; containers sharing one IOC address are flagged.
import { describe, expect, it } from 'vitest';
import { parseSite } from '../../src/gwconfig/site-model.js';
import { findTarget, fleetTargets, sharedServers } from '../../src/fleet/targets.js';

const SITE = {
  username: 'ics',
  gin: { vlan: 'vlan900' },
  vlans: { vlan900: 'gin', vlan901: 'acc' },
  ioc: { address: '0.0.0.0', port: 5070 },
  containers: [
    {
      hostname: 'CR01GW01',
      label: 'ACC <-> GIN',
      interfaces: [
        { name: 'eth0', vlan: 'vlan901', address: '10.6.19.91/16' },
        { name: 'eth1', vlan: 'vlan900', address: '10.17.19.91/16' },
      ],
      gateways: [
        { name: 'GWF01', direction: 'forward', rules: ['allow .*'] },
        { name: 'GWR01', direction: 'reverse', rules: ['allow .*'] },
      ],
    },
    {
      hostname: 'CR01GW02',
      agent: { prefix: 'GW02:' },
      ioc: { address: '10.17.19.92' },
      interfaces: [{ name: 'eth0', vlan: 'vlan900', address: '10.17.19.92/16' }],
      gateways: [],
    },
    { hostname: 'CR01GW03', enabled: false, interfaces: [], gateways: [] },
  ],
};

const targets = () => fleetTargets(parseSite('site.json', JSON.stringify(SITE)).site);

describe('fleetTargets', () => {
  it('reads each enabled container where its rendered config says its IOC listens', () => {
    expect(targets()).toEqual([
      {
        container: 'CR01GW01',
        label: 'ACC <-> GIN',
        server: '10.17.19.91:5070',
        prefix: 'CR01GW01:',
        gateways: ['GWF01', 'GWR01'],
      },
      { container: 'CR01GW02', label: '', server: '10.17.19.92:5070', prefix: 'GW02:', gateways: [] },
    ]);
    expect(sharedServers(targets())).toEqual([]);
  });

  it('finds CONTAINER and CONTAINER:GATEWAY, and names what exists otherwise', () => {
    const t = targets();
    expect(findTarget(t, 'CR01GW01')).toEqual({ target: t[0], gateways: ['GWF01', 'GWR01'] });
    expect(findTarget(t, 'CR01GW01:GWR01')).toEqual({ target: t[0], gateways: ['GWR01'] });
    expect(findTarget(t, 'CR01GW01:GWX')).toEqual({
      error: "container CR01GW01 has no gateway 'GWX' (GWF01, GWR01)",
    });
    expect(findTarget(t, 'CR01GW03')).toEqual({
      error: "no enabled container 'CR01GW03' in the site (CR01GW01, CR01GW02)",
    });
  });

  it('flags containers left at one shared (loopback) IOC address', () => {
    const site = {
      ...SITE,
      ioc: undefined,
      containers: SITE.containers.map((c) => ({ ...c, ioc: undefined })),
    };
    const t = fleetTargets(parseSite('site.json', JSON.stringify(site)).site);
    expect(sharedServers(t)).toEqual([
      'CR01GW01, CR01GW02 all have their health IOC at 127.0.0.1:5064: set "ioc": { "address": ... } in the site (the GIN address, or 0.0.0.0 to be read on it)',
    ]);
  });
});
