import { describe, expect, it } from 'vitest';
import {
  DBE_ALARM,
  DBE_LOG,
  DBE_PROPERTY,
  DBE_VALUE,
  DBF_CHAR,
  DBF_DOUBLE,
  DBF_ENUM,
  DBF_SHORT,
  DBF_STRING,
  DBR_DOUBLE,
  DBR_ENUM,
  DBR_LONG,
  DBR_PUT_ACKS,
  DBR_PUT_ACKT,
  DBR_STRING,
  ECA_NORMAL,
  ECA_NOWTACCESS,
  ECA_PUTFAIL,
} from '../../src/ca/constants.js';
import type { Record } from '../../src/ioc/records/record.js';
import { dbr, must, record, testDb, WHO } from './helpers.js';

describe('ai record', () => {
  it('is UDF/INVALID with stamp 0 until a first value', () => {
    const db = testDb();
    db.aiRecord('T:AI');
    const s = must(db, 'T:AI').snapshot();
    expect([s.status, s.severity, s.stamp]).toEqual([17, 3, { secPastEpoch: 0, nsec: 0 }]);
    expect(s.className).toBe('ai');
    expect(s.nativeType).toBe(DBF_DOUBLE);
  });

  it('evaluates limits on set and posts value and alarm in one update', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { HIHI: 90, HHSV: 'MAJOR', HIGH: 70, HSV: 'MINOR' });
    const ev = record(must(db, 'T:AI'));
    r.set(50);
    r.set(75);
    r.set(95);
    r.set(95);
    expect(ev).toEqual([
      { mask: DBE_VALUE | DBE_LOG | DBE_ALARM, value: [50], status: 0, severity: 0 },
      { mask: DBE_VALUE | DBE_LOG | DBE_ALARM, value: [75], status: 4, severity: 1 },
      { mask: DBE_VALUE | DBE_LOG | DBE_ALARM, value: [95], status: 3, severity: 2 },
    ]);
    expect(r.timeStamp).toEqual({ secPastEpoch: 1003, nsec: 500 });
  });

  it('MDEL and ADEL deadbands decide DBE_VALUE and DBE_LOG separately', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 0, MDEL: 1, ADEL: 5 });
    const ev = record(must(db, 'T:AI'));
    r.set(0.5);
    r.set(1.5);
    r.set(4);
    r.set(6);
    expect(ev.map((e) => [e.mask, e.value[0]])).toEqual([
      [DBE_VALUE, 1.5],
      [DBE_VALUE, 4],
      [DBE_VALUE | DBE_LOG, 6],
    ]);
  });

  it('MDEL < 0 posts every update, even unchanged values', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 1, MDEL: -1 });
    const ev = record(must(db, 'T:AI'));
    r.set(1);
    r.set(1);
    expect(ev.map((e) => e.mask)).toEqual([DBE_VALUE, DBE_VALUE]);
  });

  it('posts STAT (VALUE on status change, ALARM on severity change) and SEVR (VALUE)', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 0, HIGH: 5, HSV: 'MINOR', HIHI: 10, HHSV: 'MINOR' });
    const stat = record(must(db, 'T:AI.STAT'));
    const sevr = record(must(db, 'T:AI.SEVR'));
    r.set(6);
    r.set(11);
    r.set(0);
    expect(stat.map((e) => [e.mask, e.value[0]])).toEqual([
      [DBE_VALUE | DBE_ALARM, 4],
      [DBE_VALUE, 3],
      [DBE_VALUE | DBE_ALARM, 0],
    ]);
    expect(sevr.map((e) => [e.mask, e.value[0]])).toEqual([
      [DBE_VALUE, 1],
      [DBE_VALUE, 0],
    ]);
  });

  it('HYST on a record: the alarm holds until the value is HYST below the limit', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 0, HIGH: 10, HSV: 'MINOR', HYST: 1 });
    const seen: number[] = [];
    for (const v of [10, 9.5, 9, 8.9, 9.5]) {
      r.set(v);
      seen.push(r.alarm.severity);
    }
    expect(seen).toEqual([1, 1, 1, 0, 0]);
    expect(r.field('LALM')).toBe(9.5);
  });

  it('process() re-stamps without a value change and posts nothing when nothing changed', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 1 });
    const ev = record(must(db, 'T:AI'));
    const before = r.timeStamp;
    r.process();
    expect(r.timeStamp.secPastEpoch).toBe(before.secPastEpoch + 1);
    expect(ev).toEqual([]);
    r.setField('EGU', 'mm');
    expect(ev).toEqual([{ mask: DBE_PROPERTY, value: [1], status: 0, severity: 0 }]);
    expect(() => r.setField('PREC', 'x')).toThrow('T:AI.PREC: bad value x');
    expect(() => r.field('NOPE')).toThrow('record type ai has no field NOPE');
    expect(() => r.setField('SEVR', 2)).toThrow('T:AI.SEVR is read-only');
    expect(() => db.aiRecord('T:X', { STAT: 3 })).toThrow('T:X: record type ai has no settable field STAT');
  });

  it('DISA = DISV disables processing: DISABLE alarm with DISS severity, posted once', async () => {
    const db = testDb();
    const r = db.aoRecord('T:AO', { VAL: 1, DISS: 'MINOR' });
    const ev = record(must(db, 'T:AO'));
    await must(db, 'T:AO.DISA').write(dbr(DBR_LONG, [1]), WHO);
    expect(r.alarm).toEqual({ status: 0, severity: 0 });
    await must(db, 'T:AO').write(dbr(DBR_DOUBLE, [5]), WHO);
    expect(r.alarm).toEqual({ status: 18, severity: 1 });
    r.process();
    expect(ev).toEqual([{ mask: DBE_VALUE | DBE_ALARM, value: [5], status: 18, severity: 1 }]);
    await must(db, 'T:AO.DISA').write(dbr(DBR_LONG, [0]), WHO);
    r.process();
    expect(r.alarm).toEqual({ status: 0, severity: 0 });
    expect(r.get()).toBe(5);
  });

  it('NaN makes the record UDF and a change to or from NaN always posts', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 1, MDEL: 100, ADEL: 100 });
    const ev = record(must(db, 'T:AI'));
    r.set(Number.NaN);
    r.set(2);
    expect(ev.map((e) => [e.mask, e.status, e.severity])).toEqual([
      [DBE_VALUE | DBE_LOG | DBE_ALARM, 17, 3],
      [DBE_VALUE | DBE_LOG | DBE_ALARM, 0, 0],
    ]);
  });

  it('writing .HIHI re-evaluates alarms and posts DBE_PROPERTY to every channel of the record', async () => {
    const db = testDb();
    db.aiRecord('T:AI', { VAL: 80, HHSV: 'MAJOR', HIHI: 100, EGU: 'degC' });
    const val = record(must(db, 'T:AI'));
    const desc = record(must(db, 'T:AI.DESC'));
    const hihi = record(must(db, 'T:AI.HIHI'));
    expect(await must(db, 'T:AI.HIHI').write(dbr(DBR_DOUBLE, [75]), WHO)).toBe(ECA_NORMAL);
    expect(hihi).toEqual([
      { mask: DBE_VALUE | DBE_LOG, value: [75], status: 0, severity: 0 },
      { mask: DBE_PROPERTY, value: [75], status: 0, severity: 0 },
    ]);
    expect(desc).toEqual([{ mask: DBE_PROPERTY, value: [''], status: 0, severity: 0 }]);
    expect(val).toEqual([
      { mask: DBE_PROPERTY, value: [80], status: 0, severity: 0 },
      { mask: DBE_ALARM, value: [80], status: 3, severity: 2 },
    ]);
    expect(must(db, 'T:AI').snapshot().meta.upperAlarmLimit).toBe(75);
  });

  it('reports GR/CTRL metadata from EGU, PREC, HOPR/LOPR and used alarm limits only', () => {
    const db = testDb();
    db.aiRecord('T:AI', {
      VAL: 1,
      EGU: 'degrees C',
      PREC: 3,
      HOPR: 100,
      LOPR: -10,
      HIHI: 90,
      HHSV: 'MAJOR',
      HIGH: 70,
      LOW: 5,
      LSV: 'MINOR',
    });
    expect(must(db, 'T:AI').snapshot().meta).toEqual({
      units: 'degrees',
      precision: 3,
      upperDispLimit: 100,
      lowerDispLimit: -10,
      upperAlarmLimit: 90,
      upperWarningLimit: Number.NaN,
      lowerWarningLimit: 5,
      lowerAlarmLimit: Number.NaN,
      upperCtrlLimit: 100,
      lowerCtrlLimit: -10,
      enumStrings: [],
    });
    const hihi = must(db, 'T:AI.HIHI').snapshot().meta;
    expect([hihi.units, hihi.precision, hihi.upperDispLimit, hihi.lowerDispLimit]).toEqual([
      'degrees',
      3,
      100,
      -10,
    ]);
    const mdel = must(db, 'T:AI.ADEL').snapshot().meta;
    expect([mdel.upperDispLimit, mdel.lowerDispLimit]).toEqual([1e300, -1e300]);
    const prec = must(db, 'T:AI.PREC').snapshot();
    expect([prec.nativeType, prec.meta.precision, prec.meta.upperDispLimit]).toEqual([DBF_SHORT, 0, 32767]);
  });

  it('serves fields with their IOC native types and menu strings', () => {
    const db = testDb();
    db.aiRecord('T:AI', { VAL: 1, HHSV: 'MAJOR' });
    const types = [
      'VAL',
      'DESC',
      'EGU',
      'PREC',
      'HHSV',
      'SEVR',
      'STAT',
      'NAME',
      'RTYP',
      'SCAN',
      'UDF',
      'ASG',
    ].map((f) => must(db, `T:AI.${f}`).nativeType);
    expect(types).toEqual([
      DBF_DOUBLE,
      DBF_STRING,
      DBF_STRING,
      DBF_SHORT,
      DBF_ENUM,
      DBF_ENUM,
      DBF_ENUM,
      DBF_STRING,
      DBF_STRING,
      DBF_ENUM,
      DBF_CHAR,
      DBF_STRING,
    ]);
    expect(must(db, 'T:AI.HHSV').snapshot().value).toEqual([2]);
    expect(must(db, 'T:AI.HHSV').snapshot().meta.enumStrings).toEqual([
      'NO_ALARM',
      'MINOR',
      'MAJOR',
      'INVALID',
    ]);
    expect(must(db, 'T:AI.STAT').snapshot().meta.enumStrings).toHaveLength(22);
    expect(must(db, 'T:AI.SCAN').snapshot().meta.enumStrings[6]).toBe('1 second');
    expect(must(db, 'T:AI.RTYP').snapshot().value).toEqual(['ai']);
    expect(must(db, 'T:AI.NAME').snapshot().value).toEqual(['T:AI']);
    expect(must(db, 'T:AI.').snapshot().value).toEqual([1]);
    expect(db.lookup('T:AI.NOPE')).toBeUndefined();
    expect(db.lookup('T:AI.hihi')).toBeUndefined();
    expect(db.lookup('T:AIX')).toBeUndefined();
  });

  it('hasName answers as lookup does, without creating the channel name', () => {
    const db = testDb();
    db.aiRecord('T:AI', { VAL: 1 });
    db.waveformRecord('T:WF', { NELM: 4 });
    db.stringinRecord('T:SI');
    db.addAlias('T:AI', 'T:ALIAS');
    const names = [
      'T:AI',
      'T:AI.',
      'T:AI.VAL',
      'T:AI.HIHI',
      'T:AI.DESC$',
      'T:ALIAS',
      'T:ALIAS.EGU',
      'T:WF',
      'T:WF.VAL$',
      'T:SI.VAL$',
      'T:AI.NOPE',
      'T:AI.hihi',
      'T:AIX',
      'T:AI.HIHI$',
      '',
      '.VAL',
      'T:AI..',
    ];
    const found = names.filter((n) => db.hasName(n));
    expect(found).toEqual([
      'T:AI',
      'T:AI.',
      'T:AI.VAL',
      'T:AI.HIHI',
      'T:AI.DESC$',
      'T:ALIAS',
      'T:ALIAS.EGU',
      'T:WF',
      'T:SI.VAL$',
    ]);
    // Searching created nothing: the first lookup still makes a new channel name, and then keeps it.
    const pv = db.lookup('T:AI.HIHI');
    expect(pv).toBeDefined();
    expect(db.lookup('T:AI.HIHI')).toBe(pv);
    expect(names.filter((n) => db.lookup(n) !== undefined)).toEqual(found);
  });

  it('caches snapshots: the same object until something changes', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 1 });
    const pv = must(db, 'T:AI');
    const a = pv.snapshot();
    expect(pv.snapshot()).toBe(a);
    r.set(2);
    const b = pv.snapshot();
    expect(b).not.toBe(a);
    expect(a.value).toEqual([1]);
    expect(b.value).toEqual([2]);
  });
});

