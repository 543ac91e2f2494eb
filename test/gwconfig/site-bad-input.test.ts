// Issue 12, bad input to `gwagent site render`: overlapping networks of different VLANs, an interface on
// a network or broadcast address, a GIN search list naming the container's own address. Each is an error
// naming the JSON item, every problem is reported at once, the exit is 78 and nothing is written: a
// previous render in the output directory stays byte for byte.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/run-cli.js';

const run = runCli;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Two forward/reverse containers on vlan901/vlan902 and the GIN (vlan900). */
function site(edit: (containers: Record<string, unknown>[]) => void = () => undefined): string {
  const pair = (n: number, subnet: string) => ({
    hostname: `CR01GW0${n}`,
    interfaces: [
      { name: 'eth0', vlan: `vlan90${n}`, address: `${subnet}.19.9${n}/16` },
      { name: 'eth1', vlan: 'vlan900', address: `10.17.19.9${n}/16` },
    ],
    gateways: [
      { name: `GWF0${n}`, direction: 'forward', rules: ['allow .*'] },
      { name: `GWR0${n}`, direction: 'reverse', rules: ['allow .*'], read_only: true },
    ],
  });
  const containers = [pair(1, '10.6'), pair(2, '10.21')];
  edit(containers);
  return JSON.stringify({ gin: { vlan: 'vlan900' }, containers });
}

function setup(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gwconfig-site-bad-'));
  const file = join(dir, 'site.json');
  writeFileSync(file, text);
  return { dir, file, out: join(dir, 'out') };
}

type Itf = { address: string; search?: string[] };
const itf = (c: Record<string, unknown>[], i: number, j: number) => (c[i]!.interfaces as Itf[])[j]!;

describe('site render refuses bad addresses', () => {
  it('networks of different VLANs that overlap: exit 78 naming both interfaces, nothing written', async () => {
    const { file, out } = setup(site((c) => (itf(c, 1, 0).address = '10.6.200.92/24')));
    const result = await run(['site', 'render', file, '--out', out]);
    expect([result.code, result.out]).toEqual([78, '']);
    expect(result.err).toBe(
      `${file} [containers[1].interfaces[0].address]: error: 10.6.200.92/24 (vlan902) overlaps 10.6.0.0/16 of vlan901 (CR01GW01 eth0, containers[0].interfaces[0]): networks of different VLANs must not overlap\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("a GIN search list with the container's own address: exit 78 naming the list item", async () => {
    const { file, out } = setup(site((c) => (itf(c, 0, 1).search = ['10.17.19.92', '10.17.19.91:5064'])));
    const result = await run(['site', 'render', file, '--out', out]);
    expect(result.code).toBe(78);
    expect(result.err).toBe(
      `${file} [containers[0].interfaces[1].search[1]]: error: 10.17.19.91:5064 is CR01GW01's own address (eth1): its reverse gateways would search its own forward gateways (a loop); list only other containers' gateways\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('network and broadcast addresses, a malformed search entry: every problem at once', async () => {
    const { file, out } = setup(
      site((c) => {
        itf(c, 0, 0).address = '10.6.0.0/16';
        itf(c, 1, 0).address = '10.21.255.255/16';
        itf(c, 1, 1).search = ['cr01gw01'];
      }),
    );
    const result = await run(['site', 'render', file, '--out', out]);
    expect(result.code).toBe(78);
    expect(result.err).toBe(
      `${file} [containers[0].interfaces[0].address]: error: 10.6.0.0/16 is the network address of 10.6.0.0/16, not a host's\n` +
        `${file} [containers[1].interfaces[0].address]: error: 10.21.255.255/16 is the broadcast address of 10.21.0.0/16, not a host's\n` +
        `${file} [containers[1].interfaces[1].search[0]]: error: "cr01gw01" must be a numeric IPv4 address, optionally with :port\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a refused render leaves an earlier render untouched', async () => {
    const { dir, file, out } = setup(site());
    const good = await run(['site', 'render', file, '--out', out]);
    expect([good.code, good.err]).toEqual([0, '']);
    const before = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    expect(Object.keys(before).sort()).toEqual(['CR01GW01.ini', 'CR01GW02.ini', 'hosts']);
    writeFileSync(
      file,
      site((c) => (itf(c, 1, 1).search = ['10.17.19.92'])),
    );
    const bad = await run(['site', 'render', file, '--out', out]);
    expect(bad.code).toBe(78);
    expect(bad.out).toBe('');
    const after = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    expect(after).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['out', 'site.json']); // no temp files left either
  });

  it('an explicit GIN search list of other containers is rendered as given', async () => {
    const { file, out } = setup(site((c) => (itf(c, 0, 1).search = ['10.17.19.92', '10.17.19.50:5070'])));
    const result = await run(['site', 'render', file, '--out', out]);
    expect([result.code, result.err]).toEqual([0, '']);
    const ini = readFileSync(join(out, 'CR01GW01.ini'), 'utf8');
    expect(ini).toContain(
      '; the search list given in the site file\nsearch = 10.17.19.92, 10.17.19.50:5070\n',
    );
    expect(readFileSync(join(out, 'CR01GW02.ini'), 'utf8')).toMatch(/^search = 10\.17\.19\.91$/m);
  });
});
