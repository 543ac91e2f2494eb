// Whole-file golden snapshots of everything gwconfig renders: a forward/reverse pair, a oneway GIN-GIN
// gateway and a three-container site (agent INIs, hosts, tables, and every gateway's files).
// The golden files are reviewed by hand; a change in rendering shows as a diff of them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import { renderAll } from '../../src/gwconfig/render-gateway.js';
import { launchText } from '../../src/gwconfig/write-rendered.js';
import { parseSite } from '../../src/gwconfig/site-model.js';
import { renderSite } from '../../src/gwconfig/site-render.js';
import { confluenceTable, markdownTable } from '../../src/gwconfig/site-table.js';

const here = new URL('.', import.meta.url).pathname;

function loadFixture(name: string) {
  const file = `fixtures/${name}`;
  const result = checkAgentText(file, readFileSync(`${here}${file}`, 'utf8'));
  expect(result.problems).toEqual([]);
  return result.config;
}

async function expectGateways(fixture: string, dir: string): Promise<void> {
  for (const g of renderAll(loadFixture(fixture))) {
    await expect(g.pvlist).toMatchFileSnapshot(`golden/${dir}/${g.name}/gateway.pvlist`);
    await expect(g.access).toMatchFileSnapshot(`golden/${dir}/${g.name}/gateway.access`);
    await expect(g.command).toMatchFileSnapshot(`golden/${dir}/${g.name}/gateway.command`);
    await expect(launchText(g)).toMatchFileSnapshot(`golden/${dir}/${g.name}/launch.json`);
  }
}

describe('golden files', () => {
  it('forward/reverse pair', async () => {
    await expectGateways('pair.ini', 'pair');
  });

  it('oneway GIN-GIN gateway', async () => {
    await expectGateways('oneway.ini', 'oneway');
  });

  it('three-container site: agent INIs, hosts, tables and every gateway file', async () => {
    const file = 'fixtures/site3.json';
    const { site, problems } = parseSite(file, readFileSync(`${here}${file}`, 'utf8'));
    expect(problems).toEqual([]);
    const rendered = renderSite(site);
    expect(rendered.problems).toEqual([]);
    expect(Object.keys(rendered.agents)).toEqual(['CR01GW00.ini', 'CR01GW01.ini', 'CR01GW02.ini']);
    for (const [name, text] of Object.entries(rendered.agents)) {
      await expect(text).toMatchFileSnapshot(`golden/site3/${name}`);
      const agent = checkAgentText(name, text);
      expect(agent.problems).toEqual([]);
      for (const g of renderAll(agent.config)) {
        await expect(g.pvlist).toMatchFileSnapshot(`golden/site3/${g.name}/gateway.pvlist`);
        await expect(g.access).toMatchFileSnapshot(`golden/site3/${g.name}/gateway.access`);
        await expect(launchText(g)).toMatchFileSnapshot(`golden/site3/${g.name}/launch.json`);
      }
    }
    await expect(rendered.hosts).toMatchFileSnapshot('golden/site3/hosts');
    await expect(markdownTable(site)).toMatchFileSnapshot('golden/site3/table.md');
    await expect(confluenceTable(site)).toMatchFileSnapshot('golden/site3/table.confluence');
  });

  it('never passes -server, -log, -uid or -gid: gwagent supervises, captures output and drops privileges', () => {
    for (const fixture of ['pair.ini', 'oneway.ini']) {
      for (const g of renderAll(loadFixture(fixture))) {
        expect(g.argv.filter((a) => ['-server', '-log', '-uid', '-gid'].includes(a))).toEqual([]);
        expect(g.argv.filter((a) => a.startsWith('-')).length).toBeGreaterThanOrEqual(15);
      }
    }
  });

  it('every rendered file ends with exactly one newline and has no trailing comment on a rule line', () => {
    for (const fixture of ['pair.ini', 'oneway.ini']) {
      for (const g of renderAll(loadFixture(fixture))) {
        for (const text of [g.pvlist, g.access, g.command]) {
          expect(text.endsWith('\n')).toBe(true);
          expect(text.endsWith('\n\n')).toBe(false);
        }
        for (const line of g.pvlist.split('\n')) {
          if (line.startsWith('#') || line === '') continue;
          expect(line).not.toContain('#');
          expect(line.length).toBeLessThan(1024);
        }
      }
    }
  });
});