describe('puts', () => {
  it('converts strings leniently and fails with ECA_PUTFAIL when nothing parses', async () => {
    const db = testDb();
    const r = db.aoRecord('T:AO', { VAL: 0 });
    const pv = must(db, 'T:AO');
    expect(await pv.write(dbr(DBR_STRING, ['12.5 mm']), WHO)).toBe(ECA_NORMAL);
    expect(r.get()).toBe(12.5);
    expect(await pv.write(dbr(DBR_STRING, ['abc']), WHO)).toBe(ECA_PUTFAIL);
    expect(r.get()).toBe(12.5);
    expect(await pv.write(dbr(DBR_STRING, ['']), WHO)).toBe(ECA_NORMAL);
    expect(r.get()).toBe(0);
  });

  it('formats numbers into string fields with PREC (DOUBLE) or as integers (LONG)', async () => {
    const db = testDb();
    const r = db.aoRecord('T:AO', { VAL: 0, PREC: 2 });
    expect(await must(db, 'T:AO.DESC').write(dbr(DBR_DOUBLE, [3.14159]), WHO)).toBe(ECA_NORMAL);
    expect(r.field('DESC')).toBe('3.14');
    expect(await must(db, 'T:AO.DESC').write(dbr(DBR_LONG, [42]), WHO)).toBe(ECA_NORMAL);
    expect(r.field('DESC')).toBe('42');
    const so = db.stringoutRecord('T:SO');
    expect(await must(db, 'T:SO').write(dbr(DBR_DOUBLE, [1.5]), WHO)).toBe(ECA_NORMAL);
    expect(so.get()).toBe('1.500000');
  });

  it('casts numbers into integer fields as C does', async () => {
    const db = testDb();
    const r = db.longoutRecord('T:LO', { VAL: 0 });
    await must(db, 'T:LO').write(dbr(DBR_DOUBLE, [-7.9]), WHO);
    expect(r.get()).toBe(-7);
    await must(db, 'T:LO').write(dbr(DBR_DOUBLE, [4294967296 + 5]), WHO);
    expect(r.get()).toBe(2147483647);
    const mb = db.mbboRecord('T:MB', { VAL: 0 });
    await must(db, 'T:MB.ZRVL').write(dbr(DBR_DOUBLE, [-1]), WHO);
    expect(mb.field('ZRVL')).toBe(4294967295);
    expect(db.lookup('T:LO.PREC')).toBeUndefined();
  });

  it('maps enum strings exactly, then as an index below the number of states', async () => {
    const db = testDb();
    const r = db.mbboRecord('T:MODE', { ZRST: 'Off', ONST: 'On', TWST: 'Auto', VAL: 0 });
    const pv = must(db, 'T:MODE');
    expect(pv.snapshot().meta.enumStrings).toEqual(['Off', 'On', 'Auto']);
    expect(await pv.write(dbr(DBR_STRING, ['Auto']), WHO)).toBe(ECA_NORMAL);
    expect(r.get()).toBe(2);
    expect(await pv.write(dbr(DBR_STRING, ['1']), WHO)).toBe(ECA_NORMAL);
    expect(r.get()).toBe(1);
    expect(await pv.write(dbr(DBR_STRING, ['3']), WHO)).toBe(ECA_PUTFAIL);
    expect(await pv.write(dbr(DBR_STRING, ['auto']), WHO)).toBe(ECA_PUTFAIL);
    expect(await pv.write(dbr(DBR_ENUM, [2]), WHO)).toBe(ECA_NORMAL);
    expect(r.get()).toBe(2);
  });

  it('menu fields take choice strings or in-range indices only', async () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 0 });
    expect(await must(db, 'T:AI.HHSV').write(dbr(DBR_STRING, ['MAJOR']), WHO)).toBe(ECA_NORMAL);
    expect(r.field('HHSV')).toBe(2);
    expect(await must(db, 'T:AI.HHSV').write(dbr(DBR_ENUM, [4]), WHO)).toBe(ECA_PUTFAIL);
    expect(await must(db, 'T:AI.HHSV').write(dbr(DBR_STRING, ['major']), WHO)).toBe(ECA_PUTFAIL);
    expect(await must(db, 'T:AI.SCAN').write(dbr(DBR_STRING, ['1 second']), WHO)).toBe(ECA_NORMAL);
    expect(r.field('SCAN')).toBe(6);
  });

  it('read-only fields report no write access and refuse puts with ECA_NOWTACCESS', async () => {
    const db = testDb();
    db.waveformRecord('T:WF', { NELM: 4 });
    db.aiRecord('T:AI');
    for (const f of ['NAME', 'RTYP', 'STAT', 'SEVR']) {
      expect(must(db, `T:AI.${f}`).accessRights(WHO)).toBe(1);
      expect(await must(db, `T:AI.${f}`).write(dbr(DBR_STRING, ['x']), WHO)).toBe(ECA_NOWTACCESS);
    }
    for (const f of ['NELM', 'NORD', 'FTVL']) expect(must(db, `T:WF.${f}`).accessRights(WHO)).toBe(1);
    expect(must(db, 'T:AI').accessRights(WHO)).toBe(3);
    expect(must(db, 'T:AI.DESC').accessRights(WHO)).toBe(3);
  });

  it('clamps output records to DRVL..DRVH when DRVH > DRVL', async () => {
    const db = testDb();
    const r = db.aoRecord('T:AO', { DRVH: 10, DRVL: -10, VAL: 0 });
    await must(db, 'T:AO').write(dbr(DBR_DOUBLE, [50]), WHO);
    expect(r.get()).toBe(10);
    await must(db, 'T:AO').write(dbr(DBR_DOUBLE, [-50]), WHO);
    expect(r.get()).toBe(-10);
    const ctrl = must(db, 'T:AO').snapshot().meta;
    expect([ctrl.upperCtrlLimit, ctrl.lowerCtrlLimit]).toEqual([10, -10]);
    await must(db, 'T:AO.DRVL').write(dbr(DBR_DOUBLE, [-5]), WHO);
    expect(r.get()).toBe(-5);
    const lo = db.longoutRecord('T:LO', { VAL: 100 });
    expect(lo.get()).toBe(100);
    await must(db, 'T:LO').write(dbr(DBR_LONG, [1000]), WHO);
    expect(lo.get()).toBe(1000);
    await must(db, 'T:LO.DRVH').write(dbr(DBR_LONG, [500]), WHO);
    expect(lo.get()).toBe(500);
    expect(must(db, 'T:LO').snapshot().meta.upperCtrlLimit).toBe(500);
  });

  it('writing PROC processes the record and runs onWrite', async () => {
    const db = testDb();
    const r = db.boRecord('T:RESTART', { ZNAM: 'Idle', ONAM: 'Restart', VAL: 0 });
    const seen: unknown[] = [];
    r.onWrite((v) => {
      seen.push(v);
    });
    const before = r.timeStamp;
    expect(await must(db, 'T:RESTART.PROC').write(dbr(DBR_LONG, [1]), WHO)).toBe(ECA_NORMAL);
    expect(r.timeStamp).not.toEqual(before);
    expect(seen).toEqual([0]);
  });

  it('onWrite: the put completes when the callback settles, ECA_PUTFAIL when it rejects', async () => {
    const db = testDb();
    const r = db.boRecord('T:BO', { ZNAM: 'Off', ONAM: 'On', VAL: 0 });
    let release: () => void = () => undefined;
    r.onWrite(() => new Promise<void>((resolve) => (release = resolve)));
    const result = must(db, 'T:BO').write(dbr(DBR_STRING, ['On']), WHO);
    expect(result).toBeInstanceOf(Promise);
    let settled = false;
    void (result as Promise<number>).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(r.get()).toBe(1);
    release();
    expect(await result).toBe(ECA_NORMAL);
    const r2 = db.boRecord('T:BO2', { VAL: 0 });
    r2.onWrite(() => Promise.reject(new Error('no')));
    expect(await must(db, 'T:BO2').write(dbr(DBR_ENUM, [1]), WHO)).toBe(ECA_PUTFAIL);
  });

  it('array writes set NORD (truncated to NELM) and replace the array (copy on write)', async () => {
    const db = testDb();
    const r = db.waveformRecord('T:WF', { FTVL: 'SHORT', NELM: 4 });
    const pv = must(db, 'T:WF');
    expect([pv.nativeType, pv.maxCount]).toEqual([DBF_SHORT, 4]);
    const nord = record(must(db, 'T:WF.NORD'));
    const first = pv.snapshot();
    expect(await pv.write(dbr(DBR_DOUBLE, [1, 2, 3]), WHO)).toBe(ECA_NORMAL);
    const second = pv.snapshot();
    expect([Array.from(second.value as Int16Array), second.count]).toEqual([[1, 2, 3], 3]);
    expect(await pv.write(dbr(DBR_LONG, [1, 2, 3, 4, 5, 6]), WHO)).toBe(ECA_NORMAL);
    expect(r.field('NORD')).toBe(4);
    expect(Array.from(second.value as Int16Array)).toEqual([1, 2, 3]);
    expect(first.count).toBe(0);
    expect(nord.map((e) => e.value)).toEqual([[3], [4]]);
    expect(must(db, 'T:WF.NELM').snapshot().value).toEqual([4]);
    expect(must(db, 'T:WF.NELM').nativeType).toBe(DBF_DOUBLE);
    expect(must(db, 'T:WF.FTVL').snapshot().value).toEqual([3]);
  });

  it('waveform of STRING and CHAR element types', async () => {
    const db = testDb();
    const s = db.waveformRecord('T:S', { FTVL: 'STRING', NELM: 3, PREC: 2 });
    await must(db, 'T:S').write(dbr(DBR_DOUBLE, [1.5, 2]), WHO);
    expect(s.get()).toEqual(['1.50', '2.00']);
    await must(db, 'T:S').write(dbr(DBR_STRING, ['a', 'b', 'c', 'd']), WHO);
    expect(s.get()).toEqual(['a', 'b', 'c']);
    const c = db.waveformRecord('T:C', { FTVL: 'CHAR', NELM: 16 });
    c.set('hello');
    expect(Array.from(c.get() as Int8Array)).toEqual([104, 101, 108, 108, 111, 0]);
    expect(must(db, 'T:C').nativeType).toBe(DBF_CHAR);
  });

  it('long-string access FIELD$ serves a CHAR array and accepts writes', async () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { DESC: 'Temperature' });
    const pv = must(db, 'T:AI.DESC$');
    expect([pv.nativeType, pv.maxCount]).toEqual([DBF_CHAR, 41]);
    const s = pv.snapshot();
    expect([Array.from(s.value as Uint8Array), s.count]).toEqual([
      [84, 101, 109, 112, 101, 114, 97, 116, 117, 114, 101, 0],
      12,
    ]);
    const bytes = [...'A longer description'].map((ch) => ch.charCodeAt(0));
    expect(await pv.write({ dbrType: 4, count: bytes.length + 1, value: [...bytes, 0] }, WHO)).toBe(
      ECA_NORMAL,
    );
    expect(r.field('DESC')).toBe('A longer description');
    expect(must(db, 'T:AI.NAME$').maxCount).toBe(61);
    expect(db.lookup('T:AI.HIHI$')).toBeUndefined();
    db.waveformRecord('T:WS', { FTVL: 'STRING', NELM: 2 });
    expect(db.lookup('T:WS.VAL$')).toBeUndefined();
    db.stringinRecord('T:SI', { VAL: 'abc' });
    expect(must(db, 'T:SI.VAL$').maxCount).toBe(40);
    expect(must(db, 'T:SI.INP$').maxCount).toBe(1024);
  });

  it('DBR_PUT_ACKT/ACKS acknowledge alarms', async () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { HIHI: 10, HHSV: 'MAJOR', VAL: 0 });
    r.set(20);
    r.set(0);
    const pv = must(db, 'T:AI');
    expect(pv.snapshot().acks).toBe(2);
    expect(pv.snapshot().ackt).toBe(1);
    const ev = record(pv);
    expect(await pv.write(dbr(DBR_PUT_ACKS, [1]), WHO)).toBe(ECA_NORMAL);
    expect(pv.snapshot().acks).toBe(2);
    expect(await pv.write(dbr(DBR_PUT_ACKS, [2]), WHO)).toBe(ECA_NORMAL);
    expect(pv.snapshot().acks).toBe(0);
    expect(await pv.write(dbr(DBR_PUT_ACKT, [0]), WHO)).toBe(ECA_NORMAL);
    expect(pv.snapshot().ackt).toBe(0);
    expect(ev.map((e) => e.mask)).toEqual([DBE_ALARM, DBE_ALARM, DBE_ALARM]);
    expect(r.field('ACKS')).toBe(0);
  });
});

