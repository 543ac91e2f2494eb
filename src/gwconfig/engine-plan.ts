// The placement plan every engine renderer (Kubernetes, Compose, Incus) works from: the site's enabled
// containers with their attachments (VLAN, network, address), each VLAN's network definition, the
// agent INI of each container, and the values the engines need from that INI (state and log dirs,
// control socket, stop grace). Refuses a site whose containers cannot all be placed. Pure.
import type { Problem } from '../errors.js';
import { checkAgentText } from './load-agent.js';
import { contains, intToIpv4, isIpv4, networkBase, parseCidr } from '../net.js';
import type { NetworkMode, SiteEngine } from './site-engine-model.js';
import type { Site, SiteContainer } from './site-model.js';
import { networkName, renderContainerIni } from './site-render.js';

export interface Attachment {
  vlan: string;
  /** INI network name ([network.NAME]); also the interface name inside Kubernetes pods and Incus. */
  network: string;
  /** The interface name the site gives it (eth0, ...). */
  siteInterface: string;
  address: string;
  prefixLength: number;
}

export interface NetworkPlan {
  vlan: string;
  name: string;
  parent: string;
  mode: NetworkMode;
  /** Network address with prefix length, e.g. 10.17.0.0/16. */
  subnet: string;
  gateway?: string;
  isGin: boolean;
}

export interface ContainerPlan {
  hostname: string;
  /** Lower-case DNS label for Kubernetes objects and Compose services. */
  name: string;
  label: string;
  attachments: Attachment[];
  /** Agent INI with the site's interface names (Compose: the engine names interfaces itself). */
  iniSiteNames: string;
  /** Agent INI whose interfaces carry the network names (Kubernetes and Incus name them so). */
  iniNetworkNames: string;
  stateDir: string;
  logDir: string;
  controlSocket: string;
  /** Longest gateway stop_timeout_s plus a margin: the engine must not SIGKILL the agent before. */
  stopGraceS: number;
}

export interface EnginePlan {
  file: string;
  image: string;
  engine: SiteEngine;
  /** Only the VLANs some enabled container uses, sorted by network name. */
  networks: NetworkPlan[];
  /** Enabled containers sorted by name. */
  containers: ContainerPlan[];
}

/** Seconds the agent needs beyond its slowest gateway stop: closing servers and logs. */
export const STOP_MARGIN_S = 10;
const DEFAULT_STOP_TIMEOUT_S = 10;
/** DNS-1123 label; 52 characters leaves room for the StatefulSet's pod and revision suffixes. */
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;
/** Usable both as a Kubernetes object name and as a Linux interface name (at most 15 characters). */
const NETWORK_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/** Code-unit order: the same on every machine and locale. */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function containerIni(site: Site, container: SiteContainer, useNetworkNames: boolean): string {
  if (!useNetworkNames) return renderContainerIni(site, container);
  const interfaces = container.interfaces.map((i) => ({ ...i, name: networkName(site, i.vlan) }));
  return renderContainerIni(site, { ...container, interfaces });
}

function stopGraceS(site: Site, container: SiteContainer): number {
  let longest = 0;
  for (const gateway of container.gateways) {
    const value = gateway.settings.stop_timeout_s ?? site.gatewayDefaults.stop_timeout_s;
    const seconds = value === undefined ? DEFAULT_STOP_TIMEOUT_S : Number(value);
    if (Number.isFinite(seconds)) longest = Math.max(longest, seconds);
  }
  return Math.ceil(longest) + STOP_MARGIN_S;
}

type Report = (key: string, message: string) => void;
/** VLAN -> its subnet and the JSON key that set it (a network definition, or the first address seen). */
type Subnets = Map<string, { subnet: string; from: string }>;

function definedSubnets(site: Site, error: Report): Subnets {
  const subnets: Subnets = new Map();
  for (const [vlan, network] of Object.entries(site.networks)) {
    if (network.subnet === undefined) continue;
    const key = `networks.${vlan}.subnet`;
    const net = parseCidr(network.subnet);
    if (net === undefined || !network.subnet.includes('/'))
      error(key, `"${network.subnet}" must be a network with prefix length, e.g. 10.17.0.0/16`);
    else if (intToIpv4(networkBase(net)) !== net.address)
      error(
        key,
        `"${network.subnet}" has host bits set: the network is ${intToIpv4(networkBase(net))}/${net.prefixLength}`,
      );
    else subnets.set(vlan, { subnet: network.subnet, from: key });
  }
  return subnets;
}

