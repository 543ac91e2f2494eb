// Test-only: starts our CA server on loopback with a free port for the conformance and interop
// integration tests, and finds free ports. Loopback only; each test gets its own ports so files run in
// parallel. Not a test file.
import { startCaServer, type CaServer } from '../../src/ioc/server/ca-server.js';
import type { ConnectionLimits } from '../../src/ioc/server/connection.js';
import { memoryLogger } from '../../src/log.js';
import { freePort } from '../support/ports.js';
import type { SimpleProvider } from '../support/simple-pvs.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

export { freePort };

export interface Started {
  server: CaServer;
  port: number;
  log: ReturnType<typeof memoryLogger>;
}

/**
 * Starts a server for `provider` on 127.0.0.1. Without `port`, picks a free one (retrying when a
 * parallel test took it first, i.e. when the TCP port fell back to an ephemeral one).
 */
export async function startServer(
  provider: SimpleProvider,
  opts: {
    port?: number;
    limits?: Partial<ConnectionLimits>;
    beaconPort?: number;
    env?: Record<string, string>;
  } = {},
): Promise<Started> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = opts.port ?? (await freePort());
    const beaconPort = opts.beaconPort ?? (await freePort());
    const log = memoryLogger();
    const server = await startCaServer({
      provider,
      env: {
        ...LOOPBACK_SERVER_ENV,
        EPICS_CAS_SERVER_PORT: String(port),
        EPICS_CAS_BEACON_PORT: String(beaconPort),
        ...opts.env,
      },
      limits: opts.limits,
      log,
    });
    if (server.tcpPort === port || opts.port !== undefined) return { server, port, log };
    await server.close();
  }
  throw new Error('could not start a server on a free port');
}

/** Environment for a libca client (pyepics) that must find servers on `port` only. */
export function clientEnv(port: number, repeaterPort: number, addrList = '127.0.0.1'): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EPICS_CA_AUTO_ADDR_LIST: 'NO',
    EPICS_CA_ADDR_LIST: addrList,
    EPICS_CA_SERVER_PORT: String(port),
    EPICS_CA_REPEATER_PORT: String(repeaterPort),
    EPICS_CA_CONN_TMO: '30',
    PYTHONUNBUFFERED: '1',
  };
}
