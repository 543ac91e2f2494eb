// Issue 6 proof, part 5: an agent killed with SIGKILL leaves its gateway running; the next agent on
// the same state dir ends that process group before it starts its own, so no gateway runs twice.
// The stand-in is hung first: a live gateway exits by itself on its pty's hangup. The reaping itself is
// stand-in only: the real ca-gateway always ends on that hangup (SIGHUP, and a SIGSTOPped one gets the
// kernel's SIGCONT with it), so against the real one the test shows exactly that: it ends with its agent,
// and the next agent finds nothing left over and starts one gateway that serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPeers } from '../support/peers.js';
import { AgentFixture, gatewayPids, isGone, standinPids, waitFor } from './harness.js';

describe('agent killed with SIGKILL [stand-in]', () => {
  const agent = new AgentFixture('OR');

  beforeAll(async () => {
    await agent.configure([{ name: 'GWO', label: 'orphaned gateway' }]);
    await agent.start();
    await agent.waitStr('GWO:STATE', (s) => s === 'RUNNING');
  });

  afterAll(() => agent.dispose());

  it('the next agent ends the old gateway before starting a new one', async () => {
    const old = await agent.num('GWO:PID');
    agent.control('GWO', 'hang');
    await waitFor(() => agent.gatewayLog('GWO').includes('(stand-in) hanging') || undefined, 10_000, 'hang');
    expect(await agent.stop('SIGKILL')).toBe(null);
    await new Promise((r) => setTimeout(r, 500));
    // the old gateway outlived its agent
    expect(isGone(old)).toBe(false);
    expect(standinPids(agent.home('GWO'))).toEqual([old]);

    await agent.start();
    // the orphan (hung, so it ignores SIGTERM) is gone before the agent started anything
    expect(isGone(old)).toBe(true);
    const reaped = agent.output.indexOf('ended a gateway left over by a previous agent');
    const started = agent.output.indexOf('GWO: stopped -> starting');
    expect(reaped).toBeGreaterThanOrEqual(0);
    expect(started).toBeGreaterThan(reaped);
    // SIGTERM was not enough for the hung process: it took the SIGKILL
    expect(agent.output.slice(reaped).split('\n')[0]).toBe(
      `ended a gateway left over by a previous agent: {"name":"GWO","pgid":${old},"pids":[${old}],"isKilled":true}`,
    );

    await agent.waitStr('GWO:STATE', (s) => s === 'RUNNING');
    const pid = await agent.num('GWO:PID');
    expect(pid).not.toBe(old);
    expect(standinPids(agent.home('GWO'))).toEqual([pid]);
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(standinPids(agent.home('GWO'))).toEqual([]);
  });
});

describeWithPeers(
  'agent killed with SIGKILL [real ca-gateway]',
  () => {
    let agent: AgentFixture;

    beforeAll(async () => {
      agent = await AgentFixture.real('OR');
      agent.startSubnetIoc('record(ai, "OR:AI") { field(VAL, "1.5") field(PREC, "1") }\n');
      await agent.configure([{ name: 'GWO', label: 'gateway of a killed agent' }]);
      await agent.start();
      await agent.waitStr('GWO:STATE', (s) => s === 'RUNNING');
      expect(await agent.cagetServed('GWO', 'OR:AI')).toBe('1.5');
    });

    afterAll(() => agent?.dispose());

    it('the gateway ends on its pty hangup; the next agent has nothing to reap and starts one', async () => {
      const old = await agent.num('GWO:PID');
      // stopped, it would still end: the hangup brings SIGCONT along with SIGHUP
      process.kill(old, 'SIGSTOP');
      expect(await agent.stop('SIGKILL')).toBe(null);
      await waitFor(() => isGone(old) || undefined, 2000, 'the real gateway to end with its agent');
      expect(gatewayPids(agent.home('GWO'))).toEqual([]);

      await agent.start();
      expect(agent.output).not.toContain('left over by a previous agent');
      expect(agent.output).toContain('GWO: stopped -> starting');
      await agent.waitStr('GWO:STATE', (s) => s === 'RUNNING');
      const pid = await agent.num('GWO:PID');
      expect(pid).not.toBe(old);
      expect(gatewayPids(agent.home('GWO'))).toEqual([pid]);
      expect(await agent.cagetServed('GWO', 'OR:AI')).toBe('1.5');
      expect(await agent.stop('SIGTERM')).toBe(0);
      expect(gatewayPids(agent.home('GWO'))).toEqual([]);
    });
  },
  { netns: true },
);
