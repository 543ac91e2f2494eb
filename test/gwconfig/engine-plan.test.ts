// The placement plan's refusals and the engine keys of the site JSON: every reason a site cannot be
// placed, located by JSON key, all reported at once; and the values the engines take from the INI.
import { describe, expect, it } from 'vitest';
import { planSite } from '../../src/gwconfig/engine-plan.js';
import { renderEngineTarget } from '../../src/gwconfig/engine-targets.js';
import { parseSite } from '../../src/gwconfig/site-model.js';

const gw = (n: number) => ({ name: `GWF${n}`, direction: 'forward', rules: ['allow .*'] });

function site(extra: Record<string, unknown>, containers?: unknown[]) {
  return JSON.stringify({
    gin: { vlan: 'v900' },
    vlans: { v900: 'gin', v901: 'acc' },
    networks: { v900: { parent: 'bond0.900' }, v901: { parent: 'bond0.901' } },
    containers: containers ?? [
      {
        hostname: 'GW1',
        interfaces: [
          { name: 'eth0', vlan: 'v901', address: '10.6.0.1/16' },
          { name: 'eth1', vlan: 'v900', address: '10.17.0.1/16' },
        ],
        gateways: [gw(1)],
      },
    ],
    ...extra,
  });
}

function errors(text: string): string[] {
  const { site: s, problems } = parseSite('site.json', text);
  const planned = planSite(s, 'img');
  return [...problems, ...planned.problems]
    .filter((p) => p.severity === 'error')
    .map((p) => `[${p.key}] ${p.message}`);
}

describe('planSite', () => {
  it('plans a good site: sorted, with the INI values the engines need', () => {
    const { site: s } = parseSite(
      'site.json',
      site({ gateway_defaults: { stop_timeout_s: 30 }, agent: { state_dir: '/srv/gw' } }),
    );
    const { plan, problems } = planSite(s, 'img');
    expect(problems).toEqual([]);
    expect(plan.image).toBe('img');
    expect(plan.networks.map((n) => [n.name, n.subnet, n.parent, n.isGin])).toEqual([
      ['acc', '10.6.0.0/16', 'bond0.901', false],
      ['gin', '10.17.0.0/16', 'bond0.900', true],
    ]);
    const [c] = plan.containers;
    expect(c).toMatchObject({
      name: 'gw1',
      stopGraceS: 40,
      stateDir: '/srv/gw',
      controlSocket: '/srv/gw/control.sock',
    });
    expect(c!.iniNetworkNames).toContain('[network.acc]\ninterface = acc\naddress = 10.6.0.1/16\n');
    expect(c!.iniSiteNames).toContain('[network.acc]\ninterface = eth0\naddress = 10.6.0.1/16\n');
  });

  it('reports every placement problem at once, by JSON key', () => {
    const containers = [
      {
        hostname: 'GW_1',
        interfaces: [
          { name: 'eth0', vlan: 'v902', address: '10.7.0.1/16' },
          { name: 'eth1', vlan: 'v900', address: '10.17.0.1/24' },
        ],
        gateways: [gw(1)],
      },
      {
        hostname: 'gw2',
        interfaces: [{ name: 'eth0', vlan: 'v901', address: '10.6.0.2/16' }],
        gateways: [],
      },
      {
        hostname: 'GW2',
        interfaces: [{ name: 'eth0', vlan: 'v900', address: '10.17.0.3/16' }],
        gateways: [],
      },
    ];
    expect(
      errors(
        site(
          { networks: { v900: { parent: 'bond0.900', gateway: '10.18.0.1' }, v901: { parent: 'b' } } },
          containers,
        ),
      ),
    ).toEqual([
      '[containers[0].hostname] hostname GW_1 cannot name an engine workload: it must be letters, digits and "-", at most 52 characters',
      '[containers[0].interfaces[0].vlan] VLAN v902 (v902) of GW_1 eth0 has no network definition: add networks.v902 with its parent interface',
      "[containers[1]] container gw2 has no address on the GIN (VLAN v900): the other containers' gateways could not reach it",
      '[containers[2].hostname] hostname GW2 gives the same workload name gw2 as gw2',
      '[containers[2].interfaces[0].address] 10.17.0.3/16 of GW2 is in 10.17.0.0/16, but containers[0].interfaces[1].address puts VLAN v900 in 10.17.0.0/24',
      '[networks.v900.gateway] "10.18.0.1" must be an IPv4 address in 10.17.0.0/24',
    ]);
  });

  it('checks the engine keys and network definitions', () => {
    expect(
      errors(
        site({
          vlans: { v900: 'GIN_NET', v901: 'acc' },
          networks: { v900: { parent: 'bond0.900', mode: 'vxlan', subnet: '10.17.0.1/16' }, v901: {} },
          engine: { requests: { cpu: 'lots', memory: '1GB' }, colour: 'blue' },
        }),
      ),
    ).toEqual([
      '[networks.v900.mode] "vxlan" must be one of macvlan, ipvlan',
      '[networks.v901.parent] is required',
      '[engine.requests.cpu] "lots" must be cores ("2", "0.5") or millicores ("250m")',
      '[engine.requests.memory] "1GB" must be a size in Mi or Gi ("256Mi", "1Gi")',
      '[engine.colour] unknown key',
      '[networks.v900.subnet] "10.17.0.1/16" has host bits set: the network is 10.17.0.0/16',
      '[vlans.v900] network name "GIN_NET" must be lower-case letters, digits and "-", at most 15 characters: engines use it as object and interface name',
    ]);
  });

  it('a subnet given in networks must hold every address on the VLAN', () => {
    expect(
      errors(site({ networks: { v900: { parent: 'p', subnet: '10.18.0.0/16' }, v901: { parent: 'q' } } })),
    ).toEqual([
      '[containers[0].interfaces[1].address] 10.17.0.1/16 of GW1 is in 10.17.0.0/16, but networks.v900.subnet puts VLAN v900 in 10.18.0.0/16',
    ]);
  });
});

describe('target-specific refusals', () => {
  it('incus: ipvlan networks (kubernetes takes them)', () => {
    const text = site({ networks: { v900: { parent: 'p', mode: 'ipvlan' }, v901: { parent: 'q' } } }, [
      {
        hostname: 'GW1',
        interfaces: [{ name: 'eth0', vlan: 'v900', address: '10.17.0.1/16' }],
        gateways: [],
      },
    ]);
    const { site: s } = parseSite('site.json', text);
    const incus = renderEngineTarget(s, 'incus', 'img');
    expect(incus.files).toEqual({});
    expect(incus.problems.map((p) => `[${p.key}] ${p.message}`)).toEqual([
      '[networks.v900.mode] the incus target supports macvlan networks only, not ipvlan',
    ]);
    expect(renderEngineTarget(s, 'kubernetes', 'img').problems).toEqual([]);
  });
});
