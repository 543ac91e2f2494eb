// Issue 12, item 3: `gwagent run --demo` (= `npm start`) as root where a ca-gateway is found runs the demo
// site in network namespaces: the real gateways proxy real IOC PVs, STATUS is not Fault, the commands it
// prints for a newcomer work as printed, and SIGINT or SIGTERM stops the agent and removes every
// namespace. Needs root, `ip` and a ca-gateway: skipped with one line otherwise, failing under CI=true.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { namespacedDemoUnavailable } from '../../src/demo/demo-site.js';
import { REPO } from './harness.js';

const unavailable = namespacedDemoUnavailable();
// the demo's namespaces: `<prefix><4 hex>-<pid>-<short>`, prefix gwd unless GWAGENT_NETNS_PREFIX says
const NS_TAG = new RegExp(
  `ip netns exec (${process.env.GWAGENT_NETNS_PREFIX || 'gwd'}[0-9a-f]{4}-\\d+)-gin `,
);
const isCi = process.env.CI === 'true';
if (unavailable !== undefined && !isCi)
  console.warn(`SKIPPED test/agent/demo-netns.int.test.ts (the namespaced demo): ${unavailable}`);

interface Demo {
  child: ChildProcess;
  dir: string;
  output: () => string;
  exited: Promise<number | null>;
}

const running: Demo[] = [];

function startDemo(): Demo {
  const dir = mkdtempSync(join(tmpdir(), 'gwagent-demo-'));
  const child = spawn(process.execPath, [join(REPO, 'bin/gwagent.js'), 'run', '--demo'], {
    env: { ...process.env, GWAGENT_DEMO_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const demo = { child, dir, output: () => text, exited };
  running.push(demo);
  return demo;
}

async function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The commands the demo prints, once both gateways run. */
async function printedCommands(demo: Demo): Promise<string[]> {
  await until(
    () =>
      /DEMOF: starting -> running/.test(demo.output()) && /DEMOR: starting -> running/.test(demo.output())
        ? true
        : undefined,
    30_000,
    `both demo gateways to run:\n${demo.output()}`,
  );
  const block = /Try, as root, from another shell:\n((?: {2}.*\n)+)/.exec(demo.output());
  expect(block).not.toBeNull();
  // each line is a command, then a `# comment`
  return block![1]!
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim());
}

function sh(command: string): string {
  return execFileSync('sh', ['-c', command], {
    encoding: 'utf8',
    timeout: 20_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function namespacesOf(tag: string): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(tag)) : [];
}

afterEach(async () => {
  for (const demo of running.splice(0)) {
    if (demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.child.kill('SIGTERM');
      await demo.exited;
    }
    rmSync(demo.dir, { recursive: true, force: true });
  }
});

describe.skipIf(unavailable !== undefined && !isCi)('the namespaced demo (npm start)', () => {
  it('proxies real IOC PVs both ways, is not Fault, and SIGINT removes its namespaces', async () => {
    if (unavailable !== undefined)
      throw new Error(`CI=true but the namespaced demo cannot run: ${unavailable}`);
    const demo = startDemo();
    const commands = await printedCommands(demo);
    expect(commands).toHaveLength(3);
    const [status, monitor, getHealth] = commands;
    const tag = NS_TAG.exec(monitor!)![1]!;
    expect(namespacesOf(tag).sort()).toEqual([`${tag}-gin`, `${tag}-gw`, `${tag}-sub`]);

    expect(sh(status!)).toMatch(/^DEMOF +RUNNING +\d+ .*\nDEMOR +RUNNING +\d+ /m);
    // the subnet IOC's ramp on the GIN through DEMOF: counting up once a second
    const values = [...sh(`timeout 4 ${monitor!} || true`).matchAll(/^SUB:RAMP +\S+ \S+ (\d+)$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(values[1]! - values[0]!).toBe(1);
    // the GIN's PV in the subnet through DEMOR: the monitor command moved to the subnet's namespace
    const getGin = monitor!
      .replace(`${tag}-gin`, `${tag}-sub`)
      .replace('EPICS_CA_ADDR_LIST=198.18.100.2', 'EPICS_CA_ADDR_LIST=198.18.101.255')
      .replace(/ca monitor SUB:RAMP$/, 'ca get GIN:MSG');
    expect(sh(getGin)).toBe('GIN:MSG                        hello from the GIN\n');
    // the health IOC inside the container: the gateways RUNNING; STATUS Ok or Degraded (a busy host's
    // CPU load is MINOR in the demo), never Fault
    const health = sh(getHealth!);
    expect(health).toMatch(/^DEMO:STATUS +(Ok|Degraded)$/m);
    expect(health).toMatch(/^DEMO:DEMOF:STATE +RUNNING$/m);
    expect(health).toMatch(/^DEMO:DEMOF:PV_TOTAL +\d+$/m);
    // DEMOF's deny rule holds: the subnet's secret is not on the GIN
    expect(() => sh(monitor!.replace(/ca monitor SUB:RAMP$/, 'ca get SUB:SECRET:KEY'))).toThrow(/not found/);

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toContain('demo namespaces removed');
    expect(namespacesOf(tag)).toEqual([]);
  }, 90_000);

  it('SIGTERM stops it cleanly too', async () => {
    if (unavailable !== undefined)
      throw new Error(`CI=true but the namespaced demo cannot run: ${unavailable}`);
    const demo = startDemo();
    const [, monitor] = await printedCommands(demo);
    const tag = NS_TAG.exec(monitor!)![1]!;
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toMatch(/DEMOF: stopping -> stopped \(stopped by request\)/);
    expect(namespacesOf(tag)).toEqual([]);
  }, 60_000);
});
