// `config explain`: evaluates a PV name against a gateway's rendered pvlist exactly as ca-gateway does
// (facts file, section 5: DENY FROM by source IP, then plain DENY under ORDER ALLOW, DENY, then the last
// matching ALLOW/ALIAS line), then its access file as asLib does. Parses the rendered text rather than
// the config, so it explains the file the gateway really reads. Pure.
import { anchoredRegExp, expandAlias } from './gateway-regex.js';
import { GATEWAY_CONTROL_PVS, GATEWAY_STAT_PVS } from './internal-pv-names.js';
import { buildAccessModel, evaluateAccess, type AccessLevel } from './render-access.js';
import { findGateway } from './render-gateway.js';
import { pvlistLines } from './render-pvlist.js';
import type { AgentConfig } from './types.js';

export interface PvlistEntry {
  line: number;
  text: string;
  kind: 'allow' | 'alias' | 'deny';
  pattern: string;
  target?: string;
  asg: string;
  hosts: string[];
}

export interface ParsedPvlist {
  order: 'allow,deny' | 'deny,allow';
  entries: PvlistEntry[];
}

/** Parses pvlist text the way the gateway does (keywords case-insensitive, DENY hosts split on spaces/commas). */
export function parsePvlist(text: string): ParsedPvlist {
  const parsed: ParsedPvlist = { order: 'allow,deny', entries: [] };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    const [pattern = '', keywordRaw = ''] = words;
    const keyword = keywordRaw.toUpperCase();
    if (keyword === 'ORDER') {
      const rest = words
        .slice(2)
        .join(' ')
        .toUpperCase()
        .replace(/[\s,]+/g, ',');
      parsed.order = rest.startsWith('DENY') ? 'deny,allow' : 'allow,deny';
      return;
    }
    const base = { line: index + 1, text: line, pattern };
    if (keyword === 'ALLOW' || keyword === 'PV' || keyword === 'PATTERN') {
      parsed.entries.push({ ...base, kind: 'allow', asg: words[2] ?? 'DEFAULT', hosts: [] });
    } else if (keyword === 'ALIAS') {
      parsed.entries.push({
        ...base,
        kind: 'alias',
        target: words[2] ?? '',
        asg: words[3] ?? 'DEFAULT',
        hosts: [],
      });
    } else if (keyword === 'DENY') {
      const uncommented = line.split('#')[0] ?? '';
      const hosts = uncommented
        .split(/[\s,]+/)
        .slice(2)
        .filter((h) => h !== '' && h.toUpperCase() !== 'FROM');
      parsed.entries.push({ ...base, kind: 'deny', asg: '', hosts });
    }
  });
  return parsed;
}

export type PvlistDecision =
  | { verdict: 'deny-from' | 'deny'; entry: PvlistEntry }
  | { verdict: 'allow'; entry: PvlistEntry; match: RegExpMatchArray }
  | { verdict: 'none' };

/**
 * The gateway's three steps for a name (facts file, section 5): DENY FROM for the search's source IP
 * (whatever the ORDER), then plain DENY under ORDER ALLOW, DENY, then the last matching ALLOW/ALIAS line
 * (the gateway prepends entries as it reads them).
 */
export function evaluatePvlist(parsed: ParsedPvlist, pv: string, from?: string): PvlistDecision {
  if (from !== undefined) {
    const hit = parsed.entries.find(
      (e) => e.kind === 'deny' && e.hosts.includes(from) && matches(e.pattern, pv),
    );
    if (hit) return { verdict: 'deny-from', entry: hit };
  }
  if (parsed.order === 'allow,deny') {
    const hit = parsed.entries.find(
      (e) => e.kind === 'deny' && e.hosts.length === 0 && matches(e.pattern, pv),
    );
    if (hit) return { verdict: 'deny', entry: hit };
  }
  const allows = parsed.entries.filter((e) => e.kind !== 'deny');
  for (let i = allows.length - 1; i >= 0; i--) {
    const entry = allows[i]!;
    const match = matches(entry.pattern, pv);
    if (match) return { verdict: 'allow', entry, match };
  }
  return { verdict: 'none' };
}

