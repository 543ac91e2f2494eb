// Test-only: free loopback ports. CA uses one number for UDP and TCP, so a port is free only when both
// are, and the loopback broadcast address too (servers bind it to see same-host broadcast searches).
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tryBindUdp(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', reuseAddr: false });
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind({ port, address: host, exclusive: true }, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function tryListenTcp(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(p));
    });
  });
}

/** A port free for both UDP and TCP on 127.0.0.1 (and UDP on the loopback broadcast), at the time of asking. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = await tryBindUdp(0, '127.0.0.1');
    if (candidate === undefined || candidate > 65000) continue;
    if ((await tryListenTcp(candidate, '127.0.0.1')) === undefined) continue;
    if ((await tryBindUdp(candidate, '127.255.255.255')) === undefined) continue;
    return candidate;
  }
  throw new Error('no free port found');
}
