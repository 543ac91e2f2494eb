// Client side of the control channel, for the CLI and tests: one request and its JSON answer, or a
// request that turns the connection into a stream (follow, console). Errors become GwError with the
// server's code, or GW_CONTROL when the agent cannot be reached.
import { createConnection, type Socket } from 'node:net';
import { ERROR_CODES, GwError, type ErrorCode } from '../errors.js';
import { encodeLine, LineSplitter, type ControlRequest, type ControlResponse } from './control-protocol.js';

type OkResponse = Extract<ControlResponse, { ok: true }>;

function connect(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new GwError(
          'GW_CONTROL',
          `cannot reach the agent at ${socketPath}: ${err.code ?? err.message} (is gwagent running? see --socket / GWAGENT_SOCKET)`,
          {
            cause: err,
          },
        ),
      );
    });
  });
}

function toError(response: Extract<ControlResponse, { ok: false }>): GwError {
  const code: ErrorCode = response.error.code in ERROR_CODES ? response.error.code : 'GW_CONTROL';
  return new GwError(code, response.error.message);
}

/** Reads the first response line; resolves with it and the bytes that came after it. */
function readResponse(socket: Socket, timeoutMs: number): Promise<{ response: OkResponse; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const splitter = new LineSplitter(16 * 1024 * 1024);
    const timer =
      timeoutMs > 0
        ? setTimeout(
            () => fail(new GwError('GW_CONTROL', `no answer from the agent within ${timeoutMs} ms`)),
            timeoutMs,
          )
        : undefined;
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', fail);
    };
    function fail(err: Error): void {
      cleanup();
      socket.destroy();
      reject(
        err instanceof GwError
          ? err
          : new GwError('GW_CONTROL', `control connection failed: ${err.message}`, { cause: err }),
      );
    }
    function onClose(): void {
      fail(new GwError('GW_CONTROL', 'the agent closed the connection without an answer'));
    }
    function onData(chunk: Buffer): void {
      splitter.push(chunk);
      let line: string | undefined;
      try {
        line = splitter.nextLine();
      } catch (err) {
        fail(err as Error);
        return;
      }
      if (line === undefined) return;
      // Stream bytes after the answer must wait for the caller's own 'data' listener.
      socket.pause();
      cleanup();
      let response: ControlResponse;
      try {
        response = JSON.parse(line) as ControlResponse;
      } catch {
        socket.destroy();
        reject(new GwError('GW_CONTROL', 'the agent sent an answer that is not JSON'));
        return;
      }
      if (!response.ok) {
        socket.destroy();
        reject(toError(response));
        return;
      }
      resolve({ response, rest: splitter.takeRest() });
    }
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', fail);
  });
}

/** Sends one request and returns the agent's answer; throws GwError if the agent reports an error. */
export async function controlRequest(
  socketPath: string,
  request: ControlRequest,
  timeoutMs = 60_000,
): Promise<OkResponse> {
  const socket = await connect(socketPath);
  socket.write(encodeLine(request));
  try {
    const { response } = await readResponse(socket, timeoutMs);
    return response;
  } finally {
    socket.end();
  }
}

/** A connection switched to raw bytes after the agent accepted a follow or console request. */
export interface ControlStream {
  socket: Socket;
  /** The accepting answer (follow carries the tail in `text`). */
  response: OkResponse;
  /** Stream bytes that arrived together with the answer; handle them before the socket's 'data'. */
  initial: Buffer;
}

/** Opens a follow or console stream. The socket is paused: attach a 'data' listener, then resume(). */
export async function openControlStream(
  socketPath: string,
  request: Extract<ControlRequest, { cmd: 'follow' | 'console' }>,
  timeoutMs = 10_000,
): Promise<ControlStream> {
  const socket = await connect(socketPath);
  socket.write(encodeLine(request));
  const { response, rest } = await readResponse(socket, timeoutMs);
  return { socket, response, initial: rest };
}
