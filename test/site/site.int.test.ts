// Issue 12, item 2: the two-subnet site for real. test/site/two-subnets.json (the GIN monitoring
// container and two forward/reverse pairs, as in examples/as-site.json) is rendered by `gwagent site
// render`; each container, each subnet and the GIN is its own network namespace; every container runs
// `gwagent run` supervising the real ca-gateway, a real softIoc serves in each subnet, and the peers'
// caget/caput/camonitor/cainfo, pyepics and `gwagent ca` are the clients. Needs root, `ip` and the peers:
// skipped with one line otherwise, and failing under CI=true.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable, type BedProcess } from '../support/netns.js';
import { NETWORKS, SiteBed, findPeers, type NetworkName } from './site-bed.js';

const peers = findPeers();
const unavailable =
  netnsUnavailable() ??
  (peers === undefined ? 'the EPICS peers (EPICS_PEERS or ../shared/peers/epics)' : undefined);
const isCi = process.env.CI === 'true';
if (unavailable !== undefined && !isCi)
  console.warn(`SKIPPED test/site/site.int.test.ts (the namespaced site test bed): needs ${unavailable}`);

const hasTcpdump = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].some((p) => existsSync(p));
if (unavailable === undefined && !hasTcpdump && !isCi)
  console.warn('SKIPPED the UDP traffic count of test/site/site.int.test.ts: tcpdump is not installed');

