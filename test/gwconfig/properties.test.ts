// Property tests over generated sites: no rendered whitelist (-cip) contains its own container, every
// DENY FROM names a numeric IP of the own container, and validation refuses any hand-written search list
// that names the own container.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import { isIpv4 } from '../../src/net.js';
import { parsePvlist } from '../../src/gwconfig/explain.js';
import { renderAll } from '../../src/gwconfig/render-gateway.js';
import { parseSite } from '../../src/gwconfig/site-model.js';
import { renderSite } from '../../src/gwconfig/site-render.js';

interface GenContainer {
  enabled: boolean;
  hasSubnet: boolean;
  forward: boolean;
  reverse: boolean;
  forwardPort: number;
}

const containerArb = fc.record({
  enabled: fc.boolean(),
  hasSubnet: fc.boolean(),
  forward: fc.boolean(),
  reverse: fc.boolean(),
  forwardPort: fc.constantFrom(5064, 5064, 5070, 5080),
});

function siteJson(containers: GenContainer[]): string {
  return JSON.stringify({
    template_container: 'T',
    username: 'ics',
    hostname_template: 'C%02d',
    gin: { vlan: 'vlan900' },
    containers: containers.map((c, i) => {
      const interfaces = [{ name: 'eth1', vlan: 'vlan900', address: `10.17.19.${10 + i}/16` }];
      const gateways: object[] = [];
      if (c.hasSubnet) {
        interfaces.unshift({ name: 'eth0', vlan: `vlan${901 + i}`, address: `10.${30 + i}.0.1/16` });
        if (c.forward)
          gateways.push({
            name: `GWF${i}`,
            direction: 'forward',
            rules: ['allow .*', 'allow X:.*'],
            server_port: c.forwardPort,
          });
        if (c.reverse) gateways.push({ name: `GWR${i}`, direction: 'reverse', rules: ['allow .*'] });
      } else {
        gateways.push({
          name: `GWA${i}`,
          direction: 'oneway',
          rules: ['allow GW.*'],
          server_port: c.forwardPort,
        });
      }
      return {
        hostname: `C${String(i).padStart(2, '0')}`,
        enabled: c.enabled,
        label: '',
        interfaces,
        gateways,
      };
    }),
  });
}

describe('generated sites', () => {
  it('never put a container in its own whitelist, and every DENY FROM names a numeric IP of the own server side', () => {
    fc.assert(
      fc.property(fc.array(containerArb, { minLength: 2, maxLength: 6 }), (containers) => {
        const { site, problems } = parseSite('site.json', siteJson(containers));
        expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
        const rendered = renderSite(site);
        for (const [name, text] of Object.entries(rendered.agents)) {
          const { config } = checkAgentText(name, text);
          const own = new Set(config.networks.map((n) => n.address));
          for (const g of renderAll(config)) {
            const cip = g.env.EPICS_CA_ADDR_LIST ?? '';
            for (const entry of cip.split(' ').filter((e) => e !== '')) {
              expect(own.has(entry.split(':')[0]!)).toBe(false);
            }
            const denyFrom = parsePvlist(g.pvlist).entries.filter(
              (e) => e.kind === 'deny' && e.hosts.length > 0,
            );
            expect(denyFrom.length).toBeGreaterThan(0);
            for (const entry of denyFrom) {
              for (const host of entry.hosts) {
                expect(isIpv4(host)).toBe(true);
                expect(host).toBe(g.env.EPICS_CAS_INTF_ADDR_LIST);
              }
            }
          }
        }
        // Only a GIN with no other enabled gateway server may fail: an empty whitelist is refused.
        for (const p of rendered.problems.filter((x) => x.severity === 'error')) {
          expect(p.message).toMatch(/needs "search = \.\.\."/);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('validation refuses any search list that names the own container', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 254 }),
        (others, self) => {
          const list = others.map((o) => `10.17.19.${o}`).join(', ');
          const text = `[agent]\nname = C\n[network.sub]\ninterface = eth0\naddress = 10.6.0.1/16\n[network.gin]\ninterface = eth1\naddress = 10.17.19.${self}/16\ngin = yes\nsearch = ${list}\n[gateway.GWR]\ndirection = reverse\nallow = .*\n`;
          const loops = checkAgentText('a.ini', text).problems.filter((p) => p.message.includes('(loop)'));
          expect(loops.length).toBe(others.includes(self) ? 1 : 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
