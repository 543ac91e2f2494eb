// Dev tool: makes docs/ioc-status-panel.png, the README's picture of an IOC status panel. Runs a real
// agent (`gwagent run`, loopback only) with two ca-gateway stand-ins serving statistics, renders that
// container's panel with `gwagent display render`'s renderer, fills it with the values read over CA and
// photographs the page with headless chromium. Needs `npm run build` first, Debian chromium and
// fonts-liberation. Run: node --import tsx scripts/bob/readme-picture.ts [OUT.png]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentFixture } from '../../test/agent/harness.js';
import { loadSurfaceSite } from '../../src/surfaces/index.js';
import { renderPanel } from '../../src/surfaces/render-panel.js';
import { pvNames, readValues, renderPage } from './preview.js';

const out = resolve(process.argv[2] ?? 'docs/ioc-status-panel.png');
const agent = new AgentFixture('CR01GW01');
const facts = [
  'label = EPICS Gateway 1 (ACC <-> GIN)',
  'location = Container on VM GW01HOST01',
  'engineer = A. Moll',
  'build = 23.00',
  'build_date = 2015-06-01',
  'stream = production',
];
try {
  await agent.configure(
    [
      { name: 'GWF01', label: 'ACC to GIN' },
      { name: 'GWR01', label: 'GIN to ACC' },
    ],
    (ini) => ini.replace(/^label = .*$/m, facts.join('\n')),
  );
  await agent.start();
  // a LOAD sample needs a previous one; the statistics mirror needs its monitors
  await new Promise((r) => setTimeout(r, 20_000));
  const { site } = loadSurfaceSite(agent.configPath);
  const bob = renderPanel(site.containers[0]!);
  const values = await readValues(pvNames(bob), `127.0.0.1:${agent.iocPort}`);
  const dir = mkdtempSync(join(tmpdir(), 'gwagent-picture-'));
  const page = join(dir, 'panel.html');
  writeFileSync(page, renderPage(bob, values));
  const height = Number(/<height>(\d+)<\/height>/.exec(bob)![1]);
  const shot = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--screenshot=${out}`,
      `--window-size=900,${height}`,
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  rmSync(dir, { recursive: true, force: true });
  if (shot.status !== 0) throw new Error(`chromium failed: ${shot.stderr}`);
  console.log(`wrote ${out} (${values.size} PVs read)`);
} finally {
  await agent.stop().catch(() => undefined);
  await agent.dispose();
}
