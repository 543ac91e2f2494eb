// Public surface of the health sampling layer (issue 4): what the integrator wires to soft records.
// Re-exports only; the records themselves live in src/ioc/records.
export { HealthSampler, GTIM_SOURCE, defaultInterfaces } from './sampler.js';
export type {
  HealthSample,
  HealthValue,
  HealthValues,
  HealthMount,
  HealthSamplerOptions,
  StaticFacts,
  StatfsLike,
} from './sampler.js';
export {
  HEALTH_PVS,
  ACCESS_STRINGS,
  UPDATE_PERIOD_PVS,
  DEFAULT_PERIODS_S,
  READ_FAILURE_SEVERITY,
  expandHealthPvs,
} from './pv-table.js';
export type {
  HealthPvDef,
  HealthRecordType,
  AlarmLimits,
  UpdateGroup,
  PvGroup,
  PvSource,
  PvWrite,
  ExpandOptions,
} from './pv-table.js';
export { computeStatus, STATUS_STRINGS } from './status.js';
export type { HealthStatus } from './status.js';
export { formatUptime, formatTod, stringPiece, fitString, epicsSeconds, NOT_AVAILABLE } from './format.js';
export type { Reading } from './reading.js';
