import { describe, expect, it } from 'vitest';
import { analogAlarms, stateAlarms } from '../../src/ioc/records/alarms.js';
import type { AnalogLimits } from '../../src/ioc/records/alarms.js';
import { passesDeadband } from '../../src/ioc/records/deadband.js';

const LIMITS: AnalogLimits = {
  hihi: 90,
  high: 70,
  low: 20,
  lolo: 10,
  hhsv: 2,
  hsv: 1,
  lsv: 1,
  llsv: 2,
  hyst: 0,
};

function evaluate(val: number, limits: AnalogLimits, lalm = Number.NaN) {
  let got: [number, number] = [0, 0];
  const newLalm = analogAlarms(val, limits, lalm, (stat, sevr) => {
    if (sevr <= got[1]) return false;
    got = [stat, sevr];
    return true;
  });
  return { stat: got[0], sevr: got[1], lalm: newLalm };
}

describe('analog limit alarms', () => {
  it.each([
    [95, 3, 2, 90],
    [90, 3, 2, 90],
    [89.9, 4, 1, 70],
    [70, 4, 1, 70],
    [50, 0, 0, 50],
    [20, 6, 1, 20],
    [15, 6, 1, 20],
    [10, 5, 2, 10],
    [-5, 5, 2, 10],
  ])('value %d -> status %d severity %d (LALM %d)', (val, stat, sevr, lalm) => {
    expect(evaluate(val, LIMITS)).toEqual({ stat, sevr, lalm });
  });

  it('a limit whose severity field is NO_ALARM never alarms', () => {
    const noHigh = { ...LIMITS, hhsv: 0, hsv: 0 };
    expect(evaluate(1000, noHigh)).toEqual({ stat: 0, sevr: 0, lalm: 1000 });
    expect(evaluate(5, { ...LIMITS, llsv: 0 })).toEqual({ stat: 6, sevr: 1, lalm: 20 });
  });

  it('all limits default to 0 with severities unset: no alarm at any value', () => {
    const zero = { hihi: 0, high: 0, low: 0, lolo: 0, hhsv: 0, hsv: 0, lsv: 0, llsv: 0, hyst: 0 };
    expect(evaluate(0, zero).sevr).toBe(0);
    expect(evaluate(-1e9, zero).sevr).toBe(0);
  });

  it('HYST holds an alarm until the value is HYST clear of the limit that fired', () => {
    const l = { ...LIMITS, hyst: 2 };
    expect(evaluate(71, l, 50)).toEqual({ stat: 4, sevr: 1, lalm: 70 });
    expect(evaluate(69, l, 70)).toEqual({ stat: 4, sevr: 1, lalm: 70 });
    expect(evaluate(68, l, 70)).toEqual({ stat: 4, sevr: 1, lalm: 70 });
    expect(evaluate(67.9, l, 70)).toEqual({ stat: 0, sevr: 0, lalm: 67.9 });
    // without a previous HIGH alarm, 69 is simply below the limit
    expect(evaluate(69, l, 50)).toEqual({ stat: 0, sevr: 0, lalm: 69 });
    // LOW side
    expect(evaluate(21.5, l, 20)).toEqual({ stat: 6, sevr: 1, lalm: 20 });
    expect(evaluate(22.5, l, 20)).toEqual({ stat: 0, sevr: 0, lalm: 22.5 });
    // from HIHI back into HIGH within hysteresis of HIHI: still HIHI
    expect(evaluate(88.5, l, 90)).toEqual({ stat: 3, sevr: 2, lalm: 90 });
    expect(evaluate(87, l, 90)).toEqual({ stat: 4, sevr: 1, lalm: 70 });
  });

  it('NaN compares false against every limit', () => {
    expect(evaluate(Number.NaN, LIMITS).sevr).toBe(0);
  });
});

describe('state alarms', () => {
  function state(val: number, sevs: number[], unsv: number, cosv: number, lalm: number) {
    let got: [number, number] = [0, 0];
    const l = stateAlarms(val, sevs, unsv, cosv, lalm, (stat, sevr) => {
      if (sevr <= got[1]) return false;
      got = [stat, sevr];
      return true;
    });
    return [...got, l];
  }
  it('uses the severity of the current state, UNSV past the states, COSV on change', () => {
    expect(state(1, [0, 2], 0, 0, 1)).toEqual([7, 2, 1]);
    expect(state(0, [0, 2], 0, 0, 1)).toEqual([0, 0, 0]);
    expect(state(0, [0, 2], 0, 1, 1)).toEqual([8, 1, 0]);
    expect(state(16, new Array<number>(16).fill(0), 3, 0, 16)).toEqual([7, 3, 16]);
    // the state severity wins over a lower COS severity
    expect(state(1, [0, 2], 0, 1, 0)).toEqual([7, 2, 1]);
  });
});

describe('deadbands', () => {
  it.each([
    [0, 1, 0, true],
    [0, 0, 0, false],
    [0, 0, -1, true],
    [0, 0.5, 1, false],
    [0, 1, 1, false],
    [0, 1.5, 1, true],
    [1, -0.5, 1, true],
    [Number.NaN, 0, 1e300, true],
    [0, Number.NaN, 1e300, true],
    [Number.NaN, Number.NaN, 0, false],
    [Number.NaN, Number.NaN, -1, true],
    [Infinity, Infinity, 0, false],
    [Infinity, -Infinity, 1e300, true],
    [Infinity, Number.NaN, 1e300, true],
    [5, Infinity, 1e300, true],
  ])('last %d -> next %d with deadband %d posts: %s', (last, next, db, posts) => {
    expect(passesDeadband(last, next, db)).toBe(posts);
  });
});
