// Monitor and archive deadbands (recGblCheckDeadband, ca-protocol.md §9.2). Pure.

/**
 * Whether a change from `last` to `next` passes `deadband`. Finite values compare |next - last|;
 * a change between a finite and a non-finite value, between NaN and infinity, or between opposite
 * infinities counts as an infinite delta. NaN -> NaN and Inf -> Inf count as no change. So a
 * deadband of 0 posts every change and a negative deadband posts every update.
 */
export function passesDeadband(last: number, next: number, deadband: number): boolean {
  let delta = 0;
  if (Number.isFinite(next) && Number.isFinite(last)) {
    delta = Math.abs(last - next);
  } else if (
    Number.isNaN(next) !== Number.isNaN(last) ||
    isInfinite(next) !== isInfinite(last) ||
    (isInfinite(next) && next !== last)
  ) {
    delta = Infinity;
  }
  return delta > deadband;
}

function isInfinite(v: number): boolean {
  return v === Infinity || v === -Infinity;
}
