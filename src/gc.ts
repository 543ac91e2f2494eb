// A full garbage collection on demand, for one moment: after a large start-up load (thousands of
// records from .db files) and before serving. The load leaves megabytes of young survivors; collected
// now, they are not copied by the first scavenge, which would otherwise fall in the middle of the first
// client's channel burst (a 20-80 ms pause that delays its search replies, and libca paces on those).
// V8 exposes gc() only behind a flag: it is set here at run time, and the function is taken from a
// fresh context (where the flag installs it), so no global changes in this one.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
}
