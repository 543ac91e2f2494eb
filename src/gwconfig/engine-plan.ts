// The placement plan every engine renderer (Kubernetes, Compose, Incus) works from: the site's enabled
// containers with their attachments (VLAN, network, address), each VLAN's network definition, the
// agent INI of each container, and the values the engines need from that INI (state and log dirs,
// control socket, stop grace). Refuses a site whose containers cannot all be placed. Pure.
import type { Problem } from '../errors.js';
import { checkAgentText } from './load-agent.js';
import { contains, intToIpv4, isIpv4, networkBase, parseCidr } from './net.js';
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

/** Builds the plan, or reports every reason the site cannot be placed (located by JSON path). */
export function planSite(site: Site, defaultImage: string): { plan: EnginePlan; problems: Problem[] } {
  const problems: Problem[] = [];
  const error = (key: string, message: string): void => {
    problems.push({ file: site.file, key, message, severity: 'error' });
  };
  const subnets = new Map<string, { subnet: string; from: string }>();
  const usedVlans = new Set<string>();
  for (const [vlan, network] of Object.entries(site.networks)) {
    if (network.subnet === undefined) continue;
    const net = parseCidr(network.subnet);
    if (net === undefined || !network.subnet.includes('/'))
      error(
        `networks.${vlan}.subnet`,
        `"${network.subnet}" must be a network with prefix length, e.g. 10.17.0.0/16`,
      );
    else if (intToIpv4(networkBase(net)) !== net.address)
      error(
        `networks.${vlan}.subnet`,
        `"${network.subnet}" has host bits set: the network is ${intToIpv4(networkBase(net))}/${net.prefixLength}`,
      );
    else subnets.set(vlan, { subnet: network.subnet, from: `networks.${vlan}.subnet` });
  }
  const containers: ContainerPlan[] = [];
  const names = new Map<string, string>();
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
    const attachments: Attachment[] = [];
    const seenVlans = new Set<string>();
    container.interfaces.forEach((itf, j) => {
      const ikey = `${key}.interfaces[${j}]`;
      const network = networkName(site, itf.vlan);
      if (site.networks[itf.vlan] === undefined) {
        error(
          `${ikey}.vlan`,
          `VLAN ${itf.vlan} (${network}) of ${container.hostname} ${itf.name} has no network definition: add networks.${itf.vlan} with its parent interface`,
        );
      }
      if (seenVlans.has(itf.vlan))
        error(`${ikey}.vlan`, `${container.hostname} has a second interface on VLAN ${itf.vlan}`);
      seenVlans.add(itf.vlan);
      usedVlans.add(itf.vlan);
      const cidr = parseCidr(itf.address);
      if (cidr === undefined) return; // site-model has reported it
      const known = subnets.get(itf.vlan);
      const own = `${intToIpv4(networkBase(cidr))}/${cidr.prefixLength}`;
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
    const agent = { ...site.agentDefaults, ...container.agent };
    const stateDir = agent.state_dir ?? '/var/lib/gwagent';
    const control = { ...site.sections.control, ...container.sections.control };
    const plan: ContainerPlan = {
      hostname: container.hostname,
      name,
      label: container.label,
      attachments,
      iniSiteNames: containerIni(site, container, false),
      iniNetworkNames: containerIni(site, container, true),
      stateDir,
      logDir: agent.log_dir ?? '/var/log/gwagent',
      controlSocket: control.socket ?? `${stateDir}/control.sock`,
      stopGraceS: stopGraceS(site, container),
    };
    for (const p of checkAgentText(`${container.hostname}.ini`, plan.iniNetworkNames).problems)
      if (p.severity === 'error')
        error(
          `${container.hostname} -> ${container.hostname}.ini${p.line !== undefined ? `:${p.line}` : ''}`,
          p.message,
        );
    containers.push(plan);
  });
  const networks: NetworkPlan[] = [];
  for (const vlan of usedVlans) {
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
  networks.sort(byName);
  containers.sort(byName);
  return {
    plan: {
      file: site.file,
      image: site.engine.image ?? defaultImage,
      engine: site.engine,
      networks,
      containers,
    },
    problems,
  };
}
