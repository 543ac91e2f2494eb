// The result shape every health parser and sampler returns: a value, or the reason it could not be had.
// Pure data; a failed reading becomes an INVALID/READ alarm on its PV, never a silent 0.

/** A sampled value, or why it could not be read (shown to operators, so say which file and why). */
export type Reading<T> = { ok: true; value: T } | { ok: false; error: string };

/** A successful reading. */
export function ok<T>(value: T): Reading<T> {
  return { ok: true, value };
}

/** A failed reading with a human-readable reason. */
export function fail<T = never>(error: string): Reading<T> {
  return { ok: false, error };
}

/** Applies `fn` to a successful reading; passes failures through unchanged. */
export function mapReading<T, U>(r: Reading<T>, fn: (value: T) => U): Reading<U> {
  return r.ok ? ok(fn(r.value)) : r;
}

/** Parses a non-negative decimal integer token strictly (no sign, no fraction, no trailing junk). */
export function parseCount(token: string | undefined): number | undefined {
  if (token === undefined || !/^\d+$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}
