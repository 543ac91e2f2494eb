// Public surface of the supervisor library, for the agent's composition and the CLI.
// Import from here; the files behind it are internal.
export { Supervisor } from './supervisor.js';
export type { SupervisorOptions, SupervisorEvents, ExitEvent, OutputListener } from './supervisor.js';
export type { ControlServer, ControlServerOptions, TcpConsoleOptions } from './control-server.js';
export { controlRequest, openControlStream } from './control-client.js';
export type { ControlStream } from './control-client.js';
export type { ControlRequest, ControlResponse, HealthSummary } from './control-protocol.js';
export type { OrphanReport } from './orphans.js';
export { CHILD_STATES, SPEC_DEFAULTS } from './types.js';
export type { RestartPolicy } from '../restart-policy.js';
export type { ChildSpec, ChildState, ChildStatus, ExitInfo, LogStatus, StateEvent } from './types.js';
export type { Clock, Spawner, System, StateStore, LogSink } from './ports.js';
export { describeHolder, LOCK_FILE, lockStateDir } from './instance-lock.js';
export type { InstanceLock, LockHolder } from './instance-lock.js';
export { installShutdownHandlers } from './shutdown.js';
export { parsePasswd } from './accounts.js';