describe('binary and multi-bit records', () => {
  it('bi: ZNAM/ONAM are the enum strings, ZSV/OSV state alarms, posts on change only', () => {
    const db = testDb();
    const r = db.biRecord('T:BI', { ZNAM: 'Closed', ONAM: 'Open', OSV: 'MINOR' });
    const ev = record(must(db, 'T:BI'));
    r.set(1);
    r.set(1);
    r.set(0);
    expect(ev).toEqual([
      { mask: DBE_VALUE | DBE_LOG | DBE_ALARM, value: [1], status: 7, severity: 1 },
      { mask: DBE_VALUE | DBE_LOG | DBE_ALARM, value: [0], status: 0, severity: 0 },
    ]);
    expect(must(db, 'T:BI').snapshot().meta.enumStrings).toEqual(['Closed', 'Open']);
    r.set('Open');
    expect(r.get()).toBe(1);
  });

  it('mbbi: no_str is the last non-empty state + 1; ZRSV..FFSV, UNSV and COSV', () => {
    const db = testDb();
    const r = db.mbbiRecord('T:MB', {
      ZRST: 'a',
      TWST: 'c',
      TWSV: 'MAJOR',
      UNSV: 'INVALID',
      COSV: 'MINOR',
      VAL: 0,
    });
    expect(must(db, 'T:MB').snapshot().meta.enumStrings).toEqual(['a', '', 'c']);
    r.set(1);
    expect(r.alarm).toEqual({ status: 8, severity: 1 });
    r.set(1);
    expect(r.alarm).toEqual({ status: 0, severity: 0 });
    r.set(2);
    expect(r.alarm).toEqual({ status: 7, severity: 2 });
    r.set(20);
    expect(r.alarm).toEqual({ status: 7, severity: 3 });
  });

  it('writing ZRST posts DBE_PROPERTY with the new enum strings', async () => {
    const db = testDb();
    db.mbboRecord('T:MB', { ZRST: 'a', VAL: 0 });
    const ev: string[][] = [];
    must(db, 'T:MB').subscribe((mask, s) => {
      if (mask & DBE_PROPERTY) ev.push([...s.meta.enumStrings]);
    });
    await must(db, 'T:MB.ONST').write(dbr(DBR_STRING, ['b']), WHO);
    expect(ev).toEqual([['a', 'b']]);
  });
});

