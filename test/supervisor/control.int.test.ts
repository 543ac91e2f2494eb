// The control socket end to end: real Supervisor and ptys behind a unix socket, driven through the
// client functions the CLI uses (status, start/stop/restart, logs, follow, console, reload, TCP console).
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRequest, openControlStream } from '../../src/supervisor/control-client.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { fixture, tempDir, waitFor, waitForState } from './int-helpers.js';

const FAST = { startSecs: 0.2, backoffInitialMs: 100, backoffMaxMs: 400, stopTimeoutMs: 500 };

let sup: Supervisor | undefined;

async function setup(extra: { onReload?: () => unknown; mode?: number; tcp?: boolean } = {}) {
  const dir = tempDir();
  const s = new Supervisor({ stateDir: join(dir, 'state'), logDir: join(dir, 'log') });
  sup = s;
  s.add({ name: 'echo', command: fixture('echo.sh'), ...FAST });
  s.add({ name: 'code', command: fixture('exit-code.sh'), args: ['4', '5'], restart: 'never', ...FAST });
  const socketPath = join(dir, 'run', 'control.sock');
  const server = await s.startControlServer({
    socketPath,
    onReload: extra.onReload,
    mode: extra.mode,
    tcpConsoles: extra.tcp ? [{ name: 'echo', port: 0 }] : undefined,
  });
  return { sup: s, dir, socketPath, server };
}

function collect(socket: Socket, initial: Buffer): { text: () => string } {
  let buf = initial.toString('utf8');
  socket.on('data', (d: Buffer) => (buf += d.toString('utf8')));
  socket.resume();
  return { text: () => buf };
}

afterEach(async () => {
  await sup?.close();
  sup = undefined;
});

