// Issue 6 proof, part 2: the gateway's statistics mirrored onto the agent's PVs (counters at once, rates
// after a rate period), read through gwagent's client and through the real libca (pyepics); a hung
// gateway turns them INVALID/COMM and ALIVE No within the CA echo timeout (GWAGENT_CA_CONN_TMO=1 here).
// Against the real ca-gateway: real-gateway.int.test.ts (statistics equal to caget of its own PVs). The
// stand-in stays for its fixed statistics and for the hang (server silent, process running, no signal).
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMM_ALARM,
  DBR_TIME_DOUBLE,
  DBR_TIME_ENUM,
  INVALID_ALARM,
  MAJOR_ALARM,
  NO_ALARM,
} from '../../src/ca/constants.js';
import { MIRRORED_STATS } from '../../src/agent/gateway-records.js';
import { AgentFixture, waitFor } from './harness.js';

const agent = new AgentFixture('ST');

beforeAll(async () => {
  await agent.configure([
    {
      name: 'GWS',
      label: 'stats gateway',
      env: { GATEWAY_STANDIN_STATS: 'pvtotal=5,vctotal=3', GATEWAY_STANDIN_RATE_PERIOD_MS: '500' },
    },
  ]);
  await agent.start();
  await agent.waitStr('GWS:STATE', (s) => s === 'RUNNING');
});

afterAll(() => agent.dispose());

function pyepics(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/python3',
      ['-c', script],
      {
        env: {
          PATH: '/usr/bin:/bin',
          EPICS_CA_AUTO_ADDR_LIST: 'NO',
          EPICS_CA_ADDR_LIST: `127.0.0.1:${agent.iocPort}`,
        },
        timeout: 40_000,
      },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

describe('statistics mirror', () => {
  it('mirrors the counters and, after a rate period, the rates; ALIVE is Yes', async () => {
    await agent.waitStr('GWS:ALIVE', (s) => s === 'Yes', 20_000);
    const pvTotal = await agent.get('GWS:PV_TOTAL', DBR_TIME_DOUBLE);
    expect([pvTotal.value, pvTotal.severity, pvTotal.status]).toEqual([5, NO_ALARM, NO_ALARM]);
    expect(await agent.num('GWS:VC_TOTAL')).toBe(3);
    expect(await agent.num('GWS:CONNECTED')).toBe(0);
    // the stand-in posts loopRate 98.8 Hz to its subscribers every 500 ms here
    await waitFor(async () => (await agent.num('GWS:LOOP_RATE')) === 98.8 || undefined, 10_000, 'LOOP_RATE');
    expect(await agent.num('GWS:CLIENT_EVENT_RATE')).toBe(12.5);
    expect(await agent.num('GWS:SERVER_POST_RATE')).toBe(3.1);
    for (const [suffix] of MIRRORED_STATS) {
      const v = await agent.get(`GWS:${suffix}`, DBR_TIME_DOUBLE);
      expect([suffix, v.severity]).toEqual([suffix, NO_ALARM]);
    }
  });

  it('reads the same values through the real libca (pyepics)', async () => {
    const out = await pyepics(
      [
        'import epics, json',
        'P = "ST:GWS:"',
        'cmd = epics.caget(P + "CMD", as_string=True, timeout=5)',
        'reload = epics.PV(P + "RELOAD")',
        'reload.wait_for_connection(5)',
        'get = lambda s, **kw: epics.caget(P + s, timeout=5, **kw)',
        'out = dict(state=get("STATE", as_string=True), pid=get("PID"), pvTotal=get("PV_TOTAL"),',
        '  loopRate=get("LOOP_RATE"), label=get("LABEL"), alive=get("ALIVE", as_string=True),',
        '  cmd=cmd.split(" ")[:3], stateStrings=list(epics.PV(P + "STATE").get_ctrlvars(timeout=5)["enum_strs"]))',
        // libca sees the control PV writable from loopback; the put completes after the reread
        'out.update(writable=reload.write_access, put=reload.put(1, wait=True, timeout=20))',
        // A CA get, not the PV's monitored copy: the put's completion may reach libca before the monitor update
        // of the reset to Idle (rsrv too sends a completion ahead of events queued at the same time).
        'out.update(after=reload.get(as_string=True, use_monitor=False))',
        'print(json.dumps(out))',
      ].join('\n'),
    );
    const pid = await agent.num('GWS:PID');
    expect(JSON.parse(out)).toEqual({
      state: 'RUNNING',
      pid,
      pvTotal: 5,
      loopRate: 98.8,
      label: 'stats gateway',
      alive: 'Yes',
      cmd: [agent.wrapper('GWS'), '-home', agent.home('GWS')],
      stateStrings: ['STOPPED', 'STARTING', 'RUNNING', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL'],
      writable: true,
      put: 1,
      after: 'Idle',
    });
    expect(agent.gatewayLog('GWS')).toContain('Reading access security files');
    expect(agent.output).toContain('GWS: re-read its pvlist and access file (newAsFlag)');
  });

  it('a hung gateway: statistics INVALID with COMM, ALIVE No, STATE still RUNNING', async () => {
    const pid = await agent.num('GWS:PID');
    agent.control('GWS', 'hang');
    const hungAt = Date.now();
    await waitFor(() => agent.gatewayLog('GWS').includes('(stand-in) hanging') || undefined, 10_000, 'hang');
    await agent.waitStr('GWS:ALIVE', (s) => s === 'No', 20_000);
    const detectedMs = Date.now() - hungAt;
    // connTmo 1 s, then libca's 5 s echo timeout
    expect(detectedMs).toBeLessThan(12_000);
    const alive = await agent.get('GWS:ALIVE', DBR_TIME_ENUM);
    expect([alive.value, alive.severity]).toEqual([0, MAJOR_ALARM]);
    // ... which the health summary shows as a Fault (at the next refresh)
    await agent.waitStr('STATUS', (s) => s === 'Fault', 5000);
    for (const [suffix] of MIRRORED_STATS) {
      const v = await agent.get(`GWS:${suffix}`, DBR_TIME_DOUBLE);
      expect([suffix, v.severity, v.status]).toEqual([suffix, INVALID_ALARM, COMM_ALARM]);
    }
    // the last values stay, marked invalid
    expect(await agent.num('GWS:PV_TOTAL')).toBe(5);
    const state = await agent.get('GWS:STATE', DBR_TIME_ENUM);
    // a hang is not a process state: RUNNING, no alarm
    expect([state.value, state.severity, state.status]).toEqual([2, NO_ALARM, NO_ALARM]);
    expect(await agent.num('GWS:PID')).toBe(pid);
  });

  it('the hung gateway killed: the agent restarts it and the mirror recovers', async () => {
    const pid = await agent.num('GWS:PID');
    process.kill(pid, 'SIGKILL');
    await agent.waitStr('GWS:RESTARTS', (s) => s === '1', 15_000);
    await agent.waitStr('GWS:STATE', (s) => s === 'RUNNING', 15_000);
    await agent.waitStr('GWS:ALIVE', (s) => s === 'Yes', 20_000);
    const v = await agent.get('GWS:PV_TOTAL', DBR_TIME_DOUBLE);
    expect([v.value, v.severity, v.status]).toEqual([5, NO_ALARM, NO_ALARM]);
    expect(await agent.num('GWS:PID')).not.toBe(pid);
  });
});
