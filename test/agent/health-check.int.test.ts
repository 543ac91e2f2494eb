// `gwagent status --health`, the container image's HEALTHCHECK: its exit status follows the agent's
// STATUS PV (read over CA here to compare): 0 for Ok, 1 for Fault, 1 when no agent answers.
// The healthy case with the real ca-gateway (exit 0, "Ok") is in real-gateway.int.test.ts; the faults
// here (no gateway binary, no agent) involve no gateway process.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quietHost } from '../agent-faults/quiet-host.js';
import { AgentFixture } from './harness.js';

const healthy = new AgentFixture('HC');
const faulty = new AgentFixture('HF');

afterAll(async () => {
  await healthy.dispose();
  await faulty.dispose();
});

describe('gwagent status --health', () => {
  it('exits 0 and says Ok while the gateway runs and STATUS is Ok', async () => {
    await healthy.configure([{ name: 'GWH' }], quietHost);
    await healthy.start();
    await healthy.waitStr('GWH:ALIVE', (s) => s === 'Yes');
    await healthy.waitStr('STATUS', (s) => s === 'Ok', 10_000);
    const r = await healthy.cli(['status', '--health']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'Ok\n', '']);
  });

  it('exits 1 and says Fault while the gateway cannot start (FATAL, MAJOR)', async () => {
    await faulty.configure([{ name: 'GWX', keys: { binary: '/nonexistent/gateway' } }], quietHost);
    await faulty.start();
    await faulty.waitStr('GWX:STATE', (s) => s === 'FATAL');
    await faulty.waitStr('STATUS', (s) => s === 'Fault', 10_000);
    const r = await faulty.cli(['status', '--health']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Fault: .*GWX:STATE FATAL/);
  });

  it('exits 1 naming the socket when no agent answers', async () => {
    const socket = join(healthy.dir, 'nobody.sock');
    const r = await healthy.cli(['status', '--health'], socket);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^Unknown: the agent does not answer on ${socket}: cannot reach`));
  });
});
