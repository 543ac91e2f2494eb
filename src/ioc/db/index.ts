// The public API of the soft-record model, for the agent's entry point and `gwagent ioc`:
// the record database (a PvProvider), the .db loader, macros, and access security from .acf files.
export { RecordDatabase, RECORD_TYPE_NAMES } from './record-database.js';
export type {
  CreateRecordOptions,
  RecordDatabaseOptions,
  RecordFields,
  RecordHandle,
} from './record-database.js';
export { loadDbFiles } from './db-loader.js';
export type { DbLoadOptions, DbLoadResult } from './db-loader.js';
export { parseMacroDefinitions } from './macros.js';
export { AccessSecurity, loadAcfFile } from '../access/access-security.js';
export type { AccessTarget, ReloadResult } from '../access/access-security.js';
export { AccessRules, ALLOW_ALL } from '../access/access-rules.js';
export type { AccessPolicy } from '../access/access-rules.js';
export { parseAcf } from '../access/acf-parser.js';
export { toEpicsStamp } from '../records/record.js';
export type { RecordInput, RecordValue, SetOptions, WriteCallback } from '../records/record.js';
