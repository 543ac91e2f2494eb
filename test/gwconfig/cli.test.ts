// The `config` and `site` subcommands in-process: the examples pass `config check` (this is how CI keeps
// them passing), a bad config prints FILE:LINE: error: lines and exits 78, render and explain print
// their reports, and the site inventory renders the whole Australian Synchrotron layout.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import { runCli } from '../support/run-cli.js';

const root = new URL('../../', import.meta.url).pathname;
const examples = join(root, 'examples');

const run = runCli;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('gwagent config', () => {
  const iniFiles = readdirSync(examples).filter((f) => f.endsWith('.ini'));

  it('has the four example agent configurations', () => {
    expect(iniFiles.sort()).toEqual(['cr01gw00.ini', 'cr01gw01.ini', 'demo-netns.ini', 'demo.ini']);
  });

  it.each(iniFiles)('config check passes on examples/%s without warnings', async (name) => {
    const result = await run(['config', 'check', join(examples, name)]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/: ok \(\d+ gateways?: /);
  });

  it('the complete example in docs/config.md passes config check without problems', () => {
    const doc = readFileSync(join(root, 'docs', 'config.md'), 'utf8');
    const example = /```ini\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const result = checkAgentText('docs/config.md', example!);
    expect(result.problems).toEqual([]);
    expect(result.config.gateways.map((g) => g.name)).toEqual(['GWF01', 'GWR01']);
    expect(result.config.health.alarms).toEqual({ 'SYS_CPU_LOAD.HIHI': 90, 'SYS_CPU_LOAD.HHSV': 'MAJOR' });
    expect(result.config.health.disks).toEqual({ ROOT: '/', ASP: '/asp' });
  });

  it('the demo config stays on loopback', () => {
    const { config } = checkAgentText('demo.ini', readFileSync(join(examples, 'demo.ini'), 'utf8'));
    const addresses = [
      config.ioc.address,
      ...config.ioc.beaconAddresses,
      config.control.console.host,
      ...config.networks.flatMap((n) => [n.address, n.broadcast, ...n.search]),
      ...config.gateways.flatMap((g) => g.clientAddresses),
    ];
    expect(addresses.length).toBeGreaterThan(8);
    for (const a of addresses) expect(a).toMatch(/^127\./);
    expect(config.gateways.map((g) => [g.name, g.direction])).toEqual([
      ['DEMOF', 'forward'],
      ['DEMOR', 'forward'],
    ]);
  });

  it('a bad config prints FILE:LINE: error: lines and exits 78', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwconfig-cli-'));
    const file = join(dir, 'bad.ini');
    writeFileSync(file, '[agent]\nname = X\nbogus = 1\n[gateway.G]\ndirection = sideways\n');
    const result = await run(['config', 'check', file]);
    expect(result.code).toBe(78);
    expect(result.out).toBe('');
    expect(result.err.split('\n')).toEqual([
      `${file}:3: error: unknown key "bogus" in [agent]`,
      `${file}:4: error: [gateway.G] cannot tell which network is the client side; add "client = NETWORK"`,
      `${file}:4: error: [gateway.G] cannot tell which network is the server side; add "server = NETWORK"`,
      `${file}:4: warning: gateway G has no allow or alias rule: it serves only its own statistics PVs`,
      `${file}:5: error: "direction" must be one of forward, reverse, oneway, got "sideways"`,
      `${file} [network]: error: no [network.NAME] section: gateways need at least the GIN and one subnet (or two networks for oneway)`,
      '',
    ]);
  });

  it('an unreadable file exits 78 with the path', async () => {
    const result = await run(['config', 'check', '/nonexistent/agent.ini']);
    expect(result.code).toBe(78);
    expect(result.err).toMatch(/^gwagent config: \/nonexistent\/agent\.ini: cannot read: ENOENT/);
  });

  it('render writes the files and reports restart, then nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gwconfig-render-'));
    const first = await run(['config', 'render', join(examples, 'cr01gw01.ini'), '--out', out]);
    expect(first.code).toBe(0);
    expect(first.out.split('\n').slice(-3)).toEqual(['reload: -', 'restart: GWF01 GWR01', '']);
    const second = await run(['config', 'render', join(examples, 'cr01gw01.ini'), '--out', out]);
    expect(second.out).toBe('reload: -\nrestart: -\n');
  });

  it('explain prints the verdict and the reasons', async () => {
    const result = await run([
      'config',
      'explain',
      join(examples, 'cr01gw01.ini'),
      '--gateway',
      'GWF01',
      '--pv',
      'SR11BCM01:CURRENT_MONITOR',
      '--user',
      'ops1',
      '--host',
      'opi01',
    ]);
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe('GWF01 SR11BCM01:CURRENT_MONITOR: served, write');
    const denied = await run([
      'config',
      'explain',
      join(examples, 'cr01gw01.ini'),
      '--gateway',
      'GWF01',
      '--pv',
      'X',
      '--from',
      '10.17.19.91',
    ]);
    expect(denied.out.split('\n')[0]).toBe('GWF01 X: not served');
    const byName = await run([
      'config',
      'explain',
      join(examples, 'cr01gw01.ini'),
      '--gateway',
      'GWF01',
      '--pv',
      'X',
      '--from',
      'cr01gw01',
    ]);
    expect(byName.code).toBe(64);
    expect(byName.err).toMatch(/--from must be a numeric IPv4 address, got "cr01gw01"/);
    const unknown = await run([
      'config',
      'explain',
      join(examples, 'cr01gw01.ini'),
      '--gateway',
      'NOPE',
      '--pv',
      'X',
    ]);
    expect(unknown.code).toBe(64);
  });
});

describe('gwagent site', () => {
  const site = join(examples, 'as-site.json');

  it('renders the Australian Synchrotron layout: ten containers, 19 gateways, each passing config check', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gwconfig-site-'));
    const result = await run(['site', 'render', site, '--out', out]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const inis = readdirSync(out)
      .filter((f) => f.endsWith('.ini'))
      .sort();
    expect(inis).toHaveLength(10);
    let gateways = 0;
    for (const name of inis) {
      const check = checkAgentText(name, readFileSync(join(out, name), 'utf8'));
      expect(check.problems).toEqual([]);
      gateways += check.config.gateways.length;
    }
    expect(gateways).toBe(19);
    expect(readFileSync(join(out, 'hosts'), 'utf8').split('\n')).toContain('10.17.19.91\tCR01GW01 cr01gw01');
  });

  it('prints the tables', async () => {
    const result = await run(['site', 'table', site, '--format', 'confluence']);
    expect(result.code).toBe(0);
    const lines = result.out.trimEnd().split('\n');
    expect(lines[0]).toBe('||Container||Enabled||Label||Interfaces||Gateway||Direction||Function||');
    expect(lines).toHaveLength(20);
  });

  it('errors in a generated agent configuration name the container and the generated line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwconfig-badsite-'));
    const file = join(dir, 'site.json');
    const container = (n: number, rules: string[]) => ({
      hostname: `C${n}`,
      interfaces: [
        { name: 'eth0', vlan: 'sub', address: `10.${n}.0.1/16` },
        { name: 'eth1', vlan: 'gin', address: `10.99.0.${n}/16` },
      ],
      gateways: [{ name: `GWF${n}`, direction: 'forward', rules }],
    });
    writeFileSync(
      file,
      JSON.stringify({
        gin: { vlan: 'gin' },
        containers: [container(1, ['allow .* ops']), container(2, ['allow .*'])],
      }),
    );
    const result = await run(['site', 'render', file, '--out', dir]);
    expect(result.code).toBe(78);
    expect(result.err).toBe(
      `${file} [C1 -> C1.ini:23]: error: access group "ops" is not defined (the gateway would silently use DEFAULT); add a [group.ops] section\n`,
    );
  });

  it('a bad site exits 78 naming the JSON key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwconfig-badsite-'));
    const file = join(dir, 'site.json');
    writeFileSync(
      file,
      JSON.stringify({
        gin: { vlan: 'v0' },
        containers: [{ hostname: 'A', interfaces: [{ name: 'eth0', vlan: 'v0', address: '10.1.1.1' }] }],
      }),
    );
    const result = await run(['site', 'render', file, '--out', dir]);
    expect(result.code).toBe(78);
    expect(result.err).toBe(
      `${file} [containers[0].interfaces[0].address]: error: "10.1.1.1" must be numeric IPv4 with a prefix length, e.g. 10.17.19.91/16\n`,
    );
  });
});
