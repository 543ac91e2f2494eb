// Issue 6 proof, part 1: the compiled `gwagent run` supervising two ca-gateway stand-ins on loopback.
// STATE/PID/CMD/LABEL on the agent's PVs, automatic restarts after kill -9 (RESTARTS, LAST_EXIT), the
// console and logs through the control socket, and a SIGTERM that leaves no gateway behind.
// Against the real ca-gateway: test/agent/real-gateway.int.test.ts (PID/CMD, kill -9, logs, SIGTERM).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBR_TIME_ENUM, NO_ALARM } from '../../src/ca/constants.js';
import { openControlStream } from '../../src/supervisor/index.js';
import { AgentFixture, REPO, isGone, standinPids, waitFor } from './harness.js';

const agent = new AgentFixture('LC');
let startedAt = 0;

/** The stand-in's own report of its pid, from the first lines of its captured output. */
function loggedPids(name: string): number[] {
  return [...agent.gatewayLog(name).matchAll(/PID=(\d+)/g)].map((m) => Number(m[1]));
}

beforeAll(async () => {
  await agent.configure([
    { name: 'GWA', label: 'gateway A' },
    { name: 'GWB', label: 'gateway B' },
  ]);
  startedAt = Date.now();
  await agent.start();
  await agent.waitStr('GWA:STATE', (s) => s === 'RUNNING');
  await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING');
});

afterAll(() => agent.dispose());

