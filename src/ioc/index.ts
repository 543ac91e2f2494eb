// Public surface of the IOC domain for the agent and the CLI: one way to start a soft IOC, the record
// database and access security it serves. Import from here; the folders behind it are internal.
export { startSoftIoc } from './soft-ioc.js';
export type { SoftIoc, SoftIocOptions, SoftIocHealthOptions } from './soft-ioc.js';
export { AccessSecurity, loadDbFiles, parseAcf, RecordDatabase } from './db/index.js';
export type { RecordHandle } from './db/index.js';
export { CONTROL_ASG, defaultAcf } from './access/default-acf.js';
export type { CaServer } from './server/ca-server.js';
export type { HealthIoc } from './health/health-ioc.js';
export { MBB_SEVERITY_FIELDS, MBB_STRING_FIELDS } from './records/record-types.js';
export { defaultInterfaces, formatTod, formatUptime } from './health/index.js';
export { recordAlarm, type AlarmSource } from './health/status-message.js';
