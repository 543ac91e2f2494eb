// The site inventory (JSON, in the shape the Australian Synchrotron's gw_manage used) and its loader:
// checks the JSON's structure and cross-container facts (unique hostnames, gateway names, addresses).
// Pure apart from loadSite, which reads the file. Problems are located by JSON key path.
import { ProblemsError, type Problem } from '../errors.js';
import { readConfigFile } from './load-agent.js';
import { parseCidr } from '../net.js';
import { checkSiteAddresses } from './site-checks.js';
import { readEngine, readNetworks, type SiteEngine, type SiteNetwork } from './site-engine-model.js';

export interface SiteInterface {
  name: string;
  vlan: string;
  /** Numeric IPv4 with prefix length, e.g. 10.17.19.91/16. */
  address: string;
  broadcast?: string;
  /** An explicit GIN search list (addr[:port]) instead of the one site render computes. */
  search?: string[];
}

export interface SiteGateway {
  name: string;
  direction: string;
  label?: string;
  /** Rule lines: "allow PATTERN [GROUP]", "deny PATTERN", "alias PATTERN TARGET [GROUP]". */
  rules: string[];
  /** Any other agent INI gateway key (server_port, read_only, user, ...). */
  settings: Record<string, string>;
}

export interface SiteContainer {
  hostname: string;
  enabled: boolean;
  label: string;
  interfaces: SiteInterface[];
  gateways: SiteGateway[];
  /** Extra [agent] keys for this container (build, location, ...). */
  agent: Record<string, string>;
  /** [ioc], [health], [disks], [control], [access] keys for this container, over the site's. */
  sections: Record<string, Record<string, string>>;
}

export interface Site {
  file: string;
  templateContainer: string;
  username: string;
  hostnameTemplate: string;
  ginVlan: string;
  /** vlan id -> network name used in the agent INI (default: the vlan id). */
  vlanNames: Record<string, string>;
  /** [agent] keys for every container. */
  agentDefaults: Record<string, string>;
  /** Gateway keys for every gateway (user, binary, ...). */
  gatewayDefaults: Record<string, string>;
  /** [ioc], [health], [disks], [control], [access] keys for every container. */
  sections: Record<string, Record<string, string>>;
  /** group name -> [group.NAME] keys. */
  groups: Record<string, Record<string, string>>;
  containers: SiteContainer[];
  /** vlan id -> how engines attach containers to it (site render --target). */
  networks: Record<string, SiteNetwork>;
  engine: SiteEngine;
}

type Json = unknown;

/** Collects located problems while reading the site JSON. */
export class SiteReader {
  readonly problems: Problem[] = [];
  constructor(readonly file: string) {}

  error(key: string, message: string): void {
    this.problems.push({ file: this.file, key, message, severity: 'error' });
  }

  warn(key: string, message: string): void {
    this.problems.push({ file: this.file, key, message, severity: 'warning' });
  }

  object(value: Json, key: string): Record<string, Json> {
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, Json>;
    if (value !== undefined) this.error(key, 'must be an object');
    return {};
  }

  array(value: Json, key: string): Json[] {
    if (Array.isArray(value)) return value as Json[];
    if (value !== undefined) this.error(key, 'must be an array');
    return [];
  }

  string(value: Json, key: string, fallback?: string): string {
    if (typeof value === 'string' && value !== '') return value;
    if (value === undefined && fallback !== undefined) return fallback;
    this.error(key, value === undefined ? 'is required' : 'must be a non-empty string');
    return fallback ?? '';
  }

  /** A flat map of INI settings: strings, numbers and booleans become INI values. */
  settings(value: Json, key: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.object(value, key))) {
      if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
      else if (typeof v === 'boolean') out[k] = v ? 'yes' : 'no';
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v.join(', ');
      else this.error(`${key}.${k}`, 'must be a string, number, boolean or list of strings');
    }
    return out;
  }
}

/** INI sections a site or container may set, beyond [agent] and the generated ones. */
export const SITE_SECTIONS = ['ioc', 'health', 'disks', 'control', 'access', 'http'] as const;

function readSections(
  r: SiteReader,
  o: Record<string, Json>,
  keyPrefix: string,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const name of SITE_SECTIONS)
    if (o[name] !== undefined) out[name] = r.settings(o[name], `${keyPrefix}${name}`);
  return out;
}

