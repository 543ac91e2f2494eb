// The access-security rules gwagent applies when the operator supplies none: read for everyone, write
// only from the container itself (loopback and its own addresses) or from configured users and hosts.
// Pure: returns .acf text, which goes through the same parser as an operator's file.

export interface DefaultAcfOptions {
  /** Hosts (names, IPv4 addresses or CIDR blocks) that may write. Loopback is always included. */
  writeHosts?: readonly string[];
  /** CA user names that may write (from any host). */
  writeUsers?: readonly string[];
  /** Whether ASG DEFAULT (ordinary records) gets the same write rule as CONTROL. */
  isDefaultWritable?: boolean;
}

/** ASG of the PVs operators may act through: update periods, ACCESS, SYSRESET, gateway controls. */
export const CONTROL_ASG = 'CONTROL';

function quote(s: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(s) ? s : `"${s.replace(/["\\]/g, '')}"`;
}

export function defaultAcf(opts: DefaultAcfOptions = {}): string {
  const hosts = ['127.0.0.0/8', ...(opts.writeHosts ?? [])];
  const users = opts.writeUsers ?? [];
  const lines = [
    '# gwagent built-in access security: read for all, write from this container or configured writers.',
    `HAG(local) { ${[...new Set(hosts)].map(quote).join(', ')} }`,
  ];
  if (users.length) lines.push(`UAG(writers) { ${[...new Set(users)].map(quote).join(', ')} }`);
  const writeRules = ['    RULE(1, WRITE) { HAG(local) }'];
  if (users.length) writeRules.push('    RULE(1, WRITE) { UAG(writers) }');
  const asg = (name: string, writable: boolean) =>
    [`ASG(${name}) {`, '    RULE(1, READ)', ...(writable ? writeRules : []), '}'].join('\n');
  lines.push(asg('DEFAULT', opts.isDefaultWritable ?? false), asg(CONTROL_ASG, true));
  return lines.join('\n') + '\n';
}
