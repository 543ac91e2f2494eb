// The CLI commands against a live control socket: `node bin/gwagent.js status|start|stop|restart|
// reload|logs|console` as an operator would run them (compiled dist/, spawned processes).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { fixture, tempDir, waitFor, waitForState } from './int-helpers.js';

const BIN = fileURLToPath(new URL('../../bin/gwagent.js', import.meta.url));
const FAST = { startSecs: 0.2, backoffInitialMs: 100, backoffMaxMs: 400, stopTimeoutMs: 500 };

let sup: Supervisor;
let socketPath: string;
let reloads = 0;

function gwagent(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, GWAGENT_SOCKET: socketPath, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  const dir = tempDir();
  sup = new Supervisor({ stateDir: join(dir, 'state'), logDir: join(dir, 'log') });
  sup.add({ name: 'echo', command: fixture('echo.sh'), ...FAST });
  sup.add({ name: 'missing', command: '/nonexistent/gateway', ...FAST });
  socketPath = join(dir, 'control.sock');
  await sup.startControlServer({
    socketPath,
    onReload: () => {
      reloads++;
      return { reloaded: ['echo'] };
    },
  });
});

afterAll(async () => {
  await sup.close();
});

describe('gwagent CLI over the control socket', () => {
  it('start, status (table and --json), restart, stop', async () => {
    const started = await gwagent(['start', 'all']);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^NAME +STATE +PID +UPTIME +RESTARTS +LAST-EXIT\necho +STARTING +\d+ /);
    expect(started.stdout).toContain('missing: gateway binary not found: /nonexistent/gateway\n');
    await waitForState(sup, 'echo', 'running');
    const table = await gwagent(['status', '--socket', socketPath], { GWAGENT_SOCKET: '/nonexistent.sock' });
    expect(table.stdout).toMatch(/\necho +RUNNING +\d+ +\d+s +0 +-\nmissing +FATAL +- +- +0 +-\n/);
    const json = await gwagent(['status', '--json']);
    const parsed = JSON.parse(json.stdout) as { name: string; state: string }[];
    expect(parsed.map((c) => [c.name, c.state])).toEqual([
      ['echo', 'running'],
      ['missing', 'fatal'],
    ]);
    const restarted = await gwagent(['restart', 'echo']);
    expect(restarted.stdout).toMatch(/\necho +STARTING +\d+ +\d+s +0 +signal SIGTERM\n/);
    const stopped = await gwagent(['stop', 'echo']);
    expect(stopped.stdout).toMatch(/\necho +STOPPED +- +- +0 +signal SIGTERM\n/);
  });

  it('errors: unknown child exits 1 with the message; no agent names the socket', async () => {
    const unknown = await gwagent(['stop', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('gwagent stop: no such child: nope\n');
    const noAgent = await gwagent(['status', '--socket', '/tmp/gwagent-no-such.sock']);
    expect(noAgent.code).toBe(1);
    expect(noAgent.stderr).toMatch(/cannot reach the agent at \/tmp\/gwagent-no-such\.sock: ENOENT/);
    const usage = await gwagent(['start']);
    expect(usage.code).toBe(64);
  });

  it('reload prints what the agent reports', async () => {
    const before = reloads;
    const r = await gwagent(['reload']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ reloaded: ['echo'] });
    expect(reloads).toBe(before + 1);
  });

  it('logs prints the tail; console sends input and detaches on Ctrl-]', async () => {
    sup.start('echo');
    await waitForState(sup, 'echo', 'running');
    const child = spawn(process.execPath, [BIN, 'console', 'echo'], {
      env: { ...process.env, GWAGENT_SOCKET: socketPath },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write('via-cli\r');
    await waitFor(() => stdout.includes('echo: via-cli\r\n') || undefined, 5000, 'echo through the console');
    child.stdin.write('\x1d');
    expect(await closed).toBe(0);
    expect(stderr).toBe('Attached to the console of echo. Detach with Ctrl-].\r\n\r\nDetached.\r\n');
    const logs = await gwagent(['logs', 'echo', '-n', '1']);
    expect(logs.stdout).toMatch(/^\S+Z echo: via-cli\n$/);
    expect(sup.snapshot('echo').state).toBe('running'); // detaching leaves the child alone
  });

  it('logs -f streams new output until Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', 'echo', '-f', '-n', '0'], {
      env: { ...process.env, GWAGENT_SOCKET: socketPath },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The CLI attaches whenever its Node starts (slow on a loaded machine): write until it shows.
    const writer = setInterval(() => sup.write('echo', 'streamed\r'), 300);
    await waitFor(() => stdout.includes('echo: streamed') || undefined, 15_000, 'streamed output').finally(
      () => clearInterval(writer),
    );
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(stdout).toMatch(/^\S+Z echo: streamed\n/m);
    expect(stdout).not.toContain('via-cli'); // -n 0: no history
  });
});
