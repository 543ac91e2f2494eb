// The one SIGTERM/SIGINT path of gwagent's long-running commands (`run`, `ioc`): close what runs (the
// agent stops every child, TERM then KILL after each stopTimeoutMs), then exit 0. A second signal while
// stopping exits at once with 1. The process object is injected so this is testable without signals.

/** The part of `process` this needs. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): void;
}

/** The part of Supervisor this needs. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Installs handlers that shut the supervisor down on SIGTERM or SIGINT and then exit 0 (1 if closing
 * failed or a second signal came). `beforeClose` lets the agent stop its own services first. Returns
 * the uninstall function.
 */
export function installShutdownHandlers(
  supervisor: Closable,
  options: {
    signals?: readonly NodeJS.Signals[];
    target?: SignalTarget;
    beforeClose?: () => Promise<void> | void;
    log?: (message: string) => void;
    /** What the log says is being stopped (default "all children"). */
    stopping?: string;
    /** What a second signal does not wait for (default "the children"). */
    waitingFor?: string;
    /** Called with 0 (closed) or 1 (closing failed) instead of exiting; a second signal still exits. */
    onExit?: (code: number) => void;
  } = {},
): () => void {
  const target = options.target ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const log = options.log ?? ((m: string) => process.stderr.write(`gwagent: ${m}\n`));
  const finish = options.onExit ?? ((code: number) => target.exit(code));
  let isStopping = false;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const uninstall = (): void => {
    for (const [signal, handler] of handlers) target.off(signal, handler);
    handlers.clear();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (isStopping) {
      log(`${signal} again: exiting without waiting for ${options.waitingFor ?? 'the children'}`);
      target.exit(1);
      return;
    }
    isStopping = true;
    log(`${signal}: stopping ${options.stopping ?? 'all children'}`);
    void (async () => {
      try {
        await options.beforeClose?.();
        await supervisor.close();
        uninstall();
        finish(0);
      } catch (err) {
        log(`shutdown failed: ${(err as Error).message}`);
        uninstall();
        finish(1);
      }
    })();
  };
  for (const signal of signals) {
    const handler = (): void => onSignal(signal);
    handlers.set(signal, handler);
    target.on(signal, handler);
  }
  return uninstall;
}
