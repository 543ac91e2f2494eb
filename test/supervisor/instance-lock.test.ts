// The instance lock in one process: flock belongs to an open file description, so a second lock on the
// same directory conflicts even here. Taken, refused with the holder named, released, taken again.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GwError } from '../../src/errors.js';
import { lockStateDir, parseHolder } from '../../src/supervisor/instance-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gwagent-lock-'));
  dirs.push(d);
  return d;
}

describe('lockStateDir', () => {
  it('writes the holder, refuses a second lock naming it, and can be taken again once released', () => {
    const dir = stateDir();
    const lock = lockStateDir(dir);
    const text = readFileSync(join(dir, 'agent.lock'), 'utf8');
    expect(parseHolder(text)).toEqual(lock.holder);
    expect(lock.holder).toMatchObject({ pid: process.pid, host: hostname(), stateDir: dir });
    // /proc/self/stat field 22, as the kernel reports it
    const stat = readFileSync('/proc/self/stat', 'utf8');
    expect(lock.holder.startTime).toBe(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);

    let refused: unknown;
    try {
      lockStateDir(dir);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(GwError);
    expect((refused as GwError).code).toBe('GW_LOCKED');
    expect((refused as GwError).message).toBe(
      `${dir} is in use by the agent with pid ${process.pid} on host ${hostname()} (holding it since ${lock.holder.since}); this agent exits without touching it`,
    );

    lock.release();
    expect(readFileSync(join(dir, 'agent.lock'), 'utf8')).toBe('');
    const again = lockStateDir(dir);
    expect(again.holder.pid).toBe(process.pid);
    again.release();
  });

  it('a directory that does not exist is a GW_IO error naming the lock file', () => {
    const path = join(stateDir(), 'missing', 'agent.lock');
    expect(() => lockStateDir(join(path, '..'))).toThrow(`cannot open ${path}: ENOENT`);
  });
});
