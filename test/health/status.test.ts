import { describe, expect, it } from 'vitest';
import { computeStatus, STATUS_STRINGS } from '../../src/ioc/health/status.js';
import { INVALID_ALARM, MAJOR_ALARM, MINOR_ALARM, NO_ALARM } from '../../src/ca/constants.js';

describe('computeStatus', () => {
  it('maps the highest severity to Ok / Degraded / Fault', () => {
    expect(computeStatus([])).toEqual({ value: 0, severity: NO_ALARM });
    expect(computeStatus([NO_ALARM, NO_ALARM])).toEqual({ value: 0, severity: NO_ALARM });
    expect(computeStatus([NO_ALARM, MINOR_ALARM])).toEqual({ value: 1, severity: MINOR_ALARM });
    expect(computeStatus([MINOR_ALARM, MAJOR_ALARM, NO_ALARM])).toEqual({ value: 2, severity: MAJOR_ALARM });
    expect(computeStatus([INVALID_ALARM, MINOR_ALARM])).toEqual({ value: 2, severity: INVALID_ALARM });
    expect(STATUS_STRINGS).toEqual(['Ok', 'Degraded', 'Fault']);
  });

  it('treats nonsense severities as INVALID rather than healthy', () => {
    expect(computeStatus([NO_ALARM, 7])).toEqual({ value: 2, severity: INVALID_ALARM });
    expect(computeStatus([Number.NaN])).toEqual({ value: 2, severity: INVALID_ALARM });
    expect(computeStatus(new Set([1]))).toEqual({ value: 1, severity: MINOR_ALARM });
  });
});
