// Server-sent events for the status page: subscribes in-process to the records the page shows (the same
// posts the CA server's monitors get), coalesces changes into one `update` event per period, and fans it
// out to every open page. A client whose socket buffer passes a bound is dropped (its browser reconnects
// and gets a fresh snapshot), so a slow reader never holds memory or blocks the CA server or supervisor.
// Subscribes only while at least one page is open: with none, it costs nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS, sendText } from './http-server.js';
import { cellOf, PAGE_GATEWAY, type Cell, type PageLayout, type PvReader } from './pv-view.js';

export interface LiveFeedOptions {
  reader: PvReader;
  /** Container name and label shown in the page title. */
  container: string;
  /** Current gateways and disks (they change on reload). */
  names: () => { gateways: readonly string[]; disks: readonly string[] };
  maxClients: number;
  /** Changes arriving within this period go out as one event. */
  coalesceMs?: number;
  /** Bytes a client may have unsent before it is dropped. */
  maxBufferedBytes?: number;
  /** Period of the layout check (gateways added or removed) and keep-alive comments. */
  tickMs?: number;
}

interface Client {
  res: ServerResponse;
}

export class LiveFeed {
  private readonly clients = new Set<Client>();
  private readonly unsubscribes: (() => void)[] = [];
  private readonly cells = new Map<string, Cell>();
  private readonly dirty = new Set<string>();
  private layout: PageLayout = { health: [], titles: {}, gateways: [] };
  private flushTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private ticks = 0;
  /** Clients dropped for reading too slowly (for the log and tests). */
  droppedCount = 0;
  private readonly coalesceMs: number;
  private readonly maxBufferedBytes: number;

  constructor(private readonly o: LiveFeedOptions) {
    this.coalesceMs = o.coalesceMs ?? 200;
    this.maxBufferedBytes = o.maxBufferedBytes ?? 256 * 1024;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** GET /events: answers with the full state, then streams updates until the client leaves. */
  attach(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= this.o.maxClients)
      return sendText(res, 503, `too many status pages open (${this.o.maxClients})\n`, {
        'Retry-After': '10',
      });
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') return void res.end();
    const client: Client = { res };
    if (this.clients.size === 0) this.subscribeAll();
    this.clients.add(client);
    res.socket?.setNoDelay(true);
    // The request timeouts guard the request only; an event stream is meant to stay open.
    res.socket?.setTimeout(0);
    const leave = (): void => this.detach(client);
    res.once('close', leave);
    this.send(client, `retry: 2000\n${this.snapshotEvent()}`);
  }

  private detach(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (!client.res.destroyed) client.res.destroy();
    if (this.clients.size === 0) this.unsubscribeAll();
  }

  private snapshotEvent(): string {
    const state = {
      container: this.o.container,
      health: this.layout.health,
      titles: this.layout.titles,
      gateways: this.layout.gateways,
      columns: PAGE_GATEWAY,
      cells: Object.fromEntries(this.cells),
    };
    return `event: snapshot\ndata: ${JSON.stringify(state)}\n\n`;
  }

  private subscribeAll(): void {
    const { gateways, disks } = this.o.names();
    this.layout = this.o.reader.layout(gateways, disks);
    for (const suffix of this.o.reader.pageSuffixes(this.layout)) {
      const first = this.o.reader.snapshot(suffix);
      if (first) this.cells.set(suffix, cellOf(first));
      const off = this.o.reader.subscribe(suffix, (snap) => this.changed(suffix, cellOf(snap)));
      if (off) this.unsubscribes.push(off);
    }
    this.tickTimer = setInterval(() => this.tick(), this.o.tickMs ?? 2000);
    this.tickTimer.unref();
  }

  private unsubscribeAll(): void {
    for (const off of this.unsubscribes.splice(0)) off();
    this.cells.clear();
    this.dirty.clear();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.flushTimer = this.tickTimer = undefined;
  }

  private changed(suffix: string, cell: Cell): void {
    const old = this.cells.get(suffix);
    if (old && old[0] === cell[0] && old[1] === cell[1]) return;
    this.cells.set(suffix, cell);
    this.dirty.add(suffix);
    this.flushTimer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.dirty.size === 0) return;
    const delta: Record<string, Cell> = {};
    for (const k of this.dirty) delta[k] = this.cells.get(k)!;
    this.dirty.clear();
    this.broadcast(`event: update\ndata: ${JSON.stringify(delta)}\n\n`);
  }

  /** Gateways added or removed (a reload): resubscribe and send everyone a new snapshot. */
  private tick(): void {
    const { gateways, disks } = this.o.names();
    const next = this.o.reader.layout(gateways, disks);
    if (JSON.stringify(next) !== JSON.stringify(this.layout)) {
      const clients = [...this.clients];
      this.unsubscribeAll();
      this.subscribeAll();
      for (const c of clients) this.send(c, this.snapshotEvent());
      return;
    }
    // A comment every ~16 s keeps proxies from closing the stream and finds vanished clients.
    if (++this.ticks % 8 === 0) this.broadcast(': keep-alive\n\n');
  }

  private broadcast(chunk: string): void {
    for (const c of [...this.clients]) this.send(c, chunk);
  }

  private send(client: Client, chunk: string): void {
    const { res } = client;
    if (res.writableLength > this.maxBufferedBytes) {
      this.droppedCount++;
      return this.detach(client);
    }
    res.write(chunk);
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const c of [...this.clients]) this.detach(c);
  }
}
