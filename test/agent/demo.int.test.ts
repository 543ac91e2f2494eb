// Issue 6 proof, part 6, and issue 17's demo: examples/demo.ini run through --config with its fixed
// ports (5064, 5066, 5068) and /tmp/gwagent-demo replaced by free ports and a temp dir (so tests can run
// in parallel). With no `gateway` on PATH both gateways are FATAL; with the real ca-gateway (the peers)
// they serve on 127.0.0.1 and the first screen says STATUS Ok.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMM_ALARM,
  DBR_TIME_DOUBLE,
  DBR_TIME_ENUM,
  INVALID_ALARM,
  MAJOR_ALARM,
  NO_ALARM,
} from '../../src/ca/constants.js';
import { describeWithPeers, peerBin } from '../support/peers.js';
import { AgentFixture, REPO, cpuTicks, freePort, waitFor } from './harness.js';

/** Writes examples/demo.ini into the fixture, on free ports and the fixture's directory. */
async function writeDemoConfig(fixture: AgentFixture): Promise<void> {
  fixture.iocPort = await freePort();
  let ini = readFileSync(join(REPO, 'examples/demo.ini'), 'utf8')
    .replaceAll('/tmp/gwagent-demo', join(fixture.dir, 'demo'))
    .replace(/^port = 5064$/m, `port = ${fixture.iocPort}`);
  for (const fixed of [5066, 5068])
    ini = ini.replace(`server_port = ${fixed}\n`, `server_port = ${await freePort()}\n`);
  // the substitutions really happened
  expect(ini).not.toContain('/tmp/gwagent-demo');
  expect(ini).toContain(`port = ${fixture.iocPort}\n`);
  expect(ini).not.toMatch(/= 50(64|66|68)$/m);
  writeFileSync(fixture.configPath, ini);
}

const agent = new AgentFixture('DEMO');

beforeAll(async () => {
  await writeDemoConfig(agent);
  const emptyPath = join(agent.dir, 'empty-path');
  mkdirSync(emptyPath);
  await agent.start({ PATH: emptyPath });
});

afterAll(() => agent.dispose());

describe('the demo without a gateway binary', () => {
  it('shows both gateways FATAL with "gateway binary not found: gateway"', async () => {
    for (const name of ['DEMOF', 'DEMOR']) {
      const state = await agent.get(`${name}:STATE`, DBR_TIME_ENUM);
      expect([state.value, state.severity]).toEqual([6, MAJOR_ALARM]); // FATAL
      expect(await agent.str(`${name}:STATE`)).toBe('FATAL');
      expect(await agent.str(`${name}:LAST_EXIT`)).toBe('gateway binary not found: gateway');
      expect(await agent.num(`${name}:PID`)).toBe(0);
      expect(await agent.num(`${name}:RESTARTS`)).toBe(0);
    }
    expect(await agent.str('DEMOF:LABEL')).toBe('demo subnet to GIN');
    expect(await agent.str('LABEL')).toBe('gwagent demo (loopback only)');
    expect(await agent.num('GW_RUNNING')).toBe(0);
    // the health summary takes the gateways in: Fault, INVALID from their unread statistics
    const status = await agent.get('STATUS', DBR_TIME_ENUM);
    expect([status.value, status.severity]).toEqual([2, INVALID_ALARM]);
    const loopRate = await agent.get('DEMOF:LOOP_RATE', DBR_TIME_DOUBLE);
    expect([loopRate.severity, loopRate.status]).toEqual([INVALID_ALARM, COMM_ALARM]);
    expect(await agent.str('STATUS')).toBe('Fault');
    expect(agent.output).toMatch(
      / ERROR agent: DEMOF: stopped -> fatal \(gateway binary not found: gateway\)\n/,
    );
    const cli = await agent.cli(['status'], join(agent.dir, 'demo', 'control.sock'));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^DEMOF +FATAL +- +- +0 +-$/m);
    expect(cli.stdout).toContain('DEMOF: gateway binary not found: gateway\n');
    // nothing to supervise or mirror: the agent idles (its mirror retries are paced)
    const ticks0 = cpuTicks(agent.pid);
    const wall0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const cpuPercent = ((cpuTicks(agent.pid) - ticks0) / 100 / ((Date.now() - wall0) / 1000)) * 100;
    expect(cpuPercent).toBeLessThan(5);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('an invalid file at start: exit 78 with every problem, nothing started', async () => {
    const bad = new AgentFixture('BAD');
    try {
      await bad.configure([{ name: 'GWX', keys: { server_prot: 5064 } }], (ini) =>
        ini.replace('[agent]\n', '[agent]\nbogus = 1\n'),
      );
      await expect(bad.start()).rejects.toThrow(/the agent exited 78/);
      const text = readFileSync(bad.configPath, 'utf8').split('\n');
      expect(bad.output).toBe(
        `gwagent run: ${bad.configPath}:${text.indexOf('bogus = 1') + 1}: error: unknown key "bogus" in [agent]\n` +
          `${bad.configPath}:${text.indexOf('server_prot = 5064') + 1}: error: unknown key "server_prot" in [gateway.GWX]\n`,
      );
      expect(existsSync(bad.stateDir)).toBe(false);
    } finally {
      await bad.dispose();
    }
  });
});

describeWithPeers('the loopback demo with the real ca-gateway', () => {
  const demo = new AgentFixture('DEMO');
  let repeater: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    await writeDemoConfig(demo);
    // the gateways' caRepeater would outlive them: ours, on a port of its own, stopped by PID
    const repeaterPort = String(await freePort());
    repeater = spawn(peerBin('caRepeater'), [], {
      env: { ...process.env, EPICS_CA_REPEATER_PORT: repeaterPort },
      stdio: 'ignore',
    });
    const path = [dirname(peerBin('gateway')), process.env.PATH ?? ''].join(delimiter);
    await demo.start({ PATH: path, EPICS_CA_REPEATER_PORT: repeaterPort });
  });

  afterAll(async () => {
    await demo.dispose();
    repeater?.kill();
  });

  it('starts healthy: both gateways RUNNING and answering, STATUS Ok with no alarm', async () => {
    await waitFor(
      async () => (await demo.str('STATUS')) === 'Ok',
      30_000,
      () => `STATUS Ok:\n${demo.output}`,
    );
    const status = await demo.get('STATUS', DBR_TIME_ENUM);
    expect([status.value, status.severity]).toEqual([0, NO_ALARM]);
    for (const name of ['DEMOF', 'DEMOR']) {
      expect(await demo.str(`${name}:STATE`)).toBe('RUNNING');
      expect(await demo.str(`${name}:ALIVE`)).toBe('Yes');
    }
    expect(await demo.num('GW_RUNNING')).toBe(2);
    const cli = await demo.cli(['status'], join(demo.dir, 'demo', 'control.sock'));
    expect(cli.stdout.split('\n')[0]).toBe('STATUS Ok');
  });
});
