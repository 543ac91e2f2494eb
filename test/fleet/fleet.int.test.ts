// Issue 15: `gwagent fleet` against several containers on loopback: two real `gwagent run` agents (one
// stand-in gateway each), the real EPICS softIoc (peers) playing a third container whose access security
// lets only user "fleetop" write its gateway controls, one container whose IOC port accepts TCP and
// never answers, and one where nothing listens. The unreachable ones are shown as such within the
// timeout and the rest are printed; controls act, and a refusal is reported with a non-zero exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaClient } from '../../src/ca/client/index.js';
import { AgentFixture, REPO, freePort, waitFor } from '../agent/harness.js';

const PEERS = process.env.EPICS_PEERS ?? resolve(REPO, '../shared/peers/epics');
const SOFTIOC = join(PEERS, 'bin/linux-x86_64/softIoc');
const hasPeers = existsSync(SOFTIOC);
if (!hasPeers) {
  if (process.env.CI === 'true') throw new Error(`EPICS peers missing at ${PEERS}`);
  console.warn(`SKIPPED: fleet controls against softIoc's access security (no ${SOFTIOC})`);
}
const GWAGENT = join(REPO, 'bin/gwagent.js');

const agents = [new AgentFixture('FLA'), new AgentFixture('FLB')];
const dir = mkdtempSync(join(tmpdir(), 'gwagent-fleet-'));
const site = join(dir, 'site.json');
const procs: ChildProcess[] = [];
let silent: Server;
const ports = { FLC: 0, FLD: 0, FLE: 0 };

function start(cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout?.resume();
  p.stderr?.resume();
  procs.push(p);
  return p;
}

const SOFTIOC_DB = `
record(mbbi, "FLC:STATUS") {
  field(ZRST, "Ok") field(ONST, "Degraded") field(TWST, "Fault")
  field(ONSV, "MINOR") field(TWSV, "MAJOR") field(VAL, "1") field(PINI, "YES")
}
record(stringin, "FLC:STATUS_MSG") { field(VAL, "DISK:ROOT:USED_PCT MINOR") field(PINI, "YES") }
record(longin, "FLC:GW_CNT") { field(VAL, "1") field(PINI, "YES") }
record(mbbi, "FLC:GWC:STATE") {
  field(ZRST, "STOPPED") field(ONST, "STARTING") field(TWST, "RUNNING") field(VAL, "2") field(PINI, "YES")
}
record(longin, "FLC:GWC:PID") { field(VAL, "4242") field(PINI, "YES") }
record(longin, "FLC:GWC:RESTARTS") { field(VAL, "3") field(PINI, "YES") }
record(bo, "FLC:GWC:RESTART") { field(ASG, "CONTROL") field(ZNAM, "Idle") field(ONAM, "Restart") }
`;
const SOFTIOC_ACF = `
UAG(ops) { fleetop }
ASG(DEFAULT) { RULE(1, READ) }
ASG(CONTROL) { RULE(1, READ) RULE(1, WRITE) { UAG(ops) } }
`;

function container(hostname: string, n: number, gateway: string, port: number) {
  return {
    hostname,
    label: `fleet test ${hostname}`,
    ioc: { address: '127.0.0.1', port },
    interfaces: [
      { name: 'eth0', vlan: 'vlan900', address: `10.17.19.${n}/16` },
      { name: 'eth1', vlan: 'vlan901', address: `10.6.19.${n}/16` },
    ],
    gateways: [{ name: gateway, direction: 'forward', rules: ['allow .*'] }],
  };
}

