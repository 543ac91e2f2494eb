// Test-only helpers for client integration tests: free loopback ports, a quiet CA server on loopback
// configured as the project rules require, and small waiting utilities.
import { CaClient } from '../../src/ca/client/index.js';
import { memoryLogger } from '../../src/log.js';
import { startCaServer, type CaServer } from '../../src/ioc/server/ca-server.js';
import type { PvProvider } from '../../src/ioc/server/pv.js';
import { freePort } from '../support/ports.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

export { freePort };

export async function startServer(provider: PvProvider, port: number): Promise<CaServer> {
  const beaconPort = await freePort();
  return startCaServer({
    provider,
    log: memoryLogger(),
    env: {
      ...LOOPBACK_SERVER_ENV,
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
