// Which interfaces get IP:<interface> PVs: the configured networks' interfaces the host has (loopback
// ones too, since the generated panels name them), then the host's other non-internal IPv4 interfaces.
import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { ipInterfaces } from '../../src/agent/soft-ioc-options.js';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';

const v4 = (address: string, internal: boolean) =>
  ({ address, family: 'IPv4', internal, netmask: '255.0.0.0', mac: '', cidr: null }) as NetworkInterfaceInfo;

const config = checkAgentText(
  'test.ini',
  [
    '[agent]',
    'name = T',
    '[network.sub]',
    'interface = lo',
    'address = 127.0.0.2/32',
    '[network.gin]',
    'interface = eth1',
    'address = 10.17.19.91/16',
    'gin = yes',
  ].join('\n'),
).config;

describe('ipInterfaces', () => {
  it('keeps configured interfaces the host has, then adds the non-internal ones', () => {
    const present = {
      lo: [v4('127.0.0.1', true)],
      eth0: [v4('192.0.2.7', false)],
      eth1: [v4('10.17.19.91', false)],
    };
    expect(ipInterfaces(config, present)).toEqual(['lo', 'eth1', 'eth0']);
  });

  it('leaves out a configured interface the host lacks', () => {
    expect(ipInterfaces(config, { lo: [v4('127.0.0.1', true)] })).toEqual(['lo']);
  });
});
