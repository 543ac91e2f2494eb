// Test helpers for the health sampler: fixture paths and a writable copy of a fixture tree.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export function fixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'latin1');
}

/** Copies fixture directories into a fresh temp dir; returns its path and a cleanup function. */
export async function tempTree(copies: Record<string, string>): Promise<{
  root: string;
  write: (rel: string, text: string) => Promise<void>;
  cleanup: () => Promise<void>;
}> {
  const root = await mkdtemp(join(tmpdir(), 'gwagent-health-'));
  for (const [dest, src] of Object.entries(copies)) {
    await cp(join(FIXTURES, src), join(root, dest), { recursive: true });
  }
  return {
    root,
    write: (rel, text) => writeFile(join(root, rel), text),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
