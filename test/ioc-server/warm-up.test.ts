// The start-up warm-up (src/ioc/server/warm-up.ts) must leave the served database as it found it:
// values and timestamps unchanged, no subscription or channel view left behind once forgotten, and
// every name searched through the function the server passes in.
import { describe, expect, it } from 'vitest';
import { RecordDatabase } from '../../src/ioc/db/index.js';
import type { FieldPv } from '../../src/ioc/records/field-pv.js';
import { warmUpServer } from '../../src/ioc/server/warm-up.js';
import { memoryLogger } from '../../src/log.js';

describe('warmUpServer', () => {
  it('searches, connects, reads and monitors every name without changing a record', () => {
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
    const hasName = (name: string) => {
      searched.push(name);
      return db.hasName(name);
    };
    const log = memoryLogger();

    warmUpServer(db, hasName, names, 3, log);

    expect(searched).toEqual([...names, ...names, ...names]);
    expect(log.lines).toEqual([]);
    for (const [i, name] of names.entries()) {
      const pv = db.lookup(name) as FieldPv;
      // Same snapshot object: nothing was put or posted; and every monitor was cancelled.
      expect(pv.snapshot()).toBe(before[i]);
      expect(pv.record.subscriptionCount).toBe(0);
    }
  });

  it('leaves no channel view behind once the database forgets the names', () => {
    const db = new RecordDatabase();
    db.aiRecord('W:A', { VAL: 1 });
    warmUpServer(db, (n) => db.hasName(n), ['W:A'], 1, memoryLogger());
    const warm = db.lookup('W:A');
    db.forgetPvs(['W:A']);
    const fresh = db.lookup('W:A');
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(warm);
    expect(fresh!.snapshot().value).toEqual(warm!.snapshot().value);
  });
});
