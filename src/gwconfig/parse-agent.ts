// Turns the sections of an agent INI file into the typed AgentConfig, applying defaults and checking each
// value on its own (types, ranges, syntax). Cross-checks between sections live in validate-agent.ts.
// Pure: text in, model + problems out; no file system.
import type { IniDocument, IniSection } from './ini-source.js';
import { SectionReader } from './section-reader.js';
import type { ProblemList } from './problems.js';
import { broadcastOf, contains, isIpv4, parseAddressEntry, parseCidr } from './net.js';
import { checkAliasTarget, checkPattern } from './gateway-regex.js';
import {
  DIRECTIONS,
  RESTART_POLICIES,
  type AccessGroup,
  type AgentConfig,
  type AgentIdentity,
  type GatewayConfig,
  type NetworkConfig,
  type PvRule,
} from './types.js';

export const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const GROUP_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
const ACCOUNT_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const PV_PREFIX_RE = /^[A-Za-z0-9_:.-]+$/;
const ALARM_KEY_RE = /^[A-Z][A-Z0-9_]*\.(HIHI|HIGH|LOW|LOLO|HHSV|HSV|LSV|LLSV|HYST)$/;
const SEVERITIES = new Set(['NO_ALARM', 'MINOR', 'MAJOR', 'INVALID']);
/** ASG names gwagent writes itself; a user group may not take them. */
export const RESERVED_GROUPS = new Set(['DEFAULT', 'GWSTATS', 'GWCONTROL']);

const SIMPLE_SECTIONS = new Set(['agent', 'ioc', 'health', 'disks', 'control', 'access']);
const NAMED_SECTIONS = new Set(['network', 'group', 'gateway']);

