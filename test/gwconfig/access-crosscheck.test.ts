// The rendered access files parse with the project's independent asLib (.acf) parser, and its
// evaluation agrees with the model `config explain` uses, for every ASG and a grid of users and hosts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAcf } from '../../src/ioc/access/acf-parser.js';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import { buildAccessModel, evaluateAccess } from '../../src/gwconfig/render-access.js';
import { renderGateway } from '../../src/gwconfig/render-gateway.js';

const here = new URL('.', import.meta.url).pathname;

describe('rendered access files', () => {
  it.each(['pair.ini', 'oneway.ini'])(
    '%s: parse as asLib files and agree with the explain model',
    (fixture) => {
      const { config } = checkAgentText(fixture, readFileSync(`${here}fixtures/${fixture}`, 'utf8'));
      const users = ['ops1', 'ops2', 'phys', 'ics', 'gwagent', 'nobody', ''];
      const hosts = ['opi01', 'OPI01', 'opi02', 'cr01gw01', 'cr01gw00', 'laptop', ''];
      let compared = 0;
      for (const gateway of config.gateways) {
        const rendered = renderGateway(config, gateway.name);
        const rules = parseAcf(rendered.access, `${gateway.name}.access`);
        const model = buildAccessModel(config, gateway);
        for (const asg of [...model.asgs.map((a) => a.name), 'UNDEFINED']) {
          for (const user of users) {
            for (const host of hosts) {
              const theirs = rules.access(asg, 1, { user, host: host.toLowerCase(), ip: '10.0.0.1' });
              const ours = evaluateAccess(model, asg, user, host).level.toUpperCase();
              expect([gateway.name, asg, user, host, ours]).toEqual([gateway.name, asg, user, host, theirs]);
              compared++;
            }
          }
        }
      }
      expect(compared).toBeGreaterThan(100);
    },
  );
});
