import { describe, expect, it } from 'vitest';
import {
  epicsSeconds,
  fitString,
  formatTod,
  formatUptime,
  stringPiece,
} from '../../src/ioc/health/format.js';

describe('formatUptime (devIocStats UPTIME)', () => {
  it('formats below a day, one day and several days', () => {
    expect(formatUptime(0)).toBe('00:00:00');
    expect(formatUptime(59.99)).toBe('00:00:59');
    expect(formatUptime(3 * 3600 + 4 * 60 + 5)).toBe('03:04:05');
    expect(formatUptime(86400 + 61)).toBe('1 day, 00:01:01');
    expect(formatUptime(12 * 86400 + 23 * 3600 + 59 * 60 + 59)).toBe('12 days, 23:59:59');
    expect(formatUptime(-5)).toBe('00:00:00');
  });
});

describe('formatTod (%m/%d/%Y %H:%M:%S, local time)', () => {
  it('zero-pads every field', () => {
    const ms = new Date(2026, 0, 2, 3, 4, 5, 678).getTime();
    expect(formatTod(ms)).toBe('01/02/2026 03:04:05');
    expect(formatTod(new Date(1999, 11, 31, 23, 59, 59).getTime())).toBe('12/31/1999 23:59:59');
  });
});

describe('stringPiece (…1/…2 PVs)', () => {
  const path = '/opt/gwagent/config/a-very-long-directory-name/with/more/parts/gwagent.ini';
  it('cuts 39-character pieces like devIocStats getStringPart', () => {
    expect(stringPiece(path, 0)).toBe(path.slice(0, 39));
    expect(stringPiece(path, 0)).toHaveLength(39);
    expect(stringPiece(path, 1)).toBe(path.slice(39, 78));
    expect(stringPiece(path, 0) + stringPiece(path, 1)).toBe(path);
    expect(stringPiece('/short', 1)).toBe('');
    expect(fitString('x'.repeat(50))).toBe('x'.repeat(39));
  });
});

describe('epicsSeconds', () => {
  it('counts from 1990-01-01 UTC', () => {
    expect(epicsSeconds(Date.UTC(1990, 0, 1))).toBe(0);
    expect(epicsSeconds(Date.UTC(2026, 0, 1) + 250)).toBe(1136073600.25);
  });
});
