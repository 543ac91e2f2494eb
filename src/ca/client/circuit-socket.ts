// Thin TCP adapter around one ClientCircuit: opens the socket, feeds it received bytes, writes what the
// circuit queued (once per turn of the event loop, so a burst of requests is one write), and runs the
// liveness timer. It decides nothing: events go to the client, which owns channels and requests.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ClientCircuit, type CircuitEvent, type CircuitOptions } from './circuit.js';

export interface CircuitSocketHandlers {
  onEvents(socket: CircuitSocket, events: CircuitEvent[]): void;
  onClose(socket: CircuitSocket, reason: string): void;
}

export class CircuitSocket {
  readonly circuit: ClientCircuit;
  readonly key: string;
  /** CIDs of the channels living on this circuit. */
  readonly channels = new Set<number>();
  private readonly socket: net.Socket;
  private flushQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastError: Error | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    options: CircuitOptions,
    private readonly handlers: CircuitSocketHandlers,
  ) {
    this.key = `${host}:${port}`;
    this.circuit = new ClientCircuit(options, performance.now());
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => (this.lastError = err));
    this.socket.on('close', () => this.onClosed());
    this.flushSoon();
    this.armTimer();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes everything the circuit has queued, after the current synchronous work. */
  flushSoon(): void {
    if (this.flushQueued || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      const out = this.circuit.takeOutput();
      if (out && !this.closed) this.socket.write(out);
    });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.lastError ??= new Error(reason);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const events = this.circuit.receive(chunk, performance.now());
    if (events.length) this.handlers.onEvents(this, events);
    if (this.circuit.isFailed) this.close('protocol error');
    else this.flushSoon();
  }

  private armTimer(): void {
    if (this.closed) return;
    const delay = Math.max(0, this.circuit.nextDeadlineMs() - performance.now());
    this.timer = setTimeout(() => this.onTimer(), Math.ceil(delay) + 1);
    this.timer.unref();
  }

  private onTimer(): void {
    const events = this.circuit.tick(performance.now());
    if (events.length) this.handlers.onEvents(this, events);
    if (this.circuit.isFailed) {
      this.close('server unresponsive');
      return;
    }
    this.flushSoon();
    this.armTimer();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.handlers.onClose(this, this.lastError?.message ?? 'server closed the circuit');
  }
}
