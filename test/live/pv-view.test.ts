// Issue 15: how the web views read PVs: display text as a display manager shows it (enum strings, PREC,
// units, bytes made readable), and INVALID values that are absent rather than numbers.
import { describe, expect, it } from 'vitest';
import { COMM_ALARM, INVALID_ALARM } from '../../src/ca/constants.js';
import { PvReader, cellOf, formatSnapshot } from '../../src/agent/http/pv-view.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';

function setup() {
  const db = new RecordDatabase();
  db.createRecord('mbbi', 'X:STATE', { ZRST: 'STOPPED', ONST: 'RUNNING', ONSV: 'MINOR', VAL: 1 });
  db.createRecord('ai', 'X:RATE', { PREC: 2, EGU: 'Hz', VAL: 12.5 });
  db.createRecord('ai', 'X:MEM', { PREC: 0, EGU: 'bytes', VAL: 3 * 1024 * 1024 + 512 * 1024 });
  db.createRecord('ai', 'X:COUNT', { VAL: 7 });
  db.createRecord('stringin', 'X:LAST', { VAL: 'signal SIGKILL' });
  db.createRecord('bi', 'X:ALIVE', { ZNAM: 'No', ONAM: 'Yes', ZSV: 'MAJOR', VAL: 0 });
  return { db, reader: new PvReader(db, 'X:') };
}

describe('PvReader', () => {
  it('formats like a display manager, with the severity', () => {
    const { reader } = setup();
    const text = (s: string) => formatSnapshot(reader.snapshot(s)!);
    expect(text('RATE')).toBe('12.50 Hz');
    expect(text('MEM')).toBe('3.5 MiB');
    expect(text('COUNT')).toBe('7');
    expect(text('LAST')).toBe('signal SIGKILL');
    expect(cellOf(reader.snapshot('STATE')!)).toEqual(['RUNNING', 1]);
    expect(cellOf(reader.snapshot('ALIVE')!)).toEqual(['No', 2]);
  });

  it('numbers: an INVALID value is absent (cannot be read), a summary is read anyway', () => {
    const { db, reader } = setup();
    expect(reader.number('RATE')).toBe(12.5);
    expect(reader.number('STATE')).toBe(1);
    expect(reader.number('NOPE')).toBeUndefined();
    db.get('X:RATE')!.setAlarm(INVALID_ALARM, COMM_ALARM);
    expect(reader.number('RATE')).toBeUndefined();
    expect(reader.number('RATE', true)).toBe(12.5);
  });

  it('lays out only the PVs that exist, health in page order with the titles the page shows', () => {
    const { db, reader } = setup();
    db.createRecord('ai', 'X:DISK:ROOT:USED_PCT', { VAL: 25 });
    db.createRecord('longin', 'X:GW_CNT', { VAL: 2 });
    db.createRecord('mbbi', 'X:STATUS', { ZRST: 'Ok', VAL: 0 });
    db.createRecord('mbbi', 'X:A:STATE', { VAL: 0 });
    expect(reader.layout(['A', 'B'], ['ROOT', 'DATA'])).toEqual({
      health: ['STATUS', 'GW_CNT', 'DISK:ROOT:USED_PCT'],
      titles: { STATUS: 'Status', GW_CNT: 'Gateways', 'DISK:ROOT:USED_PCT': 'Disk ROOT used' },
      gateways: ['A'],
    });
    expect(reader.pageSuffixes({ health: ['STATUS'], titles: {}, gateways: ['A'] }).slice(0, 4)).toEqual([
      'STATUS',
      'A:LABEL',
      'A:STATE',
      'A:PID',
    ]);
  });
});
