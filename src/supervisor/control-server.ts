// The agent's control channel: a unix socket (mode 0600 by default) speaking the line-delimited JSON
// protocol of control-protocol.ts, plus optional TCP consoles (one port per child, loopback unless
// configured; off by default; unlike procServ's console there is no control over TCP). Translates
// requests into Supervisor calls; owns no supervision logic.
import { lstat, mkdir, chmod, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { GwError, type ErrorCode } from '../errors.js';
import {
  encodeLine,
  LineSplitter,
  parseRequest,
  type ControlRequest,
  type ControlResponse,
  type HealthSummary,
} from './control-protocol.js';
import type { LockHolder } from './instance-lock.js';
import type { Supervisor } from './supervisor.js';

/** A console on a TCP port for one child, procServ-style (telnet/nc). */
export interface TcpConsoleOptions {
  /** The child whose console this port serves. */
  name: string;
  /** 0 picks a free port (see ControlServer.tcpConsoles for the bound one). */
  port: number;
  /** Default 127.0.0.1. Anything else exposes the console to the network. */
  host?: string;
  readOnly?: boolean;
}

export interface ControlServerOptions {
  socketPath: string;
  /** File mode of the socket: 0o600 (default, agent's user only) or 0o660 (plus its group). */
  mode?: number;
  /** The agent's instance lock, reported by `status`. */
  holder?: LockHolder;
  /** Answers `pvs`: the names served, matching a dbgrep pattern. Without it, pvs is refused. */
  listPvs?: (pattern: string) => string[];
  /** Called for `reload`; its result is returned to the client. Without it, reload is refused. */
  onReload?: () => unknown;
  /** The agent's health summary: added to the `status` answer, and the answer to `health` (the
   * container's health check). Without it, health is refused. */
  health?: () => HealthSummary;
  tcpConsoles?: readonly TcpConsoleOptions[];
  /** A slow follow/console client gets output dropped once this much is waiting for it. Default 1 MiB. */
  maxClientBacklogBytes?: number;
}

export interface ControlServer {
  readonly socketPath: string;
  readonly tcpConsoles: readonly { name: string; host: string; port: number }[];
  /** Stops listening, drops every client and removes the socket file. */
  close(): Promise<void>;
}

export async function startControlServer(
  sup: Supervisor,
  options: ControlServerOptions,
): Promise<ControlServer> {
  const connections = new Set<Socket>();
  const backlog = options.maxClientBacklogBytes ?? 1024 * 1024;
  const track = (socket: Socket): void => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const unixServer = createServer((socket) => {
    track(socket);
    serveRequests(sup, socket, options, backlog);
  });
  await listenUnix(unixServer, options.socketPath, options.mode ?? 0o600);

  const tcpServers: Server[] = [];
  const tcpConsoles: { name: string; host: string; port: number }[] = [];
  try {
    for (const tcp of options.tcpConsoles ?? []) {
      const host = tcp.host ?? '127.0.0.1';
      const server = createServer((socket) => {
        track(socket);
        if (!sup.has(tcp.name)) {
          socket.end(`@@@ gwagent: no such child: ${tcp.name}\r\n`);
          return;
        }
        socket.write(
          `@@@ gwagent: console of ${tcp.name}${tcp.readOnly ? ' (read-only)' : ''}; close the connection to detach\r\n`,
        );
        attachConsole(sup, socket, tcp.name, tcp.readOnly ?? false, Buffer.alloc(0), backlog);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(tcp.port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      tcpServers.push(server);
      const addr = server.address();
      tcpConsoles.push({
        name: tcp.name,
        host,
        port: typeof addr === 'object' && addr ? addr.port : tcp.port,
      });
    }
  } catch (err) {
    await closeServers([unixServer, ...tcpServers], connections);
    await rm(options.socketPath, { force: true });
    throw new GwError('GW_CONTROL', `cannot listen for TCP consoles: ${(err as Error).message}`, {
      cause: err,
    });
  }

  return {
    socketPath: options.socketPath,
    tcpConsoles,
    async close() {
      await closeServers([unixServer, ...tcpServers], connections);
      await rm(options.socketPath, { force: true });
    },
  };
}

async function closeServers(servers: Server[], connections: Set<Socket>): Promise<void> {
  for (const c of connections) c.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

/** Removes a stale socket file left by a dead agent; refuses if another agent still listens there. */
async function listenUnix(server: Server, path: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    if (!existing.isSocket()) throw new GwError('GW_CONTROL', `${path} exists and is not a socket`);
    if (await isListening(path)) throw new GwError('GW_IN_USE', `another agent is listening on ${path}`);
    await rm(path, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new GwError('GW_CONTROL', `cannot listen on ${path}: ${err.message}`, { cause: err })),
    );
    // bind() happens inside listen(), synchronously: the umask keeps the socket private from the start.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  await chmod(path, mode);
}

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function serveRequests(
  sup: Supervisor,
  socket: Socket,
  options: ControlServerOptions,
  backlog: number,
): void {
  const splitter = new LineSplitter();
  let isRaw = false;
  let isBusy = false;
  const reply = (response: ControlResponse): void => {
    if (socket.writable) socket.write(encodeLine(response));
  };
  const drain = async (): Promise<void> => {
    if (isBusy) return;
    isBusy = true;
    try {
      while (!isRaw && !socket.destroyed) {
        let line: string | undefined;
        try {
          line = splitter.nextLine();
        } catch (err) {
          reply(errorResponse(err));
          socket.end();
          return;
        }
        if (line === undefined) break;
        if (line.trim() === '') continue;
        try {
          const request = parseRequest(line);
          if (request.cmd === 'console' || request.cmd === 'follow') {
            const text = request.cmd === 'follow' ? sup.tail(request.name, request.lines ?? 0) : undefined;
            if (!sup.has(request.name)) throw new GwError('GW_CONTROL', `no such child: ${request.name}`);
            isRaw = true;
            reply(text === undefined ? { ok: true } : { ok: true, text });
            if (request.cmd === 'console') {
              attachConsole(
                sup,
                socket,
                request.name,
                request.readOnly ?? false,
                splitter.takeRest(),
                backlog,
              );
            } else {
              const stop = sup.followLog(request.name, writeLimited(socket, backlog, '\n'));
              socket.on('close', stop);
            }
            return;
          }
          reply(await handle(sup, request, options));
        } catch (err) {
          reply(errorResponse(err));
        }
      }
    } finally {
      isBusy = false;
    }
  };
  socket.on('data', (chunk: Buffer) => {
    if (isRaw) return; // console input is handled by attachConsole's own listener
    splitter.push(chunk);
    void drain();
  });
}

async function handle(
  sup: Supervisor,
  request: ControlRequest,
  options: ControlServerOptions,
): Promise<ControlResponse> {
  switch (request.cmd) {
    case 'status':
      return {
        ok: true,
        now: Date.now(),
        children: sup.snapshotAll(),
        ...(options.holder ? { holder: options.holder } : {}),
        ...(options.health ? { health: options.health() } : {}),
      };
    case 'start':
      if (request.name === 'all') sup.startAll();
      else sup.start(request.name);
      return { ok: true, children: pick(sup, request.name) };
    case 'stop':
      if (request.name === 'all') await sup.stopAll();
      else await sup.stop(request.name);
      return { ok: true, children: pick(sup, request.name) };
    case 'restart':
      if (request.name === 'all') await Promise.all(sup.names().map((n) => sup.restart(n)));
      else await sup.restart(request.name);
      return { ok: true, children: pick(sup, request.name) };
    case 'reload': {
      if (!options.onReload) throw new GwError('GW_CONTROL', 'this agent does not support reload');
      const result: unknown = await options.onReload();
      return result === undefined ? { ok: true } : { ok: true, result };
    }
    case 'logs':
      return { ok: true, text: sup.tail(request.name, request.lines) };
    case 'pvs':
      if (!options.listPvs) throw new GwError('GW_CONTROL', 'this agent serves no PVs');
      return { ok: true, names: options.listPvs(request.pattern ?? '*') };
    case 'health':
      if (!options.health) throw new GwError('GW_CONTROL', 'this agent does not report health');
      return { ok: true, health: options.health() };
    default:
      throw new GwError('GW_INTERNAL', `unhandled request ${request.cmd}`);
  }
}

function pick(sup: Supervisor, name: string) {
  return name === 'all' ? sup.snapshotAll() : [sup.snapshot(name)];
}

function errorResponse(err: unknown): ControlResponse {
  if (err instanceof GwError) return { ok: false, error: { code: err.code, message: err.message } };
  const code: ErrorCode = 'GW_INTERNAL';
  return { ok: false, error: { code, message: (err as Error).message } };
}

/** A writer that drops output for a client that does not keep up, instead of buffering without bound. */
function writeLimited(socket: Socket, backlog: number, newline: string): (data: string) => void {
  let isDropping = false;
  return (data) => {
    if (!socket.writable) return;
    if (socket.writableLength > backlog) {
      if (!isDropping) socket.write(`${newline}@@@ gwagent: output dropped, client too slow${newline}`);
      isDropping = true;
      return;
    }
    isDropping = false;
    socket.write(data);
  };
}

/** Read-write (or read-only) console: output of the child to the socket, socket bytes to the pty. */
function attachConsole(
  sup: Supervisor,
  socket: Socket,
  name: string,
  isReadOnly: boolean,
  initial: Buffer,
  backlog: number,
): void {
  const stop = sup.followConsole(name, writeLimited(socket, backlog, '\r\n'));
  socket.on('close', stop);
  const input = (chunk: Buffer): void => {
    if (!isReadOnly && sup.has(name)) sup.write(name, chunk);
  };
  if (initial.length > 0) input(initial);
  socket.on('data', input);
}
