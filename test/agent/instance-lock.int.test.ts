// Issue 18: one agent per state directory. Two `gwagent run` started at the same moment on one config:
// exactly one runs, the other exits 75 naming the winner's pid before it touches anything (no gateway
// started twice, no file changed); an agent killed with SIGKILL does not block the next start; a taken
// health IOC port is an error, not a silent move to another port.
// Stand-in only: the lock is the agent's own and involves no gateway fault; the stand-in reports each
// start's pid, which is how "no gateway started twice" is counted. The real gateway's supervision is in
// real-gateway.int.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentFixture, ExtraAgent, isGone, standinPids, waitFor } from './harness.js';

const agent = new AgentFixture('LK');
const extras: ExtraAgent[] = [];

/** The stand-in's own report of its pid at each start, from its captured output. */
function startsLogged(): number[] {
  return [...agent.gatewayLog('GWL').matchAll(/PID=(\d+)/g)].map((m) => Number(m[1]));
}

/** Path -> size and mtime of every file below `dir`, but for the gateway's ever-growing log. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.endsWith('.log')) continue;
    const st = statSync(path);
    out[path] = `${st.size} ${st.mtimeMs}`;
  }
  return out;
}

beforeAll(async () => {
  await agent.configure([{ name: 'GWL', label: 'locked gateway' }]);
});

afterAll(async () => {
  for (const e of extras) e.proc.kill('SIGKILL');
  await agent.dispose();
});

function launch(): ExtraAgent {
  const e = new ExtraAgent(agent.configPath);
  extras.push(e);
  return e;
}

describe('the instance lock on the state directory', () => {
  let winner: ExtraAgent;

  it('two agents started at the same moment: one runs, the other exits 75 naming it', async () => {
    const pair = [launch(), launch()];
    const loserIndex = await Promise.race(pair.map((e, i) => e.exited.then(() => i)));
    const loser = pair[loserIndex]!;
    winner = pair[1 - loserIndex]!;
    expect(await loser.exited).toBe(75);
    expect(loser.output).toContain(
      `gwagent run: ${agent.stateDir} is in use by the agent with pid ${winner.proc.pid}`,
    );
    // it stopped before it launched, bound or rendered anything
    expect(loser.output).not.toMatch(/stopped -> starting|CA server listening|running:/);
    await waitFor(() => winner.output.includes('agent LK running:') || undefined, 30_000, 'the winner');
    await agent.waitStr('GWL:STATE', (s) => s === 'RUNNING');
    await waitFor(() => startsLogged().length > 0 || undefined, 10_000, 'the PID line');
    const pid = await agent.num('GWL:PID');
    expect(standinPids(agent.home('GWL'))).toEqual([pid]);
    expect(startsLogged()).toEqual([pid]);
    expect(winner.output.match(/GWL: stopped -> starting/g)).toHaveLength(1);
  });

  it('a third agent leaves every file, socket and gateway as it was; status names the holder', async () => {
    const pid = await agent.num('GWL:PID');
    // what the gateway itself writes once it runs (like ca-gateway) is there before the snapshot
    const home = agent.home('GWL');
    await waitFor(
      () => readdirSync(home).includes('gateway.restart') || undefined,
      10_000,
      'gateway.restart',
    );
    const before = snapshot(agent.dir);
    const third = launch();
    expect(await third.exited).toBe(75);
    expect(third.output).toContain(`is in use by the agent with pid ${winner.proc.pid} on host`);
    expect(snapshot(agent.dir)).toEqual(before);
    expect(standinPids(agent.home('GWL'))).toEqual([pid]);
    expect(startsLogged()).toEqual([pid]);
    const status = await agent.cli(['status']);
    expect(status.code).toBe(0);
    // line 1 is STATUS, line 2 the lock's holder
    expect(status.stdout.split('\n')[0]).toMatch(/^STATUS (Ok|Degraded|Fault)/);
    expect(status.stdout.split('\n')[1]).toMatch(
      new RegExp(
        `^agent pid ${winner.proc.pid} on host \\S+ holds ${agent.stateDir} since \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    const lock = JSON.parse(readFileSync(join(agent.stateDir, 'agent.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(winner.proc.pid);
  });

  it('an agent killed with SIGKILL does not block the next start', async () => {
    const old = winner.proc.pid!;
    winner.proc.kill('SIGKILL');
    expect(await winner.exited).toBe(null);
    // the lock file still names the dead agent: only the kernel's lock decides
    expect(readFileSync(join(agent.stateDir, 'agent.lock'), 'utf8')).toContain(`"pid":${old}`);
    await agent.start();
    expect(agent.output).not.toContain('is in use');
    await agent.waitStr('GWL:STATE', (s) => s === 'RUNNING');
    const status = await agent.cli(['status']);
    expect(status.stdout).toMatch(new RegExp(`\nagent pid ${agent.pid} `));
    expect(await agent.stop()).toBe(0);
    expect(isGone(old)).toBe(true);
  });

  it('a taken health IOC port is an error (75), not a move to an ephemeral port', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(agent.iocPort, '127.0.0.1', resolve));
    try {
      const e = launch();
      expect(await e.exited).toBe(75);
      expect(e.output).toContain(
        `gwagent run: health IOC: TCP port ${agent.iocPort} on 127.0.0.1 is in use (another CA server or agent)`,
      );
      expect(e.output).not.toContain('ephemeral');
      expect(e.output).not.toMatch(/GWL: stopped -> starting/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
