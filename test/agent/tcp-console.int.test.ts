// Issue 6, `console_port`: a gateway's console over TCP on loopback (procServ style), and an agent whose
// console port is taken: it must exit with the reason and stop the gateways it had already launched.
// Against the stand-in, which echoes its input back, and the real ca-gateway (peers, namespaces; its
// console reached through a tunnel), which reads no input: there the input shows as its terminal's echo,
// and its own output (the SIGUSR2 report) comes over TCP.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { NsTunnel } from '../support/ns-tunnel.js';
import { describeBothGateways, freePort, gatewayPids, waitFor, type AgentFixture } from './harness.js';

const BANNER = '@@@ gwagent: console of GWT; close the connection to detach\r\n';

describeBothGateways('TCP console', (backend, make) => {
  const fixtures: AgentFixture[] = [];
  const tunnels: NsTunnel[] = [];
  afterAll(async () => {
    for (const t of tunnels) await t.close();
    for (const f of fixtures) await f.dispose();
  });

  async function agentWithConsole(port: number): Promise<AgentFixture> {
    const agent = await make('TC');
    fixtures.push(agent);
    await agent.configure([{ name: 'GWT', label: 'console gateway' }], (ini) =>
      ini.replace(/^socket = .*$/m, (line) => `${line}\nconsole_port = ${port}\nconsole_host = 127.0.0.1`),
    );
    return agent;
  }

  /** A connection to 127.0.0.1:port where the agent runs (its namespace, for the real gateway). */
  async function connect(agent: AgentFixture, port: number): Promise<Socket> {
    let target = port;
    if (agent.nets) {
      const tunnel = new NsTunnel(agent.nets, agent.nets.agentNs, agent.dir);
      tunnels.push(tunnel);
      target = await tunnel.open('127.0.0.1', port);
    }
    const socket = createConnection(target, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  }

  it('shows the output and passes input to the gateway', async () => {
    const port = await freePort();
    const agent = await agentWithConsole(port);
    await agent.start();
    await agent.waitStr('GWT:STATE', (s) => s === 'RUNNING');
    await agent.waitStr('GWT:ALIVE', (s) => s === 'Yes', 20_000);
    const socket = await connect(agent, port);
    let seen = '';
    socket.on('data', (d: Buffer) => (seen += d.toString()));
    await waitFor(
      () => seen.startsWith(BANNER) || undefined,
      10_000,
      () => `the banner: ${seen}`,
    );
    socket.write('over-tcp\r');
    // its terminal echoes the line (ICRNL, ONLCR); the stand-in also reads it and answers
    const echo = `${BANNER}over-tcp\r\n${backend === 'stand-in' ? 'stdin: over-tcp\r\n' : ''}`;
    await waitFor(
      () => seen.startsWith(echo) || undefined,
      10_000,
      () => `the echo: ${JSON.stringify(seen)}`,
    );
    // output of the gateway's own making: its PV summary report on SIGUSR2 (the real one indents it)
    const report = `${backend === 'stand-in' ? ' ' : '\r\n  '}Report2 written to gateway.report\r\n`;
    process.kill(await agent.num('GWT:PID'), 'SIGUSR2');
    await waitFor(
      () => seen.endsWith(report) || undefined,
      10_000,
      () => `the report: ${JSON.stringify(seen)}`,
    );
    socket.end();
    const log = agent.gatewayLog('GWT');
    expect(log).toMatch(/Z over-tcp\n/);
    expect(log).toContain(report.replace(/\r\n/g, '\n').trimStart());
    expect(await agent.stop()).toBe(0);
    expect(gatewayPids(agent.home('GWT'))).toEqual([]);
  });

  it('a console port in use: the agent exits 1 and leaves no gateway running', async () => {
    const port = await freePort();
    const agent = await agentWithConsole(port);
    const release = await occupy(agent, port);
    try {
      await expect(agent.start()).rejects.toThrow(/the agent exited 1/);
      expect(agent.output).toContain(
        `gwagent run: cannot listen for TCP consoles: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
      expect(agent.output).toContain('GWT: stopping -> stopped (stopped by request)');
      expect(gatewayPids(agent.home('GWT'))).toEqual([]);
    } finally {
      await release();
    }
  });
});

/** Listens on 127.0.0.1:port where the agent runs (in its namespace for the real gateway); returns the release. */
async function occupy(agent: AgentFixture, port: number): Promise<() => Promise<void>> {
  const nets = agent.nets;
  if (nets) {
    const listener = `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening'))`;
    const proc = nets.spawn(nets.agentNs, [process.execPath, '-e', listener]);
    await waitFor(() => proc.output.includes('listening') || undefined, 10_000, 'the port blocker');
    return () => proc.stop('SIGKILL');
  }
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  return () => new Promise((resolve) => blocker.close(() => resolve()));
}
