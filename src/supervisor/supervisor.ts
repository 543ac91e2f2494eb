// The Supervisor: owns the set of children, wires each child's output to its rotating log file, its
// in-memory tail and any attached console/follow clients, and forwards state events. The agent creates
// one, ends orphans of a previous run (reapOrphans), adds specs, starts them and on SIGTERM calls
// stopAll(). It does not read configuration or create PVs; the agent composes those.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { GwError } from '../errors.js';
import { Child } from './child.js';
import { realClock } from './clock.js';
import { startControlServer, type ControlServer, type ControlServerOptions } from './control-server.js';
import { LineStamper } from './line-stamper.js';
import { RotatingLogFile } from './log-file.js';
import { reapOrphans, type OrphanReport } from './orphans.js';
import { OutputTail } from './output-tail.js';
import type { Clock, LogSink, Spawner, StateStore, System } from './ports.js';
import { createPtySpawner } from './pty-spawner.js';
import { createFileStateStore } from './state-store.js';
import { createSystem } from './system.js';
import {
  needsRestart,
  resolveSpec,
  type ChildSpec,
  type ChildStatus,
  type ExitInfo,
  type ResolvedSpec,
  type StateEvent,
} from './types.js';

/** Construction options; everything after logDir is for tests or special hosts. */
export interface SupervisorOptions {
  /** Where per-child state files (pid, pgid, start time) live, e.g. /run/gwagent/children. */
  stateDir: string;
  /** Where `<name>.log` files go. */
  logDir: string;
  spawner?: Spawner;
  system?: System;
  clock?: Clock;
  stateStore?: StateStore;
  /** Log sink factory; default a RotatingLogFile at `<logDir>/<name>.log`. */
  openLog?: (path: string, spec: ResolvedSpec) => LogSink;
  /** Bounds of each child's in-memory tail. Defaults 1000 lines, 256 KiB. */
  tailMaxLines?: number;
  tailMaxBytes?: number;
  /** Timestamp every line in logs and tails. Default true. */
  logTimestamps?: boolean;
  /** Environment for specs without `env`. Default process.env. */
  agentEnv?: Readonly<Record<string, string | undefined>>;
}

/** A child's exit, as emitted with the 'exit' event. */
export interface ExitEvent {
  name: string;
  pid: number;
  exit: ExitInfo;
}

/** Events of the Supervisor. 'warning' carries problems that do not stop supervision (state files). */
export interface SupervisorEvents {
  state: [StateEvent];
  exit: [ExitEvent];
  warning: [string];
}

/** Listener for a child's output. */
export type OutputListener = (data: string) => void;

interface Entry {
  child: Child;
  log: LogSink;
  tail: OutputTail;
  stamper: LineStamper;
  /** Stamped, CRLF-normalized text including @@@ markers (what the log file gets). */
  logListeners: Set<OutputListener>;
  /** Raw pty output plus @@@ markers with CRLF (what a terminal wants). */
  consoleListeners: Set<OutputListener>;
}

