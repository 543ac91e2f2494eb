// CaClient against gwagent's own CA server on loopback: every DBR family, arrays with count 0, puts,
// monitors with masks, direct connection, timeouts, reconnect after a server restart on the same port
// (subscriptions resume), and 1,000 channels connected in one call.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { caGet, CaStatusError, type CaClient, type CaValue } from '../../src/ca/client/index.js';
import type { CaServer } from '../../src/ioc/server/ca-server.js';
import { GwError } from '../../src/errors.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { freePort, loopbackClient, startServer, until } from './helpers.js';

const META = {
  units: 'mm',
  precision: 3,
  upperDispLimit: 10,
  lowerDispLimit: -10,
  upperAlarmLimit: 9,
  upperWarningLimit: 8,
  lowerWarningLimit: -8,
  lowerAlarmLimit: -9,
  upperCtrlLimit: 5,
  lowerCtrlLimit: -5,
};

let provider: SimpleProvider;
let server: CaServer;
let port: number;
let client: CaClient;

beforeEach(async () => {
  provider = new SimpleProvider();
  provider.add(new SimplePv('T:DBL', C.DBF_DOUBLE, [3.25], 1, META));
  provider.add(new SimplePv('T:ENUM', C.DBF_ENUM, [1], 1, { enumStrings: ['Off', 'On'] }));
  provider.add(new SimplePv('T:STR', C.DBF_STRING, ['hello']));
  provider.add(new SimplePv('T:LONG', C.DBF_LONG, [-7], 1, { units: 'cts', upperDispLimit: 100 }));
  provider.add(new SimplePv('T:SHORT', C.DBF_SHORT, [12]));
  provider.add(new SimplePv('T:FLOAT', C.DBF_FLOAT, [1.5], 1, { precision: 2 }));
  provider.add(new SimplePv('T:CHAR', C.DBF_CHAR, [65]));
  provider.add(new SimplePv('T:WF', C.DBF_DOUBLE, [1, 2, 3], 10));
  provider.add(new SimplePv('T:EMPTY', C.DBF_LONG, [], 5));
  port = await freePort();
  server = await startServer(provider, port);
  client = loopbackClient(port);
});

afterEach(async () => {
  await client.close();
  await server.close();
});

