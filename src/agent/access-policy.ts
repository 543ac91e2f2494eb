// The agent's built-in access rules (.acf text): everyone reads; the container itself (loopback and its
// own network addresses) and the [access] hosts and users write. They write the control PVs and, at
// level 1 as EPICS engineers' rules do, every field of the health and gateway PVs: alarm limits
// (.HIHI, .HHSV, ...) change at runtime; a VAL written there is replaced at the next sample. Pure.
import { defaultAcf } from '../ioc/index.js';
import type { AgentConfig } from '../gwconfig/index.js';

export function agentAcf(c: AgentConfig): string {
  const own = c.networks.map((n) => n.address);
  return defaultAcf({
    writeHosts: [...own, ...c.access.hosts],
    writeUsers: c.access.users,
    isDefaultWritable: true,
  });
}
