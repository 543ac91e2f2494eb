// caget-style formatting: C's %g, time stamps with microseconds, DBR type names for -d.
import { describe, expect, it } from 'vitest';
import { formatG, formatGetLine, formatStamp, parseDbrType } from '../../src/cli/ca-format.js';

describe('ca-format', () => {
  it('formats floats like C %g', () => {
    const cases: [number, string][] = [
      [3.25, '3.25'],
      [0.1, '0.1'],
      [1e-7, '1e-07'],
      [123456, '123456'],
      [1234567, '1.23457e+06'],
      [-0.000123, '-0.000123'],
      [98.8, '98.8'],
      [0, '0'],
      [2 / 3, '0.666667'],
      [1e300, '1e+300'],
      [NaN, 'nan'],
      [-Infinity, '-inf'],
      [999999.5, '1e+06'],
    ];
    for (const [v, s] of cases) expect([v, formatG(v)]).toEqual([v, s]);
  });

  it('prints the time stamp with microseconds, in local time', () => {
    process.env.TZ = 'UTC';
    const v = {
      dbrType: 20,
      count: 1,
      value: 1,
      values: [1],
      stamp: { secPastEpoch: 1072915200, nsec: 500123999 },
      timestamp: new Date('2024-01-01T00:00:00.500Z'),
    };
    expect(formatStamp(v)).toBe('2024-01-01 00:00:00.500123');
    expect(formatGetLine('X', { ...v, severity: 2, status: 3 }, false, 'wide')).toBe(
      `${'X'.padEnd(30)} 2024-01-01 00:00:00.500123 1 HIHI MAJOR`,
    );
    expect(formatGetLine('X', { ...v, dbrType: 6, values: [1, 2.5], count: 2 }, true, 'terse')).toBe(
      '2 1 2.5',
    );
  });

  it('parses DBR type names with or without the prefix, and numbers', () => {
    expect(parseDbrType('DBR_CTRL_DOUBLE')).toBe(34);
    expect(parseDbrType('time_double')).toBe(20);
    expect(parseDbrType('38')).toBe(38);
    expect(parseDbrType('39')).toBeUndefined();
    expect(parseDbrType('DOUBLE_TIME')).toBeUndefined();
  });
});
