// The start-up warm-up (src/ioc/server/warm-up.ts), run by startCaServer on loopback: every name searched
// by the server's own UDP socket and connected over a real connection to its own listener, the served
// database left as it was found (values and timestamps unchanged, no subscription left), the warm-up's
// circuit gone before the server is handed over, and a server that does not answer warmed up no
// further, without failing.
import { describe, expect, it, vi } from 'vitest';
import { RecordDatabase } from '../../src/ioc/db/index.js';
import type { FieldPv } from '../../src/ioc/records/field-pv.js';
import { startCaServer } from '../../src/ioc/server/ca-server.js';
import { warmUpServer } from '../../src/ioc/server/warm-up.js';
import { memoryLogger } from '../../src/log.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';
import { freePort } from '../support/ports.js';

async function loopbackEnv() {
  return {
    ...LOOPBACK_SERVER_ENV,
    EPICS_CAS_SERVER_PORT: String(await freePort()),
    EPICS_CAS_BEACON_PORT: String(await freePort()),
  };
}

describe('warm-up', () => {
  it('searches and connects every name over the server’s own listener without changing a record', async () => {
    const db = new RecordDatabase();
    const names: string[] = [];
    for (let i = 0; i < 50; i++) {
      const name = `W:${i}`;
      if (i % 2) db.aoRecord(name, { VAL: i + 0.5 });
      else db.aiRecord(name, { VAL: i });
      names.push(name);
    }
    const before = names.map((n) => db.lookup(n)!.snapshot());
    db.forgetPvs(names);
    const searched: string[] = [];
    const hasName = vi.spyOn(db, 'hasName').mockImplementation(function (this: RecordDatabase, name) {
      searched.push(name);
      return RecordDatabase.prototype.hasName.call(this, name);
    });
    const lookups = vi.spyOn(db, 'lookup');
    const log = memoryLogger();

    const server = await startCaServer({ provider: db, log, env: await loopbackEnv(), warmUpNames: names });
    try {
      hasName.mockRestore();
      // The server's warm-up passes (4), each searching every name and connecting it as two channels.
      expect(searched).toEqual([1, 2, 3, 4].flatMap(() => names));
      expect(lookups.mock.calls.map(([name]) => name)).toEqual(
        [1, 2, 3, 4].flatMap(() => [...names, ...names]),
      );
      lookups.mockRestore();
      expect(server.clientCount).toBe(0);
      expect(log.lines.filter((l) => / (warn|error) /i.test(l) || l.includes('warm-up stopped'))).toEqual([]);
      expect(log.lines.filter((l) => l.includes('client connected: 127.0.0.1:'))).toHaveLength(4);
      for (const [i, name] of names.entries()) {
        const pv = db.lookup(name) as FieldPv;
        // Same snapshot object: nothing was put or posted; and every monitor was cancelled.
        expect(pv.snapshot()).toBe(before[i]);
        expect(pv.record.subscriptionCount).toBe(0);
      }
    } finally {
      await server.close();
    }
  });

  it('gives up without failing when nothing answers, and says so at debug level', async () => {
    const log = memoryLogger();
    const target = { host: '127.0.0.1', tcpPort: await freePort(), udpPort: await freePort() };
    await warmUpServer(target, ['W:A'], 2, log);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(
      /DEBUG .*warm-up stopped, the server serves cold: no answer from the server to a search$/,
    );
  });
});
