// Plain-object values for applications and put payloads from plain JS values.
import { describe, expect, it } from 'vitest';
import { defaultPutType, encodePut, epicsStampToDate, toCaValue } from '../../src/ca/client/ca-value.js';
import { toHex } from '../support/hex.js';

describe('toCaValue', () => {
  it('gives a scalar for scalar channels with the time stamp as Date and EPICS seconds', () => {
    const v = toCaValue(
      {
        dbrType: 20,
        count: 1,
        value: [3.25],
        status: 0,
        severity: 0,
        stamp: { secPastEpoch: 1072915200, nsec: 500000000 },
      },
      false,
    );
    expect(v).toEqual({
      dbrType: 20,
      count: 1,
      value: 3.25,
      values: [3.25],
      status: 0,
      severity: 0,
      stamp: { secPastEpoch: 1072915200, nsec: 500000000 },
      timestamp: new Date('2024-01-01T00:00:00.500Z'),
    });
  });

  it('gives arrays for array channels, empty for a count-0 reply', () => {
    expect(toCaValue({ dbrType: 6, count: 1, value: [1] }, true).value).toEqual([1]);
    expect(toCaValue({ dbrType: 6, count: 0, value: [0] }, true)).toMatchObject({
      count: 0,
      value: [],
      values: [],
    });
  });

  it('converts the EPICS epoch', () => {
    expect(epicsStampToDate({ secPastEpoch: 0, nsec: 999_999_999 }).toISOString()).toBe(
      '1990-01-01T00:00:00.999Z',
    );
  });
});

describe('encodePut', () => {
  it('encodes numbers as the requested plain type', () => {
    expect(toHex(encodePut(7.5, 6).payload)).toBe('40 1e 00 00 00 00 00 00');
    expect(toHex(encodePut([1, -2, 3], 1).payload)).toBe('00 01 ff fe 00 03 00 00');
    expect(encodePut([1, -2, 3], 1).count).toBe(3);
    expect(toHex(encodePut(2, 3).payload)).toBe('00 02 00 00 00 00 00 00');
  });

  it('encodes strings in 40-byte slots and numbers sent as strings exactly', () => {
    const p = encodePut('abc', 0).payload;
    expect(p.length).toBe(40);
    expect(p.toString('latin1', 0, 4)).toBe('abc\0');
    expect(encodePut(0.1, 0).payload.toString('latin1', 0, 4)).toBe('0.1\0');
  });

  it('refuses what libca refuses', () => {
    expect(() => encodePut('x'.repeat(40), 0)).toThrow(/39 characters/);
    expect(() => encodePut('abc', 6)).toThrow(/DBR_STRING/);
    expect(() => encodePut(1, 20)).toThrow(/plain DBR type/);
    expect(() => encodePut([], 6)).toThrow(/empty/);
  });

  it('chooses the put type from the value and the native type', () => {
    expect(defaultPutType('On', 3)).toBe(0);
    expect(defaultPutType(1, 3)).toBe(3);
    expect(defaultPutType(1.5, 0)).toBe(6);
    expect(defaultPutType([1, 2], 5)).toBe(5);
  });
});
