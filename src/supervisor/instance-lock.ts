// The instance lock: one agent per state directory. An exclusive flock(2) on <stateDir>/agent.lock,
// taken before the agent binds a socket, writes a file or starts a child. The kernel drops the lock
// when its holder dies, even by SIGKILL, so a dead agent never blocks the next one, and it works across
// containers sharing the volume. The file holds the holder's pid, /proc start time and host for
// messages only; it is never removed (removing a flock'ed file lets two agents lock two inodes).
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GwError } from '../errors.js';
import { parsePidStat } from '../proc.js';

/** Who holds a state directory: what `gwagent status` and a refused second agent print. */
export interface LockHolder {
  pid: number;
  /** /proc/<pid>/stat starttime (clock ticks after boot): tells the holder from a later user of its pid. */
  startTime: string;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  stateDir: string;
}

export interface InstanceLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Drops the lock (closing the file is what releases a flock). */
  release(): void;
}

export const LOCK_FILE = 'agent.lock';
/** flock(1)'s exit status for "already locked" (its -E option); EX_TEMPFAIL, like ours. */
const CONFLICT_STATUS = 75;

/**
 * Takes the lock on `stateDir` (which must exist) or throws: GW_LOCKED naming the holding agent, or
 * GW_IO when locking itself fails.
 *
 * Node has no flock(), so flock(1) from util-linux locks the open file description this process passes
 * it as fd 3. The lock belongs to that description, not to the short-lived flock process: it stays
 * held while this process keeps the fd open, and ends with it. Node opens files O_CLOEXEC, so the
 * gateways started later do not inherit it.
 */
export function lockStateDir(stateDir: string): InstanceLock {
  const path = join(stateDir, LOCK_FILE);
  const fd = openFile(path);
  const result = spawnSync(flockProgram(), ['--exclusive', '--nonblock', '--conflict-exit-code', '75', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    timeout: 10_000,
  });
  if (result.status !== 0) {
    closeSync(fd);
    if (result.status === CONFLICT_STATUS) {
      const holder = readHolder(path);
      throw new GwError(
        'GW_LOCKED',
        `${stateDir} is in use by ${holder ? describeHolder(holder) : 'another agent (its pid is not written yet)'}; this agent exits without touching it`,
      );
    }
    const why =
      result.error !== undefined
        ? (result.error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'the flock program (util-linux) is not installed'
          : result.error.message
        : `flock exited ${result.status ?? result.signal ?? '?'}: ${result.stderr.toString().trim()}`;
    throw new GwError('GW_IO', `cannot lock ${path}: ${why}`);
  }
  const holder: LockHolder = {
    pid: process.pid,
    startTime: ownStartTime(),
    host: hostname(),
    since: new Date().toISOString(),
    stateDir,
  };
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, JSON.stringify(holder) + '\n', 0);
  } catch (err) {
    closeSync(fd);
    throw new GwError('GW_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
  let isHeld = true;
  return {
    path,
    holder,
    release() {
      if (!isHeld) return;
      isHeld = false;
      // Emptied first, so a stale description never outlives the lock in a reader's message.
      try {
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** "agent pid 1234 on host gw01 (since 2026-...)". */
export function describeHolder(h: LockHolder): string {
  return `the agent with pid ${h.pid} on host ${h.host} (holding it since ${h.since})`;
}

/** util-linux installs it in /usr/bin (/bin on older systems); the agent's PATH may be a gateway's. */
function flockProgram(): string {
  return ['/usr/bin/flock', '/bin/flock'].find((p) => existsSync(p)) ?? 'flock';
}

function openFile(path: string): number {
  try {
    return openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (err) {
    throw new GwError('GW_IO', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The holder as written by it; the holder writes right after locking, so an empty file is retried briefly. */
function readHolder(path: string): LockHolder | undefined {
  const end = Date.now() + 500;
  for (;;) {
    const holder = parseHolder(readText(path));
    if (holder !== undefined || Date.now() > end) return holder;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (
      Number.isInteger(h.pid) &&
      typeof h.startTime === 'string' &&
      typeof h.host === 'string' &&
      typeof h.since === 'string' &&
      typeof h.stateDir === 'string'
    )
      return h as LockHolder;
  } catch {
    /* empty or being written */
  }
  return undefined;
}

function ownStartTime(): string {
  return parsePidStat(readText('/proc/self/stat'))?.startTime ?? '';
}
