// Where each container of a site answers: its health IOC's address and port, its PV prefix and its
// gateways, taken from the agent configuration the site renders for it (so `fleet` reads exactly what
// `site render` deploys). Pure: site model in, targets out.
import { checkAgentText } from '../gwconfig/index.js';
import { parseCidr } from '../net.js';
import { renderContainerIni } from '../gwconfig/site-render.js';
import type { Site } from '../gwconfig/site-model.js';

export interface FleetTarget {
  container: string;
  label: string;
  /** `host:port` of the container's health IOC. */
  server: string;
  /** PV prefix, e.g. "CR01GW01:". */
  prefix: string;
  gateways: string[];
}

/** Every enabled container; an IOC bound to every interface (0.0.0.0) is reached on its GIN address. */
export function fleetTargets(site: Site): FleetTarget[] {
  const out: FleetTarget[] = [];
  for (const container of site.containers) {
    if (!container.enabled) continue;
    const { config } = checkAgentText(`${container.hostname}.ini`, renderContainerIni(site, container));
    const gin = container.interfaces.find((i) => i.vlan === site.ginVlan);
    const host =
      config.ioc.address === '0.0.0.0'
        ? (parseCidr(gin?.address ?? '')?.address ?? '0.0.0.0')
        : config.ioc.address;
    out.push({
      container: container.hostname,
      label: container.label,
      server: `${host}:${config.ioc.port}`,
      prefix: config.agent.prefix,
      gateways: config.gateways.map((g) => g.name),
    });
  }
  return out;
}

/** Finds CONTAINER or CONTAINER:GATEWAY among the targets; the error names what exists. */
export function findTarget(
  targets: readonly FleetTarget[],
  spec: string,
): { target: FleetTarget; gateways: string[] } | { error: string } {
  const [name, gateway, extra] = spec.split(':');
  const target = targets.find((t) => t.container === name);
  if (!target || extra !== undefined)
    return {
      error: `no enabled container '${name ?? ''}' in the site (${targets.map((t) => t.container).join(', ')})`,
    };
  if (gateway === undefined || gateway === '') return { target, gateways: target.gateways };
  if (!target.gateways.includes(gateway))
    return {
      error: `container ${target.container} has no gateway '${gateway}' (${target.gateways.join(', ') || 'none'})`,
    };
  return { target, gateways: [gateway] };
}

/**
 * Containers that share one IOC address: a site that leaves `[ioc] address` at its loopback default
 * points every container at the host `fleet` runs on. Returns one line per shared address.
 */
export function sharedServers(targets: readonly FleetTarget[]): string[] {
  const byServer = new Map<string, string[]>();
  for (const t of targets) byServer.set(t.server, [...(byServer.get(t.server) ?? []), t.container]);
  return [...byServer]
    .filter(([, names]) => names.length > 1)
    .map(
      ([server, names]) =>
        `${names.join(', ')} all have their health IOC at ${server}: set "ioc": { "address": ... } in the site ` +
        '(the GIN address, or 0.0.0.0 to be read on it)',
    );
}
