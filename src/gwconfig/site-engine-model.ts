// The site inventory's keys for container engines: `networks` (one definition per VLAN: the host
// interface that carries it, its subnet, macvlan or ipvlan) and `engine` (image, namespace, resources,
// storage, incus image and pool). Read by site-model's parser; checked against the containers by
// engine-plan. Pure.
import type { SiteReader } from './site-model.js';

export const NETWORK_MODES = ['macvlan', 'ipvlan'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export interface SiteNetwork {
  /** Host interface that carries the VLAN untagged (e.g. bond0.900): the macvlan/ipvlan parent. */
  parent: string;
  /** Network address with prefix length; default: from the containers' addresses on the VLAN. */
  subnet?: string;
  /** Router on the VLAN, if any. */
  gateway?: string;
  mode: NetworkMode;
}

export interface Quantities {
  /** Kubernetes CPU quantity: cores ("2", "0.5") or millicores ("250m"). */
  cpu: string;
  /** Kubernetes memory quantity in Mi or Gi ("256Mi", "1Gi"). */
  memory: string;
}

export interface SiteEngine {
  /** Container image; undefined means the caller's default (localhost/gwagent:<version>). */
  image?: string;
  namespace: string;
  requests: Quantities;
  limits: Quantities;
  /** PersistentVolumeClaim sizes (Kubernetes) for state_dir and log_dir. */
  stateSize: string;
  logSize: string;
  storageClass?: string;
  /** Incus image (alias) the instances are created from, and the storage pool of their root disk. */
  incusImage: string;
  incusPool: string;
}

export const ENGINE_DEFAULTS = {
  namespace: 'gwagent',
  requests: { cpu: '250m', memory: '256Mi' },
  limits: { cpu: '2', memory: '1Gi' },
  stateSize: '1Gi',
  logSize: '5Gi',
  incusImage: 'gwagent',
  incusPool: 'default',
} as const;

const CPU = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY = /^\d+(Mi|Gi)$/;

function quantities(r: SiteReader, value: unknown, key: string, fallback: Quantities): Quantities {
  const o = r.object(value, key);
  const cpu = r.string(o.cpu, `${key}.cpu`, fallback.cpu);
  const memory = r.string(o.memory, `${key}.memory`, fallback.memory);
  if (!CPU.test(cpu)) r.error(`${key}.cpu`, `"${cpu}" must be cores ("2", "0.5") or millicores ("250m")`);
  if (!MEMORY.test(memory))
    r.error(`${key}.memory`, `"${memory}" must be a size in Mi or Gi ("256Mi", "1Gi")`);
  return { cpu, memory };
}

export function readNetworks(r: SiteReader, value: unknown): Record<string, SiteNetwork> {
  const out: Record<string, SiteNetwork> = {};
  for (const [vlan, raw] of Object.entries(r.object(value, 'networks'))) {
    const key = `networks.${vlan}`;
    const o = r.object(raw, key);
    const mode = r.string(o.mode, `${key}.mode`, 'macvlan');
    if (!(NETWORK_MODES as readonly string[]).includes(mode))
      r.error(`${key}.mode`, `"${mode}" must be one of ${NETWORK_MODES.join(', ')}`);
    const network: SiteNetwork = { parent: r.string(o.parent, `${key}.parent`), mode: mode as NetworkMode };
    if (o.subnet !== undefined) network.subnet = r.string(o.subnet, `${key}.subnet`);
    if (o.gateway !== undefined) network.gateway = r.string(o.gateway, `${key}.gateway`);
    out[vlan] = network;
  }
  return out;
}

export function readEngine(r: SiteReader, value: unknown): SiteEngine {
  const o = r.object(value, 'engine');
  const d = ENGINE_DEFAULTS;
  const engine: SiteEngine = {
    namespace: r.string(o.namespace, 'engine.namespace', d.namespace),
    requests: quantities(r, o.requests, 'engine.requests', d.requests),
    limits: quantities(r, o.limits, 'engine.limits', d.limits),
    stateSize: r.string(o.state_size, 'engine.state_size', d.stateSize),
    logSize: r.string(o.log_size, 'engine.log_size', d.logSize),
    incusImage: r.string(o.incus_image, 'engine.incus_image', d.incusImage),
    incusPool: r.string(o.incus_pool, 'engine.incus_pool', d.incusPool),
  };
  if (o.image !== undefined) engine.image = r.string(o.image, 'engine.image');
  if (o.storage_class !== undefined) engine.storageClass = r.string(o.storage_class, 'engine.storage_class');
  for (const [k, size] of [
    ['state_size', engine.stateSize],
    ['log_size', engine.logSize],
  ] as const)
    if (!MEMORY.test(size)) r.error(`engine.${k}`, `"${size}" must be a size in Mi or Gi ("1Gi")`);
  const known = new Set([
    'image',
    'namespace',
    'requests',
    'limits',
    'state_size',
    'log_size',
    'storage_class',
    'incus_image',
    'incus_pool',
  ]);
  for (const k of Object.keys(o)) if (!known.has(k)) r.error(`engine.${k}`, 'unknown key');
  return engine;
}
