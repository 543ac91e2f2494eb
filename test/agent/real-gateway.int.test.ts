// Issue 12, item 1: `gwagent run` supervising the REAL ca-gateway (EPICS peers) as one container of a
// site: a forward gateway (subnet -> GIN) and a reverse one (GIN -> subnet) in a network namespace of
// its own, a real softIoc in the subnet's namespace, real clients (caget) in the GIN's. Shows: PVs proxied
// through the rendered files, mirrored statistics equal to the gateway's own PVs (read with caget), a
// reload that makes the running gateway refuse a newly denied name (same PID), kill -9, SIGSTOP/SIGCONT
// and SIGTERM of the agent.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  COMM_ALARM,
  DBR_TIME_DOUBLE,
  DBR_TIME_ENUM,
  INVALID_ALARM,
  MAJOR_ALARM,
  NO_ALARM,
} from '../../src/ca/constants.js';
import { MIRRORED_STATS } from '../../src/agent/gateway-records.js';
import { describeWithPeers, peerBin } from '../support/peers.js';
import { quietHost } from '../agent-faults/quiet-host.js';
import { AgentFixture, freePort, isGone, waitFor, type GatewayDef } from './harness.js';

let agent: AgentFixture;
const FWD: GatewayDef = { name: 'GWF', label: 'subnet to GIN', keys: { start_secs: 1 } };
const REV: GatewayDef = {
  name: 'GWR',
  label: 'GIN to subnet',
  keys: { direction: 'reverse', start_secs: 1 },
};

const DB = `
record(ai, "RT:AI") { field(VAL, "42.5") field(PREC, "1") }
record(stringin, "RT:SECRET") { field(VAL, "hidden") }
`;

/** caget in the GIN namespace through the forward gateway. */
function caget(pvs: string | string[], extra: string[] = []): Promise<{ code: number | null; out: string }> {
  return agent.caget('GWF', pvs, extra);
}

