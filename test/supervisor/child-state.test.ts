// Every transition of the child state machine, driven by a fake spawner and a virtual clock.
import { beforeEach, describe, expect, it } from 'vitest';
import { Child, TRANSITIONS } from '../../src/supervisor/child.js';
import {
  CHILD_STATES,
  resolveSpec,
  type ChildSpec,
  type ExitInfo,
  type StateEvent,
} from '../../src/supervisor/types.js';
import { FakeClock, FakeSpawner, FakeSystem, MemoryStateStore } from './fakes.js';

const SIGKILL = 9;
const SIGSEGV = 11;

let clock: FakeClock;
let spawner: FakeSpawner;
let system: FakeSystem;
let store: MemoryStateStore;
let events: StateEvent[];
let exits: ExitInfo[];
let output: string;

function makeChild(spec: Partial<ChildSpec> = {}): Child {
  const resolved = resolveSpec(
    {
      name: 'gw1',
      command: '/usr/bin/gateway',
      args: ['-pvlist', 'x'],
      env: { PATH: '/usr/bin:/bin' },
      ...spec,
    },
    {},
  );
  return new Child(resolved, {
    spawner,
    system,
    clock,
    store,
    onState: (e) => events.push(e),
    onExit: (_name, _pid, exit) => exits.push(exit),
    onOutput: (d) => (output += d),
  });
}

/** "previous>state" pairs, the compact form of the event log. */
function arrows(): string[] {
  return events.map((e) => `${e.previous}>${e.state}`);
}

beforeEach(() => {
  clock = new FakeClock();
  spawner = new FakeSpawner();
  system = new FakeSystem(spawner);
  store = new MemoryStateStore();
  events = [];
  exits = [];
  output = '';
});

describe('starting and running', () => {
  it('stopped -> starting -> running only after startSecs', () => {
    const child = makeChild({ startSecs: 5 });
    child.start();
    expect(child.currentState).toBe('starting');
    expect(events[0]).toEqual({
      name: 'gw1',
      state: 'starting',
      previous: 'stopped',
      pid: 1000,
      reason: undefined,
      at: clock.now(),
    });
    clock.advance(4999);
    expect(child.currentState).toBe('starting');
    clock.advance(1);
    expect(child.currentState).toBe('running');
    expect(arrows()).toEqual(['stopped>starting', 'starting>running']);
    const snap = child.snapshot();
    expect(snap.pid).toBe(1000);
    expect(snap.uptimeMs).toBe(5000);
    expect(snap.lastStartAt).toBe(Date.UTC(2026, 0, 1));
  });

  it('passes the resolved command, args, env and cwd to the spawner', () => {
    makeChild({ command: 'gateway', cwd: '/srv' }).start();
    const req = spawner.last.request;
    expect(req.file).toBe('/usr/bin/gateway');
    expect(req.args).toEqual(['-pvlist', 'x']);
    expect(req.cwd).toBe('/srv');
    expect(req.env).toEqual({ PATH: '/usr/bin:/bin' });
    expect(req.uid).toBeUndefined();
    expect([req.cols, req.rows]).toEqual([200, 50]);
  });

  it('records pid, pgid and /proc start time in the state store while the process lives', () => {
    makeChild().start();
    expect(store.list()).toEqual([
      { name: 'gw1', pid: 1000, pgid: 1000, startTime: 'st1000', startedAt: Date.UTC(2026, 0, 1) },
    ]);
    spawner.last.exit(1);
    expect(store.list()).toEqual([]);
  });

  it('forwards output of the current process only', () => {
    const child = makeChild();
    child.start();
    spawner.last.emit('hello\r\n');
    expect(output).toBe('hello\r\n');
    expect(child.write('input')).toBe(true);
    expect(spawner.last.written).toEqual(['input']);
  });

  it('start while starting or running is a no-op', () => {
    const child = makeChild();
    child.start();
    child.start();
    clock.advance(5000);
    child.start();
    expect(spawner.spawned).toHaveLength(1);
    expect(arrows()).toEqual(['stopped>starting', 'starting>running']);
  });
});

