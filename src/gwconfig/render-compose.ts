// A Compose file of a site, for Docker Compose and podman-compose: one service per container, one
// macvlan (or ipvlan) network per VLAN with each container's static ipv4_address, the agent INI
// mounted read-only next to state and log volumes, restart unless-stopped, the health check and a
// stop grace above the agent's. The INIs are written beside compose.yaml. With internalBridges every
// VLAN is an internal bridge instead (one host, nothing leaves it: CI's test bench). Pure.
import type { ContainerPlan, EnginePlan, NetworkPlan } from './engine-plan.js';
import { CONFIG_DIR, CONFIG_FILE, HEALTH_COMMAND } from './render-kubernetes.js';
import { yamlText } from './yaml-text.js';

/** Kubernetes CPU quantity ("250m", "2") as Compose's fractional cpus. */
export function composeCpus(cpu: string): number {
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
}

/** Kubernetes memory quantity ("256Mi", "1Gi") as a Compose byte value (binary units, as Docker reads them). */
export function composeMemory(memory: string): string {
  return memory.replace(/Mi$/, 'm').replace(/Gi$/, 'g');
}

export interface ComposeOptions {
  /**
   * Every VLAN as an internal bridge network on the one host (same subnet and addresses, no parent,
   * no route out) in place of macvlan/ipvlan: a site on one machine whose traffic never leaves it.
   */
  internalBridges?: boolean;
}

function network(n: NetworkPlan, options: ComposeOptions): Record<string, unknown> {
  const pool: Record<string, string> = { subnet: n.subnet };
  if (n.gateway !== undefined) pool.gateway = n.gateway;
  const ipam = { config: [pool] };
  if (options.internalBridges === true) return { driver: 'bridge', internal: true, ipam };
  return { driver: n.mode, driver_opts: { parent: n.parent }, ipam };
}

function service(plan: EnginePlan, c: ContainerPlan): Record<string, unknown> {
  const { requests, limits } = plan.engine;
  const networks: Record<string, unknown> = {};
  // Engines name interfaces eth0, eth1, ... in connection order; a higher priority connects first,
  // so the site's first interface comes first.
  c.attachments.forEach((a, i) => {
    networks[a.network] = { ipv4_address: a.address, priority: 1000 - 10 * i };
  });
  return {
    image: plan.image,
    container_name: c.name,
    hostname: c.hostname,
    command: ['run', '--config', `${CONFIG_DIR}/${CONFIG_FILE}`],
    environment: { GWAGENT_SOCKET: c.controlSocket },
    volumes: [
      `./${c.hostname}.ini:${CONFIG_DIR}/${CONFIG_FILE}:ro`,
      `${c.name}-state:${c.stateDir}`,
      `${c.name}-logs:${c.logDir}`,
    ],
    networks,
    restart: 'unless-stopped',
    healthcheck: {
      test: ['CMD', ...HEALTH_COMMAND],
      interval: '30s',
      timeout: '10s',
      retries: 3,
      start_period: '120s',
    },
    stop_signal: 'SIGTERM',
    stop_grace_period: `${c.stopGraceS}s`,
    cpus: composeCpus(limits.cpu),
    mem_limit: composeMemory(limits.memory),
    mem_reservation: composeMemory(requests.memory),
    labels: { 'gwagent.hostname': c.hostname, 'gwagent.label': c.label },
  };
}

/** compose.yaml plus one <HOSTNAME>.ini per container (mounted read-only by its service). */
export function renderCompose(plan: EnginePlan, options: ComposeOptions = {}): Record<string, string> {
  const services: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  for (const c of plan.containers) {
    services[c.name] = service(plan, c);
    volumes[`${c.name}-state`] = {};
    volumes[`${c.name}-logs`] = {};
  }
  const networks: Record<string, unknown> = {};
  for (const n of plan.networks) networks[n.name] = network(n, options);
  const files: Record<string, string> = {
    'compose.yaml': yamlText({ services, networks, volumes }),
  };
  for (const c of plan.containers) files[`${c.hostname}.ini`] = c.iniSiteNames;
  return files;
}