describe('CaClient get across DBR families', () => {
  it('reads a DOUBLE as plain, STS, TIME, GR, CTRL, STRING, STSACK_STRING and CLASS_NAME', async () => {
    const ch = client.channel('T:DBL');
    await ch.connected(3000);
    expect([ch.nativeType, ch.nativeCount, ch.accessRights, ch.server]).toEqual([
      C.DBF_DOUBLE,
      1,
      { read: true, write: true },
      `127.0.0.1:${port}`,
    ]);
    expect(await ch.get({ dbrType: C.DBR_DOUBLE })).toEqual({
      dbrType: 6,
      count: 1,
      value: 3.25,
      values: [3.25],
    });
    expect(await ch.get({ dbrType: C.DBR_STS_DOUBLE })).toMatchObject({
      value: 3.25,
      status: 0,
      severity: 0,
    });
    const time = await ch.get();
    expect(time).toMatchObject({
      dbrType: C.DBR_TIME_DOUBLE,
      value: 3.25,
      stamp: { secPastEpoch: 1000, nsec: 0 },
    });
    expect(time.timestamp?.toISOString()).toBe('1990-01-01T00:16:40.000Z');
    const gr = await ch.get({ dbrType: C.DBR_GR_DOUBLE });
    expect(gr).toMatchObject({ units: 'mm', precision: 3, upperDispLimit: 10, lowerAlarmLimit: -9 });
    expect(gr.upperCtrlLimit).toBeUndefined();
    const ctrl = await ch.get({ dbrType: C.DBR_CTRL_DOUBLE });
    expect(ctrl).toMatchObject({ value: 3.25, upperCtrlLimit: 5, lowerCtrlLimit: -5, upperWarningLimit: 8 });
    expect((await ch.get({ dbrType: C.DBR_STRING })).value).toBe('3.250');
    expect((await ch.get({ dbrType: C.DBR_STSACK_STRING })).value).toBe('3.250');
    expect((await ch.get({ dbrType: C.DBR_CLASS_NAME })).value).toBe('simple');
  });

  it('reads every native type with its TIME type and CTRL metadata', async () => {
    const results = await caGet(['T:ENUM', 'T:STR', 'T:LONG', 'T:SHORT', 'T:FLOAT', 'T:CHAR'], { client });
    expect(results.map((r) => [r.name, r.value?.dbrType, r.value?.value])).toEqual([
      ['T:ENUM', C.DBR_TIME_ENUM, 1],
      ['T:STR', C.DBR_TIME_STRING, 'hello'],
      ['T:LONG', C.DBR_TIME_LONG, -7],
      ['T:SHORT', C.DBR_TIME_SHORT, 12],
      ['T:FLOAT', C.DBR_TIME_FLOAT, 1.5],
      ['T:CHAR', C.DBR_TIME_CHAR, 65],
    ]);
    const e = client.channel('T:ENUM');
    await e.connected();
    expect(await e.get({ dbrType: C.DBR_CTRL_ENUM })).toMatchObject({ value: 1, enumStrings: ['Off', 'On'] });
    expect((await e.get({ dbrType: C.DBR_STRING })).value).toBe('On');
    const l = client.channel('T:LONG');
    await l.connected();
    expect(await l.get({ dbrType: C.DBR_CTRL_LONG })).toMatchObject({
      value: -7,
      units: 'cts',
      upperDispLimit: 100,
    });
    const f = client.channel('T:FLOAT');
    await f.connected();
    expect(await f.get({ dbrType: C.DBR_GR_FLOAT })).toMatchObject({ value: 1.5, precision: 2 });
  });

  it('reads arrays with count 0 (current size), a fixed count, and an empty array', async () => {
    const wf = client.channel('T:WF');
    const empty = client.channel('T:EMPTY');
    await Promise.all([wf.connected(), empty.connected()]);
    expect(wf.nativeCount).toBe(10);
    expect(await wf.get({ dbrType: C.DBR_DOUBLE })).toMatchObject({ count: 3, value: [1, 2, 3] });
    expect((await wf.get({ dbrType: C.DBR_DOUBLE, count: 5 })).value).toEqual([1, 2, 3, 0, 0]);
    expect(await empty.get({ dbrType: C.DBR_TIME_LONG })).toMatchObject({ count: 0, value: [] });
    await expect(wf.get({ count: 11 })).rejects.toMatchObject({ eca: C.ECA_BADCOUNT });
  });
});

describe('CaClient large arrays', () => {
  it('gets and monitors 100,000 doubles (extended header) and puts a large array back', async () => {
    const big = Array.from({ length: 100_000 }, (_, i) => i / 4);
    provider.add(new SimplePv('T:BIG', C.DBF_DOUBLE, big, 100_000));
    const ch = client.channel('T:BIG');
    await ch.connected();
    const v = await ch.get({ dbrType: C.DBR_DOUBLE });
    expect(v.count).toBe(100_000);
    expect((v.value as number[])[99_999]).toBe(99_999 / 4);
    const seen: number[] = [];
    ch.subscribe({}, (u) => seen.push(u.count));
    await until(() => seen.length === 1);
    expect(seen).toEqual([100_000]);
    await ch.put(
      big.map((x) => x * 2),
      { wait: true },
    );
    expect(((await ch.get({ dbrType: C.DBR_DOUBLE })).value as number[])[99_999]).toBe(99_999 / 2);
  });
});