/** A printf-style host name template ("CR01GW%02d") as a RegExp for whole host names. */
function templateRegExp(template: string): RegExp {
  const source = template
    .split(/(%0?\d*d)/)
    .map((part) => {
      const m = /^%0?(\d*)d$/.exec(part);
      if (m) return m[1] ? `\\d{${m[1]},}` : '\\d+';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** Parses and checks site JSON text. Pure. */
export function parseSite(file: string, text: string): { site: Site; problems: Problem[] } {
  const r = new SiteReader(file);
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (err) {
    r.error('(file)', `not valid JSON: ${(err as Error).message}`);
    root = {};
  }
  const top = r.object(root, '(top level)');
  const gin = r.object(top.gin, 'gin');
  const site: Site = {
    file,
    templateContainer: r.string(top.template_container, 'template_container', ''),
    username: r.string(top.username, 'username', ''),
    hostnameTemplate: r.string(top.hostname_template, 'hostname_template', ''),
    ginVlan: r.string(gin.vlan, 'gin.vlan'),
    vlanNames: {},
    agentDefaults: r.settings(top.agent, 'agent'),
    gatewayDefaults: r.settings(top.gateway_defaults, 'gateway_defaults'),
    sections: readSections(r, top, ''),
    groups: {},
    containers: [],
    networks: readNetworks(r, top.networks),
    engine: readEngine(r, top.engine),
  };
  for (const [vlan, name] of Object.entries(r.object(top.vlans, 'vlans'))) {
    site.vlanNames[vlan] = r.string(name, `vlans.${vlan}`);
  }
  for (const [name, value] of Object.entries(r.object(top.groups, 'groups'))) {
    site.groups[name] = r.settings(value, `groups.${name}`);
  }
  const hostnames = new Map<string, string>();
  const gatewayNames = new Map<string, string>();
  const addresses = new Map<string, string>();
  r.array(top.containers, 'containers').forEach((c, i) => {
    const key = `containers[${i}]`;
    const o = r.object(c, key);
    const container: SiteContainer = {
      hostname: r.string(o.hostname, `${key}.hostname`),
      enabled: o.enabled === undefined ? true : o.enabled === true,
      label: typeof o.label === 'string' ? o.label : '',
      interfaces: [],
      gateways: [],
      agent: r.settings(o.agent, `${key}.agent`),
      sections: readSections(r, o, `${key}.`),
    };
    if (o.enabled !== undefined && typeof o.enabled !== 'boolean')
      r.error(`${key}.enabled`, 'must be true or false');
    const seenHost = hostnames.get(container.hostname);
    if (seenHost !== undefined)
      r.error(`${key}.hostname`, `hostname ${container.hostname} is also used by ${seenHost}`);
    hostnames.set(container.hostname, key);
    r.array(o.interfaces, `${key}.interfaces`).forEach((itf, j) => {
      const ikey = `${key}.interfaces[${j}]`;
      const io = r.object(itf, ikey);
      const entry: SiteInterface = {
        name: r.string(io.name, `${ikey}.name`),
        vlan: r.string(io.vlan, `${ikey}.vlan`),
        address: r.string(io.address, `${ikey}.address`),
      };
      if (typeof io.broadcast === 'string') entry.broadcast = io.broadcast;
      if (io.search !== undefined)
        entry.search = r
          .array(io.search, `${ikey}.search`)
          .map((s, k) => r.string(s, `${ikey}.search[${k}]`));
      const cidr = parseCidr(entry.address);
      if (entry.address !== '' && (cidr === undefined || !entry.address.includes('/'))) {
        r.error(
          `${ikey}.address`,
          `"${entry.address}" must be numeric IPv4 with a prefix length, e.g. 10.17.19.91/16`,
        );
      } else if (cidr !== undefined) {
        const other = addresses.get(cidr.address);
        if (other !== undefined && container.enabled)
          r.error(`${ikey}.address`, `address ${cidr.address} is also used by ${other}`);
        if (container.enabled) addresses.set(cidr.address, `${container.hostname} ${entry.name}`);
      }
      container.interfaces.push(entry);
    });
    r.array(o.gateways, `${key}.gateways`).forEach((gw, j) => {
      const gkey = `${key}.gateways[${j}]`;
      const go = r.object(gw, gkey);
      const { name, direction, label, rules, ...rest } = go;
      const gateway: SiteGateway = {
        name: r.string(name, `${gkey}.name`),
        direction: r.string(direction, `${gkey}.direction`),
        rules: r.array(rules, `${gkey}.rules`).map((rule, k) => r.string(rule, `${gkey}.rules[${k}]`)),
        settings: r.settings(rest, gkey),
      };
      if (typeof label === 'string') gateway.label = label;
      const seen = gatewayNames.get(gateway.name);
      if (seen !== undefined)
        r.error(
          `${gkey}.name`,
          `gateway name ${gateway.name} is also used in ${seen}: statistics prefixes must be unique on the site`,
        );
      gatewayNames.set(gateway.name, container.hostname);
      container.gateways.push(gateway);
    });
    if (site.hostnameTemplate !== '' && !templateRegExp(site.hostnameTemplate).test(container.hostname)) {
      r.warn(
        `${key}.hostname`,
        `hostname ${container.hostname} does not follow hostname_template ${site.hostnameTemplate}`,
      );
    }
    if (container.enabled && !container.interfaces.some((itf) => itf.vlan === site.ginVlan)) {
      r.warn(key, `container ${container.hostname} has no interface on the GIN vlan ${site.ginVlan}`);
    }
    site.containers.push(container);
  });
  r.problems.push(...checkSiteAddresses(site));
  return { site, problems: r.problems };
}

/** Reads and checks a site file; throws ProblemsError (GW_CONFIG_INVALID) with every error. */
export function loadSite(path: string): { site: Site; problems: Problem[] } {
  const result = parseSite(path, readConfigFile(path));
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ProblemsError('GW_CONFIG_INVALID', errors);
  return result;
}
