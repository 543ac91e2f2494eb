import { describe, expect, it } from 'vitest';
import { INVALID_ALARM, MAJOR_ALARM, MINOR_ALARM, NO_ALARM } from '../../src/ca/constants.js';
import { RecordDatabase } from '../../src/ioc/db/index.js';
import { recordAlarm, statusMessage } from '../../src/ioc/health/status-message.js';

describe('STATUS_MSG text', () => {
  it('groups the PVs in alarm by severity, worst first, in the given order; empty when none', () => {
    expect(
      statusMessage([
        { name: 'MEM_USED_PCT', severity: MINOR_ALARM, why: 'HIGH' },
        { name: 'GWF01:STATE', severity: MAJOR_ALARM, why: 'FATAL' },
        { name: 'FD_CNT', severity: NO_ALARM, why: 'NO_ALARM' },
        { name: 'CG_MEM_USED', severity: INVALID_ALARM, why: 'READ' },
        { name: 'GWR01:ALIVE', severity: MAJOR_ALARM, why: 'No' },
      ]),
    ).toBe('INVALID: CG_MEM_USED READ; MAJOR: GWF01:STATE FATAL, GWR01:ALIVE No; MINOR: MEM_USED_PCT HIGH');
    expect(statusMessage([{ name: 'X', severity: NO_ALARM, why: '' }])).toBe('');
    expect(statusMessage([])).toBe('');
  });

  it('an enum record is named by its state string, others by their alarm status', () => {
    const db = new RecordDatabase();
    const state = db.createRecord('mbbi', 'P:GW:STATE', {
      ZRST: 'STOPPED',
      ONST: 'FATAL',
      ONSV: 'MAJOR',
      VAL: 1,
    });
    state.process();
    const alive = db.createRecord('bi', 'P:GW:ALIVE', { ZNAM: 'No', ONAM: 'Yes', ZSV: 'MAJOR', VAL: 0 });
    alive.process();
    const mem = db.createRecord('ai', 'P:MEM_USED_PCT', { HIGH: 85, HSV: 'MINOR', VAL: 90 });
    mem.process();
    const cg = db.createRecord('ai', 'P:CG_MEM_USED', {});
    cg.setAlarm(INVALID_ALARM, 1);
    expect([
      recordAlarm(state, 'GW:STATE'),
      recordAlarm(alive, 'GW:ALIVE'),
      recordAlarm(mem, 'MEM_USED_PCT'),
      recordAlarm(cg, 'CG_MEM_USED'),
    ]).toEqual([
      { name: 'GW:STATE', severity: MAJOR_ALARM, why: 'FATAL' },
      { name: 'GW:ALIVE', severity: MAJOR_ALARM, why: 'No' },
      { name: 'MEM_USED_PCT', severity: MINOR_ALARM, why: 'HIGH' },
      { name: 'CG_MEM_USED', severity: INVALID_ALARM, why: 'READ' },
    ]);
  });
});
