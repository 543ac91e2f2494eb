// Test-only: runs `gwagent run` (the compiled CLI) for an example container's agent config made
// loopback-only by loopbackIni, and stops it again (SIGTERM, awaited; its temp dir removed).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSite } from '../../src/gwconfig/site-model.js';
import { renderSite } from '../../src/gwconfig/site-render.js';
import { loopbackIni } from './agent-ini.js';
import { REPO } from './surface-files.js';
import { LOOPBACK_CLIENT_ENV, LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

const GWAGENT = join(REPO, 'bin/gwagent.js');

/** The agent's environment: CA server and client on loopback only. */
export const AGENT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  ...LOOPBACK_SERVER_ENV,
  ...LOOPBACK_CLIENT_ENV,
  GWAGENT_CA_CONN_TMO: '1',
};

/** The agent INI text of each container of an example, by container name. */
export function agentTexts(file: string): Map<string, string> {
  const path = join(REPO, 'examples', file);
  if (file.endsWith('.json')) {
    const rendered = renderSite(loadSite(path).site);
    return new Map(Object.entries(rendered.agents).map(([f, t]) => [f.replace(/\.ini$/, ''), t]));
  }
  const text = readFileSync(path, 'utf8');
  return new Map([[/^name\s*=\s*(\S+)/m.exec(text)![1]!, text]]);
}

export interface RunningAgent {
  /** Port of its health IOC on 127.0.0.1. */
  port: number;
  stop(): Promise<void>;
}

export async function startAgent(name: string, ini: string): Promise<RunningAgent> {
  const dir = mkdtempSync(join(tmpdir(), `gwagent-surfaces-${name}-`));
  const { text, iocPort } = await loopbackIni(ini, dir);
  writeFileSync(join(dir, 'agent.ini'), text);
  const proc = spawn(process.execPath, [GWAGENT, 'run', '--config', join(dir, 'agent.ini')], {
    cwd: REPO,
    env: AGENT_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 30_000;
  while (!output.includes(`agent ${name} running:`)) {
    if (proc.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`agent ${name} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port: iocPort, stop };
}
