// Issue 6 proof, part 3: reloads of a running agent. A pvlist-only change is re-read by the gateway
// (newAsFlag, "Reading access security files" in its log) without a restart; a command-line change
// restarts only that gateway; an invalid file changes nothing and says why on CONFIG_OK/CONFIG_MSG.
// Against the real ca-gateway: real-gateway.int.test.ts (a newly denied name refused to caget, same PID).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DBR_TIME_DOUBLE,
  DBR_TIME_ENUM,
  DBR_TIME_STRING,
  MAJOR_ALARM,
  NO_ALARM,
  SOFT_ALARM,
} from '../../src/ca/constants.js';
import { AgentFixture, freePort, isGone, standinPids, type GatewayDef } from './harness.js';

const agent = new AgentFixture('RL');
const REREAD = 'Reading access security files';
const A: GatewayDef = { name: 'GWA', label: 'gateway A' };
const B: GatewayDef = { name: 'GWB', label: 'gateway B' };

const count = (text: string, what: string) => text.split(what).length - 1;

async function pids(): Promise<[number, number]> {
  return [await agent.num('GWA:PID'), await agent.num('GWB:PID')];
}

beforeAll(async () => {
  await agent.configure([A, B]);
  await agent.start();
  await agent.waitStr('GWA:STATE', (s) => s === 'RUNNING');
  await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING');
  // the reread goes through the gateway's own newAsFlag PV: wait until its server answers
  await agent.waitStr('GWA:ALIVE', (s) => s === 'Yes', 20_000);
});

afterAll(() => agent.dispose());

