// What the control-room surfaces are drawn from: per container, the PV prefix, label, gateways, disks,
// interfaces and the health PVs with the alarm limits the agent will actually serve. Built from the
// validated agent configs (a site is first rendered to its agent configs, so a surface can never name a
// PV the agent would not serve). Also the cross-container checks (duplicate names, prefixes). Pure.
import type { Problem } from '../errors.js';
import type { AgentConfig } from '../gwconfig/index.js';
import { limitOverrides } from '../ioc/health/health-ioc.js';
import { expandHealthPvs, type HealthPvDef } from '../ioc/health/index.js';

export interface SurfaceGateway {
  /** Also the PV infix: $(P)<name>:STATE. */
  name: string;
  label: string;
  direction: string;
}

export interface SurfaceContainer {
  /** Agent (container host) name, also the panel's file name. */
  name: string;
  /** PV prefix of the agent, e.g. "CR01GW01:": the value of the panels' $(P). */
  prefix: string;
  label: string;
  gateways: SurfaceGateway[];
  /** Disk names (DISK:<name>:...) in configuration order. */
  disks: string[];
  /** Interfaces of the configured networks (IP:<interface>), in configuration order. */
  interfaces: string[];
  /** Every health PV the agent serves whatever the host (cgroup-only PVs left out), limits applied. */
  health: HealthPvDef[];
}

export interface SurfaceSite {
  /** Name of the alarm configuration root and of the overview. */
  name: string;
  containers: SurfaceContainer[];
}

/** The surface view of one validated agent config. */
export function containerOf(config: AgentConfig): SurfaceContainer {
  const interfaces: string[] = [];
  for (const n of config.networks) if (!interfaces.includes(n.interface)) interfaces.push(n.interface);
  const disks = Object.keys(config.health.disks);
  return {
    name: config.agent.name,
    prefix: config.agent.prefix,
    label: config.agent.label,
    gateways: config.gateways.map((g) => ({ name: g.name, label: g.label, direction: g.direction })),
    disks,
    interfaces,
    health: expandHealthPvs({
      mounts: disks.map((name) => ({ name })),
      interfaces,
      limits: limitOverrides(config.health.alarms),
    }),
  };
}

/**
 * Builds the site from validated agent configs and reports what would make the surfaces ambiguous:
 * two containers with one name or one prefix, one gateway name twice (its PVs and the alarm tree's
 * paths would collide). `file` names the input in the problems.
 */
export function surfaceSite(
  name: string,
  file: string,
  configs: readonly AgentConfig[],
): { site: SurfaceSite; problems: Problem[] } {
  const problems: Problem[] = [];
  const error = (key: string, message: string) => problems.push({ file, key, message, severity: 'error' });
  const names = new Set<string>();
  const prefixes = new Map<string, string>();
  const gateways = new Map<string, string>();
  const containers = configs.map(containerOf);
  for (const c of containers) {
    if (names.has(c.name)) error(c.name, `container name ${c.name} is used twice`);
    names.add(c.name);
    const seenPrefix = prefixes.get(c.prefix);
    if (seenPrefix !== undefined)
      error(c.name, `PV prefix "${c.prefix}" of ${c.name} is also the prefix of ${seenPrefix}`);
    prefixes.set(c.prefix, c.name);
    for (const g of c.gateways) {
      const seen = gateways.get(g.name);
      if (seen !== undefined)
        error(`${c.name}.${g.name}`, `gateway name ${g.name} of ${c.name} is also used in ${seen}`);
      gateways.set(g.name, c.name);
    }
  }
  return { site: { name, containers }, problems };
}
