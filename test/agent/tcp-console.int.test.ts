// Issue 6, `console_port`: a gateway's console over TCP on loopback (procServ style), and an agent whose
// console port is taken: it must exit with the reason and stop the gateways it had already launched.
// Stand-in: the console carries bytes either way whatever the program; the stand-in echoes input back.
import { createConnection, createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentFixture, freePort, standinPids, waitFor } from './harness.js';

const fixtures: AgentFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) await f.dispose();
});

async function agentWithConsole(port: number): Promise<AgentFixture> {
  const agent = new AgentFixture('TC');
  fixtures.push(agent);
  await agent.configure([{ name: 'GWT', label: 'console gateway' }], (ini) =>
    ini.replace(/^socket = .*$/m, (line) => `${line}\nconsole_port = ${port}\nconsole_host = 127.0.0.1`),
  );
  return agent;
}

describe('TCP console', () => {
  it('shows the output and passes input to the gateway', async () => {
    const port = await freePort();
    const agent = await agentWithConsole(port);
    await agent.start();
    await agent.waitStr('GWT:STATE', (s) => s === 'RUNNING');
    const socket = createConnection(port, '127.0.0.1');
    let seen = '';
    socket.on('data', (d: Buffer) => (seen += d.toString()));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('over-tcp\r');
    await waitFor(() => seen.includes('stdin: over-tcp') || undefined, 10_000, `the echo: ${seen}`);
    socket.end();
    expect(agent.gatewayLog('GWT')).toContain('stdin: over-tcp');
    expect(await agent.stop()).toBe(0);
  });

  it('a console port in use: the agent exits 1 and leaves no gateway running', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const agent = await agentWithConsole(port);
      await expect(agent.start()).rejects.toThrow(/the agent exited 1/);
      expect(agent.output).toContain(
        `gwagent run: cannot listen for TCP consoles: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
      expect(agent.output).toContain('GWT: stopping -> stopped (stopped by request)');
      expect(standinPids(agent.home('GWT'))).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
