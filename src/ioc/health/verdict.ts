// The health verdict of a container, derived from its STATUS PV: what `gwagent status --health` exits
// with and what the agent's /healthz answers, so the two can never disagree. Ok and Degraded are
// healthy (Degraded is a warning: MINOR); Fault, or a STATUS that cannot be read, is not. Pure.
import { STATUS_STRINGS } from './status.js';

export interface HealthVerdict {
  isHealthy: boolean;
  /** One line: "Ok", "Degraded: <STATUS_MSG>", "Fault: <STATUS_MSG>" or "Unknown: <why>". */
  text: string;
}

export interface StatusReading {
  /** STATUS's value (0 Ok, 1 Degraded, 2 Fault); undefined when it could not be read. */
  status?: number;
  /** STATUS_MSG when the IOC has it: what sets STATUS. */
  message?: string;
  /** Why STATUS could not be read. */
  error?: string;
}

export function healthVerdict(r: StatusReading): HealthVerdict {
  const name = r.status === undefined ? undefined : STATUS_STRINGS[r.status];
  if (name === undefined) {
    const why = r.error ?? `STATUS ${String(r.status)} is not a known state`;
    return { isHealthy: false, text: `Unknown: ${why}` };
  }
  const message = r.message?.trim();
  return { isHealthy: name !== 'Fault', text: message ? `${name}: ${message}` : name };
}
