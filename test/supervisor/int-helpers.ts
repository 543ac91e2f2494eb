// Shared helpers of the supervisor's integration tests: temp dirs, polling, fixture paths, and a
// process-gone check that treats zombies as gone (the container's pid 1 may not reap orphans).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Supervisor } from '../../src/supervisor/supervisor.js';
import type { ChildState } from '../../src/supervisor/types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/programs/', import.meta.url));

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function tempDir(prefix = 'gwagent-sup-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function waitFor<T>(
  probe: () => T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function waitForState(
  sup: Supervisor,
  name: string,
  state: ChildState,
  timeoutMs = 10_000,
): Promise<true> {
  return waitFor(() => sup.snapshot(name).state === state || undefined, timeoutMs, `${name} to be ${state}`);
}

/** True when the pid does not exist or is a zombie. */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

export function readPids(file: string): number[] | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : text.split(/\s+/).map(Number);
  } catch {
    return undefined;
  }
}
