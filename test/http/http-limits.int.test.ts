// Issue 15, bad input: the agent's web server over real loopback sockets, in process, on a record
// database holding the PVs of 50 gateways. Unknown paths 404, writes 405, oversized headers 431, garbage
// 400, a connection cap, slow senders timed out (408), too many live pages 503, and a live-update
// client that stops reading is dropped while the others keep receiving coalesced updates.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayPvs } from '../../src/agent/gateway-records.js';
import { WebServer } from '../../src/agent/http/web-server.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';
import type { RecordHandle } from '../../src/ioc/db/index.js';
import { memoryLogger } from '../../src/log.js';

const P = 'T1:';
const GATEWAYS = Array.from({ length: 50 }, (_, i) => `GW${String(i).padStart(2, '0')}`);
const db = new RecordDatabase();
const pvs = new Map<string, GatewayPvs>();
let status: RecordHandle;
let web: WebServer;

const noop = (): void => undefined;

beforeAll(async () => {
  status = db.createRecord('mbbi', `${P}STATUS`, {
    ZRST: 'Ok',
    ONST: 'Degraded',
    TWST: 'Fault',
    ONSV: 'MINOR',
    TWSV: 'MAJOR',
    VAL: 0,
  });
  db.createRecord('stringin', `${P}STATUS_MSG`, { VAL: '' });
  for (const name of GATEWAYS)
    pvs.set(
      name,
      new GatewayPvs({
        db,
        prefix: P,
        name,
        label: `gateway ${name}`,
        controlAsg: 'GWCONTROL',
        alarms: {},
        autorestart: true,
        controls: { start: noop, stop: noop, restart: noop, reload: noop, setAutorestart: noop },
      }),
    );
  web = await WebServer.start({
    settings: { enabled: true, address: '127.0.0.1', port: 0, maxConnections: 8, maxEventClients: 3 },
    provider: db,
    prefix: P,
    container: 'T1',
    gateways: () => GATEWAYS,
    disks: () => [],
    log: memoryLogger(),
    limits: { headersTimeoutMs: 600, requestTimeoutMs: 1200, keepAliveTimeoutMs: 500 },
    feed: { coalesceMs: 5, maxBufferedBytes: 64 * 1024, tickMs: 500 },
  });
});

afterAll(() => web.close());

const url = (path: string): string => `http://127.0.0.1:${web.port}${path}`;

/** Sends raw bytes; resolves with everything the server wrote before it closed (or after `waitMs`). */
function raw(bytes: string, waitMs = 3000): Promise<{ text: string; isClosed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(web.port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, isClosed: false, ms: Date.now() - t0 });
    }, waitMs);
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, isClosed: true, ms: Date.now() - t0 });
    });
    s.write(bytes);
  });
}

