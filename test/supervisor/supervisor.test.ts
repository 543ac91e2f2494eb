// The Supervisor's wiring with fakes: output to log, tail and listeners, @@@ markers, events,
// update/remove/stopAll.
import { beforeEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { StateEvent } from '../../src/supervisor/types.js';
import { FakeClock, FakeSpawner, FakeSystem, MemoryLogSink, MemoryStateStore } from './fakes.js';

let clock: FakeClock;
let spawner: FakeSpawner;
let logs: Map<string, MemoryLogSink>;
let sup: Supervisor;
let events: StateEvent[];

beforeEach(() => {
  clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  spawner = new FakeSpawner();
  logs = new Map();
  sup = new Supervisor({
    stateDir: '/state',
    logDir: '/logs',
    spawner,
    system: new FakeSystem(spawner),
    clock,
    stateStore: new MemoryStateStore(),
    openLog: (path, spec) => {
      const sink = new MemoryLogSink(path);
      sink.setLimits(spec.logMaxBytes, spec.logKeep);
      logs.set(spec.name, sink);
      return sink;
    },
    agentEnv: { PATH: '/usr/bin' },
  });
  events = [];
  sup.on('state', (e) => events.push(e));
});

describe('Supervisor', () => {
  it('adds children stopped, with log limits from the spec', () => {
    const status = sup.add({ name: 'gw1', command: 'gateway', logMaxBytes: 4096, logKeep: 2 });
    expect(status).toMatchObject({ name: 'gw1', state: 'stopped', pid: undefined, restarts: 0 });
    expect(status.log?.path).toBe('/logs/gw1.log');
    expect([logs.get('gw1')!.maxBytes, logs.get('gw1')!.keep]).toEqual([4096, 2]);
    expect(() => sup.add({ name: 'gw1', command: 'gateway' })).toThrow("child 'gw1' already exists");
  });

  it('unknown names are GW_CONTROL errors', () => {
    expect(() => sup.start('nope')).toThrow(
      expect.objectContaining({ code: 'GW_CONTROL', message: 'no such child: nope' }),
    );
  });

  it('sends output and state markers to the log, the tail and followers', () => {
    sup.add({ name: 'gw1', command: 'gateway' });
    const followed: string[] = [];
    const consoled: string[] = [];
    const unfollow = sup.followLog('gw1', (d) => followed.push(d));
    sup.followConsole('gw1', (d) => consoled.push(d));
    sup.start('gw1');
    spawner.last.emit('hello\r\nwor');
    const stamp = '2026-01-01T12:00:00.000Z';
    const expected = `${stamp} @@@ gwagent: gw1 starting (pid 1000)\n${stamp} hello\n${stamp} wor`;
    expect(logs.get('gw1')!.text).toBe(expected);
    expect(sup.tail('gw1')).toBe(expected);
    expect(sup.tail('gw1', 1)).toBe(`${stamp} hello\n${stamp} wor`);
    expect(followed.join('')).toBe(expected);
    expect(consoled).toEqual(['\r\n@@@ gwagent: gw1 starting (pid 1000)\r\n', 'hello\r\nwor']);
    unfollow();
    clock.advance(5000);
    expect(followed.join('')).toBe(expected);
    expect(logs.get('gw1')!.text).toBe(
      `${expected}\n2026-01-01T12:00:05.000Z @@@ gwagent: gw1 running (pid 1000)\n`,
    );
  });

  it('a throwing listener does not break the output path', () => {
    sup.add({ name: 'gw1', command: 'gateway' });
    sup.followConsole('gw1', () => {
      throw new Error('client gone');
    });
    sup.start('gw1');
    spawner.last.emit('x\n');
    expect(logs.get('gw1')!.text).toContain('x\n');
  });

  it('emits state and exit events', () => {
    const exits: unknown[] = [];
    sup.on('exit', (e) => exits.push(e));
    sup.add({ name: 'gw1', command: 'gateway' });
    sup.start('gw1');
    spawner.last.exit(1);
    expect(events.map((e) => `${e.previous}>${e.state}`)).toEqual(['stopped>starting', 'starting>backoff']);
    expect(exits).toEqual([
      {
        name: 'gw1',
        pid: 1000,
        exit: { code: 1, signal: undefined, at: clock.now(), uptimeMs: 0, text: 'exit 1' },
      },
    ]);
  });

  it('update restarts an active child when the command changed', async () => {
    sup.add({ name: 'gw1', command: 'gateway', args: ['-a'] });
    sup.start('gw1');
    clock.advance(5000);
    const done = sup.update({ name: 'gw1', command: 'gateway', args: ['-b'] });
    spawner.spawned[0]!.exit(0, 15);
    expect(await done).toEqual({ isRestarted: true });
    expect(spawner.last.request.args).toEqual(['-b']);
  });

  it('update of supervision settings only: no restart', async () => {
    sup.add({ name: 'gw1', command: 'gateway' });
    sup.start('gw1');
    expect(await sup.update({ name: 'gw1', command: 'gateway', stopTimeoutMs: 1, logKeep: 9 })).toEqual({
      isRestarted: false,
    });
    expect(spawner.spawned).toHaveLength(1);
    expect(logs.get('gw1')!.keep).toBe(9);
  });

  it('update of a stopped child takes effect at the next start', async () => {
    sup.add({ name: 'gw1', command: 'gateway' });
    expect(await sup.update({ name: 'gw1', command: '/bin/sh' })).toEqual({ isRestarted: false });
    sup.start('gw1');
    expect(spawner.last.request.file).toBe('/bin/sh');
  });

  it('remove stops, closes the log and forgets the child', async () => {
    sup.add({ name: 'gw1', command: 'gateway' });
    sup.start('gw1');
    const done = sup.remove('gw1');
    spawner.last.exit(0, 15);
    await done;
    expect(sup.names()).toEqual([]);
    expect(logs.get('gw1')!.isClosed).toBe(true);
  });

  it('stopAll stops every child in parallel; write and sendSignal reach the process', async () => {
    sup.add({ name: 'a', command: 'gateway' });
    sup.add({ name: 'b', command: 'gateway' });
    sup.startAll();
    expect(sup.write('a', 'x')).toBe(true);
    expect(spawner.spawned[0]!.written).toEqual(['x']);
    const done = sup.stopAll();
    expect(sup.snapshotAll().map((s) => s.state)).toEqual(['stopping', 'stopping']);
    for (const p of spawner.spawned) p.exit(0, 15);
    await done;
    expect(sup.snapshotAll().map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(sup.write('a', 'x')).toBe(false);
    expect(sup.sendSignal('a', 'SIGUSR1')).toBe(false);
  });
});
