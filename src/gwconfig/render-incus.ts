// Incus YAML of a site (system containers, the heir of the seed's LXC): a base profile with the root
// disk, one profile per VLAN with its macvlan NIC, and one instance per container whose cloud-init
// sets its static addresses and writes its agent INI. The INIs are also written beside, for
// `incus file push`. Pure: plan in, texts out.
import type { ContainerPlan, EnginePlan, NetworkPlan } from './engine-plan.js';
import { CONFIG_DIR, CONFIG_FILE } from './render-kubernetes.js';
import { yamlText } from './yaml-text.js';

export const BASE_PROFILE = 'gwagent';

export function profileName(network: NetworkPlan | string): string {
  return `${BASE_PROFILE}-${typeof network === 'string' ? network : network.name}`;
}

/** Kubernetes CPU quantity as Incus limits.cpu: whole CPUs, at least one. */
export function incusCpu(cpu: string): string {
  const cores = cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
  return String(Math.max(1, Math.ceil(cores)));
}

/** Kubernetes memory quantity ("1Gi") as Incus limits.memory ("1GiB"). */
export function incusMemory(memory: string): string {
  return `${memory}B`;
}

function baseProfile(plan: EnginePlan): Record<string, unknown> {
  return {
    description: 'gwagent gateway containers: root disk',
    config: {},
    devices: { root: { type: 'disk', path: '/', pool: plan.engine.incusPool } },
  };
}

function networkProfile(n: NetworkPlan): Record<string, unknown> {
  return {
    description: `gwagent: VLAN ${n.vlan} (${n.name}, ${n.subnet}) on ${n.parent}`,
    config: {},
    // The interface inside the container is named after the network, as in the agent INI.
    devices: { [n.name]: { type: 'nic', nictype: 'macvlan', parent: n.parent, name: n.name } },
  };
}

function networkConfig(plan: EnginePlan, c: ContainerPlan): string {
  const ethernets: Record<string, unknown> = {};
  for (const a of c.attachments) {
    const n = plan.networks.find((x) => x.name === a.network);
    const entry: Record<string, unknown> = { dhcp4: false, addresses: [`${a.address}/${a.prefixLength}`] };
    // Routes beyond the VLAN only through the GIN's router, so the container has one default route.
    if (n?.isGin && n.gateway !== undefined) entry.routes = [{ to: '0.0.0.0/0', via: n.gateway }];
    ethernets[a.network] = entry;
  }
  return yamlText({ version: 2, ethernets });
}

function userData(c: ContainerPlan): string {
  return (
    '#cloud-config\n' +
    yamlText({
      write_files: [
        {
          path: `${CONFIG_DIR}/${CONFIG_FILE}`,
          owner: 'root:root',
          permissions: '0644',
          content: c.iniNetworkNames,
        },
      ],
    })
  );
}

function instance(plan: EnginePlan, c: ContainerPlan): Record<string, unknown> {
  return {
    description: `${c.hostname}: ${c.label}`,
    profiles: [BASE_PROFILE, ...c.attachments.map((a) => profileName(a.network))],
    config: {
      'boot.autostart': 'true',
      // How long the host waits for a clean stop at shutdown: above the agent's own stop.
      'boot.host_shutdown_timeout': String(c.stopGraceS),
      'cloud-init.network-config': networkConfig(plan, c),
      'cloud-init.user-data': userData(c),
      'limits.cpu': incusCpu(plan.engine.limits.cpu),
      'limits.memory': incusMemory(plan.engine.limits.memory),
      'user.gwagent.hostname': c.hostname,
    },
    devices: {},
  };
}

/** Profiles, instances and INIs, by file name. */
export function renderIncus(plan: EnginePlan): Record<string, string> {
  const files: Record<string, string> = { [`profile-${BASE_PROFILE}.yaml`]: yamlText(baseProfile(plan)) };
  for (const n of plan.networks) files[`profile-${profileName(n)}.yaml`] = yamlText(networkProfile(n));
  for (const c of plan.containers) {
    files[`instance-${c.hostname}.yaml`] = yamlText(instance(plan, c));
    files[`${c.hostname}.ini`] = c.iniNetworkNames;
  }
  return files;
}

/** Incus-only limits of a plan: its ipvlan NICs need per-instance addresses, which profiles cannot give. */
export function incusProblems(plan: EnginePlan): { key: string; message: string }[] {
  return plan.networks
    .filter((n) => n.mode !== 'macvlan')
    .map((n) => ({
      key: `networks.${n.vlan}.mode`,
      message: `the incus target supports macvlan networks only, not ${n.mode}`,
    }));
}