describe('control socket', () => {
  it('is created with mode 0600 (or 0660) and removed on close', async () => {
    const { socketPath, server } = await setup();
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    await server.close();
    expect(existsSync(socketPath)).toBe(false);
    const other = await setup({ mode: 0o660 });
    expect(statSync(other.socketPath).mode & 0o777).toBe(0o660);
  });

  it('status, start, stop, restart', async () => {
    const { sup, socketPath } = await setup();
    const status = await controlRequest(socketPath, { cmd: 'status' });
    expect(status.children!.map((c) => [c.name, c.state, c.pid, c.restarts])).toEqual([
      ['echo', 'stopped', undefined, 0],
      ['code', 'stopped', undefined, 0],
    ]);
    const started = await controlRequest(socketPath, { cmd: 'start', name: 'all' });
    expect(started.children!.map((c) => c.state)).toEqual(['starting', 'starting']);
    await waitForState(sup, 'echo', 'running');
    const pid = sup.snapshot('echo').pid!;
    const restarted = await controlRequest(socketPath, { cmd: 'restart', name: 'echo' });
    expect(restarted.children![0]!.state).toBe('starting');
    expect(restarted.children![0]!.pid).not.toBe(pid);
    // Stop a child that runs its script: a SIGTERM that lands between fork and exec (a loaded CI host
    // right after the restart) can be held off until the SIGKILL, and that is not what this test is about.
    await waitForState(sup, 'echo', 'running');
    const stopped = await controlRequest(socketPath, { cmd: 'stop', name: 'all' });
    expect(stopped.children!.map((c) => c.state)).toEqual(['stopped', 'stopped']);
    expect(stopped.children![0]!.lastExit?.text).toBe('signal SIGTERM');
  });

  it('errors carry a code', async () => {
    const { socketPath } = await setup();
    await expect(controlRequest(socketPath, { cmd: 'stop', name: 'nope' })).rejects.toMatchObject({
      code: 'GW_CONTROL',
      message: 'no such child: nope',
    });
    await expect(controlRequest(socketPath, { cmd: 'reload' })).rejects.toThrow(
      'this agent does not support reload',
    );
    await expect(controlRequest(join(tempDir(), 'none.sock'), { cmd: 'status' })).rejects.toThrow(
      /cannot reach the agent at .*none\.sock: ENOENT/,
    );
  });

  it('a raw bad line gets a JSON error and the connection stays usable', async () => {
    const { socketPath } = await setup();
    const socket = createConnection(socketPath);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.write('not json\n{"cmd":"status"}\n');
    await waitFor(() => text.split('\n').length >= 3 || undefined, 5000, 'two answers');
    socket.destroy();
    const [first, second] = text.split('\n');
    expect(JSON.parse(first!)).toEqual({
      ok: false,
      error: { code: 'GW_CONTROL', message: 'request is not JSON' },
    });
    expect(JSON.parse(second!)).toMatchObject({ ok: true });
  });

  it('reload calls the agent callback and returns its result', async () => {
    let calls = 0;
    const { socketPath } = await setup({
      onReload: () => {
        calls++;
        return Promise.resolve({ changed: ['gw1'] });
      },
    });
    expect(await controlRequest(socketPath, { cmd: 'reload' })).toEqual({
      ok: true,
      result: { changed: ['gw1'] },
    });
    expect(calls).toBe(1);
  });

  it('logs returns the tail; follow streams new output', async () => {
    const { sup, socketPath } = await setup();
    sup.start('echo');
    await waitFor(() => sup.tail('echo').includes('echo ready') || undefined, 5000, 'ready');
    const logs = await controlRequest(socketPath, { cmd: 'logs', name: 'echo' });
    expect(logs.text).toMatch(/Z echo ready\n/);
    const stream = await openControlStream(socketPath, { cmd: 'follow', name: 'echo', lines: 1 });
    expect(stream.response.text).toMatch(/^\S+Z echo ready\n$/);
    const out = collect(stream.socket, stream.initial);
    sup.write('echo', 'followed\r');
    await waitFor(() => out.text().includes('echo: followed\n') || undefined, 5000, 'followed output');
    expect(out.text()).toMatch(/Z echo: followed\n/);
    stream.socket.destroy();
  });

  it('console: several clients at once, input goes to the pty, read-only input is ignored', async () => {
    const { sup, socketPath } = await setup();
    sup.start('echo');
    await waitFor(() => sup.tail('echo').includes('echo ready') || undefined, 5000, 'ready');
    const rw = await openControlStream(socketPath, { cmd: 'console', name: 'echo' });
    const ro = await openControlStream(socketPath, { cmd: 'console', name: 'echo', readOnly: true });
    const rwOut = collect(rw.socket, rw.initial);
    const roOut = collect(ro.socket, ro.initial);
    ro.socket.write('from-read-only\r');
    rw.socket.write('from-rw\r');
    await waitFor(
      () => roOut.text().includes('echo: from-rw\r\n') || undefined,
      5000,
      'echo on the read-only client',
    );
    expect(rwOut.text()).toContain('echo: from-rw\r\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(sup.tail('echo')).not.toContain('from-read-only');
    // State changes show up on the console as @@@ lines.
    await controlRequest(socketPath, { cmd: 'stop', name: 'echo' });
    await waitFor(() => rwOut.text().includes('@@@ gwagent: echo stopped') || undefined, 5000, 'marker');
    rw.socket.destroy();
    ro.socket.destroy();
  });

  it('console input sent together with the request line is not lost', async () => {
    const { sup, socketPath } = await setup();
    sup.start('echo');
    await waitFor(() => sup.tail('echo').includes('echo ready') || undefined, 5000, 'ready');
    const socket = createConnection(socketPath);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.write('{"cmd":"console","name":"echo"}\nsame-packet\r');
    await waitFor(() => text.includes('echo: same-packet') || undefined, 5000, 'echo');
    expect(text.startsWith('{"ok":true}\n')).toBe(true);
    socket.destroy();
  });

  it('refuses a socket another agent listens on; replaces a stale one', async () => {
    const { socketPath } = await setup();
    const other = new Supervisor({ stateDir: join(tempDir(), 's'), logDir: join(tempDir(), 'l') });
    await expect(other.startControlServer({ socketPath })).rejects.toThrow(
      `another agent is listening on ${socketPath}`,
    );
    // A stale socket: its listener was SIGKILLed, so the file stayed.
    const stalePath = join(tempDir(), 'stale.sock');
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(stalePath)}, () => console.log('up'))`,
    ]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(stalePath)).toBe(true);
    const server = await other.startControlServer({ socketPath: stalePath });
    expect((await controlRequest(stalePath, { cmd: 'status' })).children).toEqual([]);
    await server.close();
  });

  it('TCP console on loopback, off unless configured', async () => {
    const { sup, server } = await setup({ tcp: true });
    expect(server.tcpConsoles).toHaveLength(1);
    const { host, port } = server.tcpConsoles[0]!;
    expect(host).toBe('127.0.0.1');
    sup.start('echo');
    await waitFor(() => sup.tail('echo').includes('echo ready') || undefined, 5000, 'ready');
    const socket = createConnection(port, host);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await waitFor(() => text.includes('close the connection to detach') || undefined, 5000, 'banner');
    socket.write('over-tcp\r');
    await waitFor(() => text.includes('echo: over-tcp\r\n') || undefined, 5000, 'echo');
    socket.destroy();
    const plain = await setup();
    expect(plain.server.tcpConsoles).toEqual([]);
  });
});
