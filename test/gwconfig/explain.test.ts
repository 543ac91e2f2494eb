// `config explain` agrees with the gateway's evaluation steps (facts file, section 5): DENY FROM by source
// IP regardless of ORDER, plain DENY only under ORDER ALLOW, DENY, then the last matching ALLOW/ALIAS
// line; then asLib's access decision and -ro.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluatePvlist, explain, parsePvlist } from '../../src/gwconfig/explain.js';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';

const here = new URL('.', import.meta.url).pathname;
const pair = checkAgentText('fixtures/pair.ini', readFileSync(`${here}fixtures/pair.ini`, 'utf8')).config;

function verdict(text: string, pv: string, from?: string): string {
  const d = evaluatePvlist(parsePvlist(text), pv, from);
  return d.verdict === 'none' ? 'none' : `${d.verdict}@${d.entry.line}`;
}

describe('pvlist evaluation (the gateway steps)', () => {
  const text =
    [
      'TEST:.* ALLOW',
      'TEST:SECRET.* DENY',
      'TEST:A.* ALLOW RW 1',
      'TEST:.* DENY FROM 10.0.0.1, 10.0.0.2 # comment ok on DENY',
      'TEST:ALIAS ALIAS TEST:REAL',
    ].join('\n') + '\n';

  it('the last matching ALLOW line wins', () => {
    expect(verdict(text, 'TEST:AB')).toBe('allow@3');
    expect(verdict(text, 'TEST:B')).toBe('allow@1');
    expect(verdict(text, 'TEST:ALIAS')).toBe('allow@5');
    expect(verdict(text, 'OTHER')).toBe('none');
  });

  it('under ORDER ALLOW, DENY (the default) a plain DENY wins over any ALLOW', () => {
    expect(verdict(text, 'TEST:SECRET1')).toBe('deny@2');
  });

  it('under ORDER DENY, ALLOW the plain DENY list is not consulted at all, DENY FROM still is', () => {
    const denyAllow = 'EVALUATION ORDER DENY, ALLOW\n' + text;
    expect(verdict(denyAllow, 'TEST:SECRET1')).toBe('allow@2');
    expect(verdict(denyAllow, 'TEST:SECRET1', '10.0.0.2')).toBe('deny-from@5');
  });

  it('DENY FROM applies only to searches from the listed addresses (comma or space separated)', () => {
    expect(verdict(text, 'TEST:AB', '10.0.0.1')).toBe('deny-from@4');
    expect(verdict(text, 'TEST:AB', '10.0.0.2')).toBe('deny-from@4');
    expect(verdict(text, 'TEST:AB', '10.0.0.3')).toBe('allow@3');
    expect(parsePvlist(text).entries[3]).toMatchObject({ kind: 'deny', hosts: ['10.0.0.1', '10.0.0.2'] });
  });

  it('matches whole names only', () => {
    expect(verdict('TEST:AI ALLOW\n', 'TEST:AI.EGU')).toBe('none');
  });
});

describe('config explain on a rendered forward/reverse pair', () => {
  it('names the rule, its config line, the access group and the write decision', () => {
    expect(explain(pair, 'GWF01', { pv: 'SR11BCM01:CURRENT_MONITOR', user: 'ops1', host: 'OPI01' })).toEqual({
      served: true,
      line: 12,
      lineText: 'SR11BCM01:CURRENT_MONITOR ALLOW operators 1',
      origin: 'fixtures/pair.ini:35',
      realName: 'SR11BCM01:CURRENT_MONITOR',
      asg: 'operators',
      access: 'write',
      trapwrite: true,
      reasons: [
        'served by pvlist line 12: SR11BCM01:CURRENT_MONITOR ALLOW operators 1 (fixtures/pair.ini:35); the last matching line wins',
        'access group operators: write for user "ops1" on host "OPI01" (writes are logged: TRAPWRITE)',
      ],
    });
  });

  it('gives read to a member user on another host (UAG and HAG must both match)', () => {
    expect(
      explain(pair, 'GWF01', { pv: 'SR11BCM01:CURRENT_MONITOR', user: 'ops1', host: 'laptop' }),
    ).toMatchObject({ access: 'read', trapwrite: false });
  });

  it('a read group with others = none hides the value from non-members', () => {
    expect(explain(pair, 'GWF01', { pv: 'SR01DCCT01:X', user: 'someone', host: 'opi01' })).toMatchObject({
      served: true,
      asg: 'physicists',
      access: 'none',
    });
    expect(explain(pair, 'GWF01', { pv: 'SR01DCCT01:X', user: 'phys', host: 'anywhere' })).toMatchObject({
      served: true,
      access: 'read',
    });
  });

  it("refuses the own container's loop partner by source IP", () => {
    const result = explain(pair, 'GWF01', { pv: 'SR01DCCT01:X', from: '10.17.19.91' });
    expect(result.served).toBe(false);
    expect(result.reasons[0]).toBe('not served to searches from 10.17.19.91: a DENY FROM line matches');
    expect(result.origin).toBe('generated: loop avoidance (own address on gin)');
    expect(explain(pair, 'GWF01', { pv: 'SR01DCCT01:X', from: '10.17.19.92' }).served).toBe(true);
  });

  it('plain DENY beats the general allow', () => {
    const result = explain(pair, 'GWF01', { pv: 'SR01:PASSWORD' });
    expect(result).toMatchObject({ served: false, line: 16, origin: 'fixtures/pair.ini:37' });
  });

  it('expands aliases to the upstream name', () => {
    expect(explain(pair, 'GWF01', { pv: 'ACC:BCM01:CURRENT' })).toMatchObject({
      served: true,
      realName: 'SR11BCM01:CURRENT_MONITOR',
      asg: 'DEFAULT',
      access: 'read',
    });
  });

  it('control PVs (and .DESC) are writable by the agent identity only; statistics by nobody', () => {
    expect(
      explain(pair, 'GWF01', { pv: 'GWF01:quitFlag.DESC', user: 'ics', host: 'cr01gw01' }),
    ).toMatchObject({ asg: 'GWCONTROL', access: 'write' });
    expect(explain(pair, 'GWF01', { pv: 'GWF01:quitFlag', user: 'ops1', host: 'opi01' })).toMatchObject({
      asg: 'GWCONTROL',
      access: 'read',
    });
    expect(explain(pair, 'GWF01', { pv: 'GWF01:vctotal', user: 'ics', host: 'cr01gw01' })).toMatchObject({
      asg: 'GWSTATS',
      access: 'read',
    });
  });

  it('-ro limits proxied PVs to read but not the internal ones', () => {
    const proxied = explain(pair, 'GWR01', { pv: 'ID:X' });
    expect(proxied).toMatchObject({ served: true, access: 'read' });
    expect(explain(pair, 'GWR01', { pv: 'GWR01:newAsFlag', user: 'ics', host: 'CR01GW01' })).toMatchObject({
      access: 'write',
    });
    expect(explain(pair, 'GWR01', { pv: 'SR01:X' })).toMatchObject({ served: false });
  });
});
