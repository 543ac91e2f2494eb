// The real Clock: Date.now and Node timers. Timers are not unref'd: an awaited stop or orphan sweep
// must keep the process alive until it is done.
import type { Clock, TimerHandle } from './ports.js';

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (delayMs, fn) => setTimeout(fn, delayMs),
  clearTimer(handle: TimerHandle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
