// Test-only helpers for client integration tests: free loopback ports, a quiet CA server on loopback
// configured as the project rules require, and small waiting utilities.
import dgram from 'node:dgram';
import net from 'node:net';
import { CaClient } from '../../src/ca/client/index.js';
import { memoryLogger } from '../../src/log.js';
import { startCaServer, type CaServer } from '../../src/ioc/server/ca-server.js';
import type { PvProvider } from '../../src/ioc/server/pv.js';

/** A port free for both TCP and UDP on 127.0.0.1 (CA uses the same number for both). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

export async function startServer(provider: PvProvider, port: number): Promise<CaServer> {
  const beaconPort = await freePort();
  return startCaServer({
    provider,
    log: memoryLogger(),
    env: {
      EPICS_CAS_INTF_ADDR_LIST: '127.0.0.1',
      EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
      EPICS_CAS_BEACON_ADDR_LIST: '127.0.0.1',
      EPICS_CAS_BEACON_PORT: String(beaconPort),
      EPICS_CAS_SERVER_PORT: String(port),
    },
  });
}

/** A client that searches only 127.0.0.1:port, with a short search back-off cap for fast tests. */
export function loopbackClient(
  port: number,
  extra: ConstructorParameters<typeof CaClient>[0] = {},
): CaClient {
  return new CaClient({
    env: {},
    addrList: [`127.0.0.1:${port}`],
    autoAddrList: false,
    maxSearchPeriodMs: 500,
    ...extra,
  });
}

export async function until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
