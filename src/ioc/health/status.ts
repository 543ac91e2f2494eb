// The STATUS summary PV: Ok / Degraded / Fault from the alarm severities of the health PVs (and,
// later, of the gateways). Pure.
import { INVALID_ALARM, MAJOR_ALARM, MINOR_ALARM, NO_ALARM } from '../../ca/constants.js';

/** STATUS enum strings, indexed by value. */
export const STATUS_STRINGS = ['Ok', 'Degraded', 'Fault'] as const;

export interface HealthStatus {
  /** 0 Ok (no alarm), 1 Degraded (worst is MINOR), 2 Fault (worst is MAJOR or INVALID). */
  value: 0 | 1 | 2;
  /** The highest severity seen (NO_ALARM when the list is empty): STATUS's own SEVR. */
  severity: number;
}

/**
 * Summarises severities (NO_ALARM 0 … INVALID_ALARM 3). Out-of-range or non-integer severities count as
 * INVALID: a broken input must not make the summary look healthy.
 */
export function computeStatus(severities: Iterable<number>): HealthStatus {
  let worst: number = NO_ALARM;
  for (const s of severities) {
    const sev = Number.isInteger(s) && s >= NO_ALARM && s <= INVALID_ALARM ? s : INVALID_ALARM;
    if (sev > worst) worst = sev;
  }
  const value = worst >= MAJOR_ALARM ? 2 : worst === MINOR_ALARM ? 1 : 0;
  return { value, severity: worst };
}
