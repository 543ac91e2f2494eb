// Test doubles for the supervisor's injected interfaces: a virtual clock, a spawner whose processes
// exit when the test says so, a System with scripted users/binaries/process groups, an in-memory state
// store and log sink. No real processes, timers or files.
import type {
  ChildRecord,
  Clock,
  LogSink,
  PasswdEntry,
  ProcEntry,
  SpawnedProcess,
  Spawner,
  SpawnRequest,
  StateStore,
  System,
  TimerHandle,
} from '../../src/supervisor/ports.js';

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = { id: ++this.seq, due: this.t + delayMs, fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Advances virtual time, firing due timers in order (also those scheduled while advancing). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next || next.due > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.due;
      next.fn();
    }
    this.t = end;
  }
}

export class FakeProcess implements SpawnedProcess {
  readonly written: (string | Buffer)[] = [];
  private dataListener: ((data: string) => void) | undefined;
  private exitListener: ((exit: { exitCode: number; signal: number | undefined }) => void) | undefined;
  isExited = false;

  constructor(
    readonly pid: number,
    readonly request: SpawnRequest,
  ) {}

  onData(listener: (data: string) => void): void {
    this.dataListener = listener;
  }

  onExit(listener: (exit: { exitCode: number; signal: number | undefined }) => void): void {
    this.exitListener = listener;
  }

  write(data: string | Buffer): void {
    this.written.push(data);
  }

  emit(data: string): void {
    this.dataListener?.(data);
  }

  exit(exitCode: number, signal?: number): void {
    this.isExited = true;
    this.exitListener?.({ exitCode, signal });
  }
}

export class FakeSpawner implements Spawner {
  readonly spawned: FakeProcess[] = [];
  nextPid = 1000;
  failNext: Error | undefined;

  spawn(request: SpawnRequest): SpawnedProcess {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    const proc = new FakeProcess(this.nextPid++, request);
    this.spawned.push(proc);
    return proc;
  }

  get last(): FakeProcess {
    const p = this.spawned.at(-1);
    if (!p) throw new Error('nothing spawned');
    return p;
  }
}

export class FakeSystem implements System {
  readonly kills: [number, NodeJS.Signals | 0][] = [];
  readonly executables = new Set<string>(['/usr/bin/gateway', '/bin/sh']);
  readonly dirs = new Set<string>(['/', '/srv', '/home/gw', '/agent']);
  readonly users: PasswdEntry[] = [{ name: 'gw', uid: 1500, gid: 1600, home: '/home/gw' }];
  /** Process groups (by pgid) that still have members after their leader exited. */
  readonly lingeringGroups = new Set<number>();
  readonly procs = new Map<number, ProcEntry>();
  uid = 0;

  constructor(private readonly spawner?: FakeSpawner) {}

  kill(target: number, signal: NodeJS.Signals | 0): boolean {
    if (signal !== 0) this.kills.push([target, signal]);
    if (target < 0) {
      const pgid = -target;
      if (this.lingeringGroups.has(pgid)) return true;
      const leader = this.spawner?.spawned.find((p) => p.pid === pgid);
      return leader !== undefined && !leader.isExited;
    }
    const proc = this.spawner?.spawned.find((p) => p.pid === target);
    return proc !== undefined && !proc.isExited;
  }

  isGroupAlive(pgid: number): boolean {
    return this.kill(-pgid, 0);
  }

  procEntry(pid: number): ProcEntry | undefined {
    const known = this.procs.get(pid);
    if (known) return known;
    const proc = this.spawner?.spawned.find((p) => p.pid === pid);
    return proc && !proc.isExited ? { pid, state: 'S', pgrp: pid, startTime: `st${pid}` } : undefined;
  }

  listProcesses(): ProcEntry[] {
    return [...this.procs.values()];
  }

  resolveExecutable(command: string, path: string | undefined): string | undefined {
    if (command.includes('/')) return this.executables.has(command) ? command : undefined;
    for (const dir of (path ?? '').split(':')) {
      if (this.executables.has(`${dir}/${command}`)) return `${dir}/${command}`;
    }
    return undefined;
  }

  isDirectory(path: string): boolean {
    return this.dirs.has(path);
  }

  lookupUser(nameOrUid: string): PasswdEntry | undefined {
    return this.users.find((u) => u.name === nameOrUid || String(u.uid) === nameOrUid);
  }

  userGroups(user: PasswdEntry): number[] {
    return [user.gid, 20];
  }

  getuid(): number {
    return this.uid;
  }

  agentCwd(): string {
    return '/agent';
  }
}

export class MemoryStateStore implements StateStore {
  readonly records = new Map<string, ChildRecord>();

  write(record: ChildRecord): void {
    this.records.set(record.name, record);
  }

  remove(name: string): void {
    this.records.delete(name);
  }

  list(): ChildRecord[] {
    return [...this.records.values()];
  }
}

export class MemoryLogSink implements LogSink {
  text = '';
  maxBytes = 0;
  keep = 0;
  isClosed = false;

  constructor(readonly path: string) {}

  write(data: string): void {
    this.text += data;
  }

  status() {
    return {
      path: this.path,
      bytesWritten: this.text.length,
      errors: 0,
      lastError: undefined,
      droppedBytes: 0,
    };
  }

  setLimits(maxBytes: number, keep: number): void {
    this.maxBytes = maxBytes;
    this.keep = keep;
  }

  close(): Promise<void> {
    this.isClosed = true;
    return Promise.resolve();
  }
}