/** Parses every section; returns the model (possibly partial when there are errors). */
export function parseAgent(doc: IniDocument, problems: ProblemList): AgentConfig {
  for (const j of doc.junk) {
    // ini reads "[agent] ; note" as a key named "[agent]", not as a section: say so.
    const why = /^\s*\[[^\]]*\]\s*[;#]/.test(j.text)
      ? 'a comment after a [section] header is not allowed by the INI format; put it on its own line'
      : `not a "key = value" line or [section]: ${JSON.stringify(j.text.trim())}`;
    problems.error(j.line, why);
  }
  const simple = new Map<string, IniSection>();
  const named: Record<string, IniSection[]> = { network: [], group: [], gateway: [] };
  const seen = new Map<string, number>();
  for (const s of doc.sections) {
    if (s.name === '') {
      for (const e of s.entries) problems.error(e.line, `key "${e.key}" is outside any [section]`);
      continue;
    }
    const previous = seen.get(s.name);
    if (previous !== undefined) {
      problems.error(s.line, `section [${s.name}] repeats the one on line ${previous}; merge them`);
      continue;
    }
    seen.set(s.name, s.line);
    const dot = s.name.indexOf('.');
    const kind = dot < 0 ? s.name : s.name.slice(0, dot);
    if (dot < 0 && SIMPLE_SECTIONS.has(kind)) simple.set(kind, s);
    else if (dot > 0 && NAMED_SECTIONS.has(kind)) named[kind]?.push(s);
    else
      problems.error(
        s.line,
        `unknown section [${s.name}] (expected ${[...SIMPLE_SECTIONS].join(', ')}, network.NAME, group.NAME or gateway.NAME)`,
      );
  }
  const section = (name: string): SectionReader =>
    new SectionReader(simple.get(name) ?? { name, line: 0, entries: [] }, problems);

  const agent = parseIdentity(section('agent'), problems);
  const ioc = section('ioc');
  const iocAddress = ioc.string('address', '127.0.0.1');
  if (!isIpv4(iocAddress))
    problems.error(
      ioc.lineOf('address'),
      `[ioc] address must be a numeric IPv4 address, got "${iocAddress}"`,
    );
  const beacons = ioc.list('beacon_addresses', [iocAddress]);
  for (const b of beacons)
    if (!parseAddressEntry(b))
      problems.error(
        ioc.lineOf('beacon_addresses'),
        `beacon address "${b}" is not a numeric IPv4 address[:port]`,
      );
  const iocSettings = {
    address: iocAddress,
    port: ioc.integer('port', 5064, 1, 65535),
    beaconAddresses: beacons,
  };
  ioc.reportUnknown();

  const networks = named.network!.map((s) => parseNetwork(s, problems));
  const groups = named.group!.map((s) => parseGroup(s, problems));
  const gateways = named.gateway!.map((s) => parseGateway(s, problems, agent, networks));

  const health = section('health');
  const healthSettings = {
    caPeriodS: health.number('ca_period_s', 15, 1, 3600),
    fdPeriodS: health.number('fd_period_s', 20, 1, 3600),
    loadPeriodS: health.number('load_period_s', 10, 1, 3600),
    memPeriodS: health.number('mem_period_s', 10, 1, 3600),
    diskPeriodS: health.number('disk_period_s', 60, 1, 3600),
    alarms: {} as Record<string, number | string>,
    disks: {} as Record<string, string>,
  };
  for (const e of health.section.entries) {
    if (!e.key.includes('.')) continue;
    if (!ALARM_KEY_RE.test(e.key)) {
      problems.error(
        e.line,
        `alarm override "${e.key}" must be RECORD.FIELD with FIELD one of HIHI, HIGH, LOW, LOLO, HHSV, HSV, LSV, LLSV, HYST`,
      );
      continue;
    }
    const isSeverity = /\.(HHSV|HSV|LSV|LLSV)$/.test(e.key);
    const v = e.value.trim();
    if (isSeverity && !SEVERITIES.has(v))
      problems.error(e.line, `"${e.key}" must be NO_ALARM, MINOR, MAJOR or INVALID, got "${v}"`);
    else if (!isSeverity && (v === '' || !Number.isFinite(Number(v))))
      problems.error(e.line, `"${e.key}" must be a number, got "${v}"`);
    else healthSettings.alarms[e.key] = isSeverity ? v : Number(v);
  }
  health.reportUnknown((key) => key.includes('.'));

  const disks = simple.get('disks');
  if (disks === undefined) healthSettings.disks.ROOT = '/';
  for (const e of disks?.entries ?? []) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(e.key))
      problems.error(
        e.line,
        `disk name "${e.key}" must be upper case letters, digits and _ (it becomes a PV name part)`,
      );
    else if (!e.value.startsWith('/'))
      problems.error(e.line, `disk "${e.key}" must be an absolute mount point, got "${e.value}"`);
    else healthSettings.disks[e.key] = e.value;
  }

  const control = section('control');
  const consoleHost = control.string('console_host', '127.0.0.1');
  if (!isIpv4(consoleHost))
    problems.error(
      control.lineOf('console_host'),
      `console_host must be a numeric IPv4 address, got "${consoleHost}"`,
    );
  else if (!consoleHost.startsWith('127.'))
    problems.warn(
      control.lineOf('console_host'),
      `the control console listens on ${consoleHost}, not loopback: anyone who can reach it controls the gateways`,
    );
  const consolePort = control.integer('console_port', 0, 0, 65535);
  const controlSettings = {
    socketPath: control.string('socket', `${agent.stateDir}/control.sock`),
    console: { enabled: consolePort > 0, host: consoleHost, port: consolePort },
  };
  control.reportUnknown();

  const access = section('access');
  const accessSettings = { users: access.list('users'), hosts: access.list('hosts') };
  checkAccounts(access, 'users', accessSettings.users, problems, false);
  checkAccounts(access, 'hosts', accessSettings.hosts, problems, true);
  access.reportUnknown();

  return {
    file: doc.file,
    agent,
    ioc: iocSettings,
    networks,
    groups,
    gateways,
    health: healthSettings,
    control: controlSettings,
    access: accessSettings,
  };
}

function parseIdentity(s: SectionReader, problems: ProblemList): AgentIdentity {
  const name = s.required('name') ?? 'unnamed';
  if (!NAME_RE.test(name))
    problems.error(
      s.lineOf('name'),
      `agent name "${name}" must start with a letter and use letters, digits, _ and -`,
    );
  const prefix = s.string('prefix', `${name}:`);
  if (!PV_PREFIX_RE.test(prefix))
    problems.error(s.lineOf('prefix'), `PV prefix "${prefix}" may only use letters, digits and _ : . -`);
  const stateDir = s.string('state_dir', '/var/lib/gwagent');
  const logDir = s.string('log_dir', '/var/log/gwagent');
  for (const [key, dir] of [
    ['state_dir', stateDir],
    ['log_dir', logDir],
  ] as const) {
    if (!dir.startsWith('/')) problems.error(s.lineOf(key), `${key} must be an absolute path, got "${dir}"`);
  }
  const identity: AgentIdentity = {
    name,
    prefix,
    label: s.string('label', ''),
    location: s.string('location', ''),
    engineer: s.string('engineer', ''),
    build: s.string('build', ''),
    buildDate: s.string('build_date', ''),
    stream: s.string('stream', ''),
    stateDir,
    logDir,
    caUser: s.string('ca_user', 'gwagent'),
    caHost: s.string('ca_host', name).toLowerCase(),
  };
  if (!ACCOUNT_RE.test(identity.caUser))
    problems.error(s.lineOf('ca_user'), `ca_user "${identity.caUser}" may only use letters, digits, _ . -`);
  if (isIpv4(identity.caHost))
    problems.error(
      s.lineOf('ca_host'),
      `ca_host "${identity.caHost}" is an IP address; access security matches the host name the CA client sends`,
    );
  else if (!ACCOUNT_RE.test(identity.caHost))
    problems.error(s.lineOf('ca_host'), `ca_host "${identity.caHost}" may only use letters, digits, _ . -`);
  s.reportUnknown();
  return identity;
}

