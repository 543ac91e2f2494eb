// The installed command on the examples: `node bin/gwagent.js config check` exits 0 on every example and
// 78 with FILE:LINE: error: lines on a bad file (the compiled CLI, as CI and operators run it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

function gwagent(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'gwagent.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

describe('gwagent config (compiled)', () => {
  it.each(readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ini')))(
    'config check examples/%s exits 0',
    (name) => {
      const result = gwagent('config', 'check', `examples/${name}`);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('site render of the example site exits 0', () => {
    const out = mkdtempSync(join(tmpdir(), 'gwconfig-int-'));
    const result = gwagent('site', 'render', 'examples/as-site.json', '--out', out);
    expect(result.status).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.ini'))).toHaveLength(10);
  });

  it.each([
    ['kubernetes', 22],
    ['compose', 11],
    ['incus', 31],
  ])('site render --target %s of the example site writes %i files', (target, count) => {
    const out = mkdtempSync(join(tmpdir(), 'gwconfig-int-'));
    const result = gwagent('site', 'render', 'examples/as-site.json', '--target', target, '--out', out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(out)).toHaveLength(count);
  });

  it('a bad config exits 78 with located errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwconfig-int-'));
    const file = join(dir, 'bad.ini');
    writeFileSync(file, '[agent]\nname = 1bad\n');
    const result = gwagent('config', 'check', file);
    expect(result.status).toBe(78);
    expect(result.stderr).toBe(
      `${file}:2: error: agent name "1bad" must start with a letter and use letters, digits, _ and -\n`,
    );
  });
});
