// Issue 6, `unresponsive_restart_s`: a gateway whose process runs but whose server side stopped
// answering (hung stand-in) is restarted by the agent once it has been silent that long; a hung process
// ignores SIGTERM, so the restart goes through the stop timeout's SIGKILL.
// Stand-in only: a server side that stops answering while the process runs and takes signals (the
// stand-in's hang); the real gateway's nearest fault, SIGSTOP, is in real-gateway.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentFixture, isGone, standinPids, waitFor } from './harness.js';

const agent = new AgentFixture('UR');

beforeAll(async () => {
  await agent.configure([
    { name: 'GWU', label: 'watched gateway', keys: { unresponsive_restart_s: 2, stop_timeout_s: 1 } },
  ]);
  await agent.start();
  await agent.waitStr('GWU:STATE', (s) => s === 'RUNNING');
  await agent.waitStr('GWU:ALIVE', (s) => s === 'Yes', 20_000);
});

afterAll(() => agent.dispose());

describe('unresponsive gateway', () => {
  it('is restarted after unresponsive_restart_s without answers', async () => {
    const pid = await agent.num('GWU:PID');
    agent.control('GWU', 'hang');
    await waitFor(() => agent.gatewayLog('GWU').includes('(stand-in) hanging') || undefined, 10_000, 'hang');
    await agent.waitOutput('GWU: not answering on its server side for 2 s: restarting it', 25_000);
    await agent.waitStr('GWU:STATE', (s) => s === 'RUNNING', 15_000);
    const next = await agent.num('GWU:PID');
    expect(next).not.toBe(pid);
    expect(isGone(pid)).toBe(true);
    expect(standinPids(agent.home('GWU'))).toEqual([next]);
    // the hung process needed the SIGKILL
    expect(await agent.str('GWU:LAST_EXIT')).toBe('signal SIGKILL');
    await agent.waitStr('GWU:ALIVE', (s) => s === 'Yes', 20_000);
    // one restart, and no second one once it answers again
    await new Promise((r) => setTimeout(r, 3000));
    expect(agent.output.split('not answering on its server side').length - 1).toBe(1);
    expect(await agent.num('GWU:PID')).toBe(next);
  });

  it('SIGTERM of the agent while the gateway hangs: SIGKILL after stop_timeout_s, exit 0', async () => {
    const pid = await agent.num('GWU:PID');
    agent.control('GWU', 'hang');
    await waitFor(
      () => agent.gatewayLog('GWU').split('(stand-in) hanging').length === 3 || undefined,
      10_000,
      'the second hang',
    );
    const t0 = Date.now();
    expect(await agent.stop('SIGTERM')).toBe(0);
    const stopMs = Date.now() - t0;
    expect(stopMs).toBeGreaterThanOrEqual(1000);
    expect(stopMs).toBeLessThan(5000);
    expect(isGone(pid)).toBe(true);
    expect(standinPids(agent.home('GWU'))).toEqual([]);
    expect(agent.output).toContain('GWU: stopping -> stopped (stopped by request)');
  });
});