export interface ExplainRequest {
  pv: string;
  /** Source IP of the search. */
  from?: string;
  user?: string;
  host?: string;
}

export interface Explanation {
  served: boolean;
  /** The deciding pvlist line (1-based) and its text, and where it came from. */
  line?: number;
  lineText?: string;
  origin?: string;
  /** Upstream name (differs from the PV for aliases). */
  realName?: string;
  asg?: string;
  access: AccessLevel;
  trapwrite: boolean;
  reasons: string[];
}

function matches(pattern: string, name: string): RegExpMatchArray | null {
  return anchoredRegExp(pattern).exec(name);
}

export function explain(config: AgentConfig, gatewayName: string, request: ExplainRequest): Explanation {
  const gateway = findGateway(config, gatewayName);
  const lines = pvlistLines(config, gateway);
  const text = lines.map((l) => l.text).join('\n') + '\n';
  const parsed = parsePvlist(text);
  const originOf = (line: number): string => lines[line - 1]?.origin ?? '?';
  const pv = request.pv;
  const result: Explanation = { served: false, access: 'none', trapwrite: false, reasons: [] };
  const refuse = (entry: PvlistEntry, why: string): Explanation => ({
    ...result,
    line: entry.line,
    lineText: entry.text,
    origin: originOf(entry.line),
    reasons: [why, `pvlist line ${entry.line}: ${entry.text} (${originOf(entry.line)})`],
  });

  const decision = evaluatePvlist(parsed, pv, request.from);
  if (decision.verdict === 'deny-from' || decision.verdict === 'deny') {
    if (decision.verdict === 'deny') {
      return refuse(decision.entry, 'not served: a DENY line matches (ORDER ALLOW, DENY: denials win)');
    }
    return refuse(
      decision.entry,
      `not served to searches from ${request.from ?? ''}: a DENY FROM line matches`,
    );
  }
  if (decision.verdict !== 'allow') {
    return { ...result, reasons: ['not served: no ALLOW or ALIAS line matches the whole name'] };
  }
  const { entry: decisive, match } = decision;
  const realName = decisive.kind === 'alias' ? expandAlias(decisive.target ?? '', match) : pv;
  const model = buildAccessModel(config, gateway);
  const access = evaluateAccess(model, decisive.asg, request.user ?? '', request.host ?? '');
  const reasons = [
    `served by pvlist line ${decisive.line}: ${decisive.text} (${originOf(decisive.line)}); the last matching line wins`,
  ];
  if (decisive.kind === 'alias') reasons.push(`alias: the upstream name is ${realName}`);
  const who =
    request.user !== undefined || request.host !== undefined
      ? `user "${request.user ?? ''}" on host "${request.host ?? ''}"`
      : 'a client in no group';
  reasons.push(
    `access group ${access.asg}: ${access.level} for ${who}${access.trapwrite ? ' (writes are logged: TRAPWRITE)' : ''}`,
  );
  let level = access.level;
  const prefix = `${gateway.name}:`;
  const local = pv.startsWith(prefix) ? pv.slice(prefix.length).replace(/\.DESC$/, '') : undefined;
  const isInternal =
    local !== undefined && ([...GATEWAY_STAT_PVS, ...GATEWAY_CONTROL_PVS] as string[]).includes(local);
  if (gateway.readOnly && !isInternal && level === 'write') {
    level = 'read';
    reasons.push('read_only (-ro): the gateway refuses writes to proxied PVs');
  }
  if (isInternal) reasons.push(`${pv} is one of the gateway's own PVs (-ro does not apply to these)`);
  return {
    served: true,
    line: decisive.line,
    lineText: decisive.text,
    origin: originOf(decisive.line),
    realName,
    asg: access.asg,
    access: level,
    trapwrite: access.trapwrite && level === 'write',
    reasons,
  };
}
