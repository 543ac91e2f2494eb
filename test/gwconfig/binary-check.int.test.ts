// Issue 12's bad input: a gateway binary that exists but cannot be run is a config error, named with
// its file, line and path: `config check` and `gwagent run` exit 78 and `run` writes nothing (no state
// or log directory, no gateway files). A binary that does not exist yet stays a runtime FATAL
// (test/agent/reload.int.test.ts), so an agent whose gateway arrives later still starts.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOOPBACK_NETWORK_LINES } from '../agent/harness.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gwagent-binary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gwagent(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'gwagent.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

function config(binaryA: string, binaryB: string): string {
  const file = join(dir, 'agent.ini');
  writeFileSync(
    file,
    [
      '[agent]',
      'name = BX',
      `state_dir = ${join(dir, 'state')}`,
      `log_dir = ${join(dir, 'log')}`,
      '',
      '[ioc]',
      'address = 127.0.0.1',
      'port = 47999',
      '',
      '[control]',
      `socket = ${join(dir, 'control.sock')}`,
      '',
      ...LOOPBACK_NETWORK_LINES,
      '',
      '[gateway.GWA]',
      'direction = forward',
      'allow = .*',
      `binary = ${binaryA}`,
      '',
      '[gateway.GWB]',
      'direction = forward',
      'allow = .*',
      'server_port = 47998',
      `binary = ${binaryB}`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('a gateway binary that cannot be run', () => {
  const plain = join(dir, 'gateway-plain');
  writeFileSync(plain, '#!/bin/sh\nexit 0\n');
  chmodSync(plain, 0o644);
  const folder = join(dir, 'gateway-dir');
  mkdirSync(folder);

  it('config check: exit 78, one located error per gateway naming the path and why', () => {
    const file = config(plain, folder);
    const r = gwagent('config', 'check', file);
    expect(r.status).toBe(78);
    expect(r.stderr).toBe(
      `${file}:27: error: gateway GWA: binary ${plain} is not executable (chmod +x, or check the mount options)\n` +
        `${file}:33: error: gateway GWB: binary ${folder} is not a regular file\n`,
    );
  });

  it('gwagent run: exit 78 with the same errors, nothing written', () => {
    const file = config(plain, '/nonexistent/gateway');
    const r = gwagent('run', '--config', file);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain(`${file}:27: error: gateway GWA: binary ${plain} is not executable`);
    expect(r.stderr).not.toContain('GWB');
    expect([existsSync(join(dir, 'state')), existsSync(join(dir, 'log'))]).toEqual([false, false]);
  });

  it('made executable, the same file checks clean', () => {
    chmodSync(plain, 0o755);
    const r = gwagent('config', 'check', config(plain, '/nonexistent/gateway'));
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});