/** A container's interfaces as attachments; every address must lie in its VLAN's one subnet. */
function planAttachments(
  site: Site,
  container: SiteContainer,
  key: string,
  subnets: Subnets,
  error: Report,
): Attachment[] {
  const attachments: Attachment[] = [];
  const seenVlans = new Set<string>();
  container.interfaces.forEach((itf, j) => {
    const ikey = `${key}.interfaces[${j}]`;
    const network = networkName(site, itf.vlan);
    if (site.networks[itf.vlan] === undefined)
      error(
        `${ikey}.vlan`,
        `VLAN ${itf.vlan} (${network}) of ${container.hostname} ${itf.name} has no network definition: add networks.${itf.vlan} with its parent interface`,
      );
    if (seenVlans.has(itf.vlan))
      error(`${ikey}.vlan`, `${container.hostname} has a second interface on VLAN ${itf.vlan}`);
    seenVlans.add(itf.vlan);
    const cidr = parseCidr(itf.address);
    if (cidr === undefined) return; // site-model has reported it
    const own = `${intToIpv4(networkBase(cidr))}/${cidr.prefixLength}`;
    const known = subnets.get(itf.vlan);
    if (known === undefined) subnets.set(itf.vlan, { subnet: own, from: `${ikey}.address` });
    else if (known.subnet !== own)
      error(
        `${ikey}.address`,
        `${itf.address} of ${container.hostname} is in ${own}, but ${known.from} puts VLAN ${itf.vlan} in ${known.subnet}`,
      );
    attachments.push({
      vlan: itf.vlan,
      network,
      siteInterface: itf.name,
      address: cidr.address,
      prefixLength: cidr.prefixLength,
    });
  });
  if (!attachments.some((a) => a.vlan === site.ginVlan))
    error(
      key,
      `container ${container.hostname} has no address on the GIN (VLAN ${site.ginVlan}): the other containers' gateways could not reach it`,
    );
  return attachments;
}

/** The container's INIs and the values engines take from them; the INI must pass `config check`. */
function planContainer(
  site: Site,
  container: SiteContainer,
  attachments: Attachment[],
  error: Report,
): ContainerPlan {
  const agent = { ...site.agentDefaults, ...container.agent };
  const stateDir = agent.state_dir ?? '/var/lib/gwagent';
  const control = { ...site.sections.control, ...container.sections.control };
  const plan: ContainerPlan = {
    hostname: container.hostname,
    name: container.hostname.toLowerCase(),
    label: container.label,
    attachments,
    iniSiteNames: containerIni(site, container, false),
    iniNetworkNames: containerIni(site, container, true),
    stateDir,
    logDir: agent.log_dir ?? '/var/log/gwagent',
    controlSocket: control.socket ?? `${stateDir}/control.sock`,
    stopGraceS: stopGraceS(site, container),
  };
  const ini = `${container.hostname}.ini`;
  for (const p of checkAgentText(ini, plan.iniNetworkNames).problems)
    if (p.severity === 'error')
      error(`${container.hostname} -> ${ini}${p.line !== undefined ? `:${p.line}` : ''}`, p.message);
  return plan;
}

/** The used VLANs' network definitions, with their subnets. */
function planNetworks(site: Site, vlans: Iterable<string>, subnets: Subnets, error: Report): NetworkPlan[] {
  const networks: NetworkPlan[] = [];
  for (const vlan of vlans) {
    const definition = site.networks[vlan];
    const subnet = subnets.get(vlan)?.subnet;
    if (definition === undefined || subnet === undefined) continue;
    const name = networkName(site, vlan);
    if (!NETWORK_NAME.test(name))
      error(
        `vlans.${vlan}`,
        `network name "${name}" must be lower-case letters, digits and "-", at most 15 characters: engines use it as object and interface name`,
      );
    const plan: NetworkPlan = {
      vlan,
      name,
      parent: definition.parent,
      mode: definition.mode,
      subnet,
      isGin: vlan === site.ginVlan,
    };
    if (definition.gateway !== undefined) {
      const net = parseCidr(subnet);
      if (!isIpv4(definition.gateway) || (net !== undefined && !contains(net, definition.gateway)))
        error(`networks.${vlan}.gateway`, `"${definition.gateway}" must be an IPv4 address in ${subnet}`);
      plan.gateway = definition.gateway;
    }
    networks.push(plan);
  }
  return networks.sort(byName);
}

/** Builds the plan, or reports every reason the site cannot be placed (located by JSON path). */
export function planSite(site: Site, defaultImage: string): { plan: EnginePlan; problems: Problem[] } {
  const problems: Problem[] = [];
  const error: Report = (key, message) => {
    problems.push({ file: site.file, key, message, severity: 'error' });
  };
  const subnets = definedSubnets(site, error);
  const containers: ContainerPlan[] = [];
  const names = new Map<string, string>();
  const usedVlans = new Set<string>();
  site.containers.forEach((container, i) => {
    if (!container.enabled) return;
    const key = `containers[${i}]`;
    const name = container.hostname.toLowerCase();
    if (!K8S_NAME.test(name))
      error(
        `${key}.hostname`,
        `hostname ${container.hostname} cannot name an engine workload: it must be letters, digits and "-", at most 52 characters`,
      );
    const clash = names.get(name);
    if (clash !== undefined)
      error(
        `${key}.hostname`,
        `hostname ${container.hostname} gives the same workload name ${name} as ${clash}`,
      );
    names.set(name, container.hostname);
    for (const itf of container.interfaces) usedVlans.add(itf.vlan);
    const attachments = planAttachments(site, container, key, subnets, error);
    containers.push(planContainer(site, container, attachments, error));
  });
  const networks = planNetworks(site, usedVlans, subnets, error);
  const image = site.engine.image ?? defaultImage;
  return {
    plan: { file: site.file, image, engine: site.engine, networks, containers: containers.sort(byName) },
    problems,
  };
}
