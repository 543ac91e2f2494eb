// Test-only helpers for the live robustness tests: a CA server on loopback (configured as the project
// rules require, with chosen connection limits), raw TCP CA peers that record what the server sends,
// heap measurement after a forced GC, and waiting utilities. Not a test file: no assertions.
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CaClient } from '../../src/ca/client/index.js';
import { startCaServer, type CaServer } from '../../src/ioc/server/ca-server.js';
import type { ConnectionLimits } from '../../src/ioc/server/connection.js';
import type { PvProvider } from '../../src/ioc/server/pv.js';
import { memoryLogger } from '../../src/log.js';
import { WireReader, type Wire } from './wire.js';
import { freePort } from '../support/ports.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

export { freePort };

export async function startServer(
  provider: PvProvider,
  limits: Partial<ConnectionLimits> = {},
): Promise<{ server: CaServer; port: number; log: ReturnType<typeof memoryLogger> }> {
  const port = await freePort();
  const beaconPort = await freePort();
  const log = memoryLogger();
  const server = await startCaServer({
    provider,
    log,
    limits,
    env: {
      ...LOOPBACK_SERVER_ENV,
      EPICS_CAS_BEACON_PORT: String(beaconPort),
      EPICS_CAS_SERVER_PORT: String(port),
    },
  });
  return { server, port, log };
}

/** A CaClient that searches only 127.0.0.1:port. */
export function loopbackClient(port: number): CaClient {
  return new CaClient({
    env: {},
    addrList: [`127.0.0.1:${port}`],
    autoAddrList: false,
    maxSearchPeriodMs: 500,
  });
}

/** A raw CA peer: records every message the server sends and whether the server closed the socket. */
export class RawPeer {
  readonly socket: net.Socket;
  readonly received: Wire[] = [];
  receivedBytes = 0;
  /** The server ended the connection (FIN or reset) before we closed it. */
  closedByServer = false;
  closed = false;
  private weClosed = false;
  private readonly reader = new WireReader();
  private waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => {
      this.receivedBytes += chunk.length;
      for (const m of this.reader.push(chunk)) this.received.push(m);
      this.wake();
    });
    this.socket.on('error', () => undefined);
    const onGone = () => {
      if (!this.weClosed) this.closedByServer = true;
      this.closed = true;
      this.wake();
    };
    this.socket.on('end', onGone);
    this.socket.on('close', onGone);
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === 'open') return resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(data: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(data);
  }

  /** Waits until a received message satisfies pred (checks those already received first). */
  async waitFor(pred: (m: Wire) => boolean, timeoutMs = 3000): Promise<Wire> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      if (this.closed || Date.now() > deadline) throw new Error('message not received');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  destroy(): void {
    this.weClosed = true;
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Forces a full GC (exposing it at run time) and returns the heap in use, in bytes. */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const MiB = 1024 * 1024;
