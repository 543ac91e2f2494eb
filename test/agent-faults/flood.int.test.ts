// Issue 7, a gateway flooding its console (fixtures/flood: `yes` through the pty, forever): the agent
// stays responsive (HEARTBEAT answers within 1 s and advances), the gateway's log rotates within
// log_keep files of log_max_bytes, and the agent's memory stays bounded. Prints the measured figures.
// Stand-in only: the real gateway cannot be made to flood its console.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentFixture, cpuTicks, REPO, waitFor } from '../agent/harness.js';

const FLOOD = join(REPO, 'test/agent-faults/fixtures/flood');
const MAX_BYTES = 65_536;
const KEEP = 2;
const FLOOD_MS = 8000;

const agent = new AgentFixture('FL');

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) * 1024;
}

beforeAll(async () => {
  await agent.configure([
    {
      name: 'GWF',
      label: 'flooding gateway',
      keys: { binary: FLOOD, log_max_bytes: MAX_BYTES, log_keep: KEEP },
    },
  ]);
  await agent.start();
  await agent.waitStr('GWF:STATE', (s) => s === 'RUNNING');
});

afterAll(() => agent.dispose());

describe('a gateway flooding its console', () => {
  it('the agent answers within 1 s, rotates the log within its limits, and its RSS stays bounded', async () => {
    const floodPid = await agent.num('GWF:PID');
    // the flood is on: the log has rotated at least once
    await waitFor(
      () => readdirSync(agent.logDir).includes('GWF.log.1') || undefined,
      10_000,
      'the first rotation',
    );
    const rss0 = rssBytes(agent.pid);
    const ticks0 = cpuTicks(agent.pid);
    const hb0 = await agent.num('HEARTBEAT');
    const t0 = Date.now();
    let maxGetMs = 0;
    let maxRss = rss0;
    let gets = 0;
    const rotatedNames = new Set<string>();
    while (Date.now() - t0 < FLOOD_MS) {
      const s = performance.now();
      await agent.num('HEARTBEAT');
      maxGetMs = Math.max(maxGetMs, performance.now() - s);
      gets++;
      maxRss = Math.max(maxRss, rssBytes(agent.pid));
      for (const f of readdirSync(agent.logDir)) rotatedNames.add(f);
      await new Promise((r) => setTimeout(r, 200));
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const st = await agent.cli(['status', '--json']);
    const log = (JSON.parse(st.stdout) as { log: { bytesWritten: number; droppedBytes: number } }[])[0]!.log;
    const hb1 = await agent.num('HEARTBEAT');
    const cpuPercent = (cpuTicks(agent.pid) - ticks0) / elapsedS;
    // still flooding, same process
    expect(await agent.num('GWF:PID')).toBe(floodPid);
    expect(await agent.str('GWF:STATE')).toBe('RUNNING');

    expect(maxGetMs).toBeLessThan(1000);
    // a 1 Hz counter: at most a couple of ticks late over the whole flood
    expect(hb1 - hb0).toBeGreaterThanOrEqual(Math.floor(elapsedS) - 2);
    expect(maxRss).toBeLessThan(150 * 1024 * 1024);

    // never more than log_keep rotated files, each exactly log_max_bytes (a write is split across the
    // rotation), the current one at most that
    expect([...rotatedNames].sort()).toEqual(['GWF.log', 'GWF.log.1', 'GWF.log.2']);
    // the files are looked at once the flood stopped (a live look may fall between two renames)
    expect(await agent.num('GWF:LOG_ERRS')).toBe(0);
    expect(await agent.stop('SIGTERM')).toBe(0);
    const files = readdirSync(agent.logDir).sort();
    expect(files).toEqual(['GWF.log', 'GWF.log.1', 'GWF.log.2']);
    for (const f of ['GWF.log.1', 'GWF.log.2'])
      expect([f, statSync(join(agent.logDir, f)).size]).toEqual([f, MAX_BYTES]);
    expect(statSync(join(agent.logDir, 'GWF.log')).size).toBeLessThanOrEqual(MAX_BYTES);
    // whole lines in a rotated file are the flood, timestamped
    const lines = readFileSync(join(agent.logDir, 'GWF.log.1'), 'utf8').split('\n').slice(1, -1);
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines.slice(0, 50))
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z flood: a gateway that prints as fast as the pty takes it$/,
      );
    console.log(
      `[faults] console flood (yes through the pty, log_max_bytes ${MAX_BYTES}, log_keep ${KEEP}, ${elapsedS.toFixed(1)} s): ` +
        `${gets} HEARTBEAT gets, slowest ${maxGetMs.toFixed(0)} ms, HEARTBEAT +${hb1 - hb0}; ` +
        `log ${(log.bytesWritten / 2 ** 20).toFixed(0)} MiB written, ${(log.droppedBytes / 2 ** 20).toFixed(0)} MiB dropped since start; ` +
        `agent RSS ${(rss0 / 2 ** 20).toFixed(0)} -> max ${(maxRss / 2 ** 20).toFixed(0)} MiB, agent CPU ${cpuPercent.toFixed(0)} % of a core`,
    );
  });
});
