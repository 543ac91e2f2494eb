// Cross-section checks of an agent config: network overlaps, direction vs networks, loops (a client side
// that reaches its own container), server address clashes, undefined or unused access groups, and
// warnings for settings that are legal but likely wrong. Pure: model in, problems out.
import type { ProblemList } from './problems.js';
import { checkPattern } from './gateway-regex.js';
import { contains, isIpv4, overlaps, parseAddressEntry } from '../net.js';
import { clientAddressList, networkByName, serverAddress } from './topology.js';
import type { AgentConfig, GatewayConfig } from './types.js';

export function validateAgent(config: AgentConfig, problems: ProblemList): void {
  checkNetworks(config, problems);
  const used = new Set<string>();
  for (const gateway of config.gateways) {
    checkGateway(config, gateway, problems);
    for (const rule of gateway.rules) {
      if (rule.group === undefined) continue;
      used.add(rule.group);
      if (rule.group === 'DEFAULT') continue;
      if (!config.groups.some((g) => g.name === rule.group)) {
        problems.error(
          rule.origin.line,
          `access group "${rule.group}" is not defined (the gateway would silently use DEFAULT); add a [group.${rule.group}] section`,
        );
      }
    }
  }
  for (const group of config.groups) {
    if (!used.has(group.name))
      problems.warn(group.origin.line, `group "${group.name}" is defined but no rule uses it`);
  }
  checkServerClashes(config, problems);
  const iocAddress = config.ioc.address;
  if (
    isIpv4(iocAddress) &&
    !iocAddress.startsWith('127.') &&
    !config.networks.some((n) => n.address === iocAddress)
  ) {
    problems.warn(
      'ioc.address',
      `the health IOC binds ${iocAddress}, which is neither loopback nor one of this container's network addresses`,
    );
  }
}

function checkNetworks(config: AgentConfig, problems: ProblemList): void {
  if (config.networks.length === 0 && config.gateways.length > 0) {
    problems.error(
      'network',
      'no [network.NAME] section: gateways need at least the GIN and one subnet (or two networks for oneway)',
    );
  }
  const gins = config.networks.filter((n) => n.isGin);
  if (gins.length > 1) {
    problems.error(
      gins[1]!.origin.line,
      `more than one network has "gin = yes" (${gins.map((n) => n.name).join(', ')}); a container has one GIN interface`,
    );
  }
  for (let i = 0; i < config.networks.length; i++) {
    for (let j = i + 1; j < config.networks.length; j++) {
      const a = config.networks[i]!;
      const b = config.networks[j]!;
      if (a.address !== '' && b.address !== '' && overlaps(a, b)) {
        problems.error(
          b.origin.line,
          `network "${b.name}" (${b.address}/${b.prefixLength}) overlaps network "${a.name}" (${a.address}/${a.prefixLength}) from line ${a.origin.line}`,
        );
      }
      if (a.interface !== '' && a.interface === b.interface) {
        problems.error(
          b.origin.line,
          `network "${b.name}" uses interface ${b.interface}, like network "${a.name}"`,
        );
      }
    }
  }
  const gin = gins[0];
  if (
    gin !== undefined &&
    gin.search.length === 0 &&
    config.gateways.some((g) => g.clientNetwork === gin.name && g.clientAddresses.length === 0)
  ) {
    problems.error(
      gin.origin.line,
      `GIN network "${gin.name}" needs "search = ..." (every other container's gateway server addresses); searching the whole GIN would reach this container's own gateways`,
    );
  }
}

