// The state machine of one supervised child: stopped, starting, running, backoff, stopping, exited,
// fatal. setState() is the only place that changes state and it emits every change. All OS effects go
// through the injected Spawner, System, Clock and StateStore, so every transition is unit-tested with
// fakes and a virtual clock. Owns no files, sockets or logs (the Supervisor wires output elsewhere).
import { GwError } from '../errors.js';
import { freshBackoff, takeDelay, type Backoff } from './backoff.js';
import { exitInfo, isFailure } from './exit-info.js';
import type {
  Clock,
  SpawnedProcess,
  Spawner,
  SpawnRequest,
  StateStore,
  System,
  TimerHandle,
} from './ports.js';
import type { ChildState, ChildStatus, ExitInfo, ResolvedSpec, StateEvent } from './types.js';

/**
 * Every transition setState() may make, as the arrow comments at each call name them. Anything else is a
 * bug of ours, and setState() throws rather than let the supervisor drift into a state nobody planned
 * (supervisord asserts its states the same way).
 */
export const TRANSITIONS: Readonly<Record<ChildState, readonly ChildState[]>> = {
  // a spawn that fails at once is a failed start: -> backoff (or fatal) without passing starting
  stopped: ['starting', 'backoff', 'fatal'],
  starting: ['running', 'backoff', 'fatal', 'stopping'],
  running: ['backoff', 'exited', 'stopping'],
  backoff: ['starting', 'backoff', 'fatal', 'stopped'],
  stopping: ['stopped', 'starting', 'backoff', 'fatal'],
  exited: ['stopped', 'starting', 'backoff', 'fatal'],
  // fatal -> fatal: a start retried after a config change failed for the same kind of reason again
  fatal: ['stopped', 'starting', 'backoff', 'fatal'],
};

/** How often a stop that already saw the leader exit checks whether the rest of its group is gone. */
const GROUP_POLL_MS = 50;

export interface ChildDeps {
  spawner: Spawner;
  system: System;
  clock: Clock;
  store: StateStore;
  onState(event: StateEvent): void;
  onExit(name: string, pid: number, exit: ExitInfo): void;
  onOutput(data: string): void;
}

type Prepared = { ok: true; request: SpawnRequest } | { ok: false; reason: string };

export class Child {
  private spec: ResolvedSpec;
  private readonly deps: ChildDeps;
  private state: ChildState = 'stopped';
  private since: number;
  private reason: string | undefined;
  private proc: SpawnedProcess | undefined;
  private pid: number | undefined;
  /** The process of the current generation; exits of older generations are ignored. */
  private generation = 0;
  private startedAt: number | undefined;
  private lastStartAt: number | undefined;
  private lastExit: ExitInfo | undefined;
  private restarts = 0;
  private consecutiveFailures = 0;
  private backoff: Backoff;
  private nextStartAt: number | undefined;
  /** Set while stopping when the child should start again afterwards (restart, or start during stop). */
  private isStartPending = false;
  /** Stopping, the leader is gone, but other members of its group are still alive. */
  private isAwaitingGroup = false;
  private startTimer: TimerHandle | undefined;
  private resetTimer: TimerHandle | undefined;
  private backoffTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private groupPollTimer: TimerHandle | undefined;
  private readonly leftoverTimers = new Set<TimerHandle>();
  private waiters: { until: (s: ChildState) => boolean; resolve: () => void }[] = [];

  constructor(spec: ResolvedSpec, deps: ChildDeps) {
    this.spec = spec;
    this.deps = deps;
    this.since = deps.clock.now();
    this.backoff = freshBackoff(spec);
  }

  get name(): string {
    return this.spec.name;
  }

  get currentState(): ChildState {
    return this.state;
  }

  get currentSpec(): ResolvedSpec {
    return this.spec;
  }

  /** Takes effect at the next spawn; timing fields apply from now on. */
  setSpec(spec: ResolvedSpec): void {
    this.spec = spec;
  }

  /** Manual start: resets the backoff. No-op while starting or running; queued while stopping. */
  start(): void {
    switch (this.state) {
      case 'stopped':
      case 'exited':
      case 'fatal':
        this.backoff = freshBackoff(this.spec);
        this.consecutiveFailures = 0;
        this.launch();
        return;
      case 'backoff':
        this.clearTimer('backoffTimer');
        this.backoff = freshBackoff(this.spec);
        this.consecutiveFailures = 0;
        this.launch();
        return;
      case 'stopping':
        this.isStartPending = true;
        return;
      case 'starting':
      case 'running':
        return;
    }
  }

