// Interop with the real libca (through pyepics): puts (plain, enum by state string, put-callback with
// immediate and delayed completion), write access denied, access rights changing at run time, alarm
// transitions seen by a DBE_ALARM monitor, and SERVER_DISCONN seen as a disconnect (then a reconnect).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { PyEpics } from './pyepics.js';
import { clientEnv, freePort, startServer, type Started } from './server-fixture.js';

const provider = new SimpleProvider();
const dbl = provider.add(new SimplePv('O:DOUBLE', 6, [1], 1, { precision: 3 }));
const mode = provider.add(new SimplePv('O:MODE', 3, [0], 1, { enumStrings: ['Off', 'On', 'Fault'] }));
const slow = provider.add(new SimplePv('O:SLOW', 5, [0]));
const locked = provider.add(new SimplePv('O:LOCKED', 6, [5]));
const alarm = provider.add(new SimplePv('O:ALARM', 6, [10]));
const wave = provider.add(new SimplePv('O:WAVE', 5, [0], 8));
const rights = provider.add(new SimplePv('O:RIGHTS', 6, [0]));
const text = provider.add(new SimplePv('O:TEXT', 0, ['']));
const prop = provider.add(new SimplePv('O:PROP', 6, [1], 1, { units: 'mm', precision: 1 }));
const fast = provider.add(new SimplePv('O:FAST', 5, [0]));
const big = provider.add(new SimplePv('O:BIG', 6, new Float64Array(70000), 70000));
const goneName = 'O:GONE';
provider.add(new SimplePv(goneName, 6, [42]));
locked.rights = C.CA_PROTO_ACCESS_RIGHT_READ;

const SLOW_MS = 400;
slow.writeHook = (data) =>
  new Promise<number>((resolve) =>
    setTimeout(() => {
      slow.set(data.value);
      resolve(C.ECA_NORMAL);
    }, SLOW_MS),
  );

let s: Started;
let py: PyEpics;

beforeAll(async () => {
  s = await startServer(provider);
  py = await PyEpics.start(clientEnv(s.port, await freePort()));
});
afterAll(async () => {
  await py?.stop();
  await s?.server.close();
});

