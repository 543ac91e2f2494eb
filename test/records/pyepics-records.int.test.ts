// Soft records through the real libca (pyepics): CTRL metadata with unused alarm limits as NaN,
// enum strings, string and enum puts with put-callback, .HIHI writes raising the alarm, read-only
// fields as libca sees them, the class name field, and monitors with the alarm in the same update.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { AccessSecurity } from '../../src/ioc/access/access-security.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';
import type { CaServer } from '../../src/ioc/server/ca-server.js';
import { startServer } from '../client/helpers.js';
import { PyEpics } from '../interop/pyepics.js';
import { clientEnv, freePort } from '../interop/server-fixture.js';

let db: RecordDatabase;
let server: CaServer;
let py: PyEpics;

beforeAll(async () => {
  db = new RecordDatabase();
  db.aiRecord('P:TEMP', {
    DESC: 'Temperature',
    EGU: 'degC',
    PREC: 1,
    HOPR: 50,
    LOPR: -10,
    HIHI: 40,
    HHSV: 'MAJOR',
    VAL: 21.5,
  });
  db.mbboRecord('P:MODE', { ZRST: 'Off', ONST: 'On', TWST: 'Auto', VAL: 0 });
  db.stringoutRecord('P:NOTE', { VAL: 'hello' });
  const port = await freePort();
  server = await startServer(db, port);
  py = await PyEpics.start(clientEnv(port, await freePort()));
});

afterAll(async () => {
  await py?.stop();
  await server?.close();
});

describe('records through libca', () => {
  it('ai CTRL: value, units, precision, limits; unused alarm limits are NaN', async () => {
    const r = await py.do({ op: 'caget', name: 'P:TEMP', form: 'ctrl' });
    expect(r.value).toBe(21.5);
    expect(r.units).toBe('degC');
    expect(r.precision).toBe(1);
    expect(r.ctrlvars).toMatchObject({
      upper_disp_limit: 50,
      lower_disp_limit: -10,
      upper_alarm_limit: 40,
      upper_warning_limit: 'NaN',
      lower_warning_limit: 'NaN',
      lower_alarm_limit: 'NaN',
      upper_ctrl_limit: 50,
      lower_ctrl_limit: -10,
    });
    expect((await py.do({ op: 'caget', name: 'P:TEMP', as_string: true })).value).toBe('21.5');
    expect((await py.do({ op: 'caget', name: 'P:TEMP.DESC' })).value).toBe('Temperature');
    expect((await py.do({ op: 'caget', name: 'P:TEMP.RTYP' })).value).toBe('ai');
    expect((await py.do({ op: 'caget', name: 'P:TEMP.HHSV', as_string: true })).value).toBe('MAJOR');
  });

  it('enum strings, and enum and string puts with put-callback', async () => {
    const ctrl = await py.do({ op: 'caget', name: 'P:MODE', form: 'ctrl' });
    expect(ctrl.enum_strs).toEqual(['Off', 'On', 'Auto']);
    // pyepics maps enum strings to indices client-side and sends DBR_ENUM.
    expect((await py.do({ op: 'put', name: 'P:MODE', value: 2, wait: true })).status).toBe(1);
    expect(db.get('P:MODE')!.get()).toBe(2);
    expect((await py.do({ op: 'caget', name: 'P:MODE', as_string: true })).value).toBe('Auto');
    expect((await py.do({ op: 'put', name: 'P:NOTE', value: 'set by libca', wait: true })).status).toBe(1);
    expect(db.get('P:NOTE')!.get()).toBe('set by libca');
  });

  it('a .HIHI put raises the alarm seen by a monitor in the same update as the value', async () => {
    await py.do({ op: 'monitor', name: 'P:TEMP', mask: C.DBE_VALUE | C.DBE_ALARM });
    const first = await py.do({ op: 'events', name: 'P:TEMP', min: 1 });
    expect((first.events as { value: number; severity: number }[])[0]).toMatchObject({
      value: 21.5,
      severity: 0,
    });
    expect((await py.do({ op: 'put', name: 'P:TEMP.HIHI', value: 20, wait: true })).status).toBe(1);
    const alarm = await py.do({ op: 'events', name: 'P:TEMP', min: 1 });
    // Only the fields a TIME monitor carries (the driver reports metadata keys as null for them).
    const pick = (evs: unknown) =>
      (evs as Record<string, unknown>[]).map(({ value, status, severity, count }) => ({
        value,
        status,
        severity,
        count,
      }));
    expect(pick(alarm.events)).toEqual([
      { value: 21.5, status: C.HIHI_ALARM, severity: C.MAJOR_ALARM, count: 1 },
    ]);
    db.get('P:TEMP')!.set(10);
    const back = await py.do({ op: 'events', name: 'P:TEMP', min: 1 });
    expect(pick(back.events)).toEqual([{ value: 10, status: 0, severity: 0, count: 1 }]);
  });

  it('read-only fields have no write access in libca', async () => {
    expect(await py.do({ op: 'access', name: 'P:TEMP.SEVR' })).toMatchObject({ read: true, write: false });
    expect(await py.do({ op: 'access', name: 'P:TEMP.EGU' })).toMatchObject({ read: true, write: true });
  });

  it('an ACF reload changes the rights libca sees (HAG by CIDR); an invalid reload keeps them', async () => {
    const files: { [path: string]: string } = {
      'ioc.acf': 'HAG(local) { 127.0.0.0/8 }\nASG(DEFAULT) { RULE(1, READ) RULE(0, WRITE) { HAG(local) } }',
    };
    const security = new AccessSecurity('ioc.acf', db, (p) => files[p]!);
    security.load();
    await py.do({ op: 'sleep', seconds: 0.2 });
    expect(await py.do({ op: 'access', name: 'P:NOTE' })).toMatchObject({ read: true, write: true });
    expect(await py.do({ op: 'access', name: 'P:NOTE.DESC' })).toMatchObject({ read: true, write: false });
    files['ioc.acf'] =
      'HAG(remote) { 10.0.0.0/8 }\nASG(DEFAULT) { RULE(1, READ) RULE(1, WRITE) { HAG(remote) } }';
    expect(security.reload().ok).toBe(true);
    await py.do({ op: 'sleep', seconds: 0.2 });
    expect(await py.do({ op: 'access', name: 'P:NOTE' })).toMatchObject({ read: true, write: false });
    files['ioc.acf'] = 'ASG(DEFAULT) { RULE(1, WRITE) } BROKEN';
    expect(security.reload().ok).toBe(false);
    await py.do({ op: 'sleep', seconds: 0.2 });
    expect(await py.do({ op: 'access', name: 'P:NOTE' })).toMatchObject({ read: true, write: false });
    db.setAccessPolicy(undefined);
  });
});
