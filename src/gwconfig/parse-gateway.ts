// Parses one [gateway.NAME] section: direction and networks (with defaults from the direction), the
// ordered allow/deny/alias rules (checked against the gateway's regex syntax), the gateway's command-line
// choices and its supervision settings. Pure; cross-section checks live in validate-agent.ts.
import type { IniSection } from './ini-source.js';
import { SectionReader } from './section-reader.js';
import type { ProblemList } from './problems.js';
import { parseAddressEntry } from '../net.js';
import { checkAliasTarget, checkPattern } from './gateway-regex.js';
import { ACCOUNT_RE, NAME_RE } from './names.js';
import {
  DIRECTIONS,
  RESTART_POLICIES,
  type AgentIdentity,
  type GatewayConfig,
  type NetworkConfig,
  type PvRule,
} from './types.js';

function parseRules(s: SectionReader, problems: ProblemList): PvRule[] {
  const entries = [...s.all('allow'), ...s.all('deny'), ...s.all('alias')].sort((a, b) => a.line - b.line);
  const rules: PvRule[] = [];
  for (const e of entries) {
    const words = e.value.split(/\s+/).filter((w) => w.length > 0);
    const origin = { file: problems.file, line: e.line };
    const [pattern, second, third, extra] = words;
    if (pattern === undefined) {
      problems.error(e.line, `"${e.key}" needs a pattern`);
      continue;
    }
    const check = checkPattern(pattern);
    for (const err of check.errors) problems.error(e.line, `pattern "${pattern}": ${err}`);
    if (e.key === 'deny') {
      if (second !== undefined)
        problems.error(
          e.line,
          `"deny" takes only a pattern; loop-avoiding DENY FROM lines are computed by gwagent`,
        );
      rules.push({ kind: 'deny', pattern, origin });
    } else if (e.key === 'allow') {
      if (third !== undefined)
        problems.error(e.line, `"allow" takes a pattern and at most one group name, got "${e.value}"`);
      rules.push({ kind: 'allow', pattern, group: second, origin });
    } else {
      if (second === undefined) {
        problems.error(e.line, `"alias" needs a pattern and a target PV name`);
        continue;
      }
      if (extra !== undefined)
        problems.error(
          e.line,
          `"alias" takes a pattern, a target and at most one group name, got "${e.value}"`,
        );
      for (const err of checkAliasTarget(second, check.groups)) problems.error(e.line, err);
      rules.push({ kind: 'alias', pattern, target: second, group: third, origin });
    }
  }
  return rules;
}

function defaultNetwork(networks: NetworkConfig[], wantGin: boolean): string | undefined {
  const candidates = networks.filter((n) => n.isGin === wantGin);
  return candidates.length === 1 ? candidates[0]?.name : undefined;
}

export function parseGateway(
  section: IniSection,
  problems: ProblemList,
  agent: AgentIdentity,
  networks: NetworkConfig[],
): GatewayConfig {
  const s = new SectionReader(section, problems);
  const name = section.name.slice('gateway.'.length);
  if (!NAME_RE.test(name))
    problems.error(
      section.line,
      `gateway name "${name}" must start with a letter and use letters, digits, _ and - (it is the statistics PV prefix)`,
    );
  const hasDirection = section.entries.some((e) => e.key === 'direction' && e.value !== '');
  if (!hasDirection)
    problems.error(section.line, `[${section.name}] needs "direction = forward|reverse|oneway"`);
  const direction = s.oneOf('direction', DIRECTIONS, 'forward');
  // forward: subnet -> GIN; reverse: GIN -> subnet; oneway: GIN -> GIN unless both sides are named.
  const clientDefault =
    direction === 'forward' ? defaultNetwork(networks, false) : defaultNetwork(networks, true);
  const serverDefault =
    direction === 'reverse' ? defaultNetwork(networks, false) : defaultNetwork(networks, true);
  const clientNetwork = s.optional('client') ?? clientDefault;
  const serverNetwork = s.optional('server') ?? serverDefault;
  if (clientNetwork === undefined)
    problems.error(
      section.line,
      `[${section.name}] cannot tell which network is the client side; add "client = NETWORK"`,
    );
  if (serverNetwork === undefined)
    problems.error(
      section.line,
      `[${section.name}] cannot tell which network is the server side; add "server = NETWORK"`,
    );
  const clientAddresses = s.list('client_addresses');
  for (const entry of clientAddresses) {
    if (!parseAddressEntry(entry))
      problems.error(
        s.lineOf('client_addresses'),
        `client_addresses entry "${entry}" must be a numeric IPv4 address, optionally with :port`,
      );
  }
  const mask = s.string('mask', 'va');
  if (!/^[valpVALP]+$/.test(mask))
    problems.error(s.lineOf('mask'), `mask "${mask}" may only contain the letters v, a, l and p`);
  if (s.entry('disconnect_timeout') !== undefined) {
    problems.warn(
      s.lineOf('disconnect_timeout'),
      'disconnect_timeout is parsed by the gateway but used nowhere (inactive_timeout also expires disconnected PVs); it is not passed on',
    );
  }
  const user = s.optional('user');
  if (user === 'root')
    problems.warn(s.lineOf('user'), 'the gateway runs as root; give it an unprivileged user');
  else if (user !== undefined && !ACCOUNT_RE.test(user))
    problems.error(s.lineOf('user'), `user "${user}" may only use letters, digits, _ . -`);
  const home = s.string('home', `${agent.stateDir}/gateways/${name}`);
  if (!home.startsWith('/')) problems.error(s.lineOf('home'), `home must be an absolute path, got "${home}"`);
  const binary = s.string('binary', 'gateway');
  if (binary.trim() === '') problems.error(s.lineOf('binary'), 'binary must name the gateway executable');
  const gateway: GatewayConfig = {
    name,
    direction,
    label: s.string('label', ''),
    clientNetwork: clientNetwork ?? '',
    serverNetwork: serverNetwork ?? '',
    serverPort: s.integer('server_port', 5064, 1, 65535),
    clientPort: s.integer('client_port', 5064, 1, 65535),
    clientAddresses,
    rules: parseRules(s, problems),
    timeouts: {
      connectS: s.number('connect_timeout', 1, 0.1, 86400),
      inactiveS: s.number('inactive_timeout', 7200, 1, 864000),
      deadS: s.number('dead_timeout', 120, 1, 864000),
      reconnectInhibitS: s.number('reconnect_inhibit', 300, 0, 864000),
    },
    mask,
    archive: s.boolean('archive', false),
    noCache: s.boolean('no_cache', false),
    readOnly: s.boolean('read_only', false),
    debug: s.integer('debug', 0, 0, 100),
    maxArrayBytes: s.integer('max_array_bytes', 1_000_000, 16384, 2 ** 31 - 1),
    binary,
    user,
    home,
    supervision: {
      enabled: s.boolean('enabled', true),
      startS: s.number('start_secs', 5, 0, 3600),
      backoffMaxS: s.number('backoff_max_s', 60, 1, 86400),
      stopTimeoutS: s.number('stop_timeout_s', 10, 0, 3600),
      restart: s.oneOf('restart', RESTART_POLICIES, 'always'),
      autorestart: s.boolean('autorestart', true),
      unresponsiveRestartS: s.number('unresponsive_restart_s', 0, 0, 86400),
      logMaxBytes: s.integer('log_max_bytes', 10_000_000, 1024),
      logKeep: s.integer('log_keep', 5, 0, 1000),
    },
    origin: { file: problems.file, line: section.line },
  };
  s.reportUnknown();
  return gateway;
}
