// The engines' own tools read what `site render --target` wrote: `podman-compose config` the
// compose.yaml, `kubectl kustomize` the Kubernetes directory, and cloud-init (its `schema` command and
// its network-config parser) the Incus instances' cloud-init. podman-compose and cloud-init come from
// scripts/debian-tool.sh (PODMAN_COMPOSE, CLOUD_INIT); missing, they skip here and fail under CI.
// PyYAML, the YAML 1.1 reader of both, gets strings that YAML 1.1 would read as something else.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { main } from '../../src/cli/main.js';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';

const root = new URL('../../', import.meta.url).pathname;
const site = join(root, 'examples/as-site.json');

afterEach(() => vi.restoreAllMocks());

/** Renders the example site for a target into a new directory. */
async function renderTo(target: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), `gwagent-${target}-`));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    expect(await main(['site', 'render', site, '--target', target, '--out', out])).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

/** A tool from an environment variable ("env PYTHONPATH=... python3 .../tool"), if it runs. */
function tool(variable: string, probe: string[], expected: RegExp): string[] | undefined {
  const value = process.env[variable];
  if (value === undefined || value === '') return undefined;
  const argv = value.split(' ');
  const result = spawnSync(argv[0]!, [...argv.slice(1), ...probe], { encoding: 'utf8' });
  return result.status === 0 && expected.test(result.stdout) ? argv : undefined;
}

function missing(why: string): void {
  if (process.env.CI === 'true') it('tool present', () => expect.fail(why));
  else it.skip(`SKIPPED: ${why}`, () => undefined);
}

describe('podman-compose config reads compose.yaml', () => {
  const argv = tool('PODMAN_COMPOSE', ['--help'], /\bconfig\b/);
  if (argv === undefined)
    return missing('PODMAN_COMPOSE (podman-compose >= 1.1, scripts/debian-tool.sh) not set');

  it('accepts it and keeps the networks, addresses, mounts and grace', async () => {
    const out = await renderTo('compose');
    // `config` only asks podman for its version; without podman installed, this answers that question.
    const podman = join(out, 'podman-version');
    writeFileSync(podman, '#!/bin/sh\n[ "$1" = --version ] && exec echo "podman version 4.3.1"\nexit 1\n');
    chmodSync(podman, 0o755);
    const hasPodman = spawnSync('podman', ['--version']).status === 0;
    const result = spawnSync(
      argv[0]!,
      [...argv.slice(1), ...(hasPodman ? [] : ['--podman-path', podman]), 'config'],
      {
        cwd: out,
        encoding: 'utf8',
      },
    );
    expect(result.stderr).not.toMatch(/error|Traceback/i);
    expect(result.status).toBe(0);
    const seen = parseYaml(result.stdout) as {
      services: Record<string, { networks: Record<string, { ipv4_address: string }>; volumes: string[] }>;
      networks: Record<string, { driver: string; driver_opts: { parent: string } }>;
    };
    expect(Object.keys(seen.services)).toHaveLength(10);
    expect(seen.services.cr01gw01).toMatchObject({
      networks: { acc: { ipv4_address: '10.6.19.91' }, gin: { ipv4_address: '10.17.19.91' } },
      restart: 'unless-stopped',
      stop_grace_period: '20s',
    });
    expect(seen.services.cr01gw01!.volumes[0]).toBe('./CR01GW01.ini:/etc/gwagent/agent.ini:ro');
    expect(seen.networks.gin).toMatchObject({ driver: 'macvlan', driver_opts: { parent: 'bond0.900' } });
  });
});

