// Regression tests for fixes the client needed in the shared protocol core (src/ca).
import { describe, expect, it } from 'vitest';
import { decodeDbr } from '../../src/ca/dbr.js';
import { toCaValue } from '../../src/ca/client/ca-value.js';

describe('decodeDbr count 0 (empty array reply, ca-protocol.md §8.3)', () => {
  it('keeps count 0 for string types as it does for numbers, so the placeholder slot is not a value', () => {
    const payload = Buffer.alloc(40);
    expect(decodeDbr(0, 0, payload)).toEqual({ dbrType: 0, count: 0, value: [''] });
    expect(toCaValue(decodeDbr(0, 0, payload), true).value).toEqual([]);
    expect(decodeDbr(5, 0, Buffer.alloc(8))).toEqual({ dbrType: 5, count: 0, value: [0] });
  });
});