beforeAll(async () => {
  await Promise.all(
    agents.map(async (a, i) => {
      await a.configure([{ name: `GW${a.name}` }]);
      await a.start();
      await a.waitStr(`GW${a.name}:STATE`, (s) => s === 'RUNNING');
      return i;
    }),
  );
  ports.FLD = await freePort();
  silent = createServer(() => undefined); // accepts and never answers
  await new Promise<void>((r) => silent.listen(ports.FLD, '127.0.0.1', r));
  ports.FLE = await freePort();
  if (hasPeers) {
    ports.FLC = await freePort();
    const repeater = String(await freePort());
    const env = {
      EPICS_CA_REPEATER_PORT: repeater,
      EPICS_CA_AUTO_ADDR_LIST: 'NO',
      EPICS_CA_ADDR_LIST: '127.0.0.1',
    };
    start(join(PEERS, 'bin/linux-x86_64/caRepeater'), [], env);
    writeFileSync(join(dir, 'flc.db'), SOFTIOC_DB);
    writeFileSync(join(dir, 'flc.acf'), SOFTIOC_ACF);
    start(
      SOFTIOC,
      ['-D', join(PEERS, 'dbd/softIoc.dbd'), '-S', '-a', join(dir, 'flc.acf'), '-d', join(dir, 'flc.db')],
      {
        ...env,
        EPICS_CAS_INTF_ADDR_LIST: '127.0.0.1',
        EPICS_CAS_SERVER_PORT: String(ports.FLC),
        EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
        EPICS_CAS_BEACON_ADDR_LIST: '127.0.0.1',
      },
    );
    const client = new CaClient({ env: {}, autoAddrList: false, addrList: [] });
    const ch = client.channel('FLC:STATUS', { server: `127.0.0.1:${ports.FLC}` });
    await ch.connected(15_000);
    await client.close();
  }
  const containers = [
    container('FLA', 11, 'GWFLA', agents[0]!.iocPort),
    container('FLB', 12, 'GWFLB', agents[1]!.iocPort),
    ...(hasPeers ? [container('FLC', 13, 'GWC', ports.FLC)] : []),
    container('FLD', 14, 'GWD', ports.FLD),
    container('FLE', 15, 'GWE', ports.FLE),
  ];
  writeFileSync(
    site,
    JSON.stringify({
      username: 'ics',
      gin: { vlan: 'vlan900' },
      vlans: { vlan900: 'gin', vlan901: 'acc' },
      containers,
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  silent?.close();
  await Promise.all(agents.map((a) => a.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

function gwagent(
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((done, fail) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [GWAGENT, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`gwagent ${args.join(' ')} did not finish:\n${stdout}${stderr}`));
    }, timeoutMs);
    p.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** The table's rows, split on runs of 2+ spaces. */
function rows(table: string): string[][] {
  return table
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(/ {2,}/));
}

describe('fleet status', () => {
  it('prints every container, unreachable ones as such within the timeout, and exits 1', async () => {
    const r = await gwagent(['fleet', 'status', site, '--timeout', '2']);
    expect(r.code, r.stderr).toBe(1);
    const table = rows(r.stdout);
    expect(table[0]).toEqual([
      'CONTAINER',
      'STATUS',
      'GATEWAY',
      'STATE',
      'PID',
      'UPTIME',
      'RESTARTS',
      'ALIVE',
      'PVS',
      'CONNECTED',
      'LAST-EXIT',
    ]);
    for (const a of agents) {
      const row = table.find((t) => t[0] === a.name)!;
      expect(row.slice(2, 5)).toEqual([`GW${a.name}`, 'RUNNING', String(await a.num(`GW${a.name}:PID`))]);
      expect(['Ok', 'Degraded', 'Fault']).toContain(row[1]);
    }
    if (hasPeers) {
      expect(table.find((t) => t[0] === 'FLC')!.slice(0, 7)).toEqual([
        'FLC',
        'Degraded',
        'GWC',
        'RUNNING',
        '4242',
        '?',
        '3',
      ]);
      expect(r.stdout).toContain('FLC: Degraded: DISK:ROOT:USED_PCT MINOR');
    }
    expect(table.find((t) => t[0] === 'FLD')).toEqual([
      'FLD',
      'UNREACHABLE',
      '-',
      `(no answer from 127.0.0.1:${ports.FLD} within 2000 ms)`,
    ]);
    expect(table.find((t) => t[0] === 'FLE')?.[1]).toBe('UNREACHABLE');
    // bounded: the 2 s timeout (all containers at once) plus starting Node
    expect(r.ms).toBeLessThan(8000);
  });

  it('--json gives the same readings as data', async () => {
    const messageBefore = await agents[0]!.text('STATUS_MSG');
    const r = await gwagent(['fleet', 'status', site, '--json', '--timeout', '1']);
    const data = JSON.parse(r.stdout) as {
      container: string;
      isReachable: boolean;
      pvs: Record<string, { text: string; severity: number }>;
      gateways: { name: string; pvs: Record<string, { text: string; severity: number }> }[];
    }[];
    expect(data.map((c) => [c.container, c.isReachable])).toEqual([
      ['FLA', true],
      ['FLB', true],
      ...(hasPeers ? [['FLC', true]] : []),
      ['FLD', false],
      ['FLE', false],
    ]);
    expect(data[0]!.gateways[0]!.pvs.STATE).toEqual({ text: 'RUNNING', severity: 0 });
    expect(data[0]!.gateways[0]!.pvs.ALIVE?.text).toBe((await agents[0]!.str('GWFLA:ALIVE')) || undefined);
    // STATUS_MSG is a CHAR waveform: its text, not its first byte ("0" for an empty message)
    // (read before and after, as host load can change it meanwhile)
    const messageAfter = await agents[0]!.text('STATUS_MSG');
    expect([messageBefore, messageAfter]).toContain(data[0]!.pvs.STATUS_MSG?.text);
  });

  it('--watch redraws until interrupted', async () => {
    const p = spawn(
      process.execPath,
      [GWAGENT, 'fleet', 'status', site, '--watch', '--json', '--interval', '0.5', '--timeout', '0.5'],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.split('\n').length > 3 || undefined, 20_000, 'three rounds');
    p.kill('SIGINT');
    const code = await new Promise((r) => p.once('exit', r));
    expect(code).toBe(0);
    const rounds = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { container: string }[]);
    for (const round of rounds) expect(round[0]!.container).toBe('FLA');
  });
});

describe('fleet restart|stop|start', () => {
  it('restarts one gateway and stops/starts every gateway of a container', async () => {
    const [a, b] = agents as [AgentFixture, AgentFixture];
    const pid = await a.num('GWFLA:PID');
    const r = await gwagent(['fleet', 'restart', site, 'FLA:GWFLA']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'FLA:GWFLA:RESTART: done\n', '']);
    await a.waitStr('GWFLA:STATE', (s) => s === 'RUNNING');
    expect(await a.num('GWFLA:PID')).not.toBe(pid);

    expect((await gwagent(['fleet', 'stop', site, 'FLB'])).code).toBe(0);
    expect(await b.str('GWFLB:STATE')).toBe('STOPPED');
    expect((await gwagent(['fleet', 'start', site, 'FLB'])).code).toBe(0);
    await b.waitStr('GWFLB:STATE', (s) => s === 'RUNNING');
  });

  it.skipIf(!hasPeers)(
    'reports an access denial by the container (softIoc, its ACF) and exits 1',
    async () => {
      const denied = await gwagent([
        'fleet',
        'restart',
        site,
        'FLC:GWC',
        '--user',
        'nobody',
        '--host',
        'opi9',
      ]);
      expect(denied.code).toBe(1);
      expect(denied.stdout).toBe('');
      expect(denied.stderr).toBe(
        "FLC:GWC:RESTART: write access denied to user 'nobody' on host 'opi9' (ECA_NOWTACCESS): FLC's [access] users/hosts decide who may control its gateways\n",
      );
      const allowed = await gwagent(['fleet', 'restart', site, 'FLC:GWC', '--user', 'fleetop']);
      expect([allowed.code, allowed.stdout]).toEqual([0, 'FLC:GWC:RESTART: done\n']);
    },
  );

  it('names what exists when the container or gateway is unknown (exit 64, a bad command line)', async () => {
    const r = await gwagent(['fleet', 'stop', site, 'FLA:NOPE']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe("gwagent fleet: container FLA has no gateway 'NOPE' (GWFLA)\n");
    const u = await gwagent(['fleet', 'stop', site, 'FLX']);
    expect(u.stderr).toContain("no enabled container 'FLX' in the site (FLA, FLB");
  });
});
