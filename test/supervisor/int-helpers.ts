// Shared helpers of the supervisor's integration tests: temp dirs, fixture paths, waiting for a state;
// polling and the process-gone check come from test/support/procs.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Supervisor } from '../../src/supervisor/supervisor.js';
import type { ChildState } from '../../src/supervisor/types.js';
import { isGone, waitFor } from '../support/procs.js';

export { isGone, waitFor };

export const FIXTURES = fileURLToPath(new URL('../fixtures/programs/', import.meta.url));

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function tempDir(prefix = 'gwagent-sup-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function waitForState(
  sup: Supervisor,
  name: string,
  state: ChildState,
  timeoutMs = 10_000,
): Promise<true> {
  return waitFor(() => sup.snapshot(name).state === state || undefined, timeoutMs, `${name} to be ${state}`);
}

export function readPids(file: string): number[] | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : text.split(/\s+/).map(Number);
  } catch {
    return undefined;
  }
}