/** Supervises named child processes under ptys. */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly options: SupervisorOptions;
  private readonly spawner: Spawner;
  private readonly system: System;
  private readonly clock: Clock;
  private readonly store: StateStore;
  private readonly entries = new Map<string, Entry>();
  private readonly servers = new Set<ControlServer>();

  constructor(options: SupervisorOptions) {
    super();
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.system = options.system ?? createSystem();
    this.spawner = options.spawner ?? createPtySpawner();
    this.store = options.stateStore ?? createFileStateStore(options.stateDir, (m) => this.warn(m));
  }

  /**
   * Ends process groups that a previous agent left running (found through the state files), SIGTERM
   * then SIGKILL after stopTimeoutMs. Call once before starting any child.
   */
  reapOrphans(stopTimeoutMs = 10_000): Promise<OrphanReport[]> {
    return reapOrphans({ store: this.store, system: this.system, clock: this.clock, stopTimeoutMs });
  }

  /** Adds a child in state `stopped`; throws GW_CONFIG_INVALID for a bad spec or a duplicate name. */
  add(spec: ChildSpec): ChildStatus {
    const resolved = resolveSpec(spec, this.options.agentEnv ?? process.env);
    if (this.entries.has(resolved.name)) {
      throw new GwError('GW_CONFIG_INVALID', `child '${resolved.name}' already exists`);
    }
    const path = join(this.options.logDir, `${resolved.name}.log`);
    const log =
      this.options.openLog?.(path, resolved) ??
      new RotatingLogFile(path, {
        maxBytes: resolved.logMaxBytes,
        keep: resolved.logKeep,
        clock: this.clock,
      });
    const entry: Entry = {
      log,
      tail: new OutputTail(this.options.tailMaxLines, this.options.tailMaxBytes),
      stamper: new LineStamper(() => this.clock.now(), this.options.logTimestamps ?? true),
      logListeners: new Set(),
      consoleListeners: new Set(),
      child: new Child(resolved, {
        spawner: this.spawner,
        system: this.system,
        clock: this.clock,
        store: this.store,
        onState: (event) => this.onState(entry, event),
        onExit: (name, pid, exit) => this.emit('exit', { name, pid, exit }),
        onOutput: (data) => this.onOutput(entry, data),
      }),
    };
    this.entries.set(resolved.name, entry);
    return this.snapshot(resolved.name);
  }

  /**
   * Replaces a child's spec. If what runs changed (command, args, env, cwd, home, user, pty size) and the
   * child is active, it is restarted; supervision settings (timeouts, backoff, log limits) apply at once.
   */
  async update(spec: ChildSpec): Promise<{ isRestarted: boolean }> {
    const entry = this.entry(spec.name);
    const resolved = resolveSpec(spec, this.options.agentEnv ?? process.env);
    const old = entry.child.currentSpec;
    entry.child.setSpec(resolved);
    entry.log.setLimits(resolved.logMaxBytes, resolved.logKeep);
    const state = entry.child.currentState;
    const isActive = state === 'starting' || state === 'running' || state === 'backoff';
    if (!needsRestart(old, resolved) || !isActive) return { isRestarted: false };
    await entry.child.restart();
    return { isRestarted: true };
  }

  /** Stops the child, closes its log and forgets it. */
  async remove(name: string): Promise<void> {
    const entry = this.entry(name);
    await entry.child.stop();
    entry.child.dispose();
    this.entries.delete(name);
    await entry.log.close();
  }

  /** Starts a stopped, exited or fatal child (resetting its backoff); no-op if it is running. */
  start(name: string): ChildStatus {
    this.entry(name).child.start();
    return this.snapshot(name);
  }

  /** Resolves once the child and its whole process group are gone. */
  async stop(name: string): Promise<ChildStatus> {
    await this.entry(name).child.stop();
    return this.snapshot(name);
  }

  /** Resolves once the new process is starting (or the start failed). */
  async restart(name: string): Promise<ChildStatus> {
    await this.entry(name).child.restart();
    return this.snapshot(name);
  }

  startAll(): void {
    for (const e of this.entries.values()) e.child.start();
  }

  /** Stops every child in parallel; for the agent's SIGTERM handler (then exit 0). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.child.stop()));
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  snapshot(name: string): ChildStatus {
    const entry = this.entry(name);
    return { ...entry.child.snapshot(), log: entry.log.status() };
  }

  snapshotAll(): ChildStatus[] {
    return this.names().map((n) => this.snapshot(n));
  }

  /** The last `lines` lines of the child's output (timestamped, as in the log file). */
  tail(name: string, lines?: number): string {
    return this.entry(name).tail.text(lines);
  }

  /** Input to the child's pty; false when it has no running process. */
  write(name: string, data: string | Buffer): boolean {
    return this.entry(name).child.write(data);
  }

  /** Signals the child's leader, or its whole process group with `{ toGroup: true }`. */
  sendSignal(name: string, signal: NodeJS.Signals, options: { toGroup?: boolean } = {}): boolean {
    return this.entry(name).child.sendSignal(signal, options.toGroup ?? false);
  }

  /** Follows the child's log text (timestamped lines, @@@ markers). Returns the unsubscribe function. */
  followLog(name: string, listener: OutputListener): () => void {
    const set = this.entry(name).logListeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Follows the raw pty output, for consoles. Returns the unsubscribe function. */
  followConsole(name: string, listener: OutputListener): () => void {
    const set = this.entry(name).consoleListeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Serves the local control channel (and optional TCP consoles) for this supervisor. */
  async startControlServer(options: ControlServerOptions): Promise<ControlServer> {
    const server = await startControlServer(this, options);
    this.servers.add(server);
    const close = server.close.bind(server);
    server.close = async () => {
      this.servers.delete(server);
      await close();
    };
    return server;
  }

  /** Stops every child, closes control servers and log files. */
  async close(): Promise<void> {
    await this.stopAll();
    await Promise.all([...this.servers].map((s) => s.close()));
    for (const e of this.entries.values()) e.child.dispose();
    await Promise.all([...this.entries.values()].map((e) => e.log.close()));
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new GwError('GW_CONTROL', `no such child: ${name}`);
    return entry;
  }

  private onOutput(entry: Entry, data: string): void {
    this.publish(entry, entry.stamper.feed(data), data);
  }

  private onState(entry: Entry, event: StateEvent): void {
    const pid = event.pid !== undefined ? ` (pid ${event.pid})` : '';
    const why = event.reason !== undefined ? `: ${event.reason}` : '';
    const message = `gwagent: ${event.name} ${event.state}${pid}${why}`;
    this.publish(entry, entry.stamper.marker(message), `\r\n@@@ ${message}\r\n`);
    this.emit('state', event);
  }

  private publish(entry: Entry, text: string, raw: string): void {
    if (text !== '') {
      entry.log.write(text);
      entry.tail.push(text);
      for (const l of entry.logListeners) callSafely(l, text);
    }
    for (const l of entry.consoleListeners) callSafely(l, raw);
  }

  private warn(message: string): void {
    this.emit('warning', message);
  }
}

function callSafely(listener: OutputListener, data: string): void {
  try {
    listener(data);
  } catch {
    // A broken client connection must not take the child's output path down with it.
  }
}
