// Issue 6 proof, part 4: a gateway that crashes soon after every start is restarted with growing delays
// (1 s, 2 s, 4 s, then the 4 s cap here) and the agent itself stays idle meanwhile (its CPU time is read
// from /proc/<pid>/stat across the loop).
// Stand-in only: the real gateway cannot be made to crash a set time after every start; its own failing
// start (exit 0, not attached to a network) is in real-gateway.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBR_TIME_ENUM, MAJOR_ALARM } from '../../src/ca/constants.js';
import { AgentFixture, cpuTicks, standinPids, waitFor } from './harness.js';

const agent = new AgentFixture('CL');

interface Transition {
  at: number;
  from: string;
  to: string;
  reason: string;
}

/** The agent's log lines `<ISO time> INFO  agent: GWC: a -> b (reason)` (WARN for backoff, ERROR for fatal). */
function transitions(): Transition[] {
  const re = /^(\S+) (?:INFO|WARN|ERROR) +agent: GWC: (\w+) -> (\w+)(?: \((.*)\))?$/gm;
  return [...agent.output.matchAll(re)].map((m) => ({
    at: Date.parse(m[1]!),
    from: m[2]!,
    to: m[3]!,
    reason: m[4] ?? '',
  }));
}

beforeAll(async () => {
  await agent.configure([
    {
      name: 'GWC',
      label: 'crashing gateway',
      env: { GATEWAY_STANDIN_CRASH_AFTER_MS: '200' },
      keys: { start_secs: 5, backoff_max_s: 4 },
    },
  ]);
  await agent.start();
});

afterAll(() => agent.dispose());

describe('crash loop', () => {
  it('restarts with delays doubling up to the cap, while the agent stays idle', async () => {
    const firstBackoff = await waitFor(
      () => transitions().find((t) => t.to === 'backoff'),
      20_000,
      'the first crash',
    );
    const ticks0 = cpuTicks(agent.pid);
    const wall0 = Date.now();
    await waitFor(
      () => transitions().filter((t) => t.from === 'backoff' && t.to === 'starting').length >= 4 || undefined,
      40_000,
      'four restarts',
    );
    const cpuPercent = ((cpuTicks(agent.pid) - ticks0) / 100 / ((Date.now() - wall0) / 1000)) * 100;

    const all = transitions();
    const backoffs = all.filter((t) => t.to === 'backoff').slice(0, 4);
    const restarts = all.filter((t) => t.from === 'backoff' && t.to === 'starting').slice(0, 4);
    expect(backoffs[0]).toEqual(firstBackoff);
    // every start failed: a crash before start_secs, by SIGSEGV
    expect(backoffs.map((t) => t.reason)).toEqual(
      ['1 s', '2 s', '4 s', '4 s'].map(
        (d) => `exited before startSecs (5 s): signal SIGSEGV; restart in ${d}`,
      ),
    );
    const delays = restarts.map((r, i) => r.at - backoffs[i]!.at);
    const expected = [1000, 2000, 4000, 4000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(expected[i]! - 20);
      expect(d).toBeLessThan(expected[i]! + 1500);
    });
    expect(delays[1]! - delays[0]!).toBeGreaterThan(500);
    expect(delays[2]! - delays[1]!).toBeGreaterThan(1000);

    // the agent mostly waits: under 5 % of one core across the loop
    expect(cpuPercent).toBeLessThan(5);
    console.log(`crash loop: delays ${delays.join(', ')} ms; agent CPU ${cpuPercent.toFixed(2)} % of a core`);

    expect(await agent.num('GWC:RESTARTS')).toBeGreaterThanOrEqual(4);
    expect(await agent.str('GWC:LAST_EXIT')).toBe('signal SIGSEGV');
    // at the cap the supervisor keeps retrying; STATE shows BACKOFF with a MAJOR alarm meanwhile
    const inBackoff = await waitFor(
      async () => {
        const v = await agent.get('GWC:STATE', DBR_TIME_ENUM);
        return v.value === 3 ? v : undefined;
      },
      10_000,
      'GWC:STATE to be BACKOFF',
    );
    expect(inBackoff.severity).toBe(MAJOR_ALARM);
    const status = await agent.cli(['status']);
    expect(status.stdout).toContain(
      'GWC: exited before startSecs (5 s): signal SIGSEGV; restart in 4 s (retrying at the slowest rate)',
    );
    // never more than one stand-in of this gateway alive
    expect(standinPids(agent.home('GWC')).length).toBeLessThanOrEqual(1);
  });
});