  /** Resolves once the child is stopped (the whole process group is gone or was sent SIGKILL). */
  stop(): Promise<void> {
    this.isStartPending = false;
    switch (this.state) {
      case 'stopped':
        return Promise.resolve();
      case 'exited':
      case 'fatal':
        // exited -> stopped, fatal -> stopped: the operator acknowledged it
        this.setState('stopped', 'stopped by request');
        return Promise.resolve();
      case 'backoff':
        this.clearTimer('backoffTimer');
        this.nextStartAt = undefined;
        // backoff -> stopped
        this.setState('stopped', 'stopped by request');
        return Promise.resolve();
      case 'starting':
      case 'running':
        this.beginStop('stop requested');
        return this.waitFor((s) => s !== 'stopping');
      case 'stopping':
        return this.waitFor((s) => s !== 'stopping');
    }
  }

  /** Stops (if needed) and starts again; resolves when the new process is starting (or failed to). */
  restart(): Promise<void> {
    switch (this.state) {
      case 'starting':
      case 'running':
        this.beginStop('restart requested');
        this.isStartPending = true;
        return this.waitFor((s) => s !== 'stopping');
      case 'stopping':
        this.isStartPending = true;
        return this.waitFor((s) => s !== 'stopping');
      default:
        this.start();
        return Promise.resolve();
    }
  }

  /** Writes to the child's pty; false when no process is running. */
  write(data: string | Buffer): boolean {
    if (!this.proc) return false;
    this.proc.write(data);
    return true;
  }

  /** Sends a signal to the leader (or its whole group); false when there is no process. */
  sendSignal(signal: NodeJS.Signals, toGroup = false): boolean {
    if (this.pid === undefined || this.proc === undefined) return false;
    return this.deps.system.kill(toGroup ? -this.pid : this.pid, signal);
  }

  snapshot(): Omit<ChildStatus, 'log'> {
    const now = this.deps.clock.now();
    return {
      name: this.spec.name,
      state: this.state,
      pid: this.proc ? this.pid : undefined,
      since: this.since,
      uptimeMs: this.proc && this.startedAt !== undefined ? now - this.startedAt : undefined,
      restarts: this.restarts,
      lastExit: this.lastExit,
      lastStartAt: this.lastStartAt,
      reason: this.reason,
      nextStartAt: this.state === 'backoff' ? this.nextStartAt : undefined,
      backoffMs: this.backoff.nextDelayMs,
      isBackoffAtCap: this.backoff.isAtCap,
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  /** Cancels every timer; call only when stopped (before forgetting the child). */
  dispose(): void {
    for (const key of ['startTimer', 'resetTimer', 'backoffTimer', 'killTimer', 'groupPollTimer'] as const) {
      this.clearTimer(key);
    }
    for (const t of this.leftoverTimers) this.deps.clock.clearTimer(t);
    this.leftoverTimers.clear();
  }

  /** The only place that changes state; throws GW_INTERNAL on a transition TRANSITIONS does not list. */
  private setState(next: ChildState, reason: string | undefined): void {
    const previous = this.state;
    if (!TRANSITIONS[previous].includes(next))
      throw new GwError('GW_INTERNAL', `${this.spec.name}: illegal transition ${previous} -> ${next}`);
    this.state = next;
    this.reason = reason;
    this.since = this.deps.clock.now();
    this.deps.onState({
      name: this.spec.name,
      state: next,
      previous,
      pid: this.proc ? this.pid : undefined,
      reason,
      at: this.since,
    });
    const ready = this.waiters.filter((w) => w.until(next));
    this.waiters = this.waiters.filter((w) => !w.until(next));
    for (const w of ready) w.resolve();
  }

  private waitFor(until: (s: ChildState) => boolean): Promise<void> {
    if (until(this.state)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ until, resolve }));
  }

  private clearTimer(
    key: 'startTimer' | 'resetTimer' | 'backoffTimer' | 'killTimer' | 'groupPollTimer',
  ): void {
    const t = this[key];
    if (t !== undefined) this.deps.clock.clearTimer(t);
    this[key] = undefined;
  }