describe('fatal configuration problems', () => {
  it('missing binary: stopped -> fatal with the path, nothing spawned', () => {
    const child = makeChild({ command: '/opt/epics/bin/gateway' });
    child.start();
    expect(child.currentState).toBe('fatal');
    expect(events[0]).toMatchObject({
      previous: 'stopped',
      state: 'fatal',
      reason: 'gateway binary not found: /opt/epics/bin/gateway',
    });
    expect(spawner.spawned).toHaveLength(0);
    clock.advance(600_000);
    expect(spawner.spawned).toHaveLength(0);
  });

  it('binary gone before a restart: backoff -> fatal', () => {
    const child = makeChild();
    child.start();
    spawner.last.exit(1);
    system.executables.delete('/usr/bin/gateway');
    clock.advance(1000);
    expect(arrows()).toEqual(['stopped>starting', 'starting>backoff', 'backoff>fatal']);
    expect(child.snapshot().reason).toBe('gateway binary not found: /usr/bin/gateway');
  });

  it('missing working directory is fatal', () => {
    const child = makeChild({ cwd: '/nope' });
    child.start();
    expect(child.snapshot()).toMatchObject({ state: 'fatal', reason: 'working directory not found: /nope' });
  });

  it('unknown user is fatal', () => {
    const child = makeChild({ user: 'nobody-here' });
    child.start();
    expect(child.snapshot()).toMatchObject({
      state: 'fatal',
      reason: 'user not found in /etc/passwd: nobody-here',
    });
  });

  it('another user without root is fatal', () => {
    system.uid = 1000;
    const child = makeChild({ user: 'gw' });
    child.start();
    expect(child.snapshot()).toMatchObject({
      state: 'fatal',
      reason: 'cannot run as user gw: the agent is not root',
    });
  });

  it('as root: uid, gid, groups, HOME and cwd come from the user', () => {
    makeChild({ user: 'gw' }).start();
    const req = spawner.last.request;
    expect([req.uid, req.gid, req.groups]).toEqual([1500, 1600, [1600, 20]]);
    expect(req.cwd).toBe('/home/gw');
    expect(req.env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/gw', USER: 'gw', LOGNAME: 'gw' });
  });

  it('not root but already that user: runs without switching', () => {
    system.uid = 1500;
    makeChild({ user: 'gw', cwd: '/srv' }).start();
    expect(spawner.last.request.uid).toBeUndefined();
    expect(spawner.last.request.cwd).toBe('/srv');
  });

  it('fatal -> starting on a manual start', () => {
    const child = makeChild({ command: '/usr/bin/missing' });
    child.start();
    system.executables.add('/usr/bin/missing');
    child.start();
    expect(arrows()).toEqual(['stopped>fatal', 'fatal>starting']);
  });
});

describe('failed starts and backoff', () => {
  it('exit 0 before startSecs is a failed start: starting -> backoff -> starting', () => {
    const child = makeChild();
    child.start();
    clock.advance(100);
    spawner.last.exit(0);
    expect(child.snapshot()).toMatchObject({
      state: 'backoff',
      reason: 'exited before startSecs (5 s): exit 0; restart in 1 s',
      nextStartAt: clock.now() + 1000,
      pid: undefined,
      consecutiveFailures: 1,
    });
    expect(exits[0]).toEqual({ code: 0, signal: undefined, at: clock.now(), uptimeMs: 100, text: 'exit 0' });
    clock.advance(999);
    expect(spawner.spawned).toHaveLength(1);
    clock.advance(1);
    expect(spawner.spawned).toHaveLength(2);
    expect(arrows()).toEqual(['stopped>starting', 'starting>backoff', 'backoff>starting']);
    expect(child.snapshot().restarts).toBe(1);
  });

  it('delays 1, 2, 4, ... 32, 60, 60, 60 s and never gives up', () => {
    const child = makeChild();
    child.start();
    const delays: number[] = [];
    const caps: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      spawner.last.exit(1);
      const snap = child.snapshot();
      delays.push((snap.nextStartAt! - clock.now()) / 1000);
      caps.push(snap.isBackoffAtCap);
      clock.advance(snap.nextStartAt! - clock.now());
      expect(child.currentState).toBe('starting');
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
    expect(caps).toEqual([false, false, false, false, false, false, true, true, true, true]);
    expect(child.snapshot()).toMatchObject({ restarts: 10, consecutiveFailures: 10 });
  });

  it('custom initial and cap', () => {
    const child = makeChild({ backoffInitialMs: 250, backoffMaxMs: 1000 });
    child.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      spawner.last.exit(1);
      delays.push(child.snapshot().nextStartAt! - clock.now());
      clock.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([250, 500, 1000, 1000, 1000]);
  });

  it('a stable run (backoffResetMs of uptime) resets the delay and the cap flag', () => {
    const child = makeChild({ backoffMaxMs: 4000 });
    child.start();
    for (let i = 0; i < 4; i++) {
      spawner.last.exit(1);
      clock.advance(child.snapshot().nextStartAt! - clock.now());
    }
    expect(child.snapshot()).toMatchObject({ isBackoffAtCap: true, backoffMs: 4000 });
    clock.advance(5000); // running, but not yet stable (reset after max(startSecs, backoffMaxMs) = 5 s)
    expect(child.currentState).toBe('running');
    expect(child.snapshot()).toMatchObject({
      isBackoffAtCap: false,
      backoffMs: 1000,
      consecutiveFailures: 0,
    });
    spawner.last.exit(1);
    expect(child.snapshot().nextStartAt! - clock.now()).toBe(1000);
  });

  it('a crash after startSecs but before the reset keeps doubling', () => {
    const child = makeChild({ startSecs: 1, backoffResetMs: 60_000 });
    child.start();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(10_000);
      expect(child.currentState).toBe('running');
      spawner.last.exit(1);
      delays.push(child.snapshot().nextStartAt! - clock.now());
      clock.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([1000, 2000, 4000]);
  });

  it('spawn failure is a failed start: stopped -> backoff, retried', () => {
    spawner.failNext = new Error('forkpty(3) failed.');
    const child = makeChild();
    child.start();
    expect(child.snapshot()).toMatchObject({
      state: 'backoff',
      reason: 'spawn failed: forkpty(3) failed.; restart in 1 s',
    });
    clock.advance(1000);
    expect(child.currentState).toBe('starting');
  });

  it('manual start in backoff starts now and resets the delay', () => {
    const child = makeChild();
    child.start();
    spawner.last.exit(1);
    clock.advance(1000);
    spawner.last.exit(1);
    expect(child.snapshot().backoffMs).toBe(4000);
    child.start();
    expect(child.snapshot()).toMatchObject({ state: 'starting', backoffMs: 1000, restarts: 1 });
    clock.advance(2000); // the cancelled backoff timer must not spawn again
    expect(spawner.spawned).toHaveLength(3);
  });

  it('restart=never: a failed start is fatal', () => {
    const child = makeChild({ restart: 'never' });
    child.start();
    spawner.last.exit(2);
    expect(child.snapshot()).toMatchObject({
      state: 'fatal',
      reason: 'exited before startSecs (5 s): exit 2',
    });
  });
});

describe('exits after a successful start', () => {
  it('always: running -> backoff even on exit 0', () => {
    const child = makeChild({ restart: 'always' });
    child.start();
    clock.advance(5000);
    spawner.last.exit(0);
    expect(child.snapshot()).toMatchObject({ state: 'backoff', reason: 'exited: exit 0; restart in 1 s' });
  });

  it('on-failure: exit 0 -> exited', () => {
    const child = makeChild({ restart: 'on-failure' });
    child.start();
    clock.advance(5000);
    spawner.last.exit(0);
    expect(arrows()).toEqual(['stopped>starting', 'starting>running', 'running>exited']);
    expect(child.snapshot()).toMatchObject({
      state: 'exited',
      reason: 'exit 0',
      pid: undefined,
      uptimeMs: undefined,
    });
    clock.advance(600_000);
    expect(spawner.spawned).toHaveLength(1);
  });

  it('on-failure: a signal -> backoff, last exit names the signal', () => {
    const child = makeChild({ restart: 'on-failure' });
    child.start();
    clock.advance(7000);
    spawner.last.exit(0, SIGSEGV);
    expect(child.snapshot()).toMatchObject({
      state: 'backoff',
      lastExit: { code: undefined, signal: 'SIGSEGV', uptimeMs: 7000, text: 'signal SIGSEGV' },
    });
  });

  it('never: exit 1 -> exited', () => {
    const child = makeChild({ restart: 'never' });
    child.start();
    clock.advance(5000);
    spawner.last.exit(1);
    expect(child.snapshot()).toMatchObject({ state: 'exited', reason: 'exit 1' });
  });

  it('exited -> starting on a manual start', () => {
    const child = makeChild({ restart: 'never' });
    child.start();
    clock.advance(5000);
    spawner.last.exit(0);
    child.start();
    expect(arrows().at(-1)).toBe('exited>starting');
  });

  it('ends the rest of a crashed leader group: SIGTERM now, SIGKILL after stopTimeoutMs', () => {
    const child = makeChild({ stopTimeoutMs: 3000 });
    child.start();
    clock.advance(5000);
    system.lingeringGroups.add(1000);
    spawner.last.exit(1);
    expect(system.kills).toEqual([[-1000, 'SIGTERM']]);
    clock.advance(2999);
    expect(system.kills).toHaveLength(1);
    clock.advance(1);
    expect(system.kills).toEqual([
      [-1000, 'SIGTERM'],
      [-1000, 'SIGKILL'],
    ]);
    expect(child.currentState).toBe('starting'); // the restart did not wait for the leftovers
  });
});

describe('stopping', () => {
  it('running -> stopping -> stopped: SIGTERM then SIGCONT to the group, stop() resolves', async () => {
    const child = makeChild();
    child.start();
    clock.advance(5000);
    const done = child.stop();
    expect(child.snapshot()).toMatchObject({ state: 'stopping', reason: 'stop requested', pid: 1000 });
    // SIGCONT lets a SIGSTOPped gateway act on the SIGTERM.
    expect(system.kills).toEqual([
      [-1000, 'SIGTERM'],
      [-1000, 'SIGCONT'],
    ]);
    spawner.last.exit(0, 15);
    await done;
    expect(arrows()).toEqual([
      'stopped>starting',
      'starting>running',
      'running>stopping',
      'stopping>stopped',
    ]);
    expect(child.snapshot().lastExit?.text).toBe('signal SIGTERM');
    clock.advance(600_000);
    expect(spawner.spawned).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('starting -> stopping: cancels the startSecs timer', async () => {
    const child = makeChild();
    child.start();
    const done = child.stop();
    clock.advance(5000);
    expect(child.currentState).toBe('stopping');
    spawner.last.exit(0, 15);
    await done;
    expect(arrows()).toEqual(['stopped>starting', 'starting>stopping', 'stopping>stopped']);
  });

  it('ignoring SIGTERM: SIGKILL to the group after stopTimeoutMs', async () => {
    const child = makeChild({ stopTimeoutMs: 2000 });
    child.start();
    clock.advance(5000);
    const done = child.stop();
    clock.advance(1999);
    expect(system.kills).toEqual([
      [-1000, 'SIGTERM'],
      [-1000, 'SIGCONT'],
    ]);
    clock.advance(1);
    expect(system.kills).toEqual([
      [-1000, 'SIGTERM'],
      [-1000, 'SIGCONT'],
      [-1000, 'SIGKILL'],
    ]);
    expect(child.currentState).toBe('stopping');
    spawner.last.exit(0, SIGKILL);
    await done;
    expect(child.snapshot()).toMatchObject({ state: 'stopped', lastExit: { text: 'signal SIGKILL' } });
  });

  it('leader gone, group members left: stays stopping until they are gone', async () => {
    const child = makeChild();
    child.start();
    clock.advance(5000);
    const done = child.stop();
    system.lingeringGroups.add(1000);
    spawner.last.exit(0, 15);
    expect(child.currentState).toBe('stopping');
    expect(store.list()).toHaveLength(1); // a killed agent must still find the members
    clock.advance(500);
    expect(child.currentState).toBe('stopping');
    system.lingeringGroups.delete(1000);
    clock.advance(50);
    await done;
    expect(child.currentState).toBe('stopped');
    expect(store.list()).toHaveLength(0);
  });

  it('leader gone, members ignore SIGTERM: stopped right after the SIGKILL', async () => {
    const child = makeChild({ stopTimeoutMs: 1000 });
    child.start();
    clock.advance(5000);
    const done = child.stop();
    system.lingeringGroups.add(1000);
    spawner.last.exit(0, 15);
    clock.advance(1000);
    await done;
    expect(system.kills.at(-1)).toEqual([-1000, 'SIGKILL']);
    expect(child.currentState).toBe('stopped');
  });

  it('backoff -> stopped cancels the pending restart', async () => {
    const child = makeChild();
    child.start();
    spawner.last.exit(1);
    await child.stop();
    expect(arrows()).toEqual(['stopped>starting', 'starting>backoff', 'backoff>stopped']);
    clock.advance(120_000);
    expect(spawner.spawned).toHaveLength(1);
  });

  it('exited -> stopped and fatal -> stopped', async () => {
    const a = makeChild({ restart: 'never' });
    a.start();
    clock.advance(5000);
    spawner.last.exit(0);
    await a.stop();
    const b = makeChild({ command: '/missing' });
    b.start();
    await b.stop();
    expect(arrows()).toEqual([
      'stopped>starting',
      'starting>running',
      'running>exited',
      'exited>stopped',
      'stopped>fatal',
      'fatal>stopped',
    ]);
  });

  it('stop when stopped resolves at once without events', async () => {
    await makeChild().stop();
    expect(events).toEqual([]);
  });

  it('start while stopping: starts once the stop completes', async () => {
    const child = makeChild();
    child.start();
    clock.advance(5000);
    const done = child.stop();
    child.start();
    spawner.last.exit(0, 15);
    await done;
    expect(arrows().slice(2)).toEqual(['running>stopping', 'stopping>starting']);
    expect(spawner.spawned).toHaveLength(2);
  });
});

describe('restart', () => {
  it('running -> stopping -> starting with a new pid; not counted as an automatic restart', async () => {
    const child = makeChild();
    child.start();
    clock.advance(5000);
    const done = child.restart();
    expect(child.snapshot().reason).toBe('restart requested');
    spawner.last.exit(0, 15);
    await done;
    expect(arrows().slice(2)).toEqual(['running>stopping', 'stopping>starting']);
    expect(child.snapshot()).toMatchObject({ pid: 1001, restarts: 0 });
  });

  it('restart of a stopped child just starts it', async () => {
    const child = makeChild();
    await child.restart();
    expect(arrows()).toEqual(['stopped>starting']);
  });

  it('a stale exit report of the previous process is ignored', async () => {
    const child = makeChild();
    child.start();
    clock.advance(5000);
    const first = spawner.last;
    const done = child.restart();
    first.exit(0, 15);
    await done;
    first.exit(0, 15);
    expect(child.snapshot()).toMatchObject({ state: 'starting', pid: 1001 });
  });

  it('sendSignal goes to the leader, or the group when asked', () => {
    const child = makeChild();
    expect(child.sendSignal('SIGUSR1')).toBe(false);
    child.start();
    expect(child.sendSignal('SIGUSR1')).toBe(true);
    expect(child.sendSignal('SIGHUP', true)).toBe(true);
    expect(system.kills).toEqual([
      [1000, 'SIGUSR1'],
      [-1000, 'SIGHUP'],
    ]);
  });
});

describe('resolveSpec', () => {
  it('fills defaults', () => {
    const s = resolveSpec({ name: 'a', command: '/x' }, { PATH: '/bin', GONE: undefined });
    expect(s).toMatchObject({
      startSecs: 5,
      backoffInitialMs: 1000,
      backoffMaxMs: 60_000,
      backoffResetMs: 60_000,
      stopTimeoutMs: 10_000,
      restart: 'always',
      logKeep: 5,
      env: { PATH: '/bin' },
    });
  });

  it('names every bad field', () => {
    expect(() =>
      resolveSpec({ name: 'bad name', command: '', startSecs: -1, restart: 'sometimes' as never }, {}),
    ).toThrow(
      "child 'bad name': name 'bad name' must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$; command is empty; startSecs must be a number >= 0, got -1; restart must be one of always, on-failure, never",
    );
  });
});

describe('the transition table', () => {
  it('lists every state, and no state may jump from running straight to stopped or starting', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...CHILD_STATES].sort());
    expect(TRANSITIONS.running).not.toContain('stopped');
    expect(TRANSITIONS.running).not.toContain('starting');
    expect(TRANSITIONS.stopped).not.toContain('running');
  });
});
