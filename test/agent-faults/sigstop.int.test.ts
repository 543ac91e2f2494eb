// Issue 7, hung gateway by SIGSTOP: the agent counts its supervised processes in state T (SUSP_TASK_CNT,
// HIHI 1 MAJOR, so STATUS Fault); its CA client gives up on the stopped gateway's circuit after the echo
// idle time (GWAGENT_CA_CONN_TMO), so ALIVE goes No and the statistics INVALID/COMM; SIGCONT undoes all.
// Prints the measured delays (for docs/robustness.md).
// Against the real ca-gateway: real-gateway.int.test.ts (SIGSTOP/SIGCONT of a real gateway).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMM_ALARM,
  DBR_TIME_DOUBLE,
  DBR_TIME_ENUM,
  HIHI_ALARM,
  INVALID_ALARM,
  MAJOR_ALARM,
  NO_ALARM,
} from '../../src/ca/constants.js';
import { MIRRORED_STATS } from '../../src/agent/gateway-records.js';
import { AgentFixture, isGone, standinPids, waitFor } from '../agent/harness.js';
import { quietHost } from './quiet-host.js';

const agent = new AgentFixture('SS');
let stoppedPid: number | undefined;

function procState(pid: number): string {
  return readStat(pid).state;
}

function readStat(pid: number): { state: string } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return { state: text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) };
}

beforeAll(async () => {
  await agent.configure([{ name: 'GWS', label: 'stopped gateway' }], quietHost);
  await agent.start({ GWAGENT_CA_CONN_TMO: '1' });
  await agent.waitStr('GWS:STATE', (s) => s === 'RUNNING');
  await agent.waitStr('GWS:ALIVE', (s) => s === 'Yes', 20_000);
});

afterAll(async () => {
  // a failed assertion must not leave a stopped process behind (SIGKILL would still end it)
  if (stoppedPid !== undefined) process.kill(stoppedPid, 'SIGCONT');
  await agent.dispose();
});

describe('gateway stopped by SIGSTOP', () => {
  it('SUSP_TASK_CNT 1 MAJOR, STATUS Fault, ALIVE No, statistics INVALID/COMM; SIGCONT recovers', async () => {
    const pid = await agent.num('GWS:PID');
    const susp0 = await agent.get('SUSP_TASK_CNT', DBR_TIME_DOUBLE);
    expect([susp0.value, susp0.severity]).toEqual([0, NO_ALARM]);
    // host load alarms silenced (quiet-host.ts): Ok before the fault
    await agent.waitStr('STATUS', (s) => s === 'Ok', 5000);

    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    stoppedPid = pid;
    // the signal is delivered asynchronously
    await waitFor(() => procState(pid) === 'T' || undefined, 2000, 'state T');

    const susp = await waitFor(
      async () => {
        const v = await agent.get('SUSP_TASK_CNT', DBR_TIME_DOUBLE);
        return v.value === 1 ? v : undefined;
      },
      10_000,
      'SUSP_TASK_CNT 1',
    );
    const suspMs = Date.now() - t0;
    expect([susp.severity, susp.status]).toEqual([MAJOR_ALARM, HIHI_ALARM]);
    // Fault from SUSP_TASK_CNT alone: the CA client has not given up yet (1 s idle + 5 s echo timeout),
    // so the statistics are still valid and STATUS is MAJOR, not the INVALID they bring later
    expect(await agent.str('GWS:ALIVE')).toBe('Yes');
    const status = await agent.get('STATUS', DBR_TIME_ENUM);
    expect([status.value, status.severity]).toEqual([2, MAJOR_ALARM]);
    // the process itself is still RUNNING for the supervisor: it did not exit
    expect(await agent.str('GWS:STATE')).toBe('RUNNING');
    expect(await agent.num('GWS:PID')).toBe(pid);

    await agent.waitStr('GWS:ALIVE', (s) => s === 'No', 20_000);
    const aliveMs = Date.now() - t0;
    const alive = await agent.get('GWS:ALIVE', DBR_TIME_ENUM);
    expect([alive.value, alive.severity]).toEqual([0, MAJOR_ALARM]);
    for (const [stat] of MIRRORED_STATS) {
      const v = await agent.get(`GWS:${stat}`, DBR_TIME_DOUBLE);
      expect([stat, v.severity, v.status]).toEqual([stat, INVALID_ALARM, COMM_ALARM]);
    }
    await waitFor(
      async () => (await agent.get('STATUS', DBR_TIME_ENUM)).severity === INVALID_ALARM || undefined,
      5000,
      'STATUS INVALID',
    );
    expect(await agent.str('STATUS')).toBe('Fault');
    // the agent itself kept serving: its heartbeat advances while the gateway is stopped
    const hb = await agent.num('HEARTBEAT');
    await waitFor(async () => (await agent.num('HEARTBEAT')) > hb || undefined, 3000, 'HEARTBEAT');
    expect(procState(pid)).toBe('T');

    const t1 = Date.now();
    process.kill(pid, 'SIGCONT');
    stoppedPid = undefined;
    await waitFor(
      async () => {
        const v = await agent.get('SUSP_TASK_CNT', DBR_TIME_DOUBLE);
        return v.value === 0 && v.severity === NO_ALARM ? v : undefined;
      },
      10_000,
      'SUSP_TASK_CNT 0',
    );
    const resumeMs = Date.now() - t1;
    await agent.waitStr('GWS:ALIVE', (s) => s === 'Yes', 20_000);
    const aliveAgainMs = Date.now() - t1;
    const loop = await waitFor(
      async () => {
        const v = await agent.get('GWS:LOOP_RATE', DBR_TIME_DOUBLE);
        return v.severity !== INVALID_ALARM ? v : undefined;
      },
      10_000,
      'LOOP_RATE valid again',
    );
    expect(loop.status).not.toBe(COMM_ALARM);
    await agent.waitStr('STATUS', (s) => s === 'Ok', 10_000);
    // same process, never restarted
    expect(await agent.num('GWS:PID')).toBe(pid);
    expect(await agent.num('GWS:RESTARTS')).toBe(0);
    console.log(
      `[faults] SIGSTOP (GWAGENT_CA_CONN_TMO=1, refresh 2 s): SUSP_TASK_CNT=1 after ${suspMs} ms, ` +
        `ALIVE=No after ${aliveMs} ms; SIGCONT: SUSP_TASK_CNT=0 after ${resumeMs} ms, ALIVE=Yes after ${aliveAgainMs} ms`,
    );
  });

  it('SIGTERM of the agent while the gateway is stopped: the gateway ends, the agent exits 0', async () => {
    const pid = await agent.num('GWS:PID');
    process.kill(pid, 'SIGSTOP');
    stoppedPid = pid;
    await waitFor(() => procState(pid) === 'T' || undefined, 2000, 'state T');
    const t0 = Date.now();
    expect(await agent.stop('SIGTERM')).toBe(0);
    const stopMs = Date.now() - t0;
    stoppedPid = undefined;
    expect(isGone(pid)).toBe(true);
    expect(standinPids(agent.home('GWS'))).toEqual([]);
    // SIGTERM then SIGCONT: the gateway runs again and ends on its SIGTERM, before the SIGKILL that
    // stop_timeout_s (2 s) would send.
    expect(stopMs).toBeLessThan(2000);
    console.log(`[faults] SIGTERM of the agent with a SIGSTOPped gateway: exit 0 after ${stopMs} ms`);
  });
});