  /** Checks binary, user and directory, then spawns. Config problems are fatal; a spawn error is a failed start. */
  private launch(): void {
    const prepared = this.prepare();
    if (!prepared.ok) {
      // stopped|exited|fatal|backoff|stopping -> fatal: retrying cannot help until the config or host changes
      this.setState('fatal', prepared.reason);
      return;
    }
    let proc: SpawnedProcess;
    try {
      proc = this.deps.spawner.spawn(prepared.request);
    } catch (err) {
      this.consecutiveFailures++;
      // stopped|exited|fatal|backoff|stopping -> backoff (or -> fatal): a failed start
      this.failedStart(`spawn failed: ${(err as Error).message}`);
      return;
    }
    const generation = ++this.generation;
    const now = this.deps.clock.now();
    this.proc = proc;
    this.pid = proc.pid;
    this.startedAt = now;
    this.lastStartAt = now;
    this.nextStartAt = undefined;
    this.isAwaitingGroup = false;
    proc.onData((data) => {
      if (generation === this.generation) this.deps.onOutput(data);
    });
    proc.onExit(({ exitCode, signal }) => this.onProcessExit(generation, exitCode, signal));
    const entry = this.deps.system.procEntry(proc.pid);
    if (entry) {
      this.deps.store.write({
        name: this.spec.name,
        pid: proc.pid,
        pgid: proc.pid,
        startTime: entry.startTime,
        startedAt: now,
      });
    }
    this.startTimer = this.deps.clock.setTimer(this.spec.startSecs * 1000, () => {
      this.startTimer = undefined;
      // starting -> running: it stayed up for startSecs
      if (this.state === 'starting' && generation === this.generation) this.setState('running', undefined);
    });
    this.resetTimer = this.deps.clock.setTimer(this.spec.backoffResetMs, () => {
      this.resetTimer = undefined;
      // A stable run: the next crash starts the sequence again at backoffInitialMs.
      this.backoff = freshBackoff(this.spec);
      this.consecutiveFailures = 0;
    });
    // stopped|exited|fatal|backoff|stopping -> starting
    this.setState('starting', undefined);
  }

  private prepare(): Prepared {
    const { system } = this.deps;
    const spec = this.spec;
    const file = system.resolveExecutable(spec.command, spec.env['PATH']);
    if (file === undefined) return { ok: false, reason: `gateway binary not found: ${spec.command}` };
    let uid: number | undefined;
    let gid: number | undefined;
    let groups: number[] | undefined;
    let home = spec.home;
    const env: Record<string, string> = { ...spec.env };
    if (spec.user !== undefined) {
      const user = system.lookupUser(spec.user);
      if (!user) return { ok: false, reason: `user not found in /etc/passwd: ${spec.user}` };
      const self = system.getuid();
      if (self === 0) {
        uid = user.uid;
        gid = user.gid;
        groups = system.userGroups(user);
      } else if (self !== user.uid) {
        return { ok: false, reason: `cannot run as user ${spec.user}: the agent is not root` };
      }
      home ??= user.home;
      env['USER'] = user.name;
      env['LOGNAME'] = user.name;
    }
    if (home !== undefined) env['HOME'] = home;
    const cwd = spec.cwd ?? (spec.user !== undefined ? home : undefined) ?? system.agentCwd();
    if (!system.isDirectory(cwd)) return { ok: false, reason: `working directory not found: ${cwd}` };
    return {
      ok: true,
      request: { file, args: spec.args, env, cwd, uid, gid, groups, cols: spec.cols, rows: spec.rows },
    };
  }

