// The names of ca-gateway's own PVs (<prefix>:<name>, each also with .DESC) in the default build, and
// the pvlist patterns gwagent emits for them. Source: the facts file, section 3 (24 names, observed).
// Pure data; the patterns are GNU Emacs regex, checked by the regex-compatibility test.
import { escapeLiteral } from './gateway-regex.js';

/** Statistics PVs: read-only for everyone. */
export const GATEWAY_STAT_PVS = [
  'vctotal',
  'pvtotal',
  'connected',
  'active',
  'inactive',
  'unconnected',
  'dead',
  'connecting',
  'disconnected',
  'clientEventRate',
  'clientPostRate',
  'existTestRate',
  'loopRate',
  'cpuFract',
  'load',
  'serverEventRate',
  'serverPostRate',
] as const;

/** Control PVs: writing >0 (or a number string to their .DESC) triggers the action. */
export const GATEWAY_CONTROL_PVS = [
  'commandFlag',
  'newAsFlag',
  'quitFlag',
  'quitServerFlag',
  'report1Flag',
  'report2Flag',
  'report3Flag',
] as const;

/** One pattern matching exactly <prefix>:<name> and <prefix>:<name>.DESC for the given names. */
export function internalPattern(prefix: string, names: readonly string[]): string {
  return `${escapeLiteral(prefix)}:\\(${names.join('\\|')}\\)\\(\\.DESC\\)?`;
}