function parseNetwork(section: IniSection, problems: ProblemList): NetworkConfig {
  const s = new SectionReader(section, problems);
  const name = section.name.slice('network.'.length);
  if (!NAME_RE.test(name))
    problems.error(
      section.line,
      `network name "${name}" must start with a letter and use letters, digits, _ and -`,
    );
  const iface = s.required('interface') ?? '';
  const addressText = s.required('address') ?? '';
  const cidr = addressText === '' ? undefined : parseCidr(addressText);
  if (addressText !== '' && cidr === undefined)
    problems.error(
      s.lineOf('address'),
      `address "${addressText}" must be numeric IPv4 with a prefix length, e.g. 10.17.19.91/16`,
    );
  else if (cidr !== undefined && !addressText.includes('/'))
    problems.warn(
      s.lineOf('address'),
      `address "${addressText}" has no prefix length; taken as /32 (the broadcast is then the address itself)`,
    );
  const network = cidr ?? { address: '0.0.0.0', prefixLength: 32 };
  let broadcast = broadcastOf(network);
  const given = s.optional('broadcast');
  if (given !== undefined) {
    if (!isIpv4(given))
      problems.error(s.lineOf('broadcast'), `broadcast "${given}" must be a numeric IPv4 address`);
    else if (cidr !== undefined && !contains(cidr, given))
      problems.error(s.lineOf('broadcast'), `broadcast ${given} is outside ${addressText}`);
    else broadcast = given;
  }
  const search = s.list('search');
  for (const entry of search) {
    if (!parseAddressEntry(entry))
      problems.error(
        s.lineOf('search'),
        `search entry "${entry}" must be a numeric IPv4 address, optionally with :port (host names are not resolved)`,
      );
  }
  const result: NetworkConfig = {
    name,
    interface: iface,
    address: network.address,
    prefixLength: network.prefixLength,
    broadcast,
    isGin: s.boolean('gin', false),
    search,
    origin: { file: problems.file, line: section.line },
  };
  s.reportUnknown();
  return result;
}

function checkAccounts(
  s: SectionReader,
  key: string,
  values: string[],
  problems: ProblemList,
  isHost: boolean,
): void {
  for (const v of values) {
    if (isHost && isIpv4(v)) {
      problems.error(
        s.lineOf(key),
        `host "${v}" is an IP address: access security compares the host name the CA client sends, so it would never match; use the client's host name`,
      );
    } else if (!ACCOUNT_RE.test(v)) {
      problems.error(s.lineOf(key), `${isHost ? 'host' : 'user'} "${v}" may only use letters, digits, _ . -`);
    } else if (isHost && v.includes('.')) {
      problems.warn(
        s.lineOf(key),
        `host "${v}" contains a dot: CA clients usually send their short host name, so a fully qualified name may never match`,
      );
    }
  }
}

function parseGroup(section: IniSection, problems: ProblemList): AccessGroup {
  const s = new SectionReader(section, problems);
  const name = section.name.slice('group.'.length);
  if (!GROUP_RE.test(name))
    problems.error(
      section.line,
      `group name "${name}" must start with a letter and use letters, digits and _ (it becomes an access security group)`,
    );
  if (RESERVED_GROUPS.has(name))
    problems.error(section.line, `group name "${name}" is reserved: gwagent writes that group itself`);
  const group: AccessGroup = {
    name,
    users: s.list('users'),
    hosts: s.list('hosts').map((h) => h.toLowerCase()),
    access: s.oneOf('access', ['read', 'write'] as const, 'write'),
    others: s.oneOf('others', ['read', 'none'] as const, 'read'),
    trapwrite: s.boolean('trapwrite', false),
    origin: { file: problems.file, line: section.line },
  };
  checkAccounts(s, 'users', group.users, problems, false);
  checkAccounts(s, 'hosts', group.hosts, problems, true);
  if (group.users.length === 0 && group.hosts.length === 0) {
    problems.error(
      section.line,
      `group "${name}" names no users and no hosts: it would grant its access to nobody`,
    );
  }
  if (group.access === 'read' && group.others === 'read') {
    problems.warn(
      s.lineOf('access'),
      `group "${name}" grants read to its members and read to everyone else: it changes nothing`,
    );
  }
  s.reportUnknown();
  return group;
}

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

function parseGateway(
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