describe('puts from libca', () => {
  it('a plain put arrives as DBR_DOUBLE and reads back', async () => {
    expect(await py.do({ op: 'put', name: 'O:DOUBLE', value: 2.5 })).toMatchObject({ status: 1 });
    await py.do({ op: 'sleep', seconds: 0.1 });
    expect(dbl.writes.at(-1)).toMatchObject({ dbrType: C.DBR_DOUBLE, value: [2.5] });
    expect((await py.do({ op: 'get', name: 'O:DOUBLE' })).value).toBe(2.5);
  });

  it('put-callback (wait=True) completes with the value applied', async () => {
    expect(await py.do({ op: 'put', name: 'O:DOUBLE', value: 7.5, wait: true })).toMatchObject({ status: 1 });
    expect(dbl.snapshot().value).toEqual([7.5]);
  });

  it('put-callback waits for a delayed completion', async () => {
    const t0 = Date.now();
    expect(await py.do({ op: 'put', name: 'O:SLOW', value: 99, wait: true })).toMatchObject({ status: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(SLOW_MS - 20);
    expect(slow.snapshot().value).toEqual([99]);
  });

  it('an enum put by state string arrives as the index, and reads back as the string', async () => {
    expect(await py.do({ op: 'pvput', name: 'O:MODE', value: 'Fault', wait: true })).toMatchObject({
      status: 1,
    });
    expect(mode.writes.at(-1)).toMatchObject({ dbrType: C.DBR_ENUM, value: [2] });
    expect((await py.do({ op: 'get', name: 'O:MODE', ftype: C.DBR_STRING })).value).toBe('Fault');
    expect((await py.do({ op: 'get', name: 'O:MODE', ftype: C.DBR_CTRL_ENUM })).enum_strs).toEqual([
      'Off',
      'On',
      'Fault',
    ]);
  });

  it('an array put of 3 elements sets the length that count-0 reads return', async () => {
    expect(await py.do({ op: 'put', name: 'O:WAVE', value: [4, 5, 6], wait: true })).toMatchObject({
      status: 1,
    });
    expect(wave.writes.at(-1)).toMatchObject({ dbrType: C.DBR_LONG, count: 3, value: [4, 5, 6] });
    expect((await py.do({ op: 'get', name: 'O:WAVE' })).value).toEqual([4, 5, 6]);
  });

  it('a string put arrives with the text (libca sends a short payload)', async () => {
    expect(await py.do({ op: 'put', name: 'O:TEXT', value: 'abc def', wait: true })).toMatchObject({
      status: 1,
    });
    expect(text.writes.at(-1)).toMatchObject({ dbrType: C.DBR_STRING, value: ['abc def'] });
    expect((await py.do({ op: 'get', name: 'O:TEXT' })).value).toBe('abc def');
  });

  it('a 70000-element array put arrives whole (extended header from libca)', async () => {
    const values = Array.from({ length: 70000 }, (_, i) => i * 2);
    expect(await py.do({ op: 'put', name: 'O:BIG', value: values, wait: true })).toMatchObject({
      status: 1,
    });
    const w = big.writes.at(-1)!;
    expect([w.dbrType, w.count, w.value.length, w.value[69999]]).toEqual([
      C.DBR_DOUBLE,
      70000,
      70000,
      139998,
    ]);
  });

  it('write access denied (rights=1): libca reports no write access and the put fails', async () => {
    expect(await py.do({ op: 'connect', name: 'O:LOCKED' })).toMatchObject({ read: true, write: false });
    const plain = await py.do({ op: 'put', name: 'O:LOCKED', value: 1 });
    const notify = await py.do({ op: 'put', name: 'O:LOCKED', value: 1, wait: true });
    expect(plain.error).toMatch(/Write access denied/);
    expect(notify.error).toMatch(/Write access denied/);
    expect(locked.writes).toEqual([]);
    expect((await py.do({ op: 'get', name: 'O:LOCKED' })).value).toBe(5);
  });

  it('access rights changed at run time reach libca', async () => {
    expect(await py.do({ op: 'access', name: 'O:RIGHTS' })).toMatchObject({ read: true, write: true });
    rights.rights = C.CA_PROTO_ACCESS_RIGHT_READ;
    provider.fireAccessChanged();
    await py.do({ op: 'sleep', seconds: 0.2 });
    expect(await py.do({ op: 'access', name: 'O:RIGHTS' })).toMatchObject({ read: true, write: false });
    expect((await py.do({ op: 'put', name: 'O:RIGHTS', value: 1 })).error).toMatch(/Write access denied/);
    rights.rights = 3;
    provider.fireAccessChanged();
    await py.do({ op: 'sleep', seconds: 0.2 });
    expect(await py.do({ op: 'access', name: 'O:RIGHTS' })).toMatchObject({ read: true, write: true });
  });
});

describe('monitors from libca', () => {
  it('a DBE_ALARM monitor sees each alarm transition and no value-only change', async () => {
    await py.do({ op: 'monitor', name: 'O:ALARM', mask: C.DBE_ALARM, ftype: C.DBR_TIME_DOUBLE });
    const initial = await py.do({ op: 'events', name: 'O:ALARM', min: 1 });
    expect(initial.events).toMatchObject([{ value: 10, status: 0, severity: 0 }]);
    alarm.set([11], {}, C.DBE_VALUE | C.DBE_LOG);
    alarm.set([85], { status: C.HIGH_ALARM, severity: C.MINOR_ALARM }, C.DBE_VALUE | C.DBE_ALARM);
    alarm.set([95], { status: C.HIHI_ALARM, severity: C.MAJOR_ALARM }, C.DBE_VALUE | C.DBE_ALARM);
    alarm.set([96], {}, C.DBE_VALUE);
    alarm.set([20], { status: C.NO_ALARM, severity: C.NO_ALARM }, C.DBE_VALUE | C.DBE_ALARM);
    const got = await py.do({ op: 'events', name: 'O:ALARM', min: 3 });
    await py.do({ op: 'sleep', seconds: 0.2 });
    const late = await py.do({ op: 'events', name: 'O:ALARM', min: 0, timeout: 0 });
    expect([...(got.events as unknown[]), ...(late.events as unknown[])]).toMatchObject([
      { value: 85, status: C.HIGH_ALARM, severity: C.MINOR_ALARM },
      { value: 95, status: C.HIHI_ALARM, severity: C.MAJOR_ALARM },
      { value: 20, status: C.NO_ALARM, severity: C.NO_ALARM },
    ]);
  });

  it('a default (VALUE|ALARM) monitor sees every posted value in order', async () => {
    await py.do({ op: 'monitor', name: 'O:DOUBLE' });
    await py.do({ op: 'events', name: 'O:DOUBLE', min: 1 });
    for (const v of [1, 2, 3]) dbl.set([v]);
    const got = await py.do({ op: 'events', name: 'O:DOUBLE', min: 3 });
    expect((got.events as { value: number }[]).map((e) => e.value)).toEqual([1, 2, 3]);
  });

  it('a DBR_CTRL monitor with DBE_PROPERTY sees metadata changes (as ca-gateway subscribes)', async () => {
    await py.do({ op: 'monitor', name: 'O:PROP', mask: C.DBE_PROPERTY, ftype: C.DBR_CTRL_DOUBLE });
    const initial = await py.do({ op: 'events', name: 'O:PROP', min: 1 });
    expect(initial.events).toMatchObject([{ value: 1, units: 'mm', precision: 1 }]);
    prop.set([2], {}, C.DBE_VALUE);
    prop.set([2], { meta: { ...prop.snapshot().meta, units: 'um', precision: 4 } }, C.DBE_PROPERTY);
    const got = await py.do({ op: 'events', name: 'O:PROP', min: 1 });
    await py.do({ op: 'sleep', seconds: 0.1 });
    const late = await py.do({ op: 'events', name: 'O:PROP', min: 0, timeout: 0 });
    expect([...(got.events as unknown[]), ...(late.events as unknown[])]).toMatchObject([
      { value: 2, units: 'um', precision: 4 },
    ]);
  });
});

describe('flow under load', () => {
  it('a burst of 20000 posts reaches libca in order and ends with the newest value', async () => {
    await py.do({ op: 'monitor', name: 'O:FAST', mask: C.DBE_VALUE, ftype: C.DBR_LONG });
    await py.do({ op: 'events', name: 'O:FAST', min: 1 });
    for (let chunk = 0; chunk < 20; chunk++) {
      for (let i = 1; i <= 1000; i++) fast.set([chunk * 1000 + i]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seen: number[] = [];
    const deadline = Date.now() + 10_000;
    while (seen.at(-1) !== 20000 && Date.now() < deadline) {
      const r = await py.do({ op: 'events', name: 'O:FAST', min: 1, timeout: 1 });
      seen.push(...(r.events as { value: number }[]).map((e) => e.value));
    }
    expect(seen.at(-1)).toBe(20000);
    expect(seen.every((v, i) => i === 0 || v > seen[i - 1]!)).toBe(true);
  });
});

describe('server-side removal', () => {
  it('SERVER_DISCONN is a disconnect for libca; the circuit and other channels stay; re-adding reconnects', async () => {
    expect(await py.do({ op: 'connect', name: goneName })).toMatchObject({ connected: true });
    expect((await py.do({ op: 'conn', name: goneName, min: 1 })).history).toEqual([true]);
    const circuitsBefore = s.server.clientCount;
    provider.remove(goneName);
    expect((await py.do({ op: 'conn', name: goneName, min: 2 })).history).toEqual([true, false]);
    expect(s.server.clientCount).toBe(circuitsBefore);
    expect((await py.do({ op: 'get', name: 'O:DOUBLE' })).value).toBe(3);
    provider.add(new SimplePv(goneName, 6, [43]));
    expect((await py.do({ op: 'conn', name: goneName, min: 3, timeout: 10 })).history).toEqual([
      true,
      false,
      true,
    ]);
    expect((await py.do({ op: 'get', name: goneName })).value).toBe(43);
  });
});