describe('CaClient put', () => {
  it('puts plainly and with callback, numbers and strings, arrays', async () => {
    const [dbl, str, wf, en] = ['T:DBL', 'T:STR', 'T:WF', 'T:ENUM'].map((n) => client.channel(n));
    await Promise.all([dbl, str, wf, en].map((c) => c!.connected()));
    await dbl!.put(7.5, { wait: true });
    expect((await dbl!.get()).value).toBe(7.5);
    await dbl!.put(8.5);
    await until(() => provider.pvs.get('T:DBL')!.writes.length === 2);
    expect(provider.pvs.get('T:DBL')!.writes[1]).toMatchObject({ dbrType: C.DBR_DOUBLE, value: [8.5] });
    await str!.put('world', { wait: true });
    expect((await str!.get()).value).toBe('world');
    await wf!.put([4, 5, 6, 7], { wait: true });
    expect((await wf!.get({ dbrType: C.DBR_DOUBLE })).value).toEqual([4, 5, 6, 7]);
    await en!.put('Off', { wait: true });
    expect(provider.pvs.get('T:ENUM')!.writes[0]).toMatchObject({ dbrType: C.DBR_STRING, value: ['Off'] });
  });

  it('reports a refused put-callback with its ECA status, and checks write access client-side', async () => {
    const pv = provider.pvs.get('T:DBL')!;
    pv.writeHook = () => C.ECA_PUTFAIL;
    const ch = client.channel('T:DBL');
    await ch.connected();
    const err = await ch.put(1, { wait: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaStatusError);
    expect(err).toMatchObject({ eca: C.ECA_PUTFAIL, code: 'GW_CA_REFUSED' });
    pv.rights = 1;
    const ro = client.channel('T:DBL');
    await ro.connected();
    expect(ro.accessRights).toEqual({ read: true, write: false });
    await expect(ro.put(2)).rejects.toMatchObject({ eca: C.ECA_NOWTACCESS });
  });
});

describe('CaClient monitors', () => {
  it('delivers the initial value and only the events its mask selects', async () => {
    const pv = provider.pvs.get('T:DBL')!;
    const ch = client.channel('T:DBL');
    await ch.connected();
    const valueUpdates: CaValue[] = [];
    const alarmUpdates: CaValue[] = [];
    const s1 = ch.subscribe({ mask: C.DBE_VALUE }, (v) => valueUpdates.push(v));
    ch.subscribe({ mask: C.DBE_ALARM, dbrType: C.DBR_STS_DOUBLE }, (v) => alarmUpdates.push(v));
    await until(() => valueUpdates.length === 1 && alarmUpdates.length === 1, 3000, 'initial updates');
    pv.set([4], {}, C.DBE_VALUE | C.DBE_LOG);
    pv.set([4], { status: C.HIGH_ALARM, severity: C.MINOR_ALARM }, C.DBE_ALARM);
    pv.set([5], {}, C.DBE_VALUE);
    await until(() => valueUpdates.length === 3 && alarmUpdates.length === 2, 3000, 'updates');
    expect(valueUpdates.map((v) => v.value)).toEqual([3.25, 4, 5]);
    expect(alarmUpdates.map((v) => [v.value, v.severity])).toEqual([
      [3.25, 0],
      [4, C.MINOR_ALARM],
    ]);
    s1.cancel();
    pv.set([6], {}, C.DBE_VALUE | C.DBE_ALARM);
    await until(() => alarmUpdates.length === 3, 3000, 'alarm update');
    expect(valueUpdates).toHaveLength(3);
  });

  it('reports a throwing monitor callback as an exception and keeps the circuit working', async () => {
    const errors: Error[] = [];
    client.on('exception', (e: { error: Error }) => errors.push(e.error));
    const ch = client.channel('T:DBL');
    const other = client.channel('T:LONG');
    await Promise.all([ch.connected(), other.connected()]);
    ch.subscribe({}, () => {
      throw new Error('application bug');
    });
    await until(() => errors.length === 1);
    expect(errors[0]!.message).toBe('application bug');
    expect((await other.get()).value).toBe(-7);
  });

  it('monitors an array with count 0 as its length changes', async () => {
    const pv = provider.pvs.get('T:WF')!;
    const ch = client.channel('T:WF');
    await ch.connected();
    const seen: unknown[] = [];
    ch.subscribe({ dbrType: C.DBR_DOUBLE }, (v) => seen.push(v.value));
    await until(() => seen.length === 1);
    pv.set([9]);
    pv.set([]);
    await until(() => seen.length === 3);
    expect(seen).toEqual([[1, 2, 3], [9], []]);
  });
});

describe('CaClient connection management', () => {
  it('connects directly to host:port without any search address', async () => {
    const direct = loopbackClient(port, { addrList: [] });
    try {
      const ch = direct.channel('T:DBL', { server: `127.0.0.1:${port}` });
      await ch.connected(2000);
      expect((await ch.get()).value).toBe(3.25);
    } finally {
      await direct.close();
    }
  });

  it('says why a direct channel does not connect', async () => {
    const closedPort = await freePort();
    const ch = client.channel('T:DBL', { server: `127.0.0.1:${closedPort}` });
    const err = (await ch.connected(300).catch((e: unknown) => e)) as GwError;
    expect(err.message).toBe(
      `channel 'T:DBL' did not connect to 127.0.0.1:${closedPort} within 300 ms ` +
        `(last attempt: circuit to 127.0.0.1:${closedPort} lost: connect ECONNREFUSED 127.0.0.1:${closedPort})`,
    );
  });

  it('times out a channel that never connects with a clear error, without failing the others', async () => {
    const ch = client.channel('T:NOPE');
    const err = (await ch.connected(200).catch((e: unknown) => e)) as GwError;
    expect(err).toBeInstanceOf(GwError);
    expect(err.code).toBe('GW_CA_TIMEOUT');
    expect(err.message).toBe(`channel 'T:NOPE' did not connect within 200 ms (searched 127.0.0.1:${port})`);
    const results = await caGet(['T:DBL', 'T:MISSING'], { client, connectTimeoutMs: 300 });
    expect(results[0]!.value?.value).toBe(3.25);
    expect((results[1]!.error as GwError).code).toBe('GW_CA_TIMEOUT');
  });

  it('ends a connection wait when the channel is closed, and refuses requests on a closed channel', async () => {
    const ch = client.channel('T:NEVER');
    expect(ch.state).toBe('searching');
    const waiting = ch.connected(5000).catch((e: GwError) => e);
    ch.close();
    expect(ch.state).toBe('closed');
    const err = await waiting;
    expect([err instanceof GwError && err.code, (err as Error).message]).toEqual([
      'GW_CA_DISCONNECTED',
      'T:NEVER: channel is closed',
    ]);
    await expect(ch.get()).rejects.toMatchObject({ code: 'GW_CA_DISCONNECTED' });
  });

  it('reconnects after the server restarts on the same port and resumes subscriptions', async () => {
    const ch = client.channel('T:DBL');
    await ch.connected();
    const values: unknown[] = [];
    const states: boolean[] = [];
    ch.on('connection', (up: boolean) => states.push(up));
    ch.subscribe({}, (v) => values.push(v.value));
    await until(() => values.length === 1);
    // A get in flight when the server goes away either completes or fails as disconnected; never hangs.
    const pending = ch.get().then(
      () => 'completed',
      (e: GwError) => e.code,
    );
    await server.close();
    await until(() => states.length === 1);
    expect(ch.state).toBe('disconnected');
    await expect(ch.get()).rejects.toMatchObject({ code: 'GW_CA_DISCONNECTED' });
    expect(['completed', 'GW_CA_DISCONNECTED']).toContain(await pending);
    provider.pvs.get('T:DBL')!.set([42]);
    server = await startServer(provider, port);
    await ch.connected(5000);
    await until(() => values.length === 2, 3000, 'resumed initial update');
    expect(values).toEqual([3.25, 42]);
    provider.pvs.get('T:DBL')!.set([43]);
    await until(() => values.length === 3);
    expect(values[2]).toBe(43);
    expect(states).toEqual([false, true]);
  });

  it('disconnects a channel the server removes and finds it again when it comes back', async () => {
    const ch = client.channel('T:SHORT');
    await ch.connected();
    const pv = provider.pvs.get('T:SHORT')!;
    provider.remove('T:SHORT');
    await until(() => ch.state !== 'connected');
    provider.add(pv);
    await ch.connected(3000);
    expect((await ch.get()).value).toBe(12);
  });

  it('connects 1,000 channels in one call', async () => {
    for (let i = 0; i < 1000; i++) provider.add(new SimplePv(`MANY:${i}`, C.DBF_DOUBLE, [i]));
    const names = Array.from({ length: 1000 }, (_, i) => `MANY:${i}`);
    const results = await caGet(names, { client, connectTimeoutMs: 10_000 });
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.map((r) => r.value!.value)).toEqual(names.map((_, i) => i));
    expect(server.clientCount).toBe(1);
  });
});
