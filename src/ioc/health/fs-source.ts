// The only place the health sampler touches the file system: small async reads of /proc, cgroup and
// os-release files and directory counts, each returning a Reading with the path and errno on failure.
// Never spawns a process; no caching (the sampler decides how often to read).
import { readFile, readdir } from 'node:fs/promises';
import { fail, ok, type Reading } from './reading.js';

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? (e instanceof Error ? e.message : String(err));
}

/** Reads a whole (small) text file. */
export async function readText(path: string): Promise<Reading<string>> {
  try {
    return ok(await readFile(path, 'latin1'));
  } catch (err) {
    return fail(`cannot read ${path}: ${reason(err)}`);
  }
}

/** Counts directory entries (without . and ..) whose names match `filter` (all when omitted). */
export async function countEntries(path: string, filter?: RegExp): Promise<Reading<number>> {
  try {
    const names = await readdir(path);
    return ok(filter ? names.filter((n) => filter.test(n)).length : names.length);
  } catch (err) {
    return fail(`cannot list ${path}: ${reason(err)}`);
  }
}

/** Prefixes a parser's error with the file it came from (parsers only know the file's kind). */
export function parsed<T>(path: string, text: Reading<string>, parse: (t: string) => Reading<T>): Reading<T> {
  if (!text.ok) return text;
  const r = parse(text.value);
  return r.ok ? r : fail(`${path}: ${r.error}`);
}
