// The agent's read-only web views, composed: `/` (status page and its own assets from web/, no CDN),
// `/events` (live updates), `/metrics` (Prometheus) and `/healthz` (the verdict `gwagent status --health`
// gives). Everything is read from the PVs through the CA server's provider interface; nothing is written.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { HttpSettings } from '../../gwconfig/index.js';
import { healthVerdict } from '../../ioc/health/verdict.js';
import type { PvProvider } from '../../ioc/server/pv.js';
import type { Logger } from '../../log.js';
import { HttpServer, SECURITY_HEADERS, sendText, type HttpLimits, type RouteHandler } from './http-server.js';
import { LiveFeed } from './live-feed.js';
import { createMetricsRegistry } from './metrics.js';
import { PvReader, formatSnapshot } from './pv-view.js';

/** The page's files, shipped in web/ beside src/ and dist/ (both two levels below it). */
const WEB_DIR = new URL('../../../web/', import.meta.url);
const ASSETS: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

export interface WebServerOptions {
  settings: HttpSettings;
  provider: PvProvider;
  prefix: string;
  container: string;
  gateways: () => readonly string[];
  disks: () => readonly string[];
  log: Logger;
  /** Tests shorten the timeouts. */
  limits?: Partial<HttpLimits>;
  /** Live-update tuning (tests). */
  feed?: { coalesceMs?: number; maxBufferedBytes?: number; tickMs?: number };
}

function sendAsset(res: ServerResponse, body: Buffer, type: string): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

export class WebServer {
  readonly feed: LiveFeed;
  private readonly http: HttpServer;

  private constructor(o: WebServerOptions) {
    const reader = new PvReader(o.provider, o.prefix);
    this.feed = new LiveFeed({
      reader,
      container: o.container,
      names: () => ({ gateways: o.gateways(), disks: o.disks() }),
      maxClients: o.settings.maxEventClients,
      ...o.feed,
    });
    const registry = createMetricsRegistry({
      reader,
      container: o.container,
      gateways: o.gateways,
      disks: o.disks,
    });
    const routes = new Map<string, RouteHandler>();
    for (const [path, [file, type]] of Object.entries(ASSETS)) {
      const body = readFileSync(new URL(file, WEB_DIR));
      routes.set(path, (_req, res) => sendAsset(res, body, type));
    }
    routes.set('/events', (req, res) => this.feed.attach(req, res));
    routes.set('/metrics', async (_req, res) => {
      const text = await registry.metrics();
      sendText(res, 200, text, { 'Content-Type': registry.contentType });
    });
    routes.set('/healthz', (_req, res) => {
      const status = reader.snapshot('STATUS');
      const message = reader.snapshot('STATUS_MSG');
      const verdict = healthVerdict({
        ...(status ? { status: Number(status.value[0]) } : { error: `no PV ${o.prefix}STATUS` }),
        ...(message ? { message: formatSnapshot(message) } : {}),
      });
      sendText(res, verdict.isHealthy ? 200 : 503, `${verdict.text}\n`);
    });
    this.http = new HttpServer({
      host: o.settings.address,
      port: o.settings.port,
      routes,
      limits: { maxConnections: o.settings.maxConnections, ...o.limits },
      log: o.log,
    });
  }

  static async start(o: WebServerOptions): Promise<WebServer> {
    const server = new WebServer(o);
    const port = await server.http.listen();
    o.log.info(`status page, /metrics and /healthz on http://${o.settings.address}:${port}/`);
    return server;
  }

  get port(): number {
    return this.http.port;
  }

  async close(): Promise<void> {
    this.feed.close();
    await this.http.close();
  }
}
