// `gwagent site render --target` on bad sites: two containers with one address, a VLAN without a
// network definition, a container with no GIN address. Each exits 78 naming the item, and nothing is
// written. Then real tools read the output: `podman-compose config` the compose.yaml, `kubectl
// kustomize` the Kubernetes directory.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { main } from '../../src/cli/main.js';

const root = new URL('../../', import.meta.url).pathname;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

const container = (n: number, interfaces: { vlan: string; address: string }[]) => ({
  hostname: `GW${n}`,
  interfaces: interfaces.map((i, j) => ({ name: `eth${j}`, ...i })),
  gateways: [{ name: `GWF${n}`, direction: 'forward', rules: ['allow .*'] }],
});

function siteFile(containers: unknown[], networks: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gwagent-engines-'));
  const file = join(dir, 'site.json');
  writeFileSync(
    file,
    JSON.stringify({ gin: { vlan: 'v900' }, vlans: { v900: 'gin', v901: 'acc' }, networks, containers }),
  );
  return file;
}

const networks = { v900: { parent: 'bond0.900' }, v901: { parent: 'bond0.901' } };

describe('site render --target refuses a site whose containers cannot all be placed', () => {
  it.each(['kubernetes', 'compose', 'incus'])('%s: a VLAN without a network definition', async (target) => {
    const file = siteFile(
      [
        container(1, [
          { vlan: 'v901', address: '10.6.0.1/16' },
          { vlan: 'v900', address: '10.17.0.1/16' },
        ]),
      ],
      { v900: networks.v900 },
    );
    const out = join(file, '..', 'out');
    const result = await run(['site', 'render', file, '--target', target, '--out', out]);
    expect(result.code).toBe(78);
    expect(result.err).toBe(
      `${file} [containers[0].interfaces[0].vlan]: error: VLAN v901 (acc) of GW1 eth0 has no network definition: add networks.v901 with its parent interface\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a container with no GIN address', async () => {
    const file = siteFile(
      [
        container(1, [{ vlan: 'v900', address: '10.17.0.1/16' }]),
        container(2, [{ vlan: 'v901', address: '10.6.0.2/16' }]),
      ],
      networks,
    );
    const out = join(file, '..', 'out');
    const result = await run(['site', 'render', file, '--target', 'kubernetes', '--out', out]);
    expect(result.code).toBe(78);
    expect(result.err).toContain(
      `${file} [containers[1]]: error: container GW2 has no address on the GIN (VLAN v900): the other containers' gateways could not reach it\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('two containers with one address', async () => {
    const file = siteFile(
      [
        container(1, [{ vlan: 'v900', address: '10.17.0.1/16' }]),
        container(2, [{ vlan: 'v900', address: '10.17.0.1/16' }]),
      ],
      networks,
    );
    const out = join(file, '..', 'out');
    const result = await run(['site', 'render', file, '--target', 'compose', '--out', out]);
    expect(result.code).toBe(78);
    expect(result.err).toBe(
      `${file} [containers[1].interfaces[0].address]: error: address 10.17.0.1 is also used by GW1 eth0\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown target is a usage error', async () => {
    const file = siteFile([container(1, [{ vlan: 'v900', address: '10.17.0.1/16' }])], networks);
    const result = await run(['site', 'render', file, '--target', 'nomad', '--out', join(file, '..', 'out')]);
    expect(result.code).toBe(78);
    expect(result.err).toMatch(/--target must be one of kubernetes, compose, incus/);
  });
});

/** podman-compose with a `config` command (1.1 or later): PODMAN_COMPOSE, else the one on PATH. */
function podmanCompose(): string[] | undefined {
  const candidates = [process.env.PODMAN_COMPOSE, 'podman-compose'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const argv = c.split(' ');
    const help = spawnSync(argv[0]!, [...argv.slice(1), '--help'], { encoding: 'utf8' });
    if (help.status === 0 && /\bconfig\b/.test(help.stdout)) return argv;
  }
  return undefined;
}

describe('podman-compose reads the rendered compose.yaml', () => {
  const argv = podmanCompose();
  if (argv === undefined) {
    const why =
      'podman-compose with `config` (>= 1.1; Debian bookworm ships 1.0.3) not found: set PODMAN_COMPOSE';
    if (process.env.CI === 'true') it('podman-compose config', () => expect.fail(why));
    else it.skip(`SKIPPED: ${why}`, () => undefined);
    return;
  }

  it('podman-compose config accepts it and keeps the networks, addresses, mounts and grace', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gwagent-compose-'));
    expect(
      (
        await run([
          'site',
          'render',
          join(root, 'examples/as-site.json'),
          '--target',
          'compose',
          '--out',
          out,
        ])
      ).code,
    ).toBe(0);
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
      services: Record<
        string,
        {
          networks: Record<string, { ipv4_address: string }>;
          volumes: string[];
          stop_grace_period: string;
          restart: string;
        }
      >;
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
    expect(readFileSync(join(out, 'CR01GW01.ini'), 'utf8')).toContain('address = 10.17.19.91/16');
  });
});

describe('kubectl kustomize builds the rendered Kubernetes directory', () => {
  // kubectl is not a Debian bookworm package (kubernetes-client there is 1.20); use it where installed.
  const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  if (!hasKubectl) {
    it.skip('SKIPPED: kubectl not installed, kustomize build of the manifests not checked', () => undefined);
    return;
  }

  it('kubectl kustomize emits exactly the rendered objects', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gwagent-k8s-'));
    const site = join(root, 'examples/as-site.json');
    expect((await run(['site', 'render', site, '--target', 'kubernetes', '--out', out])).code).toBe(0);
    const built = spawnSync('kubectl', ['kustomize', out], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
    const objects = (text: string) =>
      parseAllDocuments(text)
        .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
        .sort((a, b) => (key(a) < key(b) ? -1 : 1));
    const rendered = readdirSync(out)
      .filter((f) => f !== 'kustomization.yaml')
      .flatMap((f) => objects(readFileSync(join(out, f), 'utf8')));
    expect(objects(built.stdout)).toEqual(rendered.sort((a, b) => (key(a) < key(b) ? -1 : 1)));
    expect(rendered).toHaveLength(31);
  });
});
