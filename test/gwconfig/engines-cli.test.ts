// `gwagent site render --target` on bad sites: two containers with one address, a VLAN without a
// network definition, a container with no GIN address. Each exits 78 naming the item, and nothing is
// written.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/run-cli.js';

const run = runCli;

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

  it('an unknown target is a bad command line (exit 64)', async () => {
    const file = siteFile([container(1, [{ vlan: 'v900', address: '10.17.0.1/16' }])], networks);
    const result = await run(['site', 'render', file, '--target', 'nomad', '--out', join(file, '..', 'out')]);
    expect(result.code).toBe(64);
    expect(result.err).toMatch(/--target must be one of kubernetes, compose, incus/);
  });

  it('--internal-bridges with a target other than compose is a bad command line (exit 64)', async () => {
    const file = siteFile([container(1, [{ vlan: 'v900', address: '10.17.0.1/16' }])], networks);
    const out = join(file, '..', 'out');
    const result = await run([
      'site',
      'render',
      file,
      '--target',
      'kubernetes',
      '--internal-bridges',
      '--out',
      out,
    ]);
    expect(result.code).toBe(64);
    expect(result.err).toMatch(/^gwagent site: --internal-bridges is for --target compose only\n/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('site render --target on an existing directory', () => {
  it('writes only what changed (GW1 keeps its files: its GIN search list is by address) and names what is no longer rendered', async () => {
    const containers = [1, 2].map((n) =>
      container(n, [
        { vlan: 'v901', address: `10.6.0.${n}/16` },
        { vlan: 'v900', address: `10.17.0.${n}/16` },
      ]),
    );
    const file = siteFile(containers, networks);
    const out = join(file, '..', 'out');
    expect((await run(['site', 'render', file, '--target', 'incus', '--out', out])).code).toBe(0);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"GW2"', '"GW3"'));
    const again = await run(['site', 'render', file, '--target', 'incus', '--out', out]);
    expect(again.code).toBe(0);
    expect(again.out.split('\n').filter((l) => !l.startsWith('unchanged'))).toEqual([
      `wrote ${out}/GW3.ini`,
      `wrote ${out}/instance-GW3.yaml`,
      `not rendered ${out}/GW2.ini: remove it if it came from an earlier render`,
      `not rendered ${out}/instance-GW2.yaml: remove it if it came from an earlier render`,
      '',
    ]);
  });
});
