// Kubernetes manifests of a site (target: Kubernetes 1.33): a Namespace, one Multus
// NetworkAttachmentDefinition per VLAN, and per container a ConfigMap (its agent INI) and a StatefulSet
// of one pod with the container's static addresses on its VLANs, plus a kustomization.yaml listing them.
// Pure: plan in, file texts out. The Kubernetes types are imported as types only, so tsc rejects a
// misspelt or misplaced field against the upstream API; nothing of the package runs here.
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { ContainerPlan, EnginePlan, NetworkPlan } from './engine-plan.js';
import { sortedJson, yamlDocuments, yamlText } from './yaml-text.js';

/** Multus's custom resource (k8s.cni.cncf.io/v1); its whole spec is one CNI configuration as JSON text. */
export interface NetworkAttachmentDefinition {
  apiVersion: 'k8s.cni.cncf.io/v1';
  kind: 'NetworkAttachmentDefinition';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: { config: string };
}

type ClaimTemplate = NonNullable<NonNullable<IStatefulSet['spec']>['volumeClaimTemplates']>[number];

export const MULTUS_NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
/** Where the image expects its configuration (its CMD is `run --config /etc/gwagent/agent.ini`). */
export const CONFIG_DIR = '/etc/gwagent';
export const CONFIG_FILE = 'agent.ini';
/** The container's health verdict, used by every engine's health check. */
export const HEALTH_COMMAND = ['gwagent', 'status', '--health'] as const;

const PART_OF = 'app.kubernetes.io/part-of';
const NAME = 'app.kubernetes.io/name';
const INSTANCE = 'app.kubernetes.io/instance';
const MANAGED_BY = 'app.kubernetes.io/managed-by';

function labels(instance?: string): Record<string, string> {
  const out: Record<string, string> = {
    [MANAGED_BY]: 'gwagent-site-render',
    [NAME]: 'gwagent',
    [PART_OF]: 'gwagent',
  };
  if (instance !== undefined) out[INSTANCE] = instance;
  return out;
}

/** The CNI configuration of a VLAN: macvlan (bridge mode) or ipvlan (L2), addresses from the pod annotation. */
export function cniConfig(network: NetworkPlan): string {
  const plugin =
    network.mode === 'macvlan'
      ? { type: 'macvlan', master: network.parent, mode: 'bridge' }
      : { type: 'ipvlan', master: network.parent, mode: 'l2' };
  // "ips" capability: the static IPAM plugin takes each pod's address from the networks annotation.
  return sortedJson({
    cniVersion: '0.3.1',
    name: network.name,
    ...plugin,
    capabilities: { ips: true },
    ipam: { type: 'static' },
  });
}

function networkAttachment(plan: EnginePlan, network: NetworkPlan): NetworkAttachmentDefinition {
  return {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: {
      name: network.name,
      namespace: plan.engine.namespace,
      labels: labels(),
      annotations: {
        'gwagent/vlan': network.vlan,
        'gwagent/subnet': network.subnet,
        ...(network.gateway !== undefined ? { 'gwagent/gateway': network.gateway } : {}),
      },
    },
    spec: { config: cniConfig(network) },
  };
}

function configMap(plan: EnginePlan, container: ContainerPlan): IConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${container.name}-agent`,
      namespace: plan.engine.namespace,
      labels: labels(container.name),
    },
    data: { [CONFIG_FILE]: container.iniNetworkNames },
  };
}

function execProbe(periodSeconds: number, failureThreshold: number): IProbe {
  return { exec: { command: [...HEALTH_COMMAND] }, periodSeconds, timeoutSeconds: 10, failureThreshold };
}

function agentContainer(plan: EnginePlan, container: ContainerPlan): IContainer {
  const { requests, limits } = plan.engine;
  return {
    name: 'gwagent',
    image: plan.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['run', '--config', `${CONFIG_DIR}/${CONFIG_FILE}`],
    // The control socket the agent listens on ([control] socket), for the probes and `kubectl exec`.
    env: [{ name: 'GWAGENT_SOCKET', value: container.controlSocket }],
    resources: { requests: { ...requests }, limits: { ...limits } },
    // Up to 2 minutes to bring every gateway up; then liveness restarts a stuck agent, readiness
    // reports a degraded one without restarting it.
    startupProbe: execProbe(5, 24),
    livenessProbe: execProbe(30, 3),
    readinessProbe: execProbe(10, 1),
    securityContext: { allowPrivilegeEscalation: false },
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'state', mountPath: container.stateDir },
      { name: 'logs', mountPath: container.logDir },
    ],
  };
}

function statefulSet(plan: EnginePlan, container: ContainerPlan): IStatefulSet {
  const { engine } = plan;
  const networks = container.attachments.map((a) => ({
    name: a.network,
    namespace: engine.namespace,
    interface: a.network,
    ips: [`${a.address}/${a.prefixLength}`],
  }));
  const claim = (name: string, size: string): ClaimTemplate => ({
    metadata: { name, labels: labels(container.name) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(engine.storageClass !== undefined ? { storageClassName: engine.storageClass } : {}),
    },
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: container.name,
      namespace: engine.namespace,
      labels: labels(container.name),
      annotations: { 'gwagent/hostname': container.hostname, 'gwagent/label': container.label },
    },
    spec: {
      // One pod per identity, never two: two pods with one static address would fight over it on the
      // VLAN, which a Deployment's rollout or eviction could cause.
      replicas: 1,
      serviceName: container.name,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      selector: { matchLabels: { [NAME]: 'gwagent', [INSTANCE]: container.name } },
      template: {
        metadata: {
          labels: labels(container.name),
          annotations: { [MULTUS_NETWORKS_ANNOTATION]: sortedJson(networks) },
        },
        spec: {
          terminationGracePeriodSeconds: container.stopGraceS,
          enableServiceLinks: false,
          // Spread the site's gateway containers over the nodes, as the seed spread them over its VMs.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { [NAME]: 'gwagent', [PART_OF]: 'gwagent' } },
            },
          ],
          containers: [agentContainer(plan, container)],
          volumes: [{ name: 'config', configMap: { name: `${container.name}-agent` } }],
        },
      },
      volumeClaimTemplates: [claim('state', engine.stateSize), claim('logs', engine.logSize)],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  };
}

function namespace(plan: EnginePlan): INamespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: plan.engine.namespace, labels: labels() } };
}

/** File name -> YAML text. Every object is one document; a container's ConfigMap and StatefulSet share a file. */
export function renderKubernetes(plan: EnginePlan): Record<string, string> {
  const files: Record<string, string> = { 'namespace.yaml': yamlText(namespace(plan)) };
  for (const network of plan.networks)
    files[`network-${network.name}.yaml`] = yamlText(networkAttachment(plan, network));
  for (const container of plan.containers)
    files[`${container.name}.yaml`] = yamlDocuments([
      configMap(plan, container),
      statefulSet(plan, container),
    ]);
  const resources = Object.keys(files);
  files['kustomization.yaml'] = yamlText({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources,
  });
  return files;
}

/** The objects themselves, for validation by tests and tools. */
export const kubernetesObjects = {
  namespace,
  networkAttachment,
  configMap,
  statefulSet,
};