describe('reload', () => {
  it('a pvlist-only change is re-read through newAsFlag, without a restart', async () => {
    const before = await pids();
    expect(count(agent.gatewayLog('GWA'), REREAD)).toBe(0);
    const from = agent.output.length;
    await agent.configure([{ ...A, rules: ['allow = .*', 'deny = .*:SECRET.*'] }, B]);
    const reload = await agent.cli(['reload']);
    expect(reload.code).toBe(0);
    expect(JSON.parse(reload.stdout)).toEqual({ ok: true, message: '' });
    await agent.waitOutput('GWA: re-read its pvlist and access file (newAsFlag)', 10_000, from);
    expect(agent.output.slice(from)).toContain('reloaded ');
    expect(agent.output.slice(from)).toMatch(/: 1 re-read, 0 restarted, 0 removed/);
    const pvlist = readFileSync(join(agent.home('GWA'), 'gateway.pvlist'), 'utf8');
    expect(pvlist).toMatch(/^\.\*:SECRET\.\* +DENY$/m);
    // the gateway's log and `gwagent logs` show the reread, once
    expect(count(agent.gatewayLog('GWA'), REREAD)).toBe(1);
    const logs = await agent.cli(['logs', 'GWA']);
    expect(count(logs.stdout, REREAD)).toBe(1);
    expect(logs.stdout).toContain(`Read ${agent.home('GWA')}/gateway.pvlist:`);
    // nothing restarted, the other gateway was not asked to reread
    expect(await pids()).toEqual(before);
    expect([await agent.num('GWA:RESTARTS'), await agent.num('GWB:RESTARTS')]).toEqual([0, 0]);
    expect(count(agent.gatewayLog('GWB'), REREAD)).toBe(0);
    expect(agent.output.slice(from)).not.toContain('command line changed');
  });

  it('a command-line change restarts that gateway only', async () => {
    const [pidA, pidB] = await pids();
    const from = agent.output.length;
    await agent.configure([
      { ...A, rules: ['allow = .*', 'deny = .*:SECRET.*'] },
      { ...B, keys: { connect_timeout: 2 } },
    ]);
    const reload = await agent.cli(['reload']);
    expect(reload.code).toBe(0);
    await agent.waitOutput('GWB: command line changed, restarted', 15_000, from);
    await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING', 15_000);
    const newB = await agent.num('GWB:PID');
    expect(newB).not.toBe(pidB);
    expect(await agent.text('GWB:CMD')).toContain(' -connect_timeout 2 -inactive_timeout 7200 ');
    // the stand-in really got the new argument
    expect(readFileSync(`/proc/${newB}/cmdline`, 'utf8').split('\0')).toContain('2');
    expect(await agent.num('GWA:PID')).toBe(pidA);
    expect(count(agent.gatewayLog('GWA'), REREAD)).toBe(1);
    // a restart asked for by a reload is not an automatic restart
    expect(await agent.num('GWB:RESTARTS')).toBe(0);
    expect(agent.output.slice(from)).toMatch(/: 0 re-read, 1 restarted, 0 removed/);
    await agent.waitStr('GWB:ALIVE', (s) => s === 'Yes', 20_000);
  });

  it('an invalid file changes nothing: CONFIG_OK No, CONFIG_MSG names the problem', async () => {
    const before = await pids();
    expect(await agent.str('CONFIG_OK')).toBe('Yes');
    const from = agent.output.length;
    await agent.configure([{ ...A, keys: { server_prot: 5064 } }, B]);
    const reload = await agent.cli(['reload']);
    expect(reload.code).toBe(0);
    const line = readFileSync(agent.configPath, 'utf8').split('\n').indexOf('server_prot = 5064') + 1;
    const problem = `${agent.configPath}:${line}: error: unknown key "server_prot" in [gateway.GWA]`;
    expect(JSON.parse(reload.stdout)).toEqual({ ok: false, message: problem });
    const ok = await agent.get('CONFIG_OK', DBR_TIME_ENUM);
    expect([ok.value, ok.severity]).toEqual([0, MAJOR_ALARM]);
    const msg = await agent.get('CONFIG_MSG', DBR_TIME_STRING);
    expect([msg.severity, msg.status]).toEqual([MAJOR_ALARM, SOFT_ALARM]);
    // 39 characters: the line and the reason, not the file path
    expect(msg.value).toBe(`line ${line}: unknown key "server_prot" in [gateway.GWA]`.slice(0, 39));
    expect(await agent.text('CONFIG_ERR')).toBe(problem);
    expect(agent.output.slice(from)).toContain('reload refused, keeping the running configuration');
    // gateways untouched, the old files kept
    expect(await pids()).toEqual(before);
    expect(readFileSync(join(agent.home('GWA'), 'gateway.pvlist'), 'utf8')).toContain('SECRET');
    expect(count(agent.gatewayLog('GWA'), REREAD)).toBe(1);

    // a good file again clears the problem; SIGHUP reloads like `gwagent reload`
    await agent.configure([
      { ...A, rules: ['allow = .*', 'deny = .*:SECRET.*'] },
      { ...B, keys: { connect_timeout: 2 } },
    ]);
    const hupFrom = agent.output.length;
    agent.proc!.kill('SIGHUP');
    await agent.waitOutput(/reloaded .*: 0 re-read, 0 restarted, 0 removed/, 10_000, hupFrom);
    expect(agent.output.slice(hupFrom)).toContain('SIGHUP: reloading the configuration');
    const ok2 = await agent.get('CONFIG_OK', DBR_TIME_ENUM);
    expect([ok2.value, ok2.severity]).toEqual([1, NO_ALARM]);
    const msg2 = await agent.get('CONFIG_MSG', DBR_TIME_STRING);
    expect([msg2.value, msg2.severity]).toEqual(['', NO_ALARM]);
    expect(await pids()).toEqual(before);
  });

  it('a gateway added by a reload starts with its PVs; removed, it stops and its PVs go', async () => {
    const before = await pids();
    const C: GatewayDef = { name: 'GWC', label: 'gateway C' };
    const rulesA = { ...A, rules: ['allow = .*', 'deny = .*:SECRET.*'] };
    const keysB = { ...B, keys: { connect_timeout: 2 } };
    const from = agent.output.length;
    await agent.configure([rulesA, keysB, C]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitStr('GWC:STATE', (s) => s === 'RUNNING', 15_000);
    const pidC = await agent.num('GWC:PID');
    expect(standinPids(agent.home('GWC'))).toEqual([pidC]);
    expect(await agent.str('GWC:LABEL')).toBe('gateway C');
    expect(await agent.num('GW_CNT')).toBe(3);
    await agent.waitStr('GWC:ALIVE', (s) => s === 'Yes', 20_000);
    expect(agent.output.slice(from)).toMatch(/: 0 re-read, 1 restarted, 0 removed/);

    await agent.configure([rulesA, keysB]);
    const from2 = agent.output.length;
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitOutput(/reloaded .*: 0 re-read, 0 restarted, 1 removed/, 10_000, from2);
    expect(isGone(pidC)).toBe(true);
    expect(standinPids(agent.home('GWC'))).toEqual([]);
    expect(await agent.num('GW_CNT')).toBe(2);
    await agent.closeClient();
    await expect(agent.get('GWC:STATE')).rejects.toThrow();
    expect(await pids()).toEqual(before);

    // and added back under the same name: new records, a new process
    await agent.configure([rulesA, keysB, C]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitStr('GWC:STATE', (s) => s === 'RUNNING', 15_000);
    const again = await agent.num('GWC:PID');
    expect(again).not.toBe(pidC);
    expect(standinPids(agent.home('GWC'))).toEqual([again]);
    await agent.waitStr('GWC:ALIVE', (s) => s === 'Yes', 20_000);
    await agent.configure([rulesA, keysB]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    expect(standinPids(agent.home('GWC'))).toEqual([]);
  });

  it('a new label shows at once; a new server port restarts the gateway and the mirror follows it', async () => {
    const rulesA = { ...A, rules: ['allow = .*', 'deny = .*:SECRET.*'] };
    const pidA = await agent.num('GWA:PID');
    const pidB = await agent.num('GWB:PID');
    const oldPort = agent.ports.get('GWB')!;
    const newPort = await freePort();
    agent.ports.set('GWB', newPort);
    const from = agent.output.length;
    await agent.configure([
      { ...rulesA, label: 'gateway A, renamed' },
      { ...B, keys: { connect_timeout: 2 } },
    ]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitOutput('GWB: command line changed, restarted', 15_000, from);
    expect(await agent.str('GWA:LABEL')).toBe('gateway A, renamed');
    expect(await agent.num('GWA:PID')).toBe(pidA);
    await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING', 15_000);
    const next = await agent.num('GWB:PID');
    expect(next).not.toBe(pidB);
    const argv = readFileSync(`/proc/${next}/cmdline`, 'utf8').split('\0');
    expect(argv[argv.indexOf('-sport') + 1]).toBe(String(newPort));
    expect(oldPort).not.toBe(newPort);
    // the statistics are read from the new port
    await agent.waitStr('GWB:ALIVE', (s) => s === 'Yes', 20_000);
    const v = await agent.get('GWB:PV_TOTAL', DBR_TIME_DOUBLE);
    expect([v.severity, v.status]).toEqual([NO_ALARM, NO_ALARM]);
  });

  it('enabled = no stops a gateway at the reload; enabled = yes starts it again', async () => {
    const rulesA = { ...A, label: 'gateway A, renamed', rules: ['allow = .*', 'deny = .*:SECRET.*'] };
    const keysB = { connect_timeout: 2 };
    const pidA = await agent.num('GWA:PID');
    const pidB = await agent.num('GWB:PID');
    await agent.configure([rulesA, { ...B, keys: { ...keysB, enabled: 'no' } }]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitStr('GWB:STATE', (s) => s === 'STOPPED', 10_000);
    expect(isGone(pidB)).toBe(true);
    expect(standinPids(agent.home('GWB'))).toEqual([]);
    await agent.configure([rulesA, { ...B, keys: keysB }]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING', 15_000);
    expect(standinPids(agent.home('GWB'))).toEqual([await agent.num('GWB:PID')]);
    expect(await agent.num('GWA:PID')).toBe(pidA);
  });

  it('a gateway made FATAL by a missing binary starts when a reload gives it one', async () => {
    const rulesA = { ...A, label: 'gateway A, renamed', rules: ['allow = .*', 'deny = .*:SECRET.*'] };
    const keysB = { connect_timeout: 2 };
    await agent.configure([rulesA, { ...B, keys: { ...keysB, binary: '/nope/gateway' } }]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitStr('GWB:STATE', (s) => s === 'FATAL', 15_000);
    expect(await agent.str('GWB:LAST_EXIT')).toBe('gateway binary not found: /nope/gateway');
    const from = agent.output.length;
    await agent.configure([rulesA, { ...B, keys: keysB }]);
    expect((await agent.cli(['reload'])).code).toBe(0);
    await agent.waitOutput('GWB: command line changed, started', 10_000, from);
    await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING', 15_000);
    expect(standinPids(agent.home('GWB'))).toEqual([await agent.num('GWB:PID')]);
  });
});
