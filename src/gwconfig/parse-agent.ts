// Turns the sections of an agent INI file into the typed AgentConfig, applying defaults and checking each
// value on its own (types, ranges, syntax). Cross-checks between sections live in validate-agent.ts.
// Pure: text in, model + problems out; no file system.
import type { IniDocument, IniSection } from './ini-source.js';
import { SectionReader } from './section-reader.js';
import { parseGateway } from './parse-gateway.js';
import { parseHttp } from './parse-http.js';
import { ACCOUNT_RE, NAME_RE, checkAccounts } from './names.js';
import type { ProblemList } from './problems.js';
import { broadcastOf, contains, isIpv4, parseAddressEntry, parseCidr } from '../net.js';
import { type AccessGroup, type AgentConfig, type AgentIdentity, type NetworkConfig } from './types.js';

const GROUP_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
const PV_PREFIX_RE = /^[A-Za-z0-9_:.-]+$/;
// RECORD may carry colons: DISK:ROOT:USED_PCT.HIHI, or a gateway's PV such as GWF01:LOOP_RATE.LOW.
const ALARM_KEY_RE = /^[A-Z][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)*\.(HIHI|HIGH|LOW|LOLO|HHSV|HSV|LSV|LLSV|HYST)$/;
const SEVERITIES = new Set(['NO_ALARM', 'MINOR', 'MAJOR', 'INVALID']);
/** ASG names gwagent writes itself; a user group may not take them. */
export const RESERVED_GROUPS = new Set(['DEFAULT', 'GWSTATS', 'GWCONTROL']);

const SIMPLE_SECTIONS = new Set(['agent', 'ioc', 'health', 'disks', 'control', 'access', 'http']);
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
  // An invalid address is reported once: it is not also the default beacon address.
  const beacons = ioc.list('beacon_addresses', isIpv4(iocAddress) ? [iocAddress] : []);
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

  const httpSection = simple.get('http');
  const http = parseHttp(httpSection && section('http'), iocSettings, problems);

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
    http,
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
  // An invalid address stays '' (and so its broadcast), so the checks that use it stay silent instead
  // of reporting follow-on errors about a made-up address.
  const network = cidr ?? { address: '', prefixLength: 32 };
  let broadcast = cidr === undefined ? '' : broadcastOf(cidr);
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