function checkGateway(config: AgentConfig, gateway: GatewayConfig, problems: ProblemList): void {
  const line = gateway.origin.line;
  const client = networkByName(config, gateway.clientNetwork);
  const server = networkByName(config, gateway.serverNetwork);
  if (gateway.clientNetwork !== '' && client === undefined)
    problems.error(line, `gateway ${gateway.name}: client network "${gateway.clientNetwork}" is not defined`);
  if (gateway.serverNetwork !== '' && server === undefined)
    problems.error(line, `gateway ${gateway.name}: server network "${gateway.serverNetwork}" is not defined`);
  if (client !== undefined && server !== undefined) {
    if (gateway.direction === 'forward' && (client.isGin || !server.isGin)) {
      problems.error(
        line,
        `gateway ${gateway.name} is forward: its client side must be a subnet and its server side the GIN (got ${client.name} -> ${server.name})`,
      );
    }
    if (gateway.direction === 'reverse' && (!client.isGin || server.isGin)) {
      problems.error(
        line,
        `gateway ${gateway.name} is reverse: its client side must be the GIN and its server side a subnet (got ${client.name} -> ${server.name})`,
      );
    }
  }
  const ownServer = serverAddress(config, gateway);
  for (const text of clientAddressList(config, gateway)) {
    const entry = parseAddressEntry(text);
    if (entry === undefined) continue;
    const own = config.networks.find((n) => n.address === entry.address);
    if (own !== undefined) {
      problems.error(
        line,
        `gateway ${gateway.name}: client address ${text} is this container's own address on "${own.name}"; its client side would reach its own gateways (loop)`,
      );
      continue;
    }
    const broadcastNet = config.networks.find(
      (n) => n.broadcast === entry.address && ownServer !== undefined && contains(n, ownServer),
    );
    if (broadcastNet !== undefined) {
      problems.error(
        line,
        `gateway ${gateway.name}: client address ${text} is the broadcast of "${broadcastNet.name}", where its own server side listens (loop)`,
      );
    }
  }
  if (client !== undefined && !client.isGin && clientAddressList(config, gateway).length === 0) {
    problems.error(line, `gateway ${gateway.name} has an empty client address list`);
  }
  if (!gateway.rules.some((r) => r.kind !== 'deny')) {
    problems.warn(
      line,
      `gateway ${gateway.name} has no allow or alias rule: it serves only its own statistics PVs`,
    );
  }
  checkControlExposure(config, gateway, problems);
  if (gateway.readOnly) {
    const writer = gateway.rules.find(
      (r) => r.group !== undefined && config.groups.some((g) => g.name === r.group && g.access === 'write'),
    );
    if (writer !== undefined)
      problems.warn(
        writer.origin.line,
        `gateway ${gateway.name} is read_only, so the write access of group "${writer.group}" has no effect`,
      );
  }
  if (gateway.timeouts.deadS > gateway.timeouts.inactiveS) {
    problems.warn(
      line,
      `gateway ${gateway.name}: dead_timeout (${gateway.timeouts.deadS}) is longer than inactive_timeout (${gateway.timeouts.inactiveS}); a PV that comes back after a long outage is dropped right after reconnecting`,
    );
  }
  if (gateway.supervision.restart === 'never' && gateway.supervision.autorestart) {
    problems.warn(line, `gateway ${gateway.name}: restart = never makes autorestart = yes meaningless`);
  }
  checkShadowedRules(gateway, problems);
  const seen = new Map<string, number>();
  for (const rule of gateway.rules) {
    const key = `${rule.kind} ${rule.pattern}`;
    const first = seen.get(key);
    if (first !== undefined)
      problems.warn(
        rule.origin.line,
        `${rule.kind} ${rule.pattern} repeats line ${first}; the later line wins`,
      );
    else seen.set(key, rule.origin.line);
  }
}

/**
 * The gateway uses the last matching ALLOW/ALIAS line, so a specific rule written before a general one is
 * dead. Detected where it is decidable cheaply: a later `.*`, or a literal name that a later pattern matches.
 */
function checkShadowedRules(gateway: GatewayConfig, problems: ProblemList): void {
  const allows = gateway.rules.filter((r) => r.kind !== 'deny');
  allows.forEach((rule, i) => {
    const literal = /^([^\\.*+?[\]]|\\[.*+?[\]\\^$])*$/.test(rule.pattern)
      ? rule.pattern.replace(/\\(.)/g, '$1')
      : undefined;
    for (const later of allows.slice(i + 1)) {
      if (later.pattern === rule.pattern) continue; // reported as a repeat
      const check = checkPattern(later.pattern);
      if (check.jsSource === undefined) continue;
      const covers =
        later.pattern === '.*' ||
        (literal !== undefined && new RegExp(`^(?:${check.jsSource})$`).test(literal));
      if (covers) {
        problems.warn(
          rule.origin.line,
          `${rule.kind} ${rule.pattern} never takes effect: the later line ${later.origin.line} (${later.pattern}) also matches and the last matching line wins; put general rules first`,
        );
        return;
      }
    }
  });
}

/**
 * A write-granting pattern broad enough to match another gateway's control PVs lets that group quit or
 * reconfigure the other gateway through this one (writes to <prefix>:quitFlag or its .DESC).
 */
function checkControlExposure(config: AgentConfig, gateway: GatewayConfig, problems: ProblemList): void {
  if (gateway.readOnly) return;
  const probes = [...config.gateways.filter((g) => g !== gateway).map((g) => g.name), 'GATEWAY'].map(
    (n) => `${n}:quitFlag`,
  );
  for (const rule of gateway.rules) {
    if (rule.kind === 'deny' || rule.group === undefined) continue;
    if (!config.groups.some((g) => g.name === rule.group && g.access === 'write')) continue;
    const check = checkPattern(rule.pattern);
    if (check.jsSource === undefined) continue;
    // A pattern that translates to no valid JS regex is already reported by the pattern check.
    const regex = compiled(check.jsSource);
    const hit = regex && probes.find((name) => regex.test(name));
    if (hit !== undefined) {
      problems.warn(
        rule.origin.line,
        `pattern "${rule.pattern}" grants write to group "${rule.group}" and also matches other gateways' control PVs such as ${hit}; deny them or narrow the pattern`,
      );
    }
  }
}

function compiled(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
}

function checkServerClashes(config: AgentConfig, problems: ProblemList): void {
  const taken = new Map<string, string>();
  taken.set(`${config.ioc.address}:${config.ioc.port}`, 'the health IOC');
  for (const gateway of config.gateways) {
    if (!gateway.supervision.enabled) continue;
    const address = serverAddress(config, gateway);
    if (address === undefined) continue;
    const key = `${address}:${gateway.serverPort}`;
    const other = taken.get(key);
    if (other !== undefined)
      problems.error(
        gateway.origin.line,
        `gateway ${gateway.name} serves on ${key}, like ${other}; give one of them another server_port`,
      );
    else taken.set(key, `gateway ${gateway.name}`);
  }
}
