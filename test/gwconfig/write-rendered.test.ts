// writeRendered: atomic writes of only changed files, and the reload/restart report.
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import { renderAll } from '../../src/gwconfig/render-gateway.js';
import { writeRendered } from '../../src/gwconfig/write-rendered.js';

const here = new URL('.', import.meta.url).pathname;
const base = readFileSync(`${here}fixtures/pair.ini`, 'utf8');

function render(text: string) {
  const result = checkAgentText('pair.ini', text);
  expect(result.hasErrors).toBe(false);
  return renderAll(result.config);
}

describe('writeRendered', () => {
  it('argv names the files under state_dir/gateways even when home is elsewhere', () => {
    const [gwf] = render(base.replace('connect_timeout = 2', 'connect_timeout = 2\nhome = /home/gw'));
    expect(gwf!.argv.slice(1, 5)).toEqual(['-home', '/home/gw', '-prefix', 'GWF01']);
    expect(gwf!.paths).toMatchObject({
      pvlist: '/srv/gwagent/gateways/GWF01/gateway.pvlist',
      command: '/srv/gwagent/gateways/GWF01/gateway.command',
    });
  });

  it('writes new gateways (restart), then nothing, then reloads or restarts by what changed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gwconfig-out-'));
    const first = await writeRendered(out, render(base));
    expect(first.restart).toEqual(['GWF01', 'GWR01']);
    expect(first.reload).toEqual([]);
    expect(first.written).toHaveLength(8);
    expect(readdirSync(join(out, 'GWF01')).sort()).toEqual([
      'gateway.access',
      'gateway.command',
      'gateway.pvlist',
      'launch.json',
    ]);
    const mtime = statSync(join(out, 'GWF01', 'gateway.pvlist')).mtimeMs;

    expect(await writeRendered(out, render(base))).toEqual({
      reload: [],
      restart: [],
      written: [],
      removed: [],
    });
    expect(statSync(join(out, 'GWF01', 'gateway.pvlist')).mtimeMs).toBe(mtime);

    const ruleChanged = base.replace('deny = SR.*', 'deny = SR:.*');
    expect(await writeRendered(out, render(ruleChanged))).toEqual({
      reload: ['GWR01'],
      restart: [],
      written: [join(out, 'GWR01', 'gateway.pvlist')],
      removed: [],
    });

    const groupChanged = ruleChanged.replace('users = ops1, ops2', 'users = ops1');
    expect(await writeRendered(out, render(groupChanged))).toEqual({
      reload: ['GWF01'],
      restart: [],
      written: [join(out, 'GWF01', 'gateway.access')],
      removed: [],
    });

    const timeoutChanged = groupChanged.replace('connect_timeout = 2', 'connect_timeout = 3');
    expect(await writeRendered(out, render(timeoutChanged))).toEqual({
      reload: [],
      restart: ['GWF01'],
      written: [join(out, 'GWF01', 'launch.json')],
      removed: [],
    });

    const both = timeoutChanged
      .replace('connect_timeout = 3', 'connect_timeout = 4')
      .replace('allow = .*\ndeny', 'allow = X.*\ndeny');
    const report = await writeRendered(out, render(both));
    expect(report.restart).toEqual(['GWF01']);
    expect(report.reload).toEqual(['GWR01']);

    const withoutReverse = await writeRendered(out, render(both).slice(0, 1));
    expect(withoutReverse).toEqual({ reload: [], restart: [], written: [], removed: ['GWR01'] });

    const leftovers = readdirSync(join(out, 'GWF01')).filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
    expect(readFileSync(join(out, 'GWR01', 'gateway.pvlist'), 'utf8')).toBe(render(both)[1]!.pvlist);
  });
});
