// The agent's built-in access rules, as the health IOC applies them: every field of the health and
// gateway PVs (alarm limits included) and the control PVs are writable from the container itself and by
// [access] users and hosts, read-only for everyone else.
import { describe, expect, it } from 'vitest';
import { agentAcf } from '../../src/agent/access-policy.js';
import { CA_PROTO_ACCESS_RIGHT_READ as R, CA_PROTO_ACCESS_RIGHT_WRITE as W } from '../../src/ca/constants.js';
import { checkAgentText } from '../../src/gwconfig/index.js';
import { CONTROL_ASG } from '../../src/ioc/access/default-acf.js';
import { parseAcf } from '../../src/ioc/db/index.js';

const INI = `[agent]
name = AP
[access]
users = ics
hosts = opi01
[network.sub]
interface = eth0
address = 10.17.19.91/16
[network.gin]
interface = eth1
address = 172.16.0.5/24
gin = yes
search = 172.16.0.6
[gateway.GWF]
direction = forward
allow = .*
`;

describe('agentAcf', () => {
  const check = checkAgentText('ap.ini', INI);
  const rules = parseAcf(agentAcf(check.config), '(agent)');
  const rights = (asg: string, asl: number, user: string, host: string, ip: string) =>
    rules.rights(asg, asl, { user, host, ip });

  it('parses a config without errors', () => {
    expect(check.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('lets the container itself and [access] writers change limits (ASL1) and control PVs', () => {
    for (const asg of ['DEFAULT', CONTROL_ASG]) {
      expect(rights(asg, 1, 'someone', 'localhost', '127.0.0.1')).toBe(R | W);
      expect(rights(asg, 1, 'someone', 'cr01gw01', '10.17.19.91')).toBe(R | W);
      expect(rights(asg, 1, 'someone', 'cr01gw01', '172.16.0.5')).toBe(R | W);
      expect(rights(asg, 1, 'ics', 'anywhere', '10.99.0.1')).toBe(R | W);
      expect(rights(asg, 1, 'someone', 'opi01', '10.99.0.2')).toBe(R | W);
    }
  });

  it('is read-only for everyone else, on every field', () => {
    for (const asg of ['DEFAULT', CONTROL_ASG])
      for (const asl of [0, 1]) expect(rights(asg, asl, 'someone', 'opi02', '10.17.19.92')).toBe(R);
  });
});