describeWithPeers(
  'the real ca-gateway under gwagent run (forward/reverse pair in network namespaces)',
  () => {
    beforeAll(async () => {
      agent = await AgentFixture.real('RG');
      agent.startSubnetIoc(DB);
      await agent.configure([FWD, REV]);
      await agent.start();
      await agent.waitStr('GWF:STATE', (s) => s === 'RUNNING');
      await agent.waitStr('GWR:STATE', (s) => s === 'RUNNING');
      await agent.waitStr('GWF:ALIVE', (s) => s === 'Yes', 20_000);
      await agent.waitStr('GWR:ALIVE', (s) => s === 'Yes', 20_000);
    });

    afterAll(() => agent?.dispose());

    it('serves a subnet IOC PV on the GIN through the rendered files', async () => {
      expect(await agent.cagetServed('GWF', 'RT:AI')).toBe('42.5');
      const cmd = await agent.text('GWF:CMD');
      expect(cmd.startsWith(`${peerBin('gateway')} -home ${agent.home('GWF')} -prefix GWF`)).toBe(true);
      expect(cmd).toContain(`-sip ${agent.nets!.gin.own} -sport ${agent.ports.get('GWF')}`);
    });

    it("mirrors the statistics: equal to the gateway's own PVs read with caget", async () => {
      // counters change only when clients come and go: equal at once; rates move every period, so
      // compare one snapshot taken on both sides until they agree
      await waitFor(
        async () => {
          const names = MIRRORED_STATS.map(([, remote]) => `GWF:${remote}`);
          const real = await caget(names, ['-t']);
          if (real.code !== 0) return undefined;
          const theirs = real.out.split('\n').map(Number);
          const ours = [];
          for (const [suffix] of MIRRORED_STATS) ours.push(await agent.num(`GWF:${suffix}`));
          const round = (v: number[]) => v.map((x) => Math.round(x * 1000) / 1000);
          return JSON.stringify(round(ours)) === JSON.stringify(round(theirs)) || undefined;
        },
        30_000,
        'mirrored statistics equal to caget GWF:<stat>',
      );
      for (const [suffix] of MIRRORED_STATS) {
        const v = await agent.get(`GWF:${suffix}`, DBR_TIME_DOUBLE);
        expect([suffix, v.severity, v.status]).toEqual([suffix, NO_ALARM, NO_ALARM]);
      }
      expect(await agent.num('GWF:PV_TOTAL')).toBeGreaterThanOrEqual(1);
    });

    it('both gateways healthy: STATUS Ok, STATUS_MSG empty, CONFIG_ERR empty and NO_ALARM, --health 0', async () => {
      let last = { status: '', msg: '' };
      const got = await waitFor(
        async () => {
          last = { status: await agent.str('STATUS'), msg: await agent.text('STATUS_MSG') };
          return last.status === 'Ok' ? last : undefined;
        },
        15_000,
        () => `STATUS Ok (last ${JSON.stringify(last)})`,
      );
      expect(got).toEqual({ status: 'Ok', msg: '' });
      const err = await agent.get('CONFIG_ERR');
      expect([await agent.text('CONFIG_ERR'), err.severity, err.status]).toEqual(['', NO_ALARM, NO_ALARM]);
      const st = await agent.cli(['status']);
      expect(st.stdout.split('\n')[0]).toBe('STATUS Ok');
      const health = await agent.cli(['status', '--health']);
      expect([health.code, health.stdout, health.stderr]).toEqual([0, 'Ok\n', '']);
    });

    it('a reload with a newly denied name: the running gateway refuses it to a real client, same PID', async () => {
      expect(await caget('RT:SECRET', ['-t'])).toEqual({ code: 0, out: 'hidden' });
      const pid = await agent.num('GWF:PID');
      await agent.configure([{ ...FWD, rules: ['allow = .*', 'deny = RT:SECRET'] }, REV]);
      const from = agent.output.length;
      const r = await agent.cli(['reload']);
      expect(r.code).toBe(0);
      await agent.waitOutput('GWF: re-read its pvlist and access file', 20_000, from);
      const refused = await caget('RT:SECRET');
      expect(refused.code).not.toBe(0);
      expect(refused.out).toContain('RT:SECRET');
      expect(refused.out).toMatch(/Channel connect timed out/);
      expect(await caget('RT:AI', ['-t'])).toEqual({ code: 0, out: '42.5' });
      expect(await agent.num('GWF:PID')).toBe(pid);
      expect(await agent.num('GWF:RESTARTS')).toBe(0);
      expect(await agent.str('CONFIG_OK')).toBe('Yes');
    });

    it('kill -9: restarted, RESTARTS 1, LAST_EXIT signal SIGKILL, serving again', async () => {
      const pid = await agent.num('GWF:PID');
      process.kill(pid, 'SIGKILL');
      await agent.waitStr('GWF:RESTARTS', (s) => s === '1', 15_000);
      await agent.waitStr('GWF:STATE', (s) => s === 'RUNNING', 15_000);
      expect(await agent.str('GWF:LAST_EXIT')).toBe('signal SIGKILL');
      const next = await agent.num('GWF:PID');
      expect(next).not.toBe(pid);
      expect(isGone(pid)).toBe(true);
      await agent.waitStr('GWF:ALIVE', (s) => s === 'Yes', 20_000);
      expect(await agent.cagetServed('GWF', 'RT:AI')).toBe('42.5');
      // the restarted gateway read the reloaded pvlist: the denied name stays refused
      expect((await caget('RT:SECRET')).code).not.toBe(0);
    });

    it('SIGSTOP: ALIVE No, statistics INVALID/COMM, STATUS Fault naming them; SIGCONT recovers', async () => {
      const pid = await agent.num('GWR:PID');
      process.kill(pid, 'SIGSTOP');
      try {
        await agent.waitStr('GWR:ALIVE', (s) => s === 'No', 20_000);
        for (const [suffix] of MIRRORED_STATS) {
          const v = await agent.get(`GWR:${suffix}`, DBR_TIME_DOUBLE);
          expect([suffix, v.severity, v.status]).toEqual([suffix, INVALID_ALARM, COMM_ALARM]);
        }
        const alive = await agent.get('GWR:ALIVE', DBR_TIME_ENUM);
        expect([alive.value, alive.severity]).toEqual([0, MAJOR_ALARM]);
        await agent.waitStr('STATUS', (s) => s === 'Fault', 5000);
        // STATUS and STATUS_MSG follow at the agent's next refresh (2 s)
        const expected = 'INVALID: GWR statistics COMM; MAJOR: SUSP_TASK_CNT HIHI, GWR:ALIVE No';
        let msg = '';
        await waitFor(
          async () => (msg = await agent.text('STATUS_MSG')) === expected || undefined,
          10_000,
          () => `STATUS_MSG '${expected}' (last '${msg}')`,
        );
        expect(await agent.str('STATUS')).toBe('Fault');
        expect(await agent.num('GWR:PID')).toBe(pid);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await agent.waitStr('GWR:ALIVE', (s) => s === 'Yes', 20_000);
      await agent.waitStr('STATUS', (s) => s === 'Ok', 10_000);
      expect(await agent.text('STATUS_MSG')).toBe('');
      const v = await agent.get('GWR:PV_TOTAL', DBR_TIME_DOUBLE);
      expect([v.severity, v.status]).toEqual([NO_ALARM, NO_ALARM]);
      expect(await agent.num('GWR:RESTARTS')).toBe(0);
    });

    it('operator controls over CA and the CLI act on the real process: RELOAD, RESTART, STOP, START, logs', async () => {
      const pid = await agent.num('GWR:PID');
      const from = agent.output.length;
      await agent.put('GWR:RELOAD', 1);
      // verified in the gateway's own log, through newAsFlag or its SIGUSR1 fallback
      await agent.waitOutput(/GWR: re-read its pvlist and access file \((newAsFlag|SIGUSR1)\)/, 20_000, from);
      expect(await agent.num('GWR:PID')).toBe(pid);
      await agent.put('GWR:RESTART', 1);
      await agent.waitStr('GWR:STATE', (s) => s === 'RUNNING', 15_000);
      const restarted = await agent.num('GWR:PID');
      expect(restarted).not.toBe(pid);
      expect(isGone(pid)).toBe(true);
      await agent.put('GWR:STOP', 1);
      await agent.waitStr('GWR:STATE', (s) => s === 'STOPPED', 15_000);
      expect(isGone(restarted)).toBe(true);
      await agent.put('GWR:START', 1);
      await agent.waitStr('GWR:STATE', (s) => s === 'RUNNING', 15_000);
      // manual starts and stops are not automatic restarts
      expect(await agent.num('GWR:RESTARTS')).toBe(0);
      await agent.waitStr('GWR:ALIVE', (s) => s === 'Yes', 20_000);
      const logs = await agent.cli(['logs', 'GWR']);
      expect(logs.code).toBe(0);
      expect(logs.stdout).toContain('PV Gateway Version 2.2');
    });

    it('SIGTERM of the agent: both gateways end, the agent exits 0', async () => {
      const pids = [await agent.num('GWF:PID'), await agent.num('GWR:PID')];
      expect(await agent.stop('SIGTERM')).toBe(0);
      expect(pids.map(isGone)).toEqual([true, true]);
      expect(agent.output).toContain('GWF: stopping -> stopped');
    });
  },
  { netns: true },
);

describeWithPeers('the real ca-gateway exiting 0 at start', () => {
  const lone = new AgentFixture('RZ');
  afterAll(() => lone.dispose());

  it('-sip on an address that is not on a broadcast interface: the reason reaches the operator', async () => {
    // on plain loopback pcas binds only 127.0.0.1: a GIN of 127.0.0.3 makes the gateway print
    // "server isnt attached to a network" and exit with status 0
    await lone.configure([{ name: 'GWZ', keys: { binary: peerBin('gateway'), start_secs: 1 } }], (ini) =>
      quietHost(ini.replace('address = 127.0.0.1/32', 'address = 127.0.0.3/32')),
    );
    await lone.start({ EPICS_CA_REPEATER_PORT: String(await freePort()) });
    await lone.waitStr('GWZ:LAST_EXIT', (s) => s !== '', 20_000);
    expect(await lone.str('GWZ:LAST_EXIT')).toBe('server isnt attached to a network');
    expect(lone.gatewayLog('GWZ')).toContain('Reason: server isnt attached to a network');
    let msg = '';
    await waitFor(
      async () =>
        /^INVALID: GWZ statistics COMM; MAJOR: GWZ:STATE BACKOFF \(exit 0: server isnt attached to a network\), GWZ:ALIVE No$/.test(
          (msg = await lone.text('STATUS_MSG')),
        ) || undefined,
      15_000,
      () => `STATUS_MSG with the reason (last '${msg}')`,
    );
    const st = await lone.cli(['status']);
    expect(st.stdout.split('\n')[0]).toBe(`STATUS Fault: ${msg}`);
    expect(await lone.stop()).toBe(0);
  });
});
