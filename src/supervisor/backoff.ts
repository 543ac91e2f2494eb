// Restart delays: exponential from backoffInitialMs, doubling per failure, capped at backoffMaxMs,
// and never giving up (unlike supervisord's startretries or ca-gateway's 10 restarts in 10 minutes).
// Pure: the caller owns the timer.

/** Where a child is in its backoff sequence. */
export interface Backoff {
  /** The delay the next failure will wait before restarting. */
  nextDelayMs: number;
  /** True once a delay of backoffMaxMs was used: the child keeps failing at the slowest rate. */
  isAtCap: boolean;
}

export function freshBackoff(spec: { backoffInitialMs: number; backoffMaxMs: number }): Backoff {
  return { nextDelayMs: Math.min(spec.backoffInitialMs, spec.backoffMaxMs), isAtCap: false };
}

/** The delay to wait now, and the state for the failure after that. */
export function takeDelay(
  backoff: Backoff,
  spec: { backoffMaxMs: number },
): { delayMs: number; next: Backoff } {
  const delayMs = Math.min(backoff.nextDelayMs, spec.backoffMaxMs);
  return {
    delayMs,
    next: { nextDelayMs: Math.min(delayMs * 2, spec.backoffMaxMs), isAtCap: delayMs >= spec.backoffMaxMs },
  };
}
