// SIGTERM handling: stop everything, then exit 0; a second signal exits 1 at once.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installShutdownHandlers } from '../../src/supervisor/shutdown.js';

class FakeProcess extends EventEmitter {
  exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('installShutdownHandlers', () => {
  it('SIGTERM: beforeClose, close, then exit 0', async () => {
    const target = new FakeProcess();
    const order: string[] = [];
    const closing = deferred();
    installShutdownHandlers(
      { close: () => (order.push('close'), closing.promise) },
      { target, beforeClose: () => void order.push('before'), log: (m) => order.push(m) },
    );
    target.emit('SIGTERM');
    await Promise.resolve();
    expect(target.exits).toEqual([]);
    closing.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['SIGTERM: stopping all children', 'before', 'close']);
    expect(target.exits).toEqual([0]);
    expect(target.listenerCount('SIGTERM')).toBe(0);
  });

  it('a second signal while stopping exits 1 at once', () => {
    const target = new FakeProcess();
    const logs: string[] = [];
    installShutdownHandlers({ close: () => new Promise(() => {}) }, { target, log: (m) => logs.push(m) });
    target.emit('SIGINT');
    target.emit('SIGTERM');
    expect(target.exits).toEqual([1]);
    expect(logs).toEqual([
      'SIGINT: stopping all children',
      'SIGTERM again: exiting without waiting for the children',
    ]);
  });

  it('a failing close exits 1; uninstall removes the handlers', async () => {
    const target = new FakeProcess();
    installShutdownHandlers(
      { close: () => Promise.reject(new Error('disk gone')) },
      { target, log: () => {} },
    );
    target.emit('SIGTERM');
    await new Promise((r) => setTimeout(r, 0));
    expect(target.exits).toEqual([1]);
    const other = new FakeProcess();
    const uninstall = installShutdownHandlers({ close: () => Promise.resolve() }, { target: other });
    uninstall();
    expect(other.listenerCount('SIGTERM') + other.listenerCount('SIGINT')).toBe(0);
  });
});
