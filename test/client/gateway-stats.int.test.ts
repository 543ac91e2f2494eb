// The 24 ca-gateway statistics PVs (shared/reference/ca-gateway.md §3: all DBF_DOUBLE, counters posted
// on change, rates re-posted every period and 0 to a one-shot read) read through CaClient from the
// ca-gateway stand-in fixture, which serves the same names and types.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import { caGet, type CaClient, type CaValue } from '../../src/ca/client/index.js';
import { freePort, loopbackClient, until } from './helpers.js';

const STATS: [name: string, units: string, prec: number][] = [
  ['vctotal', '', 0],
  ['pvtotal', '', 0],
  ['connected', '', 0],
  ['active', '', 0],
  ['inactive', '', 0],
  ['unconnected', '', 0],
  ['dead', '', 0],
  ['connecting', '', 0],
  ['disconnected', '', 0],
  ['clientEventRate', 'Hz', 2],
  ['clientPostRate', 'Hz', 2],
  ['existTestRate', 'Hz', 2],
  ['loopRate', 'Hz', 2],
  ['cpuFract', '', 3],
  ['load', '', 3],
  ['serverEventRate', 'Hz', 2],
  ['serverPostRate', 'Hz', 2],
  ['commandFlag', '', 0],
  ['report1Flag', '', 0],
  ['report2Flag', '', 0],
  ['report3Flag', '', 0],
  ['newAsFlag', '', 0],
  ['quitFlag', '', 0],
  ['quitServerFlag', '', 0],
];

let gateway: ChildProcess;
let home: string;
let port: number;
let client: CaClient;

beforeAll(async () => {
  port = await freePort();
  const beaconPort = await freePort();
  home = mkdtempSync(join(tmpdir(), 'gwagent-stats-'));
  gateway = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/fixtures/gateway-standin/main.ts',
      '-prefix',
      'GWT',
      '-home',
      home,
      '-sip',
      '127.0.0.1',
      '-sport',
      String(port),
    ],
    {
      env: {
        ...process.env,
        EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
        EPICS_CAS_BEACON_ADDR_LIST: '127.0.0.1',
        EPICS_CAS_BEACON_PORT: String(beaconPort),
        GATEWAY_STANDIN_RATE_PERIOD_MS: '300',
        GATEWAY_STANDIN_STATS: 'vctotal=4,pvtotal=6,connected=4,active=3,inactive=1,unconnected=2,dead=2',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  gateway.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await until(() => log.includes('Server listening on port'), 20_000, 'the gateway stand-in');
  client = loopbackClient(port);
});

afterAll(async () => {
  await client?.close();
  gateway?.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
});

describe('ca-gateway statistics PVs through CaClient', () => {
  it('reads all 24 as DOUBLE x1 with their units, precision and the counters values', async () => {
    const names = STATS.map(([n]) => `GWT:${n}`);
    const results = await caGet(names, { client, dbrType: C.DBR_CTRL_DOUBLE, connectTimeoutMs: 5000 });
    expect(results.filter((r) => r.error)).toEqual([]);
    for (const [i, r] of results.entries()) {
      const [, units, prec] = STATS[i]!;
      expect([r.name, r.channel!.nativeType, r.channel!.nativeCount]).toEqual([names[i], C.DBF_DOUBLE, 1]);
      expect([r.value!.units, r.value!.precision, r.value!.severity]).toEqual([units, prec, 0]);
    }
    const byName = Object.fromEntries(results.map((r) => [r.name.slice(4), r.value!.value]));
    expect(byName).toMatchObject({ vctotal: 4, pvtotal: 6, connected: 4, active: 3, inactive: 1, dead: 2 });
    // A one-shot read of a rate stat is 0 (the PV object is fresh), as with the real gateway.
    expect(byName.loopRate).toBe(0);
    const desc = await caGet(['GWT:vctotal.DESC', 'GWT:loopRate.DESC'], { client });
    expect(desc.map((r) => r.value?.value)).toEqual(['Total VCs', 'Loop Rate']);
  });

  it('sees rate stats re-posted every period by a held monitor, with time stamps', async () => {
    const ch = client.channel('GWT:loopRate');
    await ch.connected(5000);
    const updates: CaValue[] = [];
    const sub = ch.subscribe({}, (v) => updates.push(v));
    await until(() => updates.length >= 3, 5000, 'rate updates');
    sub.cancel();
    expect(updates[0]!.value).toBe(0);
    expect(updates.slice(1).map((u) => u.value)).toEqual(updates.slice(1).map(() => 98.8));
    const age = Date.now() - updates[2]!.timestamp!.getTime();
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5000);
  });
});