  private onProcessExit(generation: number, exitCode: number, signal: number | undefined): void {
    if (generation !== this.generation || this.pid === undefined) return;
    const pgid = this.pid;
    const now = this.deps.clock.now();
    const exit = exitInfo(exitCode, signal, now, now - (this.startedAt ?? now));
    this.lastExit = exit;
    this.proc = undefined;
    this.clearTimer('startTimer');
    this.clearTimer('resetTimer');
    this.deps.onExit(this.spec.name, pgid, exit);
    // The state file stays while a stop still waits for group members, so a killed agent finds them.
    const isGroupLeft = this.state === 'stopping' && this.deps.system.isGroupAlive(pgid);
    if (!isGroupLeft) this.deps.store.remove(this.spec.name);
    switch (this.state) {
      case 'starting':
        this.endLeftovers(pgid);
        this.consecutiveFailures++;
        this.failedStart(`exited before startSecs (${this.spec.startSecs} s): ${exit.text}`);
        return;
      case 'running':
        this.endLeftovers(pgid);
        if (this.shouldRestart(exit)) {
          this.consecutiveFailures++;
          // running -> backoff
          this.retryLater(`exited: ${exit.text}`);
        } else {
          // running -> exited
          this.setState('exited', exit.text);
        }
        return;
      case 'stopping':
        if (isGroupLeft) {
          // The leader is gone but others in its group are not: wait for them (SIGKILL at stopTimeoutMs).
          this.isAwaitingGroup = true;
          this.pollGroup(pgid);
          return;
        }
        this.finishStop();
        return;
      default:
        // stopped, backoff, exited, fatal have no process; an exit here is a stale report.
        return;
    }
  }

  /** A start that did not last startSecs (any exit code, even 0) or could not spawn. */
  private failedStart(reason: string): void {
    if (this.spec.restart === 'never') {
      // starting -> fatal
      this.setState('fatal', reason);
      return;
    }
    // starting -> backoff
    this.retryLater(reason);
  }

  private shouldRestart(exit: ExitInfo): boolean {
    switch (this.spec.restart) {
      case 'always':
        return true;
      case 'on-failure':
        return isFailure(exit);
      case 'never':
        return false;
    }
  }

  private retryLater(reason: string): void {
    const { delayMs, next } = takeDelay(this.backoff, this.spec);
    this.backoff = next;
    this.nextStartAt = this.deps.clock.now() + delayMs;
    this.backoffTimer = this.deps.clock.setTimer(delayMs, () => {
      this.backoffTimer = undefined;
      this.restarts++;
      // backoff -> starting (or -> fatal when the binary vanished meanwhile)
      this.launch();
    });
    // starting|running -> backoff
    this.setState('backoff', `${reason}; restart in ${formatSeconds(delayMs)}`);
  }

  private beginStop(reason: string): void {
    const pgid = this.pid;
    this.clearTimer('startTimer');
    // starting|running -> stopping
    this.setState('stopping', reason);
    if (pgid === undefined) return;
    this.deps.system.kill(-pgid, 'SIGTERM');
    // A gateway stopped by SIGSTOP cannot act on SIGTERM until it runs again (systemd does the same).
    this.deps.system.kill(-pgid, 'SIGCONT');
    this.killTimer = this.deps.clock.setTimer(this.spec.stopTimeoutMs, () => {
      this.killTimer = undefined;
      this.deps.system.kill(-pgid, 'SIGKILL');
      // SIGKILL cannot be ignored; if only group members were left, the stop is done now.
      if (this.isAwaitingGroup && this.state === 'stopping') this.finishStop();
    });
  }

  private pollGroup(pgid: number): void {
    this.groupPollTimer = this.deps.clock.setTimer(GROUP_POLL_MS, () => {
      this.groupPollTimer = undefined;
      if (this.state !== 'stopping' || !this.isAwaitingGroup) return;
      if (this.deps.system.isGroupAlive(pgid)) this.pollGroup(pgid);
      else this.finishStop();
    });
  }

  private finishStop(): void {
    this.deps.store.remove(this.spec.name);
    this.clearTimer('killTimer');
    this.clearTimer('groupPollTimer');
    this.isAwaitingGroup = false;
    if (this.isStartPending) {
      this.isStartPending = false;
      this.backoff = freshBackoff(this.spec);
      this.consecutiveFailures = 0;
      // stopping -> starting (restart)
      this.launch();
      return;
    }
    // stopping -> stopped
    this.setState('stopped', 'stopped by request');
  }

  /** After an unplanned leader exit, ends what is left of its group: SIGTERM now, SIGKILL after stopTimeoutMs. */
  private endLeftovers(pgid: number): void {
    if (!this.deps.system.kill(-pgid, 'SIGTERM')) return;
    const t = this.deps.clock.setTimer(this.spec.stopTimeoutMs, () => {
      this.leftoverTimers.delete(t);
      this.deps.system.kill(-pgid, 'SIGKILL');
    });
    this.leftoverTimers.add(t);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
