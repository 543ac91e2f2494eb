// Issue 6, the operator's controls over CA: STOP, START, RESTART, RELOAD and AUTORESTART of one gateway
// and the agent's RELOAD, written from loopback (which the built-in access rules let write), each
// checked on the process itself; and the statistics mirror recovering after the gateway is replaced.
// Against the real ca-gateway: real-gateway.int.test.ts (RELOAD, RESTART, STOP, START on the real process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBR_TIME_DOUBLE, NO_ALARM } from '../../src/ca/constants.js';
import { AgentFixture, isGone, standinPids, waitFor } from './harness.js';

const agent = new AgentFixture('CT');
const REREAD = 'Reading access security files';

beforeAll(async () => {
  await agent.configure([
    { name: 'GWK', label: 'controlled gateway', env: { GATEWAY_STANDIN_STATS: 'pvtotal=7' } },
    { name: 'GWL', label: 'bystander' },
  ]);
  await agent.start();
  await agent.waitStr('GWK:STATE', (s) => s === 'RUNNING');
  await agent.waitStr('GWL:STATE', (s) => s === 'RUNNING');
  await agent.waitStr('GWK:ALIVE', (s) => s === 'Yes');
});

afterAll(() => agent.dispose());

describe('gateway controls over CA', () => {
  it('STOP ends the gateway, START runs a new one; neither counts as an automatic restart', async () => {
    const bystander = await agent.num('GWL:PID');
    const pid = await agent.num('GWK:PID');
    await agent.put('GWK:STOP', 1);
    expect(await agent.str('GWK:STATE')).toBe('STOPPED');
    expect(await agent.num('GWK:PID')).toBe(0);
    expect(await agent.str('GWK:STOP')).toBe('Idle');
    expect(isGone(pid)).toBe(true);
    expect(standinPids(agent.home('GWK'))).toEqual([]);
    await agent.waitStr('GWK:ALIVE', (s) => s === 'No');
    await agent.put('GWK:START', 1);
    await agent.waitStr('GWK:STATE', (s) => s === 'RUNNING');
    const started = await agent.num('GWK:PID');
    expect(standinPids(agent.home('GWK'))).toEqual([started]);
    expect(await agent.num('GWK:RESTARTS')).toBe(0);
    expect(await agent.num('GWL:PID')).toBe(bystander);
    // the mirror finds the new process: ALIVE again, statistics without the COMM alarm
    await agent.waitStr('GWK:ALIVE', (s) => s === 'Yes');
    const v = await agent.get('GWK:PV_TOTAL', DBR_TIME_DOUBLE);
    expect([v.value, v.severity, v.status]).toEqual([7, NO_ALARM, NO_ALARM]);
  });

  it('RESTART replaces the process', async () => {
    const pid = await agent.num('GWK:PID');
    await agent.put('GWK:RESTART', 1);
    await agent.waitStr('GWK:STATE', (s) => s === 'RUNNING');
    const next = await agent.num('GWK:PID');
    expect(next).not.toBe(pid);
    expect(isGone(pid)).toBe(true);
    expect(standinPids(agent.home('GWK'))).toEqual([next]);
    await agent.waitStr('GWK:ALIVE', (s) => s === 'Yes');
    const v = await agent.get('GWK:PV_TOTAL', DBR_TIME_DOUBLE);
    expect([v.value, v.severity, v.status]).toEqual([7, NO_ALARM, NO_ALARM]);
  });

  it('RELOAD makes the gateway re-read its files, without a restart', async () => {
    const pid = await agent.num('GWK:PID');
    const before = agent.gatewayLog('GWK').split(REREAD).length;
    await agent.put('GWK:RELOAD', 1);
    await waitFor(
      () => agent.gatewayLog('GWK').split(REREAD).length === before + 1 || undefined,
      10_000,
      'the reread in the log',
    );
    expect(agent.output).toContain('GWK: re-read its pvlist and access file (newAsFlag)');
    expect(await agent.num('GWK:PID')).toBe(pid);
  });

  it('AUTORESTART Off: a killed gateway stays EXITED; START brings it back', async () => {
    const restarts = await agent.num('GWK:RESTARTS');
    await agent.put('GWK:AUTORESTART', 0);
    // the switch reaches the supervisor asynchronously
    await new Promise((r) => setTimeout(r, 300));
    const pid = await agent.num('GWK:PID');
    process.kill(pid, 'SIGKILL');
    await agent.waitStr('GWK:STATE', (s) => s === 'EXITED');
    expect(await agent.str('GWK:LAST_EXIT')).toBe('signal SIGKILL');
    await new Promise((r) => setTimeout(r, 1500)); // longer than the first backoff delay
    expect(await agent.str('GWK:STATE')).toBe('EXITED');
    expect(await agent.num('GWK:RESTARTS')).toBe(restarts);
    expect(standinPids(agent.home('GWK'))).toEqual([]);
    await agent.put('GWK:AUTORESTART', 1);
    await agent.put('GWK:START', 1);
    await agent.waitStr('GWK:STATE', (s) => s === 'RUNNING');
    expect(await agent.str('GWK:AUTORESTART')).toBe('On');
  });

  it('AUTORESTART Off survives a reload of the configuration', async () => {
    await agent.put('GWK:AUTORESTART', 0);
    const from = agent.output.length;
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitOutput(/reloaded .*: 0 re-read, 0 restarted, 0 removed/, 10_000, from);
    expect(await agent.str('GWK:AUTORESTART')).toBe('Off');
    process.kill(await agent.num('GWK:PID'), 'SIGKILL');
    await agent.waitStr('GWK:STATE', (s) => s === 'EXITED');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await agent.str('GWK:STATE')).toBe('EXITED');
    await agent.put('GWK:AUTORESTART', 1);
    await agent.put('GWK:START', 1);
    await agent.waitStr('GWK:STATE', (s) => s === 'RUNNING');
  });

  it("the agent's RELOAD re-reads an unchanged file: nothing restarts, CONFIG_OK stays Yes", async () => {
    const pids = [await agent.num('GWK:PID'), await agent.num('GWL:PID')];
    const from = agent.output.length;
    await agent.put('RELOAD', 1);
    await agent.waitOutput(/reloaded .*: 0 re-read, 0 restarted, 0 removed/, 10_000, from);
    expect(await agent.str('RELOAD')).toBe('Idle');
    expect(await agent.str('CONFIG_OK')).toBe('Yes');
    expect([await agent.num('GWK:PID'), await agent.num('GWL:PID')]).toEqual(pids);
  });

  it('SYSRESET restarts the agent in place: same process, new gateways, PVs served again', async () => {
    const pids = [await agent.num('GWK:PID'), await agent.num('GWL:PID')];
    const from = agent.output.length;
    await agent.put('SYSRESET', 1, false);
    await agent.waitOutput('SYSRESET: restarting the agent and its gateways', 10_000, from);
    await agent.waitOutput('agent CT running:', 20_000, from);
    expect(agent.exitCode).toBeUndefined();
    await agent.closeClient();
    await agent.waitStr('GWK:STATE', (s) => s === 'RUNNING');
    await agent.waitStr('GWL:STATE', (s) => s === 'RUNNING');
    const next = [await agent.num('GWK:PID'), await agent.num('GWL:PID')];
    expect(next.some((p, i) => p === pids[i])).toBe(false);
    expect(pids.map(isGone)).toEqual([true, true]);
    expect(standinPids(agent.home('GWK'))).toEqual([next[0]]);
    expect(standinPids(agent.home('GWL'))).toEqual([next[1]]);
    // counters start again with the new agent
    expect(await agent.num('GWK:RESTARTS')).toBe(0);
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(standinPids(agent.home('GWK'))).toEqual([]);
  });
});
