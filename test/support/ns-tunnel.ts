// Test-only: a TCP port on the test's loopback that reaches a TCP server inside a network namespace,
// through a unix socket (the file system is the one thing both namespaces share). Lets the tests'
// in-process CA client read an agent that runs in its own namespace (direct circuit, no search).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { BedProcess, ContainerNets } from './netns.js';

// Runs inside the namespace: unix socket in, TCP out.
const FORWARDER = `
const net = require('node:net');
const [sock, host, port] = process.argv.slice(1);
net.createServer((c) => {
  const t = net.connect(Number(port), host);
  c.pipe(t).pipe(c);
  c.on('error', () => t.destroy());
  t.on('error', () => c.destroy());
}).listen(sock, () => process.stdout.write('ready\\n'));
`;

export class NsTunnel {
  port = 0;
  private server: Server | undefined;
  private forwarder: BedProcess | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly nets: ContainerNets,
    private readonly ns: string,
    private readonly dir: string,
  ) {}

  /** Opens 127.0.0.1:<port> here, forwarded to host:port inside the namespace. */
  async open(host: string, port: number): Promise<number> {
    const sock = join(this.dir, `tunnel-${port}.sock`);
    const fwd = this.nets.spawn(this.ns, [process.execPath, '-e', FORWARDER, sock, host, String(port)]);
    this.forwarder = fwd;
    await new Promise<void>((resolve, reject) => {
      fwd.child.stdout?.once('data', () => resolve());
      void fwd.exited.then(({ code }) =>
        reject(new Error(`tunnel forwarder exited ${String(code)}: ${fwd.output}`)),
      );
    });
    this.server = createServer((c) => {
      this.sockets.add(c);
      const u = createConnection(sock);
      c.pipe(u).pipe(c);
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
      c.on('close', () => this.sockets.delete(c));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this.port;
  }

  close(): Promise<void> {
    void this.forwarder?.stop('SIGKILL');
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
