// Evaluation of parsed access security rules (asLib semantics): which CA access a client gets to a
// field of a record in access security group ASG at level ASL. Pure: no files, no reload logic.
import { parseIpv4 } from '../../net.js';
import { CA_PROTO_ACCESS_RIGHT_READ, CA_PROTO_ACCESS_RIGHT_WRITE } from '../../ca/constants.js';
import type { ClientIdentity } from '../server/pv.js';

export type AccessLevel = 'NONE' | 'READ' | 'WRITE';

/** One RULE(level, access[, TRAPWRITE]) with its UAG/HAG conditions (empty list: anyone). */
export interface AccessRule {
  level: number;
  access: AccessLevel;
  trapWrite: boolean;
  uags: readonly string[];
  hags: readonly string[];
  line: number;
}

/** A HAG entry: a host name (lower case), an IPv4 address, or an IPv4 CIDR block. */
export type HostPattern =
  { kind: 'name'; name: string } | { kind: 'cidr'; network: number; maskBits: number; text: string };

export interface AccessConfig {
  uags: ReadonlyMap<string, ReadonlySet<string>>;
  hags: ReadonlyMap<string, readonly HostPattern[]>;
  asgs: ReadonlyMap<string, readonly AccessRule[]>;
}

/** What the record database asks: access bits for a field of group `asg` at level `asl`. */
export interface AccessPolicy {
  rights(asg: string, asl: number, who: ClientIdentity): number;
}

/** With no ACF loaded everything is readable and writable (read-only fields are handled by records). */
export const ALLOW_ALL: AccessPolicy = {
  rights: () => CA_PROTO_ACCESS_RIGHT_READ | CA_PROTO_ACCESS_RIGHT_WRITE,
};

function hostMatches(p: HostPattern, who: ClientIdentity): boolean {
  if (p.kind === 'name') return p.name === who.host;
  const ip = parseIpv4(who.ip);
  if (ip === undefined) return false;
  if (p.maskBits === 0) return true;
  const shift = 32 - p.maskBits;
  return Math.floor(ip / 2 ** shift) === Math.floor(p.network / 2 ** shift);
}

/**
 * Access rules of one ACF. As asLib does: a record whose ASG is not defined uses DEFAULT; an ACF
 * without a DEFAULT group gives DEFAULT no rules (no access). A rule applies to fields whose ASL is
 * at most its level; its UAGs must contain the user (exact match) and its HAGs the host (HOST_NAME,
 * lower case) or, beyond rsrv, the peer IP (IPv4 address or CIDR entries). The access granted is
 * the highest of the matching rules (WRITE implies READ).
 */
export class AccessRules implements AccessPolicy {
  readonly config: AccessConfig;
  /**
   * Rights already worked out per client, by ASL then ASG: a client creating 10,000 channels asks the
   * same few questions 10,000 times. Keyed by the identity object, which never changes (a circuit
   * gets a new one when its client names itself), and the rules never change either (a reload makes
   * a new AccessRules).
   */
  private readonly known = new WeakMap<ClientIdentity, Map<string, number>[]>();

  constructor(config: AccessConfig) {
    this.config = config;
  }

  access(asg: string, asl: number, who: ClientIdentity): AccessLevel {
    const rules = this.config.asgs.get(asg) ?? this.config.asgs.get('DEFAULT') ?? [];
    let best: AccessLevel = 'NONE';
    for (const rule of rules) {
      if (rule.level < asl || rank(rule.access) <= rank(best)) continue;
      if (rule.uags.length > 0 && !rule.uags.some((u) => this.config.uags.get(u)?.has(who.user))) continue;
      if (
        rule.hags.length > 0 &&
        !rule.hags.some((h) => (this.config.hags.get(h) ?? []).some((p) => hostMatches(p, who)))
      ) {
        continue;
      }
      best = rule.access;
      if (best === 'WRITE') break;
    }
    return best;
  }

  rights(asg: string, asl: number, who: ClientIdentity): number {
    let byLevel = this.known.get(who);
    if (!byLevel) {
      byLevel = [];
      this.known.set(who, byLevel);
    }
    // By ASL (an index: ASLs are small integers), then by ASG.
    const byAsg = (byLevel[asl] ??= new Map());
    let bits = byAsg.get(asg);
    if (bits === undefined) {
      const level = this.access(asg, asl, who);
      bits =
        level === 'WRITE'
          ? CA_PROTO_ACCESS_RIGHT_READ | CA_PROTO_ACCESS_RIGHT_WRITE
          : level === 'READ'
            ? CA_PROTO_ACCESS_RIGHT_READ
            : 0;
      byAsg.set(asg, bits);
    }
    return bits;
  }
}

function rank(a: AccessLevel): number {
  return a === 'WRITE' ? 2 : a === 'READ' ? 1 : 0;
}
