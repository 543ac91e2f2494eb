// Issue 6 proof, part 5: an agent killed with SIGKILL leaves its gateway running; the next agent on
// the same state dir ends that process group before it starts its own, so no gateway runs twice.
// The gateway is hung first: a live stand-in would otherwise exit by itself on its pty's hangup.
// Stand-in only: it needs a gateway that survives its pty's hangup (the stand-in's hang).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentFixture, isGone, standinPids, waitFor } from './harness.js';

const agent = new AgentFixture('OR');

beforeAll(async () => {
  await agent.configure([{ name: 'GWO', label: 'orphaned gateway' }]);
  await agent.start();
  await agent.waitStr('GWO:STATE', (s) => s === 'RUNNING');
});

afterAll(() => agent.dispose());

describe('agent killed with SIGKILL', () => {
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
