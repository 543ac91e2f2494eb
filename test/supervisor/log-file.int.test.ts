// The rotating log file on a real file system: rotation keeps N files of at most maxBytes, and an
// unusable log dir is counted as an error, drops data instead of throwing, and recovers after the retry time.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotatingLogFile } from '../../src/supervisor/log-file.js';
import { FakeClock } from './fakes.js';
import { tempDir } from './int-helpers.js';

describe('RotatingLogFile', () => {
  it('rotates name.log -> name.log.1 -> name.log.2 and drops the oldest', async () => {
    const dir = tempDir();
    const path = join(dir, 'gw.log');
    const log = new RotatingLogFile(path, { maxBytes: 10, keep: 2, clock: new FakeClock() });
    for (const chunk of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'dddddd', 'dddd', 'eeeee'])
      log.write(chunk);
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('eeeee');
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('dddddddddd');
    expect(readFileSync(`${path}.2`, 'utf8')).toBe('cccccccccc');
    expect(existsSync(`${path}.3`)).toBe(false);
    expect(log.status()).toEqual({
      path,
      bytesWritten: 45,
      errors: 0,
      lastError: undefined,
      droppedBytes: 0,
    });
  });

  it('splits a write that crosses the limit; keep 0 keeps only the current file', async () => {
    const dir = tempDir();
    const path = join(dir, 'gw.log');
    const log = new RotatingLogFile(path, { maxBytes: 4, keep: 0, clock: new FakeClock() });
    log.write('0123456789');
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('89');
    expect(existsSync(`${path}.1`)).toBe(false);
  });

  it('appends to an existing file and counts its size towards the limit', async () => {
    const dir = tempDir();
    const path = join(dir, 'gw.log');
    writeFileSync(path, '12345678');
    const log = new RotatingLogFile(path, { maxBytes: 10, keep: 1, clock: new FakeClock() });
    log.write('abcd');
    await log.close();
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('12345678ab');
    expect(readFileSync(path, 'utf8')).toBe('cd');
  });

  it('an unusable log dir: counts the error, drops data, never throws, retries later', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'logs');
    writeFileSync(blocker, 'a file where the log dir should be');
    const clock = new FakeClock();
    const log = new RotatingLogFile(join(blocker, 'gw.log'), {
      maxBytes: 1000,
      keep: 1,
      clock,
      retryMs: 5000,
    });
    log.write('first\n');
    await log.flush();
    const failed = log.status();
    expect(failed.errors).toBe(1);
    expect(failed.lastError).toMatch(/ENOTDIR|EEXIST/);
    expect(failed.droppedBytes).toBe(0); // the failed chunk was taken off the queue already
    log.write('during backoff\n');
    await log.flush();
    expect(log.status()).toMatchObject({ errors: 1, droppedBytes: 15 });
    rmSync(blocker);
    mkdirSync(blocker);
    clock.advance(5000);
    log.write('after\n');
    await log.close();
    expect(readFileSync(join(blocker, 'gw.log'), 'utf8')).toBe('after\n');
    expect(log.status()).toMatchObject({ errors: 1, bytesWritten: 6, droppedBytes: 15 });
  });

  it('drops data beyond the queue limit instead of buffering without bound', async () => {
    const dir = tempDir();
    const path = join(dir, 'gw.log');
    const log = new RotatingLogFile(path, {
      maxBytes: 1 << 20,
      keep: 1,
      clock: new FakeClock(),
      maxQueueBytes: 100,
    });
    for (let i = 0; i < 50; i++) log.write('x'.repeat(10));
    await log.close();
    const s = log.status();
    expect(s.bytesWritten + s.droppedBytes).toBe(500);
    expect(s.droppedBytes).toBeGreaterThan(0);
    expect(statSync(path).size).toBe(s.bytesWritten);
  });
});
