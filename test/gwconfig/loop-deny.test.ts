// The loop-avoiding DENY FROM of a gateway whose rule is `.*` spares the gateway's own PVs: its sibling
// in the container (whose searches come from the denied address) must still reach its statistics, and
// nothing else may slip through. Checked with glibc's matcher, the one the gateway calls, and the
// JavaScript translation `config explain` uses. The site's monitoring gateway is in nobody's search list.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchoredRegExp } from '../../src/gwconfig/gateway-regex.js';
import { notStartingWith } from '../../src/gwconfig/render-pvlist.js';
import { parseSite } from '../../src/gwconfig/site-model.js';
import { ginWhitelist } from '../../src/gwconfig/site-render.js';
import { glibc } from './glibc-regex.js';

describe('notStartingWith', () => {
  const pattern = notStartingWith('GWR01:');
  const cases: [string, boolean][] = [
    ['GWR01:vctotal', false],
    ['GWR01:vctotal.DESC', false],
    ['GWR01:', false],
    ['GWR01', true],
    ['GWR0', true],
    ['', true],
    ['A:RAMP', true],
    ['GWR02:vctotal', true],
    ['GWR011:vctotal', true],
    ['XGWR01:vctotal', true],
  ];

  it('is the exact text the pvlist gets', () => {
    expect(pattern).toBe(
      '\\(\\([^G].*\\)?\\|G\\([^W].*\\)?\\|GW\\([^R].*\\)?\\|GWR\\([^0].*\\)?\\|GWR0\\([^1].*\\)?\\|GWR01\\([^:].*\\)?\\)',
    );
  });

  it.skipIf(glibc === undefined)('matches every name but the prefixed ones, as glibc reads it', () => {
    for (const [name, expected] of cases)
      expect([name, glibc!.fullMatch(pattern, name)]).toEqual([name, expected]);
  });

  it('the JavaScript translation agrees on random names', () => {
    const re = anchoredRegExp(pattern);
    for (const [name, expected] of cases) expect([name, re.test(name)]).toEqual([name, expected]);
    fc.assert(
      fc.property(fc.stringMatching(/^(GWR0?1?:?)?[A-Za-z0-9:._]{0,8}$/), (name) => {
        expect(re.test(name)).toBe(!name.startsWith('GWR01:'));
        if (glibc !== undefined) expect(glibc.fullMatch(pattern, name)).toBe(!name.startsWith('GWR01:'));
      }),
    );
  });
});

describe('the GIN search lists of a site', () => {
  it('never include a GIN-to-GIN gateway, whose names the GIN already has', () => {
    const gw = (name: string, direction: string, extra = {}) => ({
      name,
      direction,
      rules: ['allow .*'],
      ...extra,
    });
    const text = JSON.stringify({
      gin: { vlan: 'gin' },
      containers: [
        {
          hostname: 'MON',
          interfaces: [{ name: 'eth0', vlan: 'gin', address: '10.17.0.90/16' }],
          gateways: [gw('GWA01', 'oneway')],
        },
        {
          hostname: 'SUB',
          interfaces: [
            { name: 'eth0', vlan: 'acc', address: '10.6.0.91/16' },
            { name: 'eth1', vlan: 'gin', address: '10.17.0.91/16' },
          ],
          gateways: [
            gw('GWF01', 'forward'),
            gw('GWR01', 'reverse'),
            gw('GWO01', 'oneway', { client: 'acc', server_port: 5070 }),
          ],
        },
      ],
    });
    const { site, problems } = parseSite('site.json', text);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const [mon, sub] = site.containers;
    // a oneway gateway from a subnet onto the GIN is a source; the monitoring one is not
    expect(ginWhitelist(site, mon!)).toEqual(['10.17.0.91', '10.17.0.91:5070']);
    expect(ginWhitelist(site, sub!)).toEqual([]);
  });
});