const IDENTICAL = 'Identical process variable names on multiple servers';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `probe` is truthy; polls every 50 ms. */
async function until<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** camonitor value lines of one PV ("NAME  date time  value"), as numbers, from `offset` on. */
function monitorValues(output: string, pv: string, offset = 0): number[] {
  const out: number[] = [];
  for (const line of output.slice(offset).split('\n')) {
    const m = new RegExp(`^${pv}\\s+\\S+ \\S+\\s+(-?[\\d.]+)\\s*$`).exec(line);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

describe.skipIf(unavailable !== undefined && !isCi)('the namespaced two-subnet site', () => {
  let site: SiteBed;
  /** Every client's stderr, searched for duplicate-name warnings at the end. */
  const clientErrors: string[] = [];
  let monitorB: BedProcess;

  const tool = async (
    network: NetworkName,
    name: 'caget' | 'caput' | 'cainfo',
    args: string[],
    addr?: string,
  ) => {
    const r = await site.tool(network, name, args, site.clientEnv(network, addr));
    clientErrors.push(r.stderr);
    return r;
  };

  beforeAll(async () => {
    if (unavailable !== undefined) throw new Error(`CI=true but the site test bed needs ${unavailable}`);
    site = new SiteBed(peers!);
    const rendered = site.render();
    expect(rendered.stderr).not.toMatch(/error:/); // a dotted host name in the group is only a warning
    expect(rendered.code).toBe(0);
    await site.build();
    site.startIoc('acc');
    site.startIoc('awf');
    for (const c of ['CR01GW00', 'CR01GW01', 'CR01GW02'] as const) site.startAgent(c);
    // every gateway RUNNING (start_secs = 2) and the subnet A ramp reachable from subnet B
    await until(
      () =>
        ['CR01GW00', 'CR01GW01', 'CR01GW02'].every((c) =>
          /: starting -> running/.test(site.agents.get(c as never)!.output),
        ),
      30_000,
      'every gateway to run',
    );
  }, 60_000);

  afterAll(async () => {
    await site?.dispose();
  }, 30_000);

  it('`gwagent site render` gives each container a GIN search list of the other pairs only', () => {
    const ini = (c: string) => execFileSync('cat', [`${site.dir}/ini/${c}.ini`], { encoding: 'utf8' });
    expect(ini('CR01GW00')).toMatch(/^search = 198\.18\.0\.91, 198\.18\.0\.92$/m);
    expect(ini('CR01GW01')).toMatch(/^search = 198\.18\.0\.92$/m);
    expect(ini('CR01GW02')).toMatch(/^search = 198\.18\.0\.91$/m);
  });

  it(
    'every agent says STATUS Ok with its gateways RUNNING (statistics mirrored, nothing alarmed)',
    { timeout: 90_000 },
    async () => {
      for (const [c, gateways] of [
        ['CR01GW00', ['GWA01']],
        ['CR01GW01', ['GWF01', 'GWR01']],
        ['CR01GW02', ['GWF02', 'GWR02']],
      ] as const) {
        // The agent's first CPU figures cover its own start-up on a machine busy starting three agents:
        // wait (LOAD re-samples after 1 s, then every 10 s) for the steady state, which must be Ok.
        const status = () => site.gwagent(c, ['status', '--socket', `${site.dir}/${c}/control.sock`], {});
        let st = await status();
        for (const end = Date.now() + 25_000; !/^STATUS Ok$/m.test(st.stdout) && Date.now() < end;) {
          await sleep(500);
          st = await status();
        }
        expect(st.stdout).toMatch(/^STATUS Ok$/m);
        for (const g of gateways) expect(st.stdout).toMatch(new RegExp(`^${g} +RUNNING +\\d+ `, 'm'));
      }
    },
  );

  it('get, monitor and an allowed put from subnet B reach subnet A through GWF01 -> GIN -> GWR02', async () => {
    const info = await tool('awf', 'cainfo', ['A:RAMP']);
    expect(info.stdout).toContain('Host:             198.18.2.92:5064'); // GWR02's server side
    expect(info.stdout).toContain('Access:           read, no write');
    const get = await tool('awf', 'caget', ['-w', '3', 'A:RAMP']);
    expect(get.code).toBe(0);
    expect(Number(/^A:RAMP\s+(\d+)/.exec(get.stdout)?.[1])).toBeGreaterThan(0);

    monitorB = site.camonitor('awf', ['A:RAMP']);
    await until(
      () => monitorValues(monitorB.output, 'A:RAMP').length >= 10,
      15_000,
      '10 monitor updates in B',
    );
    const values = monitorValues(monitorB.output, 'A:RAMP');
    // the ramp counts up by one every 0.1 s: consecutive updates, none lost, none repeated
    expect(values.slice(1, 10).map((v, i) => v - values[i]!)).toEqual(Array(9).fill(1));

    // caput (group operators: this user on this host may write A:SETPT through both gateways)
    const put = await tool('awf', 'caput', ['-c', '-w', '3', 'A:SETPT', '42']);
    expect([put.code, put.stdout]).toEqual([
      0,
      'Old : A:SETPT                        1.5\nNew : A:SETPT                        42\n',
    ]);
    const direct = await tool('acc', 'caget', ['A:SETPT']);
    expect(direct.stdout).toBe('A:SETPT                        42\n');

    // pyepics (libca) in B: get through the gateways, put with completion, read back
    const py = await site.bed.run(
      'awf',
      [
        '/usr/bin/python3',
        '-c',
        'import epics; pv = epics.PV("A:SETPT"); pv.wait_for_connection(5); ' +
          'print(pv.get(), pv.write_access, pv.put(43.25, wait=True, timeout=5), epics.caget("A:SETPT"))',
      ],
      { env: site.clientEnv('awf'), timeoutMs: 20_000 },
    );
    clientErrors.push(py.stderr);
    expect(py.stdout).toBe('42.0 True 1 43.25\n');

    // gwagent's own CA client in B
    const ours = await site.gwagent(
      'awf',
      ['ca', 'get', '-w', '3', 'A:SETPT', 'A:RO'],
      site.clientEnv('awf'),
    );
    expect([ours.code, ours.stdout]).toEqual([
      0,
      'A:SETPT                        43.25\nA:RO                           7\n',
    ]);
  });

  it('denied and read-only rules hold end to end', async () => {
    // deny .*:PASSWORD.* on GWF01: invisible from B, present in A
    const denied = await tool('awf', 'caget', ['-w', '2', 'A:SECRET:PASSWORD']);
    expect([denied.code, denied.stderr]).toEqual([
      1,
      "Channel connect timed out: 'A:SECRET:PASSWORD' not found.\n",
    ]);
    expect((await tool('acc', 'caget', ['A:SECRET:PASSWORD'])).stdout).toBe(
      'A:SECRET:PASSWORD              hunter2\n',
    );
    // A:RO has no write group: read-only through GWF01 whatever GWR02 grants
    const ro = await tool('awf', 'caput', ['-c', '-w', '3', 'A:RO', '8']);
    expect([ro.code, ro.stderr]).toEqual([1, 'Error from put operation: Write access denied\n']);
    // GWR01 is read_only: B:SETPT is writable on GWF02 for operators, but not from A
    const roGw = await tool('acc', 'caput', ['-c', '-w', '3', 'B:SETPT', '9']);
    expect([roGw.code, roGw.stderr]).toEqual([1, 'Error from put operation: Write access denied\n']);
    expect((await tool('acc', 'cainfo', ['B:SETPT'])).stdout).toContain('Access:           read, no write');
    expect((await tool('awf', 'caget', ['B:SETPT', 'A:RO'])).stdout).toBe(
      'B:SETPT                        2.5\nA:RO                           7\n',
    );
  });

  it('the monitoring container serves every gateway statistics on the GIN', async () => {
    const names = ['GWF01', 'GWR01', 'GWF02', 'GWR02', 'GWA01'].map((g) => `${g}:vctotal`);
    const get = await tool('gin', 'caget', ['-w', '3', ...names], '198.18.0.90');
    expect(get.stderr).toBe('');
    expect(get.stdout.split('\n').filter((l) => /^GW[FRA]0[12]:vctotal\s+\d+$/.test(l))).toHaveLength(5);
    const info = await tool('gin', 'cainfo', ['GWR01:vctotal'], '198.18.0.90');
    expect(info.stdout).toContain('Host:             198.18.0.90:5064');
  });

  it('no loops: no PV served back into its own subnet, no duplicate names, bounded UDP traffic', async () => {
    // each subnet's PVs come from its IOC only, never from its own reverse gateway
    expect((await tool('acc', 'cainfo', ['A:RAMP'])).stdout).toContain(
      `Host:             ${NETWORKS.acc.host}:5064`,
    );
    for (const [network, pv, gateway] of [
      ['acc', 'A:RAMP', '198.18.1.91'],
      ['awf', 'B:RAMP', '198.18.2.92'],
    ] as const) {
      const r = await tool(network, 'caget', ['-w', '2', pv], gateway);
      expect([r.code, r.stderr]).toEqual([1, `Channel connect timed out: '${pv}' not found.\n`]);
    }
    // both subnets ask for each other's PVs by broadcast, and the GIN client by the monitoring address
    const both = await tool('acc', 'caget', [
      '-w',
      '3',
      'A:RAMP',
      'B:RAMP',
      'GWF02:vctotal',
      'GWR02:vctotal',
    ]);
    expect(both.code).toBe(0);
    expect((await tool('awf', 'caget', ['-w', '3', 'B:RAMP', 'A:RAMP', 'GWF01:vctotal'])).code).toBe(0);

    for (const text of clientErrors) expect(text).not.toContain(IDENTICAL);
    for (const c of ['CR01GW00', 'CR01GW01', 'CR01GW02'] as const)
      expect(site.gatewayLogs(c)).not.toContain(IDENTICAL);
    if (!hasTcpdump && !isCi) return;
    // steady state: count CA search (5064) and beacon/repeater (5065) datagrams on each network's bridge
    const windowS = 10;
    const dumps = (Object.keys(NETWORKS) as NetworkName[]).map((n) => ({
      n,
      p: site.bed.start(n, ['tcpdump', '-i', 'br0', '-nn', '-l', '-q', 'udp and (port 5064 or port 5065)']),
    }));
    await sleep(windowS * 1000);
    for (const d of dumps) await d.p.stop('SIGINT');
    const counts = Object.fromEntries(
      dumps.map((d) => [d.n, d.p.output.split('\n').filter((l) => / IP /.test(l)).length]),
    );
    console.log(`UDP search+beacon datagrams in ${windowS} s: ${JSON.stringify(counts)}`);
    for (const d of dumps) expect(d.p.output).toMatch(/listening on br0/);
    // servers beacon at most every 15 s in steady state; unresolved searches back off. 2.5/s per network
    // leaves room for a loaded machine while a search or beacon storm (hundreds per second) fails.
    for (const n of Object.keys(counts)) expect(counts[n]).toBeLessThanOrEqual(windowS * 2.5);
    for (const text of clientErrors) expect(text).not.toContain(IDENTICAL);
    for (const c of ['CR01GW00', 'CR01GW01', 'CR01GW02'] as const)
      expect(site.gatewayLogs(c)).not.toContain(IDENTICAL);
  }, 60_000);

  it('killing every process of CR01GW01 disconnects B monitors of A, which resume after it restarts', async () => {
    const before = monitorB.output.length;
    const killedAt = Date.now();
    await site.bed.killAll('CR01GW01');
    await until(
      () => /\*\*\* disconnected/.test(monitorB.output.slice(before)),
      20_000,
      'B monitor to disconnect',
    );
    const disconnectMs = Date.now() - killedAt;
    expect(site.bed.pids('CR01GW01')).toEqual([]);
    const mark = monitorB.output.length;
    const startedAt = Date.now();
    site.startAgent('CR01GW01');
    await until(
      () => monitorValues(monitorB.output, 'A:RAMP', mark).length >= 2,
      60_000,
      'B monitor to resume',
    );
    const resumeMs = Date.now() - startedAt;
    console.log(
      `container CR01GW01 killed: B monitor disconnected after ${disconnectMs} ms; resumed ${resumeMs} ms after the agent restarted`,
    );
    expect(resumeMs).toBeLessThan(30_000);
    for (const text of clientErrors) expect(text).not.toContain(IDENTICAL);
  }, 90_000);

  it('an IOC restart in A reaches monitors in B', async () => {
    const ioc = site.iocs.get('acc')!;
    const last = monitorValues(monitorB.output, 'A:RAMP').at(-1)!;
    const before = monitorB.output.length;
    await ioc.stop('SIGKILL');
    await until(
      () => /\*\*\* disconnected/.test(monitorB.output.slice(before)),
      20_000,
      'B monitor to see the IOC go',
    );
    const mark = monitorB.output.length;
    const startedAt = Date.now();
    site.startIoc('acc');
    const resumed = await until(
      () => {
        const v = monitorValues(monitorB.output, 'A:RAMP', mark);
        return v.length >= 2 ? v : undefined;
      },
      60_000,
      'B monitor to resume after the IOC restart',
    );
    const resumeMs = Date.now() - startedAt;
    console.log(`IOC in A restarted: B monitor resumed after ${resumeMs} ms (ramp ${last} -> ${resumed[0]})`);
    // a new IOC: its ramp started again from 0
    expect(resumed[0]).toBeLessThan(last);
    expect(resumeMs).toBeLessThan(30_000);
  }, 90_000);
});
