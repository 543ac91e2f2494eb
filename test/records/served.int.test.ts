// The record database served by gwagent's CA server and read by its CA client over loopback:
// metadata, class name, long strings, puts with conversion and put-callback, DBE_PROPERTY and alarm
// monitors, waveform count 0, read-only fields, and removal disconnecting channels.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import type { CaClient, CaValue } from '../../src/ca/client/index.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';
import type { CaServer } from '../../src/ioc/server/ca-server.js';
import { freePort, loopbackClient, startServer, until } from '../client/helpers.js';

let db: RecordDatabase;
let server: CaServer;
let client: CaClient;

beforeEach(async () => {
  db = new RecordDatabase();
  db.aiRecord('R:TEMP', {
    DESC: 'Cryostat temperature sensor number one',
    EGU: 'K',
    PREC: 2,
    HOPR: 300,
    LOPR: 0,
    HIHI: 100,
    HHSV: 'MAJOR',
    VAL: 4.2,
  });
  db.mbboRecord('R:MODE', { ZRST: 'Off', ONST: 'On', TWST: 'Auto', VAL: 0 });
  db.waveformRecord('R:WF', { FTVL: 'LONG', NELM: 8, VAL: [1, 2, 3] });
  const port = await freePort();
  server = await startServer(db, port);
  client = loopbackClient(port);
});

afterEach(async () => {
  await client.close();
  await server.close();
});

describe('records over Channel Access', () => {
  it('reads VAL with CTRL metadata, the class name and a long string', async () => {
    const ch = client.channel('R:TEMP');
    await ch.connected(3000);
    expect([ch.nativeType, ch.nativeCount, ch.accessRights]).toEqual([
      C.DBF_DOUBLE,
      1,
      { read: true, write: true },
    ]);
    const ctrl = await ch.get({ dbrType: C.DBR_CTRL_DOUBLE });
    expect(ctrl).toMatchObject({
      value: 4.2,
      status: 0,
      severity: 0,
      units: 'K',
      precision: 2,
      upperDispLimit: 300,
      lowerDispLimit: 0,
      upperAlarmLimit: 100,
      upperCtrlLimit: 300,
    });
    expect(Number.isNaN(ctrl.upperWarningLimit)).toBe(true);
    expect((await ch.get({ dbrType: C.DBR_CLASS_NAME })).value).toBe('ai');
    expect((await ch.get({ dbrType: C.DBR_STRING })).value).toBe('4.20');
    const desc = client.channel('R:TEMP.DESC$');
    await desc.connected(3000);
    expect([desc.nativeType, desc.nativeCount]).toEqual([C.DBF_CHAR, 41]);
    const bytes = (await desc.get({ dbrType: C.DBR_CHAR })).values as number[];
    expect(String.fromCharCode(...bytes.slice(0, bytes.indexOf(0)))).toBe(
      'Cryostat temperature sensor number one',
    );
  });

  it('a .HIHI put posts DBE_PROPERTY and the alarm to VAL monitors', async () => {
    const val = client.channel('R:TEMP');
    const hihi = client.channel('R:TEMP.HIHI');
    await Promise.all([val.connected(3000), hihi.connected(3000)]);
    const updates: CaValue[] = [];
    val.subscribe({ dbrType: C.DBR_CTRL_DOUBLE, mask: C.DBE_ALARM | C.DBE_PROPERTY }, (v) => updates.push(v));
    await until(() => updates.length === 1, 3000, 'initial update');
    await hihi.put('4', { wait: true });
    await until(() => updates.length === 3, 3000, 'property and alarm updates');
    expect(updates.map((u) => [u.upperAlarmLimit, u.status, u.severity])).toEqual([
      [100, 0, 0],
      [4, 0, 0],
      [4, C.HIHI_ALARM, C.MAJOR_ALARM],
    ]);
  });

  it('puts enum strings with put-callback and refuses bad strings and read-only fields', async () => {
    const mode = client.channel('R:MODE');
    const stat = client.channel('R:MODE.STAT');
    await Promise.all([mode.connected(3000), stat.connected(3000)]);
    expect((await mode.get({ dbrType: C.DBR_CTRL_ENUM })).enumStrings).toEqual(['Off', 'On', 'Auto']);
    await mode.put('Auto', { wait: true });
    expect(db.get('R:MODE')!.get()).toBe(2);
    await expect(mode.put('Nonsense', { wait: true })).rejects.toMatchObject({ eca: C.ECA_PUTFAIL });
    expect(stat.accessRights).toEqual({ read: true, write: false });
    expect((await stat.get({ dbrType: C.DBR_STRING })).value).toBe('NO_ALARM');
    // STAT has 22 choices: CTRL_ENUM carries 16 strings, DBR_STRING still names UDF (17).
    db.stringinRecord('R:UNSET');
    const unset = client.channel('R:UNSET.STAT');
    await unset.connected(3000);
    expect((await unset.get({ dbrType: C.DBR_STRING })).value).toBe('UDF');
    expect((await unset.get({ dbrType: C.DBR_CTRL_ENUM })).enumStrings).toHaveLength(16);
  });

  it('waveforms report NELM as capacity and NORD elements for count 0', async () => {
    const wf = client.channel('R:WF');
    await wf.connected(3000);
    expect(wf.nativeCount).toBe(8);
    expect((await wf.get({ count: 0 })).values).toEqual([1, 2, 3]);
    await wf.put([5, 6, 7, 8, 9], { wait: true });
    expect((await wf.get({ count: 0 })).values).toEqual([5, 6, 7, 8, 9]);
    const nord = client.channel('R:WF.NORD');
    await nord.connected(3000);
    expect([nord.nativeType, (await nord.get()).value]).toEqual([C.DBF_DOUBLE, 5]);
  });

  it('removing a record disconnects its channels', async () => {
    const ch = client.channel('R:MODE.DESC');
    await ch.connected(3000);
    let down = false;
    ch.on('connection', (isUp: boolean) => {
      if (!isUp) down = true;
    });
    db.get('R:MODE')!.remove();
    await until(() => down, 3000, 'disconnect');
  });
});
