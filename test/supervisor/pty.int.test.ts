// The supervisor with real ptys and fixture programs: exit codes, failed starts, SIGTERM-ignoring
// children, grandchildren dying with their group, log rotation under an output flood, console input,
// user switching.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { StateEvent } from '../../src/supervisor/types.js';
import { fixture, isGone, readPids, tempDir, waitFor, waitForState } from './int-helpers.js';

const FAST = { startSecs: 0.3, backoffInitialMs: 100, backoffMaxMs: 400, stopTimeoutMs: 500 };

let sup: Supervisor | undefined;

function makeSupervisor(): { sup: Supervisor; dir: string; events: StateEvent[] } {
  const dir = tempDir();
  const s = new Supervisor({ stateDir: join(dir, 'state'), logDir: join(dir, 'log') });
  const events: StateEvent[] = [];
  s.on('state', (e) => events.push(e));
  sup = s;
  return { sup: s, dir, events };
}

afterEach(async () => {
  await sup?.close();
  sup = undefined;
});

describe('real ptys', () => {
  it('a child that exits with a code: exited, "exit 3", output in log and tail', async () => {
    const { sup, dir } = makeSupervisor();
    sup.add({
      name: 'code',
      command: fixture('exit-code.sh'),
      args: ['3', '0.5'],
      restart: 'never',
      ...FAST,
    });
    sup.start('code');
    const pid = sup.snapshot('code').pid!;
    expect(pid).toBeGreaterThan(0);
    await waitForState(sup, 'code', 'exited');
    const status = sup.snapshot('code');
    expect(status.lastExit).toMatchObject({ code: 3, signal: undefined, text: 'exit 3' });
    expect(status.lastExit!.uptimeMs).toBeGreaterThanOrEqual(400);
    expect(sup.tail('code')).toMatch(
      /^\S+Z @@@ gwagent: code starting \(pid \d+\)\n\S+Z exit-code fixture pid (\d+)\n/,
    );
    expect(sup.tail('code')).toContain(`exit-code fixture pid ${pid}\n`);
    await sup.close();
    const log = readFileSync(join(dir, 'log', 'code.log'), 'utf8');
    expect(log).toContain(`exit-code fixture pid ${pid}\n`);
    expect(log).toMatch(/Z @@@ gwagent: code exited: exit 3\n/);
    expect(existsSync(join(dir, 'state', 'code.json'))).toBe(false);
  });

  it('exit 0 at once is a failed start: backoff, retried with growing delay', async () => {
    const { sup, events } = makeSupervisor();
    // startSecs 2: even a slow, loaded machine runs the script in less, so every start fails.
    sup.add({
      name: 'quick',
      command: fixture('exit-code.sh'),
      args: ['0'],
      restart: 'on-failure',
      ...FAST,
      startSecs: 2,
    });
    sup.start('quick');
    await waitFor(() => sup.snapshot('quick').restarts >= 3 || undefined, 10_000, '3 restarts');
    const backoffs = events.filter((e) => e.state === 'backoff').map((e) => e.reason);
    expect(backoffs.slice(0, 3)).toEqual([
      'exited before startSecs (2 s): exit 0; restart in 0.1 s',
      'exited before startSecs (2 s): exit 0; restart in 0.2 s',
      'exited before startSecs (2 s): exit 0; restart in 0.4 s',
    ]);
    expect(events.some((e) => e.state === 'running')).toBe(false);
  });

  it('a missing binary is fatal with the path', () => {
    const { sup } = makeSupervisor();
    sup.add({ name: 'missing', command: '/nonexistent/gateway', ...FAST });
    sup.start('missing');
    expect(sup.snapshot('missing')).toMatchObject({
      state: 'fatal',
      reason: 'gateway binary not found: /nonexistent/gateway',
    });
  });

  it('a child ignoring SIGTERM gets SIGKILL after stopTimeoutMs', async () => {
    const { sup } = makeSupervisor();
    sup.add({ name: 'stubborn', command: fixture('ignore-term.sh'), ...FAST });
    sup.start('stubborn');
    await waitFor(() => sup.tail('stubborn').includes('ready') || undefined, 5000, 'ready');
    await waitForState(sup, 'stubborn', 'running');
    const pid = sup.snapshot('stubborn').pid!;
    const t0 = Date.now();
    await sup.stop('stubborn');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(500);
    expect(took).toBeLessThan(3000);
    expect(sup.snapshot('stubborn')).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGKILL' } });
    await waitFor(() => isGone(pid), 2000, 'leader gone');
  });

  it('stop ends a grandchild with the group', async () => {
    const { sup, dir } = makeSupervisor();
    const pidFile = join(dir, 'gc.pid');
    sup.add({
      name: 'tree',
      command: fixture('grandchild.sh'),
      args: [pidFile],
      ...FAST,
      stopTimeoutMs: 3000,
    });
    sup.start('tree');
    const [gc] = await waitFor(() => readPids(pidFile), 5000, 'grandchild pid');
    expect(isGone(gc!)).toBe(false);
    const t0 = Date.now();
    await sup.stop('tree');
    expect(Date.now() - t0).toBeLessThan(2000); // SIGTERM suffices, no wait for the SIGKILL timeout
    await waitFor(() => isGone(gc!), 2000, 'grandchild gone');
  });

  it('a crashing leader does not leave its grandchild behind', async () => {
    const { sup, dir } = makeSupervisor();
    const pidFile = join(dir, 'gc.pid');
    sup.add({
      name: 'crash',
      command: fixture('grandchild.sh'),
      args: [pidFile, '7', '0.5'],
      restart: 'never',
      ...FAST,
    });
    sup.start('crash');
    const [gc] = await waitFor(() => readPids(pidFile), 5000, 'grandchild pid');
    await waitForState(sup, 'crash', 'exited');
    expect(sup.snapshot('crash').lastExit?.text).toBe('exit 7');
    await waitFor(() => isGone(gc!), 2000, 'grandchild gone');
  });

  it('an output flood rotates logs (keep 2, each <= max) and the agent stays responsive', async () => {
    const { sup, dir } = makeSupervisor();
    sup.add({ name: 'flood', command: fixture('flood.sh'), logMaxBytes: 64 * 1024, logKeep: 2, ...FAST });
    let maxLagMs = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      const now = Date.now();
      maxLagMs = Math.max(maxLagMs, now - last - 10);
      last = now;
    }, 10);
    sup.start('flood');
    const log = join(dir, 'log', 'flood.log');
    await waitFor(() => existsSync(`${log}.2`) || undefined, 10_000, 'second rotation');
    await new Promise((r) => setTimeout(r, 300));
    const statusDuring = sup.snapshot('flood');
    await sup.stop('flood');
    clearInterval(ticker);
    await sup.close(); // flushes the log queue
    expect(existsSync(`${log}.3`)).toBe(false);
    for (const f of [log, `${log}.1`, `${log}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(64 * 1024);
    expect(statSync(`${log}.1`).size).toBe(64 * 1024);
    expect(statusDuring.log).toMatchObject({ errors: 0 });
    expect(statusDuring.log!.bytesWritten).toBeGreaterThan(2 * 64 * 1024);
    expect(Buffer.byteLength(sup.tail('flood'))).toBeLessThanOrEqual(256 * 1024);
    expect(sup.tail('flood').split('\n').length).toBeLessThanOrEqual(1001);
    expect(maxLagMs).toBeLessThan(500); // measured ~10 ms; a blocking write path would stall for seconds
    // Rotation keeps lines whole across files only by chance; the numbered lines prove nothing was reordered.
    const numbers = readFileSync(`${log}.1`, 'utf8')
      .split('\n')
      .map((l) => /Z (\d{8}) x+$/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    expect(numbers.length).toBeGreaterThan(100);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe(numbers[i - 1]! + 1);
  });

  it('console input reaches the pty and the answer comes back', async () => {
    const { sup } = makeSupervisor();
    sup.add({ name: 'echo', command: fixture('echo.sh'), ...FAST });
    let raw = '';
    sup.followConsole('echo', (d) => (raw += d));
    sup.start('echo');
    await waitFor(() => raw.includes('echo ready') || undefined, 5000, 'ready');
    expect(sup.write('echo', 'hello pty\r')).toBe(true);
    await waitFor(() => raw.includes('echo: hello pty\r\n') || undefined, 5000, 'echo');
    expect(sup.tail('echo')).toMatch(/Z echo: hello pty\n/);
  });

  it.runIf(process.getuid?.() === 0)(
    'as root, runs as an unprivileged user without root groups',
    async () => {
      const { sup } = makeSupervisor();
      sup.add({
        name: 'nobody',
        command: '/bin/sh',
        args: ['-c', 'echo "ids $(id -u) $(id -g) [$(id -G)] $HOME $(pwd)"; sleep 0.5'],
        user: 'nobody',
        cwd: '/tmp',
        restart: 'never',
        ...FAST,
      });
      sup.start('nobody');
      await waitForState(sup, 'nobody', 'exited');
      expect(sup.tail('nobody')).toContain('ids 65534 65534 [65534] /nonexistent /tmp\n');
      expect(process.getgroups!()).toContain(0); // the agent's own groups are restored
    },
  );
});
