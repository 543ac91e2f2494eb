// The client's one error class on top of GwError: carries the ECA status a server (or libca-style
// client-side checks) returned, so callers can tell ECA_NORDACCESS from ECA_PUTFAIL. No I/O.
import { ECA_MESSAGES } from '../constants.js';
import { GwError, type ErrorCode } from '../../errors.js';

/** A CA operation that failed with an ECA status (server reply, ERROR message or client-side check). */
export class CaStatusError extends GwError {
  readonly eca: number;

  constructor(eca: number, context: string, code: ErrorCode = 'GW_CA_REFUSED') {
    super(code, `${context}: ${ecaMessage(eca)}`);
    this.name = 'CaStatusError';
    this.eca = eca;
  }
}

export function ecaMessage(eca: number): string {
  return `${ECA_MESSAGES[eca] ?? 'unknown status'} (ECA ${eca})`;
}
