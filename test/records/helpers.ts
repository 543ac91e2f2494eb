// Test helpers for the record model: a fixed clock, a client identity, and a subscription recorder.
import type { DecodedDbr, ValueSnapshot } from '../../src/ca/value.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';
import type { ClientIdentity, ServedPv } from '../../src/ioc/server/pv.js';

export const WHO: ClientIdentity = { user: 'op', host: 'console', ip: '127.0.0.1' };

/** A database whose clock returns 1000.000000500 + n seconds for the n-th time stamp. */
export function testDb(): RecordDatabase {
  let n = 0;
  return new RecordDatabase({ now: () => ({ secPastEpoch: 1000 + n++, nsec: 500 }) });
}

export interface Event {
  mask: number;
  value: unknown[];
  status: number;
  severity: number;
}

/** Subscribes and records every (mask, value, status, severity) posted. */
export function record(pv: ServedPv): Event[] {
  const events: Event[] = [];
  pv.subscribe((mask: number, s: ValueSnapshot) => {
    events.push({
      mask,
      value: Array.from(s.value as ArrayLike<unknown>).slice(0, s.count),
      status: s.status,
      severity: s.severity,
    });
  });
  return events;
}

export function dbr(dbrType: number, value: number[] | string[]): DecodedDbr {
  return { dbrType, count: value.length, value };
}

export function must(db: RecordDatabase, name: string): ServedPv {
  const pv = db.lookup(name);
  if (!pv) throw new Error(`no PV ${name}`);
  return pv;
}
