// `npx tsx bench/site-hops.ts` (as root, with the peers): the cost of gateway hops in the namespaced
// two-subnet site of test/site (real ca-gateways under gwagent, softIoc in subnet A). From pyepics
// clients (bench/site_hops.py) in three places, to subnet A's IOC: direct (a client in A), one hop (a
// client on the GIN through GWF01) and two hops (a client in B through GWF01 -> GIN -> GWR02): get
// round-trip latency (with the gateways' cache, as configured, and again with no_cache so that every get
// goes upstream), and the monitor update rate of PVS records each processed 10 times a second.
// Prints a table and JSON; not a test (the figures depend on the machine and its load).
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { netnsUnavailable } from '../test/support/netns.js';
import { REPO, SiteBed, findPeers, type NetworkName } from '../test/site/site-bed.js';

const GETS = Number(process.env.BENCH_GETS ?? 2000);
const PVS = Number(process.env.BENCH_PVS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const reason =
  netnsUnavailable() ?? (findPeers() === undefined ? 'the EPICS peers are not found' : undefined);
if (reason !== undefined) {
  console.error(`bench/site-hops.ts cannot run: ${reason}`);
  process.exit(1);
}

const records = Array.from(
  { length: PVS },
  (_, i) =>
    `record(calc, "A:BENCH${i}") { field(SCAN, ".1 second") field(CALC, "A+1") field(INPA, "A:BENCH${i} NPP") }\n`,
).join('');

const PLACES: { label: string; network: NetworkName; addr?: string }[] = [
  { label: 'direct (client in A)', network: 'acc' },
  { label: 'one hop (GIN client via GWF01)', network: 'gin', addr: '198.18.0.91' },
  { label: 'two hops (client in B via GWF01 -> GIN -> GWR02)', network: 'awf' },
];

interface Row {
  place: string;
  median_ms: number;
  p99_ms: number;
  updates_per_s?: number;
}

/** One site: the gets (and, unless `isGetOnly`, the monitors) from each place. */
async function measure(noCache: boolean): Promise<Row[]> {
  const site = new SiteBed(findPeers()!);
  try {
    const rendered = site.render((text) =>
      noCache ? text.replace('"gateway_defaults": {', '"gateway_defaults": {\n    "no_cache": true,') : text,
    );
    if (rendered.code !== 0) throw new Error(`site render failed: ${rendered.stderr}`);
    await site.build();
    site.startIoc('acc', records);
    site.startIoc('awf');
    for (const c of ['CR01GW00', 'CR01GW01', 'CR01GW02'] as const) site.startAgent(c);
    await new Promise((r) => setTimeout(r, 5000));
    const py = async (network: NetworkName, addr: string | undefined, args: string[]) => {
      const r = await site.bed.run(network, ['/usr/bin/python3', join(REPO, 'bench/site_hops.py'), ...args], {
        env: site.clientEnv(network, addr),
        timeoutMs: 180_000,
      });
      if (r.code !== 0)
        throw new Error(`site_hops.py ${args.join(' ')} in ${network}: ${r.stdout}${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    };
    const rows: Row[] = [];
    for (const place of PLACES) {
      const get = await py(place.network, place.addr, ['get', 'A:SETPT', String(GETS)]);
      const row: Row = { place: place.label, median_ms: get.median_ms!, p99_ms: get.p99_ms! };
      if (!noCache)
        row.updates_per_s = (
          await py(place.network, place.addr, ['monitor', 'A:BENCH', String(PVS), String(SECONDS)])
        ).updates_per_s!;
      rows.push(row);
    }
    return rows;
  } finally {
    await site.dispose();
  }
}

const load0 = loadavg()[0]!;
const cached = await measure(false);
const uncached = await measure(true);
const expected = PVS * 10;
console.log(
  `\nGateway hops in the namespaced site (${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}, ${new Date().toISOString()})`,
);
console.log(
  `get: ${GETS} sequential round trips of A:SETPT (gateways caching, as configured; and with no_cache, every get forwarded upstream)`,
);
console.log(`monitor: ${PVS} records at 10 Hz = ${expected} updates/s offered\n`);
console.log(
  `| path | get median | get p99 | get median, no_cache | get p99, no_cache | monitor updates/s (of ${expected}) |`,
);
console.log('| --- | --- | --- | --- | --- | --- |');
cached.forEach((r, i) => {
  const u = uncached[i]!;
  console.log(
    `| ${r.place} | ${r.median_ms.toFixed(3)} ms | ${r.p99_ms.toFixed(3)} ms | ${u.median_ms.toFixed(3)} ms | ${u.p99_ms.toFixed(3)} ms | ${Math.round(r.updates_per_s ?? 0)} |`,
  );
});
console.log(`\n${JSON.stringify({ cached, uncached })}`);