function opened(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(web.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

describe('routing', () => {
  it('serves the page, its assets, /metrics and /healthz; 404 for anything else', async () => {
    for (const [path, type] of [
      ['/', 'text/html; charset=utf-8'],
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/style.css', 'text/css; charset=utf-8'],
      ['/metrics', 'text/plain; version=0.0.4; charset=utf-8'],
      ['/healthz', 'text/plain; charset=utf-8'],
    ]) {
      const res = await fetch(url(path!));
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 200, type]);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
    for (const path of ['/nope', '/metrics/', '/index.html', '/../etc/passwd', '/events/x']) {
      const res = await fetch(url(path));
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  it('is read-only: 405 with Allow for every method but GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(url('/metrics'), { method, ...(method === 'OPTIONS' ? {} : { body: 'x' }) });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'GET, HEAD']);
    }
    const head = await fetch(url('/metrics'), { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('/healthz follows STATUS: 200 Ok, 200 Degraded, 503 Fault, with STATUS_MSG', async () => {
    const msg = db.get(`${P}STATUS_MSG`)!;
    const cases: [number, string, number, string][] = [
      [0, '', 200, 'Ok\n'],
      [1, 'GW03:LOG_ERRS MINOR', 200, 'Degraded: GW03:LOG_ERRS MINOR\n'],
      [2, 'GW07:STATE MAJOR', 503, 'Fault: GW07:STATE MAJOR\n'],
    ];
    for (const [value, text, code, body] of cases) {
      status.set(value);
      msg.set(text);
      const res = await fetch(url('/healthz'));
      expect([res.status, await res.text()]).toEqual([code, body]);
    }
    status.set(0);
    msg.set('');
  });
});

describe('start', () => {
  it('names the address when the port is taken', async () => {
    const second = WebServer.start({
      settings: {
        enabled: true,
        address: '127.0.0.1',
        port: web.port,
        maxConnections: 8,
        maxEventClients: 1,
      },
      provider: db,
      prefix: P,
      container: 'T1',
      gateways: () => [],
      disks: () => [],
      log: memoryLogger(),
    });
    await expect(second).rejects.toThrow(`[http] cannot listen on 127.0.0.1:${web.port}: EADDRINUSE`);
  });
});

describe('bad requests', () => {
  it('refuses oversized headers with 431', async () => {
    const r = await raw(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(16_000)}\r\n\r\n`);
    expect(r.text.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(r.isClosed).toBe(true);
  });

  it('refuses garbage with 400', async () => {
    const r = await raw('HELLO\x00\x01 what\r\n\r\n');
    expect(r.text.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(r.isClosed).toBe(true);
  });

  it('times out a client that never finishes its headers (408), and still serves others', async () => {
    const slow = raw('GET /metrics HTTP/1.1\r\nHost: x\r\n', 5000);
    expect((await fetch(url('/healthz'))).status).toBe(200);
    const r = await slow;
    expect(r.isClosed).toBe(true);
    expect(r.text.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(r.ms).toBeGreaterThanOrEqual(500);
    expect(r.ms).toBeLessThan(3000);
  });

  it('caps open connections: the one past max_connections is closed at once', async () => {
    const held: Socket[] = [];
    try {
      await new Promise((r) => setTimeout(r, 100));
      while (web['http'].connectionCount < 8) held.push(await opened());
      const r = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
      expect([r.text, r.isClosed]).toEqual(['', true]);
    } finally {
      for (const s of held) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });
});

interface SseClient {
  socket: Socket;
  events: { event: string; data: unknown }[];
  close(): void;
}

/** A raw event-stream reader (as EventSource parses it: blank-line separated fields). */
async function sse(): Promise<SseClient> {
  const socket = await opened();
  const events: SseClient['events'] = [];
  let buf = '';
  let isBody = false;
  socket.on('data', (d) => {
    buf += d.toString('utf8');
    if (!isBody) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      buf = buf.slice(end + 4);
      isBody = true;
    }
    let sep;
    while ((sep = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  });
  socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
  return { socket, events, close: () => socket.destroy() };
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('live updates', () => {
  it('sends a snapshot, then one coalesced update per burst of changes', async () => {
    const c = await sse();
    try {
      await until(() => c.events.length === 1);
      const snap = c.events[0]!;
      expect(snap.event).toBe('snapshot');
      const state = snap.data as { gateways: string[]; health: string[]; cells: Record<string, unknown> };
      expect(state.gateways).toEqual(GATEWAYS);
      expect(state.health).toEqual(['STATUS', 'STATUS_MSG']);
      expect(state.cells['GW05:STATE']).toEqual(['STOPPED', 1]);
      expect(state.cells['STATUS']).toEqual(['Ok', 0]);
      const restarts = pvs.get('GW05')!.get('RESTARTS');
      for (let i = 1; i <= 50; i++) restarts.set(i);
      status.set(2);
      await until(() => c.events.length === 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(c.events.slice(1)).toEqual([
        { event: 'update', data: { 'GW05:RESTARTS': ['50', 0], STATUS: ['Fault', 2] } },
      ]);
    } finally {
      c.close();
      status.set(0);
    }
  });

  it('answers 503 past max_event_clients', async () => {
    const clients = [await sse(), await sse(), await sse()];
    try {
      await until(() => clients.every((c) => c.events.length === 1));
      const res = await fetch(url('/events'));
      expect([res.status, res.headers.get('retry-after')]).toEqual([503, '10']);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('drops a client that stops reading; the other keeps its updates and the event loop never stalls', async () => {
    const stalled = await sse();
    const healthy = await sse();
    await until(() => stalled.events.length === 1 && healthy.events.length === 1);
    stalled.socket.pause();
    let worstLagMs = 0;
    let last = Date.now();
    let n = 0;
    // Every cell of 50 gateways (~30 kB of JSON) changes every 10 ms: a few MB fill the stalled
    // client's socket buffers within seconds (the kernel grows them only for a reader).
    const MIRRORED = [
      'PV_TOTAL',
      'VC_TOTAL',
      'CONNECTED',
      'CLIENT_EVENT_RATE',
      'SERVER_EVENT_RATE',
      'LOOP_RATE',
    ];
    const churn = setInterval(() => {
      const now = Date.now();
      worstLagMs = Math.max(worstLagMs, now - last - 10);
      last = now;
      n++;
      for (const g of pvs.values()) {
        for (const s of ['RESTARTS', 'PID', 'CPU', 'MEM', ...MIRRORED]) g.get(s).set(n);
        g.get('UPTIME').set(`${n} s`);
        g.get('LAST_EXIT').set(`exit ${n} after a long and detailed reason`);
      }
    }, 10);
    try {
      await until(() => web.feed.droppedCount === 1, 30_000);
      const seen = healthy.events.length;
      await until(() => healthy.events.length > seen + 5);
      expect(web.feed.clientCount).toBe(1);
      // the server closed the stalled stream: reading on, it ends
      let isEnded = false;
      stalled.socket.once('close', () => (isEnded = true));
      stalled.socket.resume();
      await until(() => isEnded, 10_000);
      // coalescing: at most one event per burst (the snapshot, then one per churn tick), never one per change
      expect(healthy.events.length).toBeLessThanOrEqual(n + 1);
      // the timers kept running while the stream filled (a generous bound: the machine is shared and
      // loaded; a blocking write would stall them for as long as the client does not read)
      expect(worstLagMs).toBeLessThan(2000);
    } finally {
      clearInterval(churn);
      stalled.close();
      healthy.close();
    }
  });
});
