// Builds a gateway's access-security model (UAG/HAG/ASG) from the config and renders it as an asLib
// .access file; also evaluates the model the way asLib does, for `config explain`.
// Pure. Proxied PVs are read-only unless a group grants write; statistics are read-only; control PVs are
// writable only by the agent's own CA identity.
import type { AccessGroup, AgentConfig, GatewayConfig } from './types.js';

export interface AsgRule {
  level: 'READ' | 'WRITE';
  trapwrite: boolean;
  uag?: string;
  hag?: string;
}

export interface AccessModel {
  uags: { name: string; members: string[] }[];
  hags: { name: string; members: string[] }[];
  asgs: { name: string; comment: string; rules: AsgRule[] }[];
}

export type AccessLevel = 'none' | 'read' | 'write';

/** Groups a gateway's rules refer to, in the order of their sections. */
export function groupsUsedBy(config: AgentConfig, gateway: GatewayConfig): AccessGroup[] {
  const names = new Set(gateway.rules.map((r) => r.group).filter((g): g is string => g !== undefined));
  return config.groups.filter((g) => names.has(g.name));
}

export function buildAccessModel(config: AgentConfig, gateway: GatewayConfig): AccessModel {
  const model: AccessModel = {
    uags: [{ name: 'U_GWAGENT', members: [config.agent.caUser] }],
    hags: [{ name: 'H_GWAGENT', members: [config.agent.caHost] }],
    asgs: [
      {
        name: 'DEFAULT',
        comment: 'proxied PVs without a group, and unknown groups: read-only for everyone',
        rules: [{ level: 'READ', trapwrite: false }],
      },
      {
        name: 'GWSTATS',
        comment: `statistics PVs of ${gateway.name}: read-only for everyone`,
        rules: [{ level: 'READ', trapwrite: false }],
      },
      {
        name: 'GWCONTROL',
        comment: `control PVs of ${gateway.name} (and their .DESC): readable by all, writable by the agent only`,
        rules: [
          { level: 'READ', trapwrite: false },
          { level: 'WRITE', trapwrite: false, uag: 'U_GWAGENT', hag: 'H_GWAGENT' },
        ],
      },
    ],
  };
  for (const group of groupsUsedBy(config, gateway)) {
    const uag = group.users.length > 0 ? `U_${group.name}` : undefined;
    const hag = group.hosts.length > 0 ? `H_${group.name}` : undefined;
    if (uag) model.uags.push({ name: uag, members: group.users });
    if (hag) model.hags.push({ name: hag, members: group.hosts });
    const rules: AsgRule[] = [];
    if (group.others === 'read') rules.push({ level: 'READ', trapwrite: false });
    const member: AsgRule = {
      level: group.access === 'write' ? 'WRITE' : 'READ',
      trapwrite: group.access === 'write' && group.trapwrite,
    };
    if (uag) member.uag = uag;
    if (hag) member.hag = hag;
    rules.push(member);
    const who = [
      group.users.length > 0 ? `users ${group.users.join(', ')}` : '',
      group.hosts.length > 0 ? `hosts ${group.hosts.join(', ')}` : '',
    ]
      .filter((s) => s !== '')
      .join(' on ');
    model.asgs.push({
      name: group.name,
      comment: `group ${group.name}: ${group.access} for ${who}; ${group.others} for everyone else`,
      rules,
    });
  }
  return model;
}

export function renderAccessModel(model: AccessModel, header: string[]): string {
  const out = header.map((h) => `# ${h}`);
  for (const u of model.uags) out.push(`UAG(${u.name}) {${u.members.join(', ')}}`);
  for (const h of model.hags) out.push(`HAG(${h.name}) {${h.members.join(', ')}}`);
  for (const asg of model.asgs) {
    out.push('', `# ${asg.comment}`, `ASG(${asg.name}) {`);
    for (const rule of asg.rules) {
      const head = `\tRULE(1, ${rule.level}${rule.level === 'WRITE' ? (rule.trapwrite ? ', TRAPWRITE' : ', NOTRAPWRITE') : ''})`;
      if (rule.uag === undefined && rule.hag === undefined) {
        out.push(head);
        continue;
      }
      out.push(`${head} {`);
      if (rule.uag) out.push(`\t\tUAG(${rule.uag})`);
      if (rule.hag) out.push(`\t\tHAG(${rule.hag})`);
      out.push('\t}');
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}

/**
 * asLib's decision for one channel: the highest level among the ASG's rules whose UAG (user, exact) and
 * HAG (host name the client sends, lower-cased) both match; an unknown ASG falls back to DEFAULT.
 */
export function evaluateAccess(
  model: AccessModel,
  asgName: string,
  user: string,
  host: string,
): { level: AccessLevel; trapwrite: boolean; asg: string } {
  const asg = model.asgs.find((a) => a.name === asgName) ?? model.asgs.find((a) => a.name === 'DEFAULT');
  let level: AccessLevel = 'none';
  let trapwrite = false;
  for (const rule of asg?.rules ?? []) {
    if (rule.uag !== undefined && !model.uags.find((u) => u.name === rule.uag)?.members.includes(user))
      continue;
    if (
      rule.hag !== undefined &&
      !model.hags.find((h) => h.name === rule.hag)?.members.includes(host.toLowerCase())
    )
      continue;
    if (rule.level === 'WRITE') {
      level = 'write';
      trapwrite ||= rule.trapwrite;
    } else if (level === 'none') level = 'read';
  }
  return { level, trapwrite, asg: asg?.name ?? 'DEFAULT' };
}
