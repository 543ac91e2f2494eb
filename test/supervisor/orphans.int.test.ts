// No orphans after the agent is SIGKILLed: a new supervisor with the same state dir finds the old
// process group through its state file and ends it, and leaves a reused pid alone.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { fixture, isGone, readPids, tempDir, waitFor } from './int-helpers.js';

const AGENT = fileURLToPath(new URL('./orphan-agent.ts', import.meta.url));

describe('orphans of a killed agent', () => {
  it('are found through the state file and ended (leader and grandchild)', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    const pidFile = join(dir, 'pids');
    const agent = spawn(
      process.execPath,
      ['--import', 'tsx', AGENT, stateDir, join(dir, 'log'), fixture('survivor.sh'), pidFile],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) =>
      agent.stdout.on('data', (d: Buffer) => d.toString().includes('running') && resolve()),
    );
    const [leader, grandchild] = await waitFor(() => readPids(pidFile), 5000, 'pids');
    const record = JSON.parse(readFileSync(join(stateDir, 'survivor.json'), 'utf8'));
    expect(record).toMatchObject({ name: 'survivor', pid: leader, pgid: leader });
    const stat = readFileSync(`/proc/${leader}/stat`, 'utf8');
    expect(record.startTime).toBe(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);

    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));
    expect(isGone(leader!)).toBe(false); // it ignores the pty hangup: a real orphan
    expect(isGone(grandchild!)).toBe(false);

    const sup = new Supervisor({ stateDir, logDir: join(dir, 'log2') });
    const reports = await sup.reapOrphans(2000);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ name: 'survivor', pgid: leader, isKilled: false });
    expect(reports[0]!.pids).toEqual(expect.arrayContaining([leader, grandchild])); // plus the loop's `sleep 1`
    await waitFor(() => isGone(leader!) && isGone(grandchild!), 3000, 'orphans gone');
    expect(await sup.reapOrphans(2000)).toEqual([]); // the state file is gone too
  });

  it('leaves a process alone whose pid matches but whose start time does not', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = bystander.pid!;
    writeFileSync(
      join(stateDir, 'old.json'),
      JSON.stringify({ name: 'old', pid, pgid: pid, startTime: '1', startedAt: 0 }),
    );
    const sup = new Supervisor({ stateDir, logDir: join(dir, 'log') });
    expect(await sup.reapOrphans(500)).toEqual([]);
    expect(isGone(pid)).toBe(false);
    bystander.kill('SIGKILL');
  });
});