describe('gwagent run with two gateways', () => {
  it('shows each gateway RUNNING without alarm, with its pid, command line and label', async () => {
    for (const name of ['GWA', 'GWB']) {
      const state = await agent.get(`${name}:STATE`, DBR_TIME_ENUM);
      expect(state.value).toBe(2); // RUNNING in supervisord's order
      expect([state.severity, state.status]).toEqual([NO_ALARM, NO_ALARM]);
      const pid = await agent.num(`${name}:PID`);
      await waitFor(() => loggedPids(name).length === 1 || undefined, 10_000, `${name}'s PID line`);
      expect(loggedPids(name)).toEqual([pid]);
      expect(standinPids(agent.home(name))).toEqual([pid]);
      const home = agent.home(name);
      expect(await agent.text(`${name}:CMD`)).toBe(
        `${agent.wrapper(name)} -home ${home} -prefix ${name} -pvlist ${home}/gateway.pvlist` +
          ` -access ${home}/gateway.access -command ${home}/gateway.command -sip 127.0.0.1` +
          ` -sport ${agent.ports.get(name)} -cip 127.0.0.5 -cport 5064 -connect_timeout 1` +
          ` -inactive_timeout 7200 -dead_timeout 120 -reconnect_inhibit 300 -mask va`,
      );
      expect(await agent.num(`${name}:RESTARTS`)).toBe(0);
      expect(await agent.str(`${name}:LAST_EXIT`)).toBe('');
    }
    expect(await agent.str('GWA:LABEL')).toBe('gateway A');
    expect(await agent.str('GWB:LABEL')).toBe('gateway B');
    expect(await agent.str('LABEL')).toBe('agent end-to-end test');
    expect(await agent.num('GW_CNT')).toBe(2);
    expect(await agent.num('GW_RUNNING')).toBe(2);
  });

  it('restarts a gateway killed with SIGKILL and counts the restarts', async () => {
    const other = await agent.num('GWB:PID');
    let pid = await agent.num('GWA:PID');
    for (const expected of [1, 2]) {
      process.kill(pid, 'SIGKILL');
      await agent.waitStr('GWA:RESTARTS', (s) => s === String(expected), 15_000);
      expect(await agent.str('GWA:LAST_EXIT')).toBe('signal SIGKILL');
      await agent.waitStr('GWA:STATE', (s) => s === 'RUNNING', 15_000);
      const next = await agent.num('GWA:PID');
      expect(next).not.toBe(pid);
      expect(isGone(pid)).toBe(true);
      expect(standinPids(agent.home('GWA'))).toEqual([next]);
      pid = next;
    }
    expect(await agent.str('GWA:LAST_EXIT')).toBe('signal SIGKILL');
    expect(agent.output).toMatch(
      / WARN {2}agent: GWA: running -> backoff \(exited: signal SIGKILL; restart in 1 s\)/,
    );
    expect(agent.output).toMatch(/ INFO {2}agent: GWA: backoff -> starting\n/);
    // the other gateway was not touched
    expect(await agent.num('GWB:PID')).toBe(other);
    expect(await agent.num('GWB:RESTARTS')).toBe(0);
    const status = await agent.cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^GWA +RUNNING +${pid} +\\d+s +2 +signal SIGKILL$`, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^GWB +RUNNING +${other} +\\d+s +0 +-$`, 'm'));
  });

  it('attaches a console through the control socket: output arrives, input reaches the gateway', async () => {
    const stream = await openControlStream(agent.socket, { cmd: 'console', name: 'GWB', readOnly: false });
    let seen = stream.initial.toString();
    stream.socket.on('data', (d: Buffer) => (seen += d.toString()));
    stream.socket.resume();
    stream.socket.write('typed-through-socket\r');
    await waitFor(
      () => seen.includes('stdin: typed-through-socket') || undefined,
      10_000,
      `the echo in the console: ${seen}`,
    );
    stream.socket.end();
    expect(agent.gatewayLog('GWB')).toContain('stdin: typed-through-socket');
  });

  it('`gwagent console NAME` shows output, sends input and detaches on Ctrl-]', async () => {
    const child = spawn(process.execPath, ['bin/gwagent.js', 'console', 'GWB', '--socket', agent.socket], {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor(() => stderr.includes('Attached') || undefined, 10_000, 'the console to attach');
    child.stdin.write('via-cli\r');
    await waitFor(() => stdout.includes('stdin: via-cli') || undefined, 10_000, `the echo: ${stdout}`);
    child.stdin.write('\x1d');
    expect(await exited).toBe(0);
    expect(stderr).toBe('Attached to the console of GWB. Detach with Ctrl-].\r\n\r\nDetached.\r\n');
    // the gateway keeps running after the detach
    expect(await agent.str('GWB:STATE')).toBe('RUNNING');
  });

  it('`gwagent logs NAME` prints the gateway output', async () => {
    const logs = await agent.cli(['logs', 'GWB']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('PV Gateway Version 2.2.0-DEV (gwagent test stand-in)');
    expect(logs.stdout).toContain(`Statistics PV prefix is GWB`);
    expect(logs.stdout).toContain('stdin: via-cli');
  });

  it('shows uptime, last start, memory and CPU of a running gateway', async () => {
    const pid = await agent.num('GWB:PID');
    const mem = await waitFor(
      async () => (await agent.num('GWB:MEM')) || undefined,
      10_000,
      'GWB:MEM from the periodic refresh',
    );
    const rss = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
    expect(mem).toBeGreaterThan(rss * 0.5);
    expect(mem).toBeLessThan(rss * 1.5);
    const cpu = await agent.num('GWB:CPU');
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThan(100);
    const uptime = await agent.str('GWB:UPTIME');
    expect(uptime).toMatch(/^00:0\d:\d\d$/);
    const [, m, sec] = uptime.split(':').map(Number);
    expect(m! * 60 + sec!).toBeLessThanOrEqual((Date.now() - startedAt) / 1000 + 1);
    const today = new Date();
    const day = `${String(today.getMonth() + 1).padStart(2, '0')}/${String(today.getDate()).padStart(2, '0')}/${today.getFullYear()}`;
    expect(await agent.str('GWB:LAST_START')).toMatch(new RegExp(`^${day} \\d\\d:\\d\\d:\\d\\d$`));
  });

  it('`gwagent ca list PATTERN` lists the records the agent serves, like dbgrep', async () => {
    const la = await agent.cli(['ca', 'list', 'LC:GWA:LA*']);
    expect(la).toEqual({
      code: 0,
      stdout: 'LC:GWA:LAST_EXIT\nLC:GWA:LAST_START\nLC:GWA:LABEL\n',
      stderr: '',
    });
    expect((await agent.cli(['ca', 'list', 'LC:GW?:P?D'])).stdout).toBe('LC:GWA:PID\nLC:GWB:PID\n');
    const all = (await agent.cli(['ca', 'list'])).stdout.split('\n');
    expect(all).toContain('LC:SYS_CPU_LOAD');
    expect(all).toContain('LC:GWB:AUTORESTART');
    expect(all.filter((n) => n !== '').every((n) => n.startsWith('LC:'))).toBe(true);
  });

  it('alarm limits are writable from the container itself (README: [access] and loopback write)', async () => {
    await agent.put('SYS_CPU_LOAD.HIHI', 99.5);
    expect(await agent.num('SYS_CPU_LOAD.HIHI')).toBe(99.5);
    await agent.put('SYS_CPU_LOAD.HHSV', 'MINOR');
    expect(await agent.str('SYS_CPU_LOAD.HHSV')).toBe('MINOR');
  });

  it('`gwagent stop|start|restart NAME` act on that gateway only', async () => {
    const pidA = await agent.num('GWA:PID');
    const pidB = await agent.num('GWB:PID');
    const stop = await agent.cli(['stop', 'GWB']);
    expect(stop.code).toBe(0);
    // the stand-in ends with status 0 on SIGTERM, as ca-gateway does
    expect(stop.stdout).toMatch(/^GWB +STOPPED +- +- +0 +exit 0$/m);
    expect(await agent.str('GWB:LAST_EXIT')).toBe('exit 0');
    expect(await agent.str('GWB:STATE')).toBe('STOPPED');
    expect(isGone(pidB)).toBe(true);
    expect((await agent.cli(['start', 'GWB'])).code).toBe(0);
    await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING');
    const started = await agent.num('GWB:PID');
    expect(standinPids(agent.home('GWB'))).toEqual([started]);
    expect((await agent.cli(['restart', 'GWB'])).code).toBe(0);
    await agent.waitStr('GWB:STATE', (s) => s === 'RUNNING');
    const restarted = await agent.num('GWB:PID');
    expect(restarted).not.toBe(started);
    expect(standinPids(agent.home('GWB'))).toEqual([restarted]);
    expect(await agent.num('GWB:RESTARTS')).toBe(0);
    expect(await agent.num('GWA:PID')).toBe(pidA);
  });

  it('SIGTERM stops every gateway, exits 0 and leaves no process behind', async () => {
    const pids = [await agent.num('GWA:PID'), await agent.num('GWB:PID')];
    expect(pids.every((p) => !isGone(p))).toBe(true);
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(pids.map(isGone)).toEqual([true, true]);
    expect(standinPids(agent.home('GWA'))).toEqual([]);
    expect(standinPids(agent.home('GWB'))).toEqual([]);
    expect(agent.output).toContain('SIGTERM: stopping every gateway');
    expect(agent.output).toContain('GWA: stopping -> stopped (stopped by request)');
    expect(agent.output).toContain('GWB: stopping -> stopped (stopped by request)');
    expect(agent.gatewayLog('GWA')).toContain('PV Gateway Ending (SIGTERM)');
  });
});
