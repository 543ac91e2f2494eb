// The injected interfaces through which the supervisor touches the operating system: spawning
// processes, signals, /proc, /etc/passwd, the clock and timers, state files and log sinks.
// Unit tests pass fakes for all of them; the real implementations live in system.ts, clock.ts,
// pty-spawner.ts, state-store.ts and log-file.ts. Types only.

/** Wall clock and timers. The fake clock in tests advances virtual time. */
import type { PidStat } from '../proc.js';
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Opaque timer handle. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Everything a spawner needs: the executable is already resolved to an absolute path. */
export interface SpawnRequest {
  file: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Set together, only when switching user. */
  uid: number | undefined;
  gid: number | undefined;
  /** Supplementary groups for the child when switching user. */
  groups: readonly number[] | undefined;
  cols: number;
  rows: number;
}

/** A started process. It must be the leader of its own process group (pgid = pid). */
export interface SpawnedProcess {
  readonly pid: number;
  onData(listener: (data: string) => void): void;
  /** Called once. `signal` is a number (0 or undefined when it exited normally). */
  onExit(listener: (exit: { exitCode: number; signal: number | undefined }) => void): void;
  write(data: string | Buffer): void;
}

export interface Spawner {
  /** Throws when the process cannot be created at all (no pty, fork failed). */
  spawn(request: SpawnRequest): SpawnedProcess;
}

/** One line of /etc/passwd. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** One process as the supervisor sees it in /proc/<pid>/stat. */
export type ProcEntry = Pick<PidStat, 'pid' | 'state' | 'pgrp' | 'startTime'>;

/** Process, user and file lookups of the running system. */
export interface System {
  /** kill(2); `target` < 0 signals a process group. Returns false when nothing was signalled; never throws. */
  kill(target: number, signal: NodeJS.Signals | 0): boolean;
  /** True while the process group has a member that is not a zombie (kill(-pgid, 0) counts zombies). */
  isGroupAlive(pgid: number): boolean;
  /** /proc/<pid>/stat, or undefined if there is no such process. */
  procEntry(pid: number): ProcEntry | undefined;
  /** Every process in /proc. */
  listProcesses(): ProcEntry[];
  /** Absolute path of an executable file: `command` itself when it contains '/', else searched in PATH. */
  resolveExecutable(command: string, path: string | undefined): string | undefined;
  isDirectory(path: string): boolean;
  lookupUser(nameOrUid: string): PasswdEntry | undefined;
  /** Supplementary groups of a user from /etc/group (plus its primary gid). */
  userGroups(user: PasswdEntry): number[];
  getuid(): number;
  agentCwd(): string;
}

/** What is recorded per child so a restarted agent can find and end processes it left behind. */
export interface ChildRecord {
  name: string;
  pid: number;
  pgid: number;
  /** /proc/<pid>/stat field 22 at spawn time. */
  startTime: string;
  /** ms since the epoch. */
  startedAt: number;
}

/** Per-child state files in the state dir. Failures are reported, never thrown. */
export interface StateStore {
  write(record: ChildRecord): void;
  remove(name: string): void;
  list(): ChildRecord[];
}

/** Where a child's console output is persisted (a rotating log file in production). Never throws. */
export interface LogSink {
  write(data: string): void;
  status(): {
    path: string;
    bytesWritten: number;
    errors: number;
    lastError: string | undefined;
    droppedBytes: number;
  };
  setLimits(maxBytes: number, keep: number): void;
  /** Flushes what is queued and closes the file. */
  close(): Promise<void>;
}
