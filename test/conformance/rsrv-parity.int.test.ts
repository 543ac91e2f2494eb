// The same raw requests, byte for byte, sent to the real softIoc (rsrv, from the EPICS peers) and to our
// server serving the same .db file: bad DBR types in READ_NOTIFY / EVENT_ADD / WRITE_NOTIFY, a write-only
// type read, and an oversize request followed by a good one. Both must give the replies written here.
// Where rsrv and we differ on purpose (WRITE_NOTIFY with a bad type: rsrv then closes), the test says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDbFiles, parseAcf, RecordDatabase } from '../../src/ioc/db/index.js';
import { defaultAcf } from '../../src/ioc/access/default-acf.js';
import { startCaServer, type CaServer } from '../../src/ioc/server/ca-server.js';
import { memoryLogger } from '../../src/log.js';
import { freePort } from '../support/ports.js';
import { splitStream } from '../support/ca-wire.js';
import { cstr, eventMask, fields, frame, type Wire } from './harness.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

const PEERS = process.env.EPICS_PEERS ?? resolve(import.meta.dirname, '../../../shared/peers/epics');
const SOFTIOC = join(PEERS, 'bin/linux-x86_64/softIoc');
const hasPeers = existsSync(SOFTIOC);
if (!hasPeers) {
  if (process.env.CI === 'true') throw new Error(`softIoc not found at ${SOFTIOC} (set EPICS_PEERS)`);
  console.warn(`[skip] rsrv parity: no softIoc at ${SOFTIOC}; the rsrv comparison was skipped`);
}

const DB = 'record(longout, "ival") { field(VAL, "42") }\n';
/** rsrv 3.15's receive buffer (EPICS_CA_MAX_ARRAY_BYTES default): our server is given the same limit. */
const MAX_ARRAY_BYTES = 16384;

interface Conversation {
  replies: Wire[];
  closed: boolean;
  sid: number;
}

/** Opens channel `ival` (cid 156) like catvs, sends `requests(sid)`, collects replies for `ms`. */
function converse(port: number, requests: (sid: number) => Buffer[], ms = 700): Promise<Conversation> {
  return new Promise((done, fail) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let sid = -1;
    const replies: Wire[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      done({ replies, closed, sid });
    };
    const timer = setTimeout(finish, 5000);
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const { messages, rest } = splitStream(buf);
      buf = buf.subarray(buf.length - rest);
      for (const m of messages) {
        if (sid < 0) {
          if (m.cmd === 18) {
            sid = m.p2;
            sock.write(Buffer.concat(requests(sid)));
            clearTimeout(timer);
            setTimeout(finish, ms);
          }
          continue;
        }
        replies.push(m);
      }
    });
    sock.on('connect', () =>
      sock.write(
        Buffer.concat([
          frame(0, 0, 13, 0, 0),
          frame(20, 0, 0, 0, 0, cstr('parity')),
          frame(21, 0, 0, 0, 0, cstr('localhost')),
          frame(18, 0, 0, 156, 13, cstr('ival')),
        ]),
      ),
    );
    setTimeout(() => (sid < 0 ? fail(new Error('channel ival was not created')) : undefined), 4000);
  });
}