describe('cloud-init reads the Incus instances', () => {
  const argv = tool('CLOUD_INIT', ['schema', '--help'], /--config-file/);
  if (argv === undefined) return missing('CLOUD_INIT (cloud-init, scripts/debian-tool.sh) not set');
  const run = (args: string[], env?: Record<string, string>) =>
    spawnSync(argv[0]!, [...argv.slice(1, -1), ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });

  it('accepts every user-data, and its network parser gives each NIC the INI address', async () => {
    const out = await renderTo('incus');
    const instances = readdirSync(out).filter((f) => f.startsWith('instance-'));
    expect(instances).toHaveLength(10);
    const files: string[] = [];
    for (const name of instances) {
      const config = (parseYaml(readFileSync(join(out, name), 'utf8')) as { config: Record<string, string> })
        .config;
      files.push(join(out, `${name}.user-data`), join(out, `${name}.network-config`));
      writeFileSync(files.at(-2)!, config['cloud-init.user-data'] ?? '');
      writeFileSync(files.at(-1)!, config['cloud-init.network-config'] ?? '');
    }
    // The command itself on one instance, cloud-init's library in one process on all of them.
    const schema = run([argv.at(-1)!, 'schema', '--config-file', files[0]!]);
    expect(`${schema.stdout}${schema.stderr}`.trim()).toBe(`Valid cloud-config: ${files[0]}`);
    const check = run([join(root, 'test/gwconfig/support/cloud-init-check.py'), ...files]);
    expect(check.stderr).toBe('');
    const results = check.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { userData: string; eni: string });
    expect(results).toHaveLength(10);
    results.forEach((result, i) => {
      expect(result.userData).toBe('valid');
      const hostname = instances[i]!.slice('instance-'.length, -'.yaml'.length);
      const { config: ini } = checkAgentText('agent.ini', readFileSync(join(out, `${hostname}.ini`), 'utf8'));
      const stanzas = ini.networks
        .map(
          (n) =>
            `auto ${n.interface}\niface ${n.interface} inet static\n    address ${n.address}/${n.prefixLength}\n`,
        )
        .sort();
      const parsed = result.eni.split('\n\n').filter((s) => !s.startsWith('auto lo'));
      expect(parsed.map((s) => s.trimEnd() + '\n').sort()).toEqual(stanzas);
    });
  });

  it('`cloud-init schema` refuses a broken user-data, so its verdict means something', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gwagent-cloud-init-')), 'user-data');
    writeFileSync(
      file,
      '#cloud-config\nwrite_files:\n  - path: /etc/gwagent/agent.ini\n    permisions: "0644"\n',
    );
    const schema = run([argv.at(-1)!, 'schema', '--config-file', file]);
    expect(schema.status).not.toBe(0);
    expect(schema.stderr).toMatch(/'permisions' was unexpected/);
  });
});

describe('kubectl kustomize builds the rendered Kubernetes directory', () => {
  // kubectl is not a Debian bookworm package (its kubernetes-client is 1.20); used where installed.
  if (spawnSync('kubectl', ['version', '--client']).status !== 0) {
    it.skip('SKIPPED: kubectl not installed, kustomize build of the manifests not checked', () => undefined);
    return;
  }

  it('emits exactly the rendered objects', async () => {
    const out = await renderTo('kubernetes');
    const built = spawnSync('kubectl', ['kustomize', out], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
    const objects = (text: string) =>
      parseAllDocuments(text).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    const byKey = (a: { kind: string; metadata: { name: string } }, b: typeof a) =>
      key(a) < key(b) ? -1 : 1;
    const rendered = readdirSync(out)
      .filter((f) => f !== 'kustomization.yaml')
      .flatMap((f) => objects(readFileSync(join(out, f), 'utf8')));
    expect(rendered).toHaveLength(31);
    expect(objects(built.stdout).sort(byKey)).toEqual(rendered.sort(byKey));
  });
});

describe('YAML 1.1 readers keep strings as strings', () => {
  // PyYAML (podman-compose, cloud-init) reads YAML 1.1, where yes, on, 0644 or ~ are not strings.
  const hasPyYaml = spawnSync('/usr/bin/python3', ['-c', 'import yaml']).status === 0;
  if (!hasPyYaml) return missing('python3-yaml (PyYAML for /usr/bin/python3) not installed');

  it('container labels that YAML 1.1 would read as booleans, numbers or null come back unchanged', async () => {
    const labels = ['yes', 'on', 'OFF', '0644', '1e3', '12:30', 'null', '~', ': x # y', ' lead'];
    const json = JSON.parse(readFileSync(site, 'utf8')) as { containers: { label: string }[] };
    expect(json.containers).toHaveLength(labels.length);
    json.containers.forEach((c, i) => (c.label = labels[i]!));
    const dir = mkdtempSync(join(tmpdir(), 'gwagent-yaml11-'));
    writeFileSync(join(dir, 'site.json'), JSON.stringify(json));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['site', 'render', join(dir, 'site.json'), '--target', 'compose', '--out', dir])).toBe(
      0,
    );
    vi.restoreAllMocks();
    const script =
      'import json, sys, yaml\n' +
      'services = yaml.safe_load(open(sys.argv[1]))["services"].values()\n' +
      'print(json.dumps([s["labels"]["gwagent.label"] for s in services]))';
    const read = spawnSync('/usr/bin/python3', ['-c', script, join(dir, 'compose.yaml')], {
      encoding: 'utf8',
    });
    expect(read.stderr).toBe('');
    expect((JSON.parse(read.stdout) as unknown[]).sort()).toEqual([...labels].sort());
  });
});
