// Issue 15: one health verdict from STATUS for `gwagent status --health` and /healthz.
import { describe, expect, it } from 'vitest';
import { healthVerdict } from '../../src/ioc/health/verdict.js';

describe('healthVerdict', () => {
  it('Ok and Degraded are healthy, Fault is not; STATUS_MSG says what set it', () => {
    expect(healthVerdict({ status: 0 })).toEqual({ isHealthy: true, text: 'Ok' });
    expect(healthVerdict({ status: 0, message: '  ' })).toEqual({ isHealthy: true, text: 'Ok' });
    expect(healthVerdict({ status: 1, message: 'SYS_CPU_LOAD MINOR' })).toEqual({
      isHealthy: true,
      text: 'Degraded: SYS_CPU_LOAD MINOR',
    });
    expect(healthVerdict({ status: 2, message: 'GWF01:STATE MAJOR' })).toEqual({
      isHealthy: false,
      text: 'Fault: GWF01:STATE MAJOR',
    });
  });

  it('a STATUS that cannot be read, or holds no known state, is unhealthy', () => {
    expect(healthVerdict({ error: 'CR01GW01:STATUS: did not connect' })).toEqual({
      isHealthy: false,
      text: 'Unknown: CR01GW01:STATUS: did not connect',
    });
    expect(healthVerdict({ status: 7 })).toEqual({
      isHealthy: false,
      text: 'Unknown: STATUS 7 is not a known state',
    });
  });
});
