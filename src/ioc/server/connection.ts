// Socket adapter for one circuit: wires a net.Socket to the sans-I/O Circuit, applies backpressure
// ('drain'), and drops a client that stops reading for too long or lets its backlog grow past a bound.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log.js';
import { versionMessage } from '../../ca/messages.js';
import { Circuit } from './circuit.js';
import type { PvProvider } from './pv.js';

export interface ConnectionLimits {
  /** A client whose socket has not drained for this long is disconnected. */
  stallTimeoutMs: number;
  /** Bytes buffered in the socket beyond which a client is disconnected at once. */
  maxBacklogBytes: number;
  maxPayload: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  stallTimeoutMs: 30_000,
  maxBacklogBytes: 64 * 1024 * 1024,
  maxPayload: 256 * 1024 * 1024,
};

export function attachCircuit(
  socket: Socket,
  provider: PvProvider,
  log: Logger,
  limits: ConnectionLimits,
): Circuit {
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 15_000);
  let stallTimer: NodeJS.Timeout | undefined;
  const clearStall = () => {
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = undefined;
  };
  const circuit: Circuit = new Circuit(
    provider,
    { ip: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''), port: socket.remotePort ?? 0 },
    {
      write(data) {
        if (socket.destroyed) return false;
        const ok = socket.write(data);
        if (socket.writableLength > limits.maxBacklogBytes) {
          log.warn(
            `disconnecting ${circuit.description}: ${socket.writableLength} bytes unread (slow client)`,
          );
          socket.destroy();
          return false;
        }
        if (!ok && !stallTimer) {
          stallTimer = setTimeout(() => {
            log.warn(
              `disconnecting ${circuit.description}: not reading for ${limits.stallTimeoutMs} ms (stalled client)`,
            );
            socket.destroy();
          }, limits.stallTimeoutMs);
          stallTimer.unref();
        }
        return ok;
      },
      close() {
        clearStall();
        // Closed by the peer (the usual case): nothing to end, and no timer to leave behind per circuit.
        if (socket.destroyed) return;
        socket.end();
        // A peer that never reads would hold the socket half-open: force it shut.
        const force = setTimeout(() => socket.destroy(), 2_000).unref();
        socket.once('close', () => clearTimeout(force));
      },
      defer(fn) {
        setImmediate(fn);
      },
      pauseInput() {
        socket.pause();
      },
      resumeInput() {
        socket.resume();
      },
      setTimer(fn, ms) {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
      now: () => performance.now(),
    },
    log,
    limits.maxPayload,
  );
  circuit.localPort = socket.localPort ?? 0;
  socket.on('data', (chunk: Buffer) => circuit.receive(chunk));
  socket.on('drain', () => {
    clearStall();
    circuit.resume();
  });
  socket.on('error', (err) => log.debug(`socket error from ${circuit.description}: ${err.message}`));
  socket.on('close', () => {
    clearStall();
    circuit.close();
  });
  // rsrv sends its VERSION unsolicited, at once.
  circuit.reply(versionMessage());
  circuit.flush();
  return circuit;
}
