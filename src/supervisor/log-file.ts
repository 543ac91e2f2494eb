// A child's console log file with size-based rotation (name.log, name.log.1 ... name.log.N). Writes are
// queued and done asynchronously, so the agent never blocks on a slow disk; errors (unwritable dir,
// disk full) are counted and the data dropped until a retry time, never thrown. No file ever exceeds
// maxBytes: a write that would cross the limit is split across the rotation.
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock, LogSink } from './ports.js';

export interface RotatingLogOptions {
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep: number;
  clock: Clock;
  /** After an error, data is dropped until this much time passed, then writing is tried again. */
  retryMs?: number;
  /** Data waiting for the disk beyond this is dropped (and counted). */
  maxQueueBytes?: number;
}

export class RotatingLogFile implements LogSink {
  private readonly path: string;
  private maxBytes: number;
  private keep: number;
  private readonly clock: Clock;
  private readonly retryMs: number;
  private readonly maxQueueBytes: number;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private handle: FileHandle | undefined;
  private size = 0;
  private pumping: Promise<void> | undefined;
  private retryAt = 0;
  private bytesWritten = 0;
  private errors = 0;
  private lastError: string | undefined;
  private droppedBytes = 0;
  private isClosed = false;

  constructor(path: string, options: RotatingLogOptions) {
    this.path = path;
    this.maxBytes = options.maxBytes;
    this.keep = options.keep;
    this.clock = options.clock;
    this.retryMs = options.retryMs ?? 5000;
    this.maxQueueBytes = options.maxQueueBytes ?? 1024 * 1024;
  }

  write(data: string): void {
    const buf = Buffer.from(data, 'utf8');
    if (buf.length === 0) return;
    if (
      this.isClosed ||
      this.clock.now() < this.retryAt ||
      this.queuedBytes + buf.length > this.maxQueueBytes
    ) {
      this.droppedBytes += buf.length;
      return;
    }
    this.queue.push(buf);
    this.queuedBytes += buf.length;
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  status() {
    return {
      path: this.path,
      bytesWritten: this.bytesWritten,
      errors: this.errors,
      lastError: this.lastError,
      droppedBytes: this.droppedBytes,
    };
  }

  setLimits(maxBytes: number, keep: number): void {
    this.maxBytes = maxBytes;
    this.keep = keep;
  }

  /** Resolves once everything queued so far is on disk (or dropped). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  async close(): Promise<void> {
    await this.flush();
    this.isClosed = true;
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const chunk = Buffer.concat(this.queue);
      this.queue = [];
      this.queuedBytes = 0;
      try {
        await this.writeChunk(chunk);
      } catch (err) {
        this.errors++;
        this.lastError = `${(err as Error).message}`;
        this.retryAt = this.clock.now() + this.retryMs;
        this.droppedBytes += this.queuedBytes;
        this.queue = [];
        this.queuedBytes = 0;
        const h = this.handle;
        this.handle = undefined;
        await h?.close().catch(() => undefined);
      }
    }
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.handle) await this.openFile();
      if (this.size >= this.maxBytes) {
        await this.rotate();
        continue;
      }
      const part = chunk.subarray(offset, offset + (this.maxBytes - this.size));
      const { bytesWritten } = await this.handle!.write(part);
      this.size += bytesWritten;
      this.bytesWritten += bytesWritten;
      offset += bytesWritten;
    }
  }

  private async openFile(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const h = await open(this.path, 'a', 0o640);
    this.handle = h;
    this.size = (await h.stat()).size;
  }

  private async rotate(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
    if (this.keep === 0) {
      await unlink(this.path).catch(ignoreMissing);
    } else {
      await unlink(`${this.path}.${this.keep}`).catch(ignoreMissing);
      for (let i = this.keep - 1; i >= 1; i--) {
        await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(ignoreMissing);
      }
      await rename(this.path, `${this.path}.1`).catch(ignoreMissing);
    }
    await this.openFile();
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
