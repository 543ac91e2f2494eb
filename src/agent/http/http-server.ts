// The agent's small read-only HTTP server: Node's http module with every limit set (header size, open
// connections, header and request timeouts), exact-path routing, 404 for unknown paths and 405 for any
// method but GET/HEAD. Knows nothing of PVs: routes are handlers given by web-server.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GwError } from '../../errors.js';
import type { Logger } from '../../log.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpLimits {
  /** Bytes of request line + headers; more gets 431 (Node's parser refuses them). */
  maxHeaderBytes: number;
  /** Open TCP connections; more are closed at once by the server. */
  maxConnections: number;
  /** Time for a client to send its headers (slowloris). */
  headersTimeoutMs: number;
  /** Time for a client to send its whole request. */
  requestTimeoutMs: number;
  /** Idle time of a kept-alive connection between requests. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderBytes: 8192,
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
};

/** Headers on every answer: nothing may be framed, sniffed, or fetched from elsewhere. */
export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: ReadonlyMap<string, RouteHandler>;
  limits?: Partial<HttpLimits>;
  log: Logger;
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(body);
}

export class HttpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly limits: HttpLimits;

  constructor(private readonly opts: HttpServerOptions) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
    const l = this.limits;
    this.server = createServer(
      {
        maxHeaderSize: l.maxHeaderBytes,
        headersTimeout: l.headersTimeoutMs,
        requestTimeout: l.requestTimeoutMs,
        keepAliveTimeout: l.keepAliveTimeoutMs,
        // Node enforces the two timeouts above on this period (default 30 s), so a slow sender is cut
        // after 1 to 1.5 times its timeout. Each check wakes the idle agent up: not more often than that.
        connectionsCheckingInterval: Math.max(100, Math.min(l.headersTimeoutMs, l.requestTimeoutMs) / 2),
      },
      (req, res) => void this.handle(req, res),
    );
    this.server.maxConnections = l.maxConnections;
    // No request bodies are accepted, so nothing needs more than a few headers.
    this.server.maxHeadersCount = 64;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // The answers Node's default handler gives (a listener replaces it), logged at debug level only:
      // a scanner must not flood the agent's log.
      this.opts.log.debug(`HTTP client ${socket.remoteAddress ?? '?'}: ${err.code ?? err.message}`);
      if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(
          new GwError(
            'GW_IO',
            `[http] cannot listen on ${this.opts.host}:${this.opts.port}: ${err.code ?? err.message}`,
            { cause: err },
          ),
        );
      this.server.once('error', onError);
      this.server.listen({ host: this.opts.host, port: this.opts.port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.opts.log.warn(`HTTP server: ${err.message}`));
        resolve(this.port);
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = this.opts.routes.get(path);
    if (!route) return sendText(res, 404, `not found: ${path.slice(0, 200)}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendText(res, 405, `method ${req.method ?? ''} not allowed: this server is read-only\n`, {
        Allow: 'GET, HEAD',
      });
    try {
      await route(req, res);
    } catch (err) {
      this.opts.log.warn(`HTTP ${path}: ${(err as Error).message}`);
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    }
  }

  /** Stops listening and closes every connection (live-update streams included). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