describe('string records', () => {
  it('stringin posts on change by default (MPST On Change) and always with MPST Always', () => {
    const db = testDb();
    const a = db.stringinRecord('T:A', { VAL: 'x' });
    const b = db.stringinRecord('T:B', { VAL: 'x', MPST: 'Always', APST: 'Always' });
    const ea = record(must(db, 'T:A'));
    const eb = record(must(db, 'T:B'));
    a.set('x');
    b.set('x');
    a.set('y');
    expect(ea.map((e) => [e.mask, e.value[0]])).toEqual([[DBE_VALUE | DBE_LOG, 'y']]);
    expect(eb.map((e) => [e.mask, e.value[0]])).toEqual([[DBE_VALUE | DBE_LOG, 'x']]);
  });
});

describe('agent API', () => {
  it('set with severity raises an alarm kept until the next set; setAlarm changes only the alarm', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 0 });
    const ev = record(must(db, 'T:AI'));
    r.set(1, { severity: 2, stamp: { secPastEpoch: 5, nsec: 6 } });
    expect(r.alarm).toEqual({ status: 15, severity: 2 });
    expect(r.timeStamp).toEqual({ secPastEpoch: 5, nsec: 6 });
    r.setAlarm(1, 9);
    expect(r.alarm).toEqual({ status: 9, severity: 1 });
    r.set(2);
    expect(r.alarm).toEqual({ status: 0, severity: 0 });
    expect(ev.map((e) => [e.mask, e.status, e.severity])).toEqual([
      [DBE_VALUE | DBE_LOG | DBE_ALARM, 15, 2],
      [DBE_ALARM, 9, 1],
      [DBE_VALUE | DBE_LOG | DBE_ALARM, 0, 0],
    ]);
  });

  it('converts Date stamps to the EPICS epoch with nanoseconds', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI');
    r.set(1, { stamp: new Date(Date.UTC(2020, 0, 1, 0, 0, 0, 250)) });
    expect(r.timeStamp).toEqual({ secPastEpoch: 1577836800 - 631152000, nsec: 250000000 });
  });

  it('batch posts once per record with the union of masks', () => {
    const db = testDb();
    const a = db.aiRecord('T:A', { VAL: 0, HIHI: 5, HHSV: 'MAJOR' });
    const b = db.aiRecord('T:B', { VAL: 0 });
    const ea = record(must(db, 'T:A'));
    const eb = record(must(db, 'T:B'));
    db.batch(() => {
      a.set(1);
      a.set(10);
      a.set(3);
      b.set(7);
    });
    expect(ea).toEqual([{ mask: DBE_VALUE | DBE_LOG | DBE_ALARM, value: [3], status: 0, severity: 0 }]);
    expect(eb).toEqual([{ mask: DBE_VALUE | DBE_LOG, value: [7], status: 0, severity: 0 }]);
  });

  it('aliases resolve to the same record; remove() fires onRemoved with every served name', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 3 }, { aliases: ['T:OTHER'] });
    expect(must(db, 'T:OTHER.VAL').snapshot().value).toEqual([3]);
    expect(must(db, 'T:OTHER.NAME').snapshot().value).toEqual(['T:AI']);
    must(db, 'T:AI.HIHI');
    const removed: string[][] = [];
    db.onRemoved((names) => removed.push([...names]));
    r.remove();
    expect(removed).toEqual([['T:AI', 'T:OTHER', 'T:OTHER.VAL', 'T:OTHER.NAME', 'T:AI.HIHI']]);
    expect(db.lookup('T:AI')).toBeUndefined();
    expect(db.lookup('T:OTHER')).toBeUndefined();
    expect(db.size).toBe(0);
  });

  it('rejects unknown fields, bad values and duplicate names with GW_INTERNAL', () => {
    const db = testDb();
    db.aiRecord('T:AI');
    expect(() => db.aiRecord('T:AI')).toThrow(/already in use/);
    expect(() => db.aiRecord('T:X', { FOO: 1 })).toThrow(/no settable field FOO/);
    expect(() => db.aiRecord('T:Y', { HHSV: 'HUGE' })).toThrow(/bad value "HUGE" for HHSV/);
    expect(() => db.aiRecord('bad name')).toThrow(/invalid record name/);
    expect(() => db.createRecord('sub', 'T:C')).toThrow(/unknown record type "sub"/);
  });

  it('subscribe is O(listeners): unsubscribe removes exactly one subscription', () => {
    const db = testDb();
    const r = db.aiRecord('T:AI', { VAL: 0 }) as Record;
    const pv = must(db, 'T:AI');
    const l = () => undefined;
    const u1 = pv.subscribe(l);
    const u2 = pv.subscribe(l);
    expect(r.subscriptionCount).toBe(2);
    u1();
    expect(r.subscriptionCount).toBe(1);
    u2();
    expect(r.subscriptionCount).toBe(0);
  });
});