function waitForTcp(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((ready, fail) => {
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        ready();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > end) fail(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

const servers: { name: string; port: number }[] = [];
let ioc: ChildProcess | undefined;
let ours: CaServer | undefined;
let dir = '';

beforeAll(async () => {
  if (!hasPeers) return;
  dir = mkdtempSync(join(tmpdir(), 'gwagent-parity-'));
  writeFileSync(join(dir, 'parity.db'), DB);
  const rsrvPort = await freePort();
  const beacon = await freePort();
  ioc = spawn(SOFTIOC, ['-D', join(PEERS, 'dbd/softIoc.dbd'), '-S', '-d', join(dir, 'parity.db')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      ...LOOPBACK_SERVER_ENV,
      EPICS_CAS_SERVER_PORT: String(rsrvPort),
      EPICS_CAS_BEACON_PORT: String(beacon),
      EPICS_CA_REPEATER_PORT: String(beacon),
    },
  });
  // softIoc's stdout is block-buffered into a pipe: wait for its TCP port instead of its banner.
  const exited = new Promise<never>((_, fail) =>
    ioc!.once('exit', (code) => fail(new Error(`softIoc exited (${code})`))),
  );
  await Promise.race([exited, waitForTcp(rsrvPort, 20000)]);
  servers.push({ name: 'rsrv', port: rsrvPort });

  const db = new RecordDatabase();
  loadDbFiles(db, [join(dir, 'parity.db')]);
  db.setAccessPolicy(parseAcf(defaultAcf({ isDefaultWritable: true }), '(built-in)'));
  const port = await freePort();
  ours = await startCaServer({
    provider: db,
    env: {
      ...LOOPBACK_SERVER_ENV,
      EPICS_CAS_SERVER_PORT: String(port),
      EPICS_CAS_BEACON_PORT: String(await freePort()),
    },
    settings: { maxArrayBytes: MAX_ARRAY_BYTES },
    log: memoryLogger(),
  });
  servers.push({ name: 'gwagent', port: ours.tcpPort });
}, 30000);

afterAll(async () => {
  ioc?.kill('SIGTERM');
  await ours?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const GOOD_READ = (sid: number) => frame(15, 5, 1, sid, 777);
/** The good read's reply: DBR_LONG 42. */
const GOOD_REPLY = [15, 8, 5, 1, 1, 777];

describe.skipIf(!hasPeers).each(['rsrv', 'gwagent'])('%s answers bad requests as rsrv does', (name) => {
  const port = () => servers.find((s) => s.name === name)!.port;

  it('READ_NOTIFY with DBR type 0xEFEF: no reply, the circuit is closed (catvs test_get_bad)', async () => {
    const c = await converse(port(), (sid) => [frame(15, 0xefef, 1, sid, 1102), GOOD_READ(sid)]);
    expect(c.replies.map(fields)).toEqual([]);
    expect(c.closed).toBe(true);
  });

  it('EVENT_ADD with DBR type 0xEFEF: no reply, the circuit is closed', async () => {
    const c = await converse(port(), (sid) => [frame(1, 0xefef, 1, sid, 1102, eventMask(5)), GOOD_READ(sid)]);
    expect(c.replies.map(fields)).toEqual([]);
    expect(c.closed).toBe(true);
  });

  it('READ_NOTIFY of write-only DBR_PUT_ACKT: ECA_GETFAIL and 8 zero bytes, circuit kept', async () => {
    const c = await converse(port(), (sid) => [frame(15, 35, 1, sid, 1102), GOOD_READ(sid)]);
    expect(c.replies.map((w) => [...fields(w), w.body.toString('hex')])).toEqual([
      [15, 8, 35, 1, 152, 1102, '0000000000000000'],
      [...GOOD_REPLY, '0000002a00000000'],
    ]);
    expect(c.closed).toBe(false);
  });

  it('WRITE_NOTIFY with DBR type 0xEFEF: the reply carries ECA_BADTYPE (rsrv then closes, we keep)', async () => {
    const c = await converse(port(), (sid) => [
      frame(19, 0xefef, 1, sid, 1101, Buffer.from('0000002c', 'hex')),
    ]);
    expect(c.replies.map(fields)).toEqual([[19, 0, 0xefef, 1, 114, 1101]]);
  });

  it('a request above the size limit: ERROR ECA_TOLARGE echoing its header, then the next request is served', async () => {
    const c = await converse(port(), (sid) => [
      frame(4, 5, 5000, sid, 1101, Buffer.alloc(20000)),
      GOOD_READ(sid),
    ]);
    expect(c.replies.map(fields)).toEqual([[11, c.replies[0]!.size, 0, 0, 156, 72], GOOD_REPLY]);
    const echoed = c.replies[0]!.body.subarray(0, 16).toString('hex');
    const sidHex = c.sid.toString(16).padStart(8, '0');
    expect(echoed).toBe(`00044e2000051388${sidHex}0000044d`);
    expect(c.replies[1]!.body.toString('hex')).toBe('0000002a00000000');
    expect(c.closed).toBe(false);
  });
});
